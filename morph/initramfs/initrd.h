/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An initramfs image as the kernel reads it (init/initramfs.c): a sequence
 * of segments, each either an uncompressed cpio archive (early microcode,
 * ACPI tables) or a compressed stream whose content is one or more cpio
 * archives, with NUL padding between segments. initrd_split() finds them,
 * detects each compressor by magic from a table, and decompresses under
 * caps; initrd_join() writes an image back, recompressing each compressed
 * segment with the compressor it came with. See docs/initramfs.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

#define INITRD_MAX_SEGMENTS 64
#define INITRD_MAX_OUT	    ((size_t)512 << 20) /* decompressed, per image */
#define INITRD_MAX_RATIO    200			/* real images: 2-10; zeros: 1000+ */
#define INITRD_RATIO_FLOOR  ((size_t)16 << 20)	/* ratio checked past this */

struct initrd_caps {
	size_t max_out; /* total decompressed bytes over all segments */
	size_t max_ratio;
	size_t ratio_floor;
	size_t max_segments;
};

/* The defaults above. */
void initrd_caps_default(struct initrd_caps *caps);

struct initrd_comp;

struct initrd_segment {
	size_t offset, raw_len;		/* the bytes in the image */
	const struct initrd_comp *comp; /* NULL: uncompressed cpio */
	/* The cpio bytes: borrowed from the image when uncompressed, owned
	 * (freed by initrd_free) when decompressed. */
	const uint8_t *data;
	size_t len;
	bool owned;
};

struct initrd {
	struct initrd_segment *seg;
	size_t nseg;
};

/* The compressor table (ordered; the first whose magic matches wins). */
const char *initrd_comp_name(const struct initrd_comp *c);
/* A compressor by name ("gzip", "xz", ...); NULL if unknown. */
const struct initrd_comp *initrd_comp_by_name(const char *name);
/* Found: 0 with *ret set; 1: no known magic at buf; never an error. */
int initrd_comp_detect(const uint8_t *buf, size_t len, const struct initrd_comp **ret);

/*
 * Splits image[0, len) into segments. image must outlive *ret. Every segment
 * is checked to be a well-formed sequence of cpio archives ending in a
 * trailer. Returns 0, -EUCLEAN (malformed cpio, corrupt or truncated stream,
 * junk), -EOPNOTSUPP (unknown magic: logged with the bytes; or a compressor
 * not compiled in), -EFBIG (a cap hit: logged), -E2BIG (too many segments),
 * -ENOMEM. caps may be NULL for the defaults. Free *ret with initrd_free().
 */
int initrd_split(const struct morph_ctx *ctx, const uint8_t *image, size_t len,
		 const struct initrd_caps *caps, struct initrd **ret);
void initrd_free(struct initrd *ird);

struct cpio_entry;
/* Called for each entry of a walk; seg is the segment (offset and comp set),
 * index its number. e and its name and data are valid only during the call.
 * 0 goes on; a negative errno ends the walk with that value. */
typedef int (*initrd_entry_fn)(void *ud, const struct initrd_segment *seg, size_t index,
			       const struct cpio_entry *e);

/*
 * initrd_split() without keeping the archives: every entry of every segment
 * goes to fn in order as it is decompressed, and only the entry being read
 * (plus a decompressor step) is in memory at a time, not whole archives.
 * The same checks, caps and errors as initrd_split(). On success *ret (may
 * be NULL) gets the segments with data NULL and len their cpio size.
 */
int initrd_walk(const struct morph_ctx *ctx, const uint8_t *image, size_t len,
		const struct initrd_caps *caps, initrd_entry_fn fn, void *ud, struct initrd **ret);

/* Decompresses one stream with c; *ret is malloc'd (the caller frees). */
int initrd_decompress(const struct morph_ctx *ctx, const struct initrd_comp *c, const uint8_t *in,
		      size_t in_len, size_t max_out, uint8_t **ret, size_t *ret_len,
		      size_t *consumed);
/* Compresses with c at its default level; *ret is malloc'd. */
int initrd_compress(const struct morph_ctx *ctx, const struct initrd_comp *c, const uint8_t *in,
		    size_t len, uint8_t **ret, size_t *ret_len);

/*
 * Writes segments back into one image: uncompressed ones copied, the others
 * compressed with their segment's compressor, each segment starting 4-aligned
 * (NUL padding). *ret is malloc'd (the caller frees).
 */
int initrd_join(const struct morph_ctx *ctx, const struct initrd_segment *seg, size_t nseg,
		uint8_t **ret, size_t *ret_len);
