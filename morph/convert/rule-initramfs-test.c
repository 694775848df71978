/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rule_initramfs over small guest trees built per case: modules compiled
 * with cc as tiny relocatable objects carrying a .modinfo section (enough
 * for the host's depmod to list them and their aliases), modules.dep
 * written by hand, and images made by GNU cpio and gzip, one with an
 * uncompressed microcode archive in front. The cases inspect the tree, run
 * rule_kernel and rule_initramfs, then split the planned image and check
 * what it holds; idempotency cases apply and plan again.
 */
#include "convert/convert.h"
#include "initramfs/cpio.h"
#include "initramfs/initrd.h"
#include "util/test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VER    "6.1.0-test-amd64"
#define MODDIR "lib/modules/" VER
#define IMAGE  "/boot/initrd.img-" VER

/* modules.dep of the test kernel: virtio_net pulls in a two-module chain. */
#define DEP_VIRTIO                                                                                 \
	"kernel/drivers/virtio/virtio.ko:\n"                                                       \
	"kernel/drivers/virtio/virtio_ring.ko:\n"                                                  \
	"kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_ring.ko "               \
	"kernel/drivers/virtio/virtio.ko\n"                                                        \
	"kernel/drivers/block/virtio_blk.ko.xz: kernel/drivers/virtio/virtio_ring.ko "             \
	"kernel/drivers/virtio/virtio.ko\n"                                                        \
	"kernel/drivers/scsi/virtio_scsi.ko: kernel/drivers/virtio/virtio_ring.ko "                \
	"kernel/drivers/virtio/virtio.ko\n"                                                        \
	"kernel/net/core/failover.ko:\n"                                                           \
	"kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"                        \
	"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko "                    \
	"kernel/net/core/failover.ko kernel/drivers/virtio/virtio_ring.ko "                        \
	"kernel/drivers/virtio/virtio.ko\n"                                                        \
	"kernel/drivers/scsi/vmw_pvscsi.ko:\n"

static bool have_tool(const char *t)
{
	return test_sh("command -v %s >/dev/null 2>&1 || test -x /usr/sbin/%s || test -x /sbin/%s",
		       t, t, t) == 0;
}

static void need_tools(void)
{
	if (!have_tool("cc") || !have_tool("cpio") || !have_tool("gzip") || !have_tool("xz"))
		SKIP("needs cc, cpio, gzip and xz");
}

/* A module at MODDIR/rel: a relocatable object whose .modinfo has alias
 * (and extra fields), exporting <basename>_fn (__ksymtab_strings) and
 * calling the functions of uses, so the host's depmod finds the same
 * dependencies as DEP_VIRTIO; rel ending in .ko.xz is compressed by xz, as
 * distributions ship them. */
static void mkmod_full(const char *rel, const char *alias, const char *uses, const char *extra)
{
	char src[4096], base[64], decls[512] = "", calls[512] = "";
	size_t n = strlen(rel);
	bool xz = n > 3 && strcmp(rel + n - 3, ".xz") == 0;
	const char *b = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	FILE *f;

	snprintf(base, sizeof(base), "%.*s", (int)strcspn(b, "."), b);
	for (const char *u = uses; *u;) {
		size_t k = strcspn(u, " ");

		snprintf(decls + strlen(decls), sizeof(decls) - strlen(decls),
			 "int %.*s_fn(void);\n", (int)k, u);
		snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), " + %.*s_fn()",
			 (int)k, u);
		u += k;
		while (*u == ' ')
			u++;
	}
	snprintf(src, sizeof(src), "%s/m.c", test_tmpdir());
	f = fopen(src, "w");
	CHECK(f);
	fprintf(f,
		"__attribute__((section(\".modinfo\"), used)) static const char mi[] = "
		"\"alias=%s\\0license=GPL\\0%s\";\n"
		"__attribute__((section(\"__ksymtab_strings\"), used)) static const char ks[] = "
		"\"%s_fn\";\n%sint %s_fn(void);\nint %s_fn(void) { return 0%s; }\n",
		alias, extra, base, decls, base, base, calls);
	CHECK_INT(fclose(f), ==, 0);
	CHECK_INT(test_sh("cd '%s' && mkdir -p \"$(dirname " MODDIR "/%s)\" && cc -c -o " MODDIR
			  "/%.*s '%s'",
			  test_guest_root(), rel, (int)(xz ? n - 3 : n), rel, src),
		  ==, 0);
	if (xz)
		CHECK_INT(test_sh("cd '%s' && xz -f " MODDIR "/%.*s", test_guest_root(),
				  (int)(n - 3), rel),
			  ==, 0);
}

