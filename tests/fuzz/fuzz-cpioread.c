/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cpio reader alone (newc and crc headers, names, sizes, padding,
 * trailers) over raw input: no decompression in the loop, so libFuzzer runs
 * it orders of magnitude faster than fuzz-cpio, which also drives the
 * segment splitter and every decompressor. Each input is read whole and
 * streamed in chunks, and the two must agree. */
#include "fuzz.h"
#include "fuzz-cpio.h"

/* The first byte picks the chunk size of the streamed read (1-256). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	fuzz_cpio_read_all(data + 1, size - 1);
	fuzz_cpio_read_chunked(data + 1, size - 1, (size_t)data[0] + 1);
	return 0;
}
