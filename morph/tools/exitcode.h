/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* morph's exit codes; docs/cli.md lists them for users. */
enum morph_exit {
	EXIT_OK = 0,
	EXIT_INTERNAL = 1,     /* out of memory, a bug, an unexpected error */
	EXIT_USAGE = 2,	       /* bad command line */
	EXIT_UNRECOGNISED = 3, /* no guest OS (or nothing readable) found */
	EXIT_BAD_INPUT = 4,    /* corrupt, truncated or hostile guest data */
	EXIT_FORMAT = 5,       /* not a raw disk (qcow2, vmdk, ...): convert it */
	EXIT_ACCESS = 6,       /* an input cannot be opened */
	EXIT_UNSUPPORTED = 7,  /* valid, but something morph cannot do (yet) */
	EXIT_NO_KERNEL = 8,    /* no installed kernel can boot on virtio */
	EXIT_CONFLICT = 9,     /* undo refused: files changed after the run */
	EXIT_NOSPACE = 10,     /* the guest filesystem is full */
};

/* The exit code for a library error (negative errno). */
int exit_code_for(int err);
