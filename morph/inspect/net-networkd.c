/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemd-networkd: *.network files (one interface each: [Match] selects
 * it, [Network] and [Address] configure it) and *.link files, which udev
 * applies whether or not networkd runs and which pin a name to a MAC.
 *
 * As systemd does, a file in /etc hides one of the same name in /run, which
 * hides /usr/lib (and /lib on unmerged guests), and a /dev/null symlink
 * masks. Drop-in directories (foo.network.d/) are not read yet.
 */
#include "inspect/net.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const networkd_dirs[] = {
	"/etc/systemd/network",
	"/run/systemd/network",
	"/usr/lib/systemd/network",
	"/lib/systemd/network",
};

/* Vendor .network files that never match a VM's ethernet NIC: systemd
 * ships them for containers, wireless and tunnels. Keyed by a [Match] key
 * (and value, NULL = any); only applied to the vendor directories. */
static const struct {
	const char *key, *value;
} networkd_vendor_skip[] = {
	{"Kind", NULL},	  {"WLANInterfaceType", NULL},	   {"Type", "wlan"},
	{"Type", "wwan"}, {"Virtualization", "container"},
};

static bool networkd_keep(const char *name)
{
	return str_endswith(name, ".network") || str_endswith(name, ".link");
}

/*
 * A [Match] list setting: systemd appends each assignment, and an empty one
 * resets the list. Returned in the scratch arena; NULL when empty.
 */
static const char *networkd_list(struct arena *a, const ini_list *ini, const char *section,
				 const char *key)
{
	const char *val = NULL;

	for (size_t i = 0; i < ini->n; i++) {
		const struct ini_entry *e = &ini->v[i];

		if (strcmp(e->section, section) != 0 || strcmp(e->key, key) != 0)
			continue;
		if (!e->value[0])
			val = NULL;
		else if (!val)
			val = e->value;
		else if (!(val = arena_printf(a, "%s %s", val, e->value)))
			return NULL;
	}
	return val;
}

/* The first word of a list value (the MAC a .network or .link matches). */
static int networkd_set_first(struct guest *g, const char **field, const char *val, bool mac)
{
	size_t n = 0;

	if (!val)
		return 0;
	while (val[n] && !isspace((unsigned char)val[n]))
		n++;
	return mac ? net_set_mac(g, field, val, n) : net_set(g, field, val, n);
}

static bool networkd_is_vendor(const char *path)
{
	return !str_startswith(path, "/etc/") && !str_startswith(path, "/run/");
}

static bool networkd_skipped(const ini_list *ini)
{
	for (size_t i = 0; i < sizeof(networkd_vendor_skip) / sizeof(networkd_vendor_skip[0]);
	     i++) {
		const char *v = ini_get(ini, "Match", networkd_vendor_skip[i].key);

		if (v && (!networkd_vendor_skip[i].value ||
			  strcmp(v, networkd_vendor_skip[i].value) == 0))
			return true;
	}
	return false;
}

static bool networkd_dhcp(const char *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "ipv4", "ipv6", "both"};

	for (size_t i = 0; v && i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcmp(v, yes[i]) == 0)
			return true;
	return false;
}

static int networkd_link(struct guest *g, struct arena *a, const char *path, const ini_list *ini)
{
	const char *name = ini_get(ini, "Link", "Name");
	const char *mac = networkd_list(a, ini, "Match", "MACAddress");
	const char *first = NULL;
	int r;

	if (!name || !name[0])
		return 0; /* a policy-only link file (99-default.link) */
	if (!mac)
		mac = networkd_list(a, ini, "Match", "PermanentMACAddress");
	r = networkd_set_first(g, &first, mac, true);
	if (r < 0)
		return r;
	return net_add_link(g, "systemd-link", path, name, first);
}

static int networkd_network(struct guest *g, struct arena *a, const char *path, const ini_list *ini)
{
	struct net_iface *ifc;
	const char *v;
	int r;

	r = net_iface_new(g, "systemd-networkd", path, &ifc);
	if (r < 0)
		return r;
	if ((v = networkd_list(a, ini, "Match", "Name")) &&
	    (r = net_set(g, &ifc->name, v, strlen(v))) < 0)
		return r;
	v = networkd_list(a, ini, "Match", "MACAddress");
	if (!v)
		v = networkd_list(a, ini, "Match", "PermanentMACAddress");
	if (!v)
		v = ini_get(ini, "Link", "MACAddress");
	if ((r = networkd_set_first(g, &ifc->mac, v, true)) < 0)
		return r;
	if ((v = networkd_list(a, ini, "Match", "Driver")) &&
	    (r = net_set(g, &ifc->driver, v, strlen(v))) < 0)
		return r;
	for (size_t i = 0; i < ini->n; i++) {
		const struct ini_entry *e = &ini->v[i];
		bool net = strcmp(e->section, "Network") == 0;

		if (!e->value[0])
			continue;
		if ((net || strcmp(e->section, "Address") == 0) && strcmp(e->key, "Address") == 0)
			r = net_add_address(g, ifc, e->value);
		else if ((net || strcmp(e->section, "Route") == 0) &&
			 strcmp(e->key, "Gateway") == 0 && !ifc->gateway)
			r = net_set(g, &ifc->gateway, e->value, strlen(e->value));
		if (r < 0)
			return r;
	}
	if (networkd_dhcp(ini_get(ini, "Network", "DHCP")))
		ifc->mode = "dhcp";
	else
		ifc->mode = ifc->addresses.n ? "static" : "manual";
	return 0;
}

/* 0 when the file is a .network file that counts, 1 otherwise. */
static int networkd_file(struct guest *g, struct gtree *t, const struct net_file *f)
{
	struct arena *a = NULL;
	ini_list ini = {0};
	char *buf = NULL;
	size_t len;
	int r;

	r = net_read(g, t, f->path, &buf, &len);
	if (r != 0)
		return r;
	r = arena_new(&a);
	if (r == 0)
		r = ini_parse(a, buf, len, &ini);
	if (r < 0)
		goto out;
	if (str_endswith(f->name, ".link")) {
		r = networkd_link(g, a, f->path, &ini);
		r = r < 0 ? r : 1;
	} else if (networkd_is_vendor(f->path) && networkd_skipped(&ini)) {
		log_debug(g->ctx, "%s matches no VM NIC; skipped", f->path);
		r = 1;
	} else {
		r = networkd_network(g, a, f->path, &ini);
	}
out:
	arena_free(a);
	free(buf);
	return r;
}

int net_networkd_parse(struct guest *g, struct gtree *t)
{
	return net_parse_files(g, t, networkd_dirs,
			       sizeof(networkd_dirs) / sizeof(networkd_dirs[0]), networkd_keep,
			       networkd_file);
}