static void mkmod(const char *rel, const char *alias, const char *uses)
{
	mkmod_full(rel, alias, uses, "");
}

/* The guest's binary indexes from its modules (libkmod reads these), when
 * the host has depmod; the text modules.dep stays DEP_VIRTIO either way. */
static void guest_depmod(void)
{
	if (!have_tool("depmod"))
		return;
	CHECK_INT(test_sh("cd '%s' && cp " MODDIR "/modules.dep ../dep.txt && "
			  "PATH=$PATH:/usr/sbin:/sbin depmod -b . " VER " 2>/dev/null && "
			  "cp ../dep.txt " MODDIR "/modules.dep",
			  test_guest_root()),
		  ==, 0);
}

/* A Debian 12 guest with one kernel and its modules. */
static void guest_base(const char *flavour_marker)
{
	test_guest_put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0);
	test_guest_put("etc/debian_version", "12.5\n", 0);
	test_guest_put("boot/vmlinuz-" VER, "kernel\n", 0);
	test_guest_put(flavour_marker, "\n", 0);
	mkmod("kernel/drivers/virtio/virtio.ko", "virtio:*", "");
	mkmod("kernel/drivers/virtio/virtio_ring.ko", "ring:*", "virtio");
	mkmod("kernel/drivers/virtio/virtio_pci.ko", "pci:v00001AF4d*sv*sd*bc*sc*i*",
	      "virtio_ring virtio");
	mkmod("kernel/drivers/block/virtio_blk.ko.xz", "virtio:d00000002v*", "virtio_ring virtio");
	mkmod("kernel/drivers/scsi/virtio_scsi.ko", "virtio:d00000008v*", "virtio_ring virtio");
	mkmod("kernel/net/core/failover.ko", "failover:*", "");
	mkmod("kernel/drivers/net/net_failover.ko", "net_failover:*", "failover");
	mkmod("kernel/drivers/net/virtio_net.ko", "virtio:d00000001v*",
	      "net_failover failover virtio_ring virtio");
	mkmod("kernel/drivers/scsi/vmw_pvscsi.ko", "pci:v000015ADd000007C0sv*sd*bc*sc*i*", "");
	test_guest_put(MODDIR "/modules.dep", DEP_VIRTIO, 0);
	test_guest_put(MODDIR "/modules.builtin", "kernel/drivers/block/loop.ko\n", 0);
	test_guest_put(MODDIR "/modules.order", "kernel/drivers/scsi/vmw_pvscsi.ko\n", 0);
	guest_depmod();
}

/* Cases about the text modules.dep: the binary indexes removed, as on a
 * guest whose tools wrote only the text file. */
static void text_index_only(void)
{
	test_guest_sh("rm -f " MODDIR "/modules.*.bin");
}

/*
 * The image as a VMware-built one: the main archive holds vmw_pvscsi, the
 * old indexes and the flavour's files (conf/modules naming vmw_pvscsi);
 * with microcode, an uncompressed early archive in front. compress is a
 * shell filter ("gzip -n", "cat").
 */
