/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the guest carries for the hypervisor it leaves: guest tools
 * packages, their systemd units and enablement links, legacy init scripts,
 * paravirtual drivers forced into the boot or the initramfs, and consoles
 * on the Xen PV console. Conversion removes or disables these (vmtoolsd
 * loops on KVM, a forced vmw_pvscsi in a dracut config is harmless but a
 * missing virtio one is not, xvc0 gettys never start).
 *
 * Two tables drive it: hv_defs, what is known per hypervisor, and
 * hv_sources, where to look. Every path is read through the gtree. Output is
 * sorted (hypervisor table order, kind, path, name) and exact repeats are
 * dropped, so the same guest always gives the same list.
 *
 * Packages come from the dpkg database. The rpm database (Berkeley DB
 * Packages or rpmdb.sqlite) is not parsed yet: on rpm guests a package is
 * inferred from a file it owns, and the evidence file is the path.
 */
#include "inspect/guest.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HV_MAX_ARTIFACTS   4096
#define HV_MAX_DIR_ENTRIES 1024
#define HV_MAX_FIELDS	   32

enum hv_kind {
	HK_PACKAGE = 0,
	HK_UNIT,
	HK_UNIT_ENABLED,
	HK_INIT_SCRIPT,
	HK_MODULE_FORCED,
	HK_MODULE_CONFIG,
	HK_CONSOLE,
	HK_COUNT,
};

static const char *const hv_kind_names[HK_COUNT] = {
	[HK_PACKAGE] = "package",
	[HK_UNIT] = "unit",
	[HK_UNIT_ENABLED] = "unit-enabled",
	[HK_INIT_SCRIPT] = "init-script",
	[HK_MODULE_FORCED] = "module-forced",
	[HK_MODULE_CONFIG] = "module-config",
	[HK_CONSOLE] = "console",
};

/* A file that proves a package is installed. any_db: installed outside any
 * package manager (VMware's tarball installer), so it counts everywhere. */
struct hv_owned {
	const char *path, *package;
	bool any_db;
};

