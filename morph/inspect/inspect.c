/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Assembling the guest: inputs -> volumes -> root filesystem -> tree with the
 * guest's own fstab mounts -> inspection steps.
 */
#include "inspect/inspect.h"
#include "util/text.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/*
 * The steps, in order. Windows runs first: when it finds a Windows system
 * the Linux-only steps are skipped. os must precede the rest (they look at
 * the family); kernels precede boot (entries are matched to kernels) and
 * blockrefs follows boot and fstab (it classifies what they reference).
 */
static const struct inspect_step steps[] = {
	{"windows", inspect_windows, false},
	{"os", inspect_os, true},
	{"arch", inspect_arch, true},
	{"kernels", inspect_kernels, true},
	{"initramfs", inspect_initramfs, true},
	{"bootloaders", inspect_bootloaders, true},
	{"blockrefs", inspect_blockrefs, true},
	{"network", inspect_network, true},
	{"hypervisor", inspect_hypervisor, true},
	{"selinux", inspect_selinux, true},
};

/* Files whose presence marks a Linux root filesystem. */
static const char *const linux_markers[] = {
	"/etc/os-release",   "/usr/lib/os-release", "/etc/redhat-release", "/etc/debian_version",
	"/etc/SuSE-release", "/etc/photon-release", "/etc/fstab",
};

struct ci_find {
	const char *want;
	char found[GFS_MAX_NAME + 1];
};

static int ci_match(void *ud, const char *name, enum gfs_type type)
{
	struct ci_find *f = ud;

	if (type == GFS_DIR && strcasecmp(name, f->want) == 0) {
		snprintf(f->found, sizeof(f->found), "%s", name);
		return 1;
	}
	return 0;
}

static bool looks_like_root(struct gtree *t)
{
	struct ci_find f = {"windows", ""};

	for (size_t i = 0; i < sizeof(linux_markers) / sizeof(linux_markers[0]); i++)
		if (gtree_exists(t, linux_markers[i]))
			return true;
	return gtree_readdir(t, "/", ci_match, &f) == 1;
}

static int add_volume(struct guest *g, const char *input, int disk_index, const struct volume *v,
		      struct guest_volume **ret)
{
	struct guest_volume *gv = VEC_PUSH(g->arena, g->volumes);

	if (!gv)
		return -ENOMEM;
	gv->disk = input;
	gv->disk_index = disk_index;
	gv->vol = *v;
	*ret = gv;
	return 0;
}

static bool is_ext(const char *type)
{
	return strcmp(type, "ext2") == 0 || strcmp(type, "ext3") == 0 || strcmp(type, "ext4") == 0;
}

/* Why a volume cannot be read on this host. */
static const char *why_not(const struct volume *v)
{
	switch (v->role) {
	case VOL_FILESYSTEM:
		return "read by the appliance's kernel (only ext2/3/4 are read in place)";
	case VOL_LVM_PV: return "LVM physical volume: activated by the appliance";
	case VOL_MD_MEMBER: return "md RAID member: assembled by the appliance";
	case VOL_LUKS: return "LUKS encrypted: needs the key";
	case VOL_BITLOCKER: return "BitLocker encrypted: needs the recovery key";
	case VOL_SWAP:
	case VOL_EXTENDED: return NULL;
	default: return "no recognised content";
	}
}

struct candidate {
	int volume;
	struct gfs *fs;
};

