/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void line_iter_init(struct line_iter *it, const char *buf, size_t len)
{
	it->p = buf;
	it->end = buf + len;
	it->lineno = 0;
}

bool line_iter_next(struct line_iter *it, const char **line, size_t *len)
{
	const char *nl;

	if (it->p >= it->end)
		return false;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	*line = it->p;
	*len = (size_t)((nl ? nl : it->end) - it->p);
	it->p = nl ? nl + 1 : it->end;
	it->lineno++;
	return true;
}

int text_rewrite_lines(const char *buf, size_t len, line_edit_fn edit, void *ud, char **ret,
		       size_t *retlen)
{
	struct line_iter it;
	const char *line;
	size_t llen, mlen = 0;
	char *mem = NULL;
	bool changed = false;
	FILE *f = open_memstream(&mem, &mlen);
	int r = 0;

	if (!f)
		return -ENOMEM;

	line_iter_init(&it, buf, len);
	while (r == 0 && line_iter_next(&it, &line, &llen)) {
		int e = edit(ud, line, llen, f);

		if (e < 0)
			r = e;
		else if (e == LINE_PASS)
			fwrite(line, 1, llen, f);
		changed |= e == LINE_CHANGED;
		if (line + llen < buf + len)
			fputc('\n', f);
	}
	if (ferror(f) && r == 0)
		r = -ENOMEM;
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(mem);
		return r;
	}
	if (!changed) {
		free(mem);
		mem = NULL;
	}
	*ret = mem;
	*retlen = changed ? mlen : 0;
	return 0;
}

size_t text_fields(struct arena *a, const char *line, size_t len, char **out, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		size_t start;

		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && !isspace((unsigned char)line[i]))
			i++;
		out[n] = arena_strndup(a, line + start, i - start);
		if (!out[n])
			break;
		n++;
	}
	return n;
}

bool str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_endswith(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static bool is_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Decode one shell word (quotes, escapes) from [p, end) into out, which has
 * room for end - p bytes plus a NUL. Stops at unquoted whitespace or '#'. */
static void shell_word(const char *p, const char *end, char *out)
{
	char q = 0;
	size_t o = 0;

	for (; p < end; p++) {
		char c = *p;

		if (!q && (c == '"' || c == '\'')) {
			q = c;
			continue;
		}
		if (q && c == q) {
			q = 0;
			continue;
		}
		if (!q && (c == ' ' || c == '\t' || c == '\r' || c == '#' || c == ';'))
			break;
		if (c == '\\' && q != '\'' && p + 1 < end) {
			char n = p[1];

			/* Inside double quotes only these are escapes. */
			if (!q || n == '"' || n == '\\' || n == '$' || n == '`') {
				c = n;
				p++;
			}
		}
		out[o++] = c;
	}
	out[o] = '\0';
}

int kv_parse_shell(struct arena *a, const char *buf, size_t len, kv_list *ret)
{
	struct line_iter it;
	const char *line;
	size_t llen;

	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		const char *p = skip_space(line, line + llen), *end = line + llen;
		const char *k;
		struct kv *kv;
		char *key, *val;

		if (p < end && *p == '#')
			continue;
		if ((size_t)(end - p) > 7 && memcmp(p, "export ", 7) == 0)
			p = skip_space(p + 7, end);
		k = p;
		while (p < end && is_key_char(*p))
			p++;
		if (p == k || p >= end || *p != '=')
			continue;
		key = arena_strndup(a, k, (size_t)(p - k));
		p++;
		val = arena_alloc(a, (size_t)(end - p) + 1);
		if (!key || !val)
			return -ENOMEM;
		shell_word(p, end, val);
		kv = VEC_PUSH(a, *ret);
		if (!kv)
			return -ENOMEM;
		kv->key = key;
		kv->value = val;
		kv->lineno = it.lineno;
	}
	return 0;
}

const char *kv_get(const kv_list *l, const char *key)
{
	for (size_t i = l->n; i-- > 0;)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

static void trim_span(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

int ini_parse(struct arena *a, const char *buf, size_t len, ini_list *ret)
{
	const char *section = "";
	struct line_iter it;
	const char *line;
	size_t llen;

	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		const char *s = line, *e = line + llen, *eq;
		struct ini_entry *ent;

		trim_span(&s, &e);
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			const char *close = memchr(s, ']', (size_t)(e - s));

			if (!close)
				continue;
			section = arena_strndup(a, s + 1, (size_t)(close - s - 1));
			if (!section)
				return -ENOMEM;
			continue;
		}
		eq = memchr(s, '=', (size_t)(e - s));
		if (!eq)
			continue;
		ent = VEC_PUSH(a, *ret);
		if (!ent)
			return -ENOMEM;
		{
			const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;

			trim_span(&ks, &ke);
			trim_span(&vs, &ve);
			ent->section = section;
			ent->key = arena_strndup(a, ks, (size_t)(ke - ks));
			ent->value = arena_strndup(a, vs, (size_t)(ve - vs));
			ent->lineno = it.lineno;
			if (!ent->key || !ent->value)
				return -ENOMEM;
		}
	}
	return 0;
}

const char *ini_get(const ini_list *l, const char *section, const char *key)
{
	for (size_t i = l->n; i-- > 0;)
		if (strcmp(l->v[i].section, section) == 0 && strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

/* Start of the next whitespace-separated word of a command line whose name
 * part equals name; *vlen gets the value's length (after '='). */
static const char *cmdline_find(const char *cmdline, const char *name, bool want_value,
				size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = cmdline;

	while (*p) {
		const char *w, *we;

		while (*p && isspace((unsigned char)*p))
			p++;
		w = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		we = p;
		if ((size_t)(we - w) < nlen || memcmp(w, name, nlen) != 0)
			continue;
		if (want_value && w + nlen < we && w[nlen] == '=') {
			*vlen = (size_t)(we - (w + nlen + 1));
			return w + nlen + 1;
		}
		if (!want_value && w + nlen == we)
			return w;
	}
	return NULL;
}

const char *cmdline_get(struct arena *a, const char *cmdline, const char *name)
{
	const char *v, *last = NULL;
	size_t vlen = 0, lastlen = 0;
	const char *p = cmdline;

	/* The kernel honours the last occurrence. */
	while ((v = cmdline_find(p, name, true, &vlen))) {
		last = v;
		lastlen = vlen;
		p = v + vlen;
	}
	if (!last)
		return NULL;
	if (lastlen >= 2 && last[0] == '"' && last[lastlen - 1] == '"') {
		last++;
		lastlen -= 2;
	}
	return arena_strndup(a, last, lastlen);
}

bool cmdline_has_flag(const char *cmdline, const char *name)
{
	return cmdline_find(cmdline, name, false, NULL) != NULL;
}
