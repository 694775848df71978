/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which tool builds the guest's initramfs, and the images in /boot. A table
 * of flavours, first match wins: dracut before SUSE's mkinitrd because SUSE
 * 12+ ships /sbin/mkinitrd as a wrapper around dracut.
 */
#include "inspect/guest.h"
#include "util/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *flavour;
	const char *markers[5];
} flavours[] = {
	{"dracut",
	 {"/etc/dracut.conf", "/usr/lib/dracut/dracut-functions.sh", "/usr/bin/dracut",
	  "/usr/sbin/dracut", "/sbin/dracut"}},
	{"initramfs-tools",
	 {"/etc/initramfs-tools/initramfs.conf", "/usr/sbin/mkinitramfs",
	  "/usr/share/initramfs-tools"}},
	{"mkinitrd", {"/lib/mkinitrd", "/sbin/mkinitrd"}},
};

struct images {
	struct guest *g;
	VEC(const char *) names;
	int err;
};

static int collect(void *ud, const char *name, enum gfs_type type)
{
	struct images *im = ud;
	const char **slot;

	if (type != GFS_REG ||
	    (!str_startswith(name, "initrd") && !str_startswith(name, "initramfs")))
		return 0;
	if (str_endswith(name, ".hmac") || im->names.n >= 256)
		return 0;
	slot = VEC_PUSH(im->g->arena, im->names);
	if (!slot || !(*slot = arena_printf(im->g->arena, "/boot/%s", name))) {
		im->err = -ENOMEM;
		return 1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int inspect_initramfs(struct guest *g, struct gtree *t)
{
	struct images im = {.g = g};

	for (size_t i = 0; i < sizeof(flavours) / sizeof(flavours[0]) && !g->initramfs_flavour; i++)
		for (size_t m = 0; m < 5 && flavours[i].markers[m]; m++)
			if (gtree_exists(t, flavours[i].markers[m])) {
				g->initramfs_flavour = flavours[i].flavour;
				break;
			}
	gtree_readdir(t, "/boot", collect, &im);
	if (im.err)
		return im.err;
	if (im.names.n)
		qsort(im.names.v, im.names.n, sizeof(*im.names.v), cmp_str);
	for (size_t i = 0; i < im.names.n; i++)
		if (guest_strvec_add(g, &g->initramfs_images, im.names.v[i]) < 0)
			return -ENOMEM;
	return 0;
}
