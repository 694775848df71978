/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Non-raw image formats, recognised by magic so that morph never reads a
 * qcow2 or VMDK container as if it were a disk. The order matters only for
 * VHD: its footer is at the end, and a fixed VHD is otherwise raw, so it is
 * checked last.
 */
#include "disk/disk.h"

#include <string.h>

struct image_magic {
	const char *format; /* qemu-img's name for it */
	size_t offset;
	const char *magic;
	size_t len;
	bool at_end; /* offset counts from the last 512 bytes */
};

static const struct image_magic magics[] = {
	{"qcow2", 0, "QFI\xfb", 4, false},		 /* qcow and qcow2 */
	{"vmdk", 0, "KDMV", 4, false},			 /* hosted sparse extent */
	{"vmdk", 0, "COWD", 4, false},			 /* ESX sparse extent */
	{"vmdk", 0, "# Disk DescriptorFile", 21, false}, /* descriptor */
	{"vhdx", 0, "vhdxfile", 8, false},
	{"vdi", 64, "\x7f\x10\xda\xbe", 4, false}, /* VDI signature */
	{"qed", 0, "QED\0", 4, false},
	{"vpc", 0, "conectix", 8, false}, /* dynamic VHD header copy */
	{"vpc", 0, "conectix", 8, true},  /* VHD footer */
};

const char *disk_image_format(const unsigned char *head, size_t headlen, const unsigned char *tail,
			      size_t taillen)
{
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		const struct image_magic *m = &magics[i];
		const unsigned char *buf = m->at_end ? tail : head;
		size_t len = m->at_end ? taillen : headlen;

		if (m->offset + m->len <= len && memcmp(buf + m->offset, m->magic, m->len) == 0)
			return m->format;
	}
	return NULL;
}
