/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Initramfs images: the cpio reader over the raw input, then the segment
 * splitter (with small caps) and the reader over each segment it yields. */
#include "fuzz.h"
#include "initramfs/cpio.h"
#include "initramfs/initrd.h"

static void read_all(const uint8_t *data, size_t size)
{
	struct cpio_reader r;
	struct cpio_entry e;
	volatile uint8_t sink = 0;

	cpio_reader_init(&r, NULL, data, size);
	r.max_entries = 4096;
	while (cpio_next(&r, &e) == 0) {
		/* Touch the ends of what the reader hands out. */
		sink ^= (uint8_t)e.name[0];
		if (e.data_len)
			sink ^= e.data[0] ^ e.data[e.data_len - 1];
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct initrd_caps caps;
	struct initrd *ird;

	read_all(data, size);
	initrd_caps_default(&caps);
	caps.max_out = 8 << 20;
	caps.ratio_floor = 1 << 20;
	caps.max_segments = 16;
	if (initrd_split(NULL, data, size, &caps, &ird) == 0) {
		for (size_t i = 0; i < ird->nseg; i++)
			read_all(ird->seg[i].data, ird->seg[i].len);
		initrd_free(ird);
	}
	return 0;
}
