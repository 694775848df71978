/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small JSON reader for morph's own reports (inspect --json, convert
 * --json). morph escapes every guest string, but the reader still treats
 * its input as untrusted: recursion depth and node count are capped, every
 * read is bounded by len, and invalid input is -EINVAL, never a crash.
 */
#include "init.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct jp {
	const char *s;
	size_t len, pos;
	long nodes;
};

static void ws(struct jp *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static bool lit(struct jp *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return false;
	p->pos += n;
	return true;
}

static int hex4(struct jp *p, unsigned *ret)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp == 0)
		cp = 0xfffd; /* keep strings NUL-terminated and whole */
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* At the opening quote; *ret is malloc'd. An escape never grows the text
 * (\uXXXX is 6 bytes in, at most 4 out), so the raw length bounds the output. */
static int string(struct jp *p, char **ret)
{
	size_t start = ++p->pos, end = start;
	char *out, *o;

	while (end < p->len && p->s[end] != '"') {
		if (p->s[end] == '\\')
			end++;
		end++;
	}
	if (end >= p->len)
		return -EINVAL;
	o = out = malloc(end - start + 1);
	if (!out)
		return -ENOMEM;
	while (p->pos < end) {
		unsigned char c = (unsigned char)p->s[p->pos++];
		unsigned cp, lo;

		if (c < 0x20)
			goto bad;
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		c = (unsigned char)p->s[p->pos++];
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (hex4(p, &cp))
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p->pos >= 6 &&
			    p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
				size_t save = p->pos;

				p->pos += 2;
				if (!hex4(p, &lo) && lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				else
					p->pos = save;
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd; /* a lone surrogate */
			o += put_utf8(o, cp);
			break;
		default: goto bad;
		}
	}
	*o = '\0';
	p->pos = end + 1;
	*ret = out;
	return 0;
bad:
	free(out);
	return -EINVAL;
}

static int value(struct jp *p, int depth, struct jv **ret);

/* Members or elements up to the closing bracket; at the opening one. */
static int container(struct jp *p, int depth, struct jv *v, char close)
{
	struct jv **tail = &v->child;
	int r;

	p->pos++;
	ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		struct jv *c;

		ws(p);
		if (close == '}') {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return -EINVAL;
			r = string(p, &key);
			if (r)
				return r;
			ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				return -EINVAL;
			}
			p->pos++;
		}
		r = value(p, depth + 1, &c);
		if (r) {
			free(key);
			return r;
		}
		c->key = key;
		*tail = c;
		tail = &c->next;
		ws(p);
		if (p->pos >= p->len)
			return -EINVAL;
		if (p->s[p->pos] == close) {
			p->pos++;
			return 0;
		}
		if (p->s[p->pos] != ',')
			return -EINVAL;
		p->pos++;
	}
}

static int number(struct jp *p, struct jv *v)
{
	char buf[64];
	size_t n = 0;
	char *end;

	while (p->pos < p->len && n < sizeof(buf) - 1 && strchr("+-0123456789.eE", p->s[p->pos]))
		buf[n++] = p->s[p->pos++];
	buf[n] = '\0';
	if (!n)
		return -EINVAL;
	v->num = strtod(buf, &end);
	return *end ? -EINVAL : 0;
}

static int value(struct jp *p, int depth, struct jv **ret)
{
	struct jv *v;
	int r = 0;

	if (depth > JSON_READ_MAX_DEPTH || ++p->nodes > JSON_READ_MAX_NODES)
		return -E2BIG;
	ws(p);
	if (p->pos >= p->len)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	switch (p->s[p->pos]) {
	case '{':
		v->type = J_OBJ;
		r = container(p, depth, v, '}');
		break;
	case '[':
		v->type = J_ARR;
		r = container(p, depth, v, ']');
		break;
	case '"':
		v->type = J_STR;
		r = string(p, &v->str);
		break;
	case 't':
	case 'f':
		v->type = J_BOOL;
		v->b = p->s[p->pos] == 't';
		r = lit(p, v->b ? "true" : "false") ? 0 : -EINVAL;
		break;
	case 'n':
		v->type = J_NULL;
		r = lit(p, "null") ? 0 : -EINVAL;
		break;
	default:
		v->type = J_NUM;
		r = number(p, v);
		break;
	}
	if (r) {
		jv_free(v);
		return r;
	}
	*ret = v;
	return 0;
}

int jv_parse(const char *text, size_t len, struct jv **ret)
{
	struct jp p = {.s = text, .len = len};
	struct jv *v;
	int r;

	r = value(&p, 0, &v);
	if (r)
		return r;
	ws(&p);
	if (p.pos != p.len) {
		jv_free(v);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* Iterative over siblings, recursive over children: depth is capped at parse. */
void jv_free(struct jv *v)
{
	while (v) {
		struct jv *next = v->next;

		jv_free(v->child);
		free(v->key);
		free(v->str);
		free(v);
		v = next;
	}
}

const struct jv *jv_get(const struct jv *v, const char *key)
{
	if (!v || v->type != J_OBJ)
		return NULL;
	for (const struct jv *c = v->child; c; c = c->next)
		if (c->key && !strcmp(c->key, key))
			return c;
	return NULL;
}

const char *jv_str(const struct jv *v)
{
	return v && v->type == J_STR ? v->str : NULL;
}

int jv_len(const struct jv *v)
{
	int n = 0;

	if (!v || v->type != J_ARR)
		return 0;
	for (const struct jv *c = v->child; c; c = c->next)
		n++;
	return n;
}
