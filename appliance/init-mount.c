/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's other filesystems under /guest, for guests morph reads
 * through the kernel (XFS, btrfs, a root on LVM or md): the guest's
 * /etc/fstab names them by UUID=, LABEL= or a device path; we find the
 * device by reading each block device's superblock (there is no udev and
 * no blkid in the appliance) and mount it at its mountpoint, confined to
 * /guest: every path component is opened with O_NOFOLLOW, and the mount
 * goes onto the opened directory through /proc/self/fd, so a guest symlink
 * such as /boot -> /run cannot redirect a mount outside the guest.
 */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define FSTAB_MAX (1u << 20) /* GUEST_SMALL_FILE: fstab is a config file */

struct fs_ident {
	char type[8];
	char uuid[40];
	char label[260];
};

static void hex_uuid(const unsigned char *u, char *out)
{
	sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
		u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		u[14], u[15]);
}

static void copy_label(char *out, const unsigned char *in, size_t n, size_t size)
{
	size_t len = 0;

	while (len < n && len < size - 1 && in[len])
		len++;
	memcpy(out, in, len);
	while (len && out[len - 1] == ' ')
		len--; /* FAT pads with spaces */
	out[len] = '\0';
}

/*
 * The filesystem type, UUID and label of a block device from its
 * superblock: ext2/3/4 (at 1024: magic 0xEF53 at +56, UUID +104, label +120),
 * XFS (at 0: "XFSB", UUID +32, label +108), btrfs (at 64 KiB: "_BHRfS_M" at
 * +64, fsid +32, label +0x12b), FAT (volume id and label at 67/71 for FAT32,
 * 39/43 for FAT12/16). 0 or -ENOENT.
 */
static int fs_identify(const char *dev, struct fs_ident *id)
{
	unsigned char b[0x10000 + 0x300];
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	memset(id, 0, sizeof(*id));
	if (fd < 0)
		return -errno;
	n = pread(fd, b, sizeof(b), 0);
	close(fd);
	if (n < 2048)
		return -ENOENT;
	if (b[1024 + 56] == 0x53 && b[1024 + 57] == 0xef) {
		strcpy(id->type, "ext4");
		hex_uuid(b + 1024 + 104, id->uuid);
		copy_label(id->label, b + 1024 + 120, 16, sizeof(id->label));
	} else if (!memcmp(b, "XFSB", 4)) {
		strcpy(id->type, "xfs");
		hex_uuid(b + 32, id->uuid);
		copy_label(id->label, b + 108, 12, sizeof(id->label));
	} else if (n == (ssize_t)sizeof(b) && !memcmp(b + 0x10000 + 64, "_BHRfS_M", 8)) {
		strcpy(id->type, "btrfs");
		hex_uuid(b + 0x10000 + 32, id->uuid);
		copy_label(id->label, b + 0x10000 + 0x12b, 256, sizeof(id->label));
	} else if (b[510] == 0x55 && b[511] == 0xaa &&
		   (!memcmp(b + 82, "FAT32", 5) || !memcmp(b + 54, "FAT", 3))) {
		int fat32 = !memcmp(b + 82, "FAT32", 5);
		const unsigned char *v = b + (fat32 ? 67 : 39);

		strcpy(id->type, "vfat");
		sprintf(id->uuid, "%02X%02X-%02X%02X", v[3], v[2], v[1], v[0]);
		copy_label(id->label, b + (fat32 ? 71 : 43), 11, sizeof(id->label));
	} else {
		return -ENOENT;
	}
	return 0;
}

/* The device an fstab spec names, among every block device and partition. */
/* /dev name of partition partno of disk (vda1, nvme0n1p1, md0p1). */
void part_name(const char *disk, int partno, char *buf, size_t size)
{
	size_t n = strlen(disk);
	bool digit = n && disk[n - 1] >= '0' && disk[n - 1] <= '9';

	if (partno == 0)
		snprintf(buf, size, "/dev/%s", disk);
	else
		snprintf(buf, size, "/dev/%s%s%d", disk, digit ? "p" : "", partno);
}

/* Kernel names a guest's disks had under VMware (SCSI), IDE, Xen, KVM. */
static const char *const kernel_name_prefixes[] = {"/dev/sd", "/dev/hd", "/dev/xvd", "/dev/vd"};
#define N_KERNEL_NAME_PREFIXES (sizeof(kernel_name_prefixes) / sizeof(kernel_name_prefixes[0]))

