/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inspect_network over small guest trees built per case: one case per
 * stack, include cycles, hostile YAML, symlinks that try to leave the
 * guest, and an oversized config file.
 */
#include "inspect/guest.h"
#include "util/test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct guest *cur_guest;

static void free_guest(void)
{
	guest_free(cur_guest);
}

/* Inspect the case's guest; the result is freed when the case exits. */
static struct guest *run(void)
{
	struct gtree *t;

	t = test_guest_tree(false);
	CHECK_INT(guest_new(NULL, &cur_guest), ==, 0);
	atexit(free_guest);
	CHECK_INT(inspect_network(cur_guest, t), ==, 0);
	gtree_free(t);
	return cur_guest;
}

static bool has_stack(const struct guest *g, const char *name)
{
	for (size_t i = 0; i < g->net_stacks.n; i++)
		if (strcmp(g->net_stacks.v[i], name) == 0)
			return true;
	return false;
}

static const struct net_iface *iface(const struct guest *g, const char *stack, const char *name)
{
	for (size_t i = 0; i < g->net_ifaces.n; i++) {
		const struct net_iface *f = &g->net_ifaces.v[i];

		if (strcmp(f->stack, stack) == 0 && f->name && strcmp(f->name, name) == 0)
			return f;
	}
	test_fail_("no %s interface %s", stack, name);
	return NULL;
}

static size_t count_stack(const struct guest *g, const char *stack)
{
	size_t n = 0;

	for (size_t i = 0; i < g->net_ifaces.n; i++)
		n += strcmp(g->net_ifaces.v[i].stack, stack) == 0;
	return n;
}

static bool has_warning(const struct guest *g, const char *needle)
{
	for (size_t i = 0; i < g->warnings.n; i++)
		if (strstr(g->warnings.v[i], needle))
			return true;
	return false;
}

static bool no_name(const struct guest *g, const char *name)
{
	for (size_t i = 0; i < g->net_ifaces.n; i++)
		if (g->net_ifaces.v[i].name && strcmp(g->net_ifaces.v[i].name, name) == 0)
			return false;
	return true;
}

TEST(networkd)
{
	const struct net_iface *f;
	struct guest *g;

	test_guest_put("etc/systemd/network/10-eth0.network",
		       "[Match]\nName=eth0\nMACAddress=00:50:56:AA:BB:CC\nDriver=vmxnet3\n"
		       "[Network]\nDHCP=no\nAddress=192.0.2.10/24\nGateway=192.0.2.1\n"
		       "[Address]\nAddress=198.51.100.5/24\n",
		       0);
	test_guest_put("etc/systemd/network/20-en.network",
		       "# comment\n[Match]\nName=en*\n\n[Network]\nDHCP=yes\n", 0);
	test_guest_put("etc/systemd/network/70-lan.link",
		       "[Match]\nMACAddress=00:50:56:AA:BB:CC\n[Link]\nName=lan0\n", 0);
	test_guest_put("etc/systemd/network/README", "not a config\n", 0);
	test_guest_put("run/systemd/network/40-run.network",
		       "[Match]\nPermanentMACAddress=00:50:56:00:00:40\nName=eth1\n"
		       "[Network]\nDHCP=ipv4\n",
		       0);
	/* Vendor defaults: a container match and a policy-only link. */
	test_guest_put("usr/lib/systemd/network/80-container-host0.network",
		       "[Match]\nVirtualization=container\nName=host0\n[Network]\nDHCP=yes\n", 0);
	test_guest_put("usr/lib/systemd/network/99-default.link",
		       "[Match]\nOriginalName=*\n[Link]\nNamePolicy=keep kernel\n", 0);
	/* /etc masks a vendor file, and overrides another by name. */
	test_guest_put("usr/lib/systemd/network/30-masked.network",
		       "[Match]\nName=masked0\n[Network]\nDHCP=yes\n", 0);
	test_guest_put("usr/lib/systemd/network/20-en.network",
		       "[Match]\nName=vendor0\n[Network]\nDHCP=yes\n", 0);
	test_guest_sh("ln -s /dev/null etc/systemd/network/30-masked.network");

	g = run();
	CHECK(has_stack(g, "systemd-networkd"));
	CHECK_INT(g->net_stacks.n, ==, 1);
	CHECK_INT(count_stack(g, "systemd-networkd"), ==, 3);
	/* Name order across directories. */
	CHECK_STR(g->net_ifaces.v[0].name, "eth0");
	CHECK_STR(g->net_ifaces.v[1].name, "en*");
	CHECK_STR(g->net_ifaces.v[2].name, "eth1");

	f = iface(g, "systemd-networkd", "eth0");
	CHECK_STR(f->file, "/etc/systemd/network/10-eth0.network");
	CHECK_STR(f->mac, "00:50:56:aa:bb:cc");
	CHECK_STR(f->driver, "vmxnet3");
	CHECK_STR(f->mode, "static");
	CHECK_INT(f->addresses.n, ==, 2);
	CHECK_STR(f->addresses.v[0], "192.0.2.10/24");
	CHECK_STR(f->addresses.v[1], "198.51.100.5/24");
	CHECK_STR(f->gateway, "192.0.2.1");

	f = iface(g, "systemd-networkd", "en*");
	CHECK_STR(f->mode, "dhcp");
	CHECK_STR(f->file, "/etc/systemd/network/20-en.network");
	CHECK(f->mac == NULL);

	f = iface(g, "systemd-networkd", "eth1");
	CHECK_STR(f->mode, "dhcp");
	CHECK_STR(f->mac, "00:50:56:00:00:40");
	CHECK_STR(f->file, "/run/systemd/network/40-run.network");

	CHECK(no_name(g, "host0"));
	CHECK(no_name(g, "masked0"));
	CHECK(no_name(g, "vendor0"));

	CHECK_INT(g->net_links.n, ==, 1);
	CHECK_STR(g->net_links.v[0].kind, "systemd-link");
	CHECK_STR(g->net_links.v[0].name, "lan0");
	CHECK_STR(g->net_links.v[0].mac, "00:50:56:aa:bb:cc");
	CHECK_STR(g->net_links.v[0].file, "/etc/systemd/network/70-lan.link");
	CHECK_INT(g->warnings.n, ==, 0);
}

