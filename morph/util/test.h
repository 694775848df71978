/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tiny unit-test harness. Each *-test.c defines its cases with TEST(name)
 * and ends with TEST_MAIN(). Every case runs in its own child process, so a
 * crash fails one case, not the run. Output: one "PASS name" / "FAIL name"
 * line per case, then "N passed, N failed". Environment: MORPH_SRC (source
 * top), MORPH_BUILD (build dir), MORPH_TMP (scratch dir for this binary).
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

extern struct test_case test_cases_[];
extern size_t test_ncases_;
void test_register_(const char *name, void (*fn)(void));
int test_main_(int argc, char **argv);
/* Marks the running case skipped with a reason (exits the child). */
void test_skip_(const char *why) __attribute__((noreturn));
/* A fresh scratch directory for the running case (under MORPH_TMP). */
const char *test_tmpdir(void);
/* Path of a file in the source tree (static buffer). */
const char *test_srcpath(const char *rel);
/* Guest trees (test-guest.c): the case's guest root <tmp>/g, a file
 * written into it (parents made; mode 0 = 0644), a shell command run in it,
 * and the tree opened with the dir backend. */
struct gtree;
const char *test_guest_root(void);
void test_guest_put(const char *rel, const char *content, int mode);
void test_guest_sh(const char *cmd);
struct gtree *test_guest_tree(bool writable);
/* Run a shell command; returns its exit status or -1. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	__attribute__((constructor)) static void test_reg_##name(void)                             \
	{                                                                                          \
		test_register_(#name, test_##name);                                                \
	}                                                                                          \
	static void test_##name(void)

#define TEST_MAIN()                                                                                \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		return test_main_(argc, argv);                                                     \
	}

#define test_fail_(...)                                                                            \
	do {                                                                                       \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                  \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		exit(1);                                                                           \
	} while (0)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			test_fail_("CHECK(%s) failed", #cond);                                     \
	} while (0)

#define CHECK_INT(a, op, b)                                                                        \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (!(a_ op b_))                                                                   \
			test_fail_("%s %s %s: %lld vs %lld", #a, #op, #b, a_, b_);                 \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                                             \
			test_fail_("%s == %s: \"%s\" vs \"%s\"", #a, #b, a_ ? a_ : "(null)",       \
				   b_ ? b_ : "(null)");                                            \
	} while (0)

#define SKIP(why) test_skip_(why)
