/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gzip (RFC 1952) through zlib. Compression level 6, as `gzip -n`. */
#include "initramfs/comp.h"

#include <errno.h>

#if defined(MORPH_HAVE_ZLIB)
#include <limits.h>
#include <stdlib.h>
#include <zlib.h>

int comp_gzip_decompress(struct comp_out *o, const uint8_t *in, size_t in_len, size_t *consumed)
{
	z_stream s = {0};
	size_t fed = 0;
	int r = 0, z;

	/* 16 + 15: gzip wrapper only, 32 KiB window. */
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	for (;;) {
		size_t step;

		if (s.avail_in == 0 && fed < in_len) {
			size_t n = in_len - fed < UINT_MAX ? in_len - fed : UINT_MAX;

			s.next_in = (Bytef *)(in + fed);
			s.avail_in = (uInt)n;
			fed += n;
		}
		r = comp_out_grow(o);
		if (r < 0)
			break;
		step = o->cap - o->len < COMP_STEP ? o->cap - o->len : COMP_STEP;
		s.next_out = o->data + o->len;
		s.avail_out = (uInt)step;
		z = inflate(&s, Z_NO_FLUSH);
		o->len += step - s.avail_out;
		r = comp_out_check(o, s.total_in);
		if (r < 0)
			break;
		if (z == Z_STREAM_END)
			break;
		if (z == Z_MEM_ERROR) {
			r = -ENOMEM;
			break;
		}
		if (z == Z_BUF_ERROR && s.avail_in == 0 && fed == in_len) {
			log_err(o->ctx, "initrd: gzip stream truncated");
			r = -EUCLEAN;
			break;
		}
		if (z != Z_OK && z != Z_BUF_ERROR) {
			log_err(o->ctx, "initrd: gzip: %s", s.msg ? s.msg : "corrupt stream");
			r = -EUCLEAN;
			break;
		}
	}
	if (r == 0)
		*consumed = s.total_in;
	inflateEnd(&s);
	return r;
}

int comp_gzip_compress(const struct morph_ctx *ctx, const uint8_t *in, size_t len, uint8_t **ret,
		       size_t *ret_len)
{
	z_stream s = {0};
	uint8_t *out;
	uLong bound;
	int z;

	if (len > UINT_MAX / 2)
		return -EFBIG;
	if (deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	bound = deflateBound(&s, len);
	out = malloc(bound);
	if (!out) {
		deflateEnd(&s);
		return -ENOMEM;
	}
	s.next_in = (Bytef *)in;
	s.avail_in = (uInt)len;
	s.next_out = out;
	s.avail_out = (uInt)bound;
	z = deflate(&s, Z_FINISH);
	deflateEnd(&s);
	if (z != Z_STREAM_END) {
		log_err(ctx, "initrd: gzip compression failed (%d)", z);
		free(out);
		return -EIO;
	}
	*ret = out;
	*ret_len = s.total_out;
	return 0;
}
#else
COMP_STUB(gzip, "zlib")
#endif