static void image(bool microcode, const char *compress)
{
	test_guest_sh("rm -rf ../img ../early && mkdir -p ../img/" MODDIR
		      "/kernel/drivers/scsi ../img/conf ../img/bin ../img/etc && "
		      "cp " MODDIR "/kernel/drivers/scsi/vmw_pvscsi.ko ../img/" MODDIR
		      "/kernel/drivers/scsi/ && "
		      "printf 'kernel/drivers/scsi/vmw_pvscsi.ko:\\n' > ../img/" MODDIR
		      "/modules.dep && "
		      "printf 'kernel/drivers/scsi/vmw_pvscsi.ko\\n' > ../img/" MODDIR
		      "/modules.order && "
		      "printf '# modules\\nvmw_pvscsi\\nvmxnet3 debug=1\\nahci\\n' > "
		      "../img/conf/modules && "
		      "printf '#!/bin/sh\\n' > ../img/init && chmod 755 ../img/init && "
		      "ln -s busybox ../img/bin/sh");
	if (microcode)
		test_guest_sh("mkdir -p ../early/kernel/x86/microcode && "
			      "printf 'MICROCODE\\1\\2\\3' > "
			      "../early/kernel/x86/microcode/GenuineIntel.bin && "
			      "(cd ../early && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "
			      "boot/initrd.img-" VER);
	else
		test_guest_sh(": > boot/initrd.img-" VER);
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
			 "(cd ../img && find . | LC_ALL=C sort | cpio -o -H newc --quiet | %s) >> "
			 "boot/initrd.img-" VER,
			 compress);
		test_guest_sh(cmd);
	}
}

struct run {
	struct gtree *t;
	struct guest *g;
	struct plan *p;
	struct convert_opts o;
	int r;
};

/* The rule's staging directories go under <tmp>/host-tmp (TMPDIR); each run
 * must leave it empty. */
static const char *host_tmp(void)
{
	static char dir[4096];

	snprintf(dir, sizeof(dir), "%s/host-tmp", test_tmpdir());
	CHECK_INT(test_sh("mkdir -p '%s'", dir), ==, 0);
	return dir;
}

static void run_plan(struct run *x)
{
	struct gfs *fs;

	memset(x, 0, sizeof(*x));
	setenv("TMPDIR", host_tmp(), 1);
	CHECK_INT(gfs_dir_open(NULL, test_guest_root(), true, &fs), ==, 0);
	CHECK_INT(gtree_new(NULL, fs, &x->t), ==, 0);
	CHECK_INT(guest_new(NULL, &x->g), ==, 0);
	CHECK_INT(inspect_os(x->g, x->t), ==, 0);
	CHECK_INT(inspect_kernels(x->g, x->t), ==, 0);
	CHECK_INT(inspect_initramfs(x->g, x->t), ==, 0);
	CHECK_INT(plan_new(x->t, &x->p), ==, 0);
	{
		struct convert c = {NULL, x->g, x->t, x->p, &x->o, -1};

		CHECK_INT(rule_kernel(&c), ==, 0);
		CHECK_INT(c.kernel, >=, 0);
		x->r = rule_initramfs(&c);
	}
	if (getenv("MORPH_TEST_VERBOSE"))
		plan_print(stderr, x->p);
	CHECK_INT(test_sh("test -z \"$(ls -A '%s')\"", host_tmp()), ==, 0);
}

static void run_free(struct run *x)
{
	plan_free(x->p);
	guest_free(x->g);
	gtree_free(x->t);
}

static const struct action *action(const struct plan *p, const char *path)
{
	for (size_t i = 0; i < p->actions.n; i++)
		if (strcmp(p->actions.v[i].path, path) == 0 && action_changes(&p->actions.v[i]))
			return &p->actions.v[i];
	return NULL;
}

static bool has_note(const struct plan *p, const char *needle)
{
	for (size_t i = 0; i < p->notes.n; i++)
		if (strstr(p->notes.v[i].text, needle))
			return true;
	return false;
}

#define CHECK_NOTE(p, needle)                                                                      \
	do {                                                                                       \
		if (!has_note((p), (needle))) {                                                    \
			plan_print(stderr, (p));                                                   \
			test_fail_("no note with \"%s\"", (needle));                               \
		}                                                                                  \
	} while (0)

