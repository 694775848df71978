/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the host-testable parts of PID 1: the command line parser,
 * the JSON reader, the NIC listing and mapping, the result line, and the
 * mapping of the guest's kernel device names to this VM's disks. Plain
 * asserts in one process: the parts are small and have no I/O to isolate.
 * Run by `make check-init` (and `make check-qemu`).
 */
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures, checks;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		checks++;                                                                          \
		if (!(cond)) {                                                                     \
			failures++;                                                                \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
		}                                                                                  \
	} while (0)

static void test_cmdline(void)
{
	struct init_opts o;
	const char *bad = NULL;

	CHECK(opts_parse("BOOT_IMAGE=x console=ttyS0 quiet", &o, &bad) == 0);
	CHECK(o.mode == MODE_CONVERT && o.timeout == INIT_DEFAULT_TIMEO && !o.debug);
	CHECK(o.n_nics == 0 && !o.block_driver && o.hang == HANG_NONE);
	opts_free(&o);

	CHECK(opts_parse("console=ttyS0 morph.mode=dry-run morph.nic=ens192=52:54:00:12:34:56 "
			 "morph.nic=eth1=52:54:00:AB:CD:EF morph.block-driver=virtio-scsi "
			 "morph.debug morph.timeout=30 panic=1",
			 &o, &bad) == 0);
	CHECK(o.mode == MODE_DRY_RUN);
	CHECK(o.n_nics == 2 && !strcmp(o.nics[0], "ens192=52:54:00:12:34:56") &&
	      !strcmp(o.nics[1], "eth1=52:54:00:AB:CD:EF"));
	CHECK(o.block_driver && !strcmp(o.block_driver, "virtio-scsi"));
	CHECK(o.debug && o.timeout == 30);
	opts_free(&o);

	CHECK(opts_parse("morph.mode=inspect morph.debug=0 morph.hang=child", &o, &bad) == 0);
	CHECK(o.mode == MODE_INSPECT && !o.debug && o.hang == HANG_CHILD);
	opts_free(&o);

	/* Quotes group words as the kernel does. */
	CHECK(opts_parse("foo=\"a morph.mode=bad\" morph.mode=inspect", &o, &bad) == 0);
	CHECK(o.mode == MODE_INSPECT);
	opts_free(&o);

	CHECK(opts_parse("morph.frobnicate=1", &o, &bad) == 0 && o.n_warnings == 1);
	opts_free(&o);

	static const char *const bads[] = {
		"morph.mode=fast",
		"morph.mode",
		"morph.timeout=0",
		"morph.timeout=99999999999",
		"morph.timeout=1x",
		"morph.timeout=-5",
		"morph.nic=eth0",
		"morph.nic==52:54:00:12:34:56",
		"morph.nic=eth0=52:54:00:12:34",
		"morph.nic=eth0=52-54-00-12-34-56",
		"morph.block-driver=ide",
		"morph.hang=x",
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		bad = NULL;
		CHECK(opts_parse(bads[i], &o, &bad) == -EINVAL);
		CHECK(bad && !strcmp(bad, bads[i]));
		opts_free(&o);
	}
}

static void test_json(void)
{
	static const char doc[] =
		"{\"a\": [1, 2.5, -3e2], \"s\": \"x\\\"\\u00e9\\ud83d\\ude00\\n\","
		" \"t\": true, \"n\": null, \"o\": {\"k\": \"v\"}}";
	struct jv *v = NULL;

	CHECK(jv_parse(doc, strlen(doc), &v) == 0);
	CHECK(jv_len(jv_get(v, "a")) == 3);
	CHECK(v && jv_get(v, "a")->child->next->num == 2.5);
	CHECK(jv_str(jv_get(v, "s")) &&
	      !strcmp(jv_str(jv_get(v, "s")), "x\"\xc3\xa9\xf0\x9f\x98\x80\n"));
	CHECK(jv_get(v, "t")->type == J_BOOL && jv_get(v, "t")->b);
	CHECK(jv_get(v, "n")->type == J_NULL);
	CHECK(!strcmp(jv_str(jv_get(jv_get(v, "o"), "k")), "v"));
	CHECK(!jv_get(v, "missing") && !jv_str(jv_get(v, "a")));
	jv_free(v);

	/* \u0000 must not cut the string; lone surrogates become U+FFFD. */
	CHECK(jv_parse("\"a\\u0000b\\ud800\"", 16, &v) == 0);
	CHECK(v && !strcmp(v->str, "a\xef\xbf\xbd"
				   "b\xef\xbf\xbd"));
	jv_free(v);

	static const char *const bads[] = {
		"",    "{",	"[1,]",	 "{\"a\"}",   "{\"a\":}", "\"abc", "\"\\x\"",
		"tru", "[1] 2", "{1:2}", "\"\\u12\"", "\"a\nb\"", "nul",   "[\"\\",
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		v = NULL;
		CHECK(jv_parse(bads[i], strlen(bads[i]), &v) != 0);
		CHECK(v == NULL);
	}

	/* Depth is capped: 100 nested arrays are refused, not a stack overflow. */
	char deep[201];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	deep[200] = '\0';
	CHECK(jv_parse(deep, 200, &v) == -E2BIG);
}

