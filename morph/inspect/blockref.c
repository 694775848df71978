/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block-device references: every place the guest names a disk (fstab,
 * crypttab, boot entries' root= and resume=, /etc/default/grub, the
 * initramfs-tools resume file), classified. "Unstable" names depend on the
 * old hypervisor's disk controller and change on KVM (/dev/sda on VMware
 * PVSCSI becomes /dev/vda on virtio-blk).
 */
#include "inspect/guest.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const ref_class_names[REF_COUNT] = {
	[REF_UUID] = "uuid",
	[REF_LABEL] = "label",
	[REF_PARTUUID] = "partuuid",
	[REF_PARTLABEL] = "partlabel",
	[REF_BY_UUID] = "by-uuid",
	[REF_BY_LABEL] = "by-label",
	[REF_BY_PARTUUID] = "by-partuuid",
	[REF_LVM] = "lvm",
	[REF_MD] = "md",
	[REF_SD] = "sd",
	[REF_HD] = "hd",
	[REF_XVD] = "xvd",
	[REF_VD] = "vd",
	[REF_NVME] = "nvme",
	[REF_BY_PATH] = "by-path",
	[REF_BY_ID] = "by-id",
	[REF_OTHER] = "other",
};

/* Ordered: longer prefixes before the ones they extend. need: what must
 * follow the prefix ('a' a lowercase letter, '0' a digit, 0 anything). */
static const struct {
	const char *prefix;
	enum ref_class class;
	bool unstable;
	char need;
} prefixes[] = {
	{"UUID=", REF_UUID, false, 0},
	{"LABEL=", REF_LABEL, false, 0},
	{"PARTUUID=", REF_PARTUUID, false, 0},
	{"PARTLABEL=", REF_PARTLABEL, false, 0},
	{"/dev/disk/by-uuid/", REF_BY_UUID, false, 0},
	{"/dev/disk/by-label/", REF_BY_LABEL, false, 0},
	{"/dev/disk/by-partuuid/", REF_BY_PARTUUID, false, 0},
	{"/dev/disk/by-path/", REF_BY_PATH, true, 0},
	{"/dev/disk/by-id/", REF_BY_ID, true, 0},
	{"/dev/mapper/", REF_LVM, false, 0},
	{"/dev/md", REF_MD, false, 0},
	{"/dev/xvd", REF_XVD, true, 'a'},
	{"/dev/sd", REF_SD, true, 'a'},
	{"/dev/hd", REF_HD, true, 'a'},
	{"/dev/vd", REF_VD, true, 'a'},
	{"/dev/nvme", REF_NVME, true, '0'},
};

enum ref_class blockref_classify(const char *value, bool *unstable)
{
	*unstable = false;
	if (!value)
		return REF_OTHER;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i].prefix);
		char c;

		if (strncmp(value, prefixes[i].prefix, pl) != 0 || !value[pl])
			continue;
		c = value[pl];
		if ((prefixes[i].need == 'a' && !islower((unsigned char)c)) ||
		    (prefixes[i].need == '0' && !isdigit((unsigned char)c)))
			continue;
		*unstable = prefixes[i].unstable;
		return prefixes[i].class;
	}
	/* /dev/<vg>/<lv>: two components under /dev that name nothing else. */
	if (str_startswith(value, "/dev/")) {
		const char *p = value + 5, *slash = strchr(p, '/');

		if (slash && slash > p && slash[1] && !strchr(slash + 1, '/') &&
		    !str_startswith(p, "disk/"))
			return REF_LVM;
	}
	return REF_OTHER;
}

static int add_ref(struct guest *g, const char *source, const char *file, size_t lineno,
		   const char *key, const char *value)
{
	struct blockref *b;

	if (!value || !*value)
		return 0;
	b = VEC_PUSH(g->arena, g->blockrefs);
	if (!b)
		return -ENOMEM;
	b->source = source;
	b->file = file;
	b->lineno = lineno;
	b->key = key;
	b->value = value;
	b->class = blockref_classify(value, &b->unstable);
	return 0;
}

static int from_crypttab(struct guest *g, struct gtree *t)
{
	char *buf, *f[2];
	size_t len, llen;
	struct line_iter it;
	const char *line;
	int r = gtree_read(t, "/etc/crypttab", GUEST_SMALL_FILE, &buf, &len);

	if (r < 0)
		return r == -ENOMEM ? r : 0;
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		size_t i = 0;

		while (i < llen && isspace((unsigned char)line[i]))
			i++;
		if (i == llen || line[i] == '#')
			continue;
		if (text_fields(g->arena, line, llen, f, 2) < 2)
			continue;
		r = add_ref(g, "crypttab", "/etc/crypttab", it.lineno, f[0], f[1]);
		if (r < 0)
			break;
	}
	free(buf);
	return r < 0 ? r : 0;
}

static int from_cmdline(struct guest *g, const char *source, const char *file, size_t lineno,
			const char *cmdline)
{
	static const char *const keys[] = {"root", "resume"};
	int r = 0;

	for (size_t i = 0; i < 2 && r == 0 && cmdline; i++)
		r = add_ref(g, source, file, lineno, keys[i],
			    cmdline_get(g->arena, cmdline, keys[i]));
	return r;
}

static int from_resume_conf(struct guest *g, struct gtree *t)
{
	static const char *const files[] = {"/etc/initramfs-tools/conf.d/resume",
					    "/etc/uswsusp.conf"};
	int r = 0;

	for (size_t i = 0; i < 2 && r == 0; i++) {
		kv_list kv = {0};
		char *buf;
		size_t len;

		if (gtree_read(t, files[i], GUEST_SMALL_FILE, &buf, &len) < 0)
			continue;
		r = kv_parse_shell(g->arena, buf, len, &kv);
		free(buf);
		for (size_t k = 0; k < kv.n && r == 0; k++)
			if (strcmp(kv.v[k].key, "RESUME") == 0)
				r = add_ref(g, "initramfs-tools", files[i], kv.v[k].lineno,
					    "resume", kv.v[k].value);
	}
	return r;
}

int inspect_blockrefs(struct guest *g, struct gtree *t)
{
	int r = 0;

	for (size_t i = 0; i < g->mounts.n && r == 0; i++) {
		const struct guest_mount *m = &g->mounts.v[i];

		r = add_ref(g, "fstab", "/etc/fstab", m->lineno, m->mountpoint, m->spec);
	}
	if (r == 0)
		r = from_crypttab(g, t);
	for (size_t b = 0; b < g->bootloaders.n && r == 0; b++) {
		const struct bootloader *bl = &g->bootloaders.v[b];

		for (size_t e = 0; e < bl->entries.n && r == 0; e++) {
			const struct boot_entry *be = &bl->entries.v[e];

			r = from_cmdline(g, bl->type, be->file, be->lineno, be->cmdline);
		}
	}
	if (r == 0 && g->grub_defaults.present) {
		r = from_cmdline(g, "default-grub", "/etc/default/grub", 0,
				 g->grub_defaults.cmdline_linux);
		if (r == 0)
			r = from_cmdline(g, "default-grub", "/etc/default/grub", 0,
					 g->grub_defaults.cmdline_linux_default);
	}
	if (r == 0)
		r = from_resume_conf(g, t);
	return r;
}