#define CHECK_NO_CHANGE(p)                                                                         \
	do {                                                                                       \
		if (plan_count(p) != 0) {                                                          \
			plan_print(stderr, (p));                                                   \
			test_fail_("planned %zu changes", plan_count(p));                          \
		}                                                                                  \
	} while (0)

/* The planned image, split; the main archive's entries looked up by name. */
struct split {
	struct initrd *ird;
	const uint8_t *img;
	size_t len;
};

static void split_planned(const struct plan *p, struct split *s)
{
	const struct action *a = action(p, IMAGE);

	if (!a || a->after.kind != FK_FILE) {
		plan_print(stderr, p);
		test_fail_("no image planned");
	}
	s->img = (const uint8_t *)a->after.data;
	s->len = a->after.len;
	CHECK_INT(initrd_split(NULL, s->img, s->len, NULL, &s->ird), ==, 0);
}

/* The content of name as the kernel unpacks the image (the last entry of
 * that name over all segments), or NULL. */
static const char *entry(const struct split *s, const char *name, size_t *len)
{
	struct cpio_reader rd;
	struct cpio_entry e;
	const char *found = NULL;
	static char buf[1 << 16];
	int r;

	for (size_t i = 0; i < s->ird->nseg; i++) {
		cpio_reader_init(&rd, NULL, s->ird->seg[i].data, s->ird->seg[i].len);
		while ((r = cpio_next(&rd, &e)) == 0)
			if (strcmp(e.name, name) == 0) {
				CHECK(e.data_len < sizeof(buf));
				memcpy(buf, e.data, e.data_len);
				buf[e.data_len] = '\0';
				if (len)
					*len = e.data_len;
				found = buf;
			}
		CHECK_INT(r, ==, 1);
	}
	return found;
}

/* The original image, byte for byte, then one archive appended with comp. */
static void check_appended(const struct split *s, const char *orig, size_t olen, const char *comp)
{
	const struct initrd_segment *last = &s->ird->seg[s->ird->nseg - 1];

	CHECK_INT(s->len, >, olen);
	CHECK(memcmp(s->img, orig, olen) == 0);
	CHECK_INT(last->offset, ==, olen);
	CHECK_STR(initrd_comp_name(last->comp), comp);
}

static void read_image(char **ret, size_t *ret_len)
{
	struct gtree *t = test_guest_tree(false);

	CHECK_INT(gtree_read(t, IMAGE, 1 << 26, ret, ret_len), ==, 0);
	gtree_free(t);
}

static void need_depmod(void)
{
	if (!have_tool("depmod"))
		SKIP("needs depmod (Debian: kmod)");
}

/* ------------------------------------------------------------------ */

