/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One conformance suite for both gfs backends: every case runs against the
 * dir backend (a plain tree) and the ext backend (the same tree packed with
 * mke2fs -d into an image, at an offset for the read cases). Mutating cases
 * end with e2fsck -fn on the ext image.
 */
#include "fs/gfs.h"
#include "util/test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum backend { B_DIR, B_EXT };

static char img[4096], root[4096];

/* The reference tree: files, nested dirs, and symlinks that try to leave. */
static void make_tree(const char *d)
{
	CHECK_INT(
		test_sh("set -e; mkdir -p %s/g && cd %s/g && mkdir -p etc/sub/deep boot usr/lib && "
			"printf 'ID=test\\n' > etc/os-release && "
			"printf 'hello\\n' > etc/sub/deep/file && "
			"head -c 300000 /dev/zero | tr '\\0' x > usr/lib/big && "
			"ln -s /../../../../etc/os-release etc/abs-escape && "
			"ln -s ../../../../../../etc/os-release etc/rel-escape && "
			"ln -s sub/deep etc/deeplink && "
			"ln -s /etc/loop1 etc/loop2 && ln -s /etc/loop2 etc/loop1 && "
			"ln -s self-loop etc/self-loop && "
			"ln -s /nonexistent/x etc/dangling && "
			"ln -s %s etc/long-target && "
			"ln -s /etc/sub usr/abs-dir && "
			"printf 'S\\n' > boot/marker && chmod 0640 etc/os-release",
			d, d,
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaaa/os-release"),
		==, 0);
}

static struct gtree *open_backend(enum backend b, bool writable, bool at_offset)
{
	const char *d = test_tmpdir();
	struct gfs *fs;
	struct gtree *t;

	make_tree(d);
	snprintf(root, sizeof(root), "%s/g", d);
	if (b == B_DIR) {
		CHECK_INT(gfs_dir_open(NULL, root, writable, &fs), ==, 0);
	} else {
		uint64_t off = at_offset ? 1048576 : 0;

		snprintf(img, sizeof(img), "%s/fs.img", d);
		if (test_sh("truncate -s %s %s && mke2fs -q -F -t ext4 %s -E offset=%llu -d %s %s "
			    "16M >/dev/null 2>&1",
			    at_offset ? "17M" : "16M", img, at_offset ? "" : "",
			    (unsigned long long)off, root, img) != 0)
			SKIP("mke2fs -d is not available");
		CHECK_INT(gfs_ext_open(NULL, img, off, 16 << 20, writable, &fs), ==, 0);
	}
	CHECK_INT(gtree_new(NULL, fs, &t), ==, 0);
	return t;
}

static void fsck_clean(enum backend b)
{
	if (b == B_EXT)
		CHECK_INT(test_sh("e2fsck -fn %s >%s.fsck 2>&1 || { cat %s.fsck >&2; exit 1; }",
				  img, img, img),
			  ==, 0);
}

static void read_case(enum backend b)
{
	struct gtree *t = open_backend(b, false, true);
	struct gfs_stat st;
	char *buf, *s;
	size_t len;

	CHECK_INT(gtree_read(t, "/etc/os-release", 100, &buf, &len), ==, 0);
	CHECK_STR(buf, "ID=test\n");
	CHECK_INT(len, ==, 8);
	free(buf);
	/* Symlinks that aim outside resolve inside the guest. */
	CHECK_INT(gtree_read(t, "/etc/abs-escape", 100, &buf, &len), ==, 0);
	CHECK_STR(buf, "ID=test\n");
	free(buf);
	CHECK_INT(gtree_read(t, "etc/rel-escape", 100, &buf, &len), ==, 0);
	CHECK_STR(buf, "ID=test\n");
	free(buf);
	CHECK_INT(gtree_read(t, "/../../etc/./sub/../sub/deep/file", 100, &buf, &len), ==, 0);
	CHECK_STR(buf, "hello\n");
	free(buf);
	CHECK_INT(gtree_read(t, "/etc/deeplink/file", 100, &buf, &len), ==, 0);
	free(buf);
	CHECK_INT(gtree_read(t, "/usr/abs-dir/deep/file", 100, &buf, &len), ==, 0);
	free(buf);
	/* Loops, dangling links, caps, types. */
	CHECK_INT(gtree_read(t, "/etc/loop1", 100, &buf, &len), ==, -ELOOP);
	CHECK_INT(gtree_read(t, "/etc/self-loop", 100, &buf, &len), ==, -ELOOP);
	CHECK_INT(gtree_read(t, "/etc/dangling", 100, &buf, &len), ==, -ENOENT);
	CHECK_INT(gtree_read(t, "/etc/long-target", 100, &buf, &len), ==, -ENOENT);
	CHECK_INT(gtree_read(t, "/usr/lib/big", 1000, &buf, &len), ==, -EFBIG);
	CHECK_INT(gtree_read(t, "/usr/lib/big", 300000, &buf, &len), ==, 0);
	CHECK_INT(len, ==, 300000);
	CHECK(buf[0] == 'x' && buf[299999] == 'x');
	free(buf);
	CHECK_INT(gtree_read(t, "/etc", 100, &buf, &len), ==, -EISDIR);
	CHECK_INT(gtree_read(t, "/etc/os-release/x", 100, &buf, &len), ==, -ENOTDIR);
	CHECK_INT(gtree_read(t, "/nope", 100, &buf, &len), ==, -ENOENT);
	/* stat vs lstat, mode. */
	CHECK_INT(gtree_lstat(t, "/etc/abs-escape", &st), ==, 0);
	CHECK_INT(st.type, ==, GFS_LNK);
	CHECK_INT(gtree_stat(t, "/etc/abs-escape", &st), ==, 0);
	CHECK_INT(st.type, ==, GFS_REG);
	CHECK_INT(st.mode, ==, 0640);
	CHECK(gtree_is_dir(t, "/etc/deeplink"));
	CHECK(!gtree_is_dir(t, "/etc/os-release"));
	CHECK_INT(gtree_readlink(t, "/etc/abs-escape", &s), ==, 0);
	CHECK_STR(s, "/../../../../etc/os-release");
	free(s);
	CHECK_INT(gtree_realpath(t, "/etc/deeplink/../deep/file", &s), ==, 0);
	CHECK_STR(s, "/etc/sub/deep/file");
	free(s);
	CHECK_INT(gtree_realpath(t, "/etc/rel-escape", &s), ==, 0);
	CHECK_STR(s, "/etc/os-release");
	free(s);
	CHECK_INT(gtree_realpath(t, "/", &s), ==, 0);
	CHECK_STR(s, "/");
	free(s);
	CHECK_INT(gtree_realpath(t, "/etc/newfile", &s), ==, 0);
	CHECK_STR(s, "/etc/newfile");
	free(s);
	/* Writes are refused on a read-only open. */
	CHECK_INT(gtree_write(t, "/etc/x", "a", 1, NULL), ==, -EROFS);
	gtree_free(t);
}

TEST(read_dir)
{
	read_case(B_DIR);
}
TEST(read_ext)
{
	read_case(B_EXT);
}

struct names {
	char buf[4096];
	int n;
};

static int collect(void *ud, const char *name, enum gfs_type type)
{
	struct names *n = ud;

	strcat(n->buf, name);
	strcat(n->buf, type == GFS_DIR ? "/ " : type == GFS_LNK ? "@ " : " ");
	n->n++;
	return 0;
}

static void readdir_case(enum backend b)
{
	struct gtree *t = open_backend(b, false, false);
	struct names n = {"", 0};

	CHECK_INT(gtree_readdir(t, "/etc/deeplink/..", collect, &n), ==, 0);
	CHECK_STR(n.buf, "deep/ ");
	memset(&n, 0, sizeof(n));
	CHECK_INT(gtree_readdir(t, "/etc", collect, &n), ==, 0);
	CHECK_INT(n.n, ==, 10);
	CHECK(strstr(n.buf, "abs-escape@ "));
	CHECK(strstr(n.buf, "sub/ "));
	CHECK(strstr(n.buf, "os-release "));
	CHECK_INT(gtree_readdir(t, "/etc/os-release", collect, &n), ==, -ENOTDIR);
	gtree_free(t);
}

TEST(readdir_dir)
{
	readdir_case(B_DIR);
}
TEST(readdir_ext)
{
	readdir_case(B_EXT);
}

static void write_case(enum backend b)
{
	struct gtree *t = open_backend(b, true, false);
	struct gfs_attr attr = {0600, 0, 0, true};
	struct gfs_stat st;
	char *buf;
	size_t len;
	char *big = malloc(3 << 20);

	CHECK(big);
	/* Replace keeps mode when asked. */
	CHECK_INT(gtree_write(t, "/etc/os-release", "ID=new\n", 7, &attr), ==, 0);
	CHECK_INT(gtree_read(t, "/etc/os-release", 100, &buf, &len), ==, 0);
	CHECK_STR(buf, "ID=new\n");
	free(buf);
	CHECK_INT(gtree_stat(t, "/etc/os-release", &st), ==, 0);
	CHECK_INT(st.mode, ==, 0640);
	/* Write through an escaping symlink lands inside the guest. */
	CHECK_INT(gtree_write(t, "/etc/abs-escape", "ID=via-link\n", 12, &attr), ==, 0);
	CHECK_INT(gtree_read(t, "/etc/os-release", 100, &buf, &len), ==, 0);
	CHECK_STR(buf, "ID=via-link\n");
	free(buf);
	/* New files, big files, empty files. */
	attr = (struct gfs_attr){0600, 0, 0, false};
	for (size_t i = 0; i < (3u << 20); i++)
		big[i] = (char)(i * 7 + 3);
	CHECK_INT(gtree_write(t, "/usr/lib/new-big", big, 3 << 20, &attr), ==, 0);
	CHECK_INT(gtree_read(t, "/usr/lib/new-big", 4 << 20, &buf, &len), ==, 0);
	CHECK_INT(len, ==, 3 << 20);
	CHECK(memcmp(buf, big, len) == 0);
	free(buf);
	CHECK_INT(gtree_write(t, "/etc/empty", "", 0, &attr), ==, 0);
	CHECK_INT(gtree_stat(t, "/etc/empty", &st), ==, 0);
	CHECK_INT(st.size, ==, 0);
	CHECK_INT(st.mode, ==, 0600);
	/* Directories and symlinks. */
	CHECK_INT(gtree_mkdir_p(t, "/var/lib/morph/run1", NULL), ==, 0);
	CHECK(gtree_is_dir(t, "/var/lib/morph/run1"));
	CHECK_INT(gtree_mkdir(t, "/var/lib", NULL), ==, -EEXIST);
	CHECK_INT(gtree_symlink(t, "/etc/os-release", "/var/lib/morph/l", NULL), ==, 0);
	CHECK_INT(gtree_read(t, "/var/lib/morph/l", 100, &buf, &len), ==, 0);
	free(buf);
	/* Many entries force directory growth. */
	for (int i = 0; i < 300; i++) {
		char p[128];

		snprintf(p, sizeof(p), "/var/lib/morph/run1/file-with-a-long-name-%04d", i);
		CHECK_INT(gtree_write(t, p, p, strlen(p), &attr), ==, 0);
	}
	for (int i = 0; i < 300; i += 2) {
		char p[128];

		snprintf(p, sizeof(p), "/var/lib/morph/run1/file-with-a-long-name-%04d", i);
		CHECK_INT(gtree_unlink(t, p), ==, 0);
	}
	/* Rename over an existing file, unlink, rmdir. */
	CHECK_INT(gtree_rename(t, "/etc/empty", "/etc/sub/moved"), ==, 0);
	CHECK(!gtree_exists(t, "/etc/empty"));
	CHECK(gtree_is_file(t, "/etc/sub/moved"));
	CHECK_INT(gtree_write(t, "/etc/sub/other", "o", 1, &attr), ==, 0);
	CHECK_INT(gtree_rename(t, "/etc/sub/other", "/etc/sub/moved"), ==, 0);
	CHECK_INT(gtree_stat(t, "/etc/sub/moved", &st), ==, 0);
	CHECK_INT(st.size, ==, 1);
	CHECK_INT(gtree_unlink(t, "/etc/sub/moved"), ==, 0);
	CHECK_INT(gtree_rmdir(t, "/etc/sub"), ==, -ENOTEMPTY);
	CHECK_INT(gtree_unlink(t, "/etc/sub"), ==, -EISDIR);
	CHECK_INT(gtree_unlink(t, "/etc/abs-escape"), ==, 0);
	CHECK(gtree_exists(t, "/etc/os-release"));
	CHECK_INT(gtree_mkdir(t, "/etc/emptydir", NULL), ==, 0);
	CHECK_INT(gtree_rmdir(t, "/etc/emptydir"), ==, 0);
	CHECK(!gtree_exists(t, "/etc/emptydir"));
	CHECK_INT(gtree_write(t, "/etc", "x", 1, &attr), ==, -EISDIR);
	CHECK_INT(gtree_write(t, "/", "x", 1, &attr), ==, -EINVAL);
	CHECK_INT(gtree_write(t, "/etc/sub/..", "x", 1, &attr), ==, -EINVAL);
	CHECK_INT(gtree_sync(t), ==, 0);
	gtree_free(t);
	free(big);
	fsck_clean(b);
	/* Nothing escaped onto the host. */
	CHECK(access("/var/lib/morph/l", F_OK) != 0 || b == B_DIR);
}

TEST(write_dir)
{
	write_case(B_DIR);
}
TEST(write_ext)
{
	write_case(B_EXT);
}

/* A pseudo-random sequence of mutations, then e2fsck. */
TEST(random_ops_ext)
{
	struct gtree *t = open_backend(B_EXT, true, false);
	struct gfs_attr attr = {0644, 0, 0, false};
	unsigned seed = 12345;
	static char data[200000];

	for (int i = 0; i < 400; i++) {
		char p[64];
		unsigned op, f, n;

		seed = seed * 1103515245 + 12345;
		op = (seed >> 16) % 5;
		f = (seed >> 8) % 40;
		n = (seed >> 4) % sizeof(data);
		snprintf(p, sizeof(p), "/rnd/d%u/f%u", f % 4, f);
		if (gtree_mkdir_p(t, "/rnd/d0", NULL) || gtree_mkdir_p(t, "/rnd/d1", NULL) ||
		    gtree_mkdir_p(t, "/rnd/d2", NULL) || gtree_mkdir_p(t, "/rnd/d3", NULL))
			CHECK(0);
		memset(data, (int)('a' + f), n);
		switch (op) {
		case 0:
		case 1: CHECK_INT(gtree_write(t, p, data, n, &attr), ==, 0); break;
		case 2: {
			int r = gtree_unlink(t, p);

			CHECK(r == 0 || r == -ENOENT);
			break;
		}
		case 3: {
			char q[64];
			int r;

			snprintf(q, sizeof(q), "/rnd/d%u/g%u", f % 4, f);
			r = gtree_rename(t, p, q);
			CHECK(r == 0 || r == -ENOENT);
			break;
		}
		default: {
			char *buf;
			size_t len;
			int r = gtree_read(t, p, sizeof(data), &buf, &len);

			CHECK(r == 0 || r == -ENOENT);
			if (r == 0) {
				for (size_t k = 0; k < len; k++)
					CHECK(buf[k] == buf[0]);
				free(buf);
			}
		}
		}
	}
	gtree_free(t);
	fsck_clean(B_EXT);
}

/* Disk full in the middle of a replace: old content stays, fs clean. */
TEST(enospc_ext)
{
	const char *d = test_tmpdir();
	struct gfs_attr attr = {0644, 0, 0, true};
	struct gfs *fs;
	struct gtree *t;
	char *buf, *big;
	size_t len, bigsize = 4 << 20;
	int r;

	snprintf(img, sizeof(img), "%s/small.img", d);
	CHECK_INT(test_sh("mkdir -p %s/s/etc && printf 'old\\n' > %s/s/etc/f && "
			  "mke2fs -q -F -t ext4 -d %s/s %s 2M >/dev/null 2>&1",
			  d, d, d, img),
		  ==, 0);
	CHECK_INT(gfs_ext_open(NULL, img, 0, 0, true, &fs), ==, 0);
	CHECK_INT(gtree_new(NULL, fs, &t), ==, 0);
	big = malloc(bigsize);
	CHECK(big);
	memset(big, 'n', bigsize);
	r = gtree_write(t, "/etc/f", big, bigsize, &attr);
	CHECK_INT(r, ==, -ENOSPC);
	CHECK_INT(gtree_read(t, "/etc/f", 100, &buf, &len), ==, 0);
	CHECK_STR(buf, "old\n");
	free(buf);
	/* A small write still works afterwards. */
	CHECK_INT(gtree_write(t, "/etc/f", "new\n", 4, &attr), ==, 0);
	gtree_free(t);
	free(big);
	fsck_clean(B_EXT);
}

TEST(needs_recovery_ext)
{
	const char *d = test_tmpdir();
	struct gfs *fs;

	snprintf(img, sizeof(img), "%s/j.img", d);
	CHECK_INT(test_sh("mke2fs -q -F -t ext4 %s 8M >/dev/null 2>&1 && "
			  "debugfs -w -R 'feature needs_recovery' %s >/dev/null 2>&1",
			  img, img),
		  ==, 0);
	CHECK_INT(gfs_ext_open(NULL, img, 0, 0, true, &fs), ==, -EUCLEAN);
	CHECK_INT(gfs_ext_open(NULL, img, 0, 0, false, &fs), ==, 0);
	CHECK(gfs_ext_needs_recovery(fs));
	gfs_close(fs);
}

TEST(bad_superblock_ext)
{
	const char *d = test_tmpdir();
	struct gfs *fs;

	snprintf(img, sizeof(img), "%s/b.img", d);
	CHECK_INT(test_sh("mke2fs -q -F -t ext4 %s 8M >/dev/null 2>&1 && "
			  "dd if=/dev/zero of=%s bs=1 seek=1080 count=2 conv=notrunc 2>/dev/null",
			  img, img),
		  ==, 0);
	CHECK_INT(gfs_ext_open(NULL, img, 0, 0, false, &fs), ==, -EUCLEAN);
	/* Bigger than its partition. */
	CHECK_INT(test_sh("mke2fs -q -F -t ext4 %s 8M >/dev/null 2>&1", img), ==, 0);
	CHECK_INT(gfs_ext_open(NULL, img, 0, 4 << 20, false, &fs), ==, -EUCLEAN);
}

/* A second filesystem mounted into the tree. */
TEST(mounts_dir)
{
	const char *d = test_tmpdir();
	struct gfs *rootfs, *bootfs;
	struct gtree *t;
	char p[4096], *buf;
	size_t len;

	CHECK_INT(test_sh("mkdir -p %s/r/boot %s/r/etc %s/b/grub && echo B > %s/b/grub/x && "
			  "ln -s ../../../.. %s/b/up && ln -s /etc %s/b/abs",
			  d, d, d, d, d, d),
		  ==, 0);
	snprintf(p, sizeof(p), "%s/r", d);
	CHECK_INT(gfs_dir_open(NULL, p, false, &rootfs), ==, 0);
	snprintf(p, sizeof(p), "%s/b", d);
	CHECK_INT(gfs_dir_open(NULL, p, false, &bootfs), ==, 0);
	CHECK_INT(gtree_new(NULL, rootfs, &t), ==, 0);
	CHECK_INT(gtree_mount(t, "/boot", bootfs), ==, 0);
	CHECK_INT(gtree_read(t, "/boot/grub/x", 10, &buf, &len), ==, 0);
	CHECK_STR(buf, "B\n");
	free(buf);
	/* ".." from the mounted root goes back to the guest's /, and up-links
	 * stop there. */
	CHECK(gtree_is_dir(t, "/boot/../etc"));
	CHECK(gtree_is_dir(t, "/boot/up/etc"));
	CHECK(gtree_is_dir(t, "/boot/abs"));
	CHECK_INT(gtree_unlink(t, "/boot"), ==, -EBUSY);
	gtree_free(t);
}

TEST_MAIN()
