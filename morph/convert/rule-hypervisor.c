/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hypervisor guest tools: virt-v2v's "unconfigure VMware" phase, for VMware,
 * Hyper-V and Xen, planned from g->hv_artifacts (inspect/hypervisor.c).
 * Nothing of the guest runs here, so removing the tools packages (which
 * needs the guest's package manager and its scripts) is left to a script
 * that runs once at the first boot on KVM. In plan order:
 *
 *   1. systemd units of the tools: enablement links removed, units masked
 *      (a regular file in /etc/systemd/system is a local unit: noted, left);
 *   2. sysvinit start links rc?.d/S??<script> of the tools' init scripts
 *      removed; the scripts stay for their packages to remove;
 *   3. modules forced to load (modules-load.d, /etc/modules, initramfs-tools,
 *      dracut, SUSE sysconfig): a line naming only such a module commented
 *      out, or the word taken out of a list; every other byte kept. Files
 *      that belong to packages are only noted;
 *   4. Xen console gettys: inittab lines commented out, enabled
 *      serial-getty@hvc0 links removed (securetty entries are harmless);
 *   5. /etc/modprobe.d/morph-blacklist-<hypervisor>.conf;
 *   6. the first-boot removal of the tools packages.
 *
 * Everything derives from the sorted artifact list and fixed tables, so a
 * guest always gives the same plan and a converted guest plans nothing new.
 * docs/rules-tools.md describes what is written and why.
 */
#include "convert/convert.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HVRULE "hypervisor"
/* Entries looked at in one rc?.d directory; a real one holds < 200. */
#define HVRULE_MAX_DIR_ENTRIES 4096
/* Longer package names are not real (dpkg and rpm names are short). */
#define HVRULE_MAX_PKGNAME 128

/*
 * The first-boot pieces. /usr/local/sbin exists on every family (FHS; Debian
 * base-files, the RHEL/SUSE/Photon filesystem packages), is on root's PATH,
 * and no package owns files there, so the removal it runs cannot take the
 * script away. /usr/libexec is missing on older Debian and Ubuntu.
 */
#define HVRULE_SCRIPT	 "/usr/local/sbin/morph-remove-hypervisor-tools"
#define HVRULE_MARK	 "morph-remove-hypervisor-tools"
#define HVRULE_UNIT	 "morph-firstboot-remove-tools.service"
#define HVRULE_UNIT_PATH "/etc/systemd/system/" HVRULE_UNIT
#define HVRULE_UNIT_LINK "/etc/systemd/system/multi-user.target.wants/" HVRULE_UNIT
#define HVRULE_LOG	 "/var/log/morph-firstboot.log"

#define HVRULE_LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

struct hvrule_hv {
	const char *name;    /* as in struct hv_artifact */
	const char *display; /* in reasons and comments */
	/* Drivers with no device on KVM, sorted: the blacklist file lists them
	 * in this order. modprobe treats '-' and '_' alike. */
	const char *const *blacklist;
};

static const struct hvrule_hv hvrule_hvs[] = {
	{"vmware", "VMware",
	 HVRULE_LIST("vmhgfs", "vmw_balloon", "vmw_pvscsi", "vmw_vmci", "vmw_vsock_vmci_transport",
		     "vmwgfx", "vmxnet3")},
	{"hyperv", "Hyper-V",
	 HVRULE_LIST("hid_hyperv", "hv_balloon", "hv_netvsc", "hv_sock", "hv_storvsc", "hv_utils",
		     "hv_vmbus", "hyperv_drm", "hyperv_fb", "hyperv_keyboard", "pci_hyperv")},
	{"xen", "Xen",
	 HVRULE_LIST("xen_blkfront", "xen_fbfront", "xen_kbdfront", "xen_netfront", "xen_pcifront",
		     "xen_scsifront", "xenfs")},
};

#define HVRULE_NHVS (sizeof(hvrule_hvs) / sizeof(hvrule_hvs[0]))

/* The table entry for an artifact's hypervisor; NULL for anything else
 * (Windows services, a hypervisor this rule does not know). */
static const struct hvrule_hv *hvrule_hv(const struct hv_artifact *a)
{
	for (size_t i = 0; i < HVRULE_NHVS; i++)
		if (strcmp(a->hypervisor, hvrule_hvs[i].name) == 0)
			return &hvrule_hvs[i];
	return NULL;
}

static bool hvrule_is(const struct hv_artifact *a, const char *kind)
{
	return strcmp(a->kind, kind) == 0 && hvrule_hv(a) != NULL;
}

/*
 * A planning error on one guest path (a directory where a file goes, a
 * symlink loop, a file over the cap) leaves that path alone with a note;
 * running out of memory or failing I/O stops the rule.
 */
static int hvrule_soft(struct convert *c, const char *path, int r)
{
	if (r >= 0 || r == -ENOMEM || r == -EIO)
		return r;
	return plan_note(c->p, HVRULE, "%s left alone: %s", path, strerror(-r));
}

/* Module names compare with '-' and '_' as the same character. */
static bool hvrule_modeq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return i == alen && !b[i];
}

static size_t hvrule_word(const char *p, size_t len)
{
	size_t n = 0;

	while (n < len && !isspace((unsigned char)p[n]))
		n++;
	return n;
}

/* Does line hold name as a whole word ("/dev/hvc0" does, "hvc01" not)? */
static bool hvrule_has_word(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl <= len; i++)
		if (memcmp(line + i, name, nl) == 0 &&
		    (i == 0 || !isalnum((unsigned char)line[i - 1])) &&
		    (i + nl == len || !isalnum((unsigned char)line[i + nl])))
			return true;
	return false;
}

/* The file at path through the plan: 0 (*buf NULL when the file does not
 * exist), 1 when it cannot be used (noted), or a negative errno. */
