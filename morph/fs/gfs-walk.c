/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest tree and its path walker: the one place guest paths are
 * resolved, for every backend.
 *
 * Safety argument: the walker keeps a stack of the nodes from the guest root
 * to the current directory. ".." pops the stack but never below the root; a
 * symlink's target is spliced in front of the remaining path, and an absolute
 * target first pops the stack back to the root. Backends only ever look up a
 * single name (no '/') in a directory node, and never follow symlinks
 * themselves, so no resolution can leave the guest root. Loops end at
 * GFS_MAX_SYMLINKS (-ELOOP); depth is capped at GFS_MAX_DEPTH.
 */
#include "fs/gfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mount {
	char *path; /* canonical: "/boot" */
	struct gfs *fs;
};

struct gtree {
	struct morph_ctx *ctx;
	struct gfs *root;
	struct mount *mounts;
	size_t nmounts;
};

struct frame {
	struct gfs *fs;
	uint64_t node;
	size_t pathlen; /* length of the canonical path up to this frame */
};

struct walk {
	struct gtree *t;
	struct frame st[GFS_MAX_DEPTH + 1];
	size_t depth;		     /* frames in use; st[0] is the guest root */
	char path[GFS_MAX_PATH + 1]; /* canonical path of the top frame */
};

/* What a resolve produces: the final node (if it exists) and its parent. */
struct resolved {
	struct gfs *fs;
	uint64_t node;
	bool exists;
	struct gfs *dirfs; /* parent directory */
	uint64_t dir;
	char name[GFS_MAX_NAME + 1];
};

enum {
	RES_FOLLOW = 1, /* follow a symlink in the last component */
	RES_PARENT = 2, /* the last component may be missing */
};

void gfs_close(struct gfs *fs)
{
	if (fs && fs->ops && fs->ops->close)
		fs->ops->close(fs);
}

int gtree_new(struct morph_ctx *ctx, struct gfs *root, struct gtree **ret)
{
	struct gtree *t = calloc(1, sizeof(*t));

	if (!t) {
		gfs_close(root);
		return -ENOMEM;
	}
	t->ctx = ctx;
	t->root = root;
	*ret = t;
	return 0;
}

void gtree_free(struct gtree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nmounts; i++) {
		gfs_close(t->mounts[i].fs);
		free(t->mounts[i].path);
	}
	free(t->mounts);
	if (t->root)
		gfs_close(t->root);
	free(t);
}

struct gfs *gtree_detach_root(struct gtree *t)
{
	struct gfs *root = t->root;

	t->root = NULL;
	gtree_free(t);
	return root;
}

struct morph_ctx *gtree_ctx(const struct gtree *t)
{
	return t->ctx;
}

const struct gfs *gtree_root_fs(const struct gtree *t)
{
	return t->root;
}

static struct gfs *mount_at(const struct gtree *t, const char *path)
{
	for (size_t i = 0; i < t->nmounts; i++)
		if (strcmp(t->mounts[i].path, path) == 0)
			return t->mounts[i].fs;
	return NULL;
}

static void walk_release(struct walk *w)
{
	while (w->depth > 0) {
		struct frame *f = &w->st[--w->depth];

		f->fs->ops->put(f->fs, f->node);
	}
}

static int walk_init(struct walk *w, struct gtree *t)
{
	int r;

	w->t = t;
	w->depth = 0;
	w->path[0] = '\0';
	r = t->root->ops->root(t->root, &w->st[0].node);
	if (r < 0)
		return r;
	w->st[0].fs = t->root;
	w->st[0].pathlen = 0;
	w->depth = 1;
	return 0;
}

static void walk_pop(struct walk *w)
{
	struct frame *f;

	if (w->depth <= 1)
		return; /* ".." at the guest root stays at the root */
	f = &w->st[--w->depth];
	f->fs->ops->put(f->fs, f->node);
	w->path[w->st[w->depth - 1].pathlen] = '\0';
}

static void walk_to_root(struct walk *w)
{
	while (w->depth > 1)
		walk_pop(w);
}

/* Push node (named name, already looked up in the top frame) and switch to
 * a mounted filesystem when the new canonical path is a mountpoint. */
