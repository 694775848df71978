/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bzip2 through libbz2, one stream. Writes block size 9, as `bzip2`. */
#include "initramfs/comp.h"

#include <errno.h>

#if defined(MORPH_HAVE_BZIP2)
#include <bzlib.h>
#include <limits.h>
#include <stdlib.h>

static size_t total_in(const bz_stream *s)
{
	return (size_t)s->total_in_lo32 | (size_t)s->total_in_hi32 << 32;
}

int comp_bzip2_decompress(struct comp_out *o, const uint8_t *in, size_t in_len, size_t *consumed)
{
	bz_stream s = {0};
	size_t fed = 0;
	int r = 0, z;

	if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
		return -ENOMEM;
	for (;;) {
		size_t step;

		if (s.avail_in == 0 && fed < in_len) {
			size_t n = in_len - fed < UINT_MAX ? in_len - fed : UINT_MAX;

			s.next_in = (char *)(in + fed);
			s.avail_in = (unsigned)n;
			fed += n;
		}
		r = comp_out_grow(o);
		if (r < 0)
			break;
		step = o->cap - o->len < COMP_STEP ? o->cap - o->len : COMP_STEP;
		s.next_out = (char *)o->data + o->len;
		s.avail_out = (unsigned)step;
		z = BZ2_bzDecompress(&s);
		o->len += step - s.avail_out;
		r = comp_out_check(o, total_in(&s));
		if (r < 0)
			break;
		if (z == BZ_STREAM_END)
			break;
		if (z == BZ_MEM_ERROR) {
			r = -ENOMEM;
			break;
		}
		if (z != BZ_OK) {
			log_err(o->ctx, "initrd: bzip2 stream corrupt (%d)", z);
			r = -EUCLEAN;
			break;
		}
		if (s.avail_in == 0 && fed == in_len && s.avail_out != 0) {
			log_err(o->ctx, "initrd: bzip2 stream truncated");
			r = -EUCLEAN;
			break;
		}
	}
	if (r == 0)
		*consumed = total_in(&s);
	BZ2_bzDecompressEnd(&s);
	return r;
}

int comp_bzip2_compress(const struct morph_ctx *ctx, const uint8_t *in, size_t len, uint8_t **ret,
			size_t *ret_len)
{
	size_t bound = len + len / 100 + 600;
	unsigned n;
	uint8_t *out;
	int z;

	if (len > UINT_MAX / 2)
		return -EFBIG;
	out = malloc(bound);
	if (!out)
		return -ENOMEM;
	n = (unsigned)bound;
	z = BZ2_bzBuffToBuffCompress((char *)out, &n, (char *)in, (unsigned)len, 9, 0, 0);
	if (z != BZ_OK) {
		log_err(ctx, "initrd: bzip2 compression failed (%d)", z);
		free(out);
		return z == BZ_MEM_ERROR ? -ENOMEM : -EIO;
	}
	*ret = out;
	*ret_len = n;
	return 0;
}
#else
COMP_STUB(bzip2, "libbz2")
#endif
