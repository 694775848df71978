/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest trees for unit tests: a fresh guest root per case, files written
 * into it (test setup only: the code under test reads through a gtree), and
 * the tree opened with the dir backend.
 */
#include "fs/gfs.h"
#include "util/test.h"

#include <sys/stat.h>

static char guest_root[4096];

const char *test_guest_root(void)
{
	snprintf(guest_root, sizeof(guest_root), "%s/g", test_tmpdir());
	CHECK_INT(test_sh("mkdir -p '%s'", guest_root), ==, 0);
	return guest_root;
}

void test_guest_put(const char *rel, const char *content, int mode)
{
	char path[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_guest_root(), rel);
	CHECK_INT(test_sh("mkdir -p \"$(dirname '%s')\"", path), ==, 0);
	f = fopen(path, "w");
	CHECK(f != NULL);
	CHECK_INT(fputs(content, f), >=, 0);
	CHECK_INT(fclose(f), ==, 0);
	CHECK_INT(chmod(path, (mode_t)(mode ? mode : 0644)), ==, 0);
}

void test_guest_sh(const char *cmd)
{
	CHECK_INT(test_sh("set -e; cd '%s' && %s", test_guest_root(), cmd), ==, 0);
}

struct gtree *test_guest_tree(bool writable)
{
	struct gfs *fs;
	struct gtree *t;

	CHECK_INT(gfs_dir_open(NULL, test_guest_root(), writable, &fs), ==, 0);
	CHECK_INT(gtree_new(NULL, fs, &t), ==, 0);
	return t;
}
