/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's network configuration: which stacks configure which
 * interfaces (by name or MAC), and the name pins already in place
 * (persistent-net udev rules, systemd .link files). Conversion needs this
 * because the NIC changes model and usually name on KVM (vmxnet3 ens192 ->
 * virtio ens3 / eth0), and a config bound to the old name or MAC stops
 * applying.
 *
 * Every stack runs: guests mix them (RHEL 8 keeps ifcfg files that
 * NetworkManager reads, Ubuntu's netplan writes networkd files at boot).
 * Everything is read through the gtree, so no path leaves the guest.
 */
#include "inspect/net.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The stacks, in report order. netplan first: where it is installed its
 * YAML is what the owner edits and it renders networkd or NetworkManager
 * files into /run at boot (empty on a disk image). Then the two daemons,
 * then the script-based stacks. No stack stops the others.
 */
static const struct net_stack net_stacks[] = {
	{"netplan", net_netplan_parse},	  {"systemd-networkd", net_networkd_parse},
	{"networkmanager", net_nm_parse}, {"ifcfg", net_ifcfg_parse},
	{"ifupdown", net_ifupdown_parse},
};

#define NET_UDEV_RULES "/etc/udev/rules.d/70-persistent-net.rules"

int net_read(struct guest *g, struct gtree *t, const char *path, char **ret, size_t *len)
{
	struct gfs_stat st;
	char *buf = NULL;
	int r;

	/* systemd masks a file with a symlink to /dev/null. */
	if (gtree_lstat(t, path, &st) == 0 && st.type == GFS_LNK) {
		char *target = NULL;

		if (gtree_readlink(t, path, &target) == 0 && strcmp(target, "/dev/null") == 0) {
			free(target);
			log_debug(g->ctx, "%s is masked", path);
			return 1;
		}
		free(target);
	}
	r = gtree_read(t, path, GUEST_SMALL_FILE, &buf, len);
	switch (r) {
	case 0: *ret = buf; return 0;
	case -ENOMEM: return r;
	case -ENOENT:
	case -ENOTDIR: return 1;
	case -EFBIG:
		guest_warn(g, "%s is over the %d-byte limit for config files; ignored", path,
			   GUEST_SMALL_FILE);
		return 1;
	case -EISDIR:
	case -EINVAL: guest_warn(g, "%s is not a regular file; ignored", path); return 1;
	default: guest_warn(g, "cannot read %s: %s; ignored", path, strerror(-r)); return 1;
	}
}

struct net_lister {
	struct guest *g;
	struct arena *a;
	const char *dir;
	bool (*keep)(const char *name);
	net_files *files;
	size_t taken;
	bool capped;
	int err;
};

static int net_list_one(void *ud, const char *name, enum gfs_type type)
{
	struct net_lister *l = ud;
	struct net_file *f;

	if (type == GFS_DIR || name[0] == '.' || (l->keep && !l->keep(name)))
		return 0;
	/* An earlier (higher priority) directory already has it. */
	for (size_t i = 0; i < l->files->n; i++)
		if (strcmp(l->files->v[i].name, name) == 0)
			return 0;
	if (l->taken >= NET_MAX_DIR_ENTRIES) {
		l->capped = true;
		return 1;
	}
	f = VEC_PUSH(l->a, *l->files);
	if (!f || !(f->name = arena_strdup(l->a, name)) ||
	    !(f->path = arena_printf(l->a, "%s/%s", strcmp(l->dir, "/") ? l->dir : "", name))) {
		l->err = -ENOMEM;
		return 1;
	}
	l->taken++;
	return 0;
}

static int net_cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct net_file *)a)->name, ((const struct net_file *)b)->name);
}

int net_list(struct guest *g, struct gtree *t, struct arena *a, const char *const *dirs, size_t n,
	     bool (*keep)(const char *name), net_files *ret)
{
	for (size_t d = 0; d < n; d++) {
		struct net_lister l = {g, a, dirs[d], keep, ret, 0, false, 0};
		int r = gtree_readdir(t, dirs[d], net_list_one, &l);

		if (l.err)
			return l.err;
		if (l.capped)
			guest_warn(g, "%s has more than %d entries; the rest are ignored", dirs[d],
				   NET_MAX_DIR_ENTRIES);
		else if (r < 0 && r != -ENOENT && r != -ENOTDIR)
			guest_warn(g, "cannot list %s: %s", dirs[d], strerror(-r));
	}
	if (ret->n > 1)
		qsort(ret->v, ret->n, sizeof(*ret->v), net_cmp_file);
	return 0;
}