struct hv_def {
	const char *hypervisor;
	const char *const *packages;  /* fnmatch patterns */
	const struct hv_owned *owned; /* rpm guests; path NULL ends */
	const char *const *units;
	const char *const *init_scripts; /* guest paths */
	const char *const *modules;	 /* '-' and '_' are the same */
	const char *const *consoles;	 /* tty names */
};

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct hv_def hv_defs[] = {
	{
		.hypervisor = "vmware",
		.packages = LIST("open-vm-tools", "open-vm-tools-*", "open-vm-toolbox",
				 "vmware-tools", "vmware-tools-*"),
		.owned =
			(const struct hv_owned[]){
				{"/usr/bin/vmtoolsd", "open-vm-tools", false},
				{"/usr/bin/vmware-toolbox-cmd", "open-vm-tools", false},
				{"/usr/bin/vmware-user-suid-wrapper", "open-vm-tools-desktop",
				 false},
				/* The tarball installer's own database. */
				{"/etc/vmware-tools/locations", "vmware-tools", true},
				{"/usr/bin/vmware-uninstall-tools.pl", "vmware-tools", true},
				{NULL, NULL, false},
			},
		.units = LIST("vmtoolsd.service", "open-vm-tools.service", "vgauthd.service",
			      "vmware-vgauth.service", "vmware-tools.service",
			      "vmware-tools-thinprint.service", "run-vmblock\\x2dfuse.mount"),
		.init_scripts = LIST("/etc/init.d/vmware-tools", "/etc/rc.d/init.d/vmware-tools",
				     "/etc/init.d/vmware-tools-thinprint",
				     "/etc/init.d/open-vm-tools", "/etc/init/vmware-tools.conf"),
		.modules = LIST("vmw_pvscsi", "vmxnet3", "vmxnet", "vmw_balloon", "vmwgfx",
				"vmw_vmci", "vmw_vsock_vmci_transport", "vmhgfs", "vmblock",
				"vmmemctl", "vmsync", "vmci"),
		.consoles = LIST(NULL),
	},
	{
		.hypervisor = "hyperv",
		.packages = LIST("hyperv-daemons", "hyperv-daemons-*", "hypervkvpd", "hypervvssd",
				 "hypervfcopyd", "hyperv-tools", "hyper-v", "linux-cloud-tools-*"),
		.owned =
			(const struct hv_owned[]){
				{"/usr/sbin/hypervkvpd", "hypervkvpd", false},
				{"/usr/sbin/hypervvssd", "hypervvssd", false},
				{"/usr/sbin/hypervfcopyd", "hypervfcopyd", false},
				/* SUSE's package names the daemons like the kernel. */
				{"/usr/sbin/hv_kvp_daemon", "hyper-v", false},
				{"/usr/sbin/lsvmbus", "hyperv-tools", false},
				{NULL, NULL, false},
			},
		.units = LIST("hv_kvp_daemon.service", "hv_vss_daemon.service",
			      "hv_fcopy_daemon.service", "hv_fcopy_uio_daemon.service",
			      "hypervkvpd.service", "hypervvssd.service", "hypervfcopyd.service",
			      "hyperv-daemons.hv-kvp-daemon.service",
			      "hyperv-daemons.hv-vss-daemon.service",
			      "hyperv-daemons.hv-fcopy-daemon.service"),
		.init_scripts = LIST("/etc/init.d/hypervkvpd", "/etc/rc.d/init.d/hypervkvpd",
				     "/etc/init.d/hypervvssd", "/etc/rc.d/init.d/hypervvssd",
				     "/etc/init.d/hv_kvp_daemon",
				     "/etc/init.d/hyperv-daemons.hv-kvp-daemon",
				     "/etc/init.d/hyperv-daemons.hv-vss-daemon"),
		.modules = LIST("hv_vmbus", "hv_storvsc", "hv_netvsc", "hv_utils", "hv_balloon",
				"hv_sock", "hyperv_keyboard", "hyperv_fb", "hyperv_drm",
				"hid_hyperv", "pci_hyperv"),
		.consoles = LIST(NULL),
	},
	{
		.hypervisor = "xen",
		.packages = LIST("xe-guest-utilities", "xe-guest-utilities-*", "xenstore-utils",
				 "xen-guest-agent"),
		.owned =
			(const struct hv_owned[]){
				{"/usr/sbin/xe-daemon", "xe-guest-utilities", false},
				{"/usr/sbin/xe-linux-distribution", "xe-guest-utilities", false},
				{"/usr/bin/xenstore-read", "xe-guest-utilities-xenstore", false},
				{NULL, NULL, false},
			},
		.units = LIST("xe-linux-distribution.service", "xe-daemon.service",
			      "xen-guest-agent.service", "proc-xen.mount"),
		.init_scripts = LIST("/etc/init.d/xe-linux-distribution",
				     "/etc/rc.d/init.d/xe-linux-distribution"),
		.modules = LIST("xen_blkfront", "xen_netfront", "xenfs", "xen_pcifront",
				"xen_kbdfront", "xen_fbfront", "xen_scsifront", "xen_privcmd",
				"xen_gntdev", "xen_evtchn", "xen_platform_pci", "xen_vbd",
				"xen_vnif", "xen_balloon"),
		/* hvc0 on PV and PVH kernels, xvc0 on old (2.6.18) ones. */
		.consoles = LIST("hvc0", "xvc0"),
	},
};

#define HV_NDEFS (sizeof(hv_defs) / sizeof(hv_defs[0]))

struct hv_found {
	size_t hv;
	enum hv_kind kind;
	const char *name, *path;
};

struct hv_scan {
	struct guest *g;
	struct gtree *t;
	struct arena *a; /* scratch: freed when the step ends */
	VEC(struct hv_found) found;
	bool have_dpkg;
	bool capped;
};

