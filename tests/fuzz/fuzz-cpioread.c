/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cpio reader alone (newc and crc headers, names, sizes, padding,
 * trailers) over raw input: no decompression in the loop, so libFuzzer runs
 * it orders of magnitude faster than fuzz-cpio, which also drives the
 * segment splitter and every decompressor. */
#include "fuzz.h"
#include "initramfs/cpio.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpio_reader r;
	struct cpio_entry e;
	volatile uint8_t sink = 0;

	cpio_reader_init(&r, NULL, data, size);
	r.max_entries = 4096;
	while (cpio_next(&r, &e) == 0) {
		/* Touch the ends of what the reader hands out. */
		sink ^= (uint8_t)e.name[strlen(e.name) ? strlen(e.name) - 1 : 0];
		if (e.data_len)
			sink ^= e.data[0] ^ e.data[e.data_len - 1];
	}
	(void)sink;
	return 0;
}
