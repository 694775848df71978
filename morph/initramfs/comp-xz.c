/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xz through liblzma, one stream (not LZMA_CONCATENATED: what follows the
 * stream is the next segment). Writes preset 6 with a CRC32 check, the only
 * check the kernel's XZ decoder verifies (`xz --check=crc32`).
 */
#include "initramfs/comp.h"

#include <errno.h>

#if defined(MORPH_HAVE_LZMA)
#include "initramfs/comp-lzma-common.h"

int comp_xz_decompress(struct comp_out *o, const uint8_t *in, size_t in_len, size_t *consumed)
{
	lzma_stream s = LZMA_STREAM_INIT;

	if (lzma_stream_decoder(&s, COMP_LZMA_MEMLIMIT, 0) != LZMA_OK)
		return -ENOMEM;
	return comp_lzma_run_decoder(o, &s, in, in_len, consumed);
}

int comp_xz_compress(const struct morph_ctx *ctx, const uint8_t *in, size_t len, uint8_t **ret,
		     size_t *ret_len)
{
	size_t bound = lzma_stream_buffer_bound(len), pos = 0;
	uint8_t *out;
	lzma_ret lr;

	if (bound == 0)
		return -EFBIG;
	out = malloc(bound);
	if (!out)
		return -ENOMEM;
	lr = lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, out, &pos, bound);
	if (lr != LZMA_OK) {
		log_err(ctx, "initrd: xz compression failed (%d)", (int)lr);
		free(out);
		return lr == LZMA_MEM_ERROR ? -ENOMEM : -EIO;
	}
	*ret = out;
	*ret_len = pos;
	return 0;
}
#else
COMP_STUB(xz, "liblzma")
#endif
