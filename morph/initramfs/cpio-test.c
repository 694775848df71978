/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpio reader and writer, and the initrd segment splitter, over archives
 * made here and by the real tools (cpio, gzip, xz, zstd, ...). */
#include "initramfs/cpio.h"
#include "initramfs/initrd.h"
#include "util/test.h"

#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char last_log[1024];

static void log_cb(void *data, enum morph_log_level level, const char *msg)
{
	snprintf(last_log, sizeof(last_log), "%s", msg);
	/* Thousands of truncation cases each log: only with MORPH_TEST_VERBOSE. */
	if (getenv("MORPH_TEST_VERBOSE"))
		fprintf(stderr, "  log: %s\n", msg);
}

static const struct morph_ctx ctx = {.log_fn = log_cb, .log_max = MORPH_LOG_DEBUG};

/* Parses all of buf; returns the first error, or the entry count. */
static long parse_all(const uint8_t *buf, size_t len)
{
	struct cpio_reader r;
	struct cpio_entry e;
	long n = 0;
	int k;

	cpio_reader_init(&r, &ctx, buf, len);
	while ((k = cpio_next(&r, &e)) == 0)
		n++;
	return k < 0 ? k : n;
}

/* A raw newc header + name, for inputs the writer refuses to make. */
static size_t raw_entry(uint8_t *out, const char *name, uint32_t namesize, uint32_t filesize,
			const char *data)
{
	size_t n = (size_t)sprintf((char *)out,
				   "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1,
				   S_IFREG | 0644, 0, 0, 1, 0, filesize, 0, 0, 0, 0, namesize, 0);
	size_t l = strlen(name) + 1;

	memcpy(out + n, name, l);
	n += l;
	while (n & 3)
		out[n++] = 0;
	if (data) {
		memcpy(out + n, data, filesize);
		n += filesize;
		while (n & 3)
			out[n++] = 0;
	}
	return n;
}

static size_t raw_trailer(uint8_t *out)
{
	return raw_entry(out, CPIO_TRAILER, sizeof(CPIO_TRAILER), 0, "");
}

static struct cpio_writer *sample(void)
{
	struct cpio_writer *w;

	CHECK_INT(cpio_writer_new(&ctx, &w), ==, 0);
	CHECK_INT(cpio_write_dir(w, "/", 0755), ==, 0);
	CHECK_INT(cpio_write_dir(w, "usr", 0755), ==, 0);
	CHECK_INT(cpio_write_file(w, "/usr/hello.txt", 0644, "hello\n", 6), ==, 0);
	CHECK_INT(cpio_write_file(w, "empty", 0600, NULL, 0), ==, 0);
	CHECK_INT(cpio_write_symlink(w, "bin", "usr/bin"), ==, 0);
	CHECK_INT(cpio_write_node(w, "dev/console", S_IFCHR, 0600, 5, 1), ==, 0);
	CHECK_INT(cpio_write_node(w, "dev/vda", S_IFBLK, 0660, 252, 0), ==, 0);
	CHECK_INT(cpio_write_trailer(w), ==, 0);
	return w;
}

TEST(round_trip)
{
	struct cpio_writer *w = sample();
	struct cpio_reader r;
	struct cpio_entry e;
	const uint8_t *buf;
	size_t len;

	buf = cpio_writer_data(w, &len);
	CHECK_INT(len % 4, ==, 0);
	cpio_reader_init(&r, &ctx, buf, len);
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, ".");
	CHECK_INT(e.mode, ==, S_IFDIR | 0755);
	CHECK_INT(e.nlink, ==, 2);
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, "usr");
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, "usr/hello.txt");
	CHECK_INT(e.mode, ==, S_IFREG | 0644);
	CHECK_INT(e.data_len, ==, 6);
	CHECK(memcmp(e.data, "hello\n", 6) == 0);
	CHECK_INT(e.offset % 4, ==, 0);
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, "empty");
	CHECK_INT(e.data_len, ==, 0);
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, "bin");
	CHECK(S_ISLNK(e.mode));
	CHECK_INT(e.data_len, ==, 7);
	CHECK(memcmp(e.data, "usr/bin", 7) == 0);
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, "dev/console");
	CHECK(S_ISCHR(e.mode));
	CHECK_INT(e.rdev_major, ==, 5);
	CHECK_INT(e.rdev_minor, ==, 1);
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, "dev/vda");
	CHECK(S_ISBLK(e.mode));
	CHECK_INT(e.rdev_major, ==, 252);
	CHECK_INT(cpio_next(&r, &e), ==, 1);
	CHECK_INT(cpio_next(&r, &e), ==, 1);
	CHECK_INT(r.narchives, ==, 1);
	cpio_writer_free(w);
}

