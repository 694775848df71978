/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Volumes behind a directory input. A mounted guest tree has no partition
 * table to read, but the host knows what it mounted there: the device under
 * the tree's root and under each fstab mount point in it (st_dev; for
 * filesystems whose st_dev is anonymous, such as btrfs, the source named in
 * /proc/self/mountinfo) is probed with libblkid. /dev/sda2 in the guest's
 * fstab and boot configuration can then still be named by UUID when the
 * appliance had to mount XFS or btrfs through its kernel.
 *
 * Only a directory that is the root of a mounted filesystem counts: a guest
 * tree unpacked on the host's own disk (a fixture, a backup) is not given
 * the host's volume. A guest device that is not mounted in the tree (swap)
 * stays unmapped, and the blockdev rule says so in its note.
 */
#include "inspect/guest.h"
#include "inspect/inspect.h"
#include "util/host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define DIRVOL_MOUNTINFO_MAX ((size_t)4 << 20)

/* The directory path names inside the tree at rootfd, never leaving it. */
static int dirvol_open(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	while (*path == '/')
		path++;
	return (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
}

/* Whether fd is the root of a mounted filesystem: its parent is on another
 * device, or is itself (the host's /). */
static bool dirvol_is_mount_root(int fd, const struct stat *st)
{
	struct stat up;

	if (fstatat(fd, "..", &up, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return up.st_dev != st->st_dev || up.st_ino == st->st_ino;
}

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static void dirvol_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * The source of the mount serving directory fd, from mountinfo (its fields:
 * id parent maj:min root mountpoint options [tags] - type source
 * superoptions): the mount with fd's device number, else the last one
 * mounted on fd's path (btrfs reports a subvolume's own anonymous device
 * in stat, not the one in mountinfo). NULL when none names a /dev path.
 */
static char *dirvol_mount_source(struct guest *g, dev_t dev, int fd)
{
	char want[32], *buf, *line, *save = NULL, *by_dev = NULL, *by_path = NULL;
	char self[64], path[4096];
	size_t len;
	ssize_t pl;

	if (host_read_file("/proc/self/mountinfo", DIRVOL_MOUNTINFO_MAX, &buf, &len) < 0)
		return NULL;
	snprintf(want, sizeof(want), "%u:%u", major(dev), minor(dev));
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	pl = readlink(self, path, sizeof(path) - 1);
	path[pl > 0 ? pl : 0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && !by_dev;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sep = strstr(line, " - "), *fields[5] = {NULL}, *p = line, *src;
		size_t k;

		for (k = 0; k < 5 && p; k++) {
			fields[k] = p;
			p = strchr(p, ' ');
			if (p)
				*p++ = '\0';
		}
		if (k < 5 || !sep || !p || sep < p)
			continue;
		src = strchr(sep + 3, ' '); /* past the type */
		if (!src)
			continue;
		src++;
		src[strcspn(src, " ")] = '\0';
		if (strncmp(src, "/dev/", 5) != 0)
			continue;
		dirvol_unescape(fields[4]);
		if (strcmp(fields[2], want) == 0)
			by_dev = src;
		else if (path[0] == '/' && strcmp(fields[4], path) == 0)
			by_path = src;
	}
	line = by_dev ? by_dev : by_path;
	line = line ? arena_strdup(g->arena, line) : NULL;
	free(buf);
	return line;
}

/* The volume of block device path, added once; its index or a negative
 * errno (-ENOTBLK etc. when it cannot be probed). */
static int dirvol_volume(struct guest *g, const char *path, const char *mountpoint)
{
	struct guest_volume *gv;
	struct volume v;
	int r;

	for (size_t i = 0; i < g->volumes.n; i++)
		if (g->volumes.v[i].disk_index < 0 && strcmp(g->volumes.v[i].disk, path) == 0)
			return (int)i;
	r = disk_probe_device(g->ctx, path, &v);
	if (r < 0)
		return r;
	gv = VEC_PUSH(g->arena, g->volumes);
	if (!gv)
		return -ENOMEM;
	gv->disk = path;
	gv->disk_index = -1;
	gv->vol = v;
	gv->opened = true;
	gv->mountpoint = mountpoint;
	return (int)(g->volumes.n - 1);
}

int dirvol_probe(struct guest *g, const char *root)
{
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat rst;
	int r = 0;

	if (rootfd < 0)
		return 0; /* inspect reported it already */
	if (fstat(rootfd, &rst) < 0 || !dirvol_is_mount_root(rootfd, &rst)) {
		close(rootfd);
		return 0;
	}
	for (size_t i = 0; i < g->mounts.n && r >= 0; i++) {
		struct guest_mount *m = &g->mounts.v[i];
		bool is_root = strcmp(m->mountpoint, "/") == 0;
		struct stat st;
		char *dev = NULL;
		int fd, v;

		if (m->volume >= 0 || m->mountpoint[0] != '/')
			continue;
		fd = dirvol_open(rootfd, m->mountpoint);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 ||
		    (!is_root && (st.st_dev == rst.st_dev || !dirvol_is_mount_root(fd, &st)))) {
			close(fd);
			continue;
		}
		if (major(st.st_dev) != 0) {
			char *name = disk_devno_name(st.st_dev);

			dev = name ? arena_strdup(g->arena, name) : NULL;
			free(name);
		}
		if (!dev)
			dev = dirvol_mount_source(g, st.st_dev, fd);
		close(fd);
		if (!dev)
			continue;
		v = dirvol_volume(g, dev, m->mountpoint);
		if (v == -ENOMEM)
			r = v;
		else if (v >= 0)
			m->volume = v;
	}
	close(rootfd);
	return r == -ENOMEM ? r : 0;
}
