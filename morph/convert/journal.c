/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "convert/journal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static const char *const kind_names[] = {
	[FK_ABSENT] = "absent",
	[FK_FILE] = "file",
	[FK_SYMLINK] = "symlink",
	[FK_DIR] = "dir",
};

const char *fkind_name(enum fkind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "absent";
}

static int kind_parse(const char *s, enum fkind *ret)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*ret = (enum fkind)i;
			return 0;
		}
	return -EUCLEAN;
}

void fstate_sha(const struct fstate *s, char out[SHA256_HEX_LEN + 1])
{
	/* Memoised: the JSON plan and both manifests (apply writes one before
	 * and one after) ask for the same digests, and an initramfs is tens of
	 * MiB: hashing it six times was a quarter of a convert's CPU, several
	 * seconds under TCG. The memo is keyed by the content's pointer and
	 * length, so a replaced content is hashed again. */
	struct fstate *m = (struct fstate *)s;

	if (s->kind != FK_FILE && s->kind != FK_SYMLINK) {
		strcpy(out, "-");
		return;
	}
	if (!m->sha[0] || m->sha_data != s->data || m->sha_len != s->len) {
		sha256_hex(s->data, s->len, m->sha);
		m->sha_data = s->data;
		m->sha_len = s->len;
	}
	memcpy(out, m->sha, SHA256_HEX_LEN + 1);
}

static void put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p == '%' || *p >= 0x7f)
			fprintf(f, "%%%02x", *p);
		else
			fputc(*p, f);
	}
}

int journal_format(const struct plan *p, const char *run_id, bool complete,
		   const char *const *created_dirs, size_t ncreated, char **ret, size_t *len)
{
	char *out = NULL;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);

	if (!f)
		return -ENOMEM;
	fprintf(f, "morph-journal 1\nrun %s\nstate %s\n", run_id,
		complete ? "complete" : "applying");
	for (size_t i = 0; i < ncreated; i++) {
		fputs("created-dir ", f);
		put_escaped(f, created_dirs[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < p->actions.n; i++) {
		const struct action *a = &p->actions.v[i];
		char sb[SHA256_HEX_LEN + 1], sa[SHA256_HEX_LEN + 1];

		if (!action_changes(a))
			continue;
		fstate_sha(&a->before, sb);
		fstate_sha(&a->after, sa);
		fprintf(f, "action %zu %s %s %o %u %u %s %s ", i, fkind_name(a->before.kind),
			fkind_name(a->after.kind),
			a->before.kind != FK_ABSENT ? a->before.mode : a->after.mode,
			a->before.kind != FK_ABSENT ? a->before.uid : a->after.uid,
			a->before.kind != FK_ABSENT ? a->before.gid : a->after.gid, sb, sa);
		put_escaped(f, a->path);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(out);
		return -ENOMEM;
	}
	*ret = out;
	*len = olen;
	return 0;
}

static char *unescape(struct arena *a, const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = arena_alloc(a, n + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			unsigned v;

			if (i + 2 >= n + 0 || !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]) ||
			    sscanf(s + i + 1, "%2x", &v) != 1 || v == 0)
				return NULL;
			out[o++] = (char)v;
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

static bool valid_sha(const char *s)
{
	if (strcmp(s, "-") == 0)
		return true;
	if (strlen(s) != SHA256_HEX_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

int journal_parse(struct arena *a, const char *buf, size_t len, struct journal *ret)
{
	struct journal j = {0};
	struct line_iter it;
	const char *line;
	size_t llen;
	bool header = false, have_state = false;

	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		char *f[10] = {0};
		size_t n = text_fields(a, line, llen, f, 10);

		if (n == 0)
			continue;
		if (!header) {
			if (n != 2 || strcmp(f[0], "morph-journal") != 0 || strcmp(f[1], "1") != 0)
				return -EUCLEAN;
			header = true;
		} else if (strcmp(f[0], "run") == 0 && n == 2) {
			j.run_id = f[1];
		} else if (strcmp(f[0], "state") == 0 && n == 2) {
			j.complete = strcmp(f[1], "complete") == 0;
			have_state = true;
		} else if (strcmp(f[0], "created-dir") == 0 && n == 2) {
			const char **slot = VEC_PUSH(a, j.created_dirs);

			if (!slot || !(*slot = unescape(a, f[1])) || (*slot)[0] != '/')
				return -EUCLEAN;
		} else if (strcmp(f[0], "action") == 0 && n == 10) {
			struct jentry *e = VEC_PUSH(a, j.entries);
			char *end;

			if (!e)
				return -ENOMEM;
			e->index = strtoul(f[1], &end, 10);
			if (*end || kind_parse(f[2], &e->before) < 0 ||
			    kind_parse(f[3], &e->after) < 0)
				return -EUCLEAN;
			e->mode = (unsigned)strtoul(f[4], &end, 8);
			if (*end || e->mode > 07777)
				return -EUCLEAN;
			e->uid = (unsigned)strtoul(f[5], &end, 10);
			if (*end)
				return -EUCLEAN;
			e->gid = (unsigned)strtoul(f[6], &end, 10);
			if (*end || !valid_sha(f[7]) || !valid_sha(f[8]))
				return -EUCLEAN;
			strcpy(e->sha_before, f[7]);
			strcpy(e->sha_after, f[8]);
			e->path = unescape(a, f[9]);
			if (!e->path || e->path[0] != '/' || strstr(e->path, "/../"))
				return -EUCLEAN;
		} else {
			return -EUCLEAN;
		}
	}
	if (!header || !have_state || !j.run_id)
		return -EUCLEAN;
	*ret = j;
	return 0;
}