static void mkfile(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void fake_nic(const char *root, const char *name, const char *pci, const char *mac,
		     const char *type)
{
	char p[512], t[1200];

	snprintf(p, sizeof(p), "%s/sys/devices/pci0000:00/%s/virtio%s", root, pci, name);
	snprintf(t, sizeof(t), "mkdir -p '%s' '%s/sys/class/net/%s'", p, root, name);
	CHECK(system(t) == 0);
	snprintf(t, sizeof(t), "%s/sys/class/net/%s/device", root, name);
	CHECK(symlink(p, t) == 0);
	snprintf(t, sizeof(t), "%s/sys/class/net/%s/address", root, name);
	mkfile(t, mac);
	snprintf(t, sizeof(t), "%s/sys/class/net/%s/type", root, name);
	mkfile(t, type);
}

static void test_nics(void)
{
	char root[] = "/tmp/init-test-XXXXXX", cmd[600];
	struct nic nics[INIT_MAX_NICS];
	char *out[INIT_MAX_NICS];
	struct jv *v = NULL;
	int n = -1, m;

	CHECK(mkdtemp(root) != NULL);
	/* Directory order is not PCI order: eth0 sits on the later slot. */
	fake_nic(root, "eth0", "0000:00:05.0", "52:54:00:00:00:05\n", "1\n");
	fake_nic(root, "eth1", "0000:00:03.0", "52:54:00:00:00:03\n", "1\n");
	fake_nic(root, "lo", "0000:00:09.0", "00:00:00:00:00:00\n", "772\n");
	CHECK(nics_list(root, nics, INIT_MAX_NICS, &n) == 0);
	CHECK(n == 2);
	CHECK(n == 2 && !strcmp(nics[0].name, "eth1") && !strcmp(nics[0].pci, "0000:00:03.0"));
	CHECK(n == 2 && !strcmp(nics[1].mac, "52:54:00:00:00:05"));

	/* ens224 is listed first but ens192 is the older PCI slot. */
	static const char ifs[] = "[{\"name\":\"ens224\",\"mac\":null},{\"name\":\"ens192\","
				  "\"mac\":null},{\"name\":\"ens224\",\"mac\":null}]";
	CHECK(jv_parse(ifs, strlen(ifs), &v) == 0);
	m = nics_map(v, nics, n, out, INIT_MAX_NICS);
	CHECK(m == 2);
	CHECK(m == 2 && !strcmp(out[0], "ens192=52:54:00:00:00:03"));
	CHECK(m == 2 && !strcmp(out[1], "ens224=52:54:00:00:00:05"));
	for (int i = 0; i < m; i++)
		free(out[i]);
	jv_free(v);

	/* A guest interface that already names a VM MAC keeps it; the other
	 * takes the remaining NIC; a third has none left. */
	static const char ifs2[] = "[{\"name\":\"eth0\",\"mac\":\"52:54:00:00:00:03\"},"
				   "{\"name\":\"eth1\",\"mac\":\"00:50:56:aa:bb:cc\"},"
				   "{\"name\":\"eth2\",\"mac\":null}]";
	CHECK(jv_parse(ifs2, strlen(ifs2), &v) == 0);
	m = nics_map(v, nics, n, out, INIT_MAX_NICS);
	CHECK(m == 1 && !strcmp(out[0], "eth1=52:54:00:00:00:05"));
	for (int i = 0; i < m; i++)
		free(out[i]);
	jv_free(v);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
}

static void test_result(void)
{
	struct result r = {.version = "0.1.0", .mode = "convert", .boot = "direct"};
	struct jv *v = NULL;
	char *line;

	r.n_disks = 1;
	snprintf(r.disks[0].dev, sizeof(r.disks[0].dev), "/dev/vda");
	r.disks[0].guest = strdup("Evil\"\n\x1b[2J\xff guest");
	r.disks[0].changes = 7;
	r.disks[0].inspect_json = strdup("{\"os\":{\"distro\":\"debian\"}}");
	r.disks[0].convert_json = strdup("not json");
	line = result_line(&r);
	CHECK(line && !strchr(line, '\n') && !strchr(line, '\x1b'));
	CHECK(line && jv_parse(line, strlen(line), &v) == 0);
	CHECK(v && !strcmp(jv_str(jv_get(v, "result")), "ok"));
	CHECK(v && jv_get(jv_get(v, "disks")->child, "changes")->num == 7);
	CHECK(v && !strcmp(jv_str(jv_get(jv_get(v, "disks")->child, "guest")),
			   "Evil\"\n\x1b[2J\xef\xbf\xbd guest"));
	jv_free(v);
	free(line);

	/* The full document embeds valid reports and quotes invalid ones. */
	FILE *f = tmpfile();
	char buf[8192];
	size_t n;

	CHECK(f && result_write_full(&r, fileno(f)) == 0);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	v = NULL;
	CHECK(jv_parse(buf, n, &v) == 0);
	CHECK(v &&
	      !strcmp(jv_str(jv_get(jv_get(jv_get(v, "reports")->child, "inspect"), "os")
				     ? jv_get(jv_get(jv_get(jv_get(v, "reports")->child, "inspect"),
						     "os"),
					      "distro")
				     : NULL),
		      "debian"));
	CHECK(v && !strcmp(jv_str(jv_get(jv_get(v, "reports")->child, "convert")), "not json"));
	jv_free(v);
	result_free(&r);
}

static void test_kernel_names(void)
{
	char dev[64];

	CHECK(kernel_name_part("/dev/sda1", 'a', "vdb", dev, sizeof(dev)) == 0);
	CHECK(!strcmp(dev, "/dev/vdb1"));
	CHECK(kernel_name_part("/dev/xvda12", 'a', "nvme0n1", dev, sizeof(dev)) == 0);
	CHECK(!strcmp(dev, "/dev/nvme0n1p12"));
	CHECK(kernel_name_part("/dev/hdb3", 'b', "sdc", dev, sizeof(dev)) == 0);
	CHECK(!strcmp(dev, "/dev/sdc3"));
	/* Another disk's letter, the whole disk, partition 0, junk, overflow. */
	CHECK(kernel_name_part("/dev/sdb1", 'a', "vda", dev, sizeof(dev)) == -ENOENT);
	CHECK(kernel_name_part("/dev/sda", 'a', "vda", dev, sizeof(dev)) == -ENOENT);
	CHECK(kernel_name_part("/dev/sda0", 'a', "vda", dev, sizeof(dev)) == -ENOENT);
	CHECK(kernel_name_part("/dev/sda1x", 'a', "vda", dev, sizeof(dev)) == -ENOENT);
	CHECK(kernel_name_part("/dev/sda99999999999", 'a', "vda", dev, sizeof(dev)) == -ENOENT);
	CHECK(kernel_name_part("/dev/sdaa1", 'a', "vda", dev, sizeof(dev)) == -ENOENT);
	CHECK(kernel_name_part("/dev/mapper/vg-root", 'a', "vda", dev, sizeof(dev)) == -ENOENT);
	CHECK(kernel_name_part("UUID=1234", 'a', "vda", dev, sizeof(dev)) == -ENOENT);
}

int main(void)
{
	test_cmdline();
	test_json();
	test_nics();
	test_result();
	test_kernel_names();
	printf("init-test: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
