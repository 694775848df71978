/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Open a disk and list what is on it, with libblkid.
 *
 * libblkid answers 0 (found), 1 (nothing) or negative (error, -2 for
 * ambivalent signatures); that convention is wrapped here and nowhere else.
 * Partition offsets and sizes from the table are guest data: each is checked
 * against the disk size, and partitions may not overlap (an extended MBR
 * container may hold its logical partitions, nothing else).
 */
#include "disk/disk.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_VOLUMES 256

const char *volume_role_name(enum volume_role r)
{
	static const char *const names[] = {
		[VOL_UNKNOWN] = "unknown",     [VOL_FILESYSTEM] = "filesystem",
		[VOL_SWAP] = "swap",	       [VOL_LVM_PV] = "lvm-pv",
		[VOL_MD_MEMBER] = "md-member", [VOL_LUKS] = "luks",
		[VOL_BITLOCKER] = "bitlocker", [VOL_EXTENDED] = "extended",
		[VOL_OTHER] = "other",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

/* blkid TYPE values with a role other than "filesystem". */
static const struct {
	const char *type;
	enum volume_role role;
} type_roles[] = {
	{"swap", VOL_SWAP},
	{"LVM2_member", VOL_LVM_PV},
	{"LVM1_member", VOL_LVM_PV},
	{"linux_raid_member", VOL_MD_MEMBER},
	{"isw_raid_member", VOL_MD_MEMBER},
	{"ddf_raid_member", VOL_MD_MEMBER},
	{"crypto_LUKS", VOL_LUKS},
	{"BitLocker", VOL_BITLOCKER},
	{"swsuspend", VOL_SWAP},
};

static enum volume_role role_of(const char *type, const char *usage)
{
	for (size_t i = 0; i < sizeof(type_roles) / sizeof(type_roles[0]); i++)
		if (strcmp(type, type_roles[i].type) == 0)
			return type_roles[i].role;
	if (usage && strcmp(usage, "filesystem") == 0)
		return VOL_FILESYSTEM;
	if (usage && strcmp(usage, "crypto") == 0)
		return VOL_LUKS;
	if (usage && strcmp(usage, "raid") == 0)
		return VOL_MD_MEMBER;
	return *type ? VOL_OTHER : VOL_UNKNOWN;
}

static void copy_tag(blkid_probe pr, const char *name, char *dst, size_t size)
{
	const char *v = NULL;

	if (blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v)
		snprintf(dst, size, "%s", v);
}

/* Probe [off, off+size) of the disk for a filesystem or other signature. */
static int probe_superblock(struct morph_ctx *ctx, struct disk *d, struct volume *v)
{
	blkid_probe pr = blkid_new_probe();
	char usage[32] = "";
	int r;

	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, d->fd, (blkid_loff_t)v->offset, (blkid_loff_t)v->size) !=
	    0) {
		blkid_free_probe(pr);
		return -EIO;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
						      BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE);
	blkid_probe_enable_partitions(pr, 0);
	r = blkid_do_safeprobe(pr);
	if (r == 0) {
		copy_tag(pr, "TYPE", v->type, sizeof(v->type));
		copy_tag(pr, "UUID", v->uuid, sizeof(v->uuid));
		copy_tag(pr, "LABEL", v->label, sizeof(v->label));
		copy_tag(pr, "USAGE", usage, sizeof(usage));
		v->role = role_of(v->type, usage);
	} else if (r == -2) {
		log_warn(ctx,
			 "%s: partition %d has conflicting signatures; not guessing which is right",
			 d->path, v->partno);
		snprintf(v->type, sizeof(v->type), "ambivalent");
		v->role = VOL_UNKNOWN;
	}
	blkid_free_probe(pr);
	return r < 0 && r != -2 ? -EIO : 0;
}

static bool is_extended_type(int scheme_dos, const char *part_type)
{
	return scheme_dos && (strcmp(part_type, "0x5") == 0 || strcmp(part_type, "0xf") == 0 ||
			      strcmp(part_type, "0x85") == 0);
}