int net_iface_new(struct guest *g, const char *stack, const char *file, struct net_iface **ret)
{
	struct net_iface *ifc;

	ifc = VEC_PUSH(g->arena, g->net_ifaces);
	if (!ifc)
		return -ENOMEM;
	ifc->stack = stack; /* a string constant of the stack table */
	ifc->mode = "unknown";
	if (!(ifc->file = arena_strdup(g->arena, file)))
		return -ENOMEM;
	*ret = ifc;
	return 0;
}

static void net_trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

int net_set(struct guest *g, const char **field, const char *s, size_t len)
{
	char *copy;

	net_trim(&s, &len);
	if (!len)
		return 0;
	copy = arena_strndup(g->arena, s, len);
	if (!copy)
		return -ENOMEM;
	*field = copy;
	return 0;
}

int net_set_mac(struct guest *g, const char **field, const char *s, size_t len)
{
	const char *old = *field;
	bool dashes;
	char *m;
	int r;

	r = net_set(g, field, s, len);
	if (r < 0 || *field == old)
		return r;
	m = (char *)*field;
	dashes = strlen(m) == 17;
	for (char *p = m; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		/* "00-50-56-..." is the Windows spelling some tools write. */
		if (*p == '-' && dashes)
			*p = ':';
	}
	return 0;
}

int net_add_address(struct guest *g, struct net_iface *ifc, const char *addr)
{
	for (size_t i = 0; i < ifc->addresses.n; i++)
		if (strcmp(ifc->addresses.v[i], addr) == 0)
			return 0;
	if (ifc->addresses.n >= NET_MAX_ADDRESSES) {
		if (ifc->addresses.n == NET_MAX_ADDRESSES)
			guest_warn(g,
				   "%s: more than %d addresses for one interface; the rest are "
				   "ignored",
				   ifc->file, NET_MAX_ADDRESSES);
		return 0;
	}
	return guest_strvec_add(g, &ifc->addresses, addr);
}

int net_add_link(struct guest *g, const char *kind, const char *file, const char *name,
		 const char *mac)
{
	struct net_link *l = VEC_PUSH(g->arena, g->net_links);

	if (!l)
		return -ENOMEM;
	l->kind = kind;
	l->file = arena_strdup(g->arena, file);
	if (!l->file || net_set(g, &l->name, name, strlen(name)) < 0 ||
	    (mac && net_set_mac(g, &l->mac, mac, strlen(mac)) < 0))
		return -ENOMEM;
	return 0;
}

int net_mask_prefix(const char *mask)
{
	unsigned o[4];
	char tail;
	uint32_t m;
	int bits = 0;

	if (!mask || !*mask)
		return -1;
	if (!strchr(mask, '.')) {
		char *end;
		long v = strtol(mask, &end, 10);

		return *end || v < 0 || v > 128 ? -1 : (int)v;
	}
	if (sscanf(mask, "%3u.%3u.%3u.%3u%c", &o[0], &o[1], &o[2], &o[3], &tail) != 4 ||
	    o[0] > 255 || o[1] > 255 || o[2] > 255 || o[3] > 255)
		return -1;
	m = (uint32_t)o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3];
	while (m & 0x80000000u) {
		bits++;
		m <<= 1;
	}
	return m ? -1 : bits; /* holes in the mask: not a netmask */
}

const char *net_cidr(struct guest *g, const char *addr, const char *mask)
{
	int prefix = net_mask_prefix(mask);

	if (strchr(addr, '/') || prefix < 0)
		return arena_strdup(g->arena, addr);
	return arena_printf(g->arena, "%s/%d", addr, prefix);
}

/* ------------------------------------------------------------------ */
/* Persistent-net udev rules (udev before v197, RHEL 6, SLES 11, old     */
/* Debian): one rule per NIC pinning a name to a MAC.                    */