TEST(writer_refuses_dotdot)
{
	struct cpio_writer *w;

	CHECK_INT(cpio_writer_new(&ctx, &w), ==, 0);
	CHECK_INT(cpio_write_file(w, "../x", 0644, "", 0), ==, -EINVAL);
	CHECK_INT(cpio_write_file(w, "a/../../x", 0644, "", 0), ==, -EINVAL);
	CHECK_INT(cpio_write_file(w, "a..b/...", 0644, "", 0), ==, 0);
	CHECK_INT(cpio_write_node(w, "x", S_IFREG, 0644, 0, 0), ==, -EINVAL);
	cpio_writer_free(w);
}

TEST(tool_made_archive)
{
	const char *d = test_tmpdir();
	struct cpio_reader r;
	struct cpio_entry e;
	uint8_t *buf;
	size_t len;
	int nfile = 0, ndir = 0, nlnk = 0;
	FILE *f;
	char path[4096];

	CHECK_INT(test_sh("cd %s && mkdir -p t/etc t/usr/lib && echo root >t/etc/hostname && "
			  "ln -s usr/lib t/lib && : >t/usr/lib/e && cd t && "
			  "find . | LC_ALL=C sort | cpio -o -H newc --quiet >../a.cpio",
			  d),
		  ==, 0);
	snprintf(path, sizeof(path), "%s/a.cpio", d);
	f = fopen(path, "rb");
	CHECK(f);
	buf = malloc(1 << 16);
	len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	cpio_reader_init(&r, &ctx, buf, len);
	while (cpio_next(&r, &e) == 0) {
		nfile += S_ISREG(e.mode);
		ndir += S_ISDIR(e.mode);
		nlnk += S_ISLNK(e.mode);
		if (strcmp(e.name, "etc/hostname") == 0)
			CHECK(e.data_len == 5 && memcmp(e.data, "root\n", 5) == 0);
		CHECK(strncmp(e.name, "./", 2) != 0);
	}
	CHECK_INT(nfile, ==, 2);
	CHECK_INT(ndir, ==, 4);
	CHECK_INT(nlnk, ==, 1);
	CHECK(!e.crc_format);
	free(buf);
	/* The crc variant: same entries, a checksum over each file's bytes. */
	CHECK_INT(test_sh("cd %s/t && find . | cpio -o -H crc --quiet >../c.cpio", d), ==, 0);
	snprintf(path, sizeof(path), "%s/c.cpio", d);
	f = fopen(path, "rb");
	CHECK(f);
	buf = malloc(1 << 16);
	len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	cpio_reader_init(&r, &ctx, buf, len);
	nfile = 0;
	while (cpio_next(&r, &e) == 0) {
		CHECK(e.crc_format);
		if (strcmp(e.name, "etc/hostname") == 0) {
			CHECK_INT(e.check, ==, 'r' + 'o' + 'o' + 't' + '\n');
			nfile++;
		}
	}
	CHECK_INT(nfile, ==, 1);
	free(buf);
}

