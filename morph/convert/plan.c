/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "convert/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files rules may edit: fstab with 100,000 lines fits comfortably. */
#define PLAN_MAX_FILE  (64u * 1024 * 1024)
#define PLAN_MAX_NOTES 32

int plan_new(struct gtree *t, struct plan **ret)
{
	struct plan *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	r = arena_new(&p->arena);
	if (r < 0) {
		free(p);
		return r;
	}
	p->tree = t;
	*ret = p;
	return 0;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	arena_free(p->arena);
	free(p);
}

static bool fstate_equal(const struct fstate *a, const struct fstate *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == FK_FILE || a->kind == FK_SYMLINK)
		return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
	return true;
}

bool action_changes(const struct action *a)
{
	return !fstate_equal(&a->before, &a->after);
}

size_t plan_count(const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->actions.n; i++)
		n += action_changes(&p->actions.v[i]);
	return n;
}

/* Split "/a/b/c" into "/a/b" and "c" (arena copies). */
static int split(struct arena *a, const char *path, char **dir, char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash || !slash[1])
		return -EINVAL;
	*dir = arena_strndup(a, path, slash == path ? 1 : (size_t)(slash - path));
	*base = arena_strdup(a, slash + 1);
	return *dir && *base ? 0 : -ENOMEM;
}

/*
 * The canonical guest path for path: symlinks in the directories resolved
 * (inside the guest), the last component followed only when follow is set.
 * Directories that do not exist yet are kept as written.
 */
static int canon(struct plan *p, const char *path, bool follow, char **ret)
{
	char *dir, *base, *c = NULL, *out;
	int r;

	if (path[0] != '/')
		return -EINVAL;
	if (follow) {
		r = gtree_realpath(p->tree, path, &c);
		if (r == 0) {
			out = arena_strdup(p->arena, c);
			free(c);
			if (!out)
				return -ENOMEM;
			*ret = out;
			return 0;
		}
		if (r != -ENOENT)
			return r;
	}
	r = split(p->arena, path, &dir, &base);
	if (r < 0)
		return r;
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	if (strcmp(dir, "/") == 0) {
		out = arena_printf(p->arena, "/%s", base);
	} else {
		char *cdir;

		r = canon(p, dir, true, &cdir);
		if (r < 0)
			return r;
		out = arena_printf(p->arena, "%s/%s", strcmp(cdir, "/") ? cdir : "", base);
	}
	if (!out)
		return -ENOMEM;
	*ret = out;
	return 0;
}

static struct action *find(struct plan *p, const char *cpath)
{
	for (size_t i = 0; i < p->actions.n; i++)
		if (strcmp(p->actions.v[i].path, cpath) == 0)
			return &p->actions.v[i];
	return NULL;
}

/* What cpath (canonical, not followed) holds in the guest now. */
static int capture(struct plan *p, const char *cpath, struct fstate *st)
{
	struct gfs_stat s;
	char *buf = NULL;
	size_t len = 0;
	int r = gtree_lstat(p->tree, cpath, &s);

	memset(st, 0, sizeof(*st));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	st->mode = s.mode;
	st->uid = s.uid;
	st->gid = s.gid;
	switch (s.type) {
	case GFS_REG:
		st->kind = FK_FILE;
		/* Read by plan_read already (nothing is written while
		 * planning): the same bytes, not a second copy. */
		for (size_t i = 0; i < p->reads.n; i++)
			if (strcmp(p->reads.v[i].path, cpath) == 0) {
				st->data = p->reads.v[i].data;
				st->len = p->reads.v[i].len;
				return 0;
			}
		r = gtree_read(p->tree, cpath, PLAN_MAX_FILE, &buf, &len);
		break;
	case GFS_LNK:
		st->kind = FK_SYMLINK;
		r = gtree_readlink(p->tree, cpath, &buf);
		len = buf ? strlen(buf) : 0;
		break;
	case GFS_DIR: st->kind = FK_DIR; return 0;
	default: return -EINVAL; /* a device node or FIFO where a file goes */
	}
	if (r < 0)
		return r;
	/* gtree_read's buffer is NUL-terminated like an arena string: kept
	 * as it is (an initramfs is tens of MiB). */
	r = arena_adopt(p->arena, buf);
	if (r < 0)
		return r;
	st->data = buf;
	st->len = len;
	return 0;
}

static int get_action(struct plan *p, const char *cpath, struct action **ret)
{
	struct action *a = find(p, cpath);
	int r;

	if (!a) {
		struct fstate before;

		r = capture(p, cpath, &before);
		if (r < 0)
			return r;
		a = VEC_PUSH(p->arena, p->actions);
		if (!a)
			return -ENOMEM;
		a->path = cpath;
		a->before = before;
		a->after = before;
	}
	*ret = a;
	return 0;
}

static int add_reason(struct plan *p, struct action *a, const char *rule, const char *reason)
{
	const char **r1, **r2;
	bool have_rule = false;

	for (size_t i = 0; i < a->rules.n; i++)
		have_rule |= strcmp(a->rules.v[i], rule) == 0;
	if (!have_rule) {
		r1 = VEC_PUSH(p->arena, a->rules);
		if (!r1)
			return -ENOMEM;
		*r1 = rule;
	}
	for (size_t i = 0; i < a->reasons.n; i++)
		if (strcmp(a->reasons.v[i], reason) == 0)
			return 0;
	r2 = VEC_PUSH(p->arena, a->reasons);
	if (!r2 || !(*r2 = arena_strdup(p->arena, reason)))
		return -ENOMEM;
	return 0;
}