static int hv_add(struct hv_scan *s, size_t hv, enum hv_kind kind, const char *name,
		  const char *path)
{
	struct hv_found *f;

	if (s->found.n >= HV_MAX_ARTIFACTS) {
		if (!s->capped)
			guest_warn(s->g, "more than %d hypervisor artifacts; the rest are ignored",
				   HV_MAX_ARTIFACTS);
		s->capped = true;
		return 0;
	}
	f = VEC_PUSH(s->a, s->found);
	if (!f || !(f->name = arena_strdup(s->a, name)) || !(f->path = arena_strdup(s->a, path)))
		return -ENOMEM;
	f->hv = hv;
	f->kind = kind;
	return 0;
}

/* 0 with a buffer to free, 1 nothing to read (warned when unreadable). */
static int hv_read(struct hv_scan *s, const char *path, size_t max, char **ret, size_t *len)
{
	int r = gtree_read(s->t, path, max, ret, len);

	switch (r) {
	case 0: return 0;
	case -ENOMEM: return r;
	case -ENOENT:
	case -ENOTDIR: return 1;
	case -EFBIG:
		guest_warn(s->g, "%s is over the %zu-byte limit; ignored", path, max);
		return 1;
	default: guest_warn(s->g, "cannot read %s: %s; ignored", path, strerror(-r)); return 1;
	}
}

/* The guest's canonical spelling of a directory (so /lib/systemd/system
 * on a merged-/usr guest is reported once, as /usr/lib/systemd/system).
 * Scratch arena; NULL on OOM. */
static const char *hv_canon_dir(struct hv_scan *s, const char *dir)
{
	char *c = NULL;
	const char *out;

	if (gtree_realpath(s->t, dir, &c) < 0)
		return arena_strdup(s->a, dir);
	out = arena_strdup(s->a, c);
	free(c);
	return out;
}

static const char *hv_join(struct hv_scan *s, const char *dir, const char *name)
{
	return arena_printf(s->a, "%s/%s", strcmp(dir, "/") ? dir : "", name);
}

struct hv_names {
	struct hv_scan *s;
	const char *suffix;
	bool dirs; /* directories (or links to them) instead of files */
	VEC(const char *) v;
	bool capped;
	int err;
};

static int hv_names_cb(void *ud, const char *name, enum gfs_type type)
{
	struct hv_names *l = ud;
	const char **slot;

	if (name[0] == '.' || (l->suffix && !str_endswith(name, l->suffix)))
		return 0;
	if (l->dirs ? type != GFS_DIR && type != GFS_LNK : type == GFS_DIR)
		return 0;
	if (l->v.n >= HV_MAX_DIR_ENTRIES) {
		l->capped = true;
		return 1;
	}
	slot = VEC_PUSH(l->s->a, l->v);
	if (!slot || !(*slot = arena_strdup(l->s->a, name))) {
		l->err = -ENOMEM;
		return 1;
	}
	return 0;
}

static int hv_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted names in dir ending with suffix (NULL: any); missing dir: none. */
static int hv_list(struct hv_scan *s, const char *dir, const char *suffix, bool dirs,
		   struct hv_names *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->s = s;
	ret->suffix = suffix;
	ret->dirs = dirs;
	r = gtree_readdir(s->t, dir, hv_names_cb, ret);
	if (ret->err)
		return ret->err;
	if (ret->capped)
		guest_warn(s->g, "%s has more than %d entries; the rest are ignored", dir,
			   HV_MAX_DIR_ENTRIES);
	else if (r < 0 && r != -ENOENT && r != -ENOTDIR)
		guest_warn(s->g, "cannot list %s: %s", dir, strerror(-r));
	if (ret->v.n > 1)
		qsort(ret->v.v, ret->v.n, sizeof(*ret->v.v), hv_cmp_str);
	return 0;
}

static bool hv_exists(struct hv_scan *s, const char *path)
{
	struct gfs_stat st;

	return gtree_lstat(s->t, path, &st) == 0;
}

/* ------------------------------------------------------------------ */
/* Packages.                                                            */

static int hv_match_package(struct hv_scan *s, const char *name, const char *path)
{
	for (size_t h = 0; h < HV_NDEFS; h++)
		for (const char *const *p = hv_defs[h].packages; *p; p++)
			if (fnmatch(*p, name, 0) == 0)
				return hv_add(s, h, HK_PACKAGE, name, path);
	return 0;
}

