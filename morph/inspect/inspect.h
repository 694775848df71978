/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inspection entry point: open the inputs (disk images, block devices or
 * directory trees), find the guest's root filesystem, mount the rest of its
 * fstab into one guest tree, and run the inspection steps over it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "inspect/guest.h"

struct inspect_opts {
	bool writable; /* open filesystems read-write (convert) */
};

/*
 * Inspect the guest made of inputs[0..n). On success *ret_guest holds the
 * description and, when ret_tree is not NULL, *ret_tree the assembled tree
 * (the caller frees both). Errors: see disk_open(); -ENOMEDIUM when no guest
 * operating system is recognised; -EUCLEAN for corrupt guest data.
 */
int inspect_guest(struct morph_ctx *ctx, const char *const *inputs, size_t n,
		  const struct inspect_opts *opts, struct guest **ret_guest,
		  struct gtree **ret_tree);

/* fstab.c: parse the guest's /etc/fstab into g->mounts. */
int fstab_parse(struct guest *g, const char *buf, size_t len);
/* Which of g->volumes a device spec names, or -1. A spec no volume
 * answers to by name or tag still resolves when an fstab line with exactly
 * that spec has a volume (a directory input's mounts, see dirvol.c). */
int fstab_resolve_spec(const struct guest *g, const char *spec);
/* dirvol.c: the volumes the host mounted under directory input root, for
 * the fstab lines they serve (sets their volume). 0 or -ENOMEM. */
int dirvol_probe(struct guest *g, const char *root);