static int walk_push(struct walk *w, struct gfs *fs, uint64_t node, const char *name)
{
	size_t plen = w->st[w->depth - 1].pathlen, nlen = strlen(name);
	struct gfs *mfs;
	int r;

	if (w->depth > GFS_MAX_DEPTH || plen + 1 + nlen > GFS_MAX_PATH) {
		fs->ops->put(fs, node);
		return -ENAMETOOLONG;
	}
	w->path[plen] = '/';
	memcpy(w->path + plen + 1, name, nlen + 1);
	mfs = mount_at(w->t, w->path);
	if (mfs) {
		uint64_t mroot;

		r = mfs->ops->root(mfs, &mroot);
		fs->ops->put(fs, node);
		if (r < 0) {
			w->path[plen] = '\0';
			return r;
		}
		fs = mfs;
		node = mroot;
	}
	w->st[w->depth++] = (struct frame){fs, node, plen + 1 + nlen};
	return 0;
}

/* Take the next component off *rest (a NUL-terminated remaining path). */
static size_t next_component(char **rest, char *out)
{
	char *p = *rest, *s;
	size_t n;

	while (*p == '/')
		p++;
	s = p;
	while (*p && *p != '/')
		p++;
	n = (size_t)(p - s);
	if (n <= GFS_MAX_NAME) {
		memcpy(out, s, n);
		out[n] = '\0';
	}
	*rest = p;
	return n;
}

static bool rest_is_empty(const char *rest)
{
	while (*rest == '/')
		rest++;
	return *rest == '\0';
}

/*
 * Resolve path. On success with RES_PARENT the parent frame stays on the
 * walk's stack top and res->name is the last component; otherwise the final
 * node is on top. The caller releases the walk in every case.
 */
static int resolve(struct walk *w, struct gtree *t, const char *path, int flags,
		   struct resolved *res)
{
	/* Remaining path; grows when a symlink target is spliced in. */
	size_t cap = strlen(path) + 1;
	char *buf, *rest, name[GFS_MAX_NAME + 1];
	unsigned links = 0;
	int r;