/* dpkg's third Status word; these leave the package's files on disk. */
static bool hv_dpkg_installed(const char *status)
{
	static const char *const states[] = {
		"installed",	   "half-installed",   "unpacked",
		"half-configured", "triggers-awaited", "triggers-pending",
	};
	const char *last = status;

	for (const char *p = status; *p; p++)
		if (isspace((unsigned char)*p) && p[1] && !isspace((unsigned char)p[1]))
			last = p + 1;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(last, states[i]) == 0)
			return true;
	return false;
}

/* Copy a field's value, trimmed; too long a value is left empty (no
 * package has a 255-character name). */
static void hv_dpkg_field(char *out, size_t size, const char *v, size_t n)
{
	while (n && isspace((unsigned char)*v)) {
		v++;
		n--;
	}
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= size)
		n = 0;
	memcpy(out, v, n);
	out[n] = '\0';
}

static int hv_scan_dpkg(struct hv_scan *s)
{
	static const char path[] = "/var/lib/dpkg/status";
	char pkg[256] = "", status[128] = "";
	struct line_iter it;
	const char *line;
	char *buf = NULL;
	size_t len, llen;
	int r;

	r = hv_read(s, path, GUEST_LARGE_FILE, &buf, &len);
	if (r != 0)
		return r < 0 ? r : 0;
	s->have_dpkg = true;
	line_iter_init(&it, buf, len);
	for (;;) {
		bool more = line_iter_next(&it, &line, &llen);

		if (!more)
			llen = 0;
		else if (llen && line[llen - 1] == '\r')
			llen--;
		/* A blank line (or the end) closes a stanza. */
		if (!more || llen == 0) {
			if (pkg[0] && hv_dpkg_installed(status) &&
			    (r = hv_match_package(s, pkg, path)) < 0)
				break;
			pkg[0] = status[0] = '\0';
			if (!more)
				break;
			continue;
		}
		if (llen > 8 && memcmp(line, "Package:", 8) == 0)
			hv_dpkg_field(pkg, sizeof(pkg), line + 8, llen - 8);
		else if (llen > 7 && memcmp(line, "Status:", 7) == 0)
			hv_dpkg_field(status, sizeof(status), line + 7, llen - 7);
	}
	free(buf);
	return r < 0 ? r : 0;
}

static bool hv_is_rpm_guest(struct hv_scan *s)
{
	static const char *const dbs[] = {
		"/var/lib/rpm/Packages",
		"/var/lib/rpm/Packages.db",
		"/var/lib/rpm/rpmdb.sqlite",
		"/usr/lib/sysimage/rpm/rpmdb.sqlite",
		"/usr/lib/sysimage/rpm/Packages.db",
	};

	if (s->g->package_format && strcmp(s->g->package_format, "rpm") == 0)
		return true;
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++)
		if (hv_exists(s, dbs[i]))
			return true;
	return false;
}

/* The rpm database is not parsed yet (Berkeley DB hash pages or SQLite);
 * a package is inferred from a file it owns instead. */
static int hv_scan_owned(struct hv_scan *s)
{
	bool rpm = !s->have_dpkg && hv_is_rpm_guest(s);
	int r;

	for (size_t h = 0; h < HV_NDEFS; h++)
		for (const struct hv_owned *o = hv_defs[h].owned; o->path; o++) {
			if (!(rpm || o->any_db) || !hv_exists(s, o->path))
				continue;
			r = hv_add(s, h, HK_PACKAGE, o->package, o->path);
			if (r < 0)
				return r;
		}
	return 0;
}

/* ------------------------------------------------------------------ */
/* systemd units and legacy init scripts.                               */

static const char *const hv_unit_dirs[] = {
	"/etc/systemd/system",
	"/usr/lib/systemd/system",
	"/lib/systemd/system",
};

