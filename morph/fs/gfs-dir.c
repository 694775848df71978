/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dir backend: a guest filesystem that is a directory tree (a kernel
 * mount inside the appliance, a plain fixture tree in tests).
 *
 * A node is an open file descriptor. Names are looked up one at a time with
 * *at() calls and O_NOFOLLOW, so the kernel never follows a guest symlink; the
 * walker in gfs-walk.c does that, inside the guest root. Regular files and
 * directories are opened O_RDONLY; everything else (device nodes, FIFOs,
 * sockets, symlinks) only O_PATH, so a guest's /dev/sda node is never opened.
 */
#include "fs/gfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dir_priv {
	int rootfd;
};

static int rootfd(struct gfs *fs)
{
	return ((struct dir_priv *)fs->priv)->rootfd;
}

static enum gfs_type mode_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return GFS_REG;
	case S_IFDIR: return GFS_DIR;
	case S_IFLNK: return GFS_LNK;
	case S_IFCHR: return GFS_CHR;
	case S_IFBLK: return GFS_BLK;
	case S_IFIFO: return GFS_FIFO;
	case S_IFSOCK: return GFS_SOCK;
	default: return GFS_OTHER;
	}
}

static int dir_root(struct gfs *fs, uint64_t *ret)
{
	int fd = openat(rootfd(fs), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*ret = (uint64_t)fd;
	return 0;
}

static int dir_lookup(struct gfs *fs, uint64_t dir, const char *name, uint64_t *ret)
{
	struct stat st, st2;
	int fd, flags;

	if (fstatat((int)dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		flags = O_RDONLY | O_DIRECTORY;
	else if (S_ISREG(st.st_mode))
		flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
	else
		flags = O_PATH;
	fd = openat((int)dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The entry may have been swapped between the two calls. */
	if (fstat(fd, &st2) < 0 || (st2.st_mode & S_IFMT) != (st.st_mode & S_IFMT)) {
		close(fd);
		return -EAGAIN;
	}
	*ret = (uint64_t)fd;
	return 0;
}

static void dir_put(struct gfs *fs, uint64_t node)
{
	close((int)node);
}

static int dir_getattr(struct gfs *fs, uint64_t node, struct gfs_stat *ret)
{
	struct stat st;

	if (fstat((int)node, &st) < 0)
		return -errno;
	*ret = (struct gfs_stat){
		.type = mode_type(st.st_mode),
		.mode = st.st_mode & 07777,
		.uid = st.st_uid,
		.gid = st.st_gid,
		.nlink = (uint32_t)st.st_nlink,
		.size = (uint64_t)st.st_size,
		.ino = st.st_ino,
		.mtime = st.st_mtime,
	};
	return 0;
}

static int dir_readlink(struct gfs *fs, uint64_t node, char *buf, size_t size, size_t *ret)
{
	ssize_t n = readlinkat((int)node, "", buf, size);

	if (n < 0)
		return -errno;
	*ret = (size_t)n;
	return 0;
}

static int dir_read(struct gfs *fs, uint64_t node, uint64_t off, void *buf, size_t len, size_t *ret)
{
	ssize_t n;

	do
		n = pread((int)node, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	*ret = (size_t)n;
	return 0;
}

static int dir_readdir(struct gfs *fs, uint64_t dir, gfs_dir_cb cb, void *ud)
{
	int fd = openat((int)dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		enum gfs_type type = GFS_OTHER;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		switch (de->d_type) {
		case DT_REG: type = GFS_REG; break;
		case DT_DIR: type = GFS_DIR; break;
		case DT_LNK: type = GFS_LNK; break;
		case DT_CHR: type = GFS_CHR; break;
		case DT_BLK: type = GFS_BLK; break;
		case DT_FIFO: type = GFS_FIFO; break;
		case DT_SOCK: type = GFS_SOCK; break;
		default:
			if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				type = mode_type(st.st_mode);
		}
		r = cb(ud, de->d_name, type);
		if (r)
			break;
	}
	if (!r && errno)
		r = -errno;
	closedir(d);
	return r;
}

/* Owner and mode for a new file: the existing entry's when asked. */
static void pick_attr(int dir, const char *name, const struct gfs_attr *attr, uint32_t *mode,
		      uint32_t *uid, uint32_t *gid)
{
	struct stat st;

	*mode = attr ? attr->mode : 0644;
	*uid = attr ? attr->uid : 0;
	*gid = attr ? attr->gid : 0;
	if (attr && attr->keep_from_existing && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		*mode = st.st_mode & 07777;
		*uid = st.st_uid;
		*gid = st.st_gid;
	}
}

/* chown that tolerates EPERM when we are not root (tests run unprivileged):
 * the file then belongs to the caller, which is the best we can do. */
static int own(int fd, uint32_t uid, uint32_t gid)
{
	if (fchown(fd, uid, gid) == 0)
		return 0;
	if (errno == EPERM && geteuid() != 0)
		return 0;
	return -errno;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int dir_replace(struct gfs *fs, uint64_t dir, const char *name, const void *data, size_t len,
		       const struct gfs_attr *attr)
{
	char tmp[64];
	uint32_t mode, uid, gid;
	int fd = -1, r = 0;

	pick_attr((int)dir, name, attr, &mode, &uid, &gid);
	for (int tries = 0; fd < 0; tries++) {
		snprintf(tmp, sizeof(tmp), ".morph-tmp-%d-%d", (int)getpid(), tries);
		fd = openat((int)dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0 && (errno != EEXIST || tries > 100))
			return -errno;
	}
	r = write_all(fd, data, len);
	if (r == 0)
		r = own(fd, uid, gid);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat((int)dir, tmp, (int)dir, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat((int)dir, tmp, 0);
		return r;
	}
	if (fsync((int)dir) < 0)
		return -errno;
	return 0;
}

static int dir_unlink(struct gfs *fs, uint64_t dir, const char *name)
{
	return unlinkat((int)dir, name, 0) < 0 ? -errno : 0;
}

static int dir_rmdir(struct gfs *fs, uint64_t dir, const char *name)
{
	return unlinkat((int)dir, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int dir_mkdir(struct gfs *fs, uint64_t dir, const char *name, const struct gfs_attr *attr)
{
	int fd, r = 0;

	if (mkdirat((int)dir, name, 0700) < 0)
		return -errno;
	fd = openat((int)dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = own(fd, attr->uid, attr->gid);
	if (r == 0 && fchmod(fd, attr->mode & 07777) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int dir_symlink(struct gfs *fs, uint64_t dir, const char *name, const char *target,
		       const struct gfs_attr *attr)
{
	if (symlinkat(target, (int)dir, name) < 0)
		return -errno;
	if (fchownat((int)dir, name, attr->uid, attr->gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    !(errno == EPERM && geteuid() != 0))
		return -errno;
	return 0;
}

static int dir_rename(struct gfs *fs, uint64_t olddir, const char *oldname, uint64_t newdir,
		      const char *newname)
{
	return renameat((int)olddir, oldname, (int)newdir, newname) < 0 ? -errno : 0;
}

static int dir_sync(struct gfs *fs)
{
	return syncfs(rootfd(fs)) < 0 ? -errno : 0;
}

static void dir_close(struct gfs *fs)
{
	struct dir_priv *p = fs->priv;

	if (p)
		close(p->rootfd);
	free(p);
	free(fs);
}

static const struct gfs_ops dir_ops = {
	.name = "dir",
	.root = dir_root,
	.lookup = dir_lookup,
	.put = dir_put,
	.getattr = dir_getattr,
	.readlink = dir_readlink,
	.read = dir_read,
	.readdir = dir_readdir,
	.replace = dir_replace,
	.unlink = dir_unlink,
	.rmdir = dir_rmdir,
	.mkdir = dir_mkdir,
	.symlink = dir_symlink,
	.rename = dir_rename,
	.sync = dir_sync,
	.close = dir_close,
};

int gfs_dir_open(struct morph_ctx *ctx, const char *path, bool writable, struct gfs **ret)
{
	struct gfs *fs = calloc(1, sizeof(*fs));
	struct dir_priv *p = calloc(1, sizeof(*p));
	int fd;

	if (!fs || !p) {
		free(fs);
		free(p);
		return -ENOMEM;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		log_err(ctx, "cannot open directory %s: %s", path, strerror(-r));
		free(fs);
		free(p);
		return r;
	}
	p->rootfd = fd;
	fs->ops = &dir_ops;
	fs->ctx = ctx;
	fs->writable = writable;
	fs->priv = p;
	snprintf(fs->desc, sizeof(fs->desc), "%s", path);
	*ret = fs;
	return 0;
}