TEST(concatenated_with_padding)
{
	struct cpio_writer *w = sample();
	const uint8_t *one;
	uint8_t *buf;
	size_t len, n = 0;
	struct initrd *ird;

	one = cpio_writer_data(w, &len);
	buf = calloc(1, 3 * len + 2048);
	memcpy(buf, one, len);
	n = len + 512; /* NULs */
	memcpy(buf + n, one, len);
	n += len + 4;
	memcpy(buf + n, one, len);
	n += len + 1000;
	CHECK_INT(parse_all(buf, n), ==, 21);
	/* Each uncompressed archive is its own segment. */
	CHECK_INT(initrd_split(&ctx, buf, n, NULL, &ird), ==, 0);
	CHECK_INT(ird->nseg, ==, 3);
	CHECK_INT(ird->seg[1].offset, ==, len + 512);
	CHECK(ird->seg[1].comp == NULL);
	CHECK_INT(ird->seg[2].len, ==, len);
	initrd_free(ird);
	/* A header at an unaligned offset after padding. */
	memmove(buf + len + 1, buf + len + 512, len);
	CHECK_INT(parse_all(buf, len + 1 + len), ==, -EUCLEAN);
	free(buf);
	cpio_writer_free(w);
}

/* Streaming: the input handed over in chunks of every size from 1 byte,
 * the consumed (4-aligned) prefix dropped each time, gives the same entries
 * as the whole buffer, and an input cut short still fails. */
static long parse_chunked(const uint8_t *all, size_t total, size_t chunk, bool cut_last)
{
	uint8_t *buf = calloc(1, total + 1);
	struct cpio_reader r;
	struct cpio_entry e;
	size_t have = 0, fed = 0, dropped = 0;
	long n = 0;
	int k = CPIO_MORE;

	cpio_reader_init(&r, &ctx, buf, 0);
	while (k == CPIO_MORE) {
		size_t step = total - fed < chunk ? total - fed : chunk;

		memcpy(buf + have, all + fed, step);
		have += step;
		fed += step;
		cpio_reader_refill(&r, buf, have, dropped);
		r.more = fed < total || cut_last;
		while ((k = cpio_next(&r, &e)) == 0) {
			/* Names and data are whole and in the buffer. */
			if ((const uint8_t *)e.raw_name < buf || e.data + e.data_len > buf + have)
				k = -EFAULT;
			if (k < 0)
				break;
			n++;
		}
		if (k == CPIO_MORE && fed == total)
			break; /* cut_last: the input ended inside an entry */
		dropped = k == CPIO_MORE ? (r.pos & ~(size_t)3) : 0;
		CHECK_INT(dropped % 4, ==, 0);
		memmove(buf, buf + dropped, have - dropped);
		have -= dropped;
	}
	free(buf);
	return k < 0 ? k : k == CPIO_MORE ? CPIO_MORE : n;
}

TEST(streaming_reader)
{
	struct cpio_writer *w = sample();
	const uint8_t *one;
	uint8_t *buf;
	size_t len, n;
	char big[5000];

	CHECK_INT(cpio_write_file(w, "big", 0644, big, sizeof(big)), ==, 0);
	memset(big, 'x', sizeof(big));
	CHECK_INT(cpio_write_trailer(w), ==, 0);
	one = cpio_writer_data(w, &len);
	buf = calloc(1, 2 * len + 1024);
	memcpy(buf, one, len);
	n = len + 513; /* NULs, then a second copy 4-aligned */
	n = (n + 3) & ~(size_t)3;
	memcpy(buf + n, one, len);
	n += len + 9;
	CHECK_INT(parse_all(buf, n), ==, 16);
	for (size_t chunk = 1; chunk < 700; chunk += chunk < 20 ? 1 : 37)
		CHECK_INT(parse_chunked(buf, n, chunk, false), ==, 16);
	CHECK_INT(parse_chunked(buf, n, n, false), ==, 16);
	/* Cut inside the last entry: still "more" while more may come ... */
	CHECK_INT(parse_chunked(buf, n - len / 2, 100, true), ==, CPIO_MORE);
	/* ... and an error once the input is said to end there. */
	CHECK_INT(parse_chunked(buf, n - len / 2, 100, false), ==, -EUCLEAN);
	/* Bad input is refused the same way streaming or not. */
	buf[n - len + 3] = 'x';
	CHECK_INT(parse_all(buf, n), ==, -EUCLEAN);
	CHECK_INT(parse_chunked(buf, n, 64, false), ==, -EUCLEAN);
	free(buf);
	cpio_writer_free(w);
}