int kernel_name_part(const char *spec, char root_letter, const char *disk, char *dev, size_t size)
{
	const char *p = NULL;
	long partno = 0;

	for (size_t i = 0; i < N_KERNEL_NAME_PREFIXES && !p; i++)
		if (!strncmp(spec, kernel_name_prefixes[i], strlen(kernel_name_prefixes[i])))
			p = spec + strlen(kernel_name_prefixes[i]);
	/* One letter, the root's, then a partition number and nothing else. */
	if (!p || *p != root_letter || p[1] < '1' || p[1] > '9')
		return -ENOENT;
	for (p++; *p >= '0' && *p <= '9' && partno < 4096; p++)
		partno = partno * 10 + (*p - '0');
	if (*p || partno >= 4096)
		return -ENOENT;
	part_name(disk, (int)partno, dev, size);
	return 0;
}

/* The letter of the guest's own name for its root disk: from fstab's root
 * line when it uses a kernel name (/dev/sdb2 -> 'b'), else 'a'. */
static char root_letter(const char *fstab)
{
	const char *line = fstab;

	while (line && *line) {
		char spec[256], mp[128];

		if (sscanf(line, " %255s %127s", spec, mp) == 2 && spec[0] != '#' &&
		    !strcmp(mp, "/")) {
			for (size_t i = 0; i < N_KERNEL_NAME_PREFIXES; i++) {
				size_t n = strlen(kernel_name_prefixes[i]);

				if (!strncmp(spec, kernel_name_prefixes[i], n) && spec[n] >= 'a' &&
				    spec[n] <= 'z')
					return spec[n];
			}
			return 'a';
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 'a';
}

static int resolve_spec(const char *spec, char *dev, size_t size)
{
	const char *want = NULL;
	bool by_label = false;
	struct dirent *e;
	DIR *d;
	int ret = -ENOENT;

	if (!strncmp(spec, "UUID=", 5)) {
		want = spec + 5;
	} else if (!strncmp(spec, "LABEL=", 6)) {
		want = spec + 6;
		by_label = true;
	} else if (!strncmp(spec, "/dev/mapper/", 12) || !strncmp(spec, "/dev/md", 7) ||
		   (!strncmp(spec, "/dev/", 5) && strchr(spec + 5, '/'))) {
		/* LVM (/dev/VG/LV, /dev/mapper/VG-LV; lvm vgscan --mknodes made
		 * them) and md names are stable across hypervisors. */
		if (strstr(spec, "/../") || strlen(spec) >= size || access(spec, F_OK))
			return -ENOENT;
		snprintf(dev, size, "%s", spec);
		return 0;
	} else {
		return -ENOENT; /* sdX names: the old controller's, meaningless here */
	}
	d = opendir("/sys/class/block");
	if (!d)
		return -errno;
	while (ret && (e = readdir(d))) {
		struct fs_ident id;
		char path[64];

		if (e->d_name[0] == '.' || strlen(e->d_name) > 40)
			continue;
		snprintf(path, sizeof(path), "/dev/%.40s", e->d_name);
		if (fs_identify(path, &id))
			continue;
		if (by_label ? !strcmp(id.label, want) : !strcasecmp(id.uuid, want)) {
			snprintf(dev, size, "%s", path);
			ret = 0;
		}
	}
	closedir(d);
	return ret;
}

/* Open (and in rw mode create) mountpoint mp under root fd, never following
 * a symlink. The fd, or -errno. */
static int open_confined(int root, const char *mp, bool create)
{
	char buf[PATH_MAX], *save = NULL, *c;
	int fd = dup(root);

	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", mp);
	for (c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;

		if (!strcmp(c, ".") || !strcmp(c, "..")) {
			close(fd);
			return -EINVAL;
		}
		next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create && !mkdirat(fd, c, 0755))
			next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			next = -errno;
			close(fd);
			return next;
		}
		close(fd);
		fd = next;
	}
	return fd;
}

static bool skip_type(const char *type)
{
	static const char *const skip[] = {"swap", "none", "tmpfs", "proc", "sysfs",   "devpts",
					   "nfs",  "nfs4", "cifs",  "smb3", "iso9660", "udf",
					   "fuse", "auto", "bind",  NULL};

	for (int i = 0; skip[i]; i++)
		if (!strcmp(type, skip[i]))
			return true;
	return false;
}

/* Mount the guest's fstab entries under /guest; each mounted mountpoint goes
 * to mounted[] (static buffer order, deepest last) for unmounting. */
