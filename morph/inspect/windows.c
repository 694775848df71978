/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Windows inspection: find the system root (case-insensitively: Windows
 * paths are, the guest tree is not), open the SOFTWARE and SYSTEM hives with
 * hivex and read product, version, architecture, hostname, the boot-start
 * drivers and the services and uninstall entries of other hypervisors.
 *
 * Hive bytes are hostile. hivex validates the block structure; on top of
 * that every value's type and size is checked here before it is read, raw
 * values over WIN_VALUE_MAX are not read at all, strings are decoded here
 * from UTF-16LE into at most WIN_STR_MAX bytes of valid UTF-8, and subkey
 * enumerations stop at WIN_KEYS_MAX. A hive that hivex refuses to open is
 * -EUCLEAN; a bad key or value inside a hive that opened is a warning and is
 * skipped, so one broken service does not hide the rest.
 *
 * Nothing is assigned to g until both hives have been read.
 */
#include "inspect/guest.h"

#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#define WIN_STR_MAX    4096	   /* UTF-8 bytes kept of any string */
#define WIN_VALUE_MAX  (64 * 1024) /* raw bytes of a value we read at all */
#define WIN_KEYS_MAX   10000	   /* subkeys looked at under one key */
#define WIN_PATH_DEPTH 16	   /* components in one of our key paths */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Directory names of the system root, in order of preference. */
static const char *const win_sysroot_names[] = {"Windows", "WINNT"};

/*
 * Services that belong to a hypervisor's guest tools or paravirtual
 * drivers. VMware entries are what "unconfigure vmware" removes; Hyper-V's
 * are inbox on Windows 8 / 2012 and later, so they are facts about the
 * image, not proof it ran on Hyper-V.
 */
static const struct win_hv_service {
	const char *name;	/* service key name, matched case-insensitively */
	const char *hypervisor; /* as in struct hv_artifact */
} win_hv_services[] = {
	/* VMware Tools */
	{"VMTools", "vmware"},
	{"VGAuthService", "vmware"},
	{"VMUpgradeHelper", "vmware"},
	{"vmvss", "vmware"},
	{"vmci", "vmware"},
	{"vsock", "vmware"},
	{"vmhgfs", "vmware"},
	{"vmmemctl", "vmware"},
	{"vm3dmp", "vmware"},
	{"vm3dmp_loader", "vmware"},
	{"vm3dmp-debug", "vmware"},
	{"vm3dmp-stats", "vmware"},
	{"vm3dservice", "vmware"},
	{"vmmouse", "vmware"},
	{"vmusbmouse", "vmware"},
	{"vmrawdsk", "vmware"},
	{"vmxnet", "vmware"},
	{"vmxnet3ndis6", "vmware"},
	{"pvscsi", "vmware"},
	{"vmaudio", "vmware"},
	{"vnetWFP", "vmware"},
	/* Hyper-V integration */
	{"vmbus", "hyperv"},
	{"storvsc", "hyperv"},
	{"netvsc", "hyperv"},
	{"VMBusHID", "hyperv"},
	{"hyperkbd", "hyperv"},
	{"HyperVideo", "hyperv"},
	/* Xen PV drivers */
	{"xenbus", "xen"},
	{"xenfilt", "xen"},
	{"xeniface", "xen"},
	{"xennet", "xen"},
	{"xenvbd", "xen"},
	{"xenvif", "xen"},
};

/* virtio-win driver services. */
static const char *const win_virtio_services[] = {
	"viostor", "vioscsi", "netkvm",	       "vioser",   "balloon", "viorng",
	"fwcfg",   "pvpanic", "qemupciserial", "vioinput", "viofs",
};

/* Uninstall keys under SOFTWARE (64-bit view, then the 32-bit one). */
static const char *const win_uninstall_keys[] = {
	"Microsoft\\Windows\\CurrentVersion\\Uninstall",
	"WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
};

/* PROCESSOR_ARCHITECTURE values. */
static const struct {
	const char *win, *arch;
} win_archs[] = {
	{"AMD64", "x86_64"},
	{"x86", "i686"},
	{"ARM64", "aarch64"},
	{"IA64", "ia64"},
};