static int hv_scan_units(struct hv_scan *s)
{
	for (size_t d = 0; d < sizeof(hv_unit_dirs) / sizeof(hv_unit_dirs[0]); d++) {
		const char *dir = hv_canon_dir(s, hv_unit_dirs[d]);

		if (!dir)
			return -ENOMEM;
		for (size_t h = 0; h < HV_NDEFS; h++)
			for (const char *const *u = hv_defs[h].units; *u; u++) {
				const char *p = hv_join(s, dir, *u);
				int r;

				if (!p)
					return -ENOMEM;
				if (hv_exists(s, p) && (r = hv_add(s, h, HK_UNIT, *u, p)) < 0)
					return r;
			}
	}
	return 0;
}

/* "serial-getty@hvc0.service" -> console "hvc0" of a hypervisor. */
static int hv_getty(struct hv_scan *s, const char *unit, const char *path)
{
	const char *at = strchr(unit, '@');

	if (!at || !str_endswith(unit, ".service") ||
	    (!str_startswith(unit, "getty@") && !str_startswith(unit, "serial-getty@")))
		return 0;
	for (size_t h = 0; h < HV_NDEFS; h++)
		for (const char *const *c = hv_defs[h].consoles; *c; c++)
			if (strlen(at + 1) == strlen(*c) + 8 &&
			    strncmp(at + 1, *c, strlen(*c)) == 0)
				return hv_add(s, h, HK_CONSOLE, *c, path);
	return 0;
}

/* Enablement: symlinks in /etc/systemd/system/<target>.wants (and
 * .requires), the path recorded is the link itself. */
static int hv_scan_wants(struct hv_scan *s)
{
	const char *base = hv_canon_dir(s, "/etc/systemd/system");
	struct hv_names dirs;
	int r;

	if (!base)
		return -ENOMEM;
	r = hv_list(s, base, NULL, true, &dirs);
	for (size_t i = 0; r >= 0 && i < dirs.v.n; i++) {
		struct hv_names units;
		const char *wdir;

		if (!str_endswith(dirs.v.v[i], ".wants") && !str_endswith(dirs.v.v[i], ".requires"))
			continue;
		if (!(wdir = hv_join(s, base, dirs.v.v[i])))
			return -ENOMEM;
		r = hv_list(s, wdir, NULL, false, &units);
		for (size_t j = 0; r >= 0 && j < units.v.n; j++) {
			const char *name = units.v.v[j];
			const char *p = hv_join(s, wdir, name);

			if (!p)
				return -ENOMEM;
			r = hv_getty(s, name, p);
			for (size_t h = 0; r >= 0 && h < HV_NDEFS; h++)
				for (const char *const *u = hv_defs[h].units; *u; u++)
					if (strcmp(name, *u) == 0 &&
					    (r = hv_add(s, h, HK_UNIT_ENABLED, name, p)) < 0)
						break;
		}
	}
	return r < 0 ? r : 0;
}

