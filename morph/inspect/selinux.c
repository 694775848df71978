/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SELinux: the mode and policy from /etc/selinux/config. Conversion needs
 * them because every file it writes must be relabelled on an enforcing or
 * permissive guest. No config file means SELinux is not installed
 * (g->selinux stays NULL).
 */
#include "inspect/guest.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SELINUX_CONFIG "/etc/selinux/config"

static const char *const selinux_modes[] = {"enforcing", "permissive", "disabled"};

/* Lowercased arena copy; -ENOMEM. */
static int selinux_lower(struct guest *g, const char *v, const char **ret)
{
	char *c = arena_strdup(g->arena, v);

	if (!c)
		return -ENOMEM;
	for (char *p = c; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	*ret = c;
	return 0;
}

int inspect_selinux(struct guest *g, struct gtree *t)
{
	struct arena *a = NULL;
	kv_list kv = {0};
	const char *mode, *type;
	char *buf = NULL;
	size_t len;
	bool known = false;
	int r;

	r = gtree_read(t, SELINUX_CONFIG, GUEST_SMALL_FILE, &buf, &len);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		guest_warn(g, "cannot read %s: %s; SELinux mode unknown", SELINUX_CONFIG,
			   strerror(-r));
		return 0;
	}
	r = arena_new(&a);
	if (r == 0)
		r = kv_parse_shell(a, buf, len, &kv);
	if (r < 0)
		goto out;
	mode = kv_get(&kv, "SELINUX");
	type = kv_get(&kv, "SELINUXTYPE");
	if (!mode || !mode[0]) {
		guest_warn(g, "%s has no SELINUX= setting; SELinux mode unknown", SELINUX_CONFIG);
	} else {
		r = selinux_lower(g, mode, &g->selinux);
		if (r < 0)
			goto out;
		for (size_t i = 0; i < sizeof(selinux_modes) / sizeof(selinux_modes[0]); i++)
			known |= strcmp(g->selinux, selinux_modes[i]) == 0;
		if (!known)
			guest_warn(g, "%s: unknown SELINUX=%s", SELINUX_CONFIG, g->selinux);
	}
	if (type && type[0] && !(g->selinux_type = arena_strdup(g->arena, type)))
		r = -ENOMEM;
out:
	arena_free(a);
	free(buf);
	return r;
}
