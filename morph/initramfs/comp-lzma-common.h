/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to comp-xz.c and comp-lzma.c (liblzma): the decode loop. */
#pragma once

#include <lzma.h>
#include <stdlib.h>

#include "initramfs/comp.h"

/* Decoder memory: the kernel's own XZ and LZMA decoders allow far less. */
#define COMP_LZMA_MEMLIMIT ((uint64_t)256 << 20)

int comp_lzma_run_decoder(struct comp_out *o, lzma_stream *s, const uint8_t *in, size_t in_len,
			  size_t *consumed);
int comp_lzma_run_encoder(const struct morph_ctx *ctx, lzma_stream *s, const uint8_t *in,
			  size_t len, uint8_t **ret, size_t *ret_len);
