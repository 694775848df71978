/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Initramfs segment splitter, after the kernel's unpack_to_rootfs(): NULs
 * are skipped; "0707" at a 4-aligned offset (from the image start) starts
 * an uncompressed cpio archive, which runs to its trailer; anything else
 * must be a known compressor's magic, and the stream runs to its own end,
 * after which more segments may follow.
 */
#include "initramfs/initrd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "initramfs/comp.h"
#include "initramfs/cpio.h"

struct initrd_comp {
	const char *name;
	uint8_t magic[6];
	size_t magic_len;
	comp_decompress_fn decompress; /* NULL: known, never supported */
	comp_compress_fn compress;
};

/*
 * The kernel's list (lib/decompress.c), same magics. Order: the magics are
 * disjoint, but lzma's "5d 00 00" (properties byte and the low bytes of a
 * little-endian dictionary size) is the weakest, so it is tried last.
 */
static const struct initrd_comp comps[] = {
	{"gzip", {0x1f, 0x8b}, 2, comp_gzip_decompress, comp_gzip_compress},
	{"xz", {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6, comp_xz_decompress, comp_xz_compress},
	{"zstd", {0x28, 0xb5, 0x2f, 0xfd}, 4, comp_zstd_decompress, comp_zstd_compress},
	{"lz4", {0x02, 0x21, 0x4c, 0x18}, 4, comp_lz4_decompress, comp_lz4_compress},
	{"bzip2", {'B', 'Z', 'h'}, 3, comp_bzip2_decompress, comp_bzip2_compress},
	{"lzo", {0x89, 'L', 'Z', 'O'}, 4, NULL, NULL},
	{"lzma", {0x5d, 0x00, 0x00}, 3, comp_lzma_decompress, comp_lzma_compress},
};

void initrd_caps_default(struct initrd_caps *caps)
{
	*caps = (struct initrd_caps){
		.max_out = INITRD_MAX_OUT,
		.max_ratio = INITRD_MAX_RATIO,
		.ratio_floor = INITRD_RATIO_FLOOR,
		.max_segments = INITRD_MAX_SEGMENTS,
	};
}

const char *initrd_comp_name(const struct initrd_comp *c)
{
	return c ? c->name : "none";
}

const struct initrd_comp *initrd_comp_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++)
		if (strcmp(comps[i].name, name) == 0)
			return &comps[i];
	return NULL;
}

int initrd_comp_detect(const uint8_t *buf, size_t len, const struct initrd_comp **ret)
{
	for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
		if (len >= comps[i].magic_len &&
		    memcmp(buf, comps[i].magic, comps[i].magic_len) == 0) {
			*ret = &comps[i];
			return 0;
		}
	}
	return 1;
}

int comp_out_drain(struct comp_out *o, bool final)
{
	size_t used = 0;
	int r;

	if (!o->drain)
		return 0;
	r = o->drain(o->drain_ud, o->data, o->len, final, &used);
	if (r < 0)
		return r;
	if (used > o->len)
		return -EINVAL;
	memmove(o->data, o->data + used, o->len - used);
	o->len -= used;
	o->drained += used;
	return 0;
}

int comp_out_reserve(struct comp_out *o, size_t n)
{
	size_t cap, limit;
	uint8_t *p;
	int r;

	/* Streaming: hand over what is there before growing (at a quarter
	 * left, so that the decompressor keeps getting large steps). */
	if (o->drain && o->len && o->cap - o->len < n + o->cap / 4) {
		r = comp_out_drain(o, false);
		if (r < 0)
			return r;
	}
	if (o->drained + o->len > o->max_len)
		return comp_out_check(o, 0);
	/* Never more than max_len + 1 in all: enough to see a stream overrun it. */
	limit = o->max_len - o->drained < SIZE_MAX ? o->max_len - o->drained + 1 : SIZE_MAX;
	if (o->cap - o->len >= n || o->cap >= limit)
		return 0;
	cap = o->cap < ((size_t)1 << 16) ? (size_t)1 << 16 : o->cap;
	while (cap - o->len < n && cap < limit)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	if (cap > limit)
		cap = limit;
	p = realloc(o->data, cap);
	if (!p)
		return -ENOMEM;
	o->data = p;
	o->cap = cap;
	return 0;
}

