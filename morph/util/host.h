/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few host-side operations morph needs besides the guest tree: files in
 * its own staging directories (depmod's copy of a module tree, libkmod's
 * copied indexes, the guest tool's scratch directory) and waiting for the
 * child processes it runs there. Guest files never go through here.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* A regular host file read whole, to its end whatever its size says (so
 * /proc files work), not following a final symlink, NUL-terminated;
 * -EFBIG when larger than max or not a regular file. *ret is malloc'd (the
 * caller frees). */
int host_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* Write data to path (created 0644 or truncated, not through a final
 * symlink), making missing parent directories (0755). 0 or -errno. */
int host_write_file(const char *path, const void *data, size_t len);
/* rm -rf, best effort (what will not go is left). */
void host_remove_tree(const char *path);
/* Wait for pid; past timeout_ms (0: none) it is killed with SIGKILL and
 * reaped. *status as waitpid gives it. 0, or -errno. */
int host_wait(pid_t pid, unsigned timeout_ms, int *status);