/* What one inspection learns, assigned to g only when all went well. */
struct win_scan {
	struct guest *g;
	struct windows_info *wi;
	VEC(struct hv_artifact) hv;
	const char *version;
	int major, minor;
	const char *arch;
	const char *hostname;
};

/* One open hive; name is the HKLM subtree ("SOFTWARE") for messages. */
struct win_hive {
	hive_h *h;
	const char *name;
};

/* hivex reports failure as 0/-1/NULL with errno set; 0 with errno 0 means
 * "no such key or value". This is the one place that becomes an errno. */
static int win_errno(int absent)
{
	return errno > 0 ? -errno : absent;
}

/* ------------------------------------------------------------------ */
/* Finding the system root.                                             */

struct win_ci_match {
	const char *want;
	char best[GFS_MAX_NAME + 1];
	bool found;
};

static int win_ci_cb(void *ud, const char *name, enum gfs_type type)
{
	struct win_ci_match *m = ud;
	bool exact;

	/* Equal ignoring case means as long as want, so it fits best. */
	if (strcasecmp(name, m->want) != 0)
		return 0;
	/* Several spellings can coexist on a case-sensitive filesystem: take
	 * the exact one, else the smallest by strcmp, so the result does not
	 * depend on directory order. */
	exact = strcmp(name, m->want) == 0;
	if (!m->found || exact || (strcmp(m->best, m->want) != 0 && strcmp(name, m->best) < 0)) {
		memcpy(m->best, name, strlen(name) + 1);
		m->found = true;
	}
	return 0;
}

/* dir + "/" + the entry of dir matching name case-insensitively (arena).
 * -ENOENT when there is none. */
static int win_ci_join(struct guest *g, struct gtree *t, const char *dir, const char *name,
		       const char **ret)
{
	struct win_ci_match m = {.want = name};
	const char *p;
	int r;

	r = gtree_readdir(t, dir, win_ci_cb, &m);
	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r < 0)
		return r;
	if (!m.found)
		return -ENOENT;
	p = arena_printf(g->arena, "%s/%s", strcmp(dir, "/") ? dir : "", m.best);
	if (!p)
		return -ENOMEM;
	*ret = p;
	return 0;
}

/* Resolve rel ("System32/config/SYSTEM") under dir, one case-insensitive
 * component at a time. */
static int win_ci_path(struct guest *g, struct gtree *t, const char *dir, const char *rel,
		       const char **ret)
{
	char comp[GFS_MAX_NAME + 1];
	const char *cur = dir;

	while (*rel) {
		size_t n = strcspn(rel, "/");
		int r;

		if (n == 0 || n > GFS_MAX_NAME)
			return -EINVAL;
		memcpy(comp, rel, n);
		comp[n] = '\0';
		r = win_ci_join(g, t, cur, comp, &cur);
		if (r < 0)
			return r;
		rel += n;
		if (*rel == '/')
			rel++;
	}
	*ret = cur;
	return 0;
}

