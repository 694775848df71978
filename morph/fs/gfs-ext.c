/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ext backend: an ext2/3/4 filesystem read and written with libext2fs
 * directly on an image file or block device at a byte offset — no root, no
 * mount, no kernel driver.
 *
 * A node is an inode number. Atomic replace: the new file is written into a
 * fresh inode and flushed (data, inode, bitmaps) before the directory entry
 * is switched to it in one directory-block write; only then is the old inode
 * released. A crash in between leaves the old file in place (plus, at worst,
 * an unattached inode e2fsck reclaims), never a half-written file.
 *
 * libext2fs wraps: every errcode_t goes through ext_errno() once.
 */
#include "fs/gfs.h"

#include <errno.h>
#include <et/com_err.h>
#include <ext2fs/ext2_fs.h>
#include <ext2fs/ext2fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ext_priv {
	ext2_filsys fs;
	bool needs_recovery;
};

static ext2_filsys E(struct gfs *fs)
{
	return ((struct ext_priv *)fs->priv)->fs;
}

/* libext2fs error codes are errno values below 256 and com_err codes
 * above; map the latter to the nearest errno. */
static int ext_errno(errcode_t e)
{
	if (e == 0)
		return 0;
	if (e > 0 && e < 256)
		return -(int)e;
	switch (e) {
	case EXT2_ET_FILE_NOT_FOUND: return -ENOENT;
	case EXT2_ET_DIR_NO_SPACE:
	case EXT2_ET_BLOCK_ALLOC_FAIL:
	case EXT2_ET_INODE_ALLOC_FAIL:
	case EXT2_ET_DIR_NO_SPACE_FOR_CSUM: return -ENOSPC;
	case EXT2_ET_RO_FILSYS:
	case EXT2_ET_RO_UNSUPP_FEATURE: return -EROFS;
	case EXT2_ET_UNSUPP_FEATURE:
	case EXT2_ET_UNIMPLEMENTED: return -EOPNOTSUPP;
	case EXT2_ET_NO_MEMORY: return -ENOMEM;
	case EXT2_ET_FILE_TOO_BIG: return -EFBIG;
	case EXT2_ET_NO_DIRECTORY: return -ENOTDIR;
	case EXT2_ET_DIR_EXISTS:
	case EXT2_ET_FILE_EXISTS: return -EEXIST;
	case EXT2_ET_SHORT_READ:
	case EXT2_ET_SHORT_WRITE: return -EIO;
	default:
		/* Bad magic, corrupt superblock, bad checksums, corrupt
		 * directories or extents: the image is damaged. */
		return -EUCLEAN;
	}
}

static int ext_fail(struct gfs *fs, errcode_t e, const char *what)
{
	int r = ext_errno(e);

	if (r == -EUCLEAN || r == -EIO)
		log_err(fs->ctx, "%s: %s: %s", fs->desc, what, error_message(e));
	return r;
}

static enum gfs_type ext_type(uint16_t mode)
{
	if (LINUX_S_ISREG(mode))
		return GFS_REG;
	if (LINUX_S_ISDIR(mode))
		return GFS_DIR;
	if (LINUX_S_ISLNK(mode))
		return GFS_LNK;
	if (LINUX_S_ISCHR(mode))
		return GFS_CHR;
	if (LINUX_S_ISBLK(mode))
		return GFS_BLK;
	if (LINUX_S_ISFIFO(mode))
		return GFS_FIFO;
	if (LINUX_S_ISSOCK(mode))
		return GFS_SOCK;
	return GFS_OTHER;
}

static int ext_root(struct gfs *fs, uint64_t *ret)
{
	*ret = EXT2_ROOT_INO;
	return 0;
}

static int ext_read_inode(struct gfs *fs, uint64_t ino, struct ext2_inode *in)
{
	errcode_t e;

	if (ino == 0 || ino > E(fs)->super->s_inodes_count)
		return -EUCLEAN;
	e = ext2fs_read_inode(E(fs), (ext2_ino_t)ino, in);
	return e ? ext_fail(fs, e, "read inode") : 0;
}

