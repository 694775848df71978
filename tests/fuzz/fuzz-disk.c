/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Disk probing: format magics, partition tables (through libblkid) and
 * our range and overlap checks, on a memory-backed file. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "disk/disk.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct disk *d = NULL;
	int fd = memfd_create("fuzz-disk", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (disk_open(NULL, path, false, &d) == 0)
			disk_free(d);
	}
	close(fd);
	return 0;
}