static int cmp_offset(const void *a, const void *b)
{
	const struct volume *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Range and overlap checks over the table as read. */
static int check_layout(struct morph_ctx *ctx, struct disk *d)
{
	struct volume *sorted;
	int r = 0;

	for (size_t i = 0; i < d->nvols; i++) {
		struct volume *v = &d->vols[i];

		if (v->size == 0 || v->offset > d->size || v->size > d->size - v->offset) {
			log_err(ctx,
				"%s: partition %d (%llu bytes at byte %llu) extends past the end "
				"of the %llu-byte disk: the image is truncated or its partition "
				"table is corrupt",
				d->path, v->partno, (unsigned long long)v->size,
				(unsigned long long)v->offset, (unsigned long long)d->size);
			return -EUCLEAN;
		}
	}
	sorted = malloc(d->nvols * sizeof(*sorted) + 1);
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, d->vols, d->nvols * sizeof(*sorted));
	qsort(sorted, d->nvols, sizeof(*sorted), cmp_offset);
	for (size_t i = 1; i < d->nvols && r == 0; i++) {
		struct volume *a = &sorted[i - 1], *b = &sorted[i];

		if (a->role == VOL_EXTENDED || b->role == VOL_EXTENDED)
			continue;
		if (a->offset + a->size > b->offset) {
			log_err(ctx,
				"%s: partitions %d and %d overlap: the partition table is corrupt",
				d->path, a->partno, b->partno);
			r = -EUCLEAN;
		}
	}
	free(sorted);
	return r;
}

static int probe_partitions(struct morph_ctx *ctx, struct disk *d)
{
	blkid_probe pr = blkid_new_probe();
	blkid_partlist ls;
	int n, r;

	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, d->fd, 0, (blkid_loff_t)d->size) != 0) {
		blkid_free_probe(pr);
		return -EIO;
	}
	blkid_probe_enable_superblocks(pr, 0);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	r = blkid_do_safeprobe(pr);
	if (r != 0) {
		blkid_free_probe(pr);
		return r < 0 && r != -2 ? -EIO : 0;
	}
	ls = blkid_probe_get_partitions(pr);
	n = ls ? blkid_partlist_numof_partitions(ls) : 0;
	if (ls && n > 0) {
		blkid_parttable tab = blkid_partlist_get_table(ls);
		const char *scheme = tab ? blkid_parttable_get_type(tab) : "";

		snprintf(d->table, sizeof(d->table), "%s", scheme ? scheme : "");
		if (n > MAX_VOLUMES) {
			log_err(ctx, "%s: %d partitions, more than the %d morph accepts", d->path,
				n, MAX_VOLUMES);
			blkid_free_probe(pr);
			return -EUCLEAN;
		}
		d->vols = calloc((size_t)n, sizeof(*d->vols));
		if (!d->vols) {
			blkid_free_probe(pr);
			return -ENOMEM;
		}
		for (int i = 0; i < n; i++) {
			blkid_partition p = blkid_partlist_get_partition(ls, i);
			struct volume *v = &d->vols[d->nvols++];
			blkid_loff_t start = blkid_partition_get_start(p);
			blkid_loff_t size = blkid_partition_get_size(p);
			const char *s;

			v->partno = blkid_partition_get_partno(p);
			if (start < 0 || size < 0 || (unsigned long long)start > UINT64_MAX / 512 ||
			    (unsigned long long)size > UINT64_MAX / 512) {
				log_err(ctx, "%s: partition %d has an impossible extent", d->path,
					v->partno);
				blkid_free_probe(pr);
				return -EUCLEAN;
			}
			v->offset = (uint64_t)start * 512;
			v->size = (uint64_t)size * 512;
			snprintf(v->scheme, sizeof(v->scheme), "%s", d->table);
			if ((s = blkid_partition_get_uuid(p)))
				snprintf(v->partuuid, sizeof(v->partuuid), "%s", s);
			if ((s = blkid_partition_get_name(p)))
				snprintf(v->partlabel, sizeof(v->partlabel), "%s", s);
			if ((s = blkid_partition_get_type_string(p)))
				snprintf(v->part_type, sizeof(v->part_type), "%s", s);
			else
				snprintf(v->part_type, sizeof(v->part_type), "0x%x",
					 (unsigned)blkid_partition_get_type(p));
			if (blkid_partition_is_extended(p) ||
			    is_extended_type(strcmp(d->table, "dos") == 0, v->part_type))
				v->role = VOL_EXTENDED;
		}
	}
	blkid_free_probe(pr);
	return 0;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (int)got;
}

static int check_format(struct morph_ctx *ctx, struct disk *d)
{
	unsigned char head[512] = {0}, tail[512] = {0};
	size_t hl = d->size < 512 ? (size_t)d->size : 512;
	const char *fmt;
	int r;

	r = read_at(d->fd, head, hl, 0);
	if (r < 0)
		return r;
	r = read_at(d->fd, tail, hl, d->size - hl);
	if (r < 0)
		return r;
	fmt = disk_image_format(head, hl, tail, hl);
	if (fmt) {
		/* qemu-img follows backing files and extents named inside
		 * the container, which may point anywhere on the host. */
		log_err(ctx,
			"%s is a %s image, not a raw disk; morph never guesses formats. Check it "
			"names no backing file or extent outside the image (qemu-img info "
			"--backing-chain '%s'), then convert it: qemu-img convert -f %s -O raw "
			"'%s' '%s.raw'",
			d->path, fmt, d->path, fmt, d->path, d->path);
		return -EMEDIUMTYPE;
	}
	return 0;
}

