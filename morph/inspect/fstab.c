/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's /etc/fstab, and naming its devices: which of the volumes found
 * on the input disks a spec (UUID=, LABEL=, PARTUUID=, /dev/sda2,
 * /dev/disk/by-uuid/...) refers to.
 */
#include "inspect/inspect.h"
#include "util/text.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* fstab escapes spaces and the like as \ooo octal. */
static char *unescape(struct arena *a, const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = arena_alloc(a, n + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n + 1 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			char c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
					(s[i + 3] - '0'));

			if (c) {
				out[o++] = c;
				i += 3;
				continue;
			}
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

int fstab_parse(struct guest *g, const char *buf, size_t len)
{
	struct line_iter it;
	const char *line;
	size_t llen;

	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		char *f[6] = {0};
		struct guest_mount *m;
		size_t n, i = 0;

		while (i < llen && isspace((unsigned char)line[i]))
			i++;
		if (i == llen || line[i] == '#')
			continue;
		n = text_fields(g->arena, line, llen, f, 6);
		if (n < 2) {
			guest_warn(g, "/etc/fstab line %zu has fewer than 2 fields; ignored",
				   it.lineno);
			continue;
		}
		m = VEC_PUSH(g->arena, g->mounts);
		if (!m)
			return -ENOMEM;
		m->spec = unescape(g->arena, f[0]);
		m->mountpoint = unescape(g->arena, f[1]);
		m->fstype = n > 2 ? f[2] : NULL;
		m->options = n > 3 ? f[3] : NULL;
		m->lineno = it.lineno;
		m->volume = -1;
		if (!m->spec || !m->mountpoint)
			return -ENOMEM;
	}
	return 0;
}

/* "sda2" style names: letter(s) index the disk, digits the partition. */
static int by_kernel_name(const struct guest *g, const char *name)
{
	static const char *const prefixes[] = {"sd", "hd", "vd", "xvd"};
	int disk = -1, part = 0;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		const char *p = name + pl;

		if (strncmp(name, prefixes[i], pl) != 0 || !islower((unsigned char)*p))
			continue;
		/* One letter only: sdaa and beyond are not guessed. */
		disk = *p - 'a';
		p++;
		if (islower((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p) && part < 10000)
			part = part * 10 + (*p++ - '0');
		if (*p)
			return -1;
		break;
	}
	if (disk < 0) {
		/* nvme<ctrl>n<ns>p<part> */
		unsigned c, ns, pn;
		char tail;
		int k = sscanf(name, "nvme%un%up%u%c", &c, &ns, &pn, &tail);

		if (k != 3 || c > 64)
			return -1;
		disk = (int)c;
		part = (int)pn;
	}
	for (size_t i = 0; i < g->volumes.n; i++) {
		const struct guest_volume *v = &g->volumes.v[i];

		if (v->disk_index == disk && v->vol.partno == part)
			return (int)i;
	}
	return -1;
}

int fstab_resolve_spec(const struct guest *g, const char *spec)
{
	static const struct {
		const char *prefix;
		size_t field; /* 0 uuid, 1 label, 2 partuuid, 3 partlabel */
	} tags[] = {
		{"UUID=", 0},	   {"/dev/disk/by-uuid/", 0},
		{"LABEL=", 1},	   {"/dev/disk/by-label/", 1},
		{"PARTUUID=", 2},  {"/dev/disk/by-partuuid/", 2},
		{"PARTLABEL=", 3}, {"/dev/disk/by-partlabel/", 3},
	};

	if (!spec)
		return -1;
	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
		const char *want;
		size_t wl;

		if (!str_startswith(spec, tags[t].prefix))
			continue;
		want = spec + strlen(tags[t].prefix);
		wl = strlen(want);
		if (wl >= 2 && want[0] == '"' && want[wl - 1] == '"') {
			want++;
			wl -= 2;
		}
		for (size_t i = 0; i < g->volumes.n; i++) {
			const struct volume *v = &g->volumes.v[i].vol;
			const char *have = tags[t].field == 0	? v->uuid
					   : tags[t].field == 1 ? v->label
					   : tags[t].field == 2 ? v->partuuid
								: v->partlabel;

			if (*have && strlen(have) == wl &&
			    (tags[t].field == 1 || tags[t].field == 3
				     ? strncmp(have, want, wl) == 0
				     : strncasecmp(have, want, wl) == 0))
				return (int)i;
		}
		return -1;
	}
	if (str_startswith(spec, "/dev/")) {
		int v = by_kernel_name(g, spec + 5);

		if (v >= 0)
			return v;
	}
	/* A directory input's fstab line whose mounted volume was probed. */
	for (size_t i = 0; i < g->mounts.n; i++)
		if (g->mounts.v[i].volume >= 0 && strcmp(g->mounts.v[i].spec, spec) == 0)
			return g->mounts.v[i].volume;
	return -1;
}