static int ext_lookup(struct gfs *fs, uint64_t dir, const char *name, uint64_t *ret)
{
	ext2_ino_t ino = 0;
	errcode_t e = ext2fs_lookup(E(fs), (ext2_ino_t)dir, name, (int)strlen(name), NULL, &ino);

	if (e)
		return ext_fail(fs, e, "lookup");
	if (ino == 0 || ino > E(fs)->super->s_inodes_count)
		return -EUCLEAN;
	*ret = ino;
	return 0;
}

static void ext_put(struct gfs *fs, uint64_t node)
{
}

static int ext_getattr(struct gfs *fs, uint64_t node, struct gfs_stat *ret)
{
	struct ext2_inode in;
	int r = ext_read_inode(fs, node, &in);

	if (r < 0)
		return r;
	*ret = (struct gfs_stat){
		.type = ext_type(in.i_mode),
		.mode = in.i_mode & 07777,
		.uid = inode_uid(in),
		.gid = inode_gid(in),
		.nlink = in.i_links_count,
		.size = EXT2_I_SIZE(&in),
		.ino = node,
		.mtime = (int64_t)in.i_mtime,
	};
	return 0;
}

static int ext_file_read(struct gfs *fs, uint64_t node, uint64_t off, void *buf, size_t len,
			 size_t *ret)
{
	ext2_file_t f;
	unsigned int got = 0;
	errcode_t e;

	if (len > UINT32_MAX / 2)
		len = UINT32_MAX / 2;
	e = ext2fs_file_open(E(fs), (ext2_ino_t)node, 0, &f);
	if (e)
		return ext_fail(fs, e, "open file");
	e = ext2fs_file_llseek(f, off, EXT2_SEEK_SET, NULL);
	if (!e)
		e = ext2fs_file_read(f, buf, (unsigned int)len, &got);
	ext2fs_file_close(f);
	if (e)
		return ext_fail(fs, e, "read file");
	*ret = got;
	return 0;
}

static int ext_readlink(struct gfs *fs, uint64_t node, char *buf, size_t size, size_t *ret)
{
	struct ext2_inode in;
	uint64_t len;
	int r = ext_read_inode(fs, node, &in);

	if (r < 0)
		return r;
	if (!LINUX_S_ISLNK(in.i_mode))
		return -EINVAL;
	len = EXT2_I_SIZE(&in);
	if (len > E(fs)->blocksize || len > GFS_MAX_PATH)
		return -EUCLEAN;
	if (len > size)
		len = size;
	if (ext2fs_is_fast_symlink(&in)) {
		if (len > sizeof(in.i_block))
			return -EUCLEAN;
		memcpy(buf, in.i_block, len);
	} else if (in.i_flags & EXT4_INLINE_DATA_FL) {
		/* Inline symlink bodies are small; read into a bounded
		 * buffer sized by the library's own count. */
		size_t isize = 0;
		char *tmp;
		errcode_t e = ext2fs_inline_data_size(E(fs), (ext2_ino_t)node, &isize);

		if (e)
			return ext_fail(fs, e, "inline symlink");
		if (isize > 4096)
			return -EUCLEAN;
		tmp = malloc(isize + 1);
		if (!tmp)
			return -ENOMEM;
		e = ext2fs_inline_data_get(E(fs), (ext2_ino_t)node, &in, tmp, &isize);
		if (!e && isize < len)
			len = isize;
		if (!e)
			memcpy(buf, tmp, len);
		free(tmp);
		if (e)
			return ext_fail(fs, e, "inline symlink");
	} else {
		size_t got = 0;

		r = ext_file_read(fs, node, 0, buf, len, &got);
		if (r < 0)
			return r;
		len = got;
	}
	*ret = len;
	return 0;
}

struct readdir_state {
	struct gfs *fs;
	gfs_dir_cb cb;
	void *ud;
	int r;
};

