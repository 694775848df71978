/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lz4 "legacy" format, the one the kernel reads (`lz4 -l`): magic
 * 02 21 4c 18, then blocks of [le32 compressed size][data], each inflating
 * to at most 8 MiB. The format has no end marker: the stream ends at the
 * end of input, at a zero size (NUL padding) or at fewer than 4 bytes; a
 * repeated magic starts a new stream. So an lz4 segment must be the last.
 * liblz4 has no legacy-frame API, so blocks go through LZ4_decompress_safe.
 * Writes LZ4 HC level 9 (`lz4 -9 -l`, as mkinitramfs does).
 */
#include "initramfs/comp.h"

#include <errno.h>

#if defined(MORPH_HAVE_LZ4)
#include <lz4.h>
#include <lz4hc.h>
#include <stdlib.h>
#include <string.h>

#define LZ4L_MAGIC 0x184c2102u
#define LZ4L_BLOCK ((size_t)8 << 20)

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int comp_lz4_decompress(struct comp_out *o, const uint8_t *in, size_t in_len, size_t *consumed)
{
	size_t pos = 0, bound = (size_t)LZ4_compressBound(LZ4L_BLOCK);
	int r;

	if (in_len < 4 || le32(in) != LZ4L_MAGIC)
		return -EUCLEAN;
	pos = 4;
	while (in_len - pos >= 4) {
		uint32_t chunk = le32(in + pos);
		size_t avail;
		int n;

		if (chunk == LZ4L_MAGIC) {
			pos += 4;
			continue;
		}
		if (chunk == 0)
			break;
		if (chunk > bound || chunk > in_len - pos - 4) {
			log_err(o->ctx, "initrd: lz4 block of %u bytes at %zu: %s", chunk, pos,
				chunk > bound ? "too large" : "truncated");
			return -EUCLEAN;
		}
		r = comp_out_reserve(o, LZ4L_BLOCK);
		if (r < 0)
			return r;
		avail = o->cap - o->len < LZ4L_BLOCK ? o->cap - o->len : LZ4L_BLOCK;
		n = LZ4_decompress_safe((const char *)in + pos + 4, (char *)o->data + o->len,
					(int)chunk, (int)avail);
		if (n < 0) {
			if (avail < LZ4L_BLOCK) {
				/* Might just not fit under the cap: say so. */
				o->len = o->max_len + 1;
				return comp_out_check(o, 0);
			}
			log_err(o->ctx, "initrd: lz4 block at %zu corrupt", pos);
			return -EUCLEAN;
		}
		o->len += (size_t)n;
		pos += 4 + chunk;
		r = comp_out_check(o, pos);
		if (r < 0)
			return r;
	}
	*consumed = pos;
	return 0;
}

int comp_lz4_compress(const struct morph_ctx *ctx, const uint8_t *in, size_t len, uint8_t **ret,
		      size_t *ret_len)
{
	size_t bound = (size_t)LZ4_compressBound(LZ4L_BLOCK), nblocks = len / LZ4L_BLOCK + 1;
	size_t cap, pos = 4;
	uint8_t *out;

	if (nblocks > SIZE_MAX / (bound + 4) - 1)
		return -EFBIG;
	cap = 4 + nblocks * (bound + 4);
	out = malloc(cap);
	if (!out)
		return -ENOMEM;
	memcpy(out, "\x02\x21\x4c\x18", 4);
	for (size_t off = 0; off < len; off += LZ4L_BLOCK) {
		size_t n = len - off < LZ4L_BLOCK ? len - off : LZ4L_BLOCK;
		int z = LZ4_compress_HC((const char *)in + off, (char *)out + pos + 4, (int)n,
					(int)bound, 9);

		if (z <= 0) {
			log_err(ctx, "initrd: lz4 compression failed");
			free(out);
			return -EIO;
		}
		out[pos] = (uint8_t)z;
		out[pos + 1] = (uint8_t)(z >> 8);
		out[pos + 2] = (uint8_t)(z >> 16);
		out[pos + 3] = (uint8_t)((uint32_t)z >> 24);
		pos += 4 + (size_t)z;
	}
	*ret = out;
	*ret_len = pos;
	return 0;
}
#else
COMP_STUB(lz4, "liblz4")
#endif