static int hvrule_read(struct convert *c, const char *path, const char **buf, size_t *len)
{
	int r = plan_read(c->p, path, GUEST_SMALL_FILE, buf, len);

	if (r < 0) {
		*buf = NULL;
		r = hvrule_soft(c, path, r);
		return r < 0 ? r : 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Output buffers: an open_memstream, copied into the plan's arena.     */

struct hvrule_out {
	FILE *f;
	char *mem;
	size_t len;
};

static int hvrule_out_open(struct hvrule_out *o)
{
	o->mem = NULL;
	o->len = 0;
	o->f = open_memstream(&o->mem, &o->len);
	return o->f ? 0 : -ENOMEM;
}

/* Close o and hand back an arena copy (NUL-terminated); o is freed on
 * every path. */
static int hvrule_out_done(struct convert *c, struct hvrule_out *o, char **ret, size_t *len)
{
	int r = fclose(o->f) == 0 ? 0 : -ENOMEM;
	char *copy = NULL;

	if (r == 0 && !(copy = arena_strndup(c->p->arena, o->mem, o->len)))
		r = -ENOMEM;
	if (r == 0) {
		*ret = copy;
		*len = o->len;
	}
	free(o->mem);
	o->mem = NULL;
	return r;
}

static void hvrule_out_discard(struct hvrule_out *o)
{
	fclose(o->f);
	free(o->mem);
	o->mem = NULL;
}

/* s single-quoted for sh: every byte literal, ' as '\''. */
static void hvrule_shq(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

/* ------------------------------------------------------------------ */
/* 1. systemd units.                                                     */

/* Has an artifact before index i of one of the two kinds named name? */
static bool hvrule_seen(const struct guest *g, size_t i, const char *k1, const char *k2,
			const char *name)
{
	for (size_t j = 0; j < i; j++) {
		const struct hv_artifact *b = &g->hv_artifacts.v[j];

		if ((strcmp(b->kind, k1) == 0 || strcmp(b->kind, k2) == 0) &&
		    strcmp(b->name, name) == 0)
			return true;
	}
	return false;
}

/* Mask the unit: /etc/systemd/system/<unit> -> /dev/null. That stops it
 * whatever pulls it in (a dependency, an alias, D-Bus activation). */
static int hvrule_mask(struct convert *c, const struct hvrule_hv *h, const struct hv_artifact *a)
{
	char *path = arena_printf(c->p->arena, "/etc/systemd/system/%s", a->name);
	char *reason;
	struct gfs_stat st;
	int r;

	if (!path)
		return -ENOMEM;
	r = gtree_lstat(c->t, path, &st);
	if (r == 0 && st.type == GFS_REG)
		return plan_note(
			c->p, HVRULE,
			"%s is a local unit file, not masked: it may start the %s tools on KVM",
			path, h->display);
	if (r == 0 && st.type != GFS_LNK)
		return hvrule_soft(c, path, -EEXIST);
	if (r < 0 && r != -ENOENT)
		return hvrule_soft(c, path, r);
	reason = arena_printf(c->p->arena,
			      "%s tools unit %s (%s) fails on KVM: masked so nothing starts it",
			      h->display, a->name, a->path);
	if (!reason)
		return -ENOMEM;
	r = plan_symlink(c->p, path, "/dev/null", HVRULE, reason);
	return hvrule_soft(c, path, r);
}

static int hvrule_units(struct convert *c)
{
	const struct guest *g = c->g;
	int r;

	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[i];
		char *reason;

		if (!hvrule_is(a, "unit-enabled"))
			continue;
		reason = arena_printf(c->p->arena,
				      "enables the %s tools unit %s, which fails on KVM",
				      hvrule_hv(a)->display, a->name);
		if (!reason)
			return -ENOMEM;
		r = hvrule_soft(c, a->path, plan_remove(c->p, a->path, HVRULE, reason));
		if (r < 0)
			return r;
	}
	/* Also a unit enabled whose file inspection did not find (in
	 * /usr/local/lib/systemd/system, say): it is still the tools'. */
	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[i];

		if ((!hvrule_is(a, "unit") && !hvrule_is(a, "unit-enabled")) ||
		    hvrule_seen(g, i, "unit", "unit-enabled", a->name))
			continue;
		r = hvrule_mask(c, hvrule_hv(a), a);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* 2. sysvinit start links.                                             */

/* Where start links live: RHEL (rc.d/rcN.d, with /etc/rcN.d links to
 * them), Debian (/etc/rcN.d, rcS.d), SUSE 11 (/etc/init.d/rcN.d, with
 * /etc/rc.d a link to init.d). Each directory is used once, by its
 * canonical path. */
static const char *const hvrule_rc_dirs[] = {
	"/etc/rc.d/rc0.d",   "/etc/rc.d/rc1.d",	  "/etc/rc.d/rc2.d",	"/etc/rc.d/rc3.d",
	"/etc/rc.d/rc4.d",   "/etc/rc.d/rc5.d",	  "/etc/rc.d/rc6.d",	"/etc/rc0.d",
	"/etc/rc1.d",	     "/etc/rc2.d",	  "/etc/rc3.d",		"/etc/rc4.d",
	"/etc/rc5.d",	     "/etc/rc6.d",	  "/etc/rcS.d",		"/etc/init.d/rc0.d",
	"/etc/init.d/rc1.d", "/etc/init.d/rc2.d", "/etc/init.d/rc3.d",	"/etc/init.d/rc4.d",
	"/etc/init.d/rc5.d", "/etc/init.d/rc6.d", "/etc/init.d/boot.d",
};

/* The init-script artifacts (a handful: inspection's table is fixed). */
typedef VEC(const struct hv_artifact *) hvrule_arts;

struct hvrule_rcscan {
	struct convert *c;
	const hvrule_arts *known;
	VEC(const char *) names;
	VEC(const struct hv_artifact *) scripts; /* parallel to names */
	size_t seen;
	bool capped;
	int err;
};

/* "S20vmware-tools" starts init script vmware-tools. K links only stop
 * it at a runlevel change, which is harmless, and chkconfig reads a
 * script with K links only as "off". */
static int hvrule_rc_cb(void *ud, const char *name, enum gfs_type type)
{
	struct hvrule_rcscan *s = ud;

	if (++s->seen > HVRULE_MAX_DIR_ENTRIES) {
		s->capped = true;
		return 1;
	}
	if (type != GFS_LNK || name[0] != 'S' || !isdigit((unsigned char)name[1]) ||
	    !isdigit((unsigned char)name[2]))
		return 0;
	for (size_t i = 0; i < s->known->n; i++) {
		const struct hv_artifact *a = s->known->v[i];
		const char **n;
		const struct hv_artifact **sc;

		if (strcmp(name + 3, a->name) != 0)
			continue;
		n = VEC_PUSH(s->c->p->arena, s->names);
		sc = VEC_PUSH(s->c->p->arena, s->scripts);
		if (!n || !sc || !(*n = arena_strdup(s->c->p->arena, name))) {
			s->err = -ENOMEM;
			return 1;
		}
		*sc = a;
		break;
	}
	return 0;
}

static int hvrule_rc_dir(struct convert *c, const hvrule_arts *known, const char *dir)
{
	struct hvrule_rcscan s = {.c = c, .known = known};
	int r;

	gtree_readdir(c->t, dir, hvrule_rc_cb, &s);
	if (s.err)
		return s.err;
	if (s.capped) {
		r = plan_note(c->p, HVRULE,
			      "%s has more than %d entries; the rest were not looked at", dir,
			      HVRULE_MAX_DIR_ENTRIES);
		if (r < 0)
			return r;
	}
	/* Directory order is the backend's; the plan's must not be. Names
	 * are unique in a directory, so sorting both by name is enough. */
	for (size_t i = 1; i < s.names.n; i++)
		for (size_t j = i; j > 0 && strcmp(s.names.v[j - 1], s.names.v[j]) > 0; j--) {
			const char *tn = s.names.v[j];
			const struct hv_artifact *ta = s.scripts.v[j];

			s.names.v[j] = s.names.v[j - 1];
			s.scripts.v[j] = s.scripts.v[j - 1];
			s.names.v[j - 1] = tn;
			s.scripts.v[j - 1] = ta;
		}
	for (size_t i = 0; i < s.names.n; i++) {
		const struct hv_artifact *a = s.scripts.v[i];
		char *path = arena_printf(c->p->arena, "%s/%s", dir, s.names.v[i]);
		char *reason =
			arena_printf(c->p->arena,
				     "starts the %s tools init script %s (%s) at boot; it fails on "
				     "KVM (the script stays for its package to remove)",
				     hvrule_hv(a)->display, a->name, a->path);

		if (!path || !reason)
			return -ENOMEM;
		r = hvrule_soft(c, path, plan_remove(c->p, path, HVRULE, reason));
		if (r < 0)
			return r;
	}
	return 0;
}

static int hvrule_rc_links(struct convert *c)
{
	const struct guest *g = c->g;
	const char *done[sizeof(hvrule_rc_dirs) / sizeof(hvrule_rc_dirs[0])];
	hvrule_arts known = {0};
	size_t ndone = 0;
	int r;

	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[i];
		const struct hv_artifact **slot;

		if (!hvrule_is(a, "init-script"))
			continue;
		/* Upstart jobs have no links; RHEL 6's upstart 0.6 has no
		 * override files either. */
		if (str_startswith(a->path, "/etc/init/")) {
			r = plan_note(c->p, HVRULE,
				      "upstart job %s of the %s tools left enabled: it fails on "
				      "KVM until the tools are removed",
				      a->path, hvrule_hv(a)->display);
			if (r < 0)
				return r;
			continue;
		}
		if (!(slot = VEC_PUSH(c->p->arena, known)))
			return -ENOMEM;
		*slot = a;
	}
	if (!known.n)
		return 0;
	for (size_t d = 0; d < sizeof(hvrule_rc_dirs) / sizeof(hvrule_rc_dirs[0]); d++) {
		char *real = NULL;
		const char *dir;
		bool dup = false;

		if (!gtree_is_dir(c->t, hvrule_rc_dirs[d]))
			continue;
		r = gtree_realpath(c->t, hvrule_rc_dirs[d], &real);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue;
		dir = arena_strdup(c->p->arena, real);
		free(real);
		if (!dir)
			return -ENOMEM;
		for (size_t k = 0; k < ndone; k++)
			dup |= strcmp(done[k], dir) == 0;
		if (dup)
			continue;
		done[ndone++] = dir;
		r = hvrule_rc_dir(c, &known, dir);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* 3. Modules forced to load.                                           */

enum hvrule_fmt {
	HVRULE_FMT_LIST,      /* one module per line, maybe with arguments */
	HVRULE_FMT_DRACUT,    /* add_drivers+=" a b " and friends */
	HVRULE_FMT_SYSCONFIG, /* SUSE INITRD_MODULES="a b" */
};

/* The files inspection reports modules in, by canonical path (a trailing
 * '/' names every file in the directory). owner: not edited, and why. */
static const struct {
	const char *path;
	enum hvrule_fmt fmt;
	const char *owner;
} hvrule_modfiles[] = {
	{"/etc/modules-load.d/", HVRULE_FMT_LIST, NULL},
	{"/etc/modules", HVRULE_FMT_LIST, NULL},
	{"/etc/initramfs-tools/modules", HVRULE_FMT_LIST, NULL},
	{"/etc/dracut.conf", HVRULE_FMT_DRACUT, NULL},
	{"/etc/dracut.conf.d/", HVRULE_FMT_DRACUT, NULL},
	{"/etc/sysconfig/kernel", HVRULE_FMT_SYSCONFIG, NULL},
	{"/usr/lib/modules-load.d/", HVRULE_FMT_LIST,
	 "it belongs to a package; the modprobe blacklist keeps systemd-modules-load from loading "
	 "it"},
	{"/lib/modules-load.d/", HVRULE_FMT_LIST,
	 "it belongs to a package; the modprobe blacklist keeps systemd-modules-load from loading "
	 "it"},
	{"/run/modules-load.d/", HVRULE_FMT_LIST, "it is runtime state, gone at the next boot"},
	{"/usr/lib/dracut/dracut.conf.d/", HVRULE_FMT_DRACUT,
	 "it belongs to a package; a driver with no device loads and idles"},
};

static const char *const hvrule_dracut_keys[] = {
	"add_drivers", "force_drivers", "add_dracutmodules", "drivers", NULL,
};

static const char *const hvrule_sysconfig_keys[] = {
	"INITRD_MODULES",
	"MODULES_LOADED_ON_BOOT",
	NULL,
};

/* A module one file forces, and whether the edit took it out. */
struct hvrule_mod {
	const char *name;
	const struct hvrule_hv *hv;
	bool removed;
};

struct hvrule_modedit {
	struct convert *c;
	const char *path;
	enum hvrule_fmt fmt;
	VEC(struct hvrule_mod) mods;
	VEC(const char *) removed; /* for the reason, in edit order */
};

static struct hvrule_mod *hvrule_mod_find(struct hvrule_modedit *e, const char *w, size_t wl)
{
	for (size_t i = 0; i < e->mods.n; i++)
		if (hvrule_modeq(w, wl, e->mods.v[i].name))
			return &e->mods.v[i];
	return NULL;
}

static int hvrule_mod_taken(struct hvrule_modedit *e, struct hvrule_mod *m, const char *w,
			    size_t wl)
{
	const char **slot;

	m->removed = true;
	for (size_t i = 0; i < e->removed.n; i++)
		if (hvrule_modeq(w, wl, e->removed.v[i]))
			return 0;
	slot = VEC_PUSH(e->c->p->arena, e->removed);
	if (!slot || !(*slot = arena_strndup(e->c->p->arena, w, wl)))
		return -ENOMEM;
	return 0;
}

/* "# morph: <line>  (VMware-only driver, not needed on KVM)": the original
 * stays readable, and restoring it is deleting a prefix. */
static void hvrule_comment_out(FILE *out, const char *line, size_t llen, const char *who,
			       bool plural)
{
	fputs("# morph: ", out);
	fwrite(line, 1, llen, out);
	fprintf(out, "  (%s-only driver%s, not needed on KVM)", who, plural ? "s" : "");
}

/* One module per line (modules-load.d, /etc/modules, initramfs-tools):
 * the first word is the module, the rest its arguments. */
static int hvrule_edit_list(struct hvrule_modedit *e, const char *line, size_t llen, FILE *out,
			    bool *done)
{
	size_t i = 0, w;
	struct hvrule_mod *m;

	while (i < llen && isspace((unsigned char)line[i]))
		i++;
	if (i == llen || line[i] == '#' || line[i] == ';')
		return 0;
	w = hvrule_word(line + i, llen - i);
	m = hvrule_mod_find(e, line + i, w);
	if (!m)
		return 0;
	hvrule_comment_out(out, line, llen, m->hv->display, false);
	*done = true;
	return hvrule_mod_taken(e, m, line + i, w);
}

/*
 * KEY="a b c" or KEY+=" a b " (dracut is sourced by bash, sysconfig by sh):
 * the value is rebuilt from its own bytes as leading blanks, the kept words
 * each with the blanks that preceded it (none before the first), trailing
 * blanks. So the quotes, dracut's required leading and trailing spaces and
 * the other words stay as written. A list left empty means nothing: the
 * line is commented out instead.
 */
static int hvrule_edit_assign(struct hvrule_modedit *e, const char *line, size_t llen, FILE *out,
			      bool *done)
{
	const char *const *keys =
		e->fmt == HVRULE_FMT_DRACUT ? hvrule_dracut_keys : hvrule_sysconfig_keys;
	const char *end = line + llen, *p = line, *k, *v, *ve, *lead, *trail;
	const char *who = NULL, *prev;
	size_t ngone = 0, nkept = 0;
	bool known = false, mixed = false, first = true;
	int r;

	while (p < end && isspace((unsigned char)*p))
		p++;
	k = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	for (size_t i = 0; keys[i] && !known; i++)
		known = (size_t)(p - k) == strlen(keys[i]) &&
			memcmp(k, keys[i], (size_t)(p - k)) == 0;
	if (!known)
		return 0;
	if (p < end && *p == '+')
		p++;
	if (p >= end || *p != '=')
		return 0;
	p++;
	if (p < end && (*p == '"' || *p == '\'')) {
		char q = *p++;

		v = p;
		/* A value continued on the next line is not edited: the
		 * caller notes the modules left in it. */
		if (!(ve = memchr(v, q, (size_t)(end - v))))
			return 0;
	} else {
		v = p;
		ve = v + hvrule_word(v, (size_t)(end - v));
	}
	/* Pass 1: which words go. */
	for (p = v; p < ve;) {
		const char *w;
		struct hvrule_mod *m;

		while (p < ve && isspace((unsigned char)*p))
			p++;
		w = p;
		p += hvrule_word(p, (size_t)(ve - p));
		if (p == w)
			continue;
		if (!(m = hvrule_mod_find(e, w, (size_t)(p - w)))) {
			nkept++;
			continue;
		}
		mixed |= who && who != m->hv->display;
		who = m->hv->display;
		ngone++;
		r = hvrule_mod_taken(e, m, w, (size_t)(p - w));
		if (r < 0)
			return r;
	}
	if (!ngone)
		return 0;
	*done = true;
	if (!nkept) {
		hvrule_comment_out(out, line, llen, mixed ? "hypervisor" : who, ngone > 1);
		return 0;
	}
	/* Pass 2: the line with the kept words. */
	lead = v;
	while (lead < ve && isspace((unsigned char)*lead))
		lead++;
	trail = ve;
	while (trail > lead && isspace((unsigned char)trail[-1]))
		trail--;
	fwrite(line, 1, (size_t)(lead - line), out);
	for (p = prev = lead; p < trail;) {
		const char *w;

		while (p < trail && isspace((unsigned char)*p))
			p++;
		w = p;
		p += hvrule_word(p, (size_t)(trail - p));
		if (!hvrule_mod_find(e, w, (size_t)(p - w))) {
			if (!first)
				fwrite(prev, 1, (size_t)(w - prev), out);
			fwrite(w, 1, (size_t)(p - w), out);
			first = false;
		}
		prev = p;
	}
	fwrite(trail, 1, (size_t)(end - trail), out);
	return 0;
}

/* Edit the file: every line kept byte for byte unless it forces one of
 * e->mods. *ret NULL when nothing changed. */
static int hvrule_edit_file(struct hvrule_modedit *e, const char *buf, size_t len, char **ret,
			    size_t *rlen)
{
	struct hvrule_out o;
	struct line_iter it;
	const char *line;
	size_t llen;
	bool changed = false;
	int r = hvrule_out_open(&o);

	if (r < 0)
		return r;
	line_iter_init(&it, buf, len);
	while (r == 0 && line_iter_next(&it, &line, &llen)) {
		bool done = false;

		r = e->fmt == HVRULE_FMT_LIST ? hvrule_edit_list(e, line, llen, o.f, &done)
					      : hvrule_edit_assign(e, line, llen, o.f, &done);
		if (!done)
			fwrite(line, 1, llen, o.f);
		changed |= done;
		if (line + llen < buf + len)
			fputc('\n', o.f);
	}
	if (r < 0 || !changed) {
		hvrule_out_discard(&o);
		*ret = NULL;
		return r;
	}
	return hvrule_out_done(e->c, &o, ret, rlen);
}

static int hvrule_modfile(struct hvrule_modedit *e)
{
	struct convert *c = e->c;
	const char *buf, *reason = "stop forcing ", *who = NULL;
	char *out = NULL;
	size_t len, olen;
	bool mixed = false;
	int r = hvrule_read(c, e->path, &buf, &len);

	if (r != 0 || !buf)
		return r < 0 ? r : 0;
	r = hvrule_edit_file(e, buf, len, &out, &olen);
	if (r < 0)
		return r;
	for (size_t i = 0; i < e->mods.n; i++)
		if (!e->mods.v[i].removed) {
			r = plan_note(c->p, HVRULE,
				      "%s forces the %s driver %s in a form morph does not edit; "
				      "remove it by hand",
				      e->path, e->mods.v[i].hv->display, e->mods.v[i].name);
			if (r < 0)
				return r;
		}
	if (!out)
		return 0;
	for (size_t i = 0; i < e->mods.n; i++) {
		if (!e->mods.v[i].removed)
			continue;
		mixed |= who && who != e->mods.v[i].hv->display;
		who = e->mods.v[i].hv->display;
	}
	for (size_t i = 0; reason && i < e->removed.n; i++)
		reason =
			arena_printf(c->p->arena, "%s%s%s", reason, i ? ", " : "", e->removed.v[i]);
	if (reason)
		reason =
			arena_printf(c->p->arena, "%s: %s-only driver%s, not needed on KVM", reason,
				     mixed ? "hypervisor" : who, e->removed.n > 1 ? "s" : "");
	if (!reason)
		return -ENOMEM;
	return hvrule_soft(c, e->path, plan_write(c->p, e->path, out, olen, 0, HVRULE, reason));
}

/* Which table entry covers the canonical path; -1 for none. */
static int hvrule_modfile_class(const char *path)
{
	for (size_t i = 0; i < sizeof(hvrule_modfiles) / sizeof(hvrule_modfiles[0]); i++) {
		const char *t = hvrule_modfiles[i].path;
		size_t tl = strlen(t);

		if (t[tl - 1] == '/' ? strncmp(path, t, tl) == 0 && !strchr(path + tl, '/')
				     : strcmp(path, t) == 0)
			return (int)i;
	}
	return -1;
}

/* The canonical path of an artifact's file (Debian's
 * /etc/modules-load.d/modules.conf is a link to ../modules). */
static int hvrule_real(struct convert *c, const char *path, const char **ret)
{
	char *real = NULL;
	int r = gtree_realpath(c->t, path, &real);

	if (r == -ENOMEM)
		return r;
	*ret = r < 0 ? path : arena_strdup(c->p->arena, real);
	free(real);
	return *ret ? 0 : -ENOMEM;
}

static int hvrule_modules(struct convert *c)
{
	const struct guest *g = c->g;
	VEC(const char *) reals = {0};
	int r;

	/* One canonical path per artifact, in artifact order. */
	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		const char **slot = VEC_PUSH(c->p->arena, reals);

		if (!slot)
			return -ENOMEM;
		*slot = NULL;
		if (!hvrule_is(&g->hv_artifacts.v[i], "module-forced"))
			continue;
		r = hvrule_real(c, g->hv_artifacts.v[i].path, slot);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		struct hvrule_modedit e = {.c = c, .path = reals.v[i]};
		bool dup = false;
		int cls;

		if (!e.path)
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = reals.v[j] && strcmp(reals.v[j], e.path) == 0;
		if (dup)
			continue;
		cls = hvrule_modfile_class(e.path);
		if (cls < 0 || hvrule_modfiles[cls].owner) {
			r = plan_note(c->p, HVRULE, "%s forces the %s driver %s: left alone (%s)",
				      e.path, hvrule_hv(&g->hv_artifacts.v[i])->display,
				      g->hv_artifacts.v[i].name,
				      cls < 0 ? "morph does not know this file"
					      : hvrule_modfiles[cls].owner);
			if (r < 0)
				return r;
			continue;
		}
		e.fmt = hvrule_modfiles[cls].fmt;
		for (size_t j = i; j < g->hv_artifacts.n; j++) {
			struct hvrule_mod *m;

			if (!reals.v[j] || strcmp(reals.v[j], e.path) != 0 ||
			    hvrule_mod_find(&e, g->hv_artifacts.v[j].name,
					    strlen(g->hv_artifacts.v[j].name)))
				continue;
			m = VEC_PUSH(c->p->arena, e.mods);
			if (!m)
				return -ENOMEM;
			m->name = g->hv_artifacts.v[j].name;
			m->hv = hvrule_hv(&g->hv_artifacts.v[j]);
		}
		r = hvrule_modfile(&e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* 4. Consoles.                                                         */

static int hvrule_inittab(struct convert *c, const char *path)
{
	const struct guest *g = c->g;
	const char *cons[8];
	size_t ncons = 0;
	struct hvrule_out o;
	struct line_iter it;
	const char *buf, *line, *found = NULL;
	char *out, *reason;
	size_t len, llen, olen;
	int r;

	/* The consoles inspection found in this file (hvc0, xvc0). */
	for (size_t k = 0; k < g->hv_artifacts.n; k++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[k];
		bool dup = false;

		if (!hvrule_is(a, "console") || strcmp(a->path, path) != 0)
			continue;
		for (size_t j = 0; j < ncons; j++)
			dup |= strcmp(cons[j], a->name) == 0;
		if (!dup && ncons < sizeof(cons) / sizeof(cons[0]))
			cons[ncons++] = a->name;
	}
	r = hvrule_read(c, path, &buf, &len);
	if (r != 0 || !buf)
		return r < 0 ? r : 0;
	r = hvrule_out_open(&o);
	if (r < 0)
		return r;
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		const char *con = NULL;
		size_t i = 0;

		while (i < llen && isspace((unsigned char)line[i]))
			i++;
		for (size_t k = 0; k < ncons && i < llen && line[i] != '#' && !con; k++)
			if (hvrule_has_word(line + i, llen - i, cons[k]))
				con = cons[k];
		if (con) {
			fputs("# morph: ", o.f);
			fwrite(line, 1, llen, o.f);
			fprintf(o.f, "  (Xen console %s, absent on KVM)", con);
			found = found ? found : con;
		} else {
			fwrite(line, 1, llen, o.f);
		}
		if (line + llen < buf + len)
			fputc('\n', o.f);
	}
	if (!found) {
		hvrule_out_discard(&o);
		return 0;
	}
	r = hvrule_out_done(c, &o, &out, &olen);
	if (r < 0)
		return r;
	reason = arena_printf(c->p->arena,
			      "a getty on the Xen console %s respawns forever on KVM, where the "
			      "device does not exist",
			      found);
	if (!reason)
		return -ENOMEM;
	return hvrule_soft(c, path, plan_write(c->p, path, out, olen, 0, HVRULE, reason));
}

static int hvrule_consoles(struct convert *c)
{
	const struct guest *g = c->g;
	bool inittab = false;
	int r = 0;

	for (size_t i = 0; i < g->hv_artifacts.n && r >= 0; i++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[i];
		char *reason;

		if (!hvrule_is(a, "console"))
			continue;
		if (strcmp(a->path, "/etc/inittab") == 0) {
			if (!inittab)
				r = hvrule_inittab(c, a->path);
			inittab = true;
		} else if (str_startswith(a->path, "/etc/systemd/system/")) {
			reason = arena_printf(c->p->arena,
					      "enables a getty on the Xen console %s, which does "
					      "not exist on KVM",
					      a->name);
			r = reason ? hvrule_soft(c, a->path,
						 plan_remove(c->p, a->path, HVRULE, reason))
				   : -ENOMEM;
		} else if (str_startswith(a->path, "/etc/init/")) {
			r = plan_note(c->p, HVRULE,
				      "upstart job %s runs a getty on the Xen console %s: left (it "
				      "stops respawning when the device is missing)",
				      a->path, a->name);
		}
		/* /etc/securetty: a line for a missing tty is harmless, and
		 * RHEL and Debian list hvc0 there by default. */
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* 5. The modprobe blacklist.                                           */

/* Evidence the guest ran on h. securetty consoles are not: RHEL and
 * Debian list hvc0 and xvc0 there on every guest. */
static const struct hv_artifact *hvrule_evidence(const struct guest *g, const struct hvrule_hv *h)
{
	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[i];

		if (strcmp(a->hypervisor, h->name) == 0 &&
		    !(strcmp(a->kind, "console") == 0 && strcmp(a->path, "/etc/securetty") == 0))
			return a;
	}
	return NULL;
}

static int hvrule_blacklist(struct convert *c)
{
	for (size_t h = 0; h < HVRULE_NHVS; h++) {
		const struct hvrule_hv *hv = &hvrule_hvs[h];
		const struct hv_artifact *a = hvrule_evidence(c->g, hv);
		struct hvrule_out o;
		char *path, *reason, *out;
		size_t olen;
		int r;

		if (!a)
			continue;
		r = hvrule_out_open(&o);
		if (r < 0)
			return r;
		fprintf(o.f,
			"# Written by morph: this guest moved from %s to KVM, where these\n"
			"# %s drivers have no device. Delete this file to undo.\n",
			hv->display, hv->display);
		for (const char *const *m = hv->blacklist; *m; m++)
			fprintf(o.f, "blacklist %s\n", *m);
		r = hvrule_out_done(c, &o, &out, &olen);
		if (r < 0)
			return r;
		path = arena_printf(c->p->arena, "/etc/modprobe.d/morph-blacklist-%s.conf",
				    hv->name);
		reason = arena_printf(c->p->arena,
				      "the guest has %s artifacts (%s %s in %s): keep its drivers "
				      "from loading on KVM",
				      hv->display, a->kind, a->name, a->path);
		if (!path || !reason)
			return -ENOMEM;
		r = hvrule_soft(c, path, plan_write(c->p, path, out, olen, 0644, HVRULE, reason));
		if (r < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* 6. First-boot removal of the tools packages.                         */

/* The package managers' non-interactive removal. Repositories are off:
 * removing needs only the local database, and the network may not be up
 * on the first boot on KVM. */
static const struct {
	const char *pm;	   /* g->package_manager */
	const char *query; /* exit 0 when the package is installed */
	const char *remove;
	const char *env; /* exported first, or NULL */
} hvrule_pms[] = {
	{"apt", "dpkg -s", "apt-get -y purge", "DEBIAN_FRONTEND=noninteractive"},
	{"apt-get", "dpkg -s", "apt-get -y purge", "DEBIAN_FRONTEND=noninteractive"},
	{"dnf", "rpm -q", "dnf -y --disablerepo='*' remove", NULL},
	{"yum", "rpm -q", "yum -y --disablerepo='*' remove", NULL},
	{"tdnf", "rpm -q", "tdnf -y --disablerepo='*' erase", NULL},
	{"zypper", "rpm -q", "zypper -n --no-refresh rm", NULL},
};

/* Evidence of VMware's tarball installer: no package manager knows it. */
static const char *const hvrule_tarball[] = {
	"/etc/vmware-tools/locations",
	"/usr/bin/vmware-uninstall-tools.pl",
};

/* Non-systemd guests run the script from their rc.local, which runs last
 * in every multi-user runlevel: RHEL's rc.d/rc.local (S99local), SUSE
 * 11's after.local, Debian's and the rest's /etc/rc.local. */
static const struct {
	const char *family; /* NULL: any */
	const char *path;
} hvrule_rclocal[] = {
	{"rhel", "/etc/rc.d/rc.local"},
	{"suse", "/etc/init.d/after.local"},
	{NULL, "/etc/rc.local"},
};

/* dpkg and rpm names: letters, digits, "+-._"; anything else in a guest's
 * package database is not a name to put in a shell script. */
static bool hvrule_pkgname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HVRULE_MAX_PKGNAME || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("+-._", *s))
			return false;
	return true;
}

struct hvrule_pkgs {
	VEC(const struct hv_artifact *) v;
	VEC(const char *) masks; /* units masked above, for the script to unmask */
};

/* Sorted by name: the script must not change when inspection lists the
 * same things in another order (masking adds /etc/systemd/system/<unit>,
 * which sorts before /usr/lib/...). */
static void hvrule_sort_names(const char **v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			const char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static void hvrule_sort_pkgs(const struct hv_artifact **v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1]->name, v[j]->name) > 0; j--) {
			const struct hv_artifact *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static int hvrule_collect(struct convert *c, struct hvrule_pkgs *pk)
{
	const struct guest *g = c->g;
	int r;

	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[i];
		const struct hv_artifact **slot;
		bool tarball = false, dup = false;

		if (hvrule_is(a, "unit") || hvrule_is(a, "unit-enabled")) {
			const char **m;

			if (hvrule_seen(g, i, "unit", "unit-enabled", a->name))
				continue;
			m = VEC_PUSH(c->p->arena, pk->masks);
			if (!m)
				return -ENOMEM;
			*m = a->name;
			continue;
		}
		if (!hvrule_is(a, "package"))
			continue;
		for (size_t k = 0; k < pk->v.n; k++)
			dup |= strcmp(pk->v.v[k]->name, a->name) == 0;
		for (size_t k = 0; k < sizeof(hvrule_tarball) / sizeof(hvrule_tarball[0]); k++)
			tarball |= strcmp(a->path, hvrule_tarball[k]) == 0;
		if (dup || (tarball && hvrule_seen(g, i, "package", "package", a->name)))
			continue;
		if (tarball) {
			r = plan_note(c->p, HVRULE,
				      "%s was installed by VMware's tarball installer (%s), which "
				      "no package manager can remove: its start links are removed; "
				      "run /usr/bin/vmware-uninstall-tools.pl on the guest",
				      a->name, a->path);
		} else if (!hvrule_pkgname_ok(a->name)) {
			r = plan_note(c->p, HVRULE,
				      "package name in %s has unexpected characters: not removed "
				      "at first boot",
				      a->path);
		} else {
			slot = VEC_PUSH(c->p->arena, pk->v);
			if (!slot)
				return -ENOMEM;
			*slot = a;
			r = 0;
		}
		if (r < 0)
			return r;
	}
	hvrule_sort_pkgs(pk->v.v, pk->v.n);
	hvrule_sort_names(pk->masks.v, pk->masks.n);
	return 0;
}

/* The script. systemd: cleanup disables and deletes the unit; otherwise
 * rclocal names the file whose morph lines it deletes. */
static int hvrule_script(struct convert *c, const struct hvrule_pkgs *pk, size_t pm,
			 const char *rclocal, char **ret, size_t *len)
{
	struct hvrule_out o;
	FILE *f;
	int r = hvrule_out_open(&o);

	if (r < 0)
		return r;
	f = o.f;
	fputs("#!/bin/sh\n"
	      "# Written by morph: runs once, at the first boot on KVM. Removes the\n"
	      "# hypervisor guest tools with the guest's package manager, then\n"
	      "# deletes what starts it and itself. A failed removal is logged to\n"
	      "# " HVRULE_LOG ", not retried at every boot.\n"
	      "exec >>" HVRULE_LOG " 2>&1 </dev/null\n"
	      "echo \"morph-firstboot: $(date): removing hypervisor guest tools\"\n",
	      f);
	if (hvrule_pms[pm].env)
		fprintf(f, "%s\nexport %.*s\n", hvrule_pms[pm].env,
			(int)strcspn(hvrule_pms[pm].env, "="), hvrule_pms[pm].env);
	fputs("failed=0\nfor pkg in", f);
	for (size_t i = 0; i < pk->v.n; i++) {
		fputc(' ', f);
		hvrule_shq(f, pk->v.v[i]->name);
	}
	fprintf(f,
		"; do\n"
		"\t# Removing one package may have removed another that needs it.\n"
		"\tif ! %s \"$pkg\" >/dev/null 2>&1; then\n"
		"\t\techo \"morph-firstboot: $pkg is not installed\"\n"
		"\t\tcontinue\n"
		"\tfi\n"
		"\tif %s \"$pkg\"; then\n"
		"\t\techo \"morph-firstboot: removed $pkg\"\n"
		"\telse\n"
		"\t\techo \"morph-firstboot: removing $pkg failed (exit $?)\"\n"
		"\t\tfailed=1\n"
		"\tfi\n"
		"done\n",
		hvrule_pms[pm].query, hvrule_pms[pm].remove);
	if (pk->masks.n) {
		/* The masks only had to hold until the packages were gone; a
		 * mask left behind would silently disable tools installed
		 * again later (moving back to that hypervisor). */
		fputs("if [ \"$failed\" = 0 ]; then\n\tfor unit in", f);
		for (size_t i = 0; i < pk->masks.n; i++) {
			fputc(' ', f);
			hvrule_shq(f, pk->masks.v[i]);
		}
		fputs("; do\n"
		      "\t\tf=/etc/systemd/system/$unit\n"
		      "\t\tif [ -L \"$f\" ] && [ \"$(readlink \"$f\")\" = /dev/null ]; then\n"
		      "\t\t\trm -f \"$f\"\n"
		      "\t\tfi\n"
		      "\tdone\n"
		      "fi\n",
		      f);
	}
	if (!rclocal) {
		fputs("systemctl disable " HVRULE_UNIT " || true\n"
		      "rm -f " HVRULE_UNIT_LINK " " HVRULE_UNIT_PATH "\n",
		      f);
	} else {
		/* A new file renamed over rc.local, not a rewrite in place:
		 * the shell running rc.local (and this script) keeps reading
		 * the old inode. cp -p keeps the mode; restorecon the label. */
		fputs("f=", f);
		hvrule_shq(f, rclocal);
		fputs("\n"
		      "if cp -p \"$f\" \"$f.morph-tmp\" &&\n"
		      "   sed '/" HVRULE_MARK "/d' \"$f\" >\"$f.morph-tmp\"; then\n"
		      "\tmv -f \"$f.morph-tmp\" \"$f\"\n"
		      "\tif command -v restorecon >/dev/null 2>&1; then\n"
		      "\t\trestorecon \"$f\"\n"
		      "\tfi\n"
		      "fi\n"
		      "rm -f \"$f.morph-tmp\"\n",
		      f);
	}
	fputs("rm -f " HVRULE_SCRIPT "\n"
	      "echo \"morph-firstboot: done (failed=$failed)\"\n",
	      f);
	return hvrule_out_done(c, &o, ret, len);
}

static int hvrule_systemd_unit(struct convert *c, const char *why)
{
	static const char unit[] =
		"# Written by morph: removes the hypervisor guest tools once, at the\n"
		"# first boot on KVM; " HVRULE_SCRIPT " deletes this unit\n"
		"# when it is done. Log: " HVRULE_LOG "\n"
		"[Unit]\n"
		"Description=Remove hypervisor guest tools after conversion to KVM (morph)\n"
		"ConditionPathExists=" HVRULE_SCRIPT "\n"
		"After=network-online.target\n"
		"\n"
		"[Service]\n"
		"Type=oneshot\n"
		"ExecStart=" HVRULE_SCRIPT "\n"
		"\n"
		"[Install]\n"
		"WantedBy=multi-user.target\n";
	int r = plan_write(c->p, HVRULE_UNIT_PATH, unit, sizeof(unit) - 1, 0644, HVRULE, why);

	if (r < 0)
		return hvrule_soft(c, HVRULE_UNIT_PATH, r);
	/* What `systemctl enable` makes, from its [Install] section. */
	return hvrule_soft(c, HVRULE_UNIT_LINK,
			   plan_symlink(c->p, HVRULE_UNIT_LINK, HVRULE_UNIT_PATH, HVRULE, why));
}

/* Insert the guarded call into rc.local before a final top-level "exit"
 * line (Debian's ends with "exit 0"), else at the end. *ok: the call is
 * (or will be) there. */
static int hvrule_rclocal_edit(struct convert *c, const char *path, const char *why, bool *ok)
{
	static const char lines[] =
		"# " HVRULE_MARK ": runs once at the first boot on KVM, then deletes these lines\n"
		"if [ -x " HVRULE_SCRIPT " ]; then " HVRULE_SCRIPT "; fi\n";
	const char *buf, *line, *exit_at = NULL;
	struct line_iter it;
	size_t len, llen, head;
	char *out;
	int r = hvrule_read(c, path, &buf, &len);

	*ok = false;
	if (r != 0)
		return r < 0 ? r : 0;
	if (!buf) {
		out = arena_printf(c->p->arena, "#!/bin/sh\n%s", lines);
		if (!out)
			return -ENOMEM;
		r = plan_write(c->p, path, out, strlen(out), 0755, HVRULE, why);
		*ok = r == 0;
		return hvrule_soft(c, path, r);
	}
	if (memmem(buf, len, HVRULE_MARK, strlen(HVRULE_MARK))) {
		*ok = true; /* an earlier convert put it there */
		return 0;
	}
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		size_t i = 0;

		while (i < llen && isspace((unsigned char)line[i]))
			i++;
		if (i == llen || line[i] == '#')
			continue;
		/* The last command line, when it is "exit" at column 0. */
		exit_at = i == 0 && llen >= 4 && memcmp(line, "exit", 4) == 0 &&
					  (llen == 4 || isspace((unsigned char)line[4]))
				  ? line
				  : NULL;
	}
	head = exit_at ? (size_t)(exit_at - buf) : len;
	out = arena_printf(c->p->arena, "%.*s%s%s%s", (int)head, buf,
			   head && buf[head - 1] != '\n' ? "\n" : "", lines, buf + head);
	if (!out)
		return -ENOMEM;
	r = plan_write(c->p, path, out, strlen(out), 0755, HVRULE, why);
	*ok = r == 0;
	return hvrule_soft(c, path, r);
}

/* "a, b, c" for notes. */
static const char *hvrule_names(struct convert *c, const struct hvrule_pkgs *pk)
{
	const char *s = "";

	for (size_t i = 0; i < pk->v.n && s; i++)
		s = arena_printf(c->p->arena, "%s%s%s", s, i ? ", " : "", pk->v.v[i]->name);
	return s;
}

static int hvrule_firstboot(struct convert *c)
{
	const struct guest *g = c->g;
	struct hvrule_pkgs pk = {0};
	const char *pmname = g->package_manager ? g->package_manager : "";
	const char *init = g->init_system ? g->init_system : "";
	const char *rclocal = NULL, *names, *why;
	char *script;
	size_t pm, slen;
	int r = hvrule_collect(c, &pk);

	if (r < 0 || pk.v.n == 0)
		return r;
	for (pm = 0; pm < sizeof(hvrule_pms) / sizeof(hvrule_pms[0]); pm++)
		if (strcmp(pmname, hvrule_pms[pm].pm) == 0)
			break;
	names = hvrule_names(c, &pk);
	if (!names)
		return -ENOMEM;
	if (c->o && c->o->no_firstboot)
		return plan_note(c->p, HVRULE,
				 "--no-firstboot: the tools packages stay installed (%s); remove "
				 "them after the first boot",
				 names);
	if (pm == sizeof(hvrule_pms) / sizeof(hvrule_pms[0]))
		return plan_note(
			c->p, HVRULE,
			"no known package manager (%s): remove the tools packages (%s) by hand",
			pmname[0] ? pmname : "unknown", names);
	if (strcmp(init, "systemd") != 0) {
		if (strcmp(init, "sysvinit") != 0 && strcmp(init, "upstart") != 0)
			return plan_note(c->p, HVRULE,
					 "init system %s: no first-boot removal; remove the tools "
					 "packages (%s) by hand",
					 init[0] ? init : "unknown", names);
		for (size_t i = 0;
		     i < sizeof(hvrule_rclocal) / sizeof(hvrule_rclocal[0]) && !rclocal; i++)
			if (!hvrule_rclocal[i].family ||
			    (g->family && strcmp(g->family, hvrule_rclocal[i].family) == 0))
				rclocal = hvrule_rclocal[i].path;
		/* The script edits the file itself: give it the real one
		 * (CentOS 6's /etc/rc.local is a link to rc.d/rc.local). */
		r = hvrule_real(c, rclocal, &rclocal);
		if (r < 0)
			return r;
	}
	why = "remove the hypervisor tools packages ";
	for (size_t i = 0; why && i < pk.v.n; i++)
		why = arena_printf(c->p->arena, "%s%s%s (%s)", why, i ? ", " : "", pk.v.v[i]->name,
				   pk.v.v[i]->path);
	if (why)
		why = arena_printf(c->p->arena,
				   "%s at the first boot on KVM with %s: removing packages needs "
				   "the guest's own package manager",
				   why, hvrule_pms[pm].pm);
	if (!why)
		return -ENOMEM;
	r = hvrule_script(c, &pk, pm, rclocal, &script, &slen);
	if (r < 0)
		return r;
	r = plan_write(c->p, HVRULE_SCRIPT, script, slen, 0755, HVRULE, why);
	if (r < 0)
		return hvrule_soft(c, HVRULE_SCRIPT, r);
	if (!rclocal)
		return hvrule_systemd_unit(c, why);
	{
		bool ok;
		struct gfs_stat st;

		r = hvrule_rclocal_edit(c, rclocal, why, &ok);
		if (r < 0)
			return r;
		/* plan_write keeps an existing file's mode: say so when the
		 * init scripts would skip it. */
		if (ok && gtree_stat(c->t, rclocal, &st) == 0 && !(st.mode & 0100))
			return plan_note(c->p, HVRULE,
					 "%s is not executable, so the first-boot removal will not "
					 "run: chmod +x it",
					 rclocal);
	}
	return 0;
}

int rule_hypervisor(struct convert *c)
{
	static int (*const steps[])(struct convert * c) = {
		hvrule_units,	 hvrule_rc_links,  hvrule_modules,
		hvrule_consoles, hvrule_blacklist, hvrule_firstboot,
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int r = steps[i](c);

		if (r < 0)
			return r;
	}
	return 0;
}
