/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * moddeps_resolve over module trees built per case: tiny relocatable
 * objects that export symbols (__ksymtab_strings), call each other's, and
 * carry aliases and softdeps in .modinfo -- enough for the host's depmod to
 * write real indexes, which libkmod then reads. Hostile cases overwrite the
 * indexes with junk.
 */
#include "initramfs/moddeps.h"
#include "util/test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VER "6.1.0-test"

static char dir[4096];

/* A module kernel/<name>.ko exporting <name>_fn, calling the functions of
 * uses (space separated), with extra .modinfo fields. */
static void mod(const char *name, const char *uses, const char *modinfo)
{
	char src[4200], calls[512] = "", decls[512] = "";
	FILE *f;

	for (const char *u = uses; *u;) {
		size_t n = strcspn(u, " ");

		snprintf(decls + strlen(decls), sizeof(decls) - strlen(decls),
			 "int %.*s_fn(void);\n", (int)n, u);
		snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), " + %.*s_fn()",
			 (int)n, u);
		u += n;
		while (*u == ' ')
			u++;
	}
	snprintf(src, sizeof(src), "%s/%s.c", test_tmpdir(), name);
	f = fopen(src, "w");
	CHECK(f);
	fprintf(f,
		"__attribute__((section(\".modinfo\"), used)) static const char mi[] = "
		"\"license=GPL\\0%s\";\n"
		"__attribute__((section(\"__ksymtab_strings\"), used)) static const char ks[] = "
		"\"%s_fn\";\n%sint %s_fn(void);\nint %s_fn(void) { return 1%s; }\n",
		modinfo, name, decls, name, name, calls);
	CHECK_INT(fclose(f), ==, 0);
	CHECK_INT(test_sh("mkdir -p '%s/kernel' && cc -c -o '%s/kernel/%s.ko' '%s'", dir, dir, name,
			  src),
		  ==, 0);
}

static void tree(void)
{
	if (test_sh("command -v cc >/dev/null && (command -v depmod || test -x /usr/sbin/depmod "
		    "|| test -x /sbin/depmod) >/dev/null") != 0)
		SKIP("needs cc and depmod (Debian: kmod)");
	snprintf(dir, sizeof(dir), "%s/lib/modules/" VER, test_tmpdir());
	CHECK_INT(test_sh("mkdir -p '%s'", dir), ==, 0);
	mod("virtio", "", "alias=virtio:*\\0");
	mod("virtio_ring", "virtio", "");
	mod("virtio_pci", "virtio_ring virtio", "alias=pci:v00001AF4d*sv*sd*bc*sc*i*\\0");
	mod("crc32c", "", "");
	mod("virtio_blk", "virtio_ring", "alias=virtio:d00000002v*\\0softdep=pre: crc32c\\0");
	mod("vmw_pvscsi", "", "");
	CHECK_INT(test_sh("printf 'kernel/drivers/block/loop.ko\\n' > '%s/modules.builtin'", dir),
		  ==, 0);
}

static void depmod(void)
{
	CHECK_INT(test_sh("PATH=$PATH:/usr/sbin:/sbin depmod -b '%s' " VER " 2>/dev/null",
			  test_tmpdir()),
		  ==, 0);
}

