/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cpio reader over one buffer, touching the ends of everything it hands
 * out (ASan sees any overrun): shared by fuzz-cpio and fuzz-cpioread. */
#pragma once

#include "initramfs/cpio.h"

static inline void fuzz_cpio_read_all(const uint8_t *data, size_t size)
{
	struct cpio_reader r;
	struct cpio_entry e;
	volatile uint8_t sink = 0;

	cpio_reader_init(&r, NULL, data, size);
	r.max_entries = 4096;
	while (cpio_next(&r, &e) == 0) {
		sink ^= (uint8_t)e.name[0];
		if (e.data_len)
			sink ^= e.data[0] ^ e.data[e.data_len - 1];
	}
	(void)sink;
}
