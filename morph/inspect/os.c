/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which Linux distribution: an ordered table of detectors. Order: families
 * with their own release file first (Photon's /etc/photon-release, the RHEL
 * family's /etc/redhat-release, SUSE, Debian's /etc/debian_version), because
 * os-release is missing on old releases (CentOS 6) and derivatives copy
 * ID_LIKE; the generic os-release detector is the fallback. The first
 * detector that answers "found" wins.
 */
#include "inspect/guest.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct os_facts {
	kv_list osr;	/* /etc/os-release (or /usr/lib/os-release) */
	const char *id; /* ID=, lowercase */
	const char *id_like;
};

/* found = 1, not here = 0, error < 0 */
struct os_detector {
	const char *name;
	int (*detect)(struct guest *g, struct gtree *t, struct os_facts *f);
};

/* Read a small guest file; NULL (not an error) when missing or unusable.
 * -EFBIG and other hard errors are returned through *err. */
static char *read_small(struct guest *g, struct gtree *t, const char *path, int *err)
{
	char *buf = NULL;
	size_t len;
	int r = gtree_read(t, path, GUEST_SMALL_FILE, &buf, &len);

	if (r == -EFBIG) {
		*err = r;
		return NULL;
	}
	if (r == -ELOOP) {
		guest_warn(g, "%s: symlink loop; ignored", path);
		return NULL;
	}
	if (r < 0)
		return NULL;
	{
		char *copy = arena_strndup(g->arena, buf, len);

		free(buf);
		if (!copy)
			*err = -ENOMEM;
		return copy;
	}
}

/* First line, trimmed. */
static const char *first_line(struct guest *g, const char *s)
{
	size_t n = 0;

	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	while (s[n] && s[n] != '\n' && s[n] != '\r')
		n++;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n ? arena_strndup(g->arena, s, n) : NULL;
}

static void set_version(struct guest *g, const char *v)
{
	char *end;
	long maj, min = 0;

	if (!v || !*v)
		return;
	g->version = arena_strdup(g->arena, v);
	maj = strtol(v, &end, 10);
	if (end == v || maj < 0 || maj > 100000)
		return;
	if (*end == '.') {
		const char *m = end + 1;

		min = strtol(m, &end, 10);
		if (end == m || min < 0 || min > 100000)
			min = 0;
	}
	g->major = (int)maj;
	g->minor = (int)min;
}

/* "CentOS release 6.10 (Final)" -> "6.10" */
static const char *version_from_text(struct guest *g, const char *s)
{
	const char *p = s;

	if (!s)
		return NULL;
	while (*p && !isdigit((unsigned char)*p))
		p++;
	if (!*p)
		return NULL;
	{
		size_t n = 0;

		while (isdigit((unsigned char)p[n]) || p[n] == '.')
			n++;
		while (n && p[n - 1] == '.')
			n--;
		return arena_strndup(g->arena, p, n);
	}
}

static bool word_in(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; p && *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, word, wl) == 0 && (p[wl] == ' ' || !p[wl]))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

static void from_os_release(struct guest *g, struct os_facts *f)
{
	const char *pretty = kv_get(&f->osr, "PRETTY_NAME");
	const char *name = kv_get(&f->osr, "NAME");

	if (!g->product_name)
		g->product_name = arena_strdup(g->arena, pretty ? pretty : name);
	if (!g->version)
		set_version(g, kv_get(&f->osr, "VERSION_ID"));
}

static int detect_photon(struct guest *g, struct gtree *t, struct os_facts *f)
{
	int err = 0;
	const char *rel = read_small(g, t, "/etc/photon-release", &err);

	if (err)
		return err;
	if (!rel && !(f->id && strcmp(f->id, "photon") == 0))
		return 0;
	g->distro = "photon";
	g->family = "photon";
	from_os_release(g, f);
	if (!g->product_name)
		g->product_name = first_line(g, rel);
	if (!g->version)
		set_version(g, version_from_text(g, first_line(g, rel)));
	g->package_format = "rpm";
	g->package_manager = "tdnf";
	return 1;
}

static int detect_rhel(struct guest *g, struct gtree *t, struct os_facts *f)
{
	static const struct {
		const char *id, *match; /* os-release ID, redhat-release text */
	} ids[] = {
		{"rhel", "Red Hat"},	      {"centos", "CentOS"}, {"rocky", "Rocky"},
		{"almalinux", "AlmaLinux"},   {"ol", "Oracle"},	    {"fedora", "Fedora"},
		{"scientific", "Scientific"},
	};
	int err = 0;
	const char *rel = read_small(g, t, "/etc/redhat-release", &err);
	const char *line = first_line(g, rel);
	const char *distro = NULL;

	if (err)
		return err;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && !distro; i++)
		if (f->id && strcmp(f->id, ids[i].id) == 0)
			distro = ids[i].id;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && !distro && line; i++)
		if (strstr(line, ids[i].match))
			distro = ids[i].id;
	if (!distro && line)
		distro = "rhel-like";
	if (!distro)
		return 0;
	g->distro = distro;
	g->family = "rhel";
	from_os_release(g, f);
	if (!g->product_name)
		g->product_name = line;
	if (!g->version)
		set_version(g, version_from_text(g, line));
	g->package_format = "rpm";
	g->package_manager = (strcmp(distro, "fedora") == 0 || g->major >= 8) ? "dnf" : "yum";
	return 1;
}