TEST(huge_namesize)
{
	uint8_t buf[512] = {0};
	size_t n = raw_entry(buf, "a", 0xffffffffu, 0, NULL);

	n += raw_trailer(buf + n);
	CHECK_INT(parse_all(buf, n), ==, -EUCLEAN);
	memset(buf, 0, sizeof(buf));
	n = raw_entry(buf, "a", 0, 0, NULL);
	CHECK_INT(parse_all(buf, n), ==, -EUCLEAN);
	n = raw_entry(buf, "a", CPIO_NAME_MAX + 1, 0, NULL);
	CHECK_INT(parse_all(buf, sizeof(buf)), ==, -EUCLEAN);
	/* namesize 3 for "a": the NUL is not at namesize - 1. */
	n = raw_entry(buf, "a", 3, 0, NULL);
	n += raw_trailer(buf + n);
	CHECK_INT(parse_all(buf, n), ==, -EUCLEAN);
}

TEST(filesize_past_end)
{
	uint8_t buf[512] = {0};
	size_t n = raw_entry(buf, "f", 2, 4, "abcd");

	n += raw_trailer(buf + n);
	CHECK_INT(parse_all(buf, n), ==, 1);
	memset(buf, 0, sizeof(buf));
	n = raw_entry(buf, "f", 2, 0, NULL);
	memcpy(buf + 54, "FFFFFFF0", 8); /* filesize field */
	CHECK_INT(parse_all(buf, n + 16), ==, -EUCLEAN);
	memcpy(buf + 54, "00000100", 8);
	n += raw_trailer(buf + n);
	CHECK_INT(parse_all(buf, n), ==, -EUCLEAN);
}

TEST(truncated)
{
	struct cpio_writer *w = sample();
	const uint8_t *full;
	size_t len;
	size_t ok = 0;

	full = cpio_writer_data(w, &len);
	/* Every cut before the trailer's name ends must fail, cleanly. */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		long k;

		memcpy(copy, full, cut);
		k = parse_all(copy, cut);
		if (cut == 0 || k == 7)
			ok++;
		else
			CHECK_INT(k, ==, -EUCLEAN);
		free(copy);
	}
	/* Only the empty input and cuts inside the trailer's data padding. */
	CHECK_INT(ok, <=, 4);
	cpio_writer_free(w);
}

TEST(bad_hex)
{
	struct cpio_writer *w = sample();
	const uint8_t *full;
	uint8_t *copy;
	size_t len;
	const char bad[] = {'g', ' ', 'x', '-', '\0', 'G'};

	full = cpio_writer_data(w, &len);
	copy = malloc(len);
	for (size_t field = 0; field < 13; field++) {
		for (size_t b = 0; b < sizeof(bad); b++) {
			memcpy(copy, full, len);
			copy[6 + 8 * field + (b % 8)] = (uint8_t)bad[b];
			CHECK_INT(parse_all(copy, len), ==, -EUCLEAN);
		}
	}
	memcpy(copy, full, len);
	copy[5] = '7'; /* "070707": odc, not handled */
	CHECK_INT(parse_all(copy, len), ==, -EUCLEAN);
	memcpy(copy, full, len);
	memcpy(copy + 6, "0000000a", 8); /* lower-case hex is hex */
	CHECK_INT(parse_all(copy, len), ==, 7);
	free(copy);
	cpio_writer_free(w);
}

TEST(dotdot_and_absolute_names)
{
	const char *bad[] = {"..", "../etc/shadow", "a/../../b", "/..", "./..", "a/.."};
	uint8_t buf[1024];
	struct cpio_reader r;
	struct cpio_entry e;
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(buf, 0, sizeof(buf));
		n = raw_entry(buf, bad[i], (uint32_t)strlen(bad[i]) + 1, 0, NULL);
		n += raw_trailer(buf + n);
		CHECK_INT(parse_all(buf, n), ==, -EUCLEAN);
	}
	memset(buf, 0, sizeof(buf));
	n = raw_entry(buf, "/etc/passwd", 12, 0, NULL);
	n += raw_entry(buf + n, "./a..b/...", 11, 0, NULL);
	n += raw_entry(buf + n, "//./x", 6, 0, NULL);
	n += raw_trailer(buf + n);
	cpio_reader_init(&r, &ctx, buf, n);
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, "etc/passwd");
	CHECK_STR(e.raw_name, "/etc/passwd");
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, "a..b/...");
	CHECK_INT(cpio_next(&r, &e), ==, 0);
	CHECK_STR(e.name, "x");
	CHECK_INT(cpio_next(&r, &e), ==, 1);
}

