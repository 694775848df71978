/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NetworkManager keyfiles in /etc/NetworkManager/system-connections: INI
 * files named <id>.nmconnection (NM 1.26+) or with no extension (older NM,
 * e.g. "Wired connection 1"). ifcfg files NetworkManager reads through its
 * ifcfg-rh plugin are reported by the ifcfg stack.
 */
#include "inspect/net.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const nm_dirs[] = {
	"/etc/NetworkManager/system-connections",
};

/* Keyfile setting groups holding the hardware address, new and old names. */
static const char *const nm_mac_groups[] = {
	"ethernet", "802-3-ethernet", "wifi", "802-11-wireless", "infiniband",
};

static const struct {
	const char *method, *mode;
} nm_modes[] = {
	{"auto", "dhcp"},
	{"manual", "static"},
	{"disabled", "manual"},
	{"ignore", "manual"}, /* ipv6 only */
};

static bool nm_keep(const char *name)
{
	/* NM itself skips editor and package-manager leftovers: anything with
	 * another extension, and names ending in '~'. */
	return str_endswith(name, ".nmconnection") ||
	       (!strchr(name, '.') && !str_endswith(name, "~"));
}

/* Old keyfiles store a MAC as decimal bytes: "0;80;86;171;205;239;". */
static int nm_set_mac(struct guest *g, const char **field, const char *v)
{
	unsigned b[6];
	int n = 0;
	char mac[18];

	if (!strchr(v, ';'))
		return net_set_mac(g, field, v, strlen(v));
	if (sscanf(v, "%3u;%3u;%3u;%3u;%3u;%3u%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &n) !=
		    6 ||
	    n == 0)
		return 0;
	for (int i = 0; i < 6; i++)
		if (b[i] > 255)
			return 0;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
		 b[5]);
	return net_set_mac(g, field, mac, 17);
}

/* "addressN" / "addressesN" keys (N may be absent). */
static bool nm_is_address_key(const char *k)
{
	if (str_startswith(k, "addresses"))
		k += 9;
	else if (str_startswith(k, "address"))
		k += 7;
	else
		return false;
	while (isdigit((unsigned char)*k))
		k++;
	return *k == '\0';
}

/* "ip/prefix,gw", "ip/prefix" or the old "ip;prefix;gw;". */
static int nm_address(struct guest *g, struct net_iface *ifc, const char *v, const char **gw)
{
	const char *sep = strchr(v, ',');
	const char *addr;

	if (sep) {
		addr = arena_strndup(g->arena, v, (size_t)(sep - v));
		*gw = sep + 1;
	} else if ((sep = strchr(v, ';'))) {
		const char *p2 = sep + 1, *p3 = strchr(p2, ';');

		addr = arena_printf(g->arena, "%.*s/%.*s", (int)(sep - v), v,
				    (int)(p3 ? p3 - p2 : (long)strlen(p2)), p2);
		if (p3 && p3[1])
			*gw = p3 + 1;
	} else {
		addr = v;
	}
	if (!addr)
		return -ENOMEM;
	return net_add_address(g, ifc, addr);
}

static int nm_family(struct guest *g, struct net_iface *ifc, const ini_list *ini, const char *group)
{
	const char *gw = NULL;
	int r = 0;

	for (size_t i = 0; i < ini->n && r >= 0; i++) {
		const struct ini_entry *e = &ini->v[i];

		if (strcmp(e->section, group) == 0 && e->value[0] && nm_is_address_key(e->key)) {
			const char *agw = NULL;

			r = nm_address(g, ifc, e->value, &agw);
			if (!gw && agw)
				gw = agw;
		}
	}
	if (r < 0)
		return r;
	if (ini_get(ini, group, "gateway"))
		gw = ini_get(ini, group, "gateway");
	if (gw && !ifc->gateway) {
		size_t n = strcspn(gw, ";");

		r = net_set(g, &ifc->gateway, gw, n);
	}
	return r;
}

static int nm_file(struct guest *g, struct gtree *t, const struct net_file *f)
{
	struct arena *a = NULL;
	struct net_iface *ifc;
	ini_list ini = {0};
	const char *v;
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
	v = ini_get(&ini, "connection", "type");
	if (v && strcmp(v, "loopback") == 0) {
		r = 1;
		goto out;
	}
	r = net_iface_new(g, "networkmanager", f->path, &ifc);
	if (r < 0)
		goto out;
	if ((v = ini_get(&ini, "connection", "interface-name")) &&
	    (r = net_set(g, &ifc->name, v, strlen(v))) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(nm_mac_groups) / sizeof(nm_mac_groups[0]) && !ifc->mac; i++)
		if ((v = ini_get(&ini, nm_mac_groups[i], "mac-address")) &&
		    (r = nm_set_mac(g, &ifc->mac, v)) < 0)
			goto out;
	if ((r = nm_family(g, ifc, &ini, "ipv4")) < 0 || (r = nm_family(g, ifc, &ini, "ipv6")) < 0)
		goto out;
	/* NetworkManager's default IPv4 method is auto. */
	v = ini_get(&ini, "ipv4", "method");
	if (!v)
		v = "auto";
	ifc->mode = "unknown";
	for (size_t i = 0; i < sizeof(nm_modes) / sizeof(nm_modes[0]); i++)
		if (strcmp(v, nm_modes[i].method) == 0)
			ifc->mode = nm_modes[i].mode;
out:
	arena_free(a);
	free(buf);
	return r;
}

int net_nm_parse(struct guest *g, struct gtree *t)
{
	return net_parse_files(g, t, nm_dirs, sizeof(nm_dirs) / sizeof(nm_dirs[0]), nm_keep,
			       nm_file);
}