static int hv_scan_init_scripts(struct hv_scan *s)
{
	for (size_t h = 0; h < HV_NDEFS; h++)
		for (const char *const *p = hv_defs[h].init_scripts; *p; p++) {
			const char *slash = strrchr(*p, '/'), *dir, *path;
			int r;

			if (!hv_exists(s, *p))
				continue;
			/* /etc/init.d is a link to rc.d/init.d on RHEL 6. */
			dir = arena_strndup(s->a, *p, (size_t)(slash - *p));
			if (!dir || !(dir = hv_canon_dir(s, dir)) ||
			    !(path = hv_join(s, dir, slash + 1)))
				return -ENOMEM;
			r = hv_add(s, h, HK_INIT_SCRIPT, slash + 1, path);
			if (r < 0)
				return r;
		}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Kernel modules forced to load, and modprobe configuration.           */

enum hv_modfmt {
	HV_FMT_LIST,	  /* one module per line, maybe with arguments */
	HV_FMT_DRACUT,	  /* add_drivers+=" a b " and friends */
	HV_FMT_SYSCONFIG, /* SUSE INITRD_MODULES="a b" */
	HV_FMT_MODPROBE,  /* alias / options / install / softdep lines */
};

/* Where modules are named, in report order. dir + suffix: every matching
 * file in it; otherwise path is one file. */
static const struct {
	const char *dir, *suffix, *path;
	enum hv_modfmt fmt;
	enum hv_kind kind;
} hv_modsrcs[] = {
	{"/etc/modules-load.d", ".conf", NULL, HV_FMT_LIST, HK_MODULE_FORCED},
	{"/run/modules-load.d", ".conf", NULL, HV_FMT_LIST, HK_MODULE_FORCED},
	{"/usr/lib/modules-load.d", ".conf", NULL, HV_FMT_LIST, HK_MODULE_FORCED},
	{"/lib/modules-load.d", ".conf", NULL, HV_FMT_LIST, HK_MODULE_FORCED},
	{NULL, NULL, "/etc/modules", HV_FMT_LIST, HK_MODULE_FORCED},
	{NULL, NULL, "/etc/initramfs-tools/modules", HV_FMT_LIST, HK_MODULE_FORCED},
	{NULL, NULL, "/etc/dracut.conf", HV_FMT_DRACUT, HK_MODULE_FORCED},
	{"/etc/dracut.conf.d", ".conf", NULL, HV_FMT_DRACUT, HK_MODULE_FORCED},
	{"/usr/lib/dracut/dracut.conf.d", ".conf", NULL, HV_FMT_DRACUT, HK_MODULE_FORCED},
	{NULL, NULL, "/etc/sysconfig/kernel", HV_FMT_SYSCONFIG, HK_MODULE_FORCED},
	{"/etc/modprobe.d", ".conf", NULL, HV_FMT_MODPROBE, HK_MODULE_CONFIG},
	{NULL, NULL, "/etc/modprobe.conf", HV_FMT_MODPROBE, HK_MODULE_CONFIG},
};

static const char *const hv_dracut_keys[] = {
	"add_drivers",
	"force_drivers",
	"add_dracutmodules",
	"drivers",
};

static const char *const hv_sysconfig_keys[] = {
	"INITRD_MODULES",
	"MODULES_LOADED_ON_BOOT",
};

static const char *const hv_modprobe_words[] = {
	"alias", "options", "install", "remove", "softdep", "blacklist",
};

/* Module names compare with '-' and '_' as the same character. */
static bool hv_modname_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return i == alen && !b[i];
}

/* Every known module among the whitespace-separated words of [p, p+len). */
static int hv_match_words(struct hv_scan *s, const char *p, size_t len, enum hv_kind kind,
			  const char *path)
{
	const char *end = p + len;

	while (p < end) {
		const char *w;
		char name[64];

		while (p < end && isspace((unsigned char)*p))
			p++;
		w = p;
		while (p < end && !isspace((unsigned char)*p))
			p++;
		if (p == w || (size_t)(p - w) >= sizeof(name))
			continue;
		for (size_t h = 0; h < HV_NDEFS; h++)
			for (const char *const *m = hv_defs[h].modules; *m; m++)
				if (hv_modname_eq(w, (size_t)(p - w), *m)) {
					int r;

					snprintf(name, sizeof(name), "%.*s", (int)(p - w), w);
					r = hv_add(s, h, kind, name, path);
					if (r < 0)
						return r;
				}
	}
	return 0;
}

static size_t hv_word_len(const char *p, size_t len)
{
	size_t n = 0;

	while (n < len && !isspace((unsigned char)p[n]))
		n++;
	return n;
}

/* dracut.conf is sourced by bash; the settings that name drivers are
 * key="words" or key+="words" (one line each in practice). */