TEST(missing_trailer_and_junk)
{
	uint8_t buf[1024] = {0};
	size_t n = raw_entry(buf, "f", 2, 4, "abcd");
	struct initrd *ird = NULL;

	CHECK_INT(parse_all(buf, n), ==, -EUCLEAN);
	CHECK_INT(parse_all(buf, n + 64), ==, -EUCLEAN); /* NULs are not a trailer */
	n += raw_trailer(buf + n);
	memcpy(buf + n + 8, "junk", 4);
	CHECK_INT(parse_all(buf, n + 12), ==, -EUCLEAN);
	/* The splitter sees "junk" as an unknown compressor, bytes logged. */
	CHECK_INT(initrd_split(&ctx, buf, n + 12, NULL, &ird), ==, -EOPNOTSUPP);
	CHECK(strstr(last_log, "6a 75 6e 6b") != NULL);
	CHECK(ird == NULL);
	/* Nothing at all. */
	CHECK_INT(initrd_split(&ctx, buf + n + 16, 64, NULL, &ird), ==, -EUCLEAN);
}

TEST(entry_cap)
{
	struct cpio_writer *w;
	struct cpio_reader r;
	struct cpio_entry e;
	const uint8_t *buf;
	size_t len;
	int k, n = 0;

	CHECK_INT(cpio_writer_new(&ctx, &w), ==, 0);
	for (int i = 0; i < 20; i++)
		CHECK_INT(cpio_write_file(w, "f", 0644, "x", 1), ==, 0);
	CHECK_INT(cpio_write_trailer(w), ==, 0);
	buf = cpio_writer_data(w, &len);
	cpio_reader_init(&r, &ctx, buf, len);
	r.max_entries = 10;
	while ((k = cpio_next(&r, &e)) == 0)
		n++;
	CHECK_INT(k, ==, -E2BIG);
	CHECK_INT(n, ==, 10);
	cpio_writer_free(w);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	CHECK(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* SKIPs when the compressor is not compiled in. */
static void require_comp(const char *name)
{
	const struct initrd_comp *c = initrd_comp_by_name(name);
	uint8_t *out = NULL;
	size_t n;
	char why[128];

	CHECK(c);
	if (initrd_compress(&ctx, c, (const uint8_t *)"x", 1, &out, &n) == -EOPNOTSUPP) {
		snprintf(why, sizeof(why), "%s not compiled in (MORPH_HAVE_*)", name);
		SKIP(why);
	}
	free(out);
}

/* A walk's entries, checked against what initrd_split() keeps. */
struct walk_check {
	const struct initrd *ird;
	struct cpio_reader rd;
	size_t seg, count;
	int fail_at; /* > 0: the callback fails on that entry */
};

static int walk_cb(void *ud, const struct initrd_segment *seg, size_t index,
		   const struct cpio_entry *e)
{
	struct walk_check *wc = ud;
	struct cpio_entry want;

	if (wc->fail_at && (int)wc->count + 1 == wc->fail_at)
		return -ENOSPC;
	if (index != wc->seg || wc->count == 0) {
		CHECK(index < wc->ird->nseg);
		wc->seg = index;
		cpio_reader_init(&wc->rd, &ctx, wc->ird->seg[index].data, wc->ird->seg[index].len);
	}
	CHECK(seg->comp == wc->ird->seg[index].comp);
	CHECK_INT(seg->offset, ==, wc->ird->seg[index].offset);
	CHECK_INT(cpio_next(&wc->rd, &want), ==, 0);
	CHECK_STR(e->name, want.name);
	CHECK_INT(e->mode, ==, want.mode);
	CHECK_INT(e->offset, ==, want.offset);
	CHECK_INT(e->data_len, ==, want.data_len);
	CHECK(memcmp(e->data, want.data, e->data_len) == 0);
	wc->count++;
	return 0;
}

/* Walks img and compares with initrd_split(); returns the entry count. */
static size_t walk_matches_split(const uint8_t *img, size_t len)
{
	struct walk_check wc = {0};
	struct initrd *ird, *walked;
	size_t total = 0;

	CHECK_INT(initrd_split(&ctx, img, len, NULL, &ird), ==, 0);
	wc.ird = ird;
	CHECK_INT(initrd_walk(&ctx, img, len, NULL, walk_cb, &wc, &walked), ==, 0);
	for (size_t i = 0; i < ird->nseg; i++)
		total += (size_t)parse_all(ird->seg[i].data, ird->seg[i].len);
	CHECK_INT(wc.count, ==, total);
	CHECK_INT(walked->nseg, ==, ird->nseg);
	for (size_t i = 0; i < ird->nseg; i++) {
		CHECK(walked->seg[i].data == NULL);
		CHECK_INT(walked->seg[i].len, ==, ird->seg[i].len);
		CHECK_INT(walked->seg[i].raw_len, ==, ird->seg[i].raw_len);
	}
	/* A callback's error ends the walk with it. */
	if (total > 1) {
		struct walk_check fail = {.ird = ird, .fail_at = (int)total / 2 + 1};

		CHECK_INT(initrd_walk(&ctx, img, len, NULL, walk_cb, &fail, NULL), ==, -ENOSPC);
	}
	initrd_free(walked);
	initrd_free(ird);
	return total;
}

/*
 * An image as mkinitramfs makes it: an uncompressed early cpio (microcode),
 * NUL padding, then the main cpio compressed by the real tool `cmd`.
 */
static void tool_segment(const char *name, const char *cmd)
{
	const char *d = test_tmpdir();
	struct initrd *ird, *again;
	uint8_t *img, *joined;
	size_t len, jlen;
	char path[4096];

	require_comp(name);
	if (test_sh("command -v %s >/dev/null", cmd) != 0)
		SKIP("compressor tool not installed");
	CHECK_INT(test_sh("cd %s && mkdir -p early/kernel/x86/microcode main/etc "
			  "main/usr/lib/modules "
			  "&& printf 'ucode' >early/kernel/x86/microcode/GenuineIntel.bin && "
			  "seq 1 20000 >main/etc/numbers && ln -s usr/lib main/lib && "
			  "(cd early && find . | cpio -o -H newc --quiet) >img && "
			  "(cd main && find . | cpio -o -H newc --quiet | %s) >>img",
			  d, cmd),
		  ==, 0);
	snprintf(path, sizeof(path), "%s/img", d);
	img = slurp(path, &len);
	CHECK(img);
	CHECK_INT(initrd_split(&ctx, img, len, NULL, &ird), ==, 0);
	CHECK_INT(ird->nseg, ==, 2);
	CHECK(ird->seg[0].comp == NULL);
	CHECK_STR(initrd_comp_name(ird->seg[1].comp), name);
	CHECK_INT(ird->seg[1].offset % 512, ==, 0); /* cpio pads to 512 */
	CHECK_INT(parse_all(ird->seg[0].data, ird->seg[0].len), ==, 5);
	CHECK_INT(parse_all(ird->seg[1].data, ird->seg[1].len), ==, 7);
	CHECK_INT(walk_matches_split(img, len), ==, 12);
	/* Written back with our compressor, read back the same. */
	CHECK_INT(initrd_join(&ctx, ird->seg, ird->nseg, &joined, &jlen), ==, 0);
	CHECK_INT(initrd_split(&ctx, joined, jlen, NULL, &again), ==, 0);
	CHECK_INT(again->nseg, ==, 2);
	CHECK(again->seg[1].comp == ird->seg[1].comp);
	CHECK_INT(again->seg[1].len, ==, ird->seg[1].len);
	CHECK(memcmp(again->seg[1].data, ird->seg[1].data, ird->seg[1].len) == 0);
	/* ... and the real tool can read what we wrote. */
	if (strcmp(name, "lz4") != 0) {
		char tool[64];
		FILE *f;

		snprintf(tool, sizeof(tool), "%.*s", (int)strcspn(cmd, " "), cmd);
		snprintf(path, sizeof(path), "%s/ours", d);
		f = fopen(path, "wb");
		CHECK(f);
		CHECK(fwrite(joined + again->seg[1].offset, 1, again->seg[1].raw_len, f) ==
		      again->seg[1].raw_len);
		fclose(f);
		CHECK_INT(test_sh("cd %s && %s -d <ours | cpio -it --quiet | grep -qx etc/numbers",
				  d, tool),
			  ==, 0);
	}
	initrd_free(again);
	/* Truncated streams fail cleanly. */
	for (size_t cut = 1; cut < 64 && cut < ird->seg[1].raw_len; cut += 7) {
		CHECK_INT(initrd_split(&ctx, img, ird->seg[1].offset + ird->seg[1].raw_len - cut,
				       NULL, &again) < 0,
			  ==, 1);
		CHECK_INT(initrd_walk(&ctx, img, ird->seg[1].offset + ird->seg[1].raw_len - cut,
				      NULL, walk_cb, &(struct walk_check){.ird = ird}, NULL) < 0,
			  ==, 1);
	}
	initrd_free(ird);
	free(joined);
	free(img);
}

TEST(gzip_segment)
{
	tool_segment("gzip", "gzip -n -9");
}

TEST(xz_segment)
{
	tool_segment("xz", "xz --check=crc32");
}

TEST(zstd_segment)
{
	tool_segment("zstd", "zstd -q -19");
}

TEST(bzip2_segment)
{
	tool_segment("bzip2", "bzip2");
}

TEST(lzma_segment)
{
	tool_segment("lzma", "lzma");
}

TEST(lz4_segment)
{
	tool_segment("lz4", "lz4 -l -9");
}

/* After a compressed stream ends, another segment may follow. */
TEST(compressed_then_compressed)
{
	const char *d = test_tmpdir();
	struct initrd *ird;
	uint8_t *img;
	size_t len;
	char path[4096];

	require_comp("gzip");
	require_comp("zstd");
	CHECK_INT(test_sh("cd %s && mkdir a b && echo a >a/a && echo b >b/b && "
			  "(cd a && find . | cpio -o -H newc --quiet | gzip) >img && "
			  "head -c 3 /dev/zero >>img && "
			  "(cd b && find . | cpio -o -H newc --quiet | zstd -q) >>img",
			  d),
		  ==, 0);
	snprintf(path, sizeof(path), "%s/img", d);
	img = slurp(path, &len);
	CHECK_INT(initrd_split(&ctx, img, len, NULL, &ird), ==, 0);
	CHECK_INT(ird->nseg, ==, 2);
	CHECK_STR(initrd_comp_name(ird->seg[0].comp), "gzip");
	CHECK_STR(initrd_comp_name(ird->seg[1].comp), "zstd");
	initrd_free(ird);
	CHECK_INT(walk_matches_split(img, len), ==, 4);
	/* Compressed data that is not cpio: "junk", as the kernel says. */
	CHECK_INT(test_sh("cd %s && echo hello | gzip >junk", d), ==, 0);
	free(img);
	snprintf(path, sizeof(path), "%s/junk", d);
	img = slurp(path, &len);
	CHECK_INT(initrd_split(&ctx, img, len, NULL, &ird), ==, -EUCLEAN);
	CHECK_INT(initrd_walk(&ctx, img, len, NULL, walk_cb, &(struct walk_check){0}, NULL), ==,
		  -EUCLEAN);
	free(img);
}

/* Files larger than the decompressor's steps, among many small ones: the
 * walk hands each over whole while its buffer is drained and refilled. */
TEST(walk_large_files)
{
	const char *d = test_tmpdir();
	uint8_t *img;
	size_t len;
	char path[4096];

	require_comp("gzip");
	require_comp("zstd");
	CHECK_INT(test_sh("cd %s && mkdir -p m/lib/modules m/etc && "
			  "head -c 3000001 /dev/urandom >m/lib/modules/big.ko && "
			  "seq 1 900000 >m/etc/numbers && "
			  "for i in $(seq 1 300); do echo $i >m/etc/f$i; done && "
			  "(cd m && find . | cpio -o -H newc --quiet | gzip -1) >img && "
			  "(cd m && find . | cpio -o -H newc --quiet | zstd -q -1) >>img",
			  d),
		  ==, 0);
	snprintf(path, sizeof(path), "%s/img", d);
	img = slurp(path, &len);
	CHECK(img);
	CHECK_INT(walk_matches_split(img, len), ==, 2 * 306);
	free(img);
}

/* size: of the zeros, over the 512 MiB default cap; zstd gets 2 GiB as it
 * compresses them fastest. */
static void bomb(const char *name, const char *size, const char *cmd)
{
	const char *d = test_tmpdir();
	struct initrd_caps caps;
	struct initrd *ird = NULL;
	uint8_t *img;
	size_t len;
	char path[4096];

	require_comp(name);
	CHECK_INT(test_sh("cd %s && head -c %s /dev/zero | %s >bomb", d, size, cmd), ==, 0);
	snprintf(path, sizeof(path), "%s/bomb", d);
	img = slurp(path, &len);
	CHECK(img);
	/* Defaults: the ratio cap stops it early. */
	last_log[0] = 0;
	CHECK_INT(initrd_split(&ctx, img, len, NULL, &ird), ==, -EFBIG);
	CHECK(strstr(last_log, "cap") != NULL);
	/* No ratio cap: the absolute cap. */
	initrd_caps_default(&caps);
	caps.max_ratio = 0;
	caps.max_out = 64 << 20;
	CHECK_INT(initrd_split(&ctx, img, len, &caps, &ird), ==, -EFBIG);
	CHECK(ird == NULL);
	/* Walking, zeros are padding and never build up: the caps count every
	 * byte decompressed, not the bytes held. */
	CHECK_INT(initrd_walk(&ctx, img, len, NULL, walk_cb, &(struct walk_check){0}, NULL), ==,
		  -EFBIG);
	CHECK_INT(initrd_walk(&ctx, img, len, &caps, walk_cb, &(struct walk_check){0}, NULL), ==,
		  -EFBIG);
	free(img);
}

TEST(bomb_zstd)
{
	bomb("zstd", "2G", "zstd -q -1");
}

TEST(bomb_xz)
{
	bomb("xz", "600M", "xz -0 -T0 --check=crc32");
}

TEST(bomb_gzip)
{
	bomb("gzip", "600M", "gzip -1");
}

TEST(host_initrd)
{
	const char *env = getenv("MORPH_TEST_INITRD");
	glob_t g = {0};
	const char *path = env;
	struct initrd *ird;
	uint8_t *img;
	size_t len;
	long total = 0;

	if (!path) {
		if (glob("/boot/initrd.img-*", 0, NULL, &g) != 0 &&
		    glob("/boot/initramfs-*.img", 0, NULL, &g) != 0)
			SKIP("no /boot/initrd.img-* or /boot/initramfs-*.img on this host "
			     "(set MORPH_TEST_INITRD=path)");
		path = g.gl_pathv[0];
	}
	img = slurp(path, &len); /* read-only */
	if (!img)
		SKIP("host initrd not readable");
	CHECK_INT(initrd_split(&ctx, img, len, NULL, &ird), ==, 0);
	for (size_t i = 0; i < ird->nseg; i++) {
		long n = parse_all(ird->seg[i].data, ird->seg[i].len);

		CHECK_INT(n, >=, 0);
		fprintf(stderr, "  %s: segment %zu at %zu: %s, %zu bytes, %ld entries\n", path, i,
			ird->seg[i].offset, initrd_comp_name(ird->seg[i].comp), ird->seg[i].len, n);
		total += n;
	}
	CHECK_INT(total, >, 0);
	initrd_free(ird);
	free(img);
	globfree(&g);
}

TEST_MAIN()
