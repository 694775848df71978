/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpio newc/crc reader. Layout of one entry (all offsets from the header):
 *   0   6  magic "070701" (newc) or "070702" (crc)
 *   6   8  ino        14  8 mode      22  8 uid       30  8 gid
 *   38  8  nlink      46  8 mtime     54  8 filesize  62  8 devmajor
 *   70  8  devminor   78  8 rdevmajor 86  8 rdevminor 94  8 namesize
 *   102 8  check
 *   110    name (namesize bytes, NUL included), padded so that the data
 *          starts 4-aligned; data (filesize bytes), padded to 4.
 * Alignment is relative to the start of the buffer, which the initrd
 * splitter makes the start of the segment, as the kernel does.
 */
#include "initramfs/cpio.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

bool cpio_has_magic(const uint8_t *buf, size_t len)
{
	return len >= 6 && (memcmp(buf, "070701", 6) == 0 || memcmp(buf, "070702", 6) == 0);
}

static int hex8(const uint8_t *p, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EUCLEAN;
		v = (v << 4) | d;
	}
	*ret = v;
	return 0;
}

int cpio_parse_header(const uint8_t *buf, size_t len, struct cpio_entry *ret)
{
	struct cpio_entry e = {0};
	uint32_t *fields[] = {&e.ino,	     &e.mode,	  &e.uid,	&e.gid,	      &e.nlink,
			      &e.mtime,	     &e.filesize, &e.dev_major, &e.dev_minor, &e.rdev_major,
			      &e.rdev_minor, &e.namesize, &e.check};

	if (len < CPIO_HEADER_SIZE || !cpio_has_magic(buf, len))
		return -EUCLEAN;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (hex8(buf + 6 + 8 * i, fields[i]) < 0)
			return -EUCLEAN;
	}
	e.crc_format = buf[5] == '2';
	*ret = e;
	return 0;
}

void cpio_reader_init(struct cpio_reader *r, const struct morph_ctx *ctx, const uint8_t *buf,
		      size_t len)
{
	*r = (struct cpio_reader){
		.ctx = ctx,
		.buf = buf,
		.len = len,
		.max_entries = CPIO_MAX_ENTRIES,
	};
}

/* Strips "/" and "./" prefixes; rejects any ".." component. */
static int normalise_name(const char *raw, const char **ret)
{
	const char *n = raw;

	for (;;) {
		if (n[0] == '/')
			n++;
		else if (n[0] == '.' && n[1] == '/')
			n += 2;
		else
			break;
	}
	if (n[0] == '\0' || strcmp(n, ".") == 0) {
		*ret = ".";
		return 0;
	}
	for (const char *c = n; *c;) {
		size_t l = strcspn(c, "/");

		if (l == 2 && c[0] == '.' && c[1] == '.')
			return -EUCLEAN;
		c += l;
		if (*c == '/')
			c++;
	}
	*ret = n;
	return 0;
}

void cpio_reader_refill(struct cpio_reader *r, const uint8_t *buf, size_t len, size_t dropped)
{
	r->buf = buf;
	r->len = len;
	r->pos -= dropped;
}

/* Skips NULs after a trailer; 1 at end of input, 0 at the next header,
 * CPIO_MORE when streaming and the input ends before a whole magic. */
static int skip_padding(struct cpio_reader *r)
{
	while (r->pos < r->len && r->buf[r->pos] == 0)
		r->pos++;
	if (r->more && r->len - r->pos < 6)
		return CPIO_MORE;
	if (r->pos == r->len)
		return 1;
	if (r->pos & 3) {
		log_err(r->ctx, "cpio: broken padding before offset %zu", r->pos);
		return -EUCLEAN;
	}
	if (!cpio_has_magic(r->buf + r->pos, r->len - r->pos)) {
		log_err(r->ctx, "cpio: junk after archive at offset %zu", r->pos);
		return -EUCLEAN;
	}
	return 0;
}

int cpio_next(struct cpio_reader *r, struct cpio_entry *ret)
{
	for (;;) {
		struct cpio_entry e;
		size_t off, left, namesize, name_end, data_off, data_end;
		const char *raw;
		int k;

		if (!r->in_archive) {
			if (r->stop_at_trailer && r->narchives > 0)
				return 1;
			k = skip_padding(r);
			if (k != 0)
				return k;
		}
		off = r->pos;
		left = r->len - off;
		if (r->more && left < CPIO_HEADER_SIZE)
			return CPIO_MORE;
		if (left < CPIO_HEADER_SIZE) {
			log_err(r->ctx, "cpio: truncated header at offset %zu (%s)", off,
				left == 0 ? "missing trailer" : "short");
			return -EUCLEAN;
		}
		if (cpio_parse_header(r->buf + off, left, &e) < 0) {
			log_err(r->ctx, "cpio: bad header at offset %zu", off);
			return -EUCLEAN;
		}
		namesize = e.namesize;
		if (r->more && namesize > 0 && namesize <= CPIO_NAME_MAX &&
		    namesize > left - CPIO_HEADER_SIZE)
			return CPIO_MORE;
		if (namesize == 0 || namesize > CPIO_NAME_MAX ||
		    namesize > left - CPIO_HEADER_SIZE) {
			log_err(r->ctx, "cpio: bad name size %zu at offset %zu", namesize, off);
			return -EUCLEAN;
		}
		raw = (const char *)r->buf + off + CPIO_HEADER_SIZE;
		/* NUL at namesize - 1 and nowhere before it. */
		if (raw[namesize - 1] != '\0' || strlen(raw) != namesize - 1) {
			log_err(r->ctx, "cpio: name not NUL-terminated at offset %zu", off);
			return -EUCLEAN;
		}
		name_end = CPIO_HEADER_SIZE + namesize; /* <= left */
		data_off = align4(off + name_end);
		/* data_off - off <= left, except the padding may run past the end.
		 * Streaming, the entry's own padding must be in too, so that the
		 * next one starts in this buffer. */
		if (r->more && (data_off > r->len || e.filesize > r->len - data_off ||
				align4(data_off + e.filesize) > r->len))
			return CPIO_MORE;
		if (data_off > r->len || e.filesize > r->len - data_off) {
			log_err(r->ctx, "cpio: \"%.64s\" at offset %zu: size %u past the end", raw,
				off, e.filesize);
			return -EUCLEAN;
		}
		data_end = data_off + e.filesize;
		r->in_archive = true;
		/* The padding after the last entry may be cut off by the end. */
		r->pos = align4(data_end) <= r->len ? align4(data_end) : r->len;

		if (strcmp(raw, CPIO_TRAILER) == 0) {
			r->in_archive = false;
			r->narchives++;
			continue;
		}
		if (r->nentries >= r->max_entries) {
			log_err(r->ctx, "cpio: more than %zu entries", r->max_entries);
			return -E2BIG;
		}
		if (normalise_name(raw, &e.name) < 0) {
			log_err(r->ctx, "cpio: refusing name with \"..\": \"%.64s\"", raw);
			return -EUCLEAN;
		}
		e.raw_name = raw;
		e.data = r->buf + data_off;
		e.data_len = e.filesize;
		e.offset = off;
		r->nentries++;
		*ret = e;
		return 0;
	}
}