static int hv_dracut_line(struct hv_scan *s, const char *p, size_t len, enum hv_kind kind,
			  const char *path)
{
	const char *end = p + len, *k, *v, *ve;

	while (p < end && isspace((unsigned char)*p))
		p++;
	k = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	for (size_t i = 0; i < sizeof(hv_dracut_keys) / sizeof(hv_dracut_keys[0]); i++) {
		const char *q = p;

		if ((size_t)(p - k) != strlen(hv_dracut_keys[i]) ||
		    memcmp(k, hv_dracut_keys[i], (size_t)(p - k)) != 0)
			continue;
		if (q < end && *q == '+')
			q++;
		if (q >= end || *q != '=')
			return 0;
		q++;
		if (q < end && (*q == '"' || *q == '\'')) {
			v = q + 1;
			ve = memchr(v, *q, (size_t)(end - v));
			if (!ve)
				ve = end;
		} else {
			v = q;
			ve = v + hv_word_len(v, (size_t)(end - v));
		}
		return hv_match_words(s, v, (size_t)(ve - v), kind, path);
	}
	return 0;
}

static int hv_modsrc_file(struct hv_scan *s, enum hv_modfmt fmt, enum hv_kind kind,
			  const char *path)
{
	struct line_iter it;
	const char *line;
	char *buf = NULL;
	size_t len, llen;
	int r;

	r = hv_read(s, path, GUEST_SMALL_FILE, &buf, &len);
	if (r != 0)
		return r < 0 ? r : 0;
	if (fmt == HV_FMT_SYSCONFIG) {
		kv_list kv = {0};

		r = kv_parse_shell(s->a, buf, len, &kv);
		for (size_t i = 0;
		     r >= 0 && i < sizeof(hv_sysconfig_keys) / sizeof(hv_sysconfig_keys[0]); i++) {
			const char *v = kv_get(&kv, hv_sysconfig_keys[i]);

			if (v)
				r = hv_match_words(s, v, strlen(v), kind, path);
		}
		free(buf);
		return r;
	}
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		size_t i = 0, w;

		while (i < llen && isspace((unsigned char)line[i]))
			i++;
		if (i == llen || line[i] == '#' || line[i] == ';')
			continue;
		line += i;
		llen -= i;
		w = hv_word_len(line, llen);
		switch (fmt) {
		case HV_FMT_LIST: /* the module, then its arguments */
			r = hv_match_words(s, line, w, kind, path);
			break;
		case HV_FMT_DRACUT: r = hv_dracut_line(s, line, llen, kind, path); break;
		case HV_FMT_MODPROBE:
			for (size_t k = 0;
			     k < sizeof(hv_modprobe_words) / sizeof(hv_modprobe_words[0]); k++)
				if (w == strlen(hv_modprobe_words[k]) &&
				    memcmp(line, hv_modprobe_words[k], w) == 0) {
					/* "options vmw_pvscsi ...", "alias
					 * eth0 vmxnet3", "softdep a pre: b" */
					r = hv_match_words(s, line + w, llen - w, kind, path);
					break;
				}
			break;
		default: break;
		}
		if (r < 0)
			break;
	}
	free(buf);
	return r;
}