/* found = 0 (paths set), not a Windows tree = 1, error < 0 */
static int win_find_sysroot(struct guest *g, struct gtree *t, const char **software,
			    const char **system)
{
	for (size_t i = 0; i < ARRAY_SIZE(win_sysroot_names); i++) {
		const char *root, *sw, *sy;
		int r;

		r = win_ci_join(g, t, "/", win_sysroot_names[i], &root);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		r = win_ci_path(g, t, root, "System32/config/SOFTWARE", &sw);
		if (r == 0)
			r = win_ci_path(g, t, root, "System32/config/SYSTEM", &sy);
		if (r == -ENOENT || r == -EINVAL)
			continue;
		if (r < 0)
			return r;
		if (!gtree_is_file(t, sw) || !gtree_is_file(t, sy))
			continue;
		log_debug(g->ctx, "windows: system root %s", root);
		*software = sw;
		*system = sy;
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Opening a hive.                                                      */

static int win_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * hivex opens only file names. Put the bytes in a memfd and name it through
 * /proc/self/fd; without memfd or /proc, in a temp file that the caller
 * unlinks right after hivex_open (*unlink_after). *fd is the caller's to
 * close.
 */
static int win_spill(const char *buf, size_t len, int *fd, char *name, size_t namesz,
		     bool *unlink_after)
{
	const char *tmp = getenv("TMPDIR");
	int f, r;

	f = memfd_create("morph-hive", MFD_CLOEXEC);
	if (f >= 0) {
		r = win_write_all(f, buf, len);
		snprintf(name, namesz, "/proc/self/fd/%d", f);
		if (r == 0 && access(name, R_OK) == 0) {
			*fd = f;
			*unlink_after = false;
			return 0;
		}
		close(f);
	}

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((size_t)snprintf(name, namesz, "%s/morph-hive-XXXXXX", tmp) >= namesz)
		return -ENAMETOOLONG;
	f = mkostemp(name, O_CLOEXEC);
	if (f < 0)
		return -errno;
	r = win_write_all(f, buf, len);
	if (r < 0) {
		unlink(name);
		close(f);
		return r;
	}
	*fd = f;
	*unlink_after = true;
	return 0;
}

/* Read the guest file path and open it as a hive. -EUCLEAN (logged) when
 * hivex refuses it. */
static int win_hive_open(struct guest *g, struct gtree *t, const char *path, hive_h **ret)
{
	char name[4096];
	char *buf = NULL;
	bool unlink_after = false;
	size_t len;
	hive_h *h;
	int fd = -1, r;

	r = gtree_read(t, path, GUEST_HIVE_MAX, &buf, &len);
	if (r < 0) {
		log_err(g->ctx, "%s: cannot read registry hive: %s", path, strerror(-r));
		return r;
	}
	r = win_spill(buf, len, &fd, name, sizeof(name), &unlink_after);
	free(buf);
	if (r < 0) {
		log_err(g->ctx, "%s: cannot stage registry hive for hivex: %s", path, strerror(-r));
		return r;
	}

	errno = 0;
	h = hivex_open(name, 0);
	r = h ? 0 : win_errno(-EUCLEAN);
	if (unlink_after)
		unlink(name);
	close(fd);
	if (!h) {
		if (r == -ENOMEM || r == -EMFILE || r == -ENFILE)
			return r;
		log_err(g->ctx, "%s: corrupt registry hive (%s)", path, strerror(-r));
		return -EUCLEAN;
	}
	*ret = h;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading keys and values.                                             */

/* Walk a backslash-separated key path below node. -ENOENT when a component
 * is missing (hivex matches names case-insensitively). */
static int win_key(hive_h *h, hive_node_h node, const char *path, hive_node_h *ret)
{
	char comp[256];
	size_t depth = 0;

	while (*path) {
		size_t n = strcspn(path, "\\");

		if (n == 0 || n >= sizeof(comp) || ++depth > WIN_PATH_DEPTH)
			return -EINVAL;
		memcpy(comp, path, n);
		comp[n] = '\0';
		errno = 0;
		node = hivex_node_get_child(h, node, comp);
		if (!node)
			return win_errno(-ENOENT);
		path += n;
		if (*path == '\\')
			path++;
	}
	*ret = node;
	return 0;
}

static int win_root(hive_h *h, hive_node_h *ret)
{
	hive_node_h root;

	errno = 0;
	root = hivex_root(h);
	if (!root)
		return win_errno(-EUCLEAN);
	*ret = root;
	return 0;
}

/* Raw value data (malloc'ed, caller frees) after checking its size. */
static int win_value_raw(hive_h *h, hive_node_h node, const char *key, hive_type *type, char **data,
			 size_t *len)
{
	hive_value_h v;
	hive_type t;
	size_t n;
	char *d;

	errno = 0;
	v = hivex_node_get_value(h, node, key);
	if (!v)
		return win_errno(-ENOENT);
	if (hivex_value_type(h, v, &t, &n) < 0)
		return win_errno(-EUCLEAN);
	if (n > WIN_VALUE_MAX)
		return -E2BIG;
	errno = 0;
	d = hivex_value_value(h, v, &t, &n);
	if (!d)
		return win_errno(-EUCLEAN);
	*type = t;
	*data = d;
	*len = n;
	return 0;
}

static size_t win_put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* UTF-16LE up to the first NUL (an odd last byte is dropped) to UTF-8 in
 * the arena, at most WIN_STR_MAX bytes, cut at a character boundary.
 * Unpaired surrogates become U+FFFD. */
static char *win_utf16_to_utf8(struct arena *a, const unsigned char *p, size_t len)
{
	char out[WIN_STR_MAX + 4];
	size_t o = 0;

	for (size_t i = 0; i + 1 < len;) {
		uint32_t cp = p[i] | (uint32_t)p[i + 1] << 8;
		char enc[4];
		size_t n;

		i += 2;
		if (cp == 0)
			break;
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len) {
			uint32_t lo = p[i] | (uint32_t)p[i + 1] << 8;

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			}
		}
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xFFFD;
		n = win_put_utf8(enc, cp);
		if (o + n > WIN_STR_MAX)
			break;
		memcpy(out + o, enc, n);
		o += n;
	}
	return arena_strndup(a, out, o);
}

/* Length of the well-formed UTF-8 sequence at p, 0 if it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
static size_t win_utf8_len(const unsigned char *p)
{
	size_t n = *p < 0x80		 ? 1
		   : (*p & 0xE0) == 0xC0 ? 2
		   : (*p & 0xF0) == 0xE0 ? 3
		   : (*p & 0xF8) == 0xF0 ? 4
					 : 0;
	uint32_t cp;

	if (n <= 1)
		return n;
	cp = *p & (0x7F >> n);
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* A copy of s (arena), at most WIN_STR_MAX bytes, with each byte that is
 * not part of well-formed UTF-8 replaced by '?'. hivex decodes key names
 * itself; this makes its output as safe to report as our own decoding. */
static char *win_clean_utf8(struct arena *a, const char *s)
{
	char out[WIN_STR_MAX];
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p) {
		size_t n = win_utf8_len(p);

		if (o + (n ? n : 1) > WIN_STR_MAX)
			break;
		if (n) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else {
			out[o++] = '?';
			p++;
		}
	}
	return arena_strndup(a, out, o);
}

