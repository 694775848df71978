/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel module dependencies through libkmod, over a copy of a guest's
 * module indexes (modules.dep.bin, modules.alias.bin, modules.builtin.bin,
 * modules.softdep, ...) in a host directory.
 *
 * libkmod was written for the running system's own, trusted indexes; a
 * guest's are hostile (a crafted trie can loop or point anywhere). So the
 * lookups run in a child process under a CPU and time limit, which writes
 * its answer to a pipe; the parent checks every line it reads back. A child
 * that crashes or hangs is -EUCLEAN ("the indexes are unusable"), never a
 * crash of morph.
 */
#pragma once

#include <stddef.h>

#include "ctx.h"

#define MODDEPS_MAX 1024 /* modules in one closure */

enum moddep_kind {
	MODDEP_MODULE,	/* a module file: rel is its path under the directory */
	MODDEP_BUILTIN, /* built into the kernel: nothing to load */
	MODDEP_ABSENT,	/* neither */
};

struct moddep {
	enum moddep_kind kind;
	char *name; /* as the kernel names it (dashes as underscores) */
	char *rel;  /* MODDEP_MODULE: relative path, not yet validated */
	int root;   /* index into names for a requested module, -1 for the rest */
};

/*
 * The closure of names (each looked up by name or alias): one entry per
 * requested name, in order, then every module they need through hard
 * dependencies and soft ("pre:"/"post:") dependencies, each once. dir holds
 * the indexes; no configuration besides dir/modules.softdep is read (the
 * host's /etc/modprobe.d must not steer the guest's). 0, -EUCLEAN (the
 * indexes are unusable), -E2BIG (more than MODDEPS_MAX), -ENOMEM, -errno.
 * Free *ret with moddeps_free().
 */
int moddeps_resolve(const struct morph_ctx *ctx, const char *dir, const char *const *names,
		    size_t nnames, struct moddep **ret, size_t *ret_n);
void moddeps_free(struct moddep *m, size_t n);
