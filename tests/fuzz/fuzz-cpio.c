/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Initramfs images: the cpio reader over the raw input, then the segment
 * splitter (with small caps) and the reader over each segment it yields. */
#include "fuzz.h"
#include "fuzz-cpio.h"
#include "initramfs/initrd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct initrd_caps caps;
	struct initrd *ird;

	fuzz_cpio_read_all(data, size);
	initrd_caps_default(&caps);
	caps.max_out = 8 << 20;
	caps.ratio_floor = 1 << 20;
	caps.max_segments = 16;
	if (initrd_split(NULL, data, size, &caps, &ird) == 0) {
		for (size_t i = 0; i < ird->nseg; i++)
			fuzz_cpio_read_all(ird->seg[i].data, ird->seg[i].len);
		initrd_free(ird);
	}
	return 0;
}