TEST(networkd_links_only_is_not_a_stack)
{
	struct guest *g;

	test_guest_put("etc/systemd/network/70-lan.link",
		       "[Match]\nPermanentMACAddress=00:50:56:AA:BB:CD\n[Link]\nName=lan1\n", 0);
	g = run();
	CHECK_INT(g->net_stacks.n, ==, 0);
	CHECK_INT(g->net_links.n, ==, 1);
	CHECK_STR(g->net_links.v[0].mac, "00:50:56:aa:bb:cd");
}

TEST(ifcfg)
{
	const struct net_iface *f;
	struct guest *g;

	test_guest_put("etc/sysconfig/network-scripts/ifcfg-eth0",
		       "TYPE=Ethernet\nNAME=\"System eth0\"\nDEVICE=eth0\n"
		       "HWADDR=00:50:56:AB:CD:EF\nBOOTPROTO=none\nIPADDR=192.0.2.20\n"
		       "PREFIX=24\nIPADDR1=192.0.2.21\nNETMASK1=255.255.255.0\n"
		       "GATEWAY=192.0.2.1\nONBOOT=yes\n",
		       0);
	test_guest_put("etc/sysconfig/network-scripts/ifcfg-eth1",
		       "BOOTPROTO=dhcp\nMACADDR=52:54:00:12:34:56\n", 0);
	test_guest_put("etc/sysconfig/network-scripts/ifcfg-lo",
		       "DEVICE=lo\nIPADDR=127.0.0.1\nNETMASK=255.0.0.0\n", 0);
	test_guest_put("etc/sysconfig/network-scripts/ifcfg-eth0.bak", "DEVICE=old0\n", 0);
	test_guest_put("etc/sysconfig/network-scripts/ifup-eth", "#!/bin/sh\n", 0);
	test_guest_put("etc/sysconfig/network/ifcfg-eth2",
		       "BOOTPROTO='static'\nSTARTMODE='auto'\nIPADDR='10.0.0.5/8'\n", 0);
	test_guest_put("etc/sysconfig/network/ifcfg-eth3", "BOOTPROTO='dhcp4'\n", 0);

	g = run();
	CHECK(has_stack(g, "ifcfg"));
	CHECK_INT(count_stack(g, "ifcfg"), ==, 4);
	CHECK(no_name(g, "lo"));
	CHECK(no_name(g, "old0"));

	f = iface(g, "ifcfg", "eth0");
	CHECK_STR(f->mac, "00:50:56:ab:cd:ef");
	CHECK_STR(f->mode, "static");
	CHECK_INT(f->addresses.n, ==, 2);
	CHECK_STR(f->addresses.v[0], "192.0.2.20/24");
	CHECK_STR(f->addresses.v[1], "192.0.2.21/24");
	CHECK_STR(f->gateway, "192.0.2.1");
	CHECK_STR(f->file, "/etc/sysconfig/network-scripts/ifcfg-eth0");

	f = iface(g, "ifcfg", "eth1");
	CHECK_STR(f->mode, "dhcp");
	CHECK_STR(f->mac, "52:54:00:12:34:56");
	CHECK_INT(f->addresses.n, ==, 0);

	f = iface(g, "ifcfg", "eth2");
	CHECK_STR(f->mode, "static");
	CHECK_STR(f->addresses.v[0], "10.0.0.5/8");
	CHECK_STR(f->file, "/etc/sysconfig/network/ifcfg-eth2");
	CHECK_STR(iface(g, "ifcfg", "eth3")->mode, "dhcp");
}

