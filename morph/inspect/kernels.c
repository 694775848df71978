/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Installed kernels (/boot/vmlinuz-<version> with /lib/modules/<version>),
 * whether each can drive virtio hardware, and which initramfs image goes
 * with it.
 *
 * A driver is "builtin" when modules.builtin lists it, "module" when
 * modules.dep lists it and the file it names exists. When modules.dep is
 * missing the usual paths under kernel/drivers are looked at instead.
 */
#include "inspect/kernels.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KERNELS 64

static const char *const image_prefixes[] = {"vmlinuz-", "vmlinux-", "Image-", "kernel-"};

/* Where each virtio driver lives when modules.dep cannot tell. */
static const char *const fallback_paths[VD_COUNT] = {
	[VD_PCI] = "kernel/drivers/virtio/virtio_pci",
	[VD_BLK] = "kernel/drivers/block/virtio_blk",
	[VD_SCSI] = "kernel/drivers/scsi/virtio_scsi",
	[VD_NET] = "kernel/drivers/net/virtio_net",
};

static const char *const module_exts[] = {".ko", ".ko.xz", ".ko.zst", ".ko.gz"};

int kernel_vercmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *sa = a, *sb = b;
			size_t la, lb;

			while (*sa == '0')
				sa++;
			while (*sb == '0')
				sb++;
			a = sa;
			b = sb;
			while (isdigit((unsigned char)*a))
				a++;
			while (isdigit((unsigned char)*b))
				b++;
			la = (size_t)(a - sa);
			lb = (size_t)(b - sb);
			if (la != lb)
				return la < lb ? -1 : 1;
			{
				int c = memcmp(sa, sb, la);

				if (c)
					return c < 0 ? -1 : 1;
			}
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

const char *kernel_module_name(char *buf, size_t size, const char *path, size_t len)
{
	const char *base = path, *p;
	size_t n;

	for (p = path; p < path + len; p++)
		if (*p == '/')
			base = p + 1;
	n = (size_t)(path + len - base);
	for (size_t i = 0; i < sizeof(module_exts) / sizeof(module_exts[0]); i++) {
		size_t el = strlen(module_exts[i]);

		if (n > el && memcmp(base + n - el, module_exts[i], el) == 0) {
			n -= el;
			break;
		}
	}
	if (n == 0 || n >= size)
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = base[i] == '-' ? '_' : base[i];
	buf[n] = '\0';
	return buf;
}

/* Trailing version components that start with a letter: "esx",
 * "cloud-amd64", "default"; "" for RHEL-style versions. */
static const char *flavour_of(struct arena *a, const char *ver)
{
	const char *start = NULL;

	for (const char *p = ver; *p; p++) {
		if (*p != '-')
			continue;
		if (isalpha((unsigned char)p[1])) {
			if (!start)
				start = p + 1;
		} else {
			start = NULL;
		}
	}
	return arena_strdup(a, start ? start : "");
}

static int match_virtio(const char *line, size_t len, const char *name_end_chars,
			enum virtio_avail avail, struct guest_kernel *k)
{
	char name[64];
	size_t plen = 0;

	while (plen < len && !strchr(name_end_chars, line[plen]))
		plen++;
	if (!kernel_module_name(name, sizeof(name), line, plen))
		return -1;
	for (int d = 0; d < VD_COUNT; d++)
		if (strcmp(name, virtio_driver_names[d]) == 0 && k->virtio[d] == VIRTIO_MISSING) {
			k->virtio[d] = avail;
			return d;
		}
	return -1;
}

static void scan_builtin(struct gtree *t, struct guest_kernel *k)
{
	char path[512], *buf;
	size_t len, llen;
	struct line_iter it;
	const char *line;

	snprintf(path, sizeof(path), "%s/modules.builtin", k->modules_dir);
	if (gtree_read(t, path, GUEST_LARGE_FILE, &buf, &len) < 0)
		return;
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen))
		match_virtio(line, llen, "\r \t", VIRTIO_BUILTIN, k);
	free(buf);
}

static bool module_file_exists(struct gtree *t, const struct guest_kernel *k, const char *rel,
			       size_t rlen)
{
	char path[1024];

	if (rlen > 512)
		return false;
	snprintf(path, sizeof(path), "%s/%.*s", k->modules_dir, (int)rlen, rel);
	return gtree_is_file(t, path);
}

