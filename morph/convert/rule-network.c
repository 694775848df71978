/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network interface names. On VMware the NIC is vmxnet3 and udev names it
 * by slot (ens192); on KVM the virtio-net NIC gets another name (ens3,
 * enp1s0, eth0) and usually another MAC, so configs written for ens192, or
 * bound to the VMware MAC, stop applying and static addresses never come up.
 *
 * For every NIC name the guest configures, the name is pinned on the new
 * NIC: by MAC when --nic NAME=MAC gives it, by driver when the guest
 * configures one interface only (a systemd .link file, or a udev rule on
 * guests without systemd). Configs that match the old MAC get the new one
 * in place (only that value changes); persistent-net udev rules that pin a
 * configured name to the old MAC are updated or commented out. The guest's
 * own configs are never removed or renamed. docs/rules-network.md has the
 * details.
 *
 * Everything taken from the guest is guest data: a name is validated before
 * it reaches a file name or a file, a MAC is parsed into canonical form
 * before it is compared or written, and only validated strings go into the
 * files written here. Guest strings in notes are escaped.
 */
#include "convert/convert.h"
#include "util/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NETRULE		   "network"
#define NETRULE_UDEV_RULES "/etc/udev/rules.d/70-persistent-net.rules"
/* Sorts before 70-persistent-net.rules, so its NAME= is set first and
 * udev's persistent-net generator (which skips named NICs) leaves it. */
#define NETRULE_UDEV_PIN "/etc/udev/rules.d/70-morph-persistent-net.rules"
/* 10-: before the guest's own and the vendor's 99-default.link; udev
 * applies the first .link file that matches. */
#define NETRULE_LINK_FMT   "/etc/systemd/network/10-morph-%s.link"
#define NETRULE_NAME_MAX   15  /* IFNAMSIZ - 1 */
#define NETRULE_MAC_LEN	   17  /* "xx:xx:xx:xx:xx:xx" */
#define NETRULE_YAML_DEPTH 32  /* as inspection's NETPLAN_MAX_DEPTH */
#define NETRULE_SAFE_MAX   256 /* guest strings quoted in notes */

typedef char netrule_mac[NETRULE_MAC_LEN + 1];

/* A NIC name the guest configures (validated). */
struct netrule_if {
	const char *name;
	const char *mac; /* its new MAC from --nic (canonical), or NULL */
};

/* An old MAC found in the guest's configs and the new MAC it becomes. */
struct netrule_map {
	netrule_mac old, mac;
	const char *name; /* the interface that maps it */
	bool conflict;	  /* two interfaces map it differently: left alone */
};

/* A MAC edited in a file (rewritten or its line commented out). */
struct netrule_hit {
	const char *file;
	netrule_mac old;
};

struct netrule {
	struct convert *c;
	struct arena *a; /* scratch; plan_write copies what it keeps */
	bool systemd;
	VEC(struct netrule_if) ifs;
	VEC(struct netrule_map) map;
	VEC(struct netrule_hit) hits;
	VEC(const char *) edited;  /* config files already rewritten */
	VEC(const char *) nic_mac; /* canonical MAC of each --nic */
	const char *driver_pin;	   /* the one name pinned by driver, or NULL */
};

struct netrule_span {
	size_t off, len;
};

/* ------------------------------------------------------------------ */
/* Names and MACs.                                                      */

/* Guest text for a note: printable ASCII, capped. */
static const char *netrule_safe(struct netrule *nr, const char *s)
{
	size_t n = strnlen(s, NETRULE_SAFE_MAX + 1);
	char *out = arena_alloc(nr->a, NETRULE_SAFE_MAX + 4);

	if (!out)
		return "?";
	for (size_t i = 0; i < n && i < NETRULE_SAFE_MAX; i++)
		out[i] = s[i] < 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\' ? '?' : s[i];
	if (n > NETRULE_SAFE_MAX)
		memcpy(out + NETRULE_SAFE_MAX, "...", 4);
	return out;
}

/* What the kernel takes (1 to 15 bytes, no '/', ':' or space), narrowed to
 * what is safe in a file name, a .link file and a udev rule. */