static int readdir_one(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset,
		       int blocksize, char *buf, void *priv)
{
	struct readdir_state *s = priv;
	int nlen = ext2fs_dirent_name_len(de);
	char name[EXT2_NAME_LEN + 1];
	enum gfs_type type;

	if (de->inode == 0 || entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE)
		return 0;
	if (nlen <= 0 || nlen > EXT2_NAME_LEN)
		return 0;
	memcpy(name, de->name, (size_t)nlen);
	name[nlen] = '\0';
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/') ||
	    strlen(name) != (size_t)nlen)
		return 0; /* a corrupt entry no lookup could reach */
	switch (ext2fs_dirent_file_type(de)) {
	case EXT2_FT_REG_FILE: type = GFS_REG; break;
	case EXT2_FT_DIR: type = GFS_DIR; break;
	case EXT2_FT_CHRDEV: type = GFS_CHR; break;
	case EXT2_FT_BLKDEV: type = GFS_BLK; break;
	case EXT2_FT_FIFO: type = GFS_FIFO; break;
	case EXT2_FT_SOCK: type = GFS_SOCK; break;
	case EXT2_FT_SYMLINK: type = GFS_LNK; break;
	default: {
		struct gfs_stat st;

		type = ext_getattr(s->fs, de->inode, &st) == 0 ? st.type : GFS_OTHER;
	}
	}
	s->r = s->cb(s->ud, name, type);
	return s->r ? DIRENT_ABORT : 0;
}

static int ext_readdir(struct gfs *fs, uint64_t dir, gfs_dir_cb cb, void *ud)
{
	struct readdir_state s = {fs, cb, ud, 0};
	errcode_t e = ext2fs_dir_iterate2(E(fs), (ext2_ino_t)dir, 0, NULL, readdir_one, &s);

	if (e)
		return ext_fail(fs, e, "read directory");
	return s.r;
}

/* ------------------------------------------------------------------ */
/* Writing.                                                             */

static int ext_flush(struct gfs *fs)
{
	errcode_t e = ext2fs_flush(E(fs));

	return e ? ext_fail(fs, e, "flush") : 0;
}

/* Drop one link of ino; free its blocks, xattr block and the inode when
 * none is left. */
static int ext_release_link(struct gfs *fs, ext2_ino_t ino)
{
	ext2_filsys efs = E(fs);
	struct ext2_inode in;
	bool isdir;
	errcode_t e;
	int r = ext_read_inode(fs, ino, &in);

	if (r < 0)
		return r;
	isdir = LINUX_S_ISDIR(in.i_mode);
	if (in.i_links_count > (isdir ? 2 : 1)) {
		in.i_links_count--;
		e = ext2fs_write_inode(efs, ino, &in);
		return e ? ext_fail(fs, e, "write inode") : 0;
	}
	if (ext2fs_inode_has_valid_blocks2(efs, &in)) {
		e = ext2fs_punch(efs, ino, &in, NULL, 0, ~0ULL);
		if (e)
			return ext_fail(fs, e, "free blocks");
	}
	if (ext2fs_file_acl_block(efs, &in)) {
		blk64_t blk = ext2fs_file_acl_block(efs, &in);
		__u32 count = 0;

		e = ext2fs_adjust_ea_refcount3(efs, blk, NULL, -1, &count, ino);
		if (!e && count == 0)
			ext2fs_block_alloc_stats2(efs, blk, -1);
		ext2fs_file_acl_block_set(efs, &in, 0);
	}
	in.i_links_count = 0;
	in.i_dtime = (__u32)time(NULL);
	e = ext2fs_write_inode(efs, ino, &in);
	if (e)
		return ext_fail(fs, e, "write inode");
	ext2fs_inode_alloc_stats2(efs, ino, -1, isdir);
	return 0;
}

struct switch_state {
	const char *name;
	size_t nlen;
	ext2_ino_t newino, oldino;
	int ftype;
	bool done;
};

static int switch_one(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset,
		      int blocksize, char *buf, void *priv)
{
	struct switch_state *s = priv;

	if (de->inode == 0 || (size_t)ext2fs_dirent_name_len(de) != s->nlen ||
	    memcmp(de->name, s->name, s->nlen) != 0)
		return 0;
	s->oldino = de->inode;
	de->inode = s->newino;
	ext2fs_dirent_set_file_type(de, s->ftype);
	s->done = true;
	return DIRENT_CHANGED | DIRENT_ABORT;
}

/* Point the existing entry name in dir at newino, in one block write.
 * *oldino gets what it pointed at. */
