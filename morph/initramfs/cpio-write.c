/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpio newc writer: entries appended to a growing buffer (layout: cpio.c). */
#include "initramfs/cpio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A written archive above this is a bug, not an initramfs. */
#define CPIO_WRITE_MAX ((size_t)4 << 30)

struct cpio_writer {
	const struct morph_ctx *ctx;
	uint8_t *data;
	size_t len, cap;
	uint32_t next_ino;
};

int cpio_writer_new(const struct morph_ctx *ctx, struct cpio_writer **ret)
{
	struct cpio_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->ctx = ctx;
	w->next_ino = 1;
	*ret = w;
	return 0;
}

void cpio_writer_free(struct cpio_writer *w)
{
	if (!w)
		return;
	free(w->data);
	free(w);
}

const uint8_t *cpio_writer_data(const struct cpio_writer *w, size_t *len)
{
	*len = w->len;
	return w->data;
}

static int reserve(struct cpio_writer *w, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (n > CPIO_WRITE_MAX - w->len)
		return -EFBIG;
	if (w->len + n <= w->cap)
		return 0;
	cap = w->cap ? w->cap : 4096;
	while (cap < w->len + n)
		cap *= 2;
	p = realloc(w->data, cap);
	if (!p)
		return -ENOMEM;
	w->data = p;
	w->cap = cap;
	return 0;
}

/* Appends n bytes then NULs up to a multiple of 4. Room was reserved. */
static void put_padded(struct cpio_writer *w, const void *p, size_t n)
{
	if (n)
		memcpy(w->data + w->len, p, n);
	w->len += n;
	while (w->len & 3)
		w->data[w->len++] = 0;
}

/* ino 0 in e: the next free number, unless it is the trailer (ino 0). */
static int append(struct cpio_writer *w, const char *name, const struct cpio_entry *e,
		  const void *data, size_t data_len, bool trailer)
{
	char hdr[CPIO_HEADER_SIZE + 1];
	size_t namesize = strlen(name) + 1;
	uint32_t nlink = e->nlink ? e->nlink : S_ISDIR(e->mode) ? 2 : 1;
	uint32_t ino = e->ino || trailer ? e->ino : w->next_ino++;
	int r;

	if (namesize > CPIO_NAME_MAX)
		return -ENAMETOOLONG;
	if (data_len > UINT32_MAX)
		return -EFBIG;
	/* Worst case: header + name + 3 + data + 3 (data_len < 4 GiB). */
	r = reserve(w, CPIO_HEADER_SIZE + namesize + 3 + data_len + 3);
	if (r < 0)
		return r;
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
		 ino, e->mode, e->uid, e->gid, nlink, e->mtime, (uint32_t)data_len, e->dev_major,
		 e->dev_minor, e->rdev_major, e->rdev_minor, namesize, 0u);
	memcpy(w->data + w->len, hdr, CPIO_HEADER_SIZE);
	w->len += CPIO_HEADER_SIZE;
	put_padded(w, name, namesize);
	put_padded(w, data, data_len);
	return 0;
}

int cpio_write_entry(struct cpio_writer *w, const struct cpio_entry *e)
{
	const char *name = e->name;
	const char *c;

	if (!name || (!e->data && e->data_len))
		return -EINVAL;
	while (*name == '/')
		name++;
	if (*name == '\0')
		name = ".";
	if (strcmp(name, CPIO_TRAILER) == 0)
		return -EINVAL;
	for (c = name; *c;) {
		size_t l = strcspn(c, "/");

		if (l == 2 && c[0] == '.' && c[1] == '.') {
			log_err(w->ctx, "cpio: refusing to write name with \"..\": \"%.64s\"",
				e->name);
			return -EINVAL;
		}
		c += l + (c[l] == '/');
	}
	return append(w, name, e, e->data, e->data_len, false);
}

int cpio_write_file(struct cpio_writer *w, const char *name, uint32_t perm, const void *data,
		    size_t len)
{
	struct cpio_entry e = {
		.name = name, .mode = S_IFREG | (perm & 07777), .data = data, .data_len = len};

	return cpio_write_entry(w, &e);
}

int cpio_write_dir(struct cpio_writer *w, const char *name, uint32_t perm)
{
	struct cpio_entry e = {.name = name, .mode = S_IFDIR | (perm & 07777)};

	return cpio_write_entry(w, &e);
}

int cpio_write_symlink(struct cpio_writer *w, const char *name, const char *target)
{
	struct cpio_entry e = {.name = name,
			       .mode = S_IFLNK | 0777,
			       .data = (const uint8_t *)target,
			       .data_len = strlen(target)};

	return cpio_write_entry(w, &e);
}

int cpio_write_node(struct cpio_writer *w, const char *name, uint32_t type, uint32_t perm,
		    uint32_t major, uint32_t minor)
{
	struct cpio_entry e = {.name = name,
			       .mode = type | (perm & 07777),
			       .rdev_major = major,
			       .rdev_minor = minor};

	if (type != S_IFCHR && type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK)
		return -EINVAL;
	return cpio_write_entry(w, &e);
}

int cpio_write_trailer(struct cpio_writer *w)
{
	struct cpio_entry e = {.nlink = 1};

	return append(w, CPIO_TRAILER, &e, NULL, 0, true);
}
