/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The conversion plan: an ordered list of actions, one per guest path, each
 * saying what the path holds before and after and why.
 *
 * Rules never write the guest. They read through the plan (plan_read sees
 * the edits earlier rules planned) and record changes (plan_write,
 * plan_symlink, plan_remove). Changes to one path merge into one action; an
 * action whose after-state equals its before-state is dropped, so a rule that
 * finds nothing to do leaves no trace and a second convert plans nothing.
 * apply.c carries the plan out; undo.c reverses it from the journal.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/gfs.h"
#include "util/arena.h"
#include "util/sha256.h"

enum fkind {
	FK_ABSENT = 0,
	FK_FILE,
	FK_SYMLINK,
	FK_DIR,
};

struct fstate {
	enum fkind kind;
	const char *data; /* file content, or symlink target (NUL-terminated) */
	size_t len;
	uint32_t mode, uid, gid;
	/* fstate_sha()'s memo: the digest of (sha_data, sha_len), "" until
	 * asked; not part of the state's value. */
	const char *sha_data;
	size_t sha_len;
	char sha[SHA256_HEX_LEN + 1];
};

struct action {
	const char *path; /* canonical guest path */
	struct fstate before, after;
	VEC(const char *) rules;   /* which rules touched it */
	VEC(const char *) reasons; /* why, one per change */
};

/* Something the plan reports without changing a file (a mapping, a choice,
 * a reason nothing was done). */
struct plan_note {
	const char *rule;
	const char *text;
};

struct plan_read_cache {
	const char *path; /* canonical */
	const char *data;
	size_t len;
};

struct plan {
	struct arena *arena;
	struct gtree *tree;
	VEC(struct action) actions;
	VEC(struct plan_note) notes;
	/* Files plan_read took from the guest: the action a later write makes
	 * starts from these bytes instead of reading the file again. */
	VEC(struct plan_read_cache) reads;
};

int plan_new(struct gtree *t, struct plan **ret);
void plan_free(struct plan *p);

/*
 * The content path would have after the changes planned so far (following
 * symlinks inside the guest). *data is NULL when the file does not exist (or
 * will not). Borrowed from the plan; NUL-terminated. Files larger than max
 * give -EFBIG.
 */
int plan_read(struct plan *p, const char *path, size_t max, const char **data, size_t *len);

/* Plan path (symlinks followed) to hold data. A new file gets mode 0644
 * root:root unless mode says otherwise; an existing one keeps its mode, owner
 * and extended attributes. Missing parent directories are planned too. */
int plan_write(struct plan *p, const char *path, const char *data, size_t len, uint32_t mode,
	       const char *rule, const char *reason);
/* plan_write taking data (malloc'd, len + 1 bytes with data[len] == '\0'),
 * which the plan frees: no copy of a large file. Freed on failure too. */
int plan_write_take(struct plan *p, const char *path, char *data, size_t len, uint32_t mode,
		    const char *rule, const char *reason);
/* Plan a symlink at path (not followed) pointing at target. */
int plan_symlink(struct plan *p, const char *path, const char *target, const char *rule,
		 const char *reason);
/* Plan path (not followed) to be removed: a file or a symlink. */
int plan_remove(struct plan *p, const char *path, const char *rule, const char *reason);
/* Record a note. */
int plan_note(struct plan *p, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Actions that really change something (after merging). */
size_t plan_count(const struct plan *p);
bool action_changes(const struct action *a);