TEST(networkmanager)
{
	const struct net_iface *f;
	struct guest *g;

	test_guest_put("etc/NetworkManager/system-connections/Wired connection 1",
		       "[connection]\nid=Wired connection 1\ntype=ethernet\n"
		       "interface-name=ens192\n\n[ethernet]\nmac-address=00:50:56:AA:00:01\n\n"
		       "[ipv4]\nmethod=manual\naddress1=192.0.2.30/24,192.0.2.1\n"
		       "address2=192.0.2.31/24\n\n[ipv6]\nmethod=ignore\n",
		       0);
	test_guest_put("etc/NetworkManager/system-connections/eth1.nmconnection",
		       "[connection]\nid=eth1\ntype=802-3-ethernet\ninterface-name=eth1\n"
		       "[802-3-ethernet]\nmac-address=0;80;86;171;205;239;\n"
		       "[ipv4]\nmethod=auto\n",
		       0);
	test_guest_put("etc/NetworkManager/system-connections/static2.nmconnection",
		       "[connection]\ntype=ethernet\ninterface-name=eth2\n"
		       "[ipv4]\nmethod=manual\naddresses1=10.2.0.2;16;10.2.0.1;\n",
		       0);
	test_guest_put("etc/NetworkManager/system-connections/lo.nmconnection",
		       "[connection]\nid=lo\ntype=loopback\ninterface-name=lo\n", 0);
	test_guest_put("etc/NetworkManager/system-connections/eth9.nmconnection.bak",
		       "[connection]\ntype=ethernet\ninterface-name=eth9\n", 0);
	test_guest_put("etc/NetworkManager/system-connections/eth8~",
		       "[connection]\ntype=ethernet\ninterface-name=eth8\n", 0);

	g = run();
	CHECK(has_stack(g, "networkmanager"));
	CHECK_INT(count_stack(g, "networkmanager"), ==, 3);
	CHECK(no_name(g, "lo"));
	CHECK(no_name(g, "eth9"));
	CHECK(no_name(g, "eth8"));

	f = iface(g, "networkmanager", "ens192");
	CHECK_STR(f->mac, "00:50:56:aa:00:01");
	CHECK_STR(f->mode, "static");
	CHECK_INT(f->addresses.n, ==, 2);
	CHECK_STR(f->addresses.v[0], "192.0.2.30/24");
	CHECK_STR(f->addresses.v[1], "192.0.2.31/24");
	CHECK_STR(f->gateway, "192.0.2.1");
	CHECK_STR(f->file, "/etc/NetworkManager/system-connections/Wired connection 1");

	f = iface(g, "networkmanager", "eth1");
	CHECK_STR(f->mode, "dhcp");
	CHECK_STR(f->mac, "00:50:56:ab:cd:ef");

	f = iface(g, "networkmanager", "eth2");
	CHECK_STR(f->mode, "static");
	CHECK_STR(f->addresses.v[0], "10.2.0.2/16");
	CHECK_STR(f->gateway, "10.2.0.1");
}

