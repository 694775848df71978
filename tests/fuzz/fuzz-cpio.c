/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Initramfs images: the cpio reader over the raw input, then the segment
 * splitter (with small caps) and the reader over each segment it yields,
 * then the streaming walk, which must accept exactly what the splitter
 * accepts and hand over the same number of entries. */
#include "fuzz.h"
#include "fuzz-cpio.h"
#include "initramfs/initrd.h"

static int count_entry(void *ud, const struct initrd_segment *seg, size_t index,
		       const struct cpio_entry *e)
{
	(void)seg;
	(void)index;
	fuzz_cpio_touch(e);
	++*(long *)ud;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct initrd_caps caps;
	struct initrd *ird;
	long split_n = 0, walk_n = 0;
	int split_r, walk_r;

	fuzz_cpio_read_all(data, size);
	initrd_caps_default(&caps);
	caps.max_out = 8 << 20;
	caps.ratio_floor = 1 << 20;
	caps.max_segments = 16;
	split_r = initrd_split(NULL, data, size, &caps, &ird);
	if (split_r == 0) {
		/* The splitter's own cap, so that the counts compare. */
		for (size_t i = 0; i < ird->nseg; i++)
			split_n += fuzz_cpio_count(ird->seg[i].data, ird->seg[i].len,
						   CPIO_MAX_ENTRIES);
		initrd_free(ird);
	}
	walk_r = initrd_walk(NULL, data, size, &caps, count_entry, &walk_n, NULL);
	if ((split_r == 0) != (walk_r == 0) || (split_r == 0 && split_n != walk_n))
		abort();
	return 0;
}