struct net_udev_rule {
	const char *mac, *name;
};

/*
 * Scan one rule line: KEY op "value" pairs separated by commas. Only
 * ATTR{address}=="..." and NAME="..." (or :=) matter. Values are quoted in
 * every rule udev writes; an unquoted value ends the scan.
 */
static int net_udev_line(struct arena *a, const char *p, const char *end,
			 struct net_udev_rule *rule)
{
	while (p < end) {
		const char *k, *ke, *op, *v, *ve;

		while (p < end && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (p >= end || *p == '#')
			break;
		k = p;
		while (p < end && !strchr("=!+-:", *p) && !isspace((unsigned char)*p))
			p++;
		ke = p;
		while (p < end && isspace((unsigned char)*p))
			p++;
		op = p;
		while (p < end && strchr("=!+-:", *p))
			p++;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end || *p != '"' || op == p)
			break;
		v = ++p;
		ve = memchr(v, '"', (size_t)(end - v));
		if (!ve)
			break;
		p = ve + 1;
		if ((size_t)(ke - k) == 13 && memcmp(k, "ATTR{address}", 13) == 0 && op[0] == '=' &&
		    op[1] == '=') {
			rule->mac = arena_strndup(a, v, (size_t)(ve - v));
			if (!rule->mac)
				return -ENOMEM;
		} else if ((size_t)(ke - k) == 4 && memcmp(k, "NAME", 4) == 0 &&
			   ((op[0] == '=' && op[1] != '=') || (op[0] == ':' && op[1] == '='))) {
			rule->name = arena_strndup(a, v, (size_t)(ve - v));
			if (!rule->name)
				return -ENOMEM;
		}
	}
	return 0;
}

static int net_udev_links(struct guest *g, struct gtree *t)
{
	struct arena *a = NULL;
	struct line_iter it;
	const char *line;
	char *buf = NULL;
	size_t len, llen;
	int r;

	r = net_read(g, t, NET_UDEV_RULES, &buf, &len);
	if (r != 0)
		return r < 0 ? r : 0;
	r = arena_new(&a);
	if (r < 0)
		goto out;
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		struct net_udev_rule rule = {0};

		r = net_udev_line(a, line, line + llen, &rule);
		if (r < 0)
			goto out;
		if (!rule.name || !rule.name[0])
			continue;
		r = net_add_link(g, "udev-rule", NET_UDEV_RULES, rule.name, rule.mac);
		if (r < 0)
			goto out;
	}
out:
	arena_free(a);
	free(buf);
	return r;
}

static int net_add_stack(struct guest *g, const char *name)
{
	for (size_t i = 0; i < g->net_stacks.n; i++)
		if (strcmp(g->net_stacks.v[i], name) == 0)
			return 0;
	return guest_strvec_add(g, &g->net_stacks, name);
}

int inspect_network(struct guest *g, struct gtree *t)
{
	int r;

	for (size_t i = 0; i < sizeof(net_stacks) / sizeof(net_stacks[0]); i++) {
		r = net_stacks[i].parse(g, t);
		if (r < 0)
			return r;
		log_debug(g->ctx, "network stack %s: %s", net_stacks[i].name,
			  r == 0 ? "configured" : "not found");
		if (r == 0 && (r = net_add_stack(g, net_stacks[i].name)) < 0)
			return r;
	}
	return net_udev_links(g, t);
}

int net_parse_files(struct guest *g, struct gtree *t, const char *const *dirs, size_t n,
		    bool (*keep)(const char *name),
		    int (*parse)(struct guest *g, struct gtree *t, const struct net_file *f))
{
	struct arena *a = NULL;
	net_files files = {0};
	bool found = false;
	int r = arena_new(&a);

	if (r < 0)
		return r;
	r = net_list(g, t, a, dirs, n, keep, &files);
	for (size_t i = 0; r >= 0 && i < files.n; i++) {
		r = parse(g, t, &files.v[i]);
		if (r == 0)
			found = true;
	}
	arena_free(a);
	if (r < 0)
		return r;
	return found ? 0 : 1;
}
