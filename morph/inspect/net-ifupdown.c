/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ifupdown: /etc/network/interfaces (Debian, Ubuntu before 17.10) and what
 * it includes with "source PATTERN" and "source-directory DIR". As ifupdown
 * does, a relative include is taken from the including file's directory,
 * "source" expands shell wildcards in the last path component and
 * "source-directory" takes the run-parts names ([A-Za-z0-9_-]+); files in
 * /etc/network/interfaces.d that nothing includes are not read, because
 * ifupdown does not read them either.
 *
 * Includes are followed at most IFUPDOWN_MAX_DEPTH deep, at most
 * IFUPDOWN_MAX_FILES files in all, each file once; a file that includes
 * itself (directly or not) is a guest warning.
 */
#include "inspect/net.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define IFUPDOWN_MAIN	    "/etc/network/interfaces"
#define IFUPDOWN_MAX_DEPTH  8
#define IFUPDOWN_MAX_FILES  256
#define IFUPDOWN_MAX_FIELDS 8

/* Words that start a new stanza (and so end an iface stanza). */
static const char *const ifupdown_stanza_words[] = {
	"iface",      "auto",	"mapping",	"source",     "source-directory",
	"source-dir", "rename", "no-auto-down", "no-scripts", "template",
};

static const struct {
	const char *family, *method, *mode; /* mode NULL: not an interface */
} ifupdown_methods[] = {
	{"inet", "static", "static"}, {"inet", "dhcp", "dhcp"},	  {"inet", "manual", "manual"},
	{"inet", "bootp", "dhcp"},    {"inet", "loopback", NULL}, {"inet6", "static", "static"},
	{"inet6", "dhcp", "dhcp"},    {"inet6", "auto", "dhcp"},  {"inet6", "manual", "manual"},
	{"inet6", "loopback", NULL},
};

struct ifupdown_stanza {
	bool open;
	size_t iface;	     /* index into g->net_ifaces */
	const char *netmask; /* applies to addresses without a prefix */
	VEC(const char *) addrs;
};

struct ifupdown {
	struct guest *g;
	struct gtree *t;
	size_t first_iface; /* this stack's records start here */
	size_t nifaces;
	size_t nfiles;
	const char *chain[IFUPDOWN_MAX_DEPTH + 1]; /* files being read */
	size_t depth;
	struct arena *a; /* visited set, lives for the whole parse */
	VEC(const char *) visited;
};

static int ifupdown_file(struct ifupdown *u, const char *path);

static bool ifupdown_is_stanza_word(const char *w)
{
	if (str_startswith(w, "allow-"))
		return true;
	for (size_t i = 0; i < sizeof(ifupdown_stanza_words) / sizeof(ifupdown_stanza_words[0]);
	     i++)
		if (strcmp(w, ifupdown_stanza_words[i]) == 0)
			return true;
	return false;
}

/* Write the addresses gathered for the stanza, now that its netmask is
 * known. */
