/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* inspect_selinux over small guest trees. */
#include "inspect/guest.h"
#include "util/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct guest *cur_guest;

static void free_guest(void)
{
	guest_free(cur_guest);
}

static struct guest *run(void)
{
	struct gtree *t;

	t = test_guest_tree(false);
	CHECK_INT(guest_new(NULL, &cur_guest), ==, 0);
	atexit(free_guest);
	CHECK_INT(inspect_selinux(cur_guest, t), ==, 0);
	gtree_free(t);
	return cur_guest;
}

TEST(enforcing_targeted)
{
	struct guest *g;

	test_guest_put("etc/selinux/config",
		       "# This file controls the state of SELinux on the system.\n"
		       "SELINUX=enforcing\n# SELINUX=disabled\nSELINUXTYPE=targeted\n",
		       0);
	g = run();
	CHECK_STR(g->selinux, "enforcing");
	CHECK_STR(g->selinux_type, "targeted");
	CHECK_INT(g->warnings.n, ==, 0);
}

TEST(quoted_and_mixed_case)
{
	struct guest *g;

	test_guest_put("etc/selinux/config",
		       "SELINUX=\"Permissive\"  # for now\nSELINUXTYPE='mls'\n", 0);
	g = run();
	CHECK_STR(g->selinux, "permissive");
	CHECK_STR(g->selinux_type, "mls");
}

TEST(absent_means_not_installed)
{
	struct guest *g;

	test_guest_put("etc/selinux/semanage.conf", "expand-check=0\n", 0);
	g = run();
	CHECK(g->selinux == NULL);
	CHECK(g->selinux_type == NULL);
	CHECK_INT(g->warnings.n, ==, 0);
}

TEST(no_mode_is_a_warning)
{
	struct guest *g;

	test_guest_put("etc/selinux/config", "SELINUXTYPE=targeted\n", 0);
	g = run();
	CHECK(g->selinux == NULL);
	CHECK_STR(g->selinux_type, "targeted");
	CHECK_INT(g->warnings.n, ==, 1);
}

TEST(unknown_mode_is_kept_and_warned)
{
	struct guest *g;

	test_guest_put("etc/selinux/config", "SELINUX=sometimes\n", 0);
	g = run();
	CHECK_STR(g->selinux, "sometimes");
	CHECK_INT(g->warnings.n, ==, 1);
}

TEST(escaping_symlink_reads_nothing)
{
	const char *d = test_tmpdir();
	struct guest *g;

	CHECK_INT(test_sh("printf 'SELINUX=enforcing\\n' > '%s/config' && "
			  "mkdir -p '%s/g/etc/selinux' && "
			  "ln -s /../../../../../..%s/config '%s/g/etc/selinux/config'",
			  d, d, d, d),
		  ==, 0);
	g = run();
	CHECK(g->selinux == NULL);
}

TEST(oversized_is_a_warning)
{
	struct guest *g;

	const char *root = test_guest_root();

	CHECK_INT(test_sh("mkdir -p '%s/etc/selinux' && "
			  "{ printf 'SELINUX=enforcing\\n'; head -c 2097152 /dev/zero | tr '\\0' "
			  "'#'; } "
			  "> '%s/etc/selinux/config'",
			  root, root),
		  ==, 0);
	g = run();
	CHECK(g->selinux == NULL);
	CHECK_INT(g->warnings.n, ==, 1);
}

TEST_MAIN()
