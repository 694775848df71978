/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal: the compressor glue behind initrd.c's table. Each compressor
 * lives in comp-<name>.c, compiled for real when its library is enabled
 * (MORPH_HAVE_ZLIB, _LZMA, _ZSTD, _LZ4, _BZIP2) and as a stub returning
 * -EOPNOTSUPP otherwise, so the build never depends on a library it was not
 * told about.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

/* A decompressor's output: a growing buffer with caps against bombs. */
struct comp_out {
	const struct morph_ctx *ctx;
	const char *name; /* compressor, for messages */
	uint8_t *data;	  /* malloc'd; the caller frees */
	size_t len, cap;
	size_t max_len;	    /* absolute cap on decompressed bytes */
	size_t max_ratio;   /* out / in cap ... */
	size_t ratio_floor; /* ... applied once out passes this */
	/*
	 * Streaming (optional): before the buffer grows, drain is offered
	 * data[0, len) and sets *used to the bytes it is done with (a prefix);
	 * they are dropped from the front, so the buffer only holds what the
	 * consumer still needs. Called once more with final set at the end of
	 * the stream. The caps count every byte, dropped or not.
	 */
	int (*drain)(void *ud, const uint8_t *data, size_t len, bool final, size_t *used);
	void *drain_ud;
	size_t drained; /* bytes dropped from the front so far */
};

/* Offers the buffer to o->drain (if any) and drops what it used. */
int comp_out_drain(struct comp_out *o, bool final);

/*
 * Makes room for more output: afterwards cap > len. -EFBIG (logged) when the
 * output already holds max_len bytes, -ENOMEM. The buffer grows to at most
 * max_len + 1 so that a stream one byte too long is still caught.
 */
int comp_out_grow(struct comp_out *o);
/* The same for at least n free bytes, or as many as the cap allows. */
int comp_out_reserve(struct comp_out *o, size_t n);
/* Output handed to a library per call, so the caps are checked often. */
#define COMP_STEP ((size_t)1 << 20)
/* After each step: -EFBIG (logged) past max_len or past the ratio cap given
 * the in_used compressed bytes consumed so far. */
int comp_out_check(struct comp_out *o, size_t in_used);

/*
 * Decompresses one stream at in[0, in_len) into o, and sets *consumed to the
 * bytes the stream took (more data may follow it). 0, -EUCLEAN for corrupt or
 * truncated data, -EFBIG, -ENOMEM, -EOPNOTSUPP when not compiled in.
 */
typedef int (*comp_decompress_fn)(struct comp_out *o, const uint8_t *in, size_t in_len,
				  size_t *consumed);
/* Compresses in[0, len) into a malloc'd *ret (the caller frees). */
typedef int (*comp_compress_fn)(const struct morph_ctx *ctx, const uint8_t *in, size_t len,
				uint8_t **ret, size_t *ret_len);

/* A growing output buffer for compressors (no caps: morph wrote the input). */
int comp_buf_grow(uint8_t **data, size_t *cap, size_t len, size_t min_room);

#define COMP_DECLARE(n)                                                                            \
	int comp_##n##_decompress(struct comp_out *o, const uint8_t *in, size_t in_len,            \
				  size_t *consumed);                                               \
	int comp_##n##_compress(const struct morph_ctx *ctx, const uint8_t *in, size_t len,        \
				uint8_t **ret, size_t *ret_len)

COMP_DECLARE(gzip);
COMP_DECLARE(xz);
COMP_DECLARE(lzma);
COMP_DECLARE(zstd);
COMP_DECLARE(lz4);
COMP_DECLARE(bzip2);

/* The body of a compressor's file when its library is not compiled in. */
#define COMP_STUB(n, lib)                                                                          \
	int comp_##n##_decompress(struct comp_out *o, const uint8_t *in, size_t in_len,            \
				  size_t *consumed)                                                \
	{                                                                                          \
		log_err(o->ctx, "initrd: " #n " support not compiled in (needs " lib ")");         \
		return -EOPNOTSUPP;                                                                \
	}                                                                                          \
	int comp_##n##_compress(const struct morph_ctx *ctx, const uint8_t *in, size_t len,        \
				uint8_t **ret, size_t *ret_len)                                    \
	{                                                                                          \
		log_err(ctx, "initrd: " #n " support not compiled in (needs " lib ")");            \
		return -EOPNOTSUPP;                                                                \
	}
