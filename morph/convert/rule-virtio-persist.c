/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Keep virtio in the guest's own future initramfs images. The kernel rule
 * picks a kernel that has the drivers, but the next kernel update rebuilds
 * the initramfs with the guest's tool and its configuration; a hostonly
 * dracut run before the first boot on KVM, or an initramfs-tools "dep"
 * build, would leave virtio_blk out and the guest would not find its root.
 * So the drivers are named in the tool's configuration, by flavour:
 *
 *   dracut           /etc/dracut.conf.d/90-morph-virtio.conf, add_drivers+=
 *   initramfs-tools  missing lines appended to /etc/initramfs-tools/modules
 *   mkinitrd (SUSE)  missing words added to INITRD_MODULES in
 *                    /etc/sysconfig/kernel
 *
 * All four drivers are named even when the chosen kernel has some built in:
 * the setting outlives that kernel, and both tools skip a built-in driver
 * (dracut-install's install_module returns 0 when kmod finds no module file;
 * initramfs-tools takes only the "insmod" lines of modprobe --show-depends,
 * which prints "builtin" for these). A driver the configuration names already
 * is not added again, so a second convert plans nothing.
 */
#include "convert/convert.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIRTIO_RULE	      "virtio-persist"
#define VIRTIO_DRACUT_CONF    "/etc/dracut.conf.d/90-morph-virtio.conf"
#define VIRTIO_ITOOLS_MODULES "/etc/initramfs-tools/modules"
#define VIRTIO_SYSCONFIG      "/etc/sysconfig/kernel"
#define VIRTIO_ADDED	      "# added by morph"
/* dracut.conf.d files looked at; a real guest has a handful. */
#define VIRTIO_MAX_CONF_FILES 256

/* Module names compare with '-' and '_' as the same character. */
static bool virtio_modeq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return i == alen && !b[i];
}

static size_t virtio_word(const char *p, size_t len)
{
	size_t n = 0;

	while (n < len && !isspace((unsigned char)p[n]))
		n++;
	return n;
}

/* Mark in have[] the drivers among the words of [p, p + len). */
static void virtio_mark_words(const char *p, size_t len, bool have[VD_COUNT])
{
	const char *end = p + len;

	while (p < end) {
		const char *w;

		while (p < end && isspace((unsigned char)*p))
			p++;
		w = p;
		p += virtio_word(p, (size_t)(end - p));
		for (int d = 0; d < VD_COUNT; d++)
			if (p > w && virtio_modeq(w, (size_t)(p - w), virtio_driver_names[d]))
				have[d] = true;
	}
}

/* The file through the plan: 0 (*buf NULL when missing), 1 unusable
 * (noted), or a negative errno. */
static int virtio_read(struct convert *c, const char *path, const char **buf, size_t *len)
{
	int r = plan_read(c->p, path, GUEST_SMALL_FILE, buf, len);

	if (r == 0)
		return 0;
	*buf = NULL;
	if (r == -ENOMEM || r == -EIO)
		return r;
	r = plan_note(c->p, VIRTIO_RULE, "%s not used: %s", path, strerror(-r));
	return r < 0 ? r : 1;
}

/*
 * KEY=value, KEY+=value, KEY="value" or KEY='value' at the start of line
 * (after blanks): the value's bounds, or false. A quoted value that does
 * not end on this line is not taken.
 */
static bool virtio_assign(const char *line, size_t llen, const char *key, const char **v,
			  const char **ve, char *quote)
{
	const char *end = line + llen, *p = line;
	size_t kl = strlen(key);

	while (p < end && isspace((unsigned char)*p))
		p++;
	if ((size_t)(end - p) <= kl || memcmp(p, key, kl) != 0)
		return false;
	p += kl;
	if (p < end && *p == '+')
		p++;
	if (p >= end || *p != '=')
		return false;
	p++;
	*quote = 0;
	if (p < end && (*p == '"' || *p == '\'')) {
		*quote = *p++;
		*v = p;
		*ve = memchr(p, *quote, (size_t)(end - p));
		return *ve != NULL;
	}
	*v = p;
	*ve = p + virtio_word(p, (size_t)(end - p));
	return true;
}

/* ------------------------------------------------------------------ */
/* dracut                                                               */

struct virtio_names {
	struct convert *c;
	VEC(const char *) v;
	bool capped;
	int err;
};