TEST(ifupdown_sources_and_cycles)
{
	const struct net_iface *f;
	struct guest *g;

	test_guest_put("etc/network/interfaces",
		       "# The loopback\nauto lo\niface lo inet loopback\n\n"
		       "source-directory interfaces.d\n"
		       "source /etc/network/extra/*.cfg\n\n"
		       "allow-hotplug eth0\n"
		       "iface eth0 inet static\n"
		       "    address 192.0.2.40\n"
		       "    netmask 255.255.255.0\n"
		       "    gateway 192.0.2.1\n"
		       "    hwaddress ether 00:50:56:AA:BB:01\n"
		       "iface eth0 inet6 static\n"
		       "    address 2001:db8::40/64\n",
		       0);
	test_guest_put("etc/network/interfaces.d/eth1", "iface eth1 inet dhcp\n", 0);
	/* run-parts names only: a '.' in the name is not read. */
	test_guest_put("etc/network/interfaces.d/eth9.cfg", "iface eth9 inet dhcp\n", 0);
	test_guest_put("etc/network/extra/a.cfg",
		       "iface eth2 inet manual\n"
		       "source /etc/network/interfaces\n",
		       0);
	test_guest_put("etc/network/extra/b.cfg",
		       "source b.cfg\n"
		       "iface eth3 inet \\\n static\n address 10.3.0.3/16\n",
		       0);
	test_guest_put("etc/network/extra/c.txt", "iface eth7 inet dhcp\n", 0);

	g = run();
	CHECK(has_stack(g, "ifupdown"));
	CHECK_INT(count_stack(g, "ifupdown"), ==, 4);
	CHECK(no_name(g, "lo"));
	CHECK(no_name(g, "eth9"));
	CHECK(no_name(g, "eth7"));

	f = iface(g, "ifupdown", "eth0");
	CHECK_STR(f->mode, "static");
	CHECK_STR(f->mac, "00:50:56:aa:bb:01");
	CHECK_STR(f->gateway, "192.0.2.1");
	CHECK_INT(f->addresses.n, ==, 2);
	CHECK_STR(f->addresses.v[0], "192.0.2.40/24");
	CHECK_STR(f->addresses.v[1], "2001:db8::40/64");
	CHECK_STR(f->file, "/etc/network/interfaces");

	f = iface(g, "ifupdown", "eth1");
	CHECK_STR(f->mode, "dhcp");
	CHECK_STR(f->file, "/etc/network/interfaces.d/eth1");
	CHECK_STR(iface(g, "ifupdown", "eth2")->mode, "manual");
	f = iface(g, "ifupdown", "eth3");
	CHECK_STR(f->mode, "static");
	CHECK_STR(f->addresses.v[0], "10.3.0.3/16");

	/* interfaces -> a.cfg -> interfaces, and b.cfg -> b.cfg. */
	CHECK(has_warning(g, "include cycle back to /etc/network/interfaces"));
	CHECK(has_warning(g, "include cycle back to /etc/network/extra/b.cfg"));
}

TEST(ifupdown_depth_cap)
{
	char name[64], body[128];
	struct guest *g;

	test_guest_put("etc/network/interfaces", "source /etc/network/d/f1\n", 0);
	for (int i = 1; i <= 12; i++) {
		snprintf(name, sizeof(name), "etc/network/d/f%d", i);
		snprintf(body, sizeof(body), "iface eth%d inet dhcp\nsource f%d\n", i, i + 1);
		test_guest_put(name, body, 0);
	}
	g = run();
	CHECK(has_warning(g, "nested more than 8 deep"));
	/* interfaces + 8 levels of includes. */
	iface(g, "ifupdown", "eth8");
	CHECK(no_name(g, "eth9"));
}