static int ext_switch_entry(struct gfs *fs, ext2_ino_t dir, const char *name, ext2_ino_t newino,
			    int ftype, ext2_ino_t *oldino)
{
	struct switch_state s = {name, strlen(name), newino, 0, ftype, false};
	errcode_t e = ext2fs_dir_iterate2(E(fs), dir, 0, NULL, switch_one, &s);

	if (e)
		return ext_fail(fs, e, "update directory");
	if (!s.done)
		return -ENOENT;
	*oldino = s.oldino;
	return 0;
}

static int ext_link(struct gfs *fs, ext2_ino_t dir, const char *name, ext2_ino_t ino, int ftype)
{
	errcode_t e = ext2fs_link(E(fs), dir, name, ino, ftype);

	if (e == EXT2_ET_DIR_NO_SPACE) {
		e = ext2fs_expand_dir(E(fs), dir);
		if (!e)
			e = ext2fs_link(E(fs), dir, name, ino, ftype);
	}
	return e ? ext_fail(fs, e, "link") : 0;
}

struct xattr_copy {
	struct ext2_xattr_handle *dst;
	errcode_t e;
};

static int xattr_copy_one(char *name, char *value, size_t value_len, void *data)
{
	struct xattr_copy *c = data;

	c->e = ext2fs_xattr_set(c->dst, name, value, value_len);
	return c->e ? XATTR_ABORT : 0;
}

/* Copy every extended attribute (the SELinux label among them) of src to
 * dst. A filesystem without xattr support has nothing to copy. */
static int ext_copy_xattrs(struct gfs *fs, ext2_ino_t src, ext2_ino_t dst)
{
	struct ext2_xattr_handle *hs = NULL, *hd = NULL;
	struct xattr_copy c = {0};
	errcode_t e;

	if (!ext2fs_has_feature_xattr(E(fs)->super))
		return 0;
	e = ext2fs_xattrs_open(E(fs), src, &hs);
	if (!e)
		e = ext2fs_xattrs_read(hs);
	if (!e)
		e = ext2fs_xattrs_open(E(fs), dst, &hd);
	if (!e)
		e = ext2fs_xattrs_read(hd);
	if (!e) {
		c.dst = hd;
		e = ext2fs_xattrs_iterate(hs, xattr_copy_one, &c);
		if (!e)
			e = c.e;
	}
	if (hs)
		ext2fs_xattrs_close(&hs);
	if (hd)
		ext2fs_xattrs_close(&hd);
	return e ? ext_fail(fs, e, "copy xattrs") : 0;
}

/* A new inode of the given type, written, counted and linked nowhere. */
static int ext_new_inode(struct gfs *fs, ext2_ino_t dir, uint16_t type, const struct gfs_attr *attr,
			 uint32_t mode, uint32_t uid, uint32_t gid, ext2_ino_t *ret)
{
	ext2_filsys efs = E(fs);
	struct ext2_inode in;
	ext2_ino_t ino;
	errcode_t e;
	__u32 now = (__u32)time(NULL);

	e = ext2fs_new_inode(efs, dir, type | (mode & 07777), NULL, &ino);
	if (e)
		return ext_fail(fs, e, "allocate inode");
	memset(&in, 0, sizeof(in));
	in.i_mode = (uint16_t)(type | (mode & 07777));
	in.i_uid = (uint16_t)uid;
	in.osd2.linux2.l_i_uid_high = (uint16_t)(uid >> 16);
	in.i_gid = (uint16_t)gid;
	in.osd2.linux2.l_i_gid_high = (uint16_t)(gid >> 16);
	in.i_links_count = 1;
	in.i_atime = in.i_ctime = in.i_mtime = now;
	if (ext2fs_has_feature_extents(efs->super)) {
		ext2_extent_handle_t h;

		e = ext2fs_extent_open2(efs, ino, &in, &h);
		if (e)
			return ext_fail(fs, e, "extent header");
		ext2fs_extent_free(h);
	}
	e = ext2fs_write_new_inode(efs, ino, &in);
	if (e)
		return ext_fail(fs, e, "write inode");
	ext2fs_inode_alloc_stats2(efs, ino, +1, 0);
	*ret = ino;
	return 0;
}

