/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netplan (Ubuntu 17.10+): /etc/netplan, /run/netplan and /lib/netplan
 * *.yaml. A name in /run hides the same name in /etc, which hides /lib; the
 * files are merged in name order, a later file overriding settings of an
 * interface an earlier one defined (addresses accumulate).
 *
 * The YAML is guest input: libyaml's event parser feeds a small tree built
 * here with hard caps (nesting depth, node count, alias count), aliases
 * become shared references (never copies), and an anchor is only usable
 * once its node is complete, so the tree has no cycles. The reader below
 * only descends a fixed number of levels and stops every list at a cap, so
 * its work is bounded by nodes x aliases. A malformed file (syntax, invalid
 * UTF-8, over a cap) is a guest warning and is skipped.
 */
#include "inspect/net.h"
#include "util/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define NETPLAN_MAX_DEPTH   32
#define NETPLAN_MAX_NODES   20000
#define NETPLAN_MAX_ANCHORS 256
#define NETPLAN_MAX_ALIASES 256
#define NETPLAN_MAX_ROUTES  64

static const char *const netplan_dirs[] = {
	"/run/netplan",
	"/etc/netplan",
	"/lib/netplan",
	"/usr/lib/netplan",
};

/* Device groups under "network:" whose entries are interfaces. */
static const char *const netplan_groups[] = {
	"ethernets", "bonds", "bridges", "vlans", "wifis",
};

enum yn_type { YN_SCALAR, YN_SEQ, YN_MAP };

struct yn {
	enum yn_type type;
	const char *str;       /* scalar value */
	VEC(struct yn *) kids; /* items; for a map key, value, key, ... */
};

struct yn_anchor {
	const char *name;
	struct yn *node;
};

struct yn_loader {
	struct arena *a;
	struct yn *stack[NETPLAN_MAX_DEPTH];
	const char *stack_anchor[NETPLAN_MAX_DEPTH];
	size_t depth;
	size_t nodes, aliases;
	VEC(struct yn_anchor) anchors;
	struct yn *root;
	const char *problem; /* why the document was refused */
};

/* Per-interface state kept across files (netplan merges by ID). */
struct netplan_def {
	const char *id;
	size_t iface; /* index into g->net_ifaces */
	int dhcp;     /* -1 unset, 0, 1 */
};

struct netplan {
	struct guest *g;
	struct arena *a;
	VEC(struct netplan_def) defs;
};

static bool netplan_keep(const char *name)
{
	return str_endswith(name, ".yaml");
}

/* ------------------------------------------------------------------ */
/* Tree loading.                                                        */

static int yn_anchor_add(struct yn_loader *l, const char *name, struct yn *n)
{
	struct yn_anchor *an;

	if (!name)
		return 0;
	if (l->anchors.n >= NETPLAN_MAX_ANCHORS) {
		l->problem = "too many anchors";
		return -EUCLEAN;
	}
	an = VEC_PUSH(l->a, l->anchors);
	if (!an || !(an->name = arena_strdup(l->a, name)))
		return -ENOMEM;
	an->node = n;
	return 0;
}

static int yn_attach(struct yn_loader *l, struct yn *n)
{
	struct yn **slot;

	if (l->depth == 0) {
		if (!l->root)
			l->root = n;
		return 0;
	}
	slot = VEC_PUSH(l->a, l->stack[l->depth - 1]->kids);
	if (!slot)
		return -ENOMEM;
	*slot = n;
	return 0;
}