TEST(netplan_match_set_name)
{
	const struct net_iface *f;
	struct guest *g;

	test_guest_put("etc/netplan/50-cloud-init.yaml",
		       "# generated\n"
		       "network:\n"
		       "  version: 2\n"
		       "  renderer: networkd\n"
		       "  ethernets:\n"
		       "    id0:\n"
		       "      match:\n"
		       "        macaddress: \"00:50:56:AA:BB:02\"\n"
		       "        driver: vmxnet3\n"
		       "      set-name: lan0\n"
		       "      addresses: [192.0.2.50/24, \"2001:db8::50/64\"]\n"
		       "      routes:\n"
		       "        - to: 10.0.0.0/8\n"
		       "          via: 192.0.2.254\n"
		       "        - to: default\n"
		       "          via: 192.0.2.1\n"
		       "    eth1:\n"
		       "      dhcp4: true\n"
		       "    eth2:\n"
		       "      match: {name: \"ens*\"}\n"
		       "      dhcp4: no\n"
		       "      addresses:\n"
		       "        - 10.1.1.1/24:\n"
		       "            lifetime: 0\n"
		       "      gateway4: 10.1.1.254\n"
		       "  bonds:\n"
		       "    bond0:\n"
		       "      interfaces: [eth1]\n"
		       "      dhcp4: yes\n",
		       0);
	/* Merged in name order: a later file adds to eth1. */
	test_guest_put("etc/netplan/60-extra.yaml",
		       "network:\n  ethernets:\n    eth1:\n      addresses: [192.0.2.60/24]\n", 0);
	/* /etc hides /lib's file of the same name. */
	test_guest_put("lib/netplan/50-cloud-init.yaml",
		       "network:\n  ethernets:\n    shadowed0: {dhcp4: true}\n", 0);
	test_guest_put("etc/netplan/README", "network: {ethernets: {notyaml0: {}}}\n", 0);

	g = run();
	CHECK(has_stack(g, "netplan"));
	CHECK_INT(count_stack(g, "netplan"), ==, 4);
	CHECK(no_name(g, "shadowed0"));
	CHECK(no_name(g, "notyaml0"));
	CHECK(no_name(g, "id0"));

	f = iface(g, "netplan", "lan0");
	CHECK_STR(f->mac, "00:50:56:aa:bb:02");
	CHECK_STR(f->driver, "vmxnet3");
	CHECK_STR(f->mode, "static");
	CHECK_INT(f->addresses.n, ==, 2);
	CHECK_STR(f->addresses.v[0], "192.0.2.50/24");
	CHECK_STR(f->addresses.v[1], "2001:db8::50/64");
	CHECK_STR(f->gateway, "192.0.2.1");
	CHECK_STR(f->file, "/etc/netplan/50-cloud-init.yaml");

	f = iface(g, "netplan", "eth1");
	CHECK_STR(f->mode, "dhcp");
	CHECK_INT(f->addresses.n, ==, 1);
	CHECK_STR(f->addresses.v[0], "192.0.2.60/24");

	f = iface(g, "netplan", "ens*");
	CHECK_STR(f->mode, "static");
	CHECK_STR(f->addresses.v[0], "10.1.1.1/24");
	CHECK_STR(f->gateway, "10.1.1.254");
	CHECK_STR(iface(g, "netplan", "bond0")->mode, "dhcp");
	CHECK_INT(g->warnings.n, ==, 0);
}

static void put_deep_yaml(const char *rel, size_t depth)
{
	size_t n = depth * 2 + 64;
	char *s = malloc(n);
	size_t o = 0;

	CHECK(s != NULL);
	o += (size_t)snprintf(s, n, "network: ");
	for (size_t i = 0; i < depth; i++)
		s[o++] = '[';
	for (size_t i = 0; i < depth; i++)
		s[o++] = ']';
	s[o++] = '\n';
	s[o] = '\0';
	test_guest_put(rel, s, 0);
	free(s);
}