static bool netrule_name_valid(const char *s)
{
	size_t n = strnlen(s, NETRULE_NAME_MAX + 1);

	if (n == 0 || n > NETRULE_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static int netrule_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * A MAC as configs spell it, into lowercase "xx:xx:xx:xx:xx:xx": colon or
 * dash separated in any case, networkd's "xxxx.xxxx.xxxx", or
 * NetworkManager's old decimal bytes "0;80;86;1;2;3;". Anything else: false.
 */
static bool netrule_mac_parse(const char *s, size_t len, netrule_mac out, unsigned char *b0)
{
	unsigned b[6];
	int h, l;

	if (len == 17 && (s[2] == ':' || s[2] == '-')) {
		for (size_t i = 0; i < 6; i++) {
			h = netrule_hex(s[3 * i]);
			l = netrule_hex(s[3 * i + 1]);
			if (h < 0 || l < 0 || (i < 5 && s[3 * i + 2] != s[2]))
				return false;
			b[i] = (unsigned)(h << 4 | l);
		}
	} else if (len == 14 && s[4] == '.' && s[9] == '.') {
		for (size_t i = 0, p = 0; i < 6; i++, p += 2) {
			if (p == 4 || p == 9)
				p++;
			h = netrule_hex(s[p]);
			l = netrule_hex(s[p + 1]);
			if (h < 0 || l < 0)
				return false;
			b[i] = (unsigned)(h << 4 | l);
		}
	} else if (len >= 11 && len <= 24 && memchr(s, ';', len)) {
		size_t p = 0;

		for (size_t i = 0; i < 6; i++) {
			size_t d = 0;

			b[i] = 0;
			while (p < len && s[p] >= '0' && s[p] <= '9' && d < 3) {
				b[i] = b[i] * 10 + (unsigned)(s[p++] - '0');
				d++;
			}
			if (d == 0 || b[i] > 255 || (i < 5 && (p >= len || s[p++] != ';')))
				return false;
		}
		if (p < len && s[p] == ';')
			p++;
		if (p != len)
			return false;
	} else {
		return false;
	}
	snprintf(out, NETRULE_MAC_LEN + 1, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
		 b[4], b[5]);
	if (b0)
		*b0 = (unsigned char)b[0];
	return true;
}

/* mac (canonical) spelled like old was: same separator and letter case,
 * so a rewritten line differs from the original only in the digits. The
 * dotted and decimal forms are written in the colon form every reader
 * takes. */
static void netrule_mac_like(const char *old, size_t olen, const char *mac, netrule_mac out)
{
	bool upper = false, dash = olen == 17 && old[2] == '-';

	for (size_t i = 0; i < olen; i++)
		upper |= old[i] >= 'A' && old[i] <= 'F';
	if (memchr(old, ';', olen))
		upper = false;
	for (size_t i = 0; i <= NETRULE_MAC_LEN; i++) {
		char ch = mac[i];

		if (ch == ':' && dash)
			ch = '-';
		else if (upper && ch >= 'a' && ch <= 'f')
			ch = (char)(ch - 'a' + 'A');
		out[i] = ch;
	}
}

/*
 * Names that are not a NIC: pinning one on the virtio NIC would break the
 * device its config creates (a bridge named after the NIC it bridges).
 * Prefixes, because these names are conventions; "lo" is matched whole.
 */
static const struct {
	const char *prefix, *what;
} netrule_virtual[] = {
	{"bond", "a bond"},
	{"team", "a team"},
	{"br", "a bridge"},
	{"virbr", "a bridge"},
	{"docker", "a bridge"},
	{"vlan", "a VLAN"},
	{"veth", "a veth pair"},
	{"tun", "a tunnel"},
	{"tap", "a tap device"},
	{"wg", "a WireGuard tunnel"},
	{"wl", "a wireless interface"},
	{"ww", "a mobile broadband interface"},
	{"ib", "an InfiniBand interface"},
};

enum netrule_kind {
	NETRULE_NIC = 0,
	NETRULE_PATTERN, /* a glob: matches by pattern, nothing to pin */
	NETRULE_INVALID,
	NETRULE_VIRTUAL,
};

/*
 * The kind of a configured name and, for a NIC, the NIC's name in *dev
 * (scratch arena): the name itself, or the base NIC of an alias (eth0:1) or
 * a VLAN (eth0.10), which have no NIC of their own. Negative on ENOMEM.
 */
static int netrule_devname(struct netrule *nr, const char *name, const char **dev,
			   const char **what)
{
	size_t n = strcspn(name, ":");
	char *base, *dot;

	if (strpbrk(name, "*?["))
		return NETRULE_PATTERN;
	if (n == 0 || n > NETRULE_NAME_MAX)
		return NETRULE_INVALID;
	base = arena_strndup(nr->a, name, n);
	if (!base)
		return -ENOMEM;
	if (!netrule_name_valid(base))
		return NETRULE_INVALID;
	dot = strrchr(base, '.');
	if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1))
		*dot = '\0'; /* not empty: a leading '.' is invalid */
	if (strcmp(base, "lo") == 0) {
		*what = "the loopback";
		return NETRULE_VIRTUAL;
	}
	for (size_t i = 0; i < sizeof(netrule_virtual) / sizeof(netrule_virtual[0]); i++)
		if (str_startswith(base, netrule_virtual[i].prefix)) {
			*what = netrule_virtual[i].what;
			return NETRULE_VIRTUAL;
		}
	*dev = base;
	return NETRULE_NIC;
}

static struct netrule_if *netrule_if_find(struct netrule *nr, const char *name)
{
	for (size_t i = 0; i < nr->ifs.n; i++)
		if (strcmp(nr->ifs.v[i].name, name) == 0)
			return &nr->ifs.v[i];
	return NULL;
}

static struct netrule_if *netrule_if_by_mac(struct netrule *nr, const char *mac)
{
	for (size_t i = 0; i < nr->ifs.n; i++)
		if (nr->ifs.v[i].mac && strcmp(nr->ifs.v[i].mac, mac) == 0)
			return &nr->ifs.v[i];
	return NULL;
}

static struct netrule_map *netrule_map_find(struct netrule *nr, const char *old)
{
	for (size_t i = 0; i < nr->map.n; i++)
		if (strcmp(nr->map.v[i].old, old) == 0)
			return &nr->map.v[i];
	return NULL;
}

static bool netrule_is_new_mac(struct netrule *nr, const char *mac)
{
	for (size_t i = 0; i < nr->nic_mac.n; i++)
		if (strcmp(nr->nic_mac.v[i], mac) == 0)
			return true;
	return false;
}

static int netrule_hit(struct netrule *nr, const char *file, const char *old)
{
	struct netrule_hit *h = VEC_PUSH(nr->a, nr->hits);

	if (!h)
		return -ENOMEM;
	h->file = file;
	memcpy(h->old, old, sizeof(h->old));
	return 0;
}

