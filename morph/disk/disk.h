/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The disk layer: open a raw image file or a block device (never guessing a
 * format: qcow2, VMDK, VHD, VHDX, VDI and QED are refused with the qemu-img
 * command that converts them), then list its partitions and what is on each
 * with libblkid.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"

enum volume_role {
	VOL_UNKNOWN = 0, /* nothing libblkid recognised */
	VOL_FILESYSTEM,	 /* a mountable filesystem (type says which) */
	VOL_SWAP,
	VOL_LVM_PV,
	VOL_MD_MEMBER,
	VOL_LUKS,
	VOL_BITLOCKER,
	VOL_EXTENDED, /* an MBR extended-partition container */
	VOL_OTHER,    /* recognised but none of the above (e.g. bios_grub) */
};

struct volume {
	int partno;	       /* 0 when the filesystem is on the whole disk */
	uint64_t offset, size; /* bytes */
	enum volume_role role;
	char type[32]; /* blkid TYPE: ext4, xfs, swap, LVM2_member, ... */
	char uuid[64];
	char label[128];
	char partuuid[64];
	char partlabel[128];
	char part_type[64]; /* MBR type (0x83) or GPT type GUID */
	char scheme[8];	    /* "dos", "gpt" or "" */
};

struct disk {
	char *path;
	int fd;
	bool writable;
	bool is_blockdev;
	uint64_t size;
	char table[8]; /* "dos", "gpt" or "" */
	struct volume *vols;
	size_t nvols;
};

/*
 * Open path read-only (or read-write) and probe it. Errors, each logged with
 * the reason: -ENOENT/-EACCES, -EMEDIUMTYPE for a non-raw image format,
 * -EUCLEAN for an empty or truncated disk or a partition table with
 * overlapping or out-of-range entries, -ENOMEDIUM when neither a partition
 * table nor a filesystem is found.
 */
int disk_open(struct morph_ctx *ctx, const char *path, bool writable, struct disk **ret);
void disk_free(struct disk *d);

/*
 * Probes one block device as a volume: its filesystem (type, UUID, label)
 * and, when it is a partition, its entry (PARTUUID, PARTLABEL, number). For
 * directory inputs, whose filesystems the host has mounted. 0, -ENOTBLK,
 * -ENOMEM, or -errno from open/ioctl.
 */
int disk_probe_device(struct morph_ctx *ctx, const char *path, struct volume *ret);
/* The /dev path of a block device number (malloc'd), or NULL. */
char *disk_devno_name(dev_t devno);

const char *volume_role_name(enum volume_role r);

/*
 * Recognise a non-raw image format from the first and last 512 bytes.
 * Returns the format name ("qcow2", "vmdk", ...) or NULL for none.
 */
const char *disk_image_format(const unsigned char *head, size_t headlen, const unsigned char *tail,
			      size_t taillen);