static int ext_write_data(struct gfs *fs, ext2_ino_t ino, const void *data, size_t len)
{
	const char *p = data;
	ext2_file_t f;
	errcode_t e;

	e = ext2fs_file_open(E(fs), ino, EXT2_FILE_WRITE, &f);
	if (e)
		return ext_fail(fs, e, "open new file");
	while (!e && len) {
		unsigned int chunk = len > (1u << 20) ? (1u << 20) : (unsigned)len;
		unsigned int wrote = 0;

		e = ext2fs_file_write(f, p, chunk, &wrote);
		if (!e && wrote == 0)
			e = EXT2_ET_SHORT_WRITE;
		p += wrote;
		len -= wrote;
	}
	if (!e)
		e = ext2fs_file_set_size2(f, (ext2_off64_t)(p - (const char *)data));
	{
		errcode_t e2 = ext2fs_file_close(f);

		if (!e)
			e = e2;
	}
	return e ? ext_fail(fs, e, "write file") : 0;
}

/*
 * Refuse up front a write the free blocks cannot hold: libext2fs can leave
 * blocks allocated but unreferenced when it runs out in the middle of a
 * file, so running out must not happen mid-write. Counted: the data blocks,
 * one extent block per 340 data blocks, and a directory block in case the
 * parent grows.
 */
static int ext_check_space(struct gfs *fs, size_t len, uint64_t slack)
{
	ext2_filsys efs = E(fs);
	uint64_t bs = efs->blocksize;
	uint64_t data = (len + bs - 1) / bs;
	uint64_t need = data + data / 340 + slack;

	if (efs->super->s_free_inodes_count == 0) {
		log_err(fs->ctx, "%s: no free inodes", fs->desc);
		return -ENOSPC;
	}
	if (ext2fs_free_blocks_count(efs->super) < need) {
		log_err(fs->ctx, "%s: no space for a %zu-byte file", fs->desc, len);
		return -ENOSPC;
	}
	return 0;
}

static int ext_replace(struct gfs *fs, uint64_t dir, const char *name, const void *data, size_t len,
		       const struct gfs_attr *attr)
{
	ext2_ino_t ino = 0, old = 0, existing = 0;
	uint32_t mode = attr ? attr->mode : 0644;
	uint32_t uid = attr ? attr->uid : 0, gid = attr ? attr->gid : 0;
	uint64_t found;
	int r;

	if (ext_lookup(fs, dir, name, &found) == 0) {
		struct ext2_inode in;

		existing = (ext2_ino_t)found;
		r = ext_read_inode(fs, existing, &in);
		if (r < 0)
			return r;
		if (!LINUX_S_ISREG(in.i_mode))
			return LINUX_S_ISDIR(in.i_mode) ? -EISDIR : -EINVAL;
		if (attr && attr->keep_from_existing) {
			mode = in.i_mode & 07777;
			uid = inode_uid(in);
			gid = inode_gid(in);
		}
	}
	r = ext_check_space(fs, len, 2);
	if (r < 0)
		return r;
	r = ext_new_inode(fs, (ext2_ino_t)dir, LINUX_S_IFREG, attr, mode, uid, gid, &ino);
	if (r < 0)
		return r;
	r = ext_write_data(fs, ino, data, len);
	if (r == 0 && existing && attr && attr->keep_from_existing)
		r = ext_copy_xattrs(fs, existing, ino);
	/* The new content is on disk before any entry names it. */
	if (r == 0)
		r = ext_flush(fs);
	if (r == 0) {
		if (existing)
			r = ext_switch_entry(fs, (ext2_ino_t)dir, name, ino, EXT2_FT_REG_FILE,
					     &old);
		else
			r = ext_link(fs, (ext2_ino_t)dir, name, ino, EXT2_FT_REG_FILE);
	}
	if (r < 0) {
		ext_release_link(fs, ino);
		ext_flush(fs);
		return r;
	}
	if (old)
		r = ext_release_link(fs, old);
	if (r == 0)
		r = ext_flush(fs);
	return r;
}