TEST(netplan_hostile_yaml)
{
	char bomb[16384];
	size_t o = 0;
	time_t start = time(NULL);
	struct guest *g;

	put_deep_yaml("etc/netplan/01-deep.yaml", 100000);
	/* Billion laughs: nine levels of nine aliases each, fed to the
	 * interface reader through addresses. */
	o += (size_t)snprintf(bomb + o, sizeof(bomb) - o,
			      "a0: &a0 [\"192.0.2.1/24\",\"192.0.2.2/24\"]\n");
	for (int l = 1; l < 9; l++) {
		o += (size_t)snprintf(bomb + o, sizeof(bomb) - o, "a%d: &a%d [", l, l);
		for (int k = 0; k < 9; k++)
			o += (size_t)snprintf(bomb + o, sizeof(bomb) - o, "%s*a%d", k ? "," : "",
					      l - 1);
		o += (size_t)snprintf(bomb + o, sizeof(bomb) - o, "]\n");
	}
	o += (size_t)snprintf(bomb + o, sizeof(bomb) - o,
			      "network:\n  ethernets:\n"
			      "    b0: &e {addresses: *a8, dhcp4: true}\n"
			      "    b1: *e\n    b2: *e\n");
	test_guest_put("etc/netplan/02-bomb.yaml", bomb, 0);
	/* Too many aliases. */
	o = (size_t)snprintf(bomb, sizeof(bomb), "x: &x 1\ny: [");
	for (int k = 0; k < 400; k++)
		o += (size_t)snprintf(bomb + o, sizeof(bomb) - o, "*x,");
	snprintf(bomb + o, sizeof(bomb) - o, "*x]\n");
	test_guest_put("etc/netplan/03-aliases.yaml", bomb, 0);
	test_guest_put("etc/netplan/04-utf8.yaml",
		       "network:\n  ethernets:\n    \"eth\xff\xfe\": {dhcp4: true}\n", 0);
	test_guest_put("etc/netplan/05-undefined.yaml", "network: *nowhere\n", 0);
	test_guest_put("etc/netplan/06-syntax.yaml", "network: {ethernets: [\n", 0);
	test_guest_put("etc/netplan/07-recursive.yaml", "a: &r [1, *r]\n", 0);
	test_guest_put("etc/netplan/08-notmap.yaml", "network: 5\n---\nnetwork: {}\n", 0);
	test_guest_put("etc/netplan/09-empty.yaml", "", 0);
	test_guest_put("etc/netplan/99-good.yaml",
		       "network:\n  ethernets:\n    good0: {dhcp4: true}\n", 0);

	g = run();
	CHECK(time(NULL) - start < 20);
	CHECK(has_stack(g, "netplan"));
	CHECK(has_warning(g, "01-deep.yaml: YAML refused (nested too deep"));
	CHECK(has_warning(g, "03-aliases.yaml: YAML refused (too many aliases"));
	CHECK(has_warning(g, "04-utf8.yaml: YAML error"));
	CHECK(has_warning(g, "05-undefined.yaml: YAML refused (alias"));
	CHECK(has_warning(g, "06-syntax.yaml: YAML error"));
	CHECK(has_warning(g, "07-recursive.yaml: YAML refused"));
	CHECK_STR(iface(g, "netplan", "good0")->mode, "dhcp");
	/* The bomb is read by reference: three interfaces, each with the
	 * capped address list, nothing expanded. */
	CHECK_STR(iface(g, "netplan", "b2")->mode, "dhcp");
	CHECK_INT(iface(g, "netplan", "b0")->addresses.n, ==, 0);
}

TEST(symlink_escape_reads_nothing_from_host)
{
	const char *d = test_tmpdir();
	struct guest *g;

	/* Bait outside the guest root: an ifupdown file and a netplan file. */
	CHECK_INT(
		test_sh("printf 'iface eth9 inet dhcp\\n' > '%s/bait' && "
			"printf 'network: {ethernets: {eth8: {dhcp4: true}}}\\n' > '%s/bait.yaml'",
			d, d),
		==, 0);
	test_guest_sh("mkdir -p etc/network etc/netplan etc/sysconfig/network-scripts");
	test_guest_sh("ln -s /../../../../etc/hostname etc/network/interfaces");
	{
		char cmd[8192];

		snprintf(cmd, sizeof(cmd),
			 "ln -s /../../../../../../../..%s/bait.yaml etc/netplan/a.yaml && "
			 "ln -s ../../../../../../../../../..%s/bait "
			 "etc/sysconfig/network-scripts/ifcfg-eth9",
			 d, d);
		test_guest_sh(cmd);
	}

	g = run();
	CHECK(no_name(g, "eth9"));
	CHECK(no_name(g, "eth8"));
	CHECK(!has_stack(g, "ifupdown"));
	CHECK(!has_stack(g, "ifcfg"));
	CHECK_INT(count_stack(g, "netplan"), ==, 0);
	CHECK_INT(g->net_ifaces.n, ==, 0);
}

