/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VM's NICs and their mapping to the guest's old interface names.
 * (Disks are in init.c: they need the running appliance; this file is
 * tested on the host against a fake sysfs tree.)
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
#include <unistd.h>

/* First line of a small sysfs file, without the newline; 0 or -errno. */
static int read_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int nic_cmp(const void *a, const void *b)
{
	const struct nic *x = a, *y = b;
	int r;

	/* NICs without a PCI device sort last, then by name. */
	if (!*x->pci != !*y->pci)
		return *x->pci ? -1 : 1;
	r = strcmp(x->pci, y->pci);
	return r ? r : strverscmp(x->name, y->name);
}

int nics_list(const char *root, struct nic *nics, int max, int *ret)
{
	char path[PATH_MAX], buf[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/sys/class/net", root);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? (*ret = 0, 0) : -errno;
	while ((e = readdir(d)) && n < max) {
		struct nic *c = &nics[n];
		char *slash;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(c->name))
			continue;
		/* type 1 is ARPHRD_ETHER: skips lo (772) and tunnels. */
		snprintf(path, sizeof(path), "%s/sys/class/net/%s/type", root, e->d_name);
		if (read_line(path, buf, sizeof(buf)) || strcmp(buf, "1"))
			continue;
		snprintf(path, sizeof(path), "%s/sys/class/net/%s/address", root, e->d_name);
		if (read_line(path, buf, sizeof(buf)) || strlen(buf) != 17)
			continue;
		memset(c, 0, sizeof(*c));
		memcpy(c->name, e->d_name, strlen(e->d_name) + 1); /* length checked above */
		memcpy(c->mac, buf, 18);
		/* The device's real path runs through its PCI function, e.g.
		 * /sys/devices/pci0000:00/0000:00:03.0/virtio0: take the last
		 * component shaped like a PCI address (dddd:bb:dd.f). */
		snprintf(path, sizeof(path), "%s/sys/class/net/%s/device", root, e->d_name);
		if (realpath(path, buf)) {
			while ((slash = strrchr(buf, '/'))) {
				if (strlen(slash + 1) == 12 && slash[5] == ':' && slash[8] == ':' &&
				    slash[11] == '.') {
					snprintf(c->pci, sizeof(c->pci), "%s", slash + 1);
					break;
				}
				*slash = '\0';
			}
		}
		n++;
	}
	closedir(d);
	qsort(nics, (size_t)n, sizeof(*nics), nic_cmp);
	*ret = n;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strverscmp(*(const char *const *)a, *(const char *const *)b);
}

int nics_map(const struct jv *interfaces, const struct nic *nics, int n_nics, char **out, int max)
{
	const char *names[64];
	bool taken[INIT_MAX_NICS] = {false};
	int n_names = 0, n_out = 0, k = 0;

	if (!interfaces || interfaces->type != J_ARR)
		return 0;
	/* A guest interface that already names one of our MACs keeps it. */
	for (const struct jv *i = interfaces->child; i; i = i->next) {
		const char *mac = jv_str(jv_get(i, "mac"));

		for (int j = 0; mac && j < n_nics && j < INIT_MAX_NICS; j++)
			if (!strcasecmp(mac, nics[j].mac))
				taken[j] = true;
	}
	for (const struct jv *i = interfaces->child; i && n_names < 64; i = i->next) {
		const char *name = jv_str(jv_get(i, "name")), *mac = jv_str(jv_get(i, "mac"));
		bool dup = false, matched = false;

		if (!name || !*name || strchr(name, '=') || !strcmp(name, "lo"))
			continue;
		for (int j = 0; mac && j < n_nics; j++)
			matched |= !strcasecmp(mac, nics[j].mac);
		for (int j = 0; j < n_names; j++)
			dup |= !strcmp(names[j], name);
		if (!matched && !dup)
			names[n_names++] = name;
	}
	/* The same name may appear in several stacks' files: pair it once. */
	qsort(names, (size_t)n_names, sizeof(names[0]), name_cmp);
	for (int i = 0; i < n_names && n_out < max; i++) {
		size_t len;

		while (k < n_nics && k < INIT_MAX_NICS && taken[k])
			k++;
		if (k >= n_nics || k >= INIT_MAX_NICS)
			break;
		len = strlen(names[i]) + 1 + 17 + 1;
		out[n_out] = malloc(len);
		if (!out[n_out])
			break;
		snprintf(out[n_out], len, "%s=%s", names[i], nics[k].mac);
		n_out++;
		k++;
	}
	return n_out;
}
