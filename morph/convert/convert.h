/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * morph convert: inspect, plan with an ordered table of rules, then (unless
 * dry-run) apply with a journal. Each rule is its own file (rule-*.c) and
 * turns guest facts into plan actions, each with a reason; docs/rules.md
 * describes them.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "convert/plan.h"
#include "inspect/guest.h"

enum block_driver {
	BLOCK_VIRTIO_BLK = 0,
	BLOCK_VIRTIO_SCSI,
};

struct nic_map {
	const char *name; /* old interface name, e.g. ens192 */
	const char *mac;  /* the new virtio NIC's MAC, lowercase */
};

struct convert_opts {
	enum block_driver block_driver;
	const struct nic_map *nics;
	size_t nnics;
	const char *console; /* "ttyS0" to add a serial console, or NULL */
	bool no_firstboot;
	/* Build the initramfs with the guest's own tool (--initramfs guest)
	 * instead of injecting natively; needs guest_root and root. */
	bool initramfs_guest;
	const char *guest_root; /* the guest's root directory on the host, or NULL */
};

struct convert {
	struct morph_ctx *ctx;
	struct guest *g;
	struct gtree *t;
	struct plan *p;
	const struct convert_opts *o;
	int kernel; /* the kernel to boot on KVM (index into g->kernels), set
		     * by rule_kernel; -1 when the guest lists none */
};

struct rule {
	const char *name;
	int (*plan)(struct convert *c);
};

/* Build the plan for guest g (tree t). Errors: -EOPNOTSUPP (Windows, for
 * now), -ENOEXEC (no installed kernel can boot on virtio; logged per kernel). */
int convert_plan(struct morph_ctx *ctx, struct guest *g, struct gtree *t,
		 const struct convert_opts *o, struct plan **ret);

/* Print the plan: actions with reasons and unified diffs. */
void plan_print(FILE *f, const struct plan *p);

/* apply.c */
int plan_apply(struct plan *p, struct morph_ctx *ctx, const char *run_id);
struct fstate;
int apply_state(struct gtree *t, const char *path, const struct fstate *cur,
		const struct fstate *s);
int journal_remove(struct gtree *t, const char *run_id, size_t nfiles, const char *const *created,
		   size_t ncreated);

/* undo.c */
struct undo_result {
	char *run_id; /* malloc'ed */
	size_t restored;
	size_t conflicts;
};
int convert_undo(struct gtree *t, struct morph_ctx *ctx, bool force, struct undo_result *res);

/* The stable name (UUID=, PARTUUID=, LABEL=) for an unstable device name
 * such as /dev/sda1, or NULL (with a plan note when it cannot be mapped). */
const char *convert_stable_spec(struct convert *c, const char *value);

/* The rules (rule-*.c), in the order convert runs them. */
int rule_kernel(struct convert *c);
int rule_blockdev(struct convert *c);
int rule_bootloader(struct convert *c);
int rule_network(struct convert *c);
int rule_hypervisor(struct convert *c);
int rule_virtio_persist(struct convert *c);
int rule_initramfs(struct convert *c);
int rule_selinux(struct convert *c);
/* The initramfs rule's --initramfs guest half (rule-initramfs-guest.c). */
int initramfs_guest_plan(struct convert *c, const struct guest_kernel *k);
