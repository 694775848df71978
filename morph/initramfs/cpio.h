/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpio "newc" (070701) and "crc" (070702) archives, the format of Linux
 * initramfs images: a streaming reader over a buffer holding one or more
 * concatenated archives (NUL padding between them), and a writer that
 * appends newc entries to a growing buffer. The reader treats every byte as
 * hostile: each header field is checked hex, each length is checked against
 * the bytes left, and counts are capped. See docs/initramfs.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

#define CPIO_HEADER_SIZE 110
#define CPIO_NAME_MAX	 4096	 /* namesize cap, including the NUL */
#define CPIO_MAX_ENTRIES 1000000 /* per reader, over all archives */
#define CPIO_TRAILER	 "TRAILER!!!"

struct cpio_entry {
	/* Normalised: leading "/" and "./" stripped, "." for the root; never
	 * contains a ".." component. Borrowed from the reader's buffer. */
	const char *name;
	const char *raw_name; /* as stored, for diagnostics */
	uint32_t ino, mode, uid, gid, nlink, mtime, filesize;
	uint32_t dev_major, dev_minor, rdev_major, rdev_minor;
	uint32_t namesize; /* as stored, NUL included */
	uint32_t check;	   /* checksum of a 070702 entry, 0 for newc */
	bool crc_format;
	const uint8_t *data; /* borrowed, filesize bytes */
	size_t data_len;
	size_t offset; /* of the header, from the reader's buffer start */
};

struct cpio_reader {
	const struct morph_ctx *ctx;
	const uint8_t *buf;
	size_t len, pos;
	size_t nentries, max_entries;
	size_t narchives;
	bool in_archive; /* a header was read and no trailer yet */
	bool stop_at_trailer;
	/* Streaming: more input may follow buf[0, len). An entry cut off by
	 * the end then gives CPIO_MORE instead of -EUCLEAN. */
	bool more;
};

/* cpio_next() with more set: the entry at pos is not complete yet. */
#define CPIO_MORE 2

/* Reads buf[0, len); buf must outlive the reader and every entry. */
void cpio_reader_init(struct cpio_reader *r, const struct morph_ctx *ctx, const uint8_t *buf,
		      size_t len);

/*
 * The next entry, trailers skipped. Returns 0 with *ret filled, 1 at a clean
 * end of input (last archive ended by its trailer, only NULs after it), or a
 * negative errno: -EUCLEAN for a malformed or truncated archive (also a
 * missing trailer), -E2BIG past max_entries. With stop_at_trailer set, it
 * returns 1 right after the first trailer's padding, leaving pos there (the
 * initrd splitter uses this to find where an uncompressed archive ends).
 *
 * With more set, running out of input inside a header, name or data (or in
 * the NULs between archives) returns CPIO_MORE instead, with pos at the
 * first byte still needed: buf[0, pos & ~3) may be dropped and the reader
 * moved on with cpio_reader_refill(). Alignment stays relative to the first
 * byte ever given, so only multiples of 4 are dropped.
 */
int cpio_next(struct cpio_reader *r, struct cpio_entry *ret);

/*
 * Streaming: the caller dropped the first `dropped` bytes of the old buffer
 * (a multiple of 4, at most pos) and now holds buf[0, len), which continues
 * the same input. Counts and state carry on.
 */
void cpio_reader_refill(struct cpio_reader *r, const uint8_t *buf, size_t len, size_t dropped);

/*
 * Parses a header at buf (len bytes available, len >= CPIO_HEADER_SIZE) into
 * the numeric fields of *ret. 0, or -EUCLEAN for a bad magic or a non-hex
 * digit.
 */
int cpio_parse_header(const uint8_t *buf, size_t len, struct cpio_entry *ret);

/* True when buf starts with a newc or crc magic. */
bool cpio_has_magic(const uint8_t *buf, size_t len);

/* Writer: newc entries appended to a buffer it owns. */
struct cpio_writer;

int cpio_writer_new(const struct morph_ctx *ctx, struct cpio_writer **ret);
void cpio_writer_free(struct cpio_writer *w);

/*
 * Appends one entry: name (stored with any leading "/" stripped; must not
 * contain ".." components), the mode (type and permission bits), and data
 * (file content or symlink target). Fields other than name, mode, data are
 * taken from e (uid, gid, mtime, rdev, nlink; nlink 0 means 1, or 2 for a
 * directory; ino 0 means the next free one).
 */
int cpio_write_entry(struct cpio_writer *w, const struct cpio_entry *e);
int cpio_write_file(struct cpio_writer *w, const char *name, uint32_t perm, const void *data,
		    size_t len);
int cpio_write_dir(struct cpio_writer *w, const char *name, uint32_t perm);
int cpio_write_symlink(struct cpio_writer *w, const char *name, const char *target);
/* type is S_IFCHR or S_IFBLK (or S_IFIFO / S_IFSOCK with 0, 0). */
int cpio_write_node(struct cpio_writer *w, const char *name, uint32_t type, uint32_t perm,
		    uint32_t major, uint32_t minor);
/* Ends the archive; more archives may be appended after it. */
int cpio_write_trailer(struct cpio_writer *w);

/* The bytes written so far (borrowed, valid until the next write). */
const uint8_t *cpio_writer_data(const struct cpio_writer *w, size_t *len);
