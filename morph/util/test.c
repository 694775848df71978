/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit-test runner behind util/test.h. Linked into libmorph.a but only
 * test binaries call it. */
#include "util/test.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CASES   512
#define SKIP_STATUS 77

struct test_case test_cases_[MAX_CASES];
size_t test_ncases_;
static char cur_tmp[4096];
static const char *cur_name;

void test_register_(const char *name, void (*fn)(void))
{
	if (test_ncases_ < MAX_CASES)
		test_cases_[test_ncases_++] = (struct test_case){name, fn};
}

void test_skip_(const char *why)
{
	fprintf(stderr, "  SKIP: %s\n", why);
	fflush(NULL);
	_exit(SKIP_STATUS);
}

const char *test_tmpdir(void)
{
	if (!cur_tmp[0]) {
		const char *base = getenv("MORPH_TMP");
		char tmpl[4096];

		snprintf(tmpl, sizeof(tmpl), "%s/%s-XXXXXX", base && *base ? base : "/tmp",
			 cur_name);
		if (!mkdtemp(tmpl))
			test_fail_("mkdtemp %s: %s", tmpl, strerror(errno));
		snprintf(cur_tmp, sizeof(cur_tmp), "%s", tmpl);
	}
	return cur_tmp;
}

const char *test_srcpath(const char *rel)
{
	static char buf[4096];
	const char *src = getenv("MORPH_SRC");

	snprintf(buf, sizeof(buf), "%s/%s", src && *src ? src : ".", rel);
	return buf;
}

int test_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(NULL);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int test_main_(int argc, char **argv)
{
	size_t pass = 0, fail = 0, skip = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	for (size_t i = 0; i < test_ncases_; i++) {
		struct test_case *tc = &test_cases_[i];
		pid_t pid;
		int st = 0;

		if (only && strcmp(only, tc->name) != 0)
			continue;
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			cur_name = tc->name;
			tc->fn();
			fflush(NULL);
			exit(0);
		}
		if (waitpid(pid, &st, 0) < 0)
			st = -1;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			printf("PASS %s\n", tc->name);
			pass++;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == SKIP_STATUS) {
			printf("SKIP %s\n", tc->name);
			skip++;
		} else {
			if (WIFSIGNALED(st))
				printf("FAIL %s (signal %d)\n", tc->name, WTERMSIG(st));
			else
				printf("FAIL %s\n", tc->name);
			fail++;
		}
	}
	printf("%zu passed, %zu failed, %zu skipped\n", pass, fail, skip);
	return fail ? 1 : 0;
}