/* A REG_SZ / REG_EXPAND_SZ value as UTF-8 (arena). -ENOENT when absent,
 * -EMEDIUMTYPE for another type, -E2BIG over the cap. */
static int win_str(struct guest *g, hive_h *h, hive_node_h node, const char *key, const char **ret)
{
	hive_type t;
	char *d;
	size_t n;
	const char *s;
	int r;

	r = win_value_raw(h, node, key, &t, &d, &n);
	if (r < 0)
		return r;
	if (t != hive_t_REG_SZ && t != hive_t_REG_EXPAND_SZ) {
		free(d);
		return -EMEDIUMTYPE;
	}
	s = win_utf16_to_utf8(g->arena, (const unsigned char *)d, n);
	free(d);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/* A REG_DWORD (or big-endian DWORD) of exactly four bytes. */
static int win_dword(hive_h *h, hive_node_h node, const char *key, uint32_t *ret)
{
	const unsigned char *b;
	hive_type t;
	char *d;
	size_t n;
	int r;

	r = win_value_raw(h, node, key, &t, &d, &n);
	if (r < 0)
		return r;
	b = (const unsigned char *)d;
	if ((t != hive_t_REG_DWORD && t != hive_t_REG_DWORD_BIG_ENDIAN) || n != 4) {
		free(d);
		return -EMEDIUMTYPE;
	}
	if (t == hive_t_REG_DWORD)
		*ret = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	else
		*ret = b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
	free(d);
	return 0;
}

/* Optional values: absent is *ret = NULL / *found = false; a value of the
 * wrong type, too large or unreadable is a warning and treated as absent.
 * Only running out of memory is an error. where names the key in messages. */
static int win_opt_str(struct guest *g, hive_h *h, hive_node_h node, const char *where,
		       const char *key, const char **ret)
{
	int r = win_str(g, h, node, key, ret);

	if (r == 0)
		return 0;
	*ret = NULL;
	if (r == -ENOMEM)
		return r;
	if (r != -ENOENT)
		guest_warn(g, "registry %s\\%s: ignored (%s)", where, key,
			   r == -EMEDIUMTYPE ? "not a string" : strerror(-r));
	return 0;
}

static int win_opt_dword(struct guest *g, hive_h *h, hive_node_h node, const char *where,
			 const char *key, uint32_t *ret, bool *found)
{
	int r = win_dword(h, node, key, ret);

	*found = r == 0;
	if (r == 0 || r == -ENOENT)
		return 0;
	if (r == -ENOMEM)
		return r;
	guest_warn(g, "registry %s\\%s: ignored (%s)", where, key,
		   r == -EMEDIUMTYPE ? "not a DWORD" : strerror(-r));
	return 0;
}

/* The subkeys of node, at most WIN_KEYS_MAX (malloc'ed, 0-terminated,
 * caller frees). A key hivex cannot list is a warning and an empty list. */
static int win_children(struct guest *g, hive_h *h, hive_node_h node, const char *where,
			hive_node_h **ret)
{
	hive_node_h *kids;
	size_t n;

	errno = 0;
	kids = hivex_node_children(h, node);
	if (!kids) {
		int r = win_errno(-EUCLEAN);

		if (r == -ENOMEM)
			return r;
		guest_warn(g, "registry %s: cannot list subkeys (%s)", where, strerror(-r));
		kids = calloc(1, sizeof(*kids));
		if (!kids)
			return -ENOMEM;
	}
	for (n = 0; kids[n]; n++)
		if (n == WIN_KEYS_MAX) {
			guest_warn(g,
				   "registry %s: over %d subkeys, the rest "
				   "ignored",
				   where, WIN_KEYS_MAX);
			kids[n] = 0;
			break;
		}
	*ret = kids;
	return 0;
}

/* A key's name as clean UTF-8 (arena); NULL with a warning if unreadable. */
static int win_node_name(struct guest *g, hive_h *h, hive_node_h node, const char *where,
			 const char **ret)
{
	char *raw;
	const char *s;

	errno = 0;
	raw = hivex_node_name(h, node);
	if (!raw) {
		int r = win_errno(-EUCLEAN);

		*ret = NULL;
		if (r == -ENOMEM)
			return r;
		guest_warn(g,
			   "registry %s: a subkey has an unreadable name "
			   "(%s)",
			   where, strerror(-r));
		return 0;
	}
	s = win_clean_utf8(g->arena, raw);
	free(raw);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/* ------------------------------------------------------------------ */
/* SOFTWARE.                                                            */

static int win_set_version(struct win_scan *w, uint32_t major, uint32_t minor)
{
	/* Real values are single digits; anything huge is not a version. */
	if (major > 1000 || minor > 1000)
		return 0;
	w->version = arena_printf(w->g->arena, "%u.%u", major, minor);
	if (!w->version)
		return -ENOMEM;
	w->major = (int)major;
	w->minor = (int)minor;
	return 0;
}

/* "6.3" -> 6, 3; anything else leaves the version unknown. */
static int win_parse_version(struct win_scan *w, const char *s)
{
	unsigned long major, minor;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return 0;
	major = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return 0;
	minor = strtoul(end + 1, &end, 10);
	if (*end)
		return 0;
	if (major > 1000 || minor > 1000)
		return 0;
	return win_set_version(w, (uint32_t)major, (uint32_t)minor);
}

static int win_read_current_version(struct win_scan *w, hive_h *h, hive_node_h root)
{
	static const char where[] = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
	struct windows_info *wi = w->wi;
	struct guest *g = w->g;
	uint32_t major = 0, minor = 0;
	bool has_major, has_minor;
	hive_node_h cv;
	int r;

	r = win_key(h, root, "Microsoft\\Windows NT\\CurrentVersion", &cv);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		guest_warn(g,
			   "registry %s: missing (%s); product and version "
			   "unknown",
			   where, strerror(-r));
		return 0;
	}

	if ((r = win_opt_str(g, h, cv, where, "ProductName", &wi->product_name)) < 0 ||
	    (r = win_opt_str(g, h, cv, where, "CurrentVersion", &wi->current_version)) < 0 ||
	    (r = win_opt_str(g, h, cv, where, "CurrentBuild", &wi->current_build)) < 0 ||
	    (r = win_opt_str(g, h, cv, where, "EditionID", &wi->edition_id)) < 0 ||
	    (r = win_opt_str(g, h, cv, where, "InstallationType", &wi->installation_type)) < 0 ||
	    (r = win_opt_str(g, h, cv, where, "SystemRoot", &wi->system_root)) < 0)
		return r;
	if (!wi->current_build &&
	    (r = win_opt_str(g, h, cv, where, "CurrentBuildNumber", &wi->current_build)) < 0)
		return r;

	/* Windows 10 and later keep CurrentVersion at "6.3" for old
	 * programs; the real version is in the two DWORDs. */
	if ((r = win_opt_dword(g, h, cv, where, "CurrentMajorVersionNumber", &major, &has_major)) <
		    0 ||
	    (r = win_opt_dword(g, h, cv, where, "CurrentMinorVersionNumber", &minor, &has_minor)) <
		    0)
		return r;
	if (has_major && (r = win_set_version(w, major, has_minor ? minor : 0)))
		return r;
	if (!w->version)
		return win_parse_version(w, wi->current_version);
	return 0;
}

static bool win_strvec_has(const void *vec, const char *s)
{
	const VEC(const char *) *v = vec;

	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

static int win_add_hv(struct win_scan *w, const char *hypervisor, const char *kind,
		      const char *name, const char *path)
{
	struct hv_artifact *a = VEC_PUSH(w->g->arena, w->hv);

	if (!a)
		return -ENOMEM;
	a->hypervisor = hypervisor;
	a->kind = kind;
	a->name = name;
	a->path = path;
	return 0;
}

/* Uninstall entries whose DisplayName or Publisher mentions VMware. */
static int win_read_uninstall(struct win_scan *w, hive_h *h, hive_node_h root, const char *rel)
{
	struct guest *g = w->g;
	const char *where = arena_printf(g->arena, "HKLM\\SOFTWARE\\%s", rel);
	hive_node_h un, *kids = NULL;
	int r;

	if (!where)
		return -ENOMEM;
	r = win_key(h, root, rel, &un);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		if (r == -ENOMEM)
			return r;
		guest_warn(g, "registry %s: unreadable (%s)", where, strerror(-r));
		return 0;
	}
	r = win_children(g, h, un, where, &kids);
	if (r < 0)
		return r;
	for (size_t i = 0; kids[i]; i++) {
		const char *key, *entry, *dn, *pub, *name, *path;

		r = win_node_name(g, h, kids[i], where, &key);
		if (r < 0)
			goto out;
		if (!key)
			continue;
		entry = arena_printf(g->arena, "%s\\%s", where, key);
		if (!entry) {
			r = -ENOMEM;
			goto out;
		}
		if ((r = win_opt_str(g, h, kids[i], entry, "DisplayName", &dn)) < 0 ||
		    (r = win_opt_str(g, h, kids[i], entry, "Publisher", &pub)) < 0)
			goto out;
		if (!(dn && strcasestr(dn, "vmware")) && !(pub && strcasestr(pub, "vmware")))
			continue;
		/* An entry without a DisplayName is still an installed
		 * product; its key name (often a GUID) stands in. */
		name = dn && *dn ? dn : key;
		path = entry;
		if (!win_strvec_has(&w->wi->vmware_uninstall, name) &&
		    (r = guest_strvec_add(g, &w->wi->vmware_uninstall, name)) < 0)
			goto out;
		if ((r = win_add_hv(w, "vmware", "package", name, path)) < 0)
			goto out;
	}
	r = 0;
out:
	free(kids);
	return r;
}

static int win_read_software(struct win_scan *w, hive_h *h)
{
	hive_node_h root;
	int r;

	r = win_root(h, &root);
	if (r < 0)
		return r;
	r = win_read_current_version(w, h, root);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(win_uninstall_keys); i++)
		r = win_read_uninstall(w, h, root, win_uninstall_keys[i]);
	return r;
}