static int ext_unlink(struct gfs *fs, uint64_t dir, const char *name)
{
	struct ext2_inode in;
	uint64_t ino;
	errcode_t e;
	int r = ext_lookup(fs, dir, name, &ino);

	if (r == 0)
		r = ext_read_inode(fs, ino, &in);
	if (r < 0)
		return r;
	if (LINUX_S_ISDIR(in.i_mode))
		return -EISDIR;
	e = ext2fs_unlink(E(fs), (ext2_ino_t)dir, name, (ext2_ino_t)ino, 0);
	if (e)
		return ext_fail(fs, e, "unlink");
	r = ext_release_link(fs, (ext2_ino_t)ino);
	if (r == 0)
		r = ext_flush(fs);
	return r;
}

static int count_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset,
		       int blocksize, char *buf, void *priv)
{
	if (de->inode && entry != DIRENT_DOT_FILE && entry != DIRENT_DOT_DOT_FILE) {
		*(int *)priv = 1;
		return DIRENT_ABORT;
	}
	return 0;
}

static int ext_rmdir(struct gfs *fs, uint64_t dir, const char *name)
{
	struct ext2_inode in, pin;
	uint64_t ino;
	int nonempty = 0;
	errcode_t e;
	int r = ext_lookup(fs, dir, name, &ino);

	if (r == 0)
		r = ext_read_inode(fs, ino, &in);
	if (r < 0)
		return r;
	if (!LINUX_S_ISDIR(in.i_mode))
		return -ENOTDIR;
	e = ext2fs_dir_iterate2(E(fs), (ext2_ino_t)ino, 0, NULL, count_entry, &nonempty);
	if (e)
		return ext_fail(fs, e, "read directory");
	if (nonempty)
		return -ENOTEMPTY;
	e = ext2fs_unlink(E(fs), (ext2_ino_t)dir, name, (ext2_ino_t)ino, 0);
	if (e)
		return ext_fail(fs, e, "unlink");
	in.i_links_count = 1; /* "." and the parent's entry are both gone */
	e = ext2fs_write_inode(E(fs), (ext2_ino_t)ino, &in);
	if (e)
		return ext_fail(fs, e, "write inode");
	r = ext_release_link(fs, (ext2_ino_t)ino);
	if (r < 0)
		return r;
	r = ext_read_inode(fs, dir, &pin);
	if (r < 0)
		return r;
	if (pin.i_links_count > 2)
		pin.i_links_count--; /* its ".." */
	e = ext2fs_write_inode(E(fs), (ext2_ino_t)dir, &pin);
	if (e)
		return ext_fail(fs, e, "write inode");
	return ext_flush(fs);
}

/* Set owner and mode of a freshly made inode. */
static int ext_set_attr(struct gfs *fs, ext2_ino_t ino, uint16_t type, const struct gfs_attr *attr)
{
	struct ext2_inode in;
	errcode_t e;
	int r = ext_read_inode(fs, ino, &in);

	if (r < 0)
		return r;
	in.i_mode = (uint16_t)(type | (attr->mode & 07777));
	in.i_uid = (uint16_t)attr->uid;
	in.osd2.linux2.l_i_uid_high = (uint16_t)(attr->uid >> 16);
	in.i_gid = (uint16_t)attr->gid;
	in.osd2.linux2.l_i_gid_high = (uint16_t)(attr->gid >> 16);
	e = ext2fs_write_inode(E(fs), ino, &in);
	return e ? ext_fail(fs, e, "write inode") : 0;
}

static int ext_mkdir(struct gfs *fs, uint64_t dir, const char *name, const struct gfs_attr *attr)
{
	errcode_t e;
	uint64_t ino;
	/* libext2fs leaves a zero-length directory inode behind when it runs
	 * out of blocks half-way: make sure the block is there first. */
	int r = ext_check_space(fs, E(fs)->blocksize, 1);

	if (r < 0)
		return r;
	e = ext2fs_mkdir(E(fs), (ext2_ino_t)dir, 0, name);

	if (e == EXT2_ET_DIR_NO_SPACE) {
		e = ext2fs_expand_dir(E(fs), (ext2_ino_t)dir);
		if (!e)
			e = ext2fs_mkdir(E(fs), (ext2_ino_t)dir, 0, name);
	}
	if (e)
		return ext_fail(fs, e, "mkdir");
	r = ext_lookup(fs, dir, name, &ino);
	if (r == 0)
		r = ext_set_attr(fs, (ext2_ino_t)ino, LINUX_S_IFDIR, attr);
	if (r == 0)
		r = ext_flush(fs);
	return r;
}

