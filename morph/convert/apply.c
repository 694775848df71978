/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Carrying out a plan: journal first, then each action atomically, then mark
 * the journal complete.
 *
 * Order and failure: (1) the originals and a manifest in state "applying"
 * are written to /var/lib/morph/<run-id>/ -- if that fails nothing of the
 * guest was touched and the partial journal is removed; (2) each action is
 * applied with an atomic primitive (file replace, symlink made beside and
 * renamed over, unlink, mkdir); if one fails, those already applied are put
 * back in reverse order and the journal removed; (3) the manifest is
 * rewritten as "complete". A crash between (1) and (3) leaves a journal in
 * state "applying" whose checksums tell undo which files are old and which
 * new.
 */
#include "convert/convert.h"
#include "convert/journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct gfs_attr journal_attr = {0700, 0, 0, false};
static const struct gfs_attr journal_file_attr = {0600, 0, 0, false};

/* Make state s at path (atomically where the backend allows). */
int apply_state(struct gtree *t, const char *path, const struct fstate *cur, const struct fstate *s)
{
	struct gfs_attr attr = {s->mode, s->uid, s->gid, cur->kind == FK_FILE};
	int r = 0;

	switch (s->kind) {
	case FK_FILE:
		if (cur->kind == FK_SYMLINK || cur->kind == FK_DIR) {
			r = cur->kind == FK_DIR ? gtree_rmdir(t, path) : gtree_unlink(t, path);
			attr.keep_from_existing = false;
		}
		if (r == 0)
			r = gtree_write(t, path, s->data, s->len, &attr);
		return r;
	case FK_SYMLINK: {
		char tmp[GFS_MAX_PATH + 32];

		if (cur->kind == FK_DIR)
			return -EISDIR;
		snprintf(tmp, sizeof(tmp), "%s.morph-new", path);
		gtree_unlink(t, tmp);
		r = gtree_symlink(t, s->data, tmp, &attr);
		if (r == 0)
			r = gtree_rename(t, tmp, path);
		if (r < 0)
			gtree_unlink(t, tmp);
		return r;
	}
	case FK_DIR:
		if (cur->kind == FK_DIR)
			return 0;
		if (cur->kind != FK_ABSENT)
			return -EEXIST;
		attr.mode = s->mode ? s->mode : 0755;
		return gtree_mkdir(t, path, &attr);
	case FK_ABSENT:
	default:
		if (cur->kind == FK_ABSENT)
			return 0;
		return cur->kind == FK_DIR ? gtree_rmdir(t, path) : gtree_unlink(t, path);
	}
}

/* Remove the journal of run_id and the journal directories convert made. */
int journal_remove(struct gtree *t, const char *run_id, size_t nfiles, const char *const *created,
		   size_t ncreated)
{
	char path[GFS_MAX_PATH];
	int r;

	for (size_t i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), JOURNAL_ROOT "/%s/files/%zu", run_id, i);
		gtree_unlink(t, path);
	}
	snprintf(path, sizeof(path), JOURNAL_ROOT "/%s/manifest", run_id);
	gtree_unlink(t, path);
	snprintf(path, sizeof(path), JOURNAL_ROOT "/%s/files", run_id);
	gtree_rmdir(t, path);
	snprintf(path, sizeof(path), JOURNAL_ROOT "/%s", run_id);
	r = gtree_rmdir(t, path);
	for (size_t i = ncreated; i-- > 0;)
		gtree_rmdir(t, created[i]);
	return r == -ENOENT ? 0 : r;
}

static int write_manifest(struct plan *p, const char *run_id, bool complete,
			  const char *const *created, size_t ncreated)
{
	char path[GFS_MAX_PATH], *buf;
	size_t len;
	int r = journal_format(p, run_id, complete, created, ncreated, &buf, &len);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), JOURNAL_ROOT "/%s/manifest", run_id);
	r = gtree_write(p->tree, path, buf, len, &journal_file_attr);
	free(buf);
	return r;
}

int plan_apply(struct plan *p, struct morph_ctx *ctx, const char *run_id)
{
	static const char *const parents[] = {"/var", "/var/lib", JOURNAL_ROOT};
	const char *created[3];
	size_t ncreated = 0, applied = 0;
	char path[GFS_MAX_PATH];
	struct gtree *t = p->tree;
	int r = 0;

	if (plan_count(p) == 0)
		return 0;
	/* (1) the journal */
	for (size_t i = 0; i < 3 && r == 0; i++) {
		if (gtree_is_dir(t, parents[i]))
			continue;
		r = gtree_mkdir(t, parents[i], &journal_attr);
		if (r == 0)
			created[ncreated++] = parents[i];
	}
	snprintf(path, sizeof(path), JOURNAL_ROOT "/%s", run_id);
	if (r == 0)
		r = gtree_mkdir(t, path, &journal_attr);
	snprintf(path, sizeof(path), JOURNAL_ROOT "/%s/files", run_id);
	if (r == 0)
		r = gtree_mkdir(t, path, &journal_attr);
	for (size_t i = 0; i < p->actions.n && r == 0; i++) {
		const struct action *a = &p->actions.v[i];

		if (!action_changes(a) ||
		    (a->before.kind != FK_FILE && a->before.kind != FK_SYMLINK))
			continue;
		snprintf(path, sizeof(path), JOURNAL_ROOT "/%s/files/%zu", run_id, i);
		r = gtree_write(t, path, a->before.data, a->before.len, &journal_file_attr);
	}
	if (r == 0)
		r = write_manifest(p, run_id, false, created, ncreated);
	if (r == 0)
		r = gtree_sync(t);
	if (r < 0) {
		log_err(ctx, "cannot write the undo journal in %s/%s: %s; nothing was changed",
			JOURNAL_ROOT, run_id, strerror(-r));
		journal_remove(t, run_id, p->actions.n, created, ncreated);
		return r;
	}
	/* (2) the changes */
	for (; applied < p->actions.n; applied++) {
		const struct action *a = &p->actions.v[applied];

		if (!action_changes(a))
			continue;
		r = apply_state(t, a->path, &a->before, &a->after);
		if (r < 0) {
			log_err(ctx, "cannot change %s: %s; putting back what was changed", a->path,
				strerror(-r));
			break;
		}
	}
	if (r < 0) {
		int rr = 0;

		while (applied-- > 0) {
			const struct action *a = &p->actions.v[applied];

			if (action_changes(a)) {
				int x = apply_state(t, a->path, &a->after, &a->before);

				if (x < 0 && rr == 0)
					rr = x;
			}
		}
		if (rr == 0)
			journal_remove(t, run_id, p->actions.n, created, ncreated);
		else
			log_err(ctx,
				"could not put everything back (%s); the journal %s/%s stays for "
				"'morph undo'",
				strerror(-rr), JOURNAL_ROOT, run_id);
		gtree_sync(t);
		return r;
	}
	/* (3) done */
	r = write_manifest(p, run_id, true, created, ncreated);
	if (r == 0)
		r = gtree_sync(t);
	if (r < 0)
		log_err(ctx,
			"the changes are made but the journal could not be marked complete: %s",
			strerror(-r));
	return r;
}