	memset(res, 0, sizeof(*res));
	w->depth = 0;
	if (cap > GFS_MAX_PATH)
		return -ENAMETOOLONG;
	r = walk_init(w, t);
	if (r < 0)
		return r;
	buf = strdup(path);
	if (!buf)
		return -ENOMEM;
	rest = buf;
	for (;;) {
		struct frame *top = &w->st[w->depth - 1];
		struct gfs_stat st;
		uint64_t child;
		size_t n = next_component(&rest, name);
		bool last;

		if (n == 0) {
			/* Path ended: the top frame is the result. */
			res->fs = top->fs;
			res->node = top->node;
			res->exists = true;
			res->name[0] = '\0';
			break;
		}
		if (n > GFS_MAX_NAME) {
			r = -ENAMETOOLONG;
			goto out;
		}
		last = rest_is_empty(rest);
		if (strcmp(name, ".") == 0 && !last)
			continue;
		if (strcmp(name, "..") == 0 && !last) {
			walk_pop(w);
			continue;
		}
		r = top->fs->ops->getattr(top->fs, top->node, &st);
		if (r < 0)
			goto out;
		if (st.type != GFS_DIR) {
			r = -ENOTDIR;
			goto out;
		}
		if (last && (flags & RES_PARENT) &&
		    (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)) {
			r = -EINVAL;
			goto out;
		}
		if (last && strcmp(name, ".") == 0) {
			res->fs = top->fs;
			res->node = top->node;
			res->exists = true;
			break;
		}
		if (last && strcmp(name, "..") == 0) {
			walk_pop(w);
			top = &w->st[w->depth - 1];
			res->fs = top->fs;
			res->node = top->node;
			res->exists = true;
			break;
		}
		r = top->fs->ops->lookup(top->fs, top->node, name, &child);
		if (r == -ENOENT && last && (flags & RES_PARENT)) {
			res->dirfs = top->fs;
			res->dir = top->node;
			memcpy(res->name, name, n + 1);
			res->exists = false;
			r = 0;
			break;
		}
		if (r < 0)
			goto out;
		r = top->fs->ops->getattr(top->fs, child, &st);
		if (r < 0) {
			top->fs->ops->put(top->fs, child);
			goto out;
		}
		if (st.type == GFS_LNK && (!last || (flags & RES_FOLLOW))) {
			char target[GFS_MAX_PATH + 1];
			size_t tlen = 0, rlen = strlen(rest);
			char *nbuf;

			r = top->fs->ops->readlink(top->fs, child, target, GFS_MAX_PATH, &tlen);
			top->fs->ops->put(top->fs, child);
			if (r < 0)
				goto out;
			if (++links > GFS_MAX_SYMLINKS) {
				r = -ELOOP;
				goto out;
			}
			if (tlen == 0 || memchr(target, '\0', tlen)) {
				r = -ENOENT;
				goto out;
			}
			if (tlen + 1 + rlen > GFS_MAX_PATH) {
				r = -ENAMETOOLONG;
				goto out;
			}
			nbuf = malloc(tlen + 1 + rlen + 1);
			if (!nbuf) {
				r = -ENOMEM;
				goto out;
			}
			memcpy(nbuf, target, tlen);
			nbuf[tlen] = '/';
			memcpy(nbuf + tlen + 1, rest, rlen + 1);
			free(buf);
			buf = rest = nbuf;
			if (target[0] == '/')
				walk_to_root(w);
			continue;
		}
		if (last && (flags & RES_PARENT)) {
			/* Keep the parent on top; the caller wants both. */
			res->dirfs = top->fs;
			res->dir = top->node;
			memcpy(res->name, name, n + 1);
			res->exists = true;
			res->fs = top->fs;
			res->node = child;
			/* Owned by the caller through the walk: push it so
			 * walk_release puts it, but remember the parent. */
			r = walk_push(w, top->fs, child, name);
			if (r < 0)
				goto out;
			/* A mountpoint's root is not an entry of the parent. */
			res->fs = w->st[w->depth - 1].fs;
			res->node = w->st[w->depth - 1].node;
			if (res->fs != res->dirfs) {
				r = -EBUSY;
				goto out;
			}
			break;
		}
		r = walk_push(w, top->fs, child, name);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	free(buf);
	return r;
}

int gtree_mount(struct gtree *t, const char *mountpoint, struct gfs *fs)
{
	struct walk w;
	struct resolved res;
	struct mount *nm;
	struct gfs_stat st;
	char *canon = NULL;
	int r;

	r = resolve(&w, t, mountpoint, RES_FOLLOW, &res);
	if (r == 0) {
		r = res.fs->ops->getattr(res.fs, res.node, &st);
		if (r == 0 && st.type != GFS_DIR)
			r = -ENOTDIR;
		if (r == 0)
			canon = strdup(w.depth > 1 ? w.path : "/");
		if (r == 0 && !canon)
			r = -ENOMEM;
	}
	walk_release(&w);
	if (r == 0 && strcmp(canon, "/") == 0)
		r = -EBUSY;
	if (r == 0 && mount_at(t, canon))
		r = -EBUSY;
	if (r < 0) {
		free(canon);
		gfs_close(fs);
		return r;
	}
	nm = realloc(t->mounts, (t->nmounts + 1) * sizeof(*nm));
	if (!nm) {
		free(canon);
		gfs_close(fs);
		return -ENOMEM;
	}
	t->mounts = nm;
	t->mounts[t->nmounts++] = (struct mount){canon, fs};
	return 0;
}

static int stat_common(struct gtree *t, const char *path, int flags, struct gfs_stat *ret)
{
	struct walk w;
	struct resolved res;
	int r = resolve(&w, t, path, flags, &res);

	if (r == 0)
		r = res.fs->ops->getattr(res.fs, res.node, ret);
	walk_release(&w);
	return r;
}

int gtree_stat(struct gtree *t, const char *path, struct gfs_stat *ret)
{
	return stat_common(t, path, RES_FOLLOW, ret);
}

int gtree_lstat(struct gtree *t, const char *path, struct gfs_stat *ret)
{
	return stat_common(t, path, 0, ret);
}

bool gtree_exists(struct gtree *t, const char *path)
{
	struct gfs_stat st;

	return gtree_lstat(t, path, &st) == 0;
}

bool gtree_is_dir(struct gtree *t, const char *path)
{
	struct gfs_stat st;

	return gtree_stat(t, path, &st) == 0 && st.type == GFS_DIR;
}

bool gtree_is_file(struct gtree *t, const char *path)
{
	struct gfs_stat st;

	return gtree_stat(t, path, &st) == 0 && st.type == GFS_REG;
}

int gtree_read(struct gtree *t, const char *path, size_t max, char **ret, size_t *len)
{
	struct walk w;
	struct resolved res;
	struct gfs_stat st;
	char *buf = NULL;
	size_t got = 0;
	int r;

	r = resolve(&w, t, path, RES_FOLLOW, &res);
	if (r < 0)
		goto out;
	r = res.fs->ops->getattr(res.fs, res.node, &st);
	if (r < 0)
		goto out;
	if (st.type == GFS_DIR) {
		r = -EISDIR;
		goto out;
	}
	if (st.type != GFS_REG) {
		r = -EINVAL;
		goto out;
	}
	if (st.size > max) {
		log_err(t->ctx, "guest file %s is %llu bytes, over the %zu-byte limit", path,
			(unsigned long long)st.size, max);
		r = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (got < st.size) {
		size_t n = 0;

		r = res.fs->ops->read(res.fs, res.node, got, buf + got, (size_t)st.size - got, &n);
		if (r < 0)
			goto out;
		if (n == 0)
			break; /* shrank under us: return what is there */
		got += n;
	}
	buf[got] = '\0';
	*ret = buf;
	*len = got;
	buf = NULL;
	r = 0;
out:
	free(buf);
	walk_release(&w);
	return r;
}

int gtree_pread(struct gtree *t, const char *path, uint64_t off, void *buf, size_t len, size_t *got)
{
	struct walk w;
	struct resolved res;
	struct gfs_stat st;
	int r;

	r = resolve(&w, t, path, RES_FOLLOW, &res);
	if (r == 0)
		r = res.fs->ops->getattr(res.fs, res.node, &st);
	if (r == 0 && st.type != GFS_REG)
		r = st.type == GFS_DIR ? -EISDIR : -EINVAL;
	if (r == 0) {
		size_t total = 0;

		while (total < len) {
			size_t n = 0;

			r = res.fs->ops->read(res.fs, res.node, off + total, (char *)buf + total,
					      len - total, &n);
			if (r < 0 || n == 0)
				break;
			total += n;
		}
		if (r == 0)
			*got = total;
	}
	walk_release(&w);
	return r;
}

int gtree_readlink(struct gtree *t, const char *path, char **ret)
{
	struct walk w;
	struct resolved res;
	struct gfs_stat st;
	char target[GFS_MAX_PATH + 1];
	size_t tlen = 0;
	int r;

	r = resolve(&w, t, path, 0, &res);
	if (r == 0)
		r = res.fs->ops->getattr(res.fs, res.node, &st);
	if (r == 0 && st.type != GFS_LNK)
		r = -EINVAL;
	if (r == 0)
		r = res.fs->ops->readlink(res.fs, res.node, target, GFS_MAX_PATH, &tlen);
	if (r == 0) {
		target[tlen] = '\0';
		*ret = strdup(target);
		if (!*ret)
			r = -ENOMEM;
	}
	walk_release(&w);
	return r;
}

int gtree_realpath(struct gtree *t, const char *path, char **ret)
{
	struct walk w;
	struct resolved res;
	char *out = NULL;
	int r;

	r = resolve(&w, t, path, RES_FOLLOW | RES_PARENT, &res);
	if (r == 0) {
		/* With RES_PARENT an existing last component was pushed, a
		 * missing one was not. */
		if (res.exists || res.name[0] == '\0')
			out = strdup(w.depth > 1 ? w.path : "/");
		else if (asprintf(&out, "%s/%s", w.depth > 1 ? w.path : "", res.name) < 0)
			out = NULL;
		if (!out)
			r = -ENOMEM;
	}
	walk_release(&w);
	if (r == 0)
		*ret = out;
	return r;
}

int gtree_readdir(struct gtree *t, const char *path, gfs_dir_cb cb, void *ud)
{
	struct walk w;
	struct resolved res;
	struct gfs_stat st;
	int r;

	r = resolve(&w, t, path, RES_FOLLOW, &res);
	if (r == 0)
		r = res.fs->ops->getattr(res.fs, res.node, &st);
	if (r == 0 && st.type != GFS_DIR)
		r = -ENOTDIR;
	if (r == 0)
		r = res.fs->ops->readdir(res.fs, res.node, cb, ud);
	walk_release(&w);
	return r;
}

/* Resolve the parent of path for a mutation; checks writability. */
static int resolve_parent(struct walk *w, struct gtree *t, const char *path, int flags,
			  struct resolved *res)
{
	int r = resolve(w, t, path, flags | RES_PARENT, res);

	if (r < 0)
		return r;
	if (!res->dirfs || res->name[0] == '\0')
		return -EINVAL; /* "/" or a path ending in "." */
	if (!res->dirfs->writable)
		return -EROFS;
	return 0;
}

int gtree_write(struct gtree *t, const char *path, const void *data, size_t len,
		const struct gfs_attr *attr)
{
	struct walk w;
	struct resolved res;
	int r = resolve_parent(&w, t, path, RES_FOLLOW, &res);

	if (r == 0 && res.exists) {
		struct gfs_stat st;

		r = res.fs->ops->getattr(res.fs, res.node, &st);
		if (r == 0 && st.type == GFS_DIR)
			r = -EISDIR;
		else if (r == 0 && st.type != GFS_REG)
			r = -EINVAL;
	}
	if (r == 0)
		r = res.dirfs->ops->replace(res.dirfs, res.dir, res.name, data, len, attr);
	walk_release(&w);
	return r;
}

int gtree_unlink(struct gtree *t, const char *path)
{
	struct walk w;
	struct resolved res;
	int r = resolve_parent(&w, t, path, 0, &res);

	if (r == 0 && !res.exists)
		r = -ENOENT;
	if (r == 0)
		r = res.dirfs->ops->unlink(res.dirfs, res.dir, res.name);
	walk_release(&w);
	return r;
}

int gtree_rmdir(struct gtree *t, const char *path)
{
	struct walk w;
	struct resolved res;
	int r = resolve_parent(&w, t, path, 0, &res);

	if (r == 0 && !res.exists)
		r = -ENOENT;
	if (r == 0)
		r = res.dirfs->ops->rmdir(res.dirfs, res.dir, res.name);
	walk_release(&w);
	return r;
}

static const struct gfs_attr default_dir_attr = {0755, 0, 0, false};

int gtree_mkdir(struct gtree *t, const char *path, const struct gfs_attr *attr)
{
	struct walk w;
	struct resolved res;
	int r = resolve_parent(&w, t, path, 0, &res);

	if (r == 0 && res.exists)
		r = -EEXIST;
	if (r == 0)
		r = res.dirfs->ops->mkdir(res.dirfs, res.dir, res.name,
					  attr ? attr : &default_dir_attr);
	walk_release(&w);
	return r;
}

int gtree_mkdir_p(struct gtree *t, const char *path, const struct gfs_attr *attr)
{
	char buf[GFS_MAX_PATH + 1];
	size_t len = strlen(path);

	if (len > GFS_MAX_PATH)
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if (!gtree_is_dir(t, buf)) {
			int r = gtree_mkdir(t, buf, attr);

			if (r < 0 && r != -EEXIST)
				return r;
			if (!gtree_is_dir(t, buf))
				return -ENOTDIR;
		}
		buf[i] = path[i];
	}
	return 0;
}

int gtree_symlink(struct gtree *t, const char *target, const char *path,
		  const struct gfs_attr *attr)
{
	struct walk w;
	struct resolved res;
	int r;

	if (strlen(target) > GFS_MAX_PATH || !*target)
		return -EINVAL;
	r = resolve_parent(&w, t, path, 0, &res);
	if (r == 0 && res.exists)
		r = -EEXIST;
	if (r == 0)
		r = res.dirfs->ops->symlink(res.dirfs, res.dir, res.name, target,
					    attr ? attr : &default_dir_attr);
	walk_release(&w);
	return r;
}

int gtree_rename(struct gtree *t, const char *oldpath, const char *newpath)
{
	struct walk w1, w2;
	struct resolved a, b;
	int r = resolve_parent(&w1, t, oldpath, 0, &a);

	if (r == 0 && !a.exists)
		r = -ENOENT;
	if (r < 0) {
		walk_release(&w1);
		return r;
	}
	r = resolve_parent(&w2, t, newpath, 0, &b);
	if (r == 0 && a.dirfs != b.dirfs)
		r = -EXDEV;
	if (r == 0)
		r = a.dirfs->ops->rename(a.dirfs, a.dir, a.name, b.dir, b.name);
	walk_release(&w2);
	walk_release(&w1);
	return r;
}

int gtree_sync(struct gtree *t)
{
	int r = 0;

	if (t->root->writable && t->root->ops->sync)
		r = t->root->ops->sync(t->root);
	for (size_t i = 0; i < t->nmounts && r == 0; i++)
		if (t->mounts[i].fs->writable && t->mounts[i].fs->ops->sync)
			r = t->mounts[i].fs->ops->sync(t->mounts[i].fs);
	return r;
}