static int virtio_names_cb(void *ud, const char *name, enum gfs_type type)
{
	struct virtio_names *n = ud;
	const char **slot;

	if (type == GFS_DIR || name[0] == '.' || !str_endswith(name, ".conf"))
		return 0;
	if (n->v.n >= VIRTIO_MAX_CONF_FILES) {
		n->capped = true;
		return 1;
	}
	slot = VEC_PUSH(n->c->p->arena, n->v);
	if (!slot || !(*slot = arena_strdup(n->c->p->arena, name))) {
		n->err = -ENOMEM;
		return 1;
	}
	return 0;
}

/* The drivers add_drivers / force_drivers of one dracut file name. */
static int virtio_dracut_scan(struct convert *c, const char *path, bool have[VD_COUNT])
{
	static const char *const keys[] = {"add_drivers", "force_drivers"};
	struct line_iter it;
	const char *buf, *line;
	size_t len, llen;
	int r = virtio_read(c, path, &buf, &len);

	if (r != 0 || !buf)
		return r < 0 ? r : 0;
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen))
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *v, *ve;
			char q;

			if (virtio_assign(line, llen, keys[k], &v, &ve, &q))
				virtio_mark_words(v, (size_t)(ve - v), have);
		}
	return 0;
}

static int virtio_dracut(struct convert *c)
{
	struct virtio_names files = {.c = c};
	bool have[VD_COUNT] = {false};
	struct gfs_stat st;
	char buf[256];
	size_t o;
	int r;

	/* What the guest's own configuration adds already (our file aside,
	 * so its content depends on the guest's files only). A file in
	 * /etc/dracut.conf.d replaces one of that name in /usr/lib; both are
	 * read here, which can only make morph add less, never break it. */
	r = virtio_dracut_scan(c, "/etc/dracut.conf", have);
	for (int d = 0; r >= 0 && d < 2; d++) {
		const char *dir = d ? "/usr/lib/dracut/dracut.conf.d" : "/etc/dracut.conf.d";

		files.v.n = 0;
		files.capped = false;
		gtree_readdir(c->t, dir, virtio_names_cb, &files);
		if (files.err)
			return files.err;
		if (files.capped)
			r = plan_note(c->p, VIRTIO_RULE,
				      "%s has more than %d files; the rest were not read", dir,
				      VIRTIO_MAX_CONF_FILES);
		for (size_t i = 0; r >= 0 && i < files.v.n; i++) {
			char *p = arena_printf(c->p->arena, "%s/%s", dir, files.v.v[i]);

			if (!p)
				return -ENOMEM;
			if (strcmp(p, VIRTIO_DRACUT_CONF) != 0)
				r = virtio_dracut_scan(c, p, have);
		}
	}
	if (r < 0)
		return r;
	/* Our file exists but is not a file we can replace: leave it. */
	if (gtree_lstat(c->t, VIRTIO_DRACUT_CONF, &st) == 0 && st.type != GFS_REG)
		return plan_note(c->p, VIRTIO_RULE, "%s is not a regular file: left alone",
				 VIRTIO_DRACUT_CONF);
	o = (size_t)snprintf(buf, sizeof(buf),
			     "# Written by morph: every initramfs dracut builds keeps the virtio\n"
			     "# drivers, so the guest boots on KVM after a kernel update.\n"
			     "add_drivers+=\" ");
	for (int d = 0; d < VD_COUNT; d++)
		if (!have[d])
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s ",
					      virtio_driver_names[d]);
	if (o >= sizeof(buf) - 3)
		return -EOVERFLOW;
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\"\n");
	for (int d = 0; d < VD_COUNT; d++)
		if (!have[d])
			return plan_write(c->p, VIRTIO_DRACUT_CONF, buf, o, 0644, VIRTIO_RULE,
					  "dracut rebuilds the initramfs at every kernel update; "
					  "name the virtio drivers so it keeps them");
	return 0;
}

/* ------------------------------------------------------------------ */
/* initramfs-tools                                                      */