static int ext_symlink(struct gfs *fs, uint64_t dir, const char *name, const char *target,
		       const struct gfs_attr *attr)
{
	errcode_t e;
	struct gfs_attr a = *attr;
	uint64_t ino;
	/* A target under 60 bytes lives in the inode (a fast symlink); a
	 * directory that must grow for it fails cleanly in ext2fs_link. */
	size_t tlen = strlen(target);
	int r = ext_check_space(fs, tlen < sizeof(((struct ext2_inode *)0)->i_block) ? 0 : tlen, 0);

	if (r < 0)
		return r;
	e = ext2fs_symlink(E(fs), (ext2_ino_t)dir, 0, name, target);

	if (e == EXT2_ET_DIR_NO_SPACE) {
		e = ext2fs_expand_dir(E(fs), (ext2_ino_t)dir);
		if (!e)
			e = ext2fs_symlink(E(fs), (ext2_ino_t)dir, 0, name, target);
	}
	if (e)
		return ext_fail(fs, e, "symlink");
	a.mode = 0777;
	r = ext_lookup(fs, dir, name, &ino);
	if (r == 0)
		r = ext_set_attr(fs, (ext2_ino_t)ino, LINUX_S_IFLNK, &a);
	if (r == 0)
		r = ext_flush(fs);
	return r;
}

static int ftype_of(uint16_t mode)
{
	if (LINUX_S_ISREG(mode))
		return EXT2_FT_REG_FILE;
	if (LINUX_S_ISDIR(mode))
		return EXT2_FT_DIR;
	if (LINUX_S_ISLNK(mode))
		return EXT2_FT_SYMLINK;
	if (LINUX_S_ISCHR(mode))
		return EXT2_FT_CHRDEV;
	if (LINUX_S_ISBLK(mode))
		return EXT2_FT_BLKDEV;
	if (LINUX_S_ISFIFO(mode))
		return EXT2_FT_FIFO;
	if (LINUX_S_ISSOCK(mode))
		return EXT2_FT_SOCK;
	return EXT2_FT_UNKNOWN;
}

/* Rename of non-directories (and of directories within one parent). The
 * new name is made to point at the inode first, then the old name goes. */
static int ext_rename(struct gfs *fs, uint64_t olddir, const char *oldname, uint64_t newdir,
		      const char *newname)
{
	struct ext2_inode in;
	uint64_t ino, dst;
	ext2_ino_t replaced = 0;
	errcode_t e;
	int r = ext_lookup(fs, olddir, oldname, &ino);

	if (r == 0)
		r = ext_read_inode(fs, ino, &in);
	if (r < 0)
		return r;
	if (LINUX_S_ISDIR(in.i_mode) && olddir != newdir)
		return -EOPNOTSUPP;
	if (olddir == newdir && strcmp(oldname, newname) == 0)
		return 0;
	if (ext_lookup(fs, newdir, newname, &dst) == 0) {
		struct ext2_inode din;

		r = ext_read_inode(fs, dst, &din);
		if (r < 0)
			return r;
		if (LINUX_S_ISDIR(din.i_mode) || LINUX_S_ISDIR(in.i_mode))
			return -EISDIR;
		if (dst == ino)
			return 0;
		r = ext_switch_entry(fs, (ext2_ino_t)newdir, newname, (ext2_ino_t)ino,
				     ftype_of(in.i_mode), &replaced);
	} else {
		r = ext_link(fs, (ext2_ino_t)newdir, newname, (ext2_ino_t)ino, ftype_of(in.i_mode));
	}
	if (r < 0)
		return r;
	e = ext2fs_unlink(E(fs), (ext2_ino_t)olddir, oldname, (ext2_ino_t)ino, 0);
	if (e)
		return ext_fail(fs, e, "unlink");
	if (replaced)
		r = ext_release_link(fs, replaced);
	if (r == 0)
		r = ext_flush(fs);
	return r;
}

