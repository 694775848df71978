/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ifcfg files: RHEL's network-scripts (also read by NetworkManager's
 * ifcfg-rh plugin) and SUSE's wicked/sysconfig. Both are shell KEY=value
 * files named ifcfg-<name>; SUSE has no DEVICE= and takes the name from the
 * file name, RHEL falls back to it too.
 */
#include "inspect/net.h"
#include "util/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const ifcfg_dirs[] = {
	"/etc/sysconfig/network-scripts", /* RHEL, CentOS, Fedora */
	"/etc/sysconfig/network",	  /* SUSE */
};

/* Backup names that initscripts and wicked ignore. */
static const char *const ifcfg_ignored_suffixes[] = {
	"~", ".bak", ".old", ".orig", ".rpmnew", ".rpmorig", ".rpmsave", ".swp", ".tmp", ".save",
};

static bool ifcfg_keep(const char *name)
{
	if (!str_startswith(name, "ifcfg-") || !name[6] || strcmp(name, "ifcfg-lo") == 0)
		return false;
	for (size_t i = 0; i < sizeof(ifcfg_ignored_suffixes) / sizeof(ifcfg_ignored_suffixes[0]);
	     i++)
		if (str_endswith(name, ifcfg_ignored_suffixes[i]))
			return false;
	return true;
}

static const char *ifcfg_mode(const char *bootproto, bool has_addr)
{
	static const struct {
		const char *value, *mode;
	} modes[] = {
		{"dhcp", "dhcp"},  {"dhcp4", "dhcp"},	 {"dhcp6", "dhcp"}, {"dhcp+autoip", "dhcp"},
		{"bootp", "dhcp"}, {"static", "static"}, {"none", NULL},    {"", NULL},
	};

	/* RHEL defaults to none: static when there is an address. */
	if (!bootproto)
		bootproto = "";
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcasecmp(bootproto, modes[i].value) == 0)
			return modes[i].mode ? modes[i].mode : has_addr ? "static" : "manual";
	return "unknown";
}

/*
 * IPADDR with PREFIX or NETMASK, numbered IPADDR0.. (RHEL) and suffixed
 * IPADDR_x (SUSE, with PREFIXLEN_x); SUSE also writes IPADDR='a/24'.
 */
static int ifcfg_addresses(struct guest *g, struct net_iface *ifc, const kv_list *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		const char *key = kv->v[i].key, *sfx, *addr, *mask, *cidr;
		char k[128];

		if (!str_startswith(key, "IPADDR"))
			continue;
		sfx = key + 6;
		addr = kv_get(kv, key);
		if (!addr || !addr[0] || kv->v[i].value != addr)
			continue; /* empty, or a later line sets it again */
		if (strlen(sfx) > 64)
			continue;
		snprintf(k, sizeof(k), "PREFIX%s", sfx);
		mask = kv_get(kv, k);
		if (!mask) {
			snprintf(k, sizeof(k), "PREFIXLEN%s", sfx);
			mask = kv_get(kv, k);
		}
		if (!mask) {
			snprintf(k, sizeof(k), "NETMASK%s", sfx);
			mask = kv_get(kv, k);
		}
		cidr = net_cidr(g, addr, mask);
		if (!cidr || net_add_address(g, ifc, cidr) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int ifcfg_file(struct guest *g, struct gtree *t, const struct net_file *f)
{
	struct arena *a = NULL;
	struct net_iface *ifc;
	kv_list kv = {0};
	const char *v;
	char *buf = NULL;
	size_t len;
	int r;

	r = net_read(g, t, f->path, &buf, &len);
	if (r != 0)
		return r;
	r = arena_new(&a);
	if (r == 0)
		r = kv_parse_shell(a, buf, len, &kv);
	if (r == 0)
		r = net_iface_new(g, "ifcfg", f->path, &ifc);
	if (r < 0)
		goto out;
	/* NAME= is the connection's display name ("System eth0"), not an
	 * interface: DEVICE=, else the file name. */
	v = kv_get(&kv, "DEVICE");
	if (!v || !v[0])
		v = f->name + 6;
	if ((r = net_set(g, &ifc->name, v, strlen(v))) < 0)
		goto out;
	/* HWADDR matches the NIC; MACADDR sets a new one. */
	v = kv_get(&kv, "HWADDR");
	if (!v || !v[0])
		v = kv_get(&kv, "MACADDR");
	if (!v || !v[0])
		v = kv_get(&kv, "LLADDR"); /* SUSE */
	if (v && (r = net_set_mac(g, &ifc->mac, v, strlen(v))) < 0)
		goto out;
	if ((r = ifcfg_addresses(g, ifc, &kv)) < 0)
		goto out;
	if ((v = kv_get(&kv, "GATEWAY")) && (r = net_set(g, &ifc->gateway, v, strlen(v))) < 0)
		goto out;
	ifc->mode = ifcfg_mode(kv_get(&kv, "BOOTPROTO"), ifc->addresses.n > 0);
out:
	arena_free(a);
	free(buf);
	return r;
}

int net_ifcfg_parse(struct guest *g, struct gtree *t)
{
	int found = 1;

	/* Each directory on its own: ifcfg-eth0 in both is two configs. */
	for (size_t d = 0; d < sizeof(ifcfg_dirs) / sizeof(ifcfg_dirs[0]); d++) {
		int r = net_parse_files(g, t, &ifcfg_dirs[d], 1, ifcfg_keep, ifcfg_file);

		if (r < 0)
			return r;
		if (r == 0)
			found = 0;
	}
	return found;
}
