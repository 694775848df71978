/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cpio reader alone (newc and crc headers, names, sizes, padding,
 * trailers) over raw input: no decompression in the loop, so libFuzzer runs
 * it orders of magnitude faster than fuzz-cpio, which also drives the
 * segment splitter and every decompressor. */
#include "fuzz.h"
#include "fuzz-cpio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_cpio_read_all(data, size);
	return 0;
}
