/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network configuration inspection, internal to inspect/: one file per stack
 * (net-*.c), driven by the ordered table in net.c, plus the helpers they
 * share (bounded reads, sorted directory listings, interface records).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "inspect/guest.h"

#define NET_MAX_DIR_ENTRIES 1024 /* names taken from one directory */
#define NET_MAX_ADDRESSES   64	 /* per interface */
#define NET_MAX_IFACES	    1024 /* per stack */

/*
 * A stack parser: 0 when the stack is configured in the guest (its name goes
 * into g->net_stacks), 1 when it is not, a negative errno on a real error
 * (out of memory). Unreadable or oversized guest files are warnings.
 */
struct net_stack {
	const char *name;
	int (*parse)(struct guest *g, struct gtree *t);
};

int net_netplan_parse(struct guest *g, struct gtree *t);  /* net-netplan.c */
int net_networkd_parse(struct guest *g, struct gtree *t); /* net-networkd.c */
int net_nm_parse(struct guest *g, struct gtree *t);	  /* net-nm.c */
int net_ifcfg_parse(struct guest *g, struct gtree *t);	  /* net-ifcfg.c */
int net_ifupdown_parse(struct guest *g, struct gtree *t); /* net-ifupdown.c */

/*
 * Read a guest config file capped at GUEST_SMALL_FILE: 0 with the
 * NUL-terminated content in *ret (caller frees), 1 when there is nothing to
 * read (missing, dangling, masked with a /dev/null symlink; or unreadable or
 * too big, which is also a guest warning), -ENOMEM.
 */
int net_read(struct guest *g, struct gtree *t, const char *path, char **ret, size_t *len);

struct net_file {
	const char *name; /* entry name */
	const char *path; /* guest path of the entry that wins */
};
typedef VEC(struct net_file) net_files;

/*
 * List the entries of dirs[0..n) that keep() accepts (NULL: all), sorted by
 * name, into a (scratch arena). When a name is in several directories the
 * first directory wins, as systemd and netplan do with /etc over /run over
 * /usr/lib. Missing directories are empty; at most NET_MAX_DIR_ENTRIES per
 * directory (a guest warning beyond that).
 */
int net_list(struct guest *g, struct gtree *t, struct arena *a, const char *const *dirs, size_t n,
	     bool (*keep)(const char *name), net_files *ret);

/*
 * net_list() the dirs, then parse() each file: 0 when some file configured
 * something (parse returned 0), 1 when none did, -errno on the first error.
 */
int net_parse_files(struct guest *g, struct gtree *t, const char *const *dirs, size_t n,
		    bool (*keep)(const char *name),
		    int (*parse)(struct guest *g, struct gtree *t, const struct net_file *f));

/* A new interface record of stack, from file (strings copied). */
int net_iface_new(struct guest *g, const char *stack, const char *file, struct net_iface **ret);
/* Copy s[0..len) into *field (guest arena); empty leaves *field as it was. */
int net_set(struct guest *g, const char **field, const char *s, size_t len);
/* The same for a MAC address: trimmed, lowercased, '-' separators as ':'. */
int net_set_mac(struct guest *g, const char **field, const char *s, size_t len);
/* Append an address once (up to NET_MAX_ADDRESSES). */
int net_add_address(struct guest *g, struct net_iface *ifc, const char *addr);
/* Record a name pin (.link file, udev rule). */
int net_add_link(struct guest *g, const char *kind, const char *file, const char *name,
		 const char *mac);
/* Prefix length of "255.255.255.0" or "24"; -1 when it is neither. */
int net_mask_prefix(const char *mask);
/* Join an address and a netmask or prefix ("192.0.2.1" + "24") into the
 * guest arena; the address alone when the mask is NULL or not understood. */
const char *net_cidr(struct guest *g, const char *addr, const char *mask);