TEST(itools_gzip_with_microcode)
{
	struct run x;
	struct split s;
	const char *e;
	char *orig;
	size_t olen, elen;
	struct gtree *t;

	need_tools();
	need_depmod();
	guest_base("etc/initramfs-tools/initramfs.conf");
	image(true, "gzip -n");
	read_image(&orig, &olen);

	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_STR(x.g->initramfs_flavour, "initramfs-tools");
	split_planned(x.p, &s);
	/* Microcode, the original main archive, both byte for byte, then the
	 * new files as one more gzip archive. */
	CHECK_INT(s.ird->nseg, ==, 3);
	CHECK(s.ird->seg[0].comp == NULL);
	CHECK_STR(initrd_comp_name(s.ird->seg[1].comp), "gzip");
	check_appended(&s, orig, olen, "gzip");
	/* Old entries kept, the drivers and their dependencies added with
	 * their compression. */
	CHECK(entry(&s, "init", NULL));
	CHECK(entry(&s, "bin/sh", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/scsi/vmw_pvscsi.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/block/virtio_blk.ko.xz", NULL));
	CHECK(!entry(&s, MODDIR "/kernel/drivers/block/virtio_blk.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/virtio/virtio_pci.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/virtio/virtio_ring.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/virtio/virtio.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/scsi/virtio_scsi.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/net/virtio_net.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/net/net_failover.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/net/core/failover.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/net", NULL)); /* parent directories */
	/* Same content as the guest's file. */
	e = entry(&s, MODDIR "/kernel/drivers/block/virtio_blk.ko.xz", &elen);
	{
		char *g;
		size_t glen;

		t = test_guest_tree(false);
		CHECK_INT(gtree_read(t, "/" MODDIR "/kernel/drivers/block/virtio_blk.ko.xz",
				     1 << 20, &g, &glen),
			  ==, 0);
		CHECK_INT(glen, ==, elen);
		CHECK(memcmp(g, e, glen) == 0);
		free(g);
		gtree_free(t);
	}
	/* Regenerated indexes know the new modules. */
	e = entry(&s, MODDIR "/modules.dep", NULL);
	CHECK(e && strstr(e, "kernel/drivers/block/virtio_blk.ko.xz:"));
	CHECK(strstr(e, "kernel/drivers/scsi/vmw_pvscsi.ko:"));
	e = entry(&s, MODDIR "/modules.alias", NULL);
	CHECK(e && strstr(e, "alias virtio:d00000002v* virtio_blk"));
	CHECK(entry(&s, MODDIR "/modules.dep.bin", NULL));
	CHECK(entry(&s, MODDIR "/modules.alias.bin", NULL));
	/* conf/modules: VMware drivers out, virtio in, the rest kept. */
	e = entry(&s, "conf/modules", NULL);
	CHECK_STR(e, "# modules\nahci\nvirtio_pci\nvirtio_blk\nvirtio_scsi\nvirtio_net\n");
	initrd_free(s.ird);

	/* Apply, plan again: nothing. */
	CHECK_INT(plan_apply(x.p, NULL, "r1"), ==, 0);
	run_free(&x);
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
	free(orig);
}

TEST(dracut_usr_merged_config)
{
	struct run x;
	struct split s;

	need_tools();
	need_depmod();
	guest_base("etc/dracut.conf");
	image(false, "gzip -n");
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	split_planned(x.p, &s);
	CHECK_INT(s.ird->nseg, ==, 2);
	CHECK_STR(initrd_comp_name(s.ird->seg[0].comp), "gzip");
	CHECK_STR(initrd_comp_name(s.ird->seg[1].comp), "gzip");
	CHECK_STR(entry(&s, "etc/modules-load.d/morph-virtio.conf", NULL),
		  "virtio_pci\nvirtio_blk\nvirtio_scsi\nvirtio_net\n");
	CHECK_STR(entry(&s, "etc/cmdline.d/90-morph-virtio.conf", NULL),
		  "rd.driver.pre=virtio_pci,virtio_blk,virtio_scsi\n");
	CHECK(entry(&s, "etc/cmdline.d", NULL));
	/* dracut: conf/modules is not its file, left as it was. */
	CHECK_STR(entry(&s, "conf/modules", NULL),
		  "# modules\nvmw_pvscsi\nvmxnet3 debug=1\nahci\n");
	initrd_free(s.ird);
	CHECK_INT(plan_apply(x.p, NULL, "r1"), ==, 0);
	run_free(&x);
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

TEST(uncompressed_main_stays_uncompressed)
{
	struct run x;
	struct split s;

	need_tools();
	need_depmod();
	guest_base("etc/initramfs-tools/initramfs.conf");
	image(true, "cat");
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	split_planned(x.p, &s);
	CHECK_INT(s.ird->nseg, ==, 3);
	CHECK(s.ird->seg[1].comp == NULL);
	CHECK(s.ird->seg[2].comp == NULL);
	CHECK(entry(&s, MODDIR "/kernel/drivers/block/virtio_blk.ko.xz", NULL));
	initrd_free(s.ird);
	run_free(&x);
}

TEST(xz_main_stays_xz)
{
	struct run x;
	struct split s;
	size_t off;

	need_tools();
	need_depmod();
	guest_base("etc/dracut.conf");
	image(true, "xz --check=crc32");
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	split_planned(x.p, &s);
	CHECK_INT(s.ird->nseg, ==, 3);
	CHECK_STR(initrd_comp_name(s.ird->seg[1].comp), "xz");
	CHECK_STR(initrd_comp_name(s.ird->seg[2].comp), "xz");
	CHECK(entry(&s, MODDIR "/kernel/drivers/scsi/virtio_scsi.ko", NULL));
	off = s.ird->seg[2].offset;
	initrd_free(s.ird);
	/* The real xz reads what morph wrote. */
	CHECK_INT(plan_apply(x.p, NULL, "r1"), ==, 0);
	CHECK_INT(test_sh("cd '%s' && tail -c +%zu boot/initrd.img-" VER
			  " | xz -dc | cpio -t --quiet | grep -qx " MODDIR
			  "/kernel/drivers/scsi/virtio_scsi.ko",
			  test_guest_root(), off + 1),
		  ==, 0);
	run_free(&x);
}

/* lz4 legacy frames have no end marker: the main archive is rewritten, the
 * microcode in front kept byte for byte, and the result is lz4 still. */
TEST(lz4_main_rewritten)
{
	struct run x;
	struct split s;
	char *orig;
	size_t olen;

	need_tools();
	need_depmod();
	if (!have_tool("lz4"))
		SKIP("needs lz4");
	guest_base("etc/initramfs-tools/initramfs.conf");
	image(true, "lz4 -l -9 -c");
	read_image(&orig, &olen);
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	split_planned(x.p, &s);
	CHECK_INT(s.ird->nseg, ==, 2);
	CHECK_STR(initrd_comp_name(s.ird->seg[1].comp), "lz4");
	CHECK(memcmp(s.img, orig, s.ird->seg[1].offset) == 0);
	CHECK(entry(&s, "init", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/block/virtio_blk.ko.xz", NULL));
	CHECK_STR(entry(&s, "conf/modules", NULL),
		  "# modules\nahci\nvirtio_pci\nvirtio_blk\nvirtio_scsi\nvirtio_net\n");
	initrd_free(s.ird);
	CHECK_INT(plan_apply(x.p, NULL, "r1"), ==, 0);
	run_free(&x);
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
	free(orig);
}

TEST(config_only_when_modules_present)
{
	struct run x;
	struct split s;

	need_tools();
	guest_base("etc/initramfs-tools/initramfs.conf");
	image(false, "gzip -n");
	/* All modules already inside: only conf/modules changes, and depmod
	 * is not needed. */
	test_guest_sh("cd ../img && cp -r ../g/" MODDIR "/kernel " MODDIR "/ && cd ../g && "
		      "(cd ../img && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -n) > "
		      "boot/initrd.img-" VER);
	setenv("MORPH_DEPMOD", "/nonexistent/depmod", 1);
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	split_planned(x.p, &s);
	CHECK_STR(entry(&s, "conf/modules", NULL),
		  "# modules\nahci\nvirtio_pci\nvirtio_blk\nvirtio_scsi\nvirtio_net\n");
	CHECK_STR(entry(&s, MODDIR "/modules.dep", NULL), "kernel/drivers/scsi/vmw_pvscsi.ko:\n");
	CHECK(action(x.p, IMAGE)->reasons.n == 1);
	CHECK(strstr(action(x.p, IMAGE)->reasons.v[0], "does not load them"));
	initrd_free(s.ird);
	run_free(&x);
}

TEST(unknown_compressor_noted)
{
	struct run x;

	need_tools();
	guest_base("etc/initramfs-tools/initramfs.conf");
	/* lzo magic: the kernel knows it, morph does not. */
	test_guest_sh("printf '\\211LZO\\0\\r\\n\\032\\nxxxxxxxxxxxxxxxx' > boot/initrd.img-" VER);
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NOTE(x.p, "unknown or unsupported compressor");
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

TEST(dependency_cycle_terminates)
{
	struct run x;
	struct split s;

	need_tools();
	need_depmod();
	guest_base("etc/initramfs-tools/initramfs.conf");
	text_index_only();
	mkmod("kernel/a.ko", "a:*", "");
	mkmod("kernel/b.ko", "b:*", "");
	test_guest_put(MODDIR "/modules.dep",
		       DEP_VIRTIO "kernel/a.ko: kernel/b.ko kernel/a.ko\n"
				  "kernel/b.ko: kernel/a.ko\n",
		       0);
	test_guest_sh("sed -i 's|^kernel/drivers/block/virtio_blk.ko.xz:|& kernel/a.ko|' " MODDIR
		      "/modules.dep");
	image(false, "gzip -n");
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	split_planned(x.p, &s);
	CHECK(entry(&s, MODDIR "/kernel/a.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/b.ko", NULL));
	initrd_free(s.ird);
	run_free(&x);
}

/* An initramfs-tools guest with only the text modules.dep, where
 * virtio_blk's line also names dep; planned into *x. */
static void plan_with_blk_dep(struct run *x, const char *dep)
{
	need_tools();
	guest_base("etc/initramfs-tools/initramfs.conf");
	text_index_only();
	CHECK_INT(test_sh("cd '%s' && sed -i 's|^kernel/drivers/block/virtio_blk.ko.xz:|& "
			  "%s|' " MODDIR "/modules.dep",
			  test_guest_root(), dep),
		  ==, 0);
	image(false, "gzip -n");
	run_plan(x);
	CHECK_INT(x->r, ==, 0);
}

TEST(missing_dependency_file_noted)
{
	struct run x;

	plan_with_blk_dep(&x, "kernel/ghost.ko");
	CHECK_NOTE(x.p, "kernel/ghost.ko (needed for the virtio drivers) does not exist");
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

TEST(hostile_dependency_path_noted)
{
	struct run x;

	plan_with_blk_dep(&x, "../../../etc/shadow");
	CHECK_NOTE(x.p, "is unusable");
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

/* libkmod reads the binary indexes: a soft dependency a module declares
 * (virtio_blk wants crc32c first) comes along, which the text modules.dep
 * cannot say. */
TEST(kmod_softdep_followed)
{
	struct run x;
	struct split s;

	need_tools();
	need_depmod();
	guest_base("etc/initramfs-tools/initramfs.conf");
	mkmod("kernel/lib/crc32c.ko", "crc32c:*", "");
	mkmod_full("kernel/drivers/block/virtio_blk.ko.xz", "virtio:d00000002v*",
		   "virtio_ring virtio", "softdep=pre: crc32c\\0");
	guest_depmod();
	image(false, "gzip -n");
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	split_planned(x.p, &s);
	CHECK(entry(&s, MODDIR "/kernel/lib/crc32c.ko", NULL));
	CHECK(entry(&s, MODDIR "/kernel/drivers/net/net_failover.ko", NULL));
	initrd_free(s.ird);
	run_free(&x);
}

/* A junk modules.dep.bin (a hostile guest, or a damaged one): the libkmod
 * child fails or finds nothing; no crash. When it fails, the text
 * modules.dep is used, and says so. */
TEST(kmod_junk_index_noted)
{
	static const char *const junk[] = {
		/* the index magic, a root node pointing at itself */
		"printf '\\260\\007\\364\\127\\000\\002\\000\\001"
		"\\200\\000\\000\\014\\200\\000\\000\\014'",
		"head -c 2048 /dev/urandom",
		"printf 'not an index'",
	};

	need_tools();
	need_depmod();
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		struct run x;

		guest_base("etc/initramfs-tools/initramfs.conf");
		CHECK_INT(test_sh("cd '%s' && (%s) > " MODDIR "/modules.dep.bin", test_guest_root(),
				  junk[i]),
			  ==, 0);
		image(false, "gzip -n");
		run_plan(&x);
		CHECK_INT(x.r, ==, 0);
		if (has_note(x.p, "libkmod cannot use"))
			CHECK(action(x.p, IMAGE)); /* from the text modules.dep */
		else if (!has_note(x.p, "not injected"))
			CHECK(action(x.p, IMAGE));
		run_free(&x);
	}
}

/* The indexes name a module whose file is gone. */
TEST(kmod_missing_module_file_noted)
{
	struct run x;

	need_tools();
	need_depmod();
	guest_base("etc/initramfs-tools/initramfs.conf");
	test_guest_sh("rm " MODDIR "/kernel/net/core/failover.ko");
	image(false, "gzip -n");
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NOTE(x.p,
		   "kernel/net/core/failover.ko (needed for the virtio drivers) does not exist");
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

TEST(too_many_modules_capped)
{
	struct run x;
	FILE *f;
	char path[4096];

	need_tools();
	guest_base("etc/initramfs-tools/initramfs.conf");
	text_index_only();
	/* A chain of 300 modules: the cap stops it before any file is read. */
	snprintf(path, sizeof(path), "%s/" MODDIR "/modules.dep", test_guest_root());
	f = fopen(path, "a");
	CHECK(f);
	for (int i = 0; i < 300; i++)
		fprintf(f, "kernel/chain/m%d.ko: kernel/chain/m%d.ko\n", i, i + 1);
	CHECK_INT(fclose(f), ==, 0);
	test_guest_sh(
		"sed -i 's|^kernel/drivers/block/virtio_blk.ko.xz:|& kernel/chain/m0.ko|' " MODDIR
		"/modules.dep");
	image(false, "gzip -n");
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NOTE(x.p, "need more than 256 modules");
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

TEST(no_depmod_noted)
{
	struct run x;

	need_tools();
	guest_base("etc/initramfs-tools/initramfs.conf");
	image(false, "gzip -n");
	setenv("MORPH_DEPMOD", "/nonexistent/depmod", 1);
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NOTE(x.p, "depmod (kmod) is not installed");
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

TEST(depmod_failure_noted)
{
	struct run x;

	need_tools();
	guest_base("etc/initramfs-tools/initramfs.conf");
	image(false, "gzip -n");
	test_sh("printf '#!/bin/sh\\necho \"depmod: ERROR: \\033[31mboom\" >&2\\nexit 3\\n' > "
		"'%s/fake-depmod' && chmod 755 '%s/fake-depmod'",
		test_tmpdir(), test_tmpdir());
	{
		char p[4096];

		snprintf(p, sizeof(p), "%s/fake-depmod", test_tmpdir());
		setenv("MORPH_DEPMOD", p, 1);
	}
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NOTE(x.p, "depmod failed (exit 3: depmod: ERROR: ?[31mboom)");
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

TEST(all_builtin_noted)
{
	struct run x;

	need_tools();
	guest_base("etc/initramfs-tools/initramfs.conf");
	test_guest_put(MODDIR "/modules.builtin",
		       "kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/block/virtio_blk.ko\n"
		       "kernel/drivers/scsi/virtio_scsi.ko\nkernel/drivers/net/virtio_net.ko\n",
		       0);
	test_guest_put(MODDIR "/modules.dep", "kernel/drivers/scsi/vmw_pvscsi.ko:\n", 0);
	test_guest_sh("cd " MODDIR "/kernel/drivers && rm virtio/*.ko block/virtio_blk.ko.xz "
		      "scsi/virtio_scsi.ko net/virtio_net.ko");
	guest_depmod();
	image(false, "gzip -n");
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NOTE(x.p, "built in");
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

TEST(no_initramfs_noted)
{
	struct run x;

	need_tools();
	guest_base("etc/initramfs-tools/initramfs.conf");
	run_plan(&x);
	CHECK_INT(x.r, ==, 0);
	CHECK_NOTE(x.p, "has no initramfs image");
	CHECK_NO_CHANGE(x.p);
	run_free(&x);
}

TEST_MAIN()
