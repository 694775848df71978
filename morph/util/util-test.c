/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for util/: text parsers, SHA-256, unified diff, JSON escaping. */
#include "report/json.h"
#include "util/diff.h"
#include "util/host.h"
#include "util/sha256.h"
#include "util/test.h"
#include "util/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(sha256_vectors)
{
	char hex[SHA256_HEX_LEN + 1];
	char *big = malloc(1000000);

	sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	memset(big, 'a', 1000000);
	sha256_hex(big, 1000000, hex);
	CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(big);
}

/* Adopted buffers live as long as the arena and are freed with it (ASan
 * reports a leak otherwise). */
TEST(arena_adopt_frees_with_the_arena)
{
	struct arena *a;
	char *big = malloc(1 << 20);

	CHECK(big);
	CHECK_INT(arena_new(&a), ==, 0);
	memset(big, 'x', 1 << 20);
	CHECK_INT(arena_adopt(a, big), ==, 0);
	CHECK_STR(arena_strdup(a, "after"), "after");
	CHECK(big[(1 << 20) - 1] == 'x');
	arena_free(a);
}

TEST(kv_shell_quoting)
{
	static const char in[] = "# c\nA=1\nexport B=\"two words\" # tail\nC='lit $x "
				 "\\n'\nD=\"q\\\"x\"\n  E=e\nnot an assignment\nA=last\n";
	struct arena *a;
	kv_list kv = {0};

	CHECK_INT(arena_new(&a), ==, 0);
	CHECK_INT(kv_parse_shell(a, in, sizeof(in) - 1, &kv), ==, 0);
	CHECK_STR(kv_get(&kv, "A"), "last");
	CHECK_STR(kv_get(&kv, "B"), "two words");
	CHECK_STR(kv_get(&kv, "C"), "lit $x \\n");
	CHECK_STR(kv_get(&kv, "D"), "q\"x");
	CHECK_STR(kv_get(&kv, "E"), "e");
	CHECK(kv_get(&kv, "not") == NULL);
	arena_free(a);
}

TEST(ini_and_cmdline)
{
	static const char in[] =
		"[Match]\nName = ens192\n; "
		"c\n[Network]\nAddress=10.0.0.2/24\nAddress=10.0.0.3/24\n[broken\nx=y\n";
	struct arena *a;
	ini_list ini = {0};

	CHECK_INT(arena_new(&a), ==, 0);
	CHECK_INT(ini_parse(a, in, sizeof(in) - 1, &ini), ==, 0);
	CHECK_STR(ini_get(&ini, "Match", "Name"), "ens192");
	CHECK_STR(ini_get(&ini, "Network", "Address"), "10.0.0.3/24");
	CHECK_STR(cmdline_get(a, "ro root=/dev/sda1 quiet root=UUID=x", "root"), "UUID=x");
	CHECK_STR(cmdline_get(a, "rootwait resume=\"/dev/sda5\"", "resume"), "/dev/sda5");
	CHECK(cmdline_get(a, "rootfstype=ext4", "root") == NULL);
	CHECK(cmdline_has_flag("a quiet b", "quiet"));
	CHECK(!cmdline_has_flag("quietly", "quiet"));
	arena_free(a);
}

static char *run_diff(const char *a, const char *b)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK(f);
	CHECK_INT(diff_unified(f, "a", "b", a, a ? strlen(a) : 0, b, b ? strlen(b) : 0), ==, 0);
	fclose(f);
	return out;
}

/* Our diff agrees with diff(1) -u on the same inputs. */
TEST(diff_matches_gnu_diff)
{
	const char *d = test_tmpdir();
	static const char *const cases[][2] = {
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n",
		 "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\nthirteen\n14\n15\n"},
		{"a\nb\nc\n", "a\nb\nc\nd\n"},
		{"a\nb\nc\n", "x\na\nc\n"},
		{"", "new\nfile\n"},
		{"only\n", ""},
		{"a\nb\n", "a\nb"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char pa[4096], pb[4096], po[4096], *ours, *theirs;
		size_t len;
		FILE *f;

		snprintf(pa, sizeof(pa), "%s/a", d);
		snprintf(pb, sizeof(pb), "%s/b", d);
		snprintf(po, sizeof(po), "%s/o", d);
		f = fopen(pa, "w");
		fputs(cases[i][0], f);
		fclose(f);
		f = fopen(pb, "w");
		fputs(cases[i][1], f);
		fclose(f);
		test_sh("cd %s && diff -u a b | sed '1,2s/\\t.*//' > o", d);
		f = fopen(po, "r");
		theirs = calloc(1, 65536);
		len = fread(theirs, 1, 65535, f);
		theirs[len] = 0;
		fclose(f);
		ours = run_diff(cases[i][0], cases[i][1]);
		if (strcmp(ours, theirs) != 0)
			test_fail_("case %zu:\nours:\n%s\ndiff -u:\n%s", i, ours, theirs);
		free(ours);
		free(theirs);
	}
}

TEST(diff_large_file_few_changes)
{
	size_t n = 100000, len = 0;
	char *a = malloc(n * 24), *b, *out;

	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(a + len, "/dev/sdb%zu /m%zu ext4\n", i % 9, i);
	b = strdup(a);
	memcpy(b + 10 * 24, "X", 1);
	memcpy(b + len - 5, "XXXX", 4);
	out = run_diff(a, b);
	CHECK(strstr(out, "@@ "));
	CHECK(strlen(out) < 2000);
	free(out);
	free(a);
	free(b);
}

TEST(json_escapes_hostile_strings)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	json_write_string(f, "a\"b\\c\n\x01\x7f\xff\xc3\xa9\xed\xa0\x80");
	fclose(f);
	CHECK_STR(out, "\"a\\\"b\\\\c\\n\\u0001\\u007f\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\"");
	free(out);
}

/* host_read_file: exact sizes, the cap, and /proc files whose size says 0. */
TEST(host_read_file_sizes)
{
	const char *d = test_tmpdir();
	char path[4096], *buf, *big = malloc(100000);
	size_t len;
	FILE *f;

	CHECK(big);
	memset(big, 'x', 100000);
	snprintf(path, sizeof(path), "%s/f", d);
	f = fopen(path, "w");
	CHECK(f);
	CHECK(fwrite(big, 1, 100000, f) == 100000);
	fclose(f);
	CHECK_INT(host_read_file(path, 100000, &buf, &len), ==, 0);
	CHECK_INT(len, ==, 100000);
	CHECK(memcmp(buf, big, len) == 0 && buf[len] == '\0');
	free(buf);
	CHECK_INT(host_read_file(path, 99999, &buf, &len), ==, -EFBIG);
	/* A proc file: st_size 0, content read to its end, the cap still holds. */
	CHECK_INT(host_read_file("/proc/self/status", 1 << 20, &buf, &len), ==, 0);
	CHECK(len > 0 && strstr(buf, "Name:") == buf && strlen(buf) == len);
	free(buf);
	CHECK_INT(host_read_file("/proc/self/status", 16, &buf, &len), ==, -EFBIG);
	CHECK_INT(host_read_file(d, 100, &buf, &len), ==, -EFBIG);
	free(big);
}

TEST_MAIN()
