/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest filesystem access.
 *
 * Two layers:
 *  - struct gfs: one filesystem, through a backend (ext: libext2fs on an image
 *    or device at an offset; dir: a directory tree). Backends only know nodes
 *    and names inside one directory; they never resolve a path.
 *  - struct gtree: the guest's view, a root gfs plus filesystems mounted on
 *    it (from the guest's fstab). Every path is resolved here, by one walker
 *    (gfs-walk.c) shared by both backends: ".." stops at the guest root, an
 *    absolute symlink restarts at the guest root, at most 40 symlinks are
 *    followed. No guest path can name anything outside the guest.
 *
 * All functions return 0 or a negative errno and write results through the
 * last argument, untouched on failure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

#define GFS_MAX_SYMLINKS 40
#define GFS_MAX_PATH	 4096
#define GFS_MAX_NAME	 255
#define GFS_MAX_DEPTH	 256

enum gfs_type {
	GFS_OTHER = 0,
	GFS_REG,
	GFS_DIR,
	GFS_LNK,
	GFS_CHR,
	GFS_BLK,
	GFS_FIFO,
	GFS_SOCK,
};

struct gfs_stat {
	enum gfs_type type;
	uint32_t mode; /* permission bits incl. suid/sgid/sticky (07777) */
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t size;
	uint64_t ino;
	int64_t mtime;
};

/* Attributes for a new or replaced file. keep_from_existing: when the file
 * exists, its mode, owner and xattrs win over these. */
struct gfs_attr {
	uint32_t mode, uid, gid;
	bool keep_from_existing;
};

/* Return non-zero to stop the iteration (that value is returned). */
typedef int (*gfs_dir_cb)(void *userdata, const char *name, enum gfs_type type);

struct gfs;

struct gfs_ops {
	const char *name;
	int (*root)(struct gfs *fs, uint64_t *ret);
	int (*lookup)(struct gfs *fs, uint64_t dir, const char *name, uint64_t *ret);
	void (*put)(struct gfs *fs, uint64_t node);
	int (*getattr)(struct gfs *fs, uint64_t node, struct gfs_stat *ret);
	/* Copies at most size bytes, no NUL; returns the length. */
	int (*readlink)(struct gfs *fs, uint64_t node, char *buf, size_t size, size_t *ret);
	int (*read)(struct gfs *fs, uint64_t node, uint64_t off, void *buf, size_t len,
		    size_t *ret);
	int (*readdir)(struct gfs *fs, uint64_t dir, gfs_dir_cb cb, void *ud);
	/* Create or atomically replace a regular file: the new content is
	 * complete and on disk before the directory entry points at it. */
	int (*replace)(struct gfs *fs, uint64_t dir, const char *name, const void *data, size_t len,
		       const struct gfs_attr *attr);
	int (*unlink)(struct gfs *fs, uint64_t dir, const char *name);
	int (*rmdir)(struct gfs *fs, uint64_t dir, const char *name);
	int (*mkdir)(struct gfs *fs, uint64_t dir, const char *name, const struct gfs_attr *attr);
	int (*symlink)(struct gfs *fs, uint64_t dir, const char *name, const char *target,
		       const struct gfs_attr *attr);
	int (*rename)(struct gfs *fs, uint64_t olddir, const char *oldname, uint64_t newdir,
		      const char *newname);
	int (*sync)(struct gfs *fs);
	void (*close)(struct gfs *fs);
};

struct gfs {
	const struct gfs_ops *ops;
	struct morph_ctx *ctx;
	bool writable;
	char desc[256]; /* for messages: "disk.img partition 2 (ext4)" */
	void *priv;
};

void gfs_close(struct gfs *fs);

/* Backends (gfs-dir.c, gfs-ext.c). */
int gfs_dir_open(struct morph_ctx *ctx, const char *path, bool writable, struct gfs **ret);
/*
 * An ext2/3/4 filesystem at byte offset off (length size, 0 = to the end) of
 * the image or device at path. Writable opens refuse a filesystem whose
 * journal needs recovery (-EUCLEAN, logged) or that has unknown features.
 */
int gfs_ext_open(struct morph_ctx *ctx, const char *path, uint64_t off, uint64_t size,
		 bool writable, struct gfs **ret);
/* For read-only ext opens: whether the journal needed recovery (the facts
 * read may be stale). False for other backends. */
bool gfs_ext_needs_recovery(const struct gfs *fs);

/* ------------------------------------------------------------------ */
/* The guest tree.                                                      */

struct gtree;

/* The tree takes ownership of root (closed by gtree_free). */
int gtree_new(struct morph_ctx *ctx, struct gfs *root, struct gtree **ret);
void gtree_free(struct gtree *t);
/* Free a tree that has nothing mounted and hand its root back. */
struct gfs *gtree_detach_root(struct gtree *t);
/* Mount fs (owned by the tree afterwards, also on failure) at an absolute
 * guest directory. The mountpoint must exist in the tree. */
int gtree_mount(struct gtree *t, const char *mountpoint, struct gfs *fs);
struct morph_ctx *gtree_ctx(const struct gtree *t);
const struct gfs *gtree_root_fs(const struct gtree *t);

/* stat follows symlinks (inside the guest), lstat does not. */
int gtree_stat(struct gtree *t, const char *path, struct gfs_stat *ret);
int gtree_lstat(struct gtree *t, const char *path, struct gfs_stat *ret);
bool gtree_exists(struct gtree *t, const char *path);
bool gtree_is_dir(struct gtree *t, const char *path);
bool gtree_is_file(struct gtree *t, const char *path);

/*
 * Read a whole regular file (following symlinks inside the guest). Fails
 * with -EFBIG, logging the path and the cap, when it is larger than max.
 * The buffer is NUL-terminated (not counted in *len). Caller frees *ret.
 */
int gtree_read(struct gtree *t, const char *path, size_t max, char **ret, size_t *len);
/* Read up to len bytes at off; *got gets the count. */
int gtree_pread(struct gtree *t, const char *path, uint64_t off, void *buf, size_t len,
		size_t *got);
/* The symlink's own target text (not resolved). Caller frees *ret. */
int gtree_readlink(struct gtree *t, const char *path, char **ret);
/* The canonical guest path path resolves to (symlinks followed, inside the
 * guest; the last component may be missing). Caller frees *ret. */
int gtree_realpath(struct gtree *t, const char *path, char **ret);
/* Entries of a directory except "." and "..". */
int gtree_readdir(struct gtree *t, const char *path, gfs_dir_cb cb, void *ud);

/* Mutations (need a writable filesystem under the path). write follows a
 * symlink in the last component, like open(2), but only inside the guest. */
int gtree_write(struct gtree *t, const char *path, const void *data, size_t len,
		const struct gfs_attr *attr);
int gtree_unlink(struct gtree *t, const char *path);
int gtree_rmdir(struct gtree *t, const char *path);
int gtree_mkdir(struct gtree *t, const char *path, const struct gfs_attr *attr);
/* mkdir -p; existing directories are fine. */
int gtree_mkdir_p(struct gtree *t, const char *path, const struct gfs_attr *attr);
int gtree_symlink(struct gtree *t, const char *target, const char *path,
		  const struct gfs_attr *attr);
int gtree_rename(struct gtree *t, const char *oldpath, const char *newpath);
int gtree_sync(struct gtree *t);