static int ifupdown_close(struct ifupdown *u, struct ifupdown_stanza *s)
{
	struct guest *g = u->g;

	if (!s->open)
		return 0;
	s->open = false;
	for (size_t i = 0; i < s->addrs.n; i++) {
		const char *cidr = net_cidr(g, s->addrs.v[i], s->netmask);

		if (!cidr || net_add_address(g, &g->net_ifaces.v[s->iface], cidr) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* "iface NAME FAMILY METHOD": an inet6 stanza for a name already seen
 * joins that record; the inet method decides the mode. */
static int ifupdown_iface(struct ifupdown *u, struct ifupdown_stanza *s, const char *path, char **f,
			  size_t n)
{
	struct guest *g = u->g;
	const char *mode = "unknown";
	struct net_iface *ifc = NULL;
	bool inet;
	int r;

	memset(s, 0, sizeof(*s));
	if (n < 2 || strcmp(f[1], "lo") == 0)
		return 0;
	inet = n > 2 && strcmp(f[2], "inet") == 0;
	for (size_t i = 0; n > 3 && i < sizeof(ifupdown_methods) / sizeof(ifupdown_methods[0]); i++)
		if (strcmp(f[2], ifupdown_methods[i].family) == 0 &&
		    strcmp(f[3], ifupdown_methods[i].method) == 0) {
			if (!ifupdown_methods[i].mode)
				return 0;
			mode = ifupdown_methods[i].mode;
		}
	for (size_t i = u->first_iface; i < g->net_ifaces.n; i++)
		if (g->net_ifaces.v[i].name && strcmp(g->net_ifaces.v[i].name, f[1]) == 0) {
			s->iface = i;
			ifc = &g->net_ifaces.v[i];
			break;
		}
	if (!ifc) {
		if (u->nifaces++ == NET_MAX_IFACES)
			guest_warn(g, "ifupdown: more than %d interfaces; the rest are ignored",
				   NET_MAX_IFACES);
		if (u->nifaces > NET_MAX_IFACES)
			return 0;
		r = net_iface_new(g, "ifupdown", path, &ifc);
		if (r < 0 || (r = net_set(g, &ifc->name, f[1], strlen(f[1]))) < 0)
			return r;
		s->iface = g->net_ifaces.n - 1;
		ifc->mode = mode;
	} else if (inet) {
		ifc->mode = mode;
	}
	s->open = true;
	return 0;
}

static int ifupdown_option(struct ifupdown *u, struct ifupdown_stanza *s, struct arena *fa,
			   char **f, size_t n)
{
	struct guest *g = u->g;
	struct net_iface *ifc = &g->net_ifaces.v[s->iface];
	const char **slot;

	if (n < 2)
		return 0;
	if (strcmp(f[0], "address") == 0) {
		if (s->addrs.n >= NET_MAX_ADDRESSES)
			return 0;
		slot = VEC_PUSH(fa, s->addrs);
		if (!slot)
			return -ENOMEM;
		*slot = f[1];
	} else if (strcmp(f[0], "netmask") == 0) {
		s->netmask = f[1];
	} else if (strcmp(f[0], "gateway") == 0 && !ifc->gateway) {
		return net_set(g, &ifc->gateway, f[1], strlen(f[1]));
	} else if (strcmp(f[0], "hwaddress") == 0) {
		/* "hwaddress [ether] MAC" */
		return net_set_mac(g, &ifc->mac, f[n - 1], strlen(f[n - 1]));
	}
	return 0;
}

static bool ifupdown_has_glob(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

static bool ifupdown_runparts_name(const char *name)
{
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return *name != '\0';
}

/* source / source-directory: expand to files and read each in name order. */
static int ifupdown_include(struct ifupdown *u, struct arena *fa, const char *path, const char *arg,
			    bool directory)
{
	const char *full, *slash, *dir, *base;
	net_files files = {0};
	int r;

	if (arg[0] == '/') {
		full = arg;
	} else {
		/* Relative to the directory of the including file. */
		slash = strrchr(path, '/');
		full = arena_printf(fa, "%.*s/%s", (int)(slash - path), path, arg);
		if (!full)
			return -ENOMEM;
	}
	if (directory) {
		dir = full;
		base = NULL;
	} else {
		slash = strrchr(full, '/');
		if (!ifupdown_has_glob(slash + 1, strlen(slash + 1)))
			return ifupdown_file(u, full);
		if (ifupdown_has_glob(full, (size_t)(slash - full))) {
			guest_warn(u->g,
				   "%s: wildcards in directories are not followed (source %s)",
				   path, arg);
			return 0;
		}
		dir = slash == full ? "/" : arena_strndup(fa, full, (size_t)(slash - full));
		base = slash + 1;
		if (!dir)
			return -ENOMEM;
	}
	r = net_list(u->g, u->t, fa, &dir, 1, NULL, &files);
	for (size_t i = 0; r >= 0 && i < files.n; i++) {
		const char *name = files.v[i].name;

		if (base ? fnmatch(base, name, FNM_PERIOD) != 0 : !ifupdown_runparts_name(name))
			continue;
		r = ifupdown_file(u, files.v[i].path);
	}
	return r < 0 ? r : 0;
}

/* Join "\<newline>" continuations in place. */
static void ifupdown_join(char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (buf[i] == '\\' && buf[i + 1] == '\n')
			buf[i] = buf[i + 1] = ' ';
}

static int ifupdown_parse(struct ifupdown *u, const char *path, char *buf, size_t len)
{
	struct ifupdown_stanza s = {0};
	struct arena *fa = NULL;
	struct line_iter it;
	const char *line;
	size_t llen;
	int r;

	r = arena_new(&fa);
	if (r < 0)
		return r;
	ifupdown_join(buf, len);
	line_iter_init(&it, buf, len);
	while (r >= 0 && line_iter_next(&it, &line, &llen)) {
		char *f[IFUPDOWN_MAX_FIELDS];
		size_t n, i = 0;

		while (i < llen && isspace((unsigned char)line[i]))
			i++;
		if (i == llen || line[i] == '#')
			continue;
		n = text_fields(fa, line, llen, f, IFUPDOWN_MAX_FIELDS);
		if (n == 0) {
			r = -ENOMEM;
			break;
		}
		if (!ifupdown_is_stanza_word(f[0])) {
			if (s.open)
				r = ifupdown_option(u, &s, fa, f, n);
			continue;
		}
		r = ifupdown_close(u, &s);
		if (r < 0)
			break;
		if (strcmp(f[0], "iface") == 0)
			r = ifupdown_iface(u, &s, path, f, n);
		else if (n >= 2 && strcmp(f[0], "source") == 0)
			r = ifupdown_include(u, fa, path, f[1], false);
		else if (n >= 2 &&
			 (strcmp(f[0], "source-directory") == 0 || strcmp(f[0], "source-dir") == 0))
			r = ifupdown_include(u, fa, path, f[1], true);
	}
	if (r >= 0)
		r = ifupdown_close(u, &s);
	arena_free(fa);
	return r;
}

/* 0 when the file was read, 1 when there was nothing to read. */
static int ifupdown_file(struct ifupdown *u, const char *path)
{
	char *canon = NULL, *buf = NULL;
	const char **slot;
	size_t len;
	int r;

	if (u->depth > IFUPDOWN_MAX_DEPTH) {
		guest_warn(u->g, "%s: includes nested more than %d deep; not followed", path,
			   IFUPDOWN_MAX_DEPTH);
		return 1;
	}
	r = gtree_realpath(u->t, path, &canon);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (r != -ENOENT && r != -ENOTDIR)
			guest_warn(u->g, "cannot resolve %s: %s; ignored", path, strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < u->depth; i++)
		if (strcmp(u->chain[i], canon) == 0) {
			guest_warn(u->g, "%s: include cycle back to %s; not followed",
				   u->chain[u->depth - 1], path);
			free(canon);
			return 1;
		}
	for (size_t i = 0; i < u->visited.n; i++)
		if (strcmp(u->visited.v[i], canon) == 0) {
			log_debug(u->g->ctx, "%s already read", path);
			free(canon);
			return 1;
		}
	if (u->nfiles >= IFUPDOWN_MAX_FILES) {
		if (u->nfiles++ == IFUPDOWN_MAX_FILES)
			guest_warn(u->g,
				   "ifupdown: more than %d included files; the rest are ignored",
				   IFUPDOWN_MAX_FILES);
		free(canon);
		return 1;
	}
	slot = VEC_PUSH(u->a, u->visited);
	if (!slot || !(*slot = arena_strdup(u->a, canon))) {
		free(canon);
		return -ENOMEM;
	}
	free(canon);
	r = net_read(u->g, u->t, path, &buf, &len);
	if (r != 0)
		return r;
	u->nfiles++;
	u->chain[u->depth++] = *slot;
	r = ifupdown_parse(u, path, buf, len);
	u->depth--;
	free(buf);
	return r < 0 ? r : 0;
}

int net_ifupdown_parse(struct guest *g, struct gtree *t)
{
	struct ifupdown u = {.g = g, .t = t, .first_iface = g->net_ifaces.n};
	int r;

	r = arena_new(&u.a);
	if (r < 0)
		return r;
	r = ifupdown_file(&u, IFUPDOWN_MAIN);
	arena_free(u.a);
	return r;
}