int guest_mount_fstab(const char *disk, bool rw, void (*say)(const char *fmt, ...),
		      char mounted[][128], int max)
{
	char *buf = NULL, *line, *save = NULL, letter;
	int fd, root, n = 0;
	struct stat st;

	fd = open("/guest/etc/fstab", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > FSTAB_MAX ||
	    !(buf = calloc(1, (size_t)st.st_size + 1)) ||
	    read(fd, buf, (size_t)st.st_size) != st.st_size) {
		close(fd);
		free(buf);
		say("cannot read the guest's /etc/fstab");
		return 0;
	}
	close(fd);
	letter = root_letter(buf);
	root = open("/guest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (line = strtok_r(buf, "\n", &save); root >= 0 && line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char spec[256], mp[128], type[32], opt[256] = "", dev[256], target[64];
		int mfd;

		if (sscanf(line, " %255s %127s %31s %255s", spec, mp, type, opt) < 3 ||
		    spec[0] == '#' || mp[0] != '/' || !strcmp(mp, "/") || skip_type(type) ||
		    strstr(opt, "bind"))
			continue;
		if (resolve_spec(spec, dev, sizeof(dev)) &&
		    (kernel_name_part(spec, letter, disk, dev, sizeof(dev)) || access(dev, F_OK))) {
			say("fstab: %.100s for %.100s not found here, not mounted", spec, mp);
			continue;
		}
		mfd = open_confined(root, mp, rw);
		if (mfd < 0) {
			say("fstab: cannot use mountpoint %.100s: %s", mp, strerror(-mfd));
			continue;
		}
		snprintf(target, sizeof(target), "/proc/self/fd/%d", mfd);
		if (mount(dev, target, type, MS_NOSUID | MS_NODEV | (rw ? 0 : MS_RDONLY), NULL)) {
			say("fstab: cannot mount %s (%.30s) at %.100s: %s", dev, type, mp,
			    strerror(errno));
		} else {
			say("mounted %s (%s) at /guest%s", dev, type, mp);
			snprintf(mounted[n++], 128, "%s", mp);
		}
		close(mfd);
	}
	if (root >= 0)
		close(root);
	free(buf);
	return n;
}

/*
 * An ext filesystem whose journal needs recovery (the guest was not shut
 * down cleanly): morph refuses to write it, as the journal may hold newer
 * metadata than the disk. Mounting it once through the kernel replays the
 * journal. Superblock at 1024: magic 0xEF53 at +56, s_feature_incompat at
 * +96 with RECOVER = 0x4. 1 when replayed, 0 when not needed, or -errno.
 */
int ext_replay_journal(const char *dev)
{
	unsigned char sb[1024];
	int fd = open(dev, O_RDONLY | O_CLOEXEC), r = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, sb, sizeof(sb), 1024);
	close(fd);
	if (n != (ssize_t)sizeof(sb) || sb[56] != 0x53 || sb[57] != 0xef || !(sb[96] & 0x4))
		return 0;
	mkdir("/run/replay", 0700);
	if (mount(dev, "/run/replay", "ext4", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return -errno;
	if (umount("/run/replay"))
		r = -errno;
	return r ? r : 1;
}

/*
 * Which volume-manager signatures the block devices carry, so a missing
 * tool can be named in the result: an LVM2 PV label ("LABELONE" in sector 1,
 * type "LVM2 001" at +24) and an md superblock 1.1 or 1.2 (magic a92b4efc,
 * little-endian, at 0 or 4096). Returns SIG_LVM | SIG_MD bits.
 */
int volume_signatures(void)
{
	static const unsigned char md_magic[4] = {0xfc, 0x4e, 0x2b, 0xa9};
	struct dirent *e;
	int found = 0;
	DIR *d = opendir("/sys/class/block");

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		unsigned char b[4096 + 4];
		char dev[64];
		int fd;

		if (e->d_name[0] == '.' || strlen(e->d_name) > 40)
			continue;
		snprintf(dev, sizeof(dev), "/dev/%.40s", e->d_name);
		fd = open(dev, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (pread(fd, b, sizeof(b), 0) == (ssize_t)sizeof(b)) {
			if (!memcmp(b + 512, "LABELONE", 8) && !memcmp(b + 512 + 24, "LVM2 001", 8))
				found |= SIG_LVM;
			if (!memcmp(b, md_magic, 4) || !memcmp(b + 4096, md_magic, 4))
				found |= SIG_MD;
		}
		close(fd);
	}
	closedir(d);
	return found;
}