int disk_open(struct morph_ctx *ctx, const char *path, bool writable, struct disk **ret)
{
	struct disk *d = calloc(1, sizeof(*d));
	struct stat st;
	int r;

	if (!d)
		return -ENOMEM;
	d->fd = -1;
	d->writable = writable;
	d->path = strdup(path);
	if (!d->path) {
		r = -ENOMEM;
		goto fail;
	}
	d->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (d->fd < 0 || fstat(d->fd, &st) < 0) {
		r = -errno;
		log_err(ctx, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISREG(st.st_mode)) {
		d->size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		d->is_blockdev = true;
		if (ioctl(d->fd, BLKGETSIZE64, &d->size) < 0) {
			r = -errno;
			log_err(ctx, "%s: cannot read its size: %s", path, strerror(errno));
			goto fail;
		}
	} else {
		log_err(ctx, "%s is neither a disk image file nor a block device", path);
		r = -EINVAL;
		goto fail;
	}
	if (d->size == 0) {
		log_err(ctx, "%s is empty", path);
		r = -EUCLEAN;
		goto fail;
	}
	r = check_format(ctx, d);
	if (r < 0)
		goto fail;
	r = probe_partitions(ctx, d);
	if (r < 0) {
		if (r == -EIO)
			log_err(ctx, "%s: cannot read the partition table", path);
		goto fail;
	}
	if (d->nvols == 0) {
		/* No table: maybe a filesystem on the whole disk. */
		d->vols = calloc(1, sizeof(*d->vols));
		if (!d->vols) {
			r = -ENOMEM;
			goto fail;
		}
		d->nvols = 1;
		d->vols[0].size = d->size;
	}
	r = check_layout(ctx, d);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < d->nvols; i++) {
		if (d->vols[i].role == VOL_EXTENDED)
			continue;
		r = probe_superblock(ctx, d, &d->vols[i]);
		if (r < 0) {
			log_err(ctx, "%s: cannot probe partition %d", path, d->vols[i].partno);
			goto fail;
		}
	}
	if (!d->table[0] && d->vols[0].role == VOL_UNKNOWN) {
		log_err(ctx,
			"%s: no partition table and no filesystem found (not a disk image, or one "
			"morph cannot read)",
			path);
		r = -ENOMEDIUM;
		goto fail;
	}
	*ret = d;
	return 0;
fail:
	disk_free(d);
	return r;
}

void disk_free(struct disk *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d->vols);
	free(d->path);
	free(d);
}

int disk_probe_device(struct morph_ctx *ctx, const char *path, struct volume *ret)
{
	struct disk d = {.path = (char *)path, .fd = -1};
	struct volume v = {0};
	struct stat st;
	blkid_probe pr;
	int r;

	d.fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (d.fd < 0)
		return -errno;
	if (fstat(d.fd, &st) < 0 || !S_ISBLK(st.st_mode)) {
		r = -ENOTBLK;
		goto out;
	}
	if (ioctl(d.fd, BLKGETSIZE64, &d.size) < 0) {
		r = -errno;
		goto out;
	}
	v.size = d.size;
	r = probe_superblock(ctx, &d, &v);
	if (r < 0)
		goto out;
	/* Its entry in the partition table of the disk it is on. */
	pr = blkid_new_probe();
	if (!pr) {
		r = -ENOMEM;
		goto out;
	}
	if (blkid_probe_set_device(pr, d.fd, 0, 0) == 0) {
		char num[16] = "";

		blkid_probe_enable_superblocks(pr, 0);
		blkid_probe_enable_partitions(pr, 1);
		blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
		if (blkid_do_safeprobe(pr) == 0) {
			copy_tag(pr, "PART_ENTRY_UUID", v.partuuid, sizeof(v.partuuid));
			copy_tag(pr, "PART_ENTRY_NAME", v.partlabel, sizeof(v.partlabel));
			copy_tag(pr, "PART_ENTRY_TYPE", v.part_type, sizeof(v.part_type));
			copy_tag(pr, "PART_ENTRY_SCHEME", v.scheme, sizeof(v.scheme));
			copy_tag(pr, "PART_ENTRY_NUMBER", num, sizeof(num));
			v.partno = atoi(num);
		}
	}
	blkid_free_probe(pr);
	*ret = v;
out:
	close(d.fd);
	return r;
}

char *disk_devno_name(dev_t devno)
{
	return blkid_devno_to_devname(devno);
}
