/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unified diffs for the dry-run plan. Myers' O((N+M)D) algorithm over lines,
 * keeping one V vector per edit step to walk the path back; conversion edits
 * touch few lines, so D stays small even on a 100,000-line fstab. Past
 * DIFF_MAX_D steps the whole file is shown as replaced.
 */
#include "util/diff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_MAX_D 1000
#define CONTEXT	   3

struct lines {
	const char **p;
	size_t *len;
	size_t n;
};

static int split_lines(const char *s, size_t len, struct lines *l)
{
	size_t n = 0, cap = 0;

	l->p = NULL;
	l->len = NULL;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - s) + 1 : len;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			const char **np = realloc(l->p, ncap * sizeof(*np));
			size_t *nlen;

			if (!np)
				return -ENOMEM;
			l->p = np;
			nlen = realloc(l->len, ncap * sizeof(*nlen));
			if (!nlen)
				return -ENOMEM;
			l->len = nlen;
			cap = ncap;
		}
		l->p[n] = s + i;
		l->len[n] = e - i;
		n++;
		i = e;
	}
	l->n = n;
	return 0;
}

static bool same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

/* ops: for each output step, '=' keep, '-' delete from a, '+' insert from b. */
static int myers(const struct lines *a, const struct lines *b, char **ops, size_t *nops)
{
	size_t total = a->n + b->n;
	long n = (long)a->n, m = (long)b->n, max = n + m, off = max + 1;
	long dmax = max < DIFF_MAX_D ? max : DIFF_MAX_D;
	long *v, **trace;
	long d, found = -1;
	char *out;
	size_t k_out;

	v = calloc((size_t)(2 * max + 3), sizeof(*v));
	trace = calloc((size_t)dmax + 1, sizeof(*trace));
	if (!v || !trace) {
		free(v);
		free(trace);
		return -ENOMEM;
	}
	for (d = 0; d <= dmax && found < 0; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x, y;

			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < n && y < m && same(a, (size_t)x, b, (size_t)y)) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= n && y >= m)
				found = d;
			if (found >= 0)
				break;
		}
		/* Keep only the diagonals -d..d this step could reach. */
		trace[d] = malloc((size_t)(2 * d + 1) * sizeof(long));
		if (!trace[d]) {
			found = -2;
			break;
		}
		memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof(long));
	}
	if (found < 0) {
		/* Too different (or out of memory): delete all, insert all. */
		out = malloc(total + 1);
		if (out) {
			memset(out, '-', (size_t)n);
			memset(out + n, '+', total - (size_t)n);
		}
		*ops = out;
		*nops = total;
		for (long i = 0; i <= dmax; i++)
			free(trace[i]);
		free(trace);
		free(v);
		return out ? 0 : -ENOMEM;
	}
	/* Walk back from (n, m) to (0, 0), writing ops from the end. */
	out = malloc(total + 1);
	if (!out) {
		for (long i = 0; i <= found; i++)
			free(trace[i]);
		free(trace);
		free(v);
		return -ENOMEM;
	}
	k_out = total;
	{
		long x = n, y = m;

		for (d = found; d >= 0; d--) {
			long k = x - y, pk, px, py;

			if (d == 0) {
				while (x > 0 && y > 0) {
					out[--k_out] = '=';
					x--;
					y--;
				}
				break;
			}
			{
				/* trace[d - 1][j] is diagonal j - (d - 1). */
				long *vp = trace[d - 1] + (d - 1);

				if (k == -d || (k != d && vp[k - 1] < vp[k + 1]))
					pk = k + 1;
				else
					pk = k - 1;
				px = vp[pk];
				py = px - pk;
			}
			while (x > px && y > py) {
				out[--k_out] = '=';
				x--;
				y--;
			}
			out[--k_out] = x > px ? '-' : '+';
			x = px;
			y = py;
		}
	}
	memmove(out, out + k_out, total - k_out);
	*nops = total - k_out;
	*ops = out;
	for (long i = 0; i <= found; i++)
		free(trace[i]);
	free(trace);
	free(v);
	return 0;
}

/* Guest lines go to a terminal: control characters other than tab are
 * shown as '?' so a hostile file cannot drive it. */
static void put_line(FILE *f, char c, const char *s, size_t len)
{
	fputc(c, f);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		fputc((ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f ? '?' : ch, f);
	}
	if (!len || s[len - 1] != '\n')
		fputs("\n\\ No newline at end of file\n", f);
}

/* "l,s" as diff -u writes it: ",s" left out when s is 1; an empty range
 * names the line before it. */
static void put_range(FILE *f, size_t start, size_t count)
{
	if (count == 1)
		fprintf(f, "%zu", start + 1);
	else
		fprintf(f, "%zu,%zu", count ? start + 1 : start, count);
}

int diff_unified(FILE *f, const char *name_a, const char *name_b, const char *a, size_t alen,
		 const char *b, size_t blen)
{
	struct lines la = {0}, lb = {0};
	char *ops = NULL;
	size_t nops = 0;
	int r;

	r = split_lines(a ? a : "", a ? alen : 0, &la);
	if (r == 0)
		r = split_lines(b ? b : "", b ? blen : 0, &lb);
	if (r == 0)
		r = myers(&la, &lb, &ops, &nops);
	if (r < 0)
		goto out;
	fprintf(f, "--- %s\n+++ %s\n", name_a, name_b);
	/* Hunks: runs of changes with CONTEXT lines around, merged when close. */
	{
		size_t i = 0, ai = 0, bi = 0;

		while (i < nops) {
			size_t start, end, j, as, bs, ac = 0, bc = 0, x, y;

			while (i < nops && ops[i] == '=') {
				i++;
				ai++;
				bi++;
			}
			if (i >= nops)
				break;
			start = i >= CONTEXT ? i - CONTEXT : 0;
			/* Extend while the next change is within 2*CONTEXT. */
			end = i;
			for (j = i; j < nops; j++) {
				if (ops[j] != '=') {
					end = j + 1;
					continue;
				}
				if (j - end >= 2 * CONTEXT)
					break;
			}
			end = end + CONTEXT < nops ? end + CONTEXT : nops;
			/* Line numbers at the hunk start. */
			as = ai - (i - start);
			bs = bi - (i - start);
			for (j = start; j < end; j++) {
				ac += ops[j] != '+';
				bc += ops[j] != '-';
			}
			fputs("@@ -", f);
			put_range(f, as, ac);
			fputs(" +", f);
			put_range(f, bs, bc);
			fputs(" @@\n", f);
			x = as;
			y = bs;
			for (j = start; j < end; j++) {
				if (ops[j] == '=') {
					put_line(f, ' ', la.p[x], la.len[x]);
					x++;
					y++;
				} else if (ops[j] == '-') {
					put_line(f, '-', la.p[x], la.len[x]);
					x++;
				} else {
					put_line(f, '+', lb.p[y], lb.len[y]);
					y++;
				}
			}
			ai = x;
			bi = y;
			i = end;
		}
	}
out:
	free(ops);
	free(la.p);
	free(la.len);
	free(lb.p);
	free(lb.len);
	return r;
}