/* Open every input; dir inputs and ext volumes become candidate roots. */
static int open_inputs(struct guest *g, const char *const *inputs, size_t n,
		       const struct inspect_opts *opts, struct candidate **ret, size_t *nret)
{
	struct candidate *c = NULL;
	size_t nc = 0;
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		struct stat st;
		struct disk *d = NULL;

		if (guest_strvec_add(g, &g->inputs, inputs[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		if (stat(inputs[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			struct gfs *fs;
			struct candidate *nc2;

			r = gfs_dir_open(g->ctx, inputs[i], opts->writable, &fs);
			if (r < 0)
				break;
			nc2 = realloc(c, (nc + 1) * sizeof(*c));
			if (!nc2) {
				gfs_close(fs);
				r = -ENOMEM;
				break;
			}
			c = nc2;
			c[nc++] = (struct candidate){-1, fs};
			continue;
		}
		r = disk_open(g->ctx, inputs[i], opts->writable, &d);
		if (r < 0)
			break;
		for (size_t k = 0; k < d->nvols && r == 0; k++) {
			const struct volume *v = &d->vols[k];
			struct guest_volume *gv;
			struct gfs *fs;
			struct candidate *nc2;

			r = add_volume(g, g->inputs.v[i], (int)i, v, &gv);
			if (r < 0)
				break;
			if (!is_ext(v->type)) {
				gv->note = why_not(v);
				continue;
			}
			r = gfs_ext_open(g->ctx, d->path, v->offset, v->size, opts->writable, &fs);
			if (r < 0)
				break;
			gv->opened = true;
			if (gfs_ext_needs_recovery(fs))
				guest_warn(g,
					   "%s partition %d: the journal needs recovery (not "
					   "cleanly shut down); facts read may be stale and morph "
					   "will not write to it",
					   d->path, v->partno);
			nc2 = realloc(c, (nc + 1) * sizeof(*c));
			if (!nc2) {
				gfs_close(fs);
				r = -ENOMEM;
				break;
			}
			c = nc2;
			c[nc++] = (struct candidate){(int)(g->volumes.n - 1), fs};
		}
		disk_free(d);
	}
	*ret = c;
	*nret = nc;
	return r;
}

static int cmp_depth(const void *a, const void *b)
{
	const struct guest_mount *const *x = a, *const *y = b;
	size_t dx = 0, dy = 0;

	for (const char *p = (*x)->mountpoint; *p; p++)
		dx += *p == '/';
	for (const char *p = (*y)->mountpoint; *p; p++)
		dy += *p == '/';
	return dx < dy ? -1 : dx > dy;
}

/* Attach the guest's fstab filesystems that were opened to the tree. */
static int mount_fstab(struct guest *g, struct gtree *t, struct candidate *c, size_t nc)
{
	struct guest_mount **order;
	int r = 0;

	if (g->mounts.n == 0)
		return 0;
	order = calloc(g->mounts.n, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < g->mounts.n; i++)
		order[i] = &g->mounts.v[i];
	qsort(order, g->mounts.n, sizeof(*order), cmp_depth);
	for (size_t i = 0; i < g->mounts.n; i++) {
		struct guest_mount *m = order[i];

		m->volume = fstab_resolve_spec(g, m->spec);
		if (m->volume < 0)
			continue;
		g->volumes.v[m->volume].mountpoint = m->mountpoint;
		if (strcmp(m->mountpoint, "/") == 0 || m->mountpoint[0] != '/')
			continue;
		for (size_t k = 0; k < nc; k++) {
			if (c[k].volume != m->volume || !c[k].fs)
				continue;
			r = gtree_mount(t, m->mountpoint, c[k].fs);
			c[k].fs = NULL; /* owned by the tree now */
			if (r == 0) {
				m->mounted = true;
			} else if (r != -ENOMEM) {
				guest_warn(g, "cannot mount %s at %s in the guest tree: %s",
					   m->spec, m->mountpoint, strerror(-r));
				r = 0;
			}
			break;
		}
		if (r < 0)
			break;
	}
	free(order);
	return r;
}

int inspect_guest(struct morph_ctx *ctx, const char *const *inputs, size_t n,
		  const struct inspect_opts *opts, struct guest **ret_guest,
		  struct gtree **ret_tree)
{
	static const struct inspect_opts defaults = {false};
	struct candidate *c = NULL;
	size_t nc = 0;
	struct guest *g = NULL;
	struct gtree *t = NULL;
	char *buf = NULL;
	size_t len;
	int r;

	if (!opts)
		opts = &defaults;
	r = guest_new(ctx, &g);
	if (r < 0)
		return r;
	r = open_inputs(g, inputs, n, opts, &c, &nc);
	if (r < 0)
		goto out;
	/* The first candidate that looks like a root filesystem. */
	for (size_t i = 0; i < nc && !t; i++) {
		r = gtree_new(ctx, c[i].fs, &t);
		c[i].fs = NULL;
		if (r < 0)
			goto out;
		if (looks_like_root(t)) {
			g->root_volume = c[i].volume;
			g->root_source =
				c[i].volume < 0
					? g->inputs.v[0]
					: arena_printf(g->arena, "%s#%d",
						       g->volumes.v[c[i].volume].disk,
						       g->volumes.v[c[i].volume].vol.partno);
			break;
		}
		/* Not a root: keep it for mounting. */
		c[i].fs = gtree_detach_root(t);
		t = NULL;
	}
	if (!t) {
		for (size_t i = 0; i < g->volumes.n; i++) {
			const struct guest_volume *v = &g->volumes.v[i];

			if (v->vol.role == VOL_EXTENDED)
				continue;
			log_err(ctx, "%s partition %d: %s%s%s", v->disk, v->vol.partno, v->vol.type,
				v->vol.type[0] && v->note ? ": " : "", v->note ? v->note : "");
		}
		log_err(ctx, "no guest operating system found: no filesystem that morph can read "
			     "here holds one");
		r = -ENOMEDIUM;
		goto out;
	}
	if (g->root_volume >= 0)
		g->volumes.v[g->root_volume].mountpoint = "/";
	r = gtree_read(t, "/etc/fstab", 16u << 20, &buf, &len);
	if (r == 0) {
		r = fstab_parse(g, buf, len);
		if (r == 0)
			r = mount_fstab(g, t, c, nc);
		if (r == 0 && g->root_volume < 0)
			r = dirvol_probe(g, g->root_source);
	} else if (r == -ENOENT || r == -EISDIR || r == -EINVAL) {
		r = 0;
	} else if (r == -ELOOP) {
		guest_warn(g, "/etc/fstab: symlink loop; ignored");
		r = 0;
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].linux_only && g->windows)
			continue;
		log_debug(ctx, "inspect: %s", steps[i].name);
		r = steps[i].run(g, t);
		if (r < 0)
			goto out;
		if (steps[i].run == inspect_os && !g->distro) {
			log_err(ctx, "no guest operating system recognised on %s", g->root_source);
			r = -ENOMEDIUM;
			goto out;
		}
	}
	*ret_guest = g;
	g = NULL;
	if (ret_tree) {
		*ret_tree = t;
		t = NULL;
	}
	r = 0;
out:
	free(buf);
	for (size_t i = 0; i < nc; i++)
		gfs_close(c[i].fs);
	free(c);
	gtree_free(t);
	guest_free(g);
	return r;
}