TEST(source_escape_reads_nothing_from_host)
{
	const char *d = test_tmpdir();
	char body[8192];
	struct guest *g;

	CHECK_INT(test_sh("printf 'iface eth9 inet dhcp\\n' > '%s/bait'", d), ==, 0);
	snprintf(body, sizeof(body),
		 "source /../../../../../..%s/bait\n"
		 "source ../../../../../../../../..%s/ba*\n"
		 "source-directory /../../../../..%s\n"
		 "iface eth0 inet dhcp\n",
		 d, d, d);
	test_guest_put("etc/network/interfaces", body, 0);
	g = run();
	CHECK(has_stack(g, "ifupdown"));
	CHECK_INT(g->net_ifaces.n, ==, 1);
	CHECK(no_name(g, "eth9"));
}

TEST(oversized_config_is_a_warning)
{
	struct guest *g;

	test_guest_sh("mkdir -p etc/sysconfig/network-scripts && "
		      "{ printf 'DEVICE=eth0\\n'; head -c 2097152 /dev/zero | tr '\\0' '#'; } "
		      "> etc/sysconfig/network-scripts/ifcfg-eth0");
	test_guest_put("etc/netplan/01.yaml", "network: {ethernets: {eth1: {dhcp4: true}}}\n", 0);
	g = run();
	CHECK(has_warning(g, "ifcfg-eth0 is over the 1048576-byte limit"));
	CHECK(no_name(g, "eth0"));
	CHECK(!has_stack(g, "ifcfg"));
	CHECK_STR(iface(g, "netplan", "eth1")->mode, "dhcp");
}

TEST(udev_persistent_net)
{
	struct guest *g;

	test_guest_put("etc/udev/rules.d/70-persistent-net.rules",
		       "# This file was automatically generated by udev\n\n"
		       "# PCI device 0x15ad:0x07b0 (vmxnet3)\n"
		       "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", "
		       "ATTR{address}==\"00:50:56:AA:BB:01\", ATTR{type}==\"1\", "
		       "KERNEL==\"eth*\", NAME=\"eth0\"\n"
		       "SUBSYSTEM==\"net\", ACTION==\"add\", ATTR{address}==\"00:50:56:aa:bb:02\", "
		       "NAME:=\"eth1\"\n"
		       "SUBSYSTEM==\"net\", NAME==\"eth5\"\n"
		       "SUBSYSTEM==\"net\", ATTR{address}==\"unterminated\n",
		       0);
	g = run();
	CHECK_INT(g->net_stacks.n, ==, 0);
	CHECK_INT(g->net_links.n, ==, 2);
	CHECK_STR(g->net_links.v[0].kind, "udev-rule");
	CHECK_STR(g->net_links.v[0].name, "eth0");
	CHECK_STR(g->net_links.v[0].mac, "00:50:56:aa:bb:01");
	CHECK_STR(g->net_links.v[0].file, "/etc/udev/rules.d/70-persistent-net.rules");
	CHECK_STR(g->net_links.v[1].name, "eth1");
	CHECK_STR(g->net_links.v[1].mac, "00:50:56:aa:bb:02");
}

TEST(empty_guest)
{
	struct guest *g = run();

	CHECK_INT(g->net_stacks.n, ==, 0);
	CHECK_INT(g->net_ifaces.n, ==, 0);
	CHECK_INT(g->net_links.n, ==, 0);
	CHECK_INT(g->warnings.n, ==, 0);
}

TEST(several_stacks)
{
	struct guest *g;

	test_guest_put("etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\nBOOTPROTO=dhcp\n",
		       0);
	test_guest_put("etc/NetworkManager/system-connections/eth0.nmconnection",
		       "[connection]\ntype=ethernet\ninterface-name=eth0\n", 0);
	g = run();
	CHECK_INT(g->net_stacks.n, ==, 2);
	CHECK_STR(g->net_stacks.v[0], "networkmanager");
	CHECK_STR(g->net_stacks.v[1], "ifcfg");
}

TEST_MAIN()