static int virtio_itools(struct convert *c)
{
	bool have[VD_COUNT] = {false}, marked = false;
	struct line_iter it;
	const char *buf, *line;
	size_t len = 0, llen;
	char *out;
	int r = virtio_read(c, VIRTIO_ITOOLS_MODULES, &buf, &len);

	if (r != 0)
		return r < 0 ? r : 0;
	if (buf) {
		line_iter_init(&it, buf, len);
		while (line_iter_next(&it, &line, &llen)) {
			size_t i = 0;

			while (i < llen && isspace((unsigned char)line[i]))
				i++;
			marked |= llen - i >= strlen(VIRTIO_ADDED) &&
				  memcmp(line + i, VIRTIO_ADDED, strlen(VIRTIO_ADDED)) == 0;
			if (i == llen || line[i] == '#')
				continue;
			/* "module [arguments]": the first word. */
			virtio_mark_words(line + i, virtio_word(line + i, llen - i), have);
		}
	}
	out = arena_printf(c->p->arena, "%.*s%s%s", (int)len, buf ? buf : "",
			   len && buf[len - 1] != '\n' ? "\n" : "",
			   marked ? ""
				  : VIRTIO_ADDED ": virtio drivers, so the guest boots on KVM\n");
	for (int d = 0; out && d < VD_COUNT; d++)
		if (!have[d])
			out = arena_printf(c->p->arena, "%s%s\n", out, virtio_driver_names[d]);
	if (!out)
		return -ENOMEM;
	for (int d = 0; d < VD_COUNT; d++)
		if (!have[d])
			return plan_write(c->p, VIRTIO_ITOOLS_MODULES, out, strlen(out), 0644,
					  VIRTIO_RULE,
					  "update-initramfs rebuilds the initramfs at every kernel "
					  "update; list the virtio drivers so it keeps them");
	return 0;
}

/* ------------------------------------------------------------------ */
/* SUSE mkinitrd (SLES 11): INITRD_MODULES in /etc/sysconfig/kernel     */

static int virtio_sysconfig(struct convert *c)
{
	static const char why[] = "mkinitrd builds the initramfs from INITRD_MODULES at every "
				  "kernel update; add the virtio drivers so it keeps them";
	bool have[VD_COUNT] = {false}, any = false;
	const char *buf, *line, *v = NULL, *ve = NULL, *last = NULL;
	struct line_iter it;
	size_t len, llen;
	char q = 0, add[128] = "";
	char *out;
	int r = virtio_read(c, VIRTIO_SYSCONFIG, &buf, &len);

	if (r != 0)
		return r < 0 ? r : 0;
	if (!buf)
		return plan_note(c->p, VIRTIO_RULE,
				 "mkinitrd without %s: virtio drivers not made persistent; rebuild "
				 "the initramfs with them after a kernel update",
				 VIRTIO_SYSCONFIG);
	/* The shell's last assignment wins: edit that one. */
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		const char *tv, *tve;
		char tq;

		if (virtio_assign(line, llen, "INITRD_MODULES", &tv, &tve, &tq)) {
			last = line;
			v = tv;
			ve = tve;
			q = tq;
		}
	}
	if (last)
		virtio_mark_words(v, (size_t)(ve - v), have);
	for (int d = 0; d < VD_COUNT; d++)
		if (!have[d]) {
			bool blank = !last || ve == v || isspace((unsigned char)ve[-1]);

			snprintf(add + strlen(add), sizeof(add) - strlen(add), "%s%s",
				 blank && !any ? "" : " ", virtio_driver_names[d]);
			any = true;
		}
	if (!any)
		return 0;
	if (!last) {
		out = arena_printf(c->p->arena, "%.*s%s" VIRTIO_ADDED "\nINITRD_MODULES=\"%s\"\n",
				   (int)len, buf, len && buf[len - 1] != '\n' ? "\n" : "", add);
	} else if (q) {
		/* Inside the quotes, after the last word. */
		out = arena_printf(c->p->arena, "%.*s%s%s", (int)(ve - buf), buf, add, ve);
	} else {
		/* A bare value (one word, or none): quote it to add words. */
		out = arena_printf(c->p->arena, "%.*s\"%.*s%s\"%s", (int)(v - buf), buf,
				   (int)(ve - v), v, add, ve);
	}
	if (!out)
		return -ENOMEM;
	return plan_write(c->p, VIRTIO_SYSCONFIG, out, strlen(out), 0, VIRTIO_RULE, why);
}

/* By g->initramfs_flavour (inspect/initramfs.c). */
static const struct {
	const char *flavour;
	int (*plan)(struct convert *c);
} virtio_flavours[] = {
	{"dracut", virtio_dracut},
	{"initramfs-tools", virtio_itools},
	{"mkinitrd", virtio_sysconfig},
};

int rule_virtio_persist(struct convert *c)
{
	const char *fl = c->g->initramfs_flavour;

	for (size_t i = 0; fl && i < sizeof(virtio_flavours) / sizeof(virtio_flavours[0]); i++)
		if (strcmp(fl, virtio_flavours[i].flavour) == 0)
			return virtio_flavours[i].plan(c);
	return plan_note(c->p, VIRTIO_RULE,
			 "initramfs tool %s: virtio drivers not made persistent; a rebuilt "
			 "initramfs may not boot on KVM",
			 fl ? fl : "unknown");
}
