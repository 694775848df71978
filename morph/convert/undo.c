/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * morph undo: put back what the newest convert run changed, from its journal.
 *
 * Every path is checked before anything is written: a path that holds what
 * convert wrote is restored; one that already holds the original is left; any
 * other content means someone changed it after the run, and undo refuses
 * (naming the files) unless forced. Saved originals are verified against
 * their checksums first, so a damaged journal restores nothing.
 */
#include "convert/convert.h"
#include "convert/journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct runs {
	struct arena *a;
	const char *newest;
};

static int pick_newest(void *ud, const char *name, enum gfs_type type)
{
	struct runs *r = ud;

	if (type != GFS_DIR || name[0] == '.')
		return 0;
	if (!r->newest || strcmp(name, r->newest) > 0)
		r->newest = arena_strdup(r->a, name);
	return 0;
}

/* The state path holds now, with content (for checksums). */
static int current_state(struct arena *a, struct gtree *t, const char *path, struct fstate *st)
{
	struct gfs_stat s;
	char *buf = NULL;
	size_t len = 0;
	int r = gtree_lstat(t, path, &s);

	memset(st, 0, sizeof(*st));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	st->mode = s.mode;
	st->uid = s.uid;
	st->gid = s.gid;
	if (s.type == GFS_DIR) {
		st->kind = FK_DIR;
		return 0;
	}
	if (s.type == GFS_LNK) {
		st->kind = FK_SYMLINK;
		r = gtree_readlink(t, path, &buf);
		len = buf ? strlen(buf) : 0;
	} else if (s.type == GFS_REG) {
		st->kind = FK_FILE;
		r = gtree_read(t, path, JOURNAL_MAX_MANIFEST, &buf, &len);
	} else {
		st->kind = FK_FILE; /* compares unequal to anything we wrote */
		st->data = "";
		return 0;
	}
	if (r < 0)
		return r;
	st->data = arena_strndup(a, buf, len);
	st->len = len;
	free(buf);
	return st->data ? 0 : -ENOMEM;
}

static bool state_matches(const struct fstate *st, enum fkind kind, const char *sha)
{
	char cur[SHA256_HEX_LEN + 1];

	if (st->kind != kind)
		return false;
	fstate_sha(st, cur);
	return strcmp(cur, sha) == 0;
}

int convert_undo(struct gtree *t, struct morph_ctx *ctx, bool force, struct undo_result *res)
{
	struct runs runs = {0};
	struct journal j;
	struct fstate *orig = NULL, *cur = NULL;
	bool *todo = NULL;
	char path[GFS_MAX_PATH], *buf = NULL;
	size_t len, conflicts = 0;
	int r;

	memset(res, 0, sizeof(*res));
	r = arena_new(&runs.a);
	if (r < 0)
		return r;
	r = gtree_readdir(t, JOURNAL_ROOT, pick_newest, &runs);
	if (r == -ENOENT || (r == 0 && !runs.newest)) {
		log_err(ctx, "no morph journal in the guest (%s): nothing to undo", JOURNAL_ROOT);
		r = -ENOENT;
		goto out;
	}
	if (r < 0)
		goto out;
	snprintf(path, sizeof(path), JOURNAL_ROOT "/%s/manifest", runs.newest);
	r = gtree_read(t, path, JOURNAL_MAX_MANIFEST, &buf, &len);
	if (r == 0)
		r = journal_parse(runs.a, buf, len, &j);
	if (r < 0) {
		log_err(ctx, "the journal %s is unreadable or damaged: %s", path, strerror(-r));
		r = r == -ENOMEM ? r : -EUCLEAN;
		goto out;
	}
	res->run_id = strdup(j.run_id);
	orig = calloc(j.entries.n + 1, sizeof(*orig));
	cur = calloc(j.entries.n + 1, sizeof(*cur));
	todo = calloc(j.entries.n + 1, sizeof(*todo));
	if (!orig || !cur || !todo || !res->run_id) {
		r = -ENOMEM;
		goto out;
	}
	/* Load and verify the originals; check every path. */
	for (size_t i = 0; i < j.entries.n; i++) {
		const struct jentry *e = &j.entries.v[i];

		orig[i] = (struct fstate){
			.kind = e->before, .mode = e->mode, .uid = e->uid, .gid = e->gid};
		if (e->before == FK_FILE || e->before == FK_SYMLINK) {
			char *saved;
			size_t slen;

			snprintf(path, sizeof(path), JOURNAL_ROOT "/%s/files/%zu", runs.newest,
				 e->index);
			r = gtree_read(t, path, JOURNAL_MAX_MANIFEST, &saved, &slen);
			if (r < 0) {
				log_err(ctx, "the journal's copy of %s (%s) is missing: %s",
					e->path, path, strerror(-r));
				r = -EUCLEAN;
				goto out;
			}
			orig[i].data = arena_strndup(runs.a, saved, slen);
			orig[i].len = slen;
			free(saved);
			if (!orig[i].data) {
				r = -ENOMEM;
				goto out;
			}
			if (!state_matches(&orig[i], e->before, e->sha_before)) {
				log_err(ctx,
					"the journal's copy of %s does not match its checksum; "
					"refusing",
					e->path);
				r = -EUCLEAN;
				goto out;
			}
		}
		r = current_state(runs.a, t, e->path, &cur[i]);
		if (r < 0)
			goto out;
		if (state_matches(&cur[i], e->after, e->sha_after)) {
			todo[i] = true;
		} else if (state_matches(&cur[i], e->before, e->sha_before)) {
			todo[i] = false; /* already the original */
		} else {
			log_err(ctx, "%s was changed after morph convert (run %s)%s", e->path,
				j.run_id, force ? "; restoring it anyway (--force)" : "");
			conflicts++;
			todo[i] = true;
		}
	}
	if (conflicts && !force) {
		log_err(ctx,
			"undo refused: %zu file(s) changed since the run; use --force to restore "
			"the originals anyway",
			conflicts);
		res->conflicts = conflicts;
		r = -ESTALE;
		goto out;
	}
	/* Restore, newest change first. */
	for (size_t i = j.entries.n; i-- > 0;) {
		const struct jentry *e = &j.entries.v[i];

		if (!todo[i])
			continue;
		r = apply_state(t, e->path, &cur[i], &orig[i]);
		if (r < 0) {
			log_err(ctx, "cannot restore %s: %s", e->path, strerror(-r));
			goto out;
		}
		res->restored++;
	}
	/* The journal goes too: its saved files, by the indices it lists. */
	for (size_t i = 0; i < j.entries.n; i++) {
		snprintf(path, sizeof(path), JOURNAL_ROOT "/%s/files/%zu", runs.newest,
			 j.entries.v[i].index);
		gtree_unlink(t, path);
	}
	r = journal_remove(t, runs.newest, 0, j.created_dirs.v, j.created_dirs.n);
	if (r == 0)
		r = gtree_sync(t);
out:
	free(buf);
	free(orig);
	free(cur);
	free(todo);
	arena_free(runs.a);
	return r;
}