int comp_out_grow(struct comp_out *o)
{
	return comp_out_reserve(o, 1);
}

int comp_out_check(struct comp_out *o, size_t in_used)
{
	size_t total = o->drained + o->len;

	if (total > o->max_len) {
		log_err(o->ctx, "initrd: %s stream decompresses past the cap of %zu bytes", o->name,
			o->max_len);
		return -EFBIG;
	}
	if (in_used && o->max_ratio && total > o->ratio_floor && total / in_used > o->max_ratio) {
		log_err(o->ctx,
			"initrd: %s stream expands %zu bytes to over %zu (ratio over %zu:1): "
			"refusing a likely decompression bomb",
			o->name, in_used, total, o->max_ratio);
		return -EFBIG;
	}
	return 0;
}

int comp_buf_grow(uint8_t **data, size_t *cap, size_t len, size_t min_room)
{
	size_t c = *cap ? *cap : 1 << 16;
	uint8_t *p;

	if (*cap - len >= min_room)
		return 0;
	if (min_room > SIZE_MAX / 4 - len)
		return -EFBIG;
	while (c - len < min_room)
		c *= 2;
	p = realloc(*data, c);
	if (!p)
		return -ENOMEM;
	*data = p;
	*cap = c;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Streaming: entries handed to a callback as they are decompressed      */

struct initrd_walk {
	const struct morph_ctx *ctx;
	initrd_entry_fn fn;
	void *ud;
	struct cpio_reader rd;
	const struct initrd_segment *seg; /* offset and comp known so far */
	size_t index;
	size_t base;	  /* segment offset of the reader's buf[0] */
	size_t last_used; /* dropped after the previous call */
	bool started;
};

static void walk_segment(struct initrd_walk *w, const struct initrd_segment *seg, size_t index)
{
	w->seg = seg;
	w->index = index;
	w->base = 0;
	w->last_used = 0;
	w->started = false;
}

/* Reads the whole entries in data[0, len); *used: what may be dropped. */
static int walk_entries(struct initrd_walk *w, const uint8_t *data, size_t len, bool more,
			size_t *used)
{
	struct cpio_entry e;
	int r;

	if (!w->started) {
		cpio_reader_init(&w->rd, w->ctx, data, len);
		w->started = true;
	} else {
		cpio_reader_refill(&w->rd, data, len, w->last_used);
		w->base += w->last_used;
	}
	w->rd.more = more;
	while ((r = cpio_next(&w->rd, &e)) == 0) {
		e.offset += w->base;
		r = w->fn(w->ud, w->seg, w->index, &e);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (r == CPIO_MORE) {
		w->last_used = *used = w->rd.pos & ~(size_t)3;
		return 0;
	}
	if (w->rd.narchives == 0) {
		log_err(w->ctx, "initrd: segment holds no cpio archive");
		return -EUCLEAN;
	}
	w->last_used = *used = w->rd.pos;
	return 0;
}

static int walk_drain(void *ud, const uint8_t *data, size_t len, bool final, size_t *used)
{
	return walk_entries(ud, data, len, !final, used);
}

/* Into *ret, or with walk set, through walk_drain (*ret is then NULL and
 * *ret_len the whole decompressed length). */
static int decompress_capped(const struct morph_ctx *ctx, const struct initrd_comp *c,
			     const uint8_t *in, size_t in_len, const struct initrd_caps *caps,
			     size_t max_out, struct initrd_walk *walk, uint8_t **ret,
			     size_t *ret_len, size_t *consumed)
{
	struct comp_out o = {
		.ctx = ctx,
		.name = c->name,
		.max_len = max_out,
		.max_ratio = caps->max_ratio,
		.ratio_floor = caps->ratio_floor,
		.drain = walk ? walk_drain : NULL,
		.drain_ud = walk,
	};
	size_t used = 0;
	int r;

	if (!c->decompress) {
		log_err(ctx, "initrd: %s compression is not supported", c->name);
		return -EOPNOTSUPP;
	}
	r = c->decompress(&o, in, in_len, &used);
	if (r == 0 && (used == 0 || used > in_len)) {
		log_err(ctx, "initrd: %s decompressor consumed %zu of %zu bytes", c->name, used,
			in_len);
		r = -EUCLEAN;
	}
	if (r == 0 && walk)
		r = comp_out_drain(&o, true);
	if (r < 0) {
		free(o.data);
		return r;
	}
	*ret_len = o.drained + o.len;
	if (walk) {
		free(o.data);
		o.data = NULL;
	}
	*ret = o.data;
	*consumed = used;
	return 0;
}

int initrd_decompress(const struct morph_ctx *ctx, const struct initrd_comp *c, const uint8_t *in,
		      size_t in_len, size_t max_out, uint8_t **ret, size_t *ret_len,
		      size_t *consumed)
{
	struct initrd_caps caps;

	initrd_caps_default(&caps);
	return decompress_capped(ctx, c, in, in_len, &caps, max_out, NULL, ret, ret_len, consumed);
}

int initrd_compress(const struct morph_ctx *ctx, const struct initrd_comp *c, const uint8_t *in,
		    size_t len, uint8_t **ret, size_t *ret_len)
{
	if (!c->compress) {
		log_err(ctx, "initrd: %s compression is not supported", c->name);
		return -EOPNOTSUPP;
	}
	return c->compress(ctx, in, len, ret, ret_len);
}

void initrd_free(struct initrd *ird)
{
	if (!ird)
		return;
	for (size_t i = 0; i < ird->nseg; i++)
		if (ird->seg[i].owned)
			free((void *)ird->seg[i].data);
	free(ird->seg);
	free(ird);
}

static int push_segment(struct initrd *ird, const struct initrd_caps *caps,
			const struct initrd_segment *s)
{
	struct initrd_segment *p;

	if (ird->nseg >= caps->max_segments)
		return -E2BIG;
	p = realloc(ird->seg, (ird->nseg + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	ird->seg = p;
	ird->seg[ird->nseg++] = *s;
	return 0;
}

/* Checks that buf holds whole cpio archives; with stop, only the first, and
 * *end is where it ends. */
static int check_cpio(const struct morph_ctx *ctx, const uint8_t *buf, size_t len, bool stop,
		      size_t *end)
{
	struct cpio_reader rd;
	struct cpio_entry e;
	int r;

	cpio_reader_init(&rd, ctx, buf, len);
	rd.stop_at_trailer = stop;
	while ((r = cpio_next(&rd, &e)) == 0)
		;
	if (r < 0)
		return r;
	if (rd.narchives == 0) {
		log_err(ctx, "initrd: segment holds no cpio archive");
		return -EUCLEAN;
	}
	*end = rd.pos;
	return 0;
}

/* One segment at pos. With w, its entries go to w's callback as they are
 * read and the segment keeps no data. */
static int split_one(const struct morph_ctx *ctx, const uint8_t *image, size_t len, size_t pos,
		     const struct initrd_caps *caps, size_t *total_out, struct initrd_walk *w,
		     size_t index, struct initrd_segment *ret)
{
	struct initrd_segment s = {.offset = pos};
	const struct initrd_comp *c;
	uint8_t *out = NULL;
	size_t out_len = 0, used = 0, end;
	int r;

	if (cpio_has_magic(image + pos, len - pos)) {
		if (pos & 3) {
			log_err(ctx, "initrd: cpio archive at unaligned offset %zu", pos);
			return -EUCLEAN;
		}
		if (w) {
			walk_segment(w, &s, index);
			cpio_reader_init(&w->rd, ctx, image + pos, len - pos);
			w->rd.stop_at_trailer = true;
			w->started = true;
			r = walk_entries(w, image + pos, len - pos, false, &end);
		} else {
			r = check_cpio(ctx, image + pos, len - pos, true, &end);
		}
		if (r < 0)
			return r;
		s.raw_len = end;
		s.data = w ? NULL : image + pos;
		s.len = end;
		*ret = s;
		return 0;
	}
	if (initrd_comp_detect(image + pos, len - pos, &c) != 0) {
		const uint8_t *m = image + pos;
		size_t n = len - pos;

		log_err(ctx,
			"initrd: unknown compression at offset %zu, magic %02x %02x %02x %02x %02x "
			"%02x",
			pos, m[0], n > 1 ? m[1] : 0, n > 2 ? m[2] : 0, n > 3 ? m[3] : 0,
			n > 4 ? m[4] : 0, n > 5 ? m[5] : 0);
		return -EOPNOTSUPP;
	}
	s.comp = c;
	if (w)
		walk_segment(w, &s, index);
	r = decompress_capped(ctx, c, image + pos, len - pos, caps, caps->max_out - *total_out, w,
			      &out, &out_len, &used);
	if (r < 0) {
		log_err(ctx, "initrd: %s segment at offset %zu: %s", c->name, pos,
			r == -EFBIG ? "over the size cap"
			: w	    ? "cannot decompress or read its cpio content"
				    : "cannot decompress");
		return r;
	}
	/* The kernel calls anything after the last trailer "junk". (A walk
	 * checked that as it went.) */
	r = w ? 0 : check_cpio(ctx, out, out_len, false, &end);
	if (r < 0) {
		log_err(ctx, "initrd: %s segment at offset %zu: bad cpio content", c->name, pos);
		free(out);
		return r;
	}
	*total_out += out_len;
	s.raw_len = used;
	s.data = out;
	s.len = out_len;
	s.owned = out != NULL;
	*ret = s;
	return 0;
}

static int scan(const struct morph_ctx *ctx, const uint8_t *image, size_t len,
		const struct initrd_caps *caps, struct initrd_walk *w, struct initrd **ret)
{
	struct initrd_caps defaults;
	struct initrd *ird;
	size_t pos = 0, total_out = 0;
	int r = 0;

	if (!caps) {
		initrd_caps_default(&defaults);
		caps = &defaults;
	}
	ird = calloc(1, sizeof(*ird));
	if (!ird)
		return -ENOMEM;
	while (pos < len) {
		struct initrd_segment s;

		if (image[pos] == 0) {
			pos++;
			continue;
		}
		if (ird->nseg >= caps->max_segments) {
			log_err(ctx, "initrd: more than %zu segments", caps->max_segments);
			r = -E2BIG;
			goto fail;
		}
		r = split_one(ctx, image, len, pos, caps, &total_out, w, ird->nseg, &s);
		if (r < 0)
			goto fail;
		r = push_segment(ird, caps, &s);
		if (r < 0) {
			if (s.owned)
				free((void *)s.data);
			goto fail;
		}
		pos += s.raw_len;
	}
	if (ird->nseg == 0) {
		log_err(ctx, "initrd: image holds no cpio archive");
		r = -EUCLEAN;
		goto fail;
	}
	if (ret)
		*ret = ird;
	else
		initrd_free(ird);
	return 0;
fail:
	initrd_free(ird);
	return r;
}

int initrd_split(const struct morph_ctx *ctx, const uint8_t *image, size_t len,
		 const struct initrd_caps *caps, struct initrd **ret)
{
	return scan(ctx, image, len, caps, NULL, ret);
}

int initrd_walk(const struct morph_ctx *ctx, const uint8_t *image, size_t len,
		const struct initrd_caps *caps, initrd_entry_fn fn, void *ud, struct initrd **ret)
{
	struct initrd_walk w = {.ctx = ctx, .fn = fn, .ud = ud};

	return scan(ctx, image, len, caps, &w, ret);
}

int initrd_join(const struct morph_ctx *ctx, const struct initrd_segment *seg, size_t nseg,
		uint8_t **ret, size_t *ret_len)
{
	uint8_t *out = NULL, *z = NULL;
	size_t len = 0, cap = 0, zlen = 0;
	int r;

	for (size_t i = 0; i < nseg; i++) {
		const uint8_t *p = seg[i].data;
		size_t n = seg[i].len;

		if (seg[i].comp) {
			r = initrd_compress(ctx, seg[i].comp, seg[i].data, seg[i].len, &z, &zlen);
			if (r < 0)
				goto fail;
			p = z;
			n = zlen;
		}
		r = comp_buf_grow(&out, &cap, len, n + 4);
		if (r < 0)
			goto fail;
		while (len & 3)
			out[len++] = 0;
		memcpy(out + len, p, n);
		len += n;
		free(z);
		z = NULL;
	}
	*ret = out;
	*ret_len = len;
	return 0;
fail:
	free(z);
	free(out);
	return r;
}
