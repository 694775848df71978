/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zstd through libzstd, one frame (what follows is the next segment).
 * Writes level 3, zstd's default. The window is capped at 2^27 (128 MiB),
 * the largest a normal `zstd` run produces without --long.
 */
#include "initramfs/comp.h"

#include <errno.h>

#if defined(MORPH_HAVE_ZSTD)
#include <stdlib.h>
#include <zstd.h>

int comp_zstd_decompress(struct comp_out *o, const uint8_t *in, size_t in_len, size_t *consumed)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = {in, in_len, 0};
	int r = 0;

	if (!d)
		return -ENOMEM;
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27);
	for (;;) {
		size_t step, z;
		ZSTD_outBuffer ob;

		r = comp_out_grow(o);
		if (r < 0)
			break;
		step = o->cap - o->len < COMP_STEP ? o->cap - o->len : COMP_STEP;
		ob = (ZSTD_outBuffer){o->data + o->len, step, 0};
		z = ZSTD_decompressStream(d, &ob, &ib);
		o->len += ob.pos;
		if (ZSTD_isError(z)) {
			log_err(o->ctx, "initrd: zstd: %s", ZSTD_getErrorName(z));
			r = -EUCLEAN;
			break;
		}
		r = comp_out_check(o, ib.pos);
		if (r < 0)
			break;
		if (z == 0)
			break; /* frame complete and flushed */
		if (ib.pos == ib.size && ob.pos < ob.size) {
			log_err(o->ctx, "initrd: zstd stream truncated");
			r = -EUCLEAN;
			break;
		}
	}
	if (r == 0)
		*consumed = ib.pos;
	ZSTD_freeDCtx(d);
	return r;
}

int comp_zstd_compress(const struct morph_ctx *ctx, const uint8_t *in, size_t len, uint8_t **ret,
		       size_t *ret_len)
{
	size_t bound = ZSTD_compressBound(len), n;
	uint8_t *out;

	if (ZSTD_isError(bound))
		return -EFBIG;
	out = malloc(bound ? bound : 1);
	if (!out)
		return -ENOMEM;
	n = ZSTD_compress(out, bound, in, len, 3);
	if (ZSTD_isError(n)) {
		log_err(ctx, "initrd: zstd compression failed: %s", ZSTD_getErrorName(n));
		free(out);
		return -EIO;
	}
	*ret = out;
	*ret_len = n;
	return 0;
}
#else
COMP_STUB(zstd, "libzstd")
#endif