static const struct moddep *find(const struct moddep *m, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

TEST(closure_with_softdeps_builtins_and_absent)
{
	const char *names[] = {"virtio_pci", "virtio-blk", "loop", "virtio_net"};
	struct moddep *m;
	size_t n;
	const struct moddep *d;

	tree();
	depmod();
	CHECK_INT(moddeps_resolve(NULL, dir, names, 4, &m, &n), ==, 0);
	/* The requested names first, in order. */
	CHECK_INT(m[0].root, ==, 0);
	CHECK_INT(m[0].kind, ==, MODDEP_MODULE);
	CHECK_STR(m[0].name, "virtio_pci");
	CHECK(strstr(m[0].rel, "kernel/virtio_pci.ko"));
	CHECK_INT(m[1].root, ==, 1);
	CHECK_STR(m[1].name, "virtio_blk"); /* dash or underscore, as the kernel */
	CHECK_INT(m[2].kind, ==, MODDEP_BUILTIN);
	CHECK_INT(m[3].kind, ==, MODDEP_ABSENT);
	/* Hard dependencies, and virtio_blk's soft one. */
	CHECK((d = find(m, n, "virtio_ring")) && d->kind == MODDEP_MODULE && d->root == -1);
	CHECK(find(m, n, "virtio"));
	CHECK((d = find(m, n, "crc32c")) && strstr(d->rel, "kernel/crc32c.ko"));
	CHECK(!find(m, n, "vmw_pvscsi"));
	/* Each once. */
	CHECK_INT(n, ==, 7);
	moddeps_free(m, n);
}

TEST(lookup_by_alias)
{
	const char *names[] = {"pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00"};
	struct moddep *m;
	size_t n;

	tree();
	depmod();
	CHECK_INT(moddeps_resolve(NULL, dir, names, 1, &m, &n), ==, 0);
	CHECK_STR(m[0].name, "virtio_pci");
	moddeps_free(m, n);
}

/* depmod drops hard dependencies that form a cycle, but soft ones are
 * written as the modules declare them: two modules naming each other. */
TEST(softdep_cycle_ends)
{
	const char *names[] = {"virtio_blk"};
	struct moddep *m;
	size_t n;

	tree();
	mod("crc32c", "", "softdep=pre: virtio_blk\\0");
	depmod();
	CHECK_INT(test_sh("grep -q 'softdep crc32c pre: virtio_blk' '%s/modules.softdep'", dir), ==,
		  0);
	CHECK_INT(moddeps_resolve(NULL, dir, names, 1, &m, &n), ==, 0);
	CHECK(find(m, n, "crc32c"));
	CHECK(find(m, n, "virtio_ring"));
	CHECK_INT(n, ==, 4); /* virtio_blk, virtio_ring, crc32c, virtio */
	moddeps_free(m, n);
}

TEST(junk_indexes_are_unusable_not_a_crash)
{
	const char *names[] = {"virtio_pci", "virtio_blk"};
	static const char *const junk[] = {
		"head -c 4096 /dev/urandom",
		/* the index magic and version, then junk offsets */
		"printf '\\xb0\\x07\\xf4\\x57\\x00\\x02\\x00\\x01\\x7f\\xff\\xff\\xff'; "
		"head -c 64 /dev/urandom",
		/* the magic, a root pointing at itself */
		"printf '\\xb0\\x07\\xf4\\x57\\x00\\x02\\x00\\x01\\x80\\x00\\x00\\x0c"
		"\\x80\\x00\\x00\\x0c'",
		"printf ''",
	};

	tree();
	depmod();
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		struct moddep *m = NULL;
		size_t n = 0;
		int r;

		CHECK_INT(test_sh("(%s) > '%s/modules.dep.bin' && cp '%s/modules.dep.bin' "
				  "'%s/modules.alias.bin'",
				  junk[i], dir, dir, dir),
			  ==, 0);
		r = moddeps_resolve(NULL, dir, names, 2, &m, &n);
		/* Unusable, or (junk that happens to parse) an answer whose
		 * every line was checked. */
		CHECK(r == -EUCLEAN || r == 0);
		if (r == 0)
			moddeps_free(m, n);
	}
}

TEST(no_indexes)
{
	const char *names[] = {"virtio_pci"};
	struct moddep *m;
	size_t n;

	tree();
	CHECK_INT(moddeps_resolve(NULL, dir, names, 1, &m, &n), ==, 0);
	CHECK_INT(m[0].kind, ==, MODDEP_ABSENT);
	moddeps_free(m, n);
}

TEST_MAIN()