static int hv_scan_modules(struct hv_scan *s)
{
	int r = 0;

	for (size_t i = 0; i < sizeof(hv_modsrcs) / sizeof(hv_modsrcs[0]) && r >= 0; i++) {
		struct hv_names files;
		const char *dir;

		if (hv_modsrcs[i].path) {
			r = hv_modsrc_file(s, hv_modsrcs[i].fmt, hv_modsrcs[i].kind,
					   hv_modsrcs[i].path);
			continue;
		}
		if (!(dir = hv_canon_dir(s, hv_modsrcs[i].dir)))
			return -ENOMEM;
		r = hv_list(s, dir, hv_modsrcs[i].suffix, false, &files);
		for (size_t f = 0; r >= 0 && f < files.v.n; f++) {
			const char *p = hv_join(s, dir, files.v.v[f]);

			r = p ? hv_modsrc_file(s, hv_modsrcs[i].fmt, hv_modsrcs[i].kind, p)
			      : -ENOMEM;
		}
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Consoles.                                                            */

/* Does line hold name as a whole word ("/dev/hvc0" does, "hvc01" not)? */
static bool hv_has_word(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl <= len; i++)
		if (memcmp(line + i, name, nl) == 0 &&
		    (i == 0 || !isalnum((unsigned char)line[i - 1])) &&
		    (i + nl == len || !isalnum((unsigned char)line[i + nl])))
			return true;
	return false;
}

static int hv_console_file(struct hv_scan *s, const char *path)
{
	struct line_iter it;
	const char *line;
	char *buf = NULL;
	size_t len, llen;
	int r;

	r = hv_read(s, path, GUEST_SMALL_FILE, &buf, &len);
	if (r != 0)
		return r < 0 ? r : 0;
	line_iter_init(&it, buf, len);
	while (r >= 0 && line_iter_next(&it, &line, &llen)) {
		size_t i = 0;

		while (i < llen && isspace((unsigned char)line[i]))
			i++;
		if (i == llen || line[i] == '#')
			continue;
		for (size_t h = 0; r >= 0 && h < HV_NDEFS; h++)
			for (const char *const *c = hv_defs[h].consoles; *c; c++)
				if (hv_has_word(line + i, llen - i, *c) &&
				    (r = hv_add(s, h, HK_CONSOLE, *c, path)) < 0)
					break;
	}
	free(buf);
	return r;
}

static int hv_scan_consoles(struct hv_scan *s)
{
	static const char *const files[] = {"/etc/inittab", "/etc/securetty"};
	struct hv_names jobs;
	int r = 0;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && r >= 0; i++)
		r = hv_console_file(s, files[i]);
	if (r < 0)
		return r;
	/* upstart jobs (RHEL 6, Ubuntu before 15.04). */
	r = hv_list(s, "/etc/init", ".conf", false, &jobs);
	for (size_t i = 0; r >= 0 && i < jobs.v.n; i++) {
		const char *p = hv_join(s, "/etc/init", jobs.v.v[i]);

		r = p ? hv_console_file(s, p) : -ENOMEM;
	}
	return r;
}

/* ------------------------------------------------------------------ */

/*
 * Where to look, in order. dpkg before the rpm inference, which only runs
 * when there is no dpkg database. The order here does not show in the
 * output, which is sorted.
 */
static const struct {
	const char *what;
	int (*scan)(struct hv_scan *s);
} hv_sources[] = {
	{"dpkg database", hv_scan_dpkg},	{"files owned by packages", hv_scan_owned},
	{"systemd units", hv_scan_units},	{"systemd enablement links", hv_scan_wants},
	{"init scripts", hv_scan_init_scripts}, {"module lists", hv_scan_modules},
	{"consoles", hv_scan_consoles},
};

static int hv_cmp_found(const void *pa, const void *pb)
{
	const struct hv_found *a = pa, *b = pb;
	int c;

	if (a->hv != b->hv)
		return a->hv < b->hv ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = strcmp(a->path, b->path)))
		return c;
	return strcmp(a->name, b->name);
}

int inspect_hypervisor(struct guest *g, struct gtree *t)
{
	struct hv_scan s = {.g = g, .t = t};
	int r;

	r = arena_new(&s.a);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(hv_sources) / sizeof(hv_sources[0]); i++) {
		r = hv_sources[i].scan(&s);
		if (r < 0)
			goto out;
	}
	if (s.found.n > 1)
		qsort(s.found.v, s.found.n, sizeof(*s.found.v), hv_cmp_found);
	for (size_t i = 0; i < s.found.n; i++) {
		const struct hv_found *f = &s.found.v[i];
		struct hv_artifact *art;

		if (i > 0 && hv_cmp_found(f, f - 1) == 0)
			continue;
		art = VEC_PUSH(g->arena, g->hv_artifacts);
		if (!art) {
			r = -ENOMEM;
			goto out;
		}
		art->hypervisor = hv_defs[f->hv].hypervisor;
		art->kind = hv_kind_names[f->kind];
		art->name = arena_strdup(g->arena, f->name);
		art->path = arena_strdup(g->arena, f->path);
		if (!art->name || !art->path) {
			r = -ENOMEM;
			goto out;
		}
	}
	log_debug(g->ctx, "%zu hypervisor artifacts", g->hv_artifacts.n);
out:
	arena_free(s.a);
	return r;
}