static int ext_sync(struct gfs *fs)
{
	return ext_flush(fs);
}

static void ext_close(struct gfs *fs)
{
	struct ext_priv *p = fs->priv;

	if (p && p->fs) {
		if (fs->writable)
			ext2fs_close2(p->fs, 0);
		else
			ext2fs_free(p->fs);
	}
	free(p);
	free(fs);
}

static const struct gfs_ops ext_ops = {
	.name = "ext",
	.root = ext_root,
	.lookup = ext_lookup,
	.put = ext_put,
	.getattr = ext_getattr,
	.readlink = ext_readlink,
	.read = ext_file_read,
	.readdir = ext_readdir,
	.replace = ext_replace,
	.unlink = ext_unlink,
	.rmdir = ext_rmdir,
	.mkdir = ext_mkdir,
	.symlink = ext_symlink,
	.rename = ext_rename,
	.sync = ext_sync,
	.close = ext_close,
};

bool gfs_ext_needs_recovery(const struct gfs *fs)
{
	return fs && fs->ops == &ext_ops && ((struct ext_priv *)fs->priv)->needs_recovery;
}

int gfs_ext_open(struct morph_ctx *ctx, const char *path, uint64_t off, uint64_t size,
		 bool writable, struct gfs **ret)
{
	struct gfs *fs = calloc(1, sizeof(*fs));
	struct ext_priv *p = calloc(1, sizeof(*p));
	char opts[64];
	int flags = EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP;
	errcode_t e;
	int r;

	if (!fs || !p) {
		free(fs);
		free(p);
		return -ENOMEM;
	}
	fs->ops = &ext_ops;
	fs->ctx = ctx;
	fs->priv = p;
	fs->writable = writable;
	snprintf(fs->desc, sizeof(fs->desc), "%s@%llu", path, (unsigned long long)off);
	snprintf(opts, sizeof(opts), "offset=%llu", (unsigned long long)off);
	if (writable)
		flags |= EXT2_FLAG_RW;
	e = ext2fs_open2(path, opts, flags, 0, 0, unix_io_manager, &p->fs);
	if (e) {
		r = ext_errno(e);
		if (r == -ENOENT || r == -EACCES)
			log_err(ctx, "cannot open %s: %s", path, strerror(-r));
		else
			log_err(ctx, "%s: not a usable ext2/3/4 filesystem: %s", fs->desc,
				error_message(e));
		p->fs = NULL;
		goto fail;
	}
	{
		ext2_filsys efs = p->fs;
		uint64_t fsbytes = ext2fs_blocks_count(efs->super) * (uint64_t)efs->blocksize;

		p->needs_recovery = efs->super->s_feature_incompat & EXT3_FEATURE_INCOMPAT_RECOVER;
		/* A superblock claiming more blocks than its partition holds
		 * would let writes land in the next partition. */
		if (size && fsbytes > size) {
			log_err(ctx,
				"%s: filesystem claims %llu bytes but its partition holds %llu",
				fs->desc, (unsigned long long)fsbytes, (unsigned long long)size);
			r = -EUCLEAN;
			goto fail;
		}
		if (writable && p->needs_recovery) {
			log_err(ctx,
				"%s: the journal needs recovery (the guest was not shut down "
				"cleanly); refusing to write. Boot the guest once, or run e2fsck "
				"-fy on it, or use the appliance, whose kernel replays the journal",
				fs->desc);
			r = -EUCLEAN;
			goto fail;
		}
		if (writable && (efs->super->s_state & EXT2_ERROR_FS)) {
			log_err(ctx,
				"%s: the filesystem has errors recorded; refusing to write. Run "
				"e2fsck -f on it first",
				fs->desc);
			r = -EUCLEAN;
			goto fail;
		}
		if (writable) {
			e = ext2fs_read_bitmaps(efs);
			if (e) {
				log_err(ctx, "%s: cannot read bitmaps: %s", fs->desc,
					error_message(e));
				r = ext_errno(e);
				goto fail;
			}
		}
	}
	*ret = fs;
	return 0;
fail:
	if (p->fs)
		ext2fs_free(p->fs);
	p->fs = NULL;
	ext_close(fs);
	return r;
}