static bool netrule_was_hit(struct netrule *nr, const char *file, const char *old)
{
	for (size_t i = 0; i < nr->hits.n; i++)
		if (strcmp(nr->hits.v[i].file, file) == 0 && strcmp(nr->hits.v[i].old, old) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Where each stack keeps the MAC it matches a NIC by. Each finder sees  */
/* one line at a time (with the file's state in netrule_scan) and gives  */
/* the span of the value: one MAC, or a whitespace-separated list.       */

struct netrule_scan {
	char section[32];		   /* INI: the current section, "" when unknown */
	size_t indent[NETRULE_YAML_DEPTH]; /* YAML: the open block keys */
	bool match[NETRULE_YAML_DEPTH];	   /* ... and whether each is match: */
	size_t depth;
	bool deep; /* nested past the cap: no more edits in this file */
};

typedef bool (*netrule_find_fn)(struct netrule_scan *s, const char *line, size_t len,
				struct netrule_span *v);

struct netrule_stack {
	const char *name; /* net_iface.stack */
	netrule_find_fn find;
	/* The config also binds by name, so commenting out its MAC line leaves
	 * it applying to the NIC pinned by driver. */
	bool can_disable;
	/* The MAC inspection found sets the NIC's MAC rather than matching. */
	bool mac_sets;
};

static bool netrule_is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* The same set as netrule_is_ws: a scanner that skipped fewer characters
 * than its token loop stops at would not advance. */
static size_t netrule_skip_ws(const char *line, size_t len, size_t i)
{
	while (i < len && netrule_is_ws(line[i]))
		i++;
	return i;
}

static bool netrule_span_is(const char *line, const struct netrule_span *s, const char *word)
{
	return s->len == strlen(word) && memcmp(line + s->off, word, s->len) == 0;
}

/* One INI line: a [section] header updates s->section; key=value gives
 * the spans of the key and the value (both trimmed). */
static bool netrule_ini_line(struct netrule_scan *s, const char *line, size_t len,
			     struct netrule_span *k, struct netrule_span *v)
{
	size_t i = netrule_skip_ws(line, len, 0), e, eq;
	const char *p;

	if (i == len || line[i] == '#' || line[i] == ';')
		return false;
	if (line[i] == '[') {
		p = memchr(line + i, ']', len - i);
		s->section[0] = '\0';
		if (p && (size_t)(p - line) - i - 1 < sizeof(s->section)) {
			memcpy(s->section, line + i + 1, (size_t)(p - line) - i - 1);
			s->section[(size_t)(p - line) - i - 1] = '\0';
		}
		return false;
	}
	p = memchr(line + i, '=', len - i);
	if (!p)
		return false;
	eq = (size_t)(p - line);
	for (e = eq; e > i && netrule_is_ws(line[e - 1]); e--)
		;
	*k = (struct netrule_span){i, e - i};
	i = netrule_skip_ws(line, len, eq + 1);
	for (e = len; e > i && netrule_is_ws(line[e - 1]); e--)
		;
	*v = (struct netrule_span){i, e - i};
	return v->len > 0;
}

/* systemd-networkd .network and .link: [Match] MACAddress= (a list) and
 * PermanentMACAddress=; [Link] MACAddress= sets the MAC and stays. */
static bool netrule_find_networkd(struct netrule_scan *s, const char *line, size_t len,
				  struct netrule_span *v)
{
	struct netrule_span k;

	if (!netrule_ini_line(s, line, len, &k, v) || strcmp(s->section, "Match") != 0)
		return false;
	return netrule_span_is(line, &k, "MACAddress") ||
	       netrule_span_is(line, &k, "PermanentMACAddress");
}

/* NetworkManager keyfiles: mac-address= of the ethernet setting (either
 * name); cloned-mac-address= sets the MAC and stays. */
static bool netrule_find_nm(struct netrule_scan *s, const char *line, size_t len,
			    struct netrule_span *v)
{
	struct netrule_span k;

	if (!netrule_ini_line(s, line, len, &k, v) ||
	    (strcmp(s->section, "ethernet") != 0 && strcmp(s->section, "802-3-ethernet") != 0))
		return false;
	return netrule_span_is(line, &k, "mac-address");
}

/* ifcfg: HWADDR= (quoted or not, maybe after "export"); MACADDR= and SUSE's
 * LLADDR= set the MAC and stay. */
static bool netrule_find_ifcfg(struct netrule_scan *s, const char *line, size_t len,
			       struct netrule_span *v)
{
	size_t i = netrule_skip_ws(line, len, 0), e;

	if (len - i > 7 && memcmp(line + i, "export", 6) == 0 &&
	    (line[i + 6] == ' ' || line[i + 6] == '\t'))
		i = netrule_skip_ws(line, len, i + 6);
	if (len - i < 7 || memcmp(line + i, "HWADDR=", 7) != 0)
		return false;
	i += 7;
	if (i < len && (line[i] == '"' || line[i] == '\'')) {
		const char *q = memchr(line + i + 1, line[i], len - i - 1);

		if (!q)
			return false;
		*v = (struct netrule_span){i + 1, (size_t)(q - line) - i - 1};
		return v->len > 0;
	}
	for (e = i; e < len && !netrule_is_ws(line[e]) && line[e] != ';' && line[e] != '#'; e++)
		;
	*v = (struct netrule_span){i, e - i};
	return v->len > 0;
}

/* ifupdown: "hwaddress [ether] MAC", the last word. */
static bool netrule_find_ifupdown(struct netrule_scan *s, const char *line, size_t len,
				  struct netrule_span *v)
{
	size_t i = netrule_skip_ws(line, len, 0), b, e;

	if (len - i < 10 || memcmp(line + i, "hwaddress", 9) != 0 || !netrule_is_ws(line[i + 9]))
		return false;
	for (e = len; e > i + 9 && netrule_is_ws(line[e - 1]); e--)
		;
	for (b = e; b > i + 9 && !netrule_is_ws(line[b - 1]); b--)
		;
	*v = (struct netrule_span){b, e - b};
	return v->len > 0;
}

/* A YAML scalar starting at i: the inside of quotes, or up to a space, a
 * comma or a closing brace. */
static bool netrule_yaml_scalar(const char *line, size_t len, size_t i, struct netrule_span *v)
{
	size_t e;

	i = netrule_skip_ws(line, len, i);
	if (i < len && (line[i] == '"' || line[i] == '\'')) {
		const char *q = memchr(line + i + 1, line[i], len - i - 1);

		if (!q)
			return false;
		*v = (struct netrule_span){i + 1, (size_t)(q - line) - i - 1};
		return v->len > 0;
	}
	for (e = i; e < len && !netrule_is_ws(line[e]) && line[e] != ',' && line[e] != '}' &&
		    line[e] != '#';
	     e++)
		;
	*v = (struct netrule_span){i, e - i};
	return v->len > 0;
}

/* "macaddress: X" inside a flow mapping "match: {...}" that starts at i. */
static bool netrule_yaml_flow(const char *line, size_t len, size_t i, struct netrule_span *v)
{
	static const char key[] = "macaddress";
	const size_t kl = sizeof(key) - 1;

	for (; i + kl < len; i++) {
		size_t j = i + kl;

		if (memcmp(line + i, key, kl) != 0 || !strchr("{, \t\"'", line[i - 1]))
			continue;
		if (line[j] == '"' || line[j] == '\'')
			j++;
		j = netrule_skip_ws(line, len, j);
		if (j < len && line[j] == ':')
			return netrule_yaml_scalar(line, len, j + 1, v);
	}
	return false;
}

/*
 * netplan: "macaddress:" directly under "match:" (block or flow style);
 * "macaddress:" beside "match:" sets the MAC and stays. Block keys are
 * tracked by indentation; a sequence item opens nothing.
 */
static bool netrule_find_netplan(struct netrule_scan *s, const char *line, size_t len,
				 struct netrule_span *v)
{
	size_t ind = 0, k0, ke, i;
	struct netrule_span k;

	while (ind < len && line[ind] == ' ')
		ind++;
	if (ind == len || line[ind] == '#' || netrule_is_ws(line[ind]))
		return false;
	while (s->depth && s->indent[s->depth - 1] >= ind)
		s->depth--;
	if (s->deep || line[ind] == '-')
		return false;
	k0 = ind;
	if (line[k0] == '"' || line[k0] == '\'') {
		const char *q = memchr(line + k0 + 1, line[k0], len - k0 - 1);

		if (!q)
			return false;
		k = (struct netrule_span){k0 + 1, (size_t)(q - line) - k0 - 1};
		i = (size_t)(q - line) + 1;
		if (i >= len || line[i] != ':')
			return false;
	} else {
		for (i = k0; i < len; i++)
			if (line[i] == ':' && (i + 1 == len || netrule_is_ws(line[i + 1])))
				break;
		if (i == len)
			return false;
		for (ke = i; ke > k0 && netrule_is_ws(line[ke - 1]); ke--)
			;
		k = (struct netrule_span){k0, ke - k0};
	}
	i++; /* past ':' */
	if (netrule_span_is(line, &k, "macaddress"))
		return s->depth && s->match[s->depth - 1] && netrule_yaml_scalar(line, len, i, v);
	if (netrule_span_is(line, &k, "match")) {
		size_t j = netrule_skip_ws(line, len, i);

		if (j < len && line[j] == '{')
			return netrule_yaml_flow(line, len, j + 1, v);
	}
	if (s->depth == NETRULE_YAML_DEPTH) {
		s->deep = true;
		return false;
	}
	s->indent[s->depth] = ind;
	s->match[s->depth++] = netrule_span_is(line, &k, "match");
	return false;
}

static const struct netrule_stack netrule_stacks[] = {
	{"systemd-networkd", netrule_find_networkd, true, false},
	{"networkmanager", netrule_find_nm, true, false},
	{"ifcfg", netrule_find_ifcfg, true, false},
	{"ifupdown", netrule_find_ifupdown, false, true},
	{"netplan", netrule_find_netplan, false, false},
};

static const struct netrule_stack *netrule_stack(const char *name)
{
	for (size_t i = 0; i < sizeof(netrule_stacks) / sizeof(netrule_stacks[0]); i++)
		if (strcmp(netrule_stacks[i].name, name) == 0)
			return &netrule_stacks[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Editing guest files line by line, byte for byte.                     */

/* Write one line (no newline) to out, edited or not; set *changed. */
typedef int (*netrule_line_fn)(struct netrule *nr, void *ud, const char *line, size_t len,
			       FILE *out, bool *changed);

struct netrule_lines {
	struct netrule *nr;
	netrule_line_fn fn;
	void *ud;
};

/* A netrule_line_fn as a text_rewrite_lines() edit: it always writes. */
static int netrule_line(void *ud, const char *line, size_t len, FILE *out)
{
	struct netrule_lines *l = ud;
	bool changed = false;
	int r = l->fn(l->nr, l->ud, line, len, out, &changed);

	if (r < 0)
		return r;
	return changed ? LINE_CHANGED : LINE_KEPT;
}

/* Read path through the plan, run fn over its lines, plan the result when
 * a line changed. A file that cannot be read or written is a note. */
static int netrule_edit_file(struct netrule *nr, const char *path, netrule_line_fn fn, void *ud,
			     const char *reason)
{
	struct netrule_lines l = {nr, fn, ud};
	const char *buf;
	size_t len, mlen = 0;
	char *mem = NULL;
	int r = plan_read(nr->c->p, path, GUEST_SMALL_FILE, &buf, &len);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return plan_note(nr->c->p, NETRULE, "%s not edited: %s", netrule_safe(nr, path),
				 strerror(-r));
	if (!buf)
		return 0;
	r = text_rewrite_lines(buf, len, netrule_line, &l, &mem, &mlen);
	if (r == 0 && mem) {
		r = plan_write(nr->c->p, path, mem, mlen, 0, NETRULE, reason);
		if (r < 0 && r != -ENOMEM) {
			log_warn(nr->c->ctx, "network: cannot plan %s: %s", path, strerror(-r));
			r = plan_note(nr->c->p, NETRULE, "%s not edited: %s",
				      netrule_safe(nr, path), strerror(-r));
		}
	}
	free(mem);
	return r;
}

struct netrule_cfg_edit {
	const struct netrule_stack *st;
	struct netrule_scan scan;
	const char *path;
	const char *disable; /* comment out lines matching this MAC; NULL:
			      * rewrite every MAC in the map */
};

static int netrule_cfg_line(struct netrule *nr, void *ud, const char *line, size_t len, FILE *out,
			    bool *changed)
{
	struct netrule_cfg_edit *e = ud;
	struct netrule_span v;
	size_t pos = 0, i, te;
	int r;

	if (!e->st->find(&e->scan, line, len, &v)) {
		fwrite(line, 1, len, out);
		return 0;
	}
	/* The value is one MAC or a list of them. Each pass ends past a
	 * non-empty token or at the end, so the loop always advances. */
	for (i = v.off; i < v.off + v.len; i = te) {
		struct netrule_map *m;
		netrule_mac old, mac;

		i = netrule_skip_ws(line, v.off + v.len, i);
		for (te = i; te < v.off + v.len && !netrule_is_ws(line[te]); te++)
			;
		if (te == i)
			break;
		if (!netrule_mac_parse(line + i, te - i, old, NULL))
			continue;
		if (e->disable) {
			if (strcmp(old, e->disable) != 0)
				continue;
			if ((r = netrule_hit(nr, e->path, old)) < 0)
				return r;
			fputs("# morph: matched the old NIC's MAC: ", out);
			fwrite(line, 1, len, out);
			*changed = true;
			return 0;
		}
		m = netrule_map_find(nr, old);
		if (!m || m->conflict)
			continue;
		if ((r = netrule_hit(nr, e->path, old)) < 0)
			return r;
		netrule_mac_like(line + i, te - i, m->mac, mac);
		fwrite(line + pos, 1, i - pos, out);
		fputs(mac, out);
		pos = te;
		*changed = true;
	}
	fwrite(line + pos, 1, len - pos, out);
	return 0;
}

static int netrule_cfg_edit(struct netrule *nr, const struct netrule_stack *st, const char *path,
			    const char *disable, const char *reason)
{
	struct netrule_cfg_edit e = {.st = st, .path = path, .disable = disable};

	return netrule_edit_file(nr, path, netrule_cfg_line, &e, reason);
}

/* ------------------------------------------------------------------ */
/* What the guest configures, and what --nic says.                      */

/* One configured name: a NIC joins nr->ifs, anything else is a note. */
static int netrule_collect_one(struct netrule *nr, const char *file, const char *name)
{
	struct plan *p = nr->c->p;
	const char *dev = NULL, *what = NULL;
	struct netrule_if *f;

	switch (netrule_devname(nr, name, &dev, &what)) {
	case NETRULE_NIC: break;
	case NETRULE_PATTERN:
		return plan_note(
			p, NETRULE,
			"%s matches interface names by the pattern \"%s\"; not pinned: check that "
			"it matches the virtio NIC's name (ens3 on i440fx, enp1s0 on q35)",
			netrule_safe(nr, file), netrule_safe(nr, name));
	case NETRULE_INVALID:
		return plan_note(p, NETRULE,
				 "%s names the interface \"%s\", which is not a valid interface "
				 "name; skipped",
				 netrule_safe(nr, file), netrule_safe(nr, name));
	case NETRULE_VIRTUAL:
		return plan_note(p, NETRULE,
				 "%s (%s) looks like %s, not a NIC; not pinned (the NICs under it "
				 "are pinned by their own names)",
				 netrule_safe(nr, name), netrule_safe(nr, file), what);
	default: return -ENOMEM;
	}
	if (netrule_if_find(nr, dev))
		return 0;
	f = VEC_PUSH(nr->a, nr->ifs);
	if (!f)
		return -ENOMEM;
	f->name = dev;
	return 0;
}

/* Every name the configs give, in inspection order. A name with spaces is
 * networkd's Name= list (inspection joins the assignments): each word is a
 * name of its own. */
static int netrule_collect(struct netrule *nr)
{
	const struct guest *g = nr->c->g;
	int r = 0;

	for (size_t i = 0; i < g->net_ifaces.n && r >= 0; i++) {
		const struct net_iface *ifc = &g->net_ifaces.v[i];
		const char *w = ifc->name;

		while (w && *w && r >= 0) {
			size_t n = strcspn(w, " \t");
			char *word = arena_strndup(nr->a, w, n);

			if (!word)
				return -ENOMEM;
			if (n)
				r = netrule_collect_one(nr, ifc->file, word);
			w += n;
			w += strspn(w, " \t");
		}
	}
	return r < 0 ? r : 0;
}

/* Check --nic (user input, but the library does not trust its caller to
 * have): unicast MACs, no name or MAC twice. */
static int netrule_opts(struct netrule *nr)
{
	const struct convert_opts *o = nr->c->o;
	struct morph_ctx *ctx = nr->c->ctx;

	for (size_t i = 0; o && i < o->nnics; i++) {
		const struct nic_map *n = &o->nics[i];
		const char **slot;
		unsigned char b0 = 0;
		netrule_mac mac;

		if (!n->name || !n->mac || !netrule_mac_parse(n->mac, strlen(n->mac), mac, &b0) ||
		    strchr(n->mac, ';') || (b0 & 1) || strcmp(mac, "00:00:00:00:00:00") == 0) {
			log_err(ctx, "--nic %s=%s: not a unicast MAC address",
				n->name ? n->name : "", n->mac ? n->mac : "");
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			bool same_name = strcmp(o->nics[j].name, n->name) == 0;
			bool same_mac = strcmp(nr->nic_mac.v[j], mac) == 0;

			if (same_name != same_mac) {
				log_err(ctx, "--nic %s=%s and --nic %s=%s contradict each other",
					o->nics[j].name, o->nics[j].mac, n->name, n->mac);
				return -EINVAL;
			}
		}
		slot = VEC_PUSH(nr->a, nr->nic_mac);
		if (!slot || !(*slot = arena_strdup(nr->a, mac)))
			return -ENOMEM;
	}
	return 0;
}

/* Give each configured name its --nic MAC; a --nic for no configured
 * name is a note, not an error (the user may know better). */
static int netrule_assign(struct netrule *nr)
{
	const struct convert_opts *o = nr->c->o;
	int r = 0;

	for (size_t i = 0; o && i < o->nnics && r >= 0; i++) {
		struct netrule_if *f = netrule_if_find(nr, o->nics[i].name);

		if (f)
			f->mac = nr->nic_mac.v[i];
		else
			r = plan_note(nr->c->p, NETRULE,
				      "--nic %s: the guest configures no NIC of that name; ignored",
				      netrule_safe(nr, o->nics[i].name));
	}
	return r;
}

static int netrule_map_add(struct netrule *nr, const char *name, const char *oldmac,
			   const char *mac)
{
	struct netrule_map *m;
	netrule_mac old;

	if (!oldmac || !netrule_mac_parse(oldmac, strlen(oldmac), old, NULL) ||
	    strcmp(old, mac) == 0)
		return 0;
	m = netrule_map_find(nr, old);
	if (m) {
		if (m->conflict || strcmp(m->mac, mac) == 0)
			return 0;
		m->conflict = true;
		return plan_note(nr->c->p, NETRULE,
				 "%s and %s both match the old MAC %s and --nic gives them "
				 "different MACs; configs matching %s are left as they are",
				 m->name, name, old, old);
	}
	m = VEC_PUSH(nr->a, nr->map);
	if (!m)
		return -ENOMEM;
	memcpy(m->old, old, sizeof(m->old));
	memcpy(m->mac, mac, sizeof(m->mac));
	m->name = name;
	return 0;
}

/* Old MAC -> new MAC, from every config and .link pin of a name that --nic
 * gives a MAC for. */
static int netrule_build_map(struct netrule *nr)
{
	const struct guest *g = nr->c->g;
	int r = 0;

	for (size_t i = 0; i < g->net_ifaces.n && r >= 0; i++) {
		const struct net_iface *ifc = &g->net_ifaces.v[i];
		const char *dev = NULL, *what;
		struct netrule_if *f;

		if (!ifc->name || !ifc->mac)
			continue;
		r = netrule_devname(nr, ifc->name, &dev, &what);
		if (r != NETRULE_NIC)
			continue;
		f = netrule_if_find(nr, dev);
		if (f && f->mac)
			r = netrule_map_add(nr, f->name, ifc->mac, f->mac);
	}
	for (size_t i = 0; i < g->net_links.n && r >= 0; i++) {
		const struct net_link *l = &g->net_links.v[i];
		struct netrule_if *f;

		if (strcmp(l->kind, "systemd-link") != 0 || !l->name ||
		    !netrule_name_valid(l->name))
			continue;
		f = netrule_if_find(nr, l->name);
		if (f && f->mac)
			r = netrule_map_add(nr, f->name, l->mac, f->mac);
	}
	return r < 0 ? r : 0;
}

/* ------------------------------------------------------------------ */
/* The pins.                                                            */

/* Plan a morph-owned file: 0 when planned, 1 when not (a note says why). */
static int netrule_write(struct netrule *nr, const char *path, const char *text, const char *reason)
{
	struct gfs_stat st;
	int r;

	/* plan_write follows a symlink: a guest symlink at a path morph owns
	 * would have it replace whatever file it points at. */
	if (gtree_lstat(nr->c->t, path, &st) == 0 && st.type != GFS_REG) {
		r = plan_note(nr->c->p, NETRULE,
			      "%s exists and is not a regular file; not written, so nothing is "
			      "pinned there",
			      path);
		return r < 0 ? r : 1;
	}
	r = plan_write(nr->c->p, path, text, strlen(text), 0644, NETRULE, reason);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		log_warn(nr->c->ctx, "network: cannot plan %s: %s", path, strerror(-r));
		r = plan_note(nr->c->p, NETRULE, "cannot write %s: %s; nothing is pinned there",
			      path, strerror(-r));
		return r < 0 ? r : 1;
	}
	return 0;
}

#define NETRULE_LINK_HEAD                                                                          \
	"# Written by morph: on KVM this NIC is virtio-net and would get a new\n"                  \
	"# name, but the guest's network configuration is written for %s.\n"

static int netrule_pin_link(struct netrule *nr, const struct netrule_if *f)
{
	const char *path, *text, *reason;
	int r;

	path = arena_printf(nr->a, NETRULE_LINK_FMT, f->name);
	if (f->mac) {
		text = arena_printf(nr->a,
				    NETRULE_LINK_HEAD "# The NIC with this MAC keeps that name.\n\n"
						      "[Match]\nMACAddress=%s\n\n[Link]\nName=%s\n",
				    f->name, f->mac, f->name);
		reason = arena_printf(nr->a,
				      "on KVM the NIC gets a new name; the guest's configs are "
				      "written for %s, so the NIC with MAC %s keeps it",
				      f->name, f->mac);
	} else {
		text = arena_printf(
			nr->a,
			NETRULE_LINK_HEAD
			"# It is the only interface configured, so the virtio NIC takes\n"
			"# that name. This matches every virtio NIC: with more than one,\n"
			"# match by MACAddress= instead.\n\n"
			"[Match]\nDriver=virtio_net\n\n[Link]\nName=%s\n",
			f->name, f->name);
		reason = arena_printf(nr->a,
				      "on KVM the NIC gets a new name; %s is the only interface "
				      "the guest configures, so the virtio NIC takes it",
				      f->name);
	}
	if (!path || !text || !reason)
		return -ENOMEM;
	r = netrule_write(nr, path, text, reason);
	if (r != 0)
		return r;
	if (f->mac)
		return plan_note(nr->c->p, NETRULE, "%s -> %s (pinned by MAC in %s)", f->name,
				 f->mac, path);
	nr->driver_pin = f->name;
	return plan_note(nr->c->p, NETRULE,
			 "%s -> the virtio NIC (pinned by driver in %s; this matches any virtio "
			 "NIC, so it suits a VM with one NIC: with more, give --nic %s=MAC)",
			 f->name, path, f->name);
}

/* The udev rules for guests without systemd: one morph-owned file, one
 * line per pinned name. DRIVERS=="?*" and ATTR{type}=="1" as in the rules
 * udev's own generator writes: a VLAN or bond that inherits the NIC's MAC
 * has no driver and must not take its name. */
static int netrule_pin_udev(struct netrule *nr, const struct netrule_if *const *pins, size_t n)
{
	const char *text = "# Written by morph: on KVM the NICs are virtio-net and would get new\n"
			   "# names, but the guest's network configuration is written for the\n"
			   "# names below.\n";
	int r;

	for (size_t i = 0; i < n && text; i++) {
		const struct netrule_if *f = pins[i];

		if (f->mac)
			text = arena_printf(
				nr->a,
				"%sSUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", "
				"ATTR{address}==\"%s\", ATTR{type}==\"1\", NAME=\"%s\"\n",
				text, f->mac, f->name);
		else
			text = arena_printf(
				nr->a,
				"%s# %s is the only interface configured: this matches every "
				"virtio NIC.\n"
				"SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"virtio_net\", "
				"ATTR{type}==\"1\", NAME=\"%s\"\n",
				text, f->name, f->name);
	}
	if (!text)
		return -ENOMEM;
	r = netrule_write(nr, NETRULE_UDEV_PIN, text,
			  "on KVM the NICs get new names; these rules keep the names the guest's "
			  "network configuration is written for");
	if (r != 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (pins[i]->mac) {
			r = plan_note(nr->c->p, NETRULE, "%s -> %s (pinned by MAC in %s)",
				      pins[i]->name, pins[i]->mac, NETRULE_UDEV_PIN);
			continue;
		}
		nr->driver_pin = pins[i]->name;
		r = plan_note(
			nr->c->p, NETRULE,
			"%s -> the virtio NIC (pinned by driver in %s; this matches any virtio "
			"NIC, so it suits a VM with one NIC: with more, give --nic %s=MAC)",
			pins[i]->name, NETRULE_UDEV_PIN, pins[i]->name);
	}
	return r;
}

static int netrule_pins(struct netrule *nr)
{
	const struct netrule_if **pins;
	size_t n = 0;
	int r = 0;

	pins = arena_alloc(nr->a, (nr->ifs.n + 1) * sizeof(*pins));
	if (!pins)
		return -ENOMEM;
	for (size_t i = 0; i < nr->ifs.n && r >= 0; i++) {
		const struct netrule_if *f = &nr->ifs.v[i];

		/* Without a MAC, the driver is a safe match only when one
		 * interface is configured. */
		if (!f->mac && nr->ifs.n > 1) {
			r = plan_note(nr->c->p, NETRULE,
				      "%s is not pinned: %zu interfaces are configured and --nic "
				      "gives no MAC for it (morph's appliance maps NICs in PCI "
				      "order; offline, give --nic %s=MAC)",
				      f->name, nr->ifs.n, f->name);
			continue;
		}
		if (nr->systemd)
			r = netrule_pin_link(nr, f);
		else
			pins[n++] = f;
	}
	if (r >= 0 && n)
		r = netrule_pin_udev(nr, pins, n);
	return r < 0 ? r : 0;
}

/* ------------------------------------------------------------------ */
/* The guest's configs and persistent-net rules.                        */

static bool netrule_seen(struct netrule *nr, const char *path)
{
	for (size_t i = 0; i < nr->edited.n; i++)
		if (strcmp(nr->edited.v[i], path) == 0)
			return true;
	return false;
}

static int netrule_rewrite(struct netrule *nr, const struct netrule_stack *st, const char *path)
{
	const char **slot;

	if (!st || netrule_seen(nr, path))
		return 0;
	slot = VEC_PUSH(nr->a, nr->edited);
	if (!slot)
		return -ENOMEM;
	*slot = path;
	return netrule_cfg_edit(nr, st, path, NULL,
				"the config matches the NIC by the old hypervisor's MAC; --nic "
				"gives the virtio NIC's");
}

static int netrule_configs(struct netrule *nr)
{
	const struct guest *g = nr->c->g;
	int r = 0;

	/* Every config of every stack, named or not: a MAC in the map belongs
	 * to a NIC --nic names, whichever config mentions it. */
	for (size_t i = 0; nr->map.n && i < g->net_ifaces.n && r >= 0; i++)
		r = netrule_rewrite(nr, netrule_stack(g->net_ifaces.v[i].stack),
				    g->net_ifaces.v[i].file);
	for (size_t i = 0; nr->map.n && i < g->net_links.n && r >= 0; i++)
		if (strcmp(g->net_links.v[i].kind, "systemd-link") == 0)
			r = netrule_rewrite(nr, netrule_stack("systemd-networkd"),
					    g->net_links.v[i].file);
	/* Pinned by driver: a config that also binds by name applies once its
	 * stale MAC match is gone. */
	for (size_t i = 0; nr->driver_pin && i < g->net_ifaces.n && r >= 0; i++) {
		const struct net_iface *ifc = &g->net_ifaces.v[i];
		const struct netrule_stack *st = netrule_stack(ifc->stack);
		const char *dev = NULL, *what, *reason;
		netrule_mac old;

		if (!ifc->name || !ifc->mac || !st || !st->can_disable ||
		    !netrule_mac_parse(ifc->mac, strlen(ifc->mac), old, NULL))
			continue;
		r = netrule_devname(nr, ifc->name, &dev, &what);
		if (r != NETRULE_NIC || strcmp(dev, nr->driver_pin) != 0)
			continue;
		reason = arena_printf(nr->a,
				      "the config matches the old hypervisor's NIC by MAC; %s is "
				      "pinned by driver and the config still applies by name",
				      nr->driver_pin);
		r = reason ? netrule_cfg_edit(nr, st, ifc->file, old, reason) : -ENOMEM;
	}
	return r < 0 ? r : 0;
}

/*
 * The ATTR{address}=="..." and NAME="..." (or NAME:=) values of one udev
 * rule line, as spans of the line; false without a NAME. The scan stops at
 * a comment or an unquoted value (udev quotes every value it writes).
 */
static bool netrule_udev_parse(const char *line, size_t len, struct netrule_span *mac,
			       struct netrule_span *name)
{
	size_t i = 0;

	*mac = *name = (struct netrule_span){0, 0};
	while (i < len) {
		size_t k, ke, op, ope, ve;
		const char *q;

		while (i < len && (netrule_is_ws(line[i]) || line[i] == ','))
			i++;
		if (i >= len || line[i] == '#')
			break;
		for (k = i; i < len && !strchr("=!+-:", line[i]) && !netrule_is_ws(line[i]); i++)
			;
		ke = i;
		i = netrule_skip_ws(line, len, i);
		for (op = i; i < len && strchr("=!+-:", line[i]); i++)
			;
		ope = i;
		i = netrule_skip_ws(line, len, i);
		if (i >= len || line[i] != '"' || op == ope)
			break;
		q = memchr(line + i + 1, '"', len - i - 1);
		if (!q)
			break;
		ve = (size_t)(q - line);
		if (ke - k == 13 && memcmp(line + k, "ATTR{address}", 13) == 0 && ope - op == 2 &&
		    memcmp(line + op, "==", 2) == 0)
			*mac = (struct netrule_span){i + 1, ve - i - 1};
		else if (ke - k == 4 && memcmp(line + k, "NAME", 4) == 0 &&
			 ((ope - op == 1 && line[op] == '=') ||
			  (ope - op == 2 && memcmp(line + op, ":=", 2) == 0)))
			*name = (struct netrule_span){i + 1, ve - i - 1};
		i = ve + 1;
	}
	return name->len > 0;
}

static int netrule_udev_line(struct netrule *nr, void *ud, const char *line, size_t len, FILE *out,
			     bool *changed)
{
	struct netrule_span ms, ns;
	const struct netrule_if *f = NULL, *owner;
	netrule_mac old, mac;
	char name[NETRULE_NAME_MAX + 1];

	if (!netrule_udev_parse(line, len, &ms, &ns) || ms.len == 0 ||
	    !netrule_mac_parse(line + ms.off, ms.len, old, NULL)) {
		fwrite(line, 1, len, out);
		return 0;
	}
	if (ns.len <= NETRULE_NAME_MAX) {
		memcpy(name, line + ns.off, ns.len);
		name[ns.len] = '\0';
		f = netrule_if_find(nr, name);
	}
	owner = netrule_if_by_mac(nr, old);
	if (f && f->mac && strcmp(old, f->mac) != 0) {
		/* Pins a configured name to its old MAC: the new one. */
		netrule_mac_like(line + ms.off, ms.len, f->mac, mac);
		fwrite(line, 1, ms.off, out);
		fputs(mac, out);
		fwrite(line + ms.off + ms.len, 1, len - ms.off - ms.len, out);
		*changed = true;
		return 0;
	}
	if (f && !f->mac) {
		/* Keeps the name for a NIC that is gone: the new NIC would be
		 * named eth1 (or not get the name the driver pin gives). */
		fprintf(out, "# morph: disabled, pins %s to the old NIC: ", f->name);
		fwrite(line, 1, len, out);
		*changed = true;
		return plan_note(nr->c->p, NETRULE,
				 "%s: the persistent-net rule pinning it to the old NIC's MAC is "
				 "commented out in %s",
				 f->name, NETRULE_UDEV_RULES);
	}
	if (owner && owner != f) {
		/* Gives a new NIC another name, after (and over) morph's rule. */
		const char *other = arena_strndup(nr->a, line + ns.off, ns.len);

		if (!other)
			return -ENOMEM;
		fprintf(out, "# morph: disabled, %s has this MAC now: ", owner->name);
		fwrite(line, 1, len, out);
		*changed = true;
		return plan_note(nr->c->p, NETRULE,
				 "%s: a rule in %s named the NIC with MAC %s \"%s\"; commented out",
				 owner->name, NETRULE_UDEV_RULES, owner->mac,
				 netrule_safe(nr, other));
	}
	fwrite(line, 1, len, out);
	return 0;
}

static int netrule_udev_rules(struct netrule *nr)
{
	if (!nr->ifs.n)
		return 0;
	return netrule_edit_file(
		nr, NETRULE_UDEV_RULES, netrule_udev_line, NULL,
		"the persistent-net rules pin interface names to the old hypervisor's NICs by MAC");
}

/* Notes for the configs that still match an old MAC. */
static int netrule_leftovers(struct netrule *nr)
{
	const struct guest *g = nr->c->g;
	int r = 0;

	for (size_t i = 0; i < g->net_ifaces.n && r >= 0; i++) {
		const struct net_iface *ifc = &g->net_ifaces.v[i];
		const struct netrule_stack *st = netrule_stack(ifc->stack);
		const char *dev = NULL, *what, *file = netrule_safe(nr, ifc->file);
		const struct netrule_map *m;
		netrule_mac old;

		if (!ifc->mac || !netrule_mac_parse(ifc->mac, strlen(ifc->mac), old, NULL) ||
		    netrule_is_new_mac(nr, old) || netrule_was_hit(nr, ifc->file, old))
			continue;
		m = netrule_map_find(nr, old);
		if (m && m->conflict)
			continue;
		if (m) {
			r = plan_note(nr->c->p, NETRULE,
				      "%s names the MAC %s where morph does not change it (a "
				      "setting that sets the MAC rather than matching it, or a "
				      "layout it does not edit); left as it is",
				      file, old);
			continue;
		}
		if (!ifc->name) {
			r = plan_note(nr->c->p, NETRULE,
				      "%s matches its NIC by the MAC %s alone; left as it is: it "
				      "does not apply on KVM unless the NIC keeps that MAC",
				      file, old);
			continue;
		}
		r = netrule_devname(nr, ifc->name, &dev, &what);
		if (r != NETRULE_NIC)
			continue;
		r = plan_note(nr->c->p, NETRULE,
			      st && st->mac_sets
				      ? "%s: %s sets the old NIC's MAC %s on the NIC; give --nic "
					"%s=MAC to update it"
				      : "%s: %s matches the NIC by the old MAC %s and does not "
					"apply on KVM until it is updated; give --nic %s=MAC",
			      dev, file, old, dev);
	}
	return r < 0 ? r : 0;
}

int rule_network(struct convert *c)
{
	struct netrule nr = {.c = c};
	int r;

	if (!c->g->os_type || strcmp(c->g->os_type, "linux") != 0)
		return 0;
	r = arena_new(&nr.a);
	if (r < 0)
		return r;
	nr.systemd = c->g->init_system && strcmp(c->g->init_system, "systemd") == 0;
	r = netrule_opts(&nr);
	if (r == 0)
		r = netrule_collect(&nr);
	if (r == 0)
		r = netrule_assign(&nr);
	if (r == 0)
		r = netrule_build_map(&nr);
	if (r == 0)
		r = netrule_pins(&nr);
	if (r == 0)
		r = netrule_configs(&nr);
	if (r == 0)
		r = netrule_udev_rules(&nr);
	if (r == 0)
		r = netrule_leftovers(&nr);
	log_debug(c->ctx, "network: %zu NIC names, %zu MACs to rewrite, %s pins", nr.ifs.n,
		  nr.map.n, nr.systemd ? ".link" : "udev");
	arena_free(nr.a);
	return r;
}