static int yn_new(struct yn_loader *l, enum yn_type type, struct yn **ret)
{
	struct yn *n;

	if (++l->nodes > NETPLAN_MAX_NODES) {
		l->problem = "too many nodes";
		return -EUCLEAN;
	}
	n = arena_alloc(l->a, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->type = type;
	*ret = n;
	return 0;
}

/* One event; 1 at the end of the first document. */
static int yn_event(struct yn_loader *l, const yaml_event_t *ev)
{
	struct yn *n;
	int r;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		r = yn_new(l, YN_SCALAR, &n);
		if (r < 0)
			return r;
		n->str = arena_strndup(l->a, (const char *)ev->data.scalar.value,
				       ev->data.scalar.length);
		if (!n->str)
			return -ENOMEM;
		r = yn_anchor_add(l, (const char *)ev->data.scalar.anchor, n);
		return r < 0 ? r : yn_attach(l, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (l->depth >= NETPLAN_MAX_DEPTH) {
			l->problem = "nested too deep";
			return -EUCLEAN;
		}
		r = yn_new(l, ev->type == YAML_MAPPING_START_EVENT ? YN_MAP : YN_SEQ, &n);
		if (r < 0 || (r = yn_attach(l, n)) < 0)
			return r;
		/* The anchor is registered at the end: no alias can point
		 * into a node still being built, so there are no cycles. */
		l->stack_anchor[l->depth] = ev->type == YAML_MAPPING_START_EVENT
						    ? (const char *)ev->data.mapping_start.anchor
						    : (const char *)ev->data.sequence_start.anchor;
		if (l->stack_anchor[l->depth] &&
		    !(l->stack_anchor[l->depth] = arena_strdup(l->a, l->stack_anchor[l->depth])))
			return -ENOMEM;
		l->stack[l->depth++] = n;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (l->depth == 0)
			return -EUCLEAN;
		l->depth--;
		return yn_anchor_add(l, l->stack_anchor[l->depth], l->stack[l->depth]);
	case YAML_ALIAS_EVENT:
		if (++l->aliases > NETPLAN_MAX_ALIASES) {
			l->problem = "too many aliases";
			return -EUCLEAN;
		}
		for (size_t i = l->anchors.n; i-- > 0;)
			if (strcmp(l->anchors.v[i].name, (const char *)ev->data.alias.anchor) == 0)
				return yn_attach(l, l->anchors.v[i].node);
		l->problem = "alias to an unknown or unfinished anchor";
		return -EUCLEAN;
	case YAML_DOCUMENT_END_EVENT:
	case YAML_STREAM_END_EVENT: return 1; /* netplan reads the first document only */
	default: return 0;
	}
}

/* 0 with *ret (NULL for an empty file), 1 when the file was refused (a
 * guest warning), -ENOMEM. */
static int yn_load(struct guest *g, struct arena *a, const char *path, const char *buf, size_t len,
		   struct yn **ret)
{
	struct yn_loader l = {.a = a};
	yaml_parser_t p;
	int r = 0;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (r == 0) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_MEMORY_ERROR) {
				r = -ENOMEM;
			} else if (p.error == YAML_READER_ERROR) {
				guest_warn(g, "%s: YAML error at byte %zu: %s; file ignored", path,
					   p.problem_offset, p.problem ? p.problem : "unknown");
				r = 2;
			} else {
				guest_warn(
					g,
					"%s: YAML error at line %zu column %zu: %s; file ignored",
					path, p.problem_mark.line + 1, p.problem_mark.column + 1,
					p.problem ? p.problem : "unknown");
				r = 2;
			}
			break;
		}
		r = yn_event(&l, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (r == -EUCLEAN) {
		guest_warn(
			g,
			"%s: YAML refused (%s; caps: depth %d, %d nodes, %d aliases); file ignored",
			path, l.problem ? l.problem : "malformed", NETPLAN_MAX_DEPTH,
			NETPLAN_MAX_NODES, NETPLAN_MAX_ALIASES);
		return 1;
	}
	if (r < 0)
		return r;
	if (r == 2)
		return 1;
	*ret = l.root;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading netplan's schema from the tree.                              */

static struct yn *yn_get(const struct yn *map, const char *key)
{
	struct yn *found = NULL;

	if (!map || map->type != YN_MAP)
		return NULL;
	/* Duplicate keys: the last wins. */
	for (size_t i = 0; i + 1 < map->kids.n; i += 2) {
		const struct yn *k = map->kids.v[i];

		if (k->type == YN_SCALAR && strcmp(k->str, key) == 0)
			found = map->kids.v[i + 1];
	}
	return found;
}

static const char *yn_str(const struct yn *map, const char *key)
{
	const struct yn *v = yn_get(map, key);

	return v && v->type == YN_SCALAR && v->str[0] ? v->str : NULL;
}

/* -1 absent or not a boolean, else 0/1. */
static int yn_bool(const struct yn *map, const char *key)
{
	static const char *const yes[] = {"true", "yes", "on", "y"};
	static const char *const no[] = {"false", "no", "off", "n"};
	const char *v = yn_str(map, key);

	for (size_t i = 0; v && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int netplan_def_get(struct netplan *np, const char *id, const char *file,
			   struct netplan_def **ret)
{
	struct netplan_def *d;
	struct net_iface *ifc;
	int r;

	for (size_t i = 0; i < np->defs.n; i++)
		if (strcmp(np->defs.v[i].id, id) == 0) {
			*ret = &np->defs.v[i];
			return 0;
		}
	if (np->defs.n >= NET_MAX_IFACES) {
		if (np->defs.n == NET_MAX_IFACES)
			guest_warn(np->g, "netplan: more than %d interfaces; the rest are ignored",
				   NET_MAX_IFACES);
		return 1;
	}
	r = net_iface_new(np->g, "netplan", file, &ifc);
	if (r < 0)
		return r;
	d = VEC_PUSH(np->a, np->defs);
	if (!d || !(d->id = arena_strdup(np->a, id)))
		return -ENOMEM;
	d->iface = np->g->net_ifaces.n - 1;
	d->dhcp = -1;
	*ret = d;
	return 0;
}

static int netplan_set(struct guest *g, const char **field, const char *v, bool mac)
{
	if (!v)
		return 0;
	return mac ? net_set_mac(g, field, v, strlen(v)) : net_set(g, field, v, strlen(v));
}

static int netplan_addresses(struct guest *g, struct net_iface *ifc, const struct yn *seq)
{
	int r = 0;

	if (!seq || seq->type != YN_SEQ)
		return 0;
	for (size_t i = 0; i < seq->kids.n && i < NET_MAX_ADDRESSES && r >= 0; i++) {
		const struct yn *it = seq->kids.v[i];

		/* "- 192.0.2.1/24" or, since netplan 0.103,
		 * "- 192.0.2.1/24: {lifetime: 0}". */
		if (it->type == YN_MAP && it->kids.n >= 2)
			it = it->kids.v[0];
		if (it->type == YN_SCALAR && it->str[0])
			r = net_add_address(g, ifc, it->str);
	}
	return r;
}

/* The "via" of a default route, for configs without gateway4. */
static const char *netplan_route_gw(const struct yn *seq)
{
	if (!seq || seq->type != YN_SEQ)
		return NULL;
	for (size_t i = 0; i < seq->kids.n && i < NETPLAN_MAX_ROUTES; i++) {
		const char *to = yn_str(seq->kids.v[i], "to");

		if (to && (strcmp(to, "default") == 0 || strcmp(to, "0.0.0.0/0") == 0 ||
			   strcmp(to, "::/0") == 0))
			return yn_str(seq->kids.v[i], "via");
	}
	return NULL;
}

static int netplan_iface(struct netplan *np, const char *file, const char *id, const struct yn *s)
{
	struct guest *g = np->g;
	const struct yn *match = yn_get(s, "match"), *drv;
	struct netplan_def *d;
	struct net_iface *ifc;
	const char *v;
	int r, b;

	r = netplan_def_get(np, id, file, &d);
	if (r != 0)
		return r < 0 ? r : 0;
	ifc = &g->net_ifaces.v[d->iface];
	/* The name the interface ends up with: set-name, else the matched
	 * name (may be a glob), else, without a match, the ID itself. */
	v = yn_str(s, "set-name");
	if (!v)
		v = yn_str(match, "name");
	if (!v && !match)
		v = id;
	if ((r = netplan_set(g, &ifc->name, v, false)) < 0)
		return r;
	v = yn_str(match, "macaddress");
	if (!v)
		v = yn_str(s, "macaddress");
	if ((r = netplan_set(g, &ifc->mac, v, true)) < 0)
		return r;
	drv = yn_get(match, "driver"); /* a string or a list of them */
	if (drv && drv->type == YN_SEQ && drv->kids.n)
		drv = drv->kids.v[0];
	if (drv && drv->type == YN_SCALAR &&
	    (r = netplan_set(g, &ifc->driver, drv->str, false)) < 0)
		return r;
	if ((r = netplan_addresses(g, ifc, yn_get(s, "addresses"))) < 0)
		return r;
	v = yn_str(s, "gateway4");
	if (!v)
		v = yn_str(s, "gateway6");
	if (!v)
		v = netplan_route_gw(yn_get(s, "routes"));
	if ((r = netplan_set(g, &ifc->gateway, v, false)) < 0)
		return r;
	b = yn_bool(s, "dhcp4");
	if (b < 1 && yn_bool(s, "dhcp6") == 1)
		b = 1;
	if (b >= 0)
		d->dhcp = b;
	return 0;
}

static int netplan_tree(struct netplan *np, const char *file, const struct yn *root)
{
	const struct yn *net = yn_get(root, "network");
	int r = 0;

	for (size_t gi = 0; gi < sizeof(netplan_groups) / sizeof(netplan_groups[0]); gi++) {
		const struct yn *grp = yn_get(net, netplan_groups[gi]);

		if (!grp || grp->type != YN_MAP)
			continue;
		for (size_t i = 0; i + 1 < grp->kids.n && r >= 0; i += 2) {
			const struct yn *k = grp->kids.v[i];

			if (k->type == YN_SCALAR && k->str[0] && grp->kids.v[i + 1]->type == YN_MAP)
				r = netplan_iface(np, file, k->str, grp->kids.v[i + 1]);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int netplan_file(struct netplan *np, struct gtree *t, const struct net_file *f)
{
	struct arena *a = NULL;
	struct yn *root = NULL;
	char *buf = NULL;
	size_t len;
	int r;

	r = net_read(np->g, t, f->path, &buf, &len);
	if (r != 0)
		return r;
	r = arena_new(&a);
	if (r == 0)
		r = yn_load(np->g, a, f->path, buf, len, &root);
	if (r == 0 && root)
		r = netplan_tree(np, f->path, root);
	arena_free(a);
	free(buf);
	return r < 0 ? r : 0;
}

int net_netplan_parse(struct guest *g, struct gtree *t)
{
	struct netplan np = {.g = g};
	net_files files = {0};
	int r;

	r = arena_new(&np.a);
	if (r < 0)
		return r;
	r = net_list(g, t, np.a, netplan_dirs, sizeof(netplan_dirs) / sizeof(netplan_dirs[0]),
		     netplan_keep, &files);
	for (size_t i = 0; r >= 0 && i < files.n; i++)
		r = netplan_file(&np, t, &files.v[i]);
	for (size_t i = 0; r >= 0 && i < np.defs.n; i++) {
		struct net_iface *ifc = &g->net_ifaces.v[np.defs.v[i].iface];

		ifc->mode = np.defs.v[i].dhcp == 1 ? "dhcp"
			    : ifc->addresses.n	   ? "static"
						   : "manual";
	}
	arena_free(np.a);
	if (r < 0)
		return r;
	/* Any netplan file, even one refused, means netplan is in use. */
	return files.n ? 0 : 1;
}