/* ------------------------------------------------------------------ */
/* SYSTEM.                                                              */

/* The control set Windows boots with: SYSTEM\Select\Current. There is no
 * CurrentControlSet key in the hive file; Windows links it at boot. */
static int win_control_set(struct win_scan *w, hive_h *h, hive_node_h root, hive_node_h *ret)
{
	struct guest *g = w->g;
	uint32_t cur = 0;
	bool found = false;
	hive_node_h sel, cs;
	char name[32];
	int r;

	r = win_key(h, root, "Select", &sel);
	if (r == -ENOMEM)
		return r;
	if (r == 0 &&
	    (r = win_opt_dword(g, h, sel, "HKLM\\SYSTEM\\Select", "Current", &cur, &found)) < 0)
		return r;
	if (!found || cur < 1 || cur > 999) {
		guest_warn(g, "registry HKLM\\SYSTEM\\Select\\Current: missing "
			      "or invalid; using ControlSet001");
		cur = 1;
	}
	snprintf(name, sizeof(name), "ControlSet%03u", cur);
	r = win_key(h, root, name, &cs);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		guest_warn(g,
			   "registry HKLM\\SYSTEM\\%s: missing (%s); "
			   "hostname, arch and services unknown",
			   name, strerror(-r));
		return 1;
	}
	w->wi->control_set = (int)cur;
	*ret = cs;
	return 0;
}