static int detect_suse(struct guest *g, struct gtree *t, struct os_facts *f)
{
	int err = 0;
	const char *rel = read_small(g, t, "/etc/SuSE-release", &err);
	bool by_id = f->id && (strcmp(f->id, "sles") == 0 || strcmp(f->id, "sled") == 0 ||
			       str_startswith(f->id, "opensuse") || strcmp(f->id, "suse") == 0);

	if (err)
		return err;
	if (!rel && !by_id && !word_in(f->id_like, "suse"))
		return 0;
	g->distro = f->id ? f->id : "sles";
	g->family = "suse";
	from_os_release(g, f);
	if (!g->product_name)
		g->product_name = first_line(g, rel);
	if (!g->version && rel) {
		kv_list kv = {0};

		if (kv_parse_shell(g->arena, rel, strlen(rel), &kv) == 0 &&
		    kv_get(&kv, "VERSION")) {
			const char *pl = kv_get(&kv, "PATCHLEVEL");

			set_version(g,
				    pl ? arena_printf(g->arena, "%s.%s", kv_get(&kv, "VERSION"), pl)
				       : kv_get(&kv, "VERSION"));
		}
	}
	g->package_format = "rpm";
	g->package_manager = "zypper";
	return 1;
}

static int detect_debian(struct guest *g, struct gtree *t, struct os_facts *f)
{
	int err = 0;
	const char *dv = read_small(g, t, "/etc/debian_version", &err);
	bool by_id = f->id && (strcmp(f->id, "debian") == 0 || strcmp(f->id, "ubuntu") == 0);

	if (err)
		return err;
	if (!dv && !by_id && !word_in(f->id_like, "debian") && !word_in(f->id_like, "ubuntu"))
		return 0;
	g->distro = f->id ? f->id : "debian";
	g->family = "debian";
	from_os_release(g, f);
	/* debian_version has the point release ("12.4"); os-release only 12. */
	if (strcmp(g->distro, "debian") == 0 && dv) {
		const char *l = first_line(g, dv);

		if (l && isdigit((unsigned char)l[0])) {
			g->version = NULL;
			set_version(g, l);
		}
	}
	if (!g->version)
		set_version(g, version_from_text(g, first_line(g, dv)));
	g->package_format = "deb";
	g->package_manager = "apt";
	return 1;
}

static int detect_generic(struct guest *g, struct gtree *t, struct os_facts *f)
{
	if (!f->id)
		return 0;
	g->distro = f->id;
	g->family = "linux";
	from_os_release(g, f);
	return 1;
}

static const struct os_detector detectors[] = {
	{"photon", detect_photon}, {"rhel", detect_rhel},	   {"suse", detect_suse},
	{"debian", detect_debian}, {"os-release", detect_generic},
};

static int read_os_release(struct guest *g, struct gtree *t, struct os_facts *f)
{
	static const char *const paths[] = {"/etc/os-release", "/usr/lib/os-release"};
	int err = 0;

	for (size_t i = 0; i < 2; i++) {
		const char *s = read_small(g, t, paths[i], &err);

		if (err)
			return err;
		if (!s)
			continue;
		if (kv_parse_shell(g->arena, s, strlen(s), &f->osr) < 0)
			return -ENOMEM;
		break;
	}
	f->id = kv_get(&f->osr, "ID");
	f->id_like = kv_get(&f->osr, "ID_LIKE");
	if (f->id) {
		char *lc = arena_strdup(g->arena, f->id);

		if (!lc)
			return -ENOMEM;
		for (char *p = lc; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		f->id = lc;
	}
	return 0;
}

static int read_hostname(struct guest *g, struct gtree *t)
{
	static const char *const files[] = {"/etc/hostname", "/etc/HOSTNAME"};
	int err = 0;

	for (size_t i = 0; i < 2 && !g->hostname; i++) {
		const char *s = read_small(g, t, files[i], &err);

		if (err == -EFBIG) {
			guest_warn(g, "%s is too large; ignored", files[i]);
			err = 0;
		}
		g->hostname = first_line(g, s);
	}
	if (!g->hostname) {
		/* RHEL 6 and older: HOSTNAME= in /etc/sysconfig/network */
		const char *s = read_small(g, t, "/etc/sysconfig/network", &err);
		kv_list kv = {0};

		if (s && kv_parse_shell(g->arena, s, strlen(s), &kv) == 0)
			g->hostname = kv_get(&kv, "HOSTNAME");
	}
	return err == -ENOMEM ? err : 0;
}

static void detect_init(struct guest *g, struct gtree *t)
{
	if (gtree_exists(t, "/usr/lib/systemd/systemd") || gtree_exists(t, "/lib/systemd/systemd"))
		g->init_system = "systemd";
	else if (gtree_exists(t, "/sbin/upstart") || gtree_is_dir(t, "/etc/init"))
		g->init_system = "upstart";
	else if (gtree_exists(t, "/etc/inittab"))
		g->init_system = "sysvinit";
}

int inspect_os(struct guest *g, struct gtree *t)
{
	struct os_facts f = {0};
	int r = read_os_release(g, t, &f);

	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(detectors) / sizeof(detectors[0]); i++) {
		r = detectors[i].detect(g, t, &f);
		if (r < 0)
			return r;
		if (r > 0)
			break;
	}
	if (!g->distro)
		return 0;
	g->os_type = "linux";
	detect_init(g, t);
	return read_hostname(g, t);
}
