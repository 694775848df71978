/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The undo journal, kept inside the guest:
 *
 *   /var/lib/morph/<run-id>/manifest      what changed, with checksums
 *   /var/lib/morph/<run-id>/files/<n>     the original of action n
 *
 * The manifest is text, one record per line:
 *
 *   morph-journal 1
 *   run <run-id>
 *   state applying|complete
 *   created-dir <path>          (journal directories convert made)
 *   action <n> <before> <after> <mode> <uid> <gid> <sha-before> <sha-after> <path>
 *
 * <before>/<after> are absent|file|symlink|dir; a checksum is the SHA-256
 * of the file content or symlink target, "-" for absent and directories;
 * <path> is percent-encoded (bytes <= 0x20, '%', >= 0x7f).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "convert/plan.h"
#include "util/sha256.h"

#define JOURNAL_ROOT	     "/var/lib/morph"
#define JOURNAL_MAX_MANIFEST (64u * 1024 * 1024)

struct jentry {
	size_t index;
	enum fkind before, after;
	unsigned mode, uid, gid;
	char sha_before[SHA256_HEX_LEN + 1];
	char sha_after[SHA256_HEX_LEN + 1];
	const char *path;
};

struct journal {
	const char *run_id;
	bool complete;
	VEC(const char *) created_dirs;
	VEC(struct jentry) entries;
};

const char *fkind_name(enum fkind k);
/* SHA-256 hex of a state's content ("-" for absent and directories). */
void fstate_sha(const struct fstate *s, char out[SHA256_HEX_LEN + 1]);

/* The manifest text for the plan's changing actions (malloc'ed). */
int journal_format(const struct plan *p, const char *run_id, bool complete,
		   const char *const *created_dirs, size_t ncreated, char **ret, size_t *len);
/* Parse a manifest (guest data: every field checked). -EUCLEAN if bad. */
int journal_parse(struct arena *a, const char *buf, size_t len, struct journal *ret);