/* Plan the directories above cpath that do not exist yet. */
static int ensure_parents(struct plan *p, const char *cpath, const char *rule)
{
	char *dir, *base;
	struct action *a;
	int r = split(p->arena, cpath, &dir, &base);

	if (r < 0 || strcmp(dir, "/") == 0)
		return r;
	r = ensure_parents(p, dir, rule);
	if (r < 0)
		return r;
	r = get_action(p, dir, &a);
	if (r < 0)
		return r;
	if (a->after.kind == FK_DIR)
		return 0;
	if (a->after.kind != FK_ABSENT)
		return -ENOTDIR;
	a->after = (struct fstate){.kind = FK_DIR, .mode = 0755};
	return add_reason(p, a, rule, "directory for the files below");
}

int plan_read(struct plan *p, const char *path, size_t max, const char **data, size_t *len)
{
	struct action *a;
	char *cpath;
	int r = canon(p, path, true, &cpath);

	if (r < 0)
		return r;
	a = find(p, cpath);
	if (a) {
		*data = a->after.kind == FK_FILE ? a->after.data : NULL;
		*len = a->after.kind == FK_FILE ? a->after.len : 0;
		return 0;
	}
	{
		char *buf;
		size_t l;

		r = gtree_read(p->tree, cpath, max, &buf, &l);
		if (r == -ENOENT) {
			*data = NULL;
			*len = 0;
			return 0;
		}
		if (r < 0)
			return r;
		r = arena_adopt(p->arena, buf);
		if (r < 0)
			return r;
		{
			struct plan_read_cache *c = VEC_PUSH(p->arena, p->reads);

			if (!c)
				return -ENOMEM;
			*c = (struct plan_read_cache){cpath, buf, l};
		}
		*data = buf;
		*len = l;
		return 0;
	}
}

/* The action for a file or symlink about to be planned at path (the last
 * component followed or not), with its missing parents planned. */
static int target_action(struct plan *p, const char *path, bool follow, const char *rule,
			 struct action **ret)
{
	char *cpath;
	int r = canon(p, path, follow, &cpath);

	if (r == 0)
		r = ensure_parents(p, cpath, rule);
	if (r == 0)
		r = get_action(p, cpath, ret);
	if (r == 0 && (*ret)->after.kind == FK_DIR)
		r = -EISDIR;
	return r;
}

/* plan_write with content the arena already owns. */
static int write_owned(struct plan *p, const char *path, const char *data, size_t len,
		       uint32_t mode, const char *rule, const char *reason)
{
	struct action *a;
	int r = target_action(p, path, true, rule, &a);

	if (r < 0)
		return r;
	a->after = (struct fstate){
		.kind = FK_FILE,
		.data = data,
		.len = len,
		.mode = a->before.kind == FK_FILE ? a->before.mode : (mode ? mode : 0644),
		.uid = a->before.kind == FK_FILE ? a->before.uid : 0,
		.gid = a->before.kind == FK_FILE ? a->before.gid : 0,
	};
	return add_reason(p, a, rule, reason);
}

int plan_write(struct plan *p, const char *path, const char *data, size_t len, uint32_t mode,
	       const char *rule, const char *reason)
{
	char *copy = arena_strndup(p->arena, data, len);

	return copy ? write_owned(p, path, copy, len, mode, rule, reason) : -ENOMEM;
}

int plan_write_take(struct plan *p, const char *path, char *data, size_t len, uint32_t mode,
		    const char *rule, const char *reason)
{
	int r = arena_adopt(p->arena, data);

	return r < 0 ? r : write_owned(p, path, data, len, mode, rule, reason);
}

int plan_symlink(struct plan *p, const char *path, const char *target, const char *rule,
		 const char *reason)
{
	struct action *a;
	char *copy;
	int r = target_action(p, path, false, rule, &a);

	if (r < 0)
		return r;
	copy = arena_strdup(p->arena, target);
	if (!copy)
		return -ENOMEM;
	a->after = (struct fstate){
		.kind = FK_SYMLINK, .data = copy, .len = strlen(copy), .mode = 0777};
	return add_reason(p, a, rule, reason);
}

int plan_remove(struct plan *p, const char *path, const char *rule, const char *reason)
{
	struct action *a;
	char *cpath;
	int r = canon(p, path, false, &cpath);

	if (r < 0)
		return r;
	r = get_action(p, cpath, &a);
	if (r < 0)
		return r;
	if (a->after.kind == FK_DIR)
		return -EISDIR;
	if (a->after.kind == FK_ABSENT)
		return 0;
	a->after = (struct fstate){.kind = FK_ABSENT};
	return add_reason(p, a, rule, reason);
}

int plan_note(struct plan *p, const char *rule, const char *fmt, ...)
{
	struct plan_note *n;
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* The same fact found twice (e.g. one device in two files) once; and
	 * a rule gets PLAN_MAX_NOTES notes, then one saying more were cut
	 * (a 100,000-line fstab must not yield 100,000 notes). */
	{
		size_t from_rule = 0;

		for (size_t i = 0; i < p->notes.n; i++) {
			if (strcmp(p->notes.v[i].rule, rule) != 0)
				continue;
			if (strcmp(p->notes.v[i].text, buf) == 0)
				return 0;
			from_rule++;
		}
		if (from_rule > PLAN_MAX_NOTES)
			return 0;
		if (from_rule == PLAN_MAX_NOTES)
			snprintf(buf, sizeof(buf), "further notes of this rule left out");
	}
	n = VEC_PUSH(p->arena, p->notes);
	if (!n)
		return -ENOMEM;
	n->rule = rule;
	n->text = arena_strdup(p->arena, buf);
	return n->text ? 0 : -ENOMEM;
}
