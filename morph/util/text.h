/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small bounded parsers for the text formats guests keep their settings in:
 * lines, whitespace fields, shell-style KEY=value files (os-release, ifcfg,
 * /etc/default/grub, sysconfig) and INI files (systemd units, .network,
 * NetworkManager keyfiles). Every input is guest bytes: nothing here trusts a
 * length, a quote or a terminator.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/arena.h"

struct line_iter {
	const char *p, *end;
	size_t lineno;
};

void line_iter_init(struct line_iter *it, const char *buf, size_t len);
/* Next line without its newline; false at the end. */
bool line_iter_next(struct line_iter *it, const char **line, size_t *len);

/*
 * Rewrite text line by line. edit() sees each line without its newline and
 * either writes the line's replacement to out (returning LINE_CHANGED, or
 * LINE_KEPT when what it wrote is the line as it was) or writes nothing
 * (LINE_PASS: the line is copied), or fails with a negative errno, which
 * stops the rewrite and is returned. Newlines are kept as they were, a
 * missing final one too. *ret (malloc'ed, caller frees) gets the text when
 * some line changed, NULL otherwise.
 */
enum { LINE_PASS = 0, LINE_KEPT, LINE_CHANGED };
typedef int (*line_edit_fn)(void *ud, const char *line, size_t len, FILE *out);
int text_rewrite_lines(const char *buf, size_t len, line_edit_fn edit, void *ud, char **ret,
		       size_t *retlen);

/* Split a line into at most max whitespace-separated fields (arena copies).
 * Returns the number of fields. */
size_t text_fields(struct arena *a, const char *line, size_t len, char **out, size_t max);

/* True when s starts with prefix. */
bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);

struct kv {
	const char *key;
	const char *value;
	size_t lineno;
};

typedef VEC(struct kv) kv_list;

/*
 * Shell-style assignments: KEY=value, KEY="value", KEY='value', optional
 * "export ", comments and blank lines skipped, backslash escapes inside double
 * quotes. Lines that are not assignments are ignored. A later key wins in
 * kv_get, as in the shell.
 */
int kv_parse_shell(struct arena *a, const char *buf, size_t len, kv_list *ret);
const char *kv_get(const kv_list *l, const char *key);

struct ini_entry {
	const char *section;
	const char *key;
	const char *value;
	size_t lineno;
};

typedef VEC(struct ini_entry) ini_list;

/* INI: [Section] headers, key=value (spaces around '=' trimmed), '#' and ';'
 * comments. */
int ini_parse(struct arena *a, const char *buf, size_t len, ini_list *ret);
/* Last value of section/key, or NULL. */
const char *ini_get(const ini_list *l, const char *section, const char *key);

/*
 * Find "name=" as a whole word in a kernel command line and copy its value
 * (arena). Returns NULL when absent. For "quiet"-style flags use
 * cmdline_has_flag.
 */
const char *cmdline_get(struct arena *a, const char *cmdline, const char *name);
bool cmdline_has_flag(const char *cmdline, const char *name);
