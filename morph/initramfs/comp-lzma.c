/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Legacy .lzma ("LZMA alone") through liblzma, plus the decode and encode
 * loops comp-xz.c shares. Writes preset 6 with an end marker (size unknown,
 * as `lzma` writes when streaming; the kernel's unlzma accepts it).
 */
#include "initramfs/comp.h"

#include <errno.h>

#if defined(MORPH_HAVE_LZMA)
#include "initramfs/comp-lzma-common.h"

int comp_lzma_run_decoder(struct comp_out *o, lzma_stream *s, const uint8_t *in, size_t in_len,
			  size_t *consumed)
{
	lzma_ret lr;
	int r = 0;

	s->next_in = in;
	s->avail_in = in_len;
	for (;;) {
		size_t step;

		r = comp_out_grow(o);
		if (r < 0)
			break;
		step = o->cap - o->len < COMP_STEP ? o->cap - o->len : COMP_STEP;
		s->next_out = o->data + o->len;
		s->avail_out = step;
		lr = lzma_code(s, LZMA_FINISH);
		o->len += step - s->avail_out;
		r = comp_out_check(o, s->total_in);
		if (r < 0)
			break;
		if (lr == LZMA_STREAM_END)
			break;
		if (lr == LZMA_MEM_ERROR || lr == LZMA_MEMLIMIT_ERROR) {
			log_err(o->ctx, "initrd: %s stream needs too much memory", o->name);
			r = lr == LZMA_MEM_ERROR ? -ENOMEM : -EFBIG;
			break;
		}
		if (lr == LZMA_BUF_ERROR && s->avail_out != 0) {
			log_err(o->ctx, "initrd: %s stream truncated", o->name);
			r = -EUCLEAN;
			break;
		}
		if (lr != LZMA_OK && lr != LZMA_BUF_ERROR) {
			log_err(o->ctx, "initrd: %s stream corrupt (%d)", o->name, (int)lr);
			r = -EUCLEAN;
			break;
		}
	}
	if (r == 0)
		*consumed = s->total_in;
	lzma_end(s);
	return r;
}

int comp_lzma_run_encoder(const struct morph_ctx *ctx, lzma_stream *s, const uint8_t *in,
			  size_t len, uint8_t **ret, size_t *ret_len)
{
	uint8_t *out = NULL;
	size_t cap = 0;
	lzma_ret lr;
	int r = 0;

	s->next_in = in;
	s->avail_in = len;
	do {
		r = comp_buf_grow(&out, &cap, s->total_out, 1 << 16);
		if (r < 0)
			break;
		s->next_out = out + s->total_out;
		s->avail_out = cap - s->total_out;
		lr = lzma_code(s, LZMA_FINISH);
		if (lr != LZMA_OK && lr != LZMA_STREAM_END) {
			log_err(ctx, "initrd: lzma compression failed (%d)", (int)lr);
			r = lr == LZMA_MEM_ERROR ? -ENOMEM : -EIO;
			break;
		}
	} while (lr != LZMA_STREAM_END);
	if (r < 0) {
		free(out);
	} else {
		*ret = out;
		*ret_len = s->total_out;
	}
	lzma_end(s);
	return r;
}

int comp_lzma_decompress(struct comp_out *o, const uint8_t *in, size_t in_len, size_t *consumed)
{
	lzma_stream s = LZMA_STREAM_INIT;

	if (lzma_alone_decoder(&s, COMP_LZMA_MEMLIMIT) != LZMA_OK)
		return -ENOMEM;
	return comp_lzma_run_decoder(o, &s, in, in_len, consumed);
}

int comp_lzma_compress(const struct morph_ctx *ctx, const uint8_t *in, size_t len, uint8_t **ret,
		       size_t *ret_len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;

	if (lzma_lzma_preset(&opt, 6))
		return -EINVAL;
	if (lzma_alone_encoder(&s, &opt) != LZMA_OK)
		return -ENOMEM;
	return comp_lzma_run_encoder(ctx, &s, in, len, ret, ret_len);
}
#else
COMP_STUB(lzma, "liblzma")
#endif
