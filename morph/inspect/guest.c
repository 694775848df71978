/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "inspect/guest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *const virtio_driver_names[VD_COUNT] = {
	[VD_PCI] = "virtio_pci",
	[VD_BLK] = "virtio_blk",
	[VD_SCSI] = "virtio_scsi",
	[VD_NET] = "virtio_net",
};

int guest_new(struct morph_ctx *ctx, struct guest **ret)
{
	struct guest *g = calloc(1, sizeof(*g));
	int r;

	if (!g)
		return -ENOMEM;
	r = arena_new(&g->arena);
	if (r < 0) {
		free(g);
		return r;
	}
	g->ctx = ctx;
	g->root_volume = -1;
	g->default_kernel = -1;
	g->major = g->minor = -1;
	*ret = g;
	return 0;
}

void guest_free(struct guest *g)
{
	if (!g)
		return;
	arena_free(g->arena);
	free(g);
}

void guest_warn(struct guest *g, const char *fmt, ...)
{
	char msg[1024];
	const char **slot;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn(g->ctx, "%s", msg);
	slot = VEC_PUSH(g->arena, g->warnings);
	if (slot)
		*slot = arena_strdup(g->arena, msg);
}

int guest_strvec_add(struct guest *g, void *vec, const char *s)
{
	VEC(const char *) *v = vec;
	const char **slot;
	const char *copy = arena_strdup(g->arena, s);

	if (!copy)
		return -ENOMEM;
	slot = VEC_PUSH(g->arena, *v);
	if (!slot)
		return -ENOMEM;
	*slot = copy;
	return 0;
}