static bool scan_dep(struct gtree *t, struct guest_kernel *k)
{
	char path[512], *buf;
	size_t len, llen;
	struct line_iter it;
	const char *line;

	snprintf(path, sizeof(path), "%s/modules.dep", k->modules_dir);
	if (gtree_read(t, path, GUEST_LARGE_FILE, &buf, &len) < 0)
		return false;
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		const char *colon = memchr(line, ':', llen);
		int d;

		if (!colon)
			continue;
		d = match_virtio(line, (size_t)(colon - line), ":", VIRTIO_MODULE, k);
		if (d >= 0 && !module_file_exists(t, k, line, (size_t)(colon - line)))
			k->virtio[d] = VIRTIO_MISSING;
	}
	free(buf);
	return true;
}

static void scan_fallback(struct gtree *t, struct guest_kernel *k)
{
	for (int d = 0; d < VD_COUNT; d++) {
		if (k->virtio[d] != VIRTIO_MISSING)
			continue;
		for (size_t e = 0; e < sizeof(module_exts) / sizeof(module_exts[0]); e++) {
			char rel[256];

			snprintf(rel, sizeof(rel), "%s%s", fallback_paths[d], module_exts[e]);
			if (module_file_exists(t, k, rel, strlen(rel))) {
				k->virtio[d] = VIRTIO_MODULE;
				break;
			}
		}
	}
}

static const char *find_initramfs(struct guest *g, struct gtree *t, const char *ver)
{
	static const struct {
		const char *pre, *post;
	} patterns[] = {
		{"/boot/initramfs-", ".img"}, {"/boot/initrd.img-", ""}, {"/boot/initrd-", ""},
		{"/boot/initrd-", ".img"},    {"/boot/initramfs-", ""},
	};

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s%s%s", patterns[i].pre, ver, patterns[i].post);
		if (gtree_is_file(t, path))
			return arena_strdup(g->arena, path);
	}
	return NULL;
}

struct boot_list {
	struct guest *g;
	VEC(const char *) names;
	int err;
};

static int collect_image(void *ud, const char *name, enum gfs_type type)
{
	struct boot_list *l = ud;

	if (type != GFS_REG && type != GFS_LNK)
		return 0;
	for (size_t i = 0; i < sizeof(image_prefixes) / sizeof(image_prefixes[0]); i++) {
		size_t pl = strlen(image_prefixes[i]);

		if (strncmp(name, image_prefixes[i], pl) != 0 || !name[pl])
			continue;
		if (str_endswith(name, ".hmac") || str_endswith(name, ".sig") ||
		    str_endswith(name, ".old") || str_endswith(name, ".bak"))
			return 0;
		if (l->names.n >= MAX_KERNELS)
			return 0;
		{
			const char **slot = VEC_PUSH(l->g->arena, l->names);

			if (!slot || !(*slot = arena_strdup(l->g->arena, name))) {
				l->err = -ENOMEM;
				return 1;
			}
		}
		return 0;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return kernel_vercmp(*(const char *const *)a, *(const char *const *)b);
}

int inspect_kernels(struct guest *g, struct gtree *t)
{
	struct boot_list l = {.g = g};
	int r = gtree_readdir(t, "/boot", collect_image, &l);

	if (l.err)
		return l.err;
	if (r < 0 && r != -ENOENT && r != -ENOTDIR)
		guest_warn(g, "cannot list /boot: %s", strerror(-r));
	if (l.names.n)
		qsort(l.names.v, l.names.n, sizeof(*l.names.v), cmp_names);
	for (size_t i = 0; i < l.names.n; i++) {
		const char *name = l.names.v[i];
		const char *ver = strchr(name, '-') + 1;
		struct guest_kernel *k;
		bool dup = false;

		for (size_t j = 0; j < g->kernels.n; j++)
			dup |= strcmp(g->kernels.v[j].version, ver) == 0;
		if (dup)
			continue;
		k = VEC_PUSH(g->arena, g->kernels);
		if (!k)
			return -ENOMEM;
		k->version = ver;
		k->image = arena_printf(g->arena, "/boot/%s", name);
		k->flavour = flavour_of(g->arena, ver);
		k->initramfs = find_initramfs(g, t, ver);
		for (size_t m = 0; m < 2 && !k->modules_dir; m++) {
			char *dir = arena_printf(
				g->arena, m ? "/usr/lib/modules/%s" : "/lib/modules/%s", ver);

			if (dir && gtree_is_dir(t, dir))
				k->modules_dir = dir;
		}
		if (!k->image || !k->flavour)
			return -ENOMEM;
		if (k->modules_dir) {
			scan_builtin(t, k);
			if (!scan_dep(t, k))
				scan_fallback(t, k);
		}
		k->virtio_boot = k->virtio[VD_PCI] && k->virtio[VD_BLK] && k->virtio[VD_SCSI];
	}
	/* Until a bootloader names its default, the newest kernel. */
	if (g->kernels.n)
		g->default_kernel = (int)g->kernels.n - 1;
	return 0;
}