static const struct win_hv_service *win_hv_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(win_hv_services); i++)
		if (strcasecmp(name, win_hv_services[i].name) == 0)
			return &win_hv_services[i];
	return NULL;
}

static bool win_is_virtio(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(win_virtio_services); i++)
		if (strcasecmp(name, win_virtio_services[i]) == 0)
			return true;
	return false;
}

/* ImagePath, Type and Group of a service we list. */
static int win_read_driver(struct guest *g, hive_h *h, hive_node_h node, const char *where,
			   const char *name, uint32_t start, struct win_driver *d)
{
	bool found;
	int r;

	d->name = name;
	d->start = start;
	if ((r = win_opt_str(g, h, node, where, "ImagePath", &d->image)) < 0 ||
	    (r = win_opt_str(g, h, node, where, "Group", &d->group)) < 0 ||
	    (r = win_opt_dword(g, h, node, where, "Type", &d->type, &found)) < 0)
		return r;
	return 0;
}

static int win_read_service(struct win_scan *w, hive_h *h, hive_node_h node, const char *services)
{
	struct windows_info *wi = w->wi;
	struct guest *g = w->g;
	const struct win_hv_service *hv;
	const char *name, *where;
	struct win_driver *d;
	uint32_t start = 4;
	bool found;
	int r;

	r = win_node_name(g, h, node, services, &name);
	if (r < 0 || !name)
		return r;
	where = arena_printf(g->arena, "%s\\%s", services, name);
	if (!where)
		return -ENOMEM;
	r = win_opt_dword(g, h, node, where, "Start", &start, &found);
	if (r < 0)
		return r;
	/* Windows does not load a service without a valid Start: treat it
	 * like a disabled one (4). */
	if (!found || start > 4)
		start = 4;

	if (start == 0) {
		d = VEC_PUSH(g->arena, wi->boot_drivers);
		if (!d)
			return -ENOMEM;
		r = win_read_driver(g, h, node, where, name, start, d);
		if (r < 0)
			return r;
	}
	if (win_is_virtio(name)) {
		d = VEC_PUSH(g->arena, wi->virtio_drivers);
		if (!d)
			return -ENOMEM;
		r = win_read_driver(g, h, node, where, name, start, d);
		if (r < 0)
			return r;
	}
	hv = win_hv_lookup(name);
	if (hv) {
		if (strcmp(hv->hypervisor, "vmware") == 0 &&
		    (r = guest_strvec_add(g, &wi->vmware_services, name)) < 0)
			return r;
		r = win_add_hv(w, hv->hypervisor, "service", name, where);
		if (r < 0)
			return r;
	}
	return 0;
}

static int win_read_services(struct win_scan *w, hive_h *h, hive_node_h cs, const char *csname)
{
	struct guest *g = w->g;
	const char *where;
	hive_node_h svc, *kids = NULL;
	int r;

	where = arena_printf(g->arena, "HKLM\\SYSTEM\\%s\\Services", csname);
	if (!where)
		return -ENOMEM;
	r = win_key(h, cs, "Services", &svc);
	if (r < 0) {
		if (r == -ENOMEM)
			return r;
		guest_warn(g, "registry %s: missing (%s)", where, strerror(-r));
		return 0;
	}
	r = win_children(g, h, svc, where, &kids);
	if (r < 0)
		return r;
	for (size_t i = 0; kids[i] && r == 0; i++)
		r = win_read_service(w, h, kids[i], where);
	free(kids);
	return r;
}

static int win_read_arch(struct win_scan *w, hive_h *h, hive_node_h cs, const char *csname)
{
	struct guest *g = w->g;
	const char *where, *pa;
	hive_node_h env;
	int r;

	where = arena_printf(g->arena,
			     "HKLM\\SYSTEM\\%s\\Control\\Session Manager\\"
			     "Environment",
			     csname);
	if (!where)
		return -ENOMEM;
	r = win_key(h, cs, "Control\\Session Manager\\Environment", &env);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		guest_warn(g, "registry %s: missing (%s); arch unknown", where, strerror(-r));
		return 0;
	}
	r = win_opt_str(g, h, env, where, "PROCESSOR_ARCHITECTURE", &pa);
	if (r < 0 || !pa)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(win_archs); i++)
		if (strcasecmp(pa, win_archs[i].win) == 0) {
			w->arch = win_archs[i].arch;
			return 0;
		}
	guest_warn(g,
		   "registry %s\\PROCESSOR_ARCHITECTURE: unknown value "
		   "\"%.64s\"",
		   where, pa);
	return 0;
}

static int win_read_hostname(struct win_scan *w, hive_h *h, hive_node_h cs, const char *csname)
{
	struct guest *g = w->g;
	const char *where;
	hive_node_h cn;
	int r;

	where = arena_printf(g->arena,
			     "HKLM\\SYSTEM\\%s\\Control\\ComputerName\\"
			     "ComputerName",
			     csname);
	if (!where)
		return -ENOMEM;
	r = win_key(h, cs, "Control\\ComputerName\\ComputerName", &cn);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		if (r == -ENOMEM)
			return r;
		guest_warn(g, "registry %s: unreadable (%s)", where, strerror(-r));
		return 0;
	}
	return win_opt_str(g, h, cn, where, "ComputerName", &w->hostname);
}

static int win_read_system(struct win_scan *w, hive_h *h)
{
	hive_node_h root, cs;
	char csname[32];
	int r;

	r = win_root(h, &root);
	if (r < 0)
		return r;
	r = win_control_set(w, h, root, &cs);
	if (r != 0)
		return r < 0 ? r : 0;
	snprintf(csname, sizeof(csname), "ControlSet%03d", w->wi->control_set);
	if ((r = win_read_arch(w, h, cs, csname)) < 0 ||
	    (r = win_read_hostname(w, h, cs, csname)) < 0 ||
	    (r = win_read_services(w, h, cs, csname)) < 0)
		return r;
	return 0;
}

/* ------------------------------------------------------------------ */

static int win_read_hive(struct win_scan *w, struct gtree *t, const char *path,
			 int (*fn)(struct win_scan *w, hive_h *h))
{
	hive_h *h = NULL;
	int r;

	r = win_hive_open(w->g, t, path, &h);
	if (r < 0)
		return r;
	r = fn(w, h);
	if (r == -EUCLEAN)
		log_err(w->g->ctx, "%s: corrupt registry hive (no root key)", path);
	hivex_close(h);
	return r;
}

static int win_commit(struct win_scan *w)
{
	struct guest *g = w->g;

	for (size_t i = 0; i < w->hv.n; i++) {
		struct hv_artifact *a = VEC_PUSH(g->arena, g->hv_artifacts);

		if (!a)
			return -ENOMEM;
		*a = w->hv.v[i];
	}
	g->os_type = "windows";
	g->family = "windows";
	g->distro = "windows";
	g->product_name = w->wi->product_name;
	g->version = w->version;
	g->major = w->major;
	g->minor = w->minor;
	g->arch = w->arch;
	g->hostname = w->hostname;
	g->windows = w->wi;
	return 0;
}

int inspect_windows(struct guest *g, struct gtree *t)
{
	struct win_scan w = {.g = g, .major = -1, .minor = -1};
	const char *sw_path, *sys_path;
	int r;

	r = win_find_sysroot(g, t, &sw_path, &sys_path);
	if (r != 0)
		return r < 0 ? r : 0;
	w.wi = arena_alloc(g->arena, sizeof(*w.wi));
	if (!w.wi)
		return -ENOMEM;

	r = win_read_hive(&w, t, sw_path, win_read_software);
	if (r < 0)
		return r;
	r = win_read_hive(&w, t, sys_path, win_read_system);
	if (r < 0)
		return r;
	return win_commit(&w);
}
