/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/arena.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chunks are linked; a request larger than a chunk gets its own chunk. */
#define CHUNK_SIZE (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct adopted {
	struct adopted *next;
	void *ptr;
};

struct arena {
	struct chunk *head;
	struct adopted *adopted; /* malloc'd blocks freed with the arena */
};

int arena_new(struct arena **ret)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	*ret = a;
	return 0;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	for (struct adopted *d = a->adopted; d; d = d->next)
		free(d->ptr);
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	struct chunk *c = a->head;
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if (!c || c->size - c->used < n) {
		size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		/* A big one-off chunk goes behind the head so the head keeps
		 * serving small requests. */
		if (a->head && n > CHUNK_SIZE) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

int arena_adopt(struct arena *a, void *p)
{
	struct adopted *d = arena_alloc(a, sizeof(*d));

	if (!d) {
		free(p);
		return -ENOMEM;
	}
	d->ptr = p;
	d->next = a->adopted;
	a->adopted = d;
	return 0;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		return NULL;
	p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int len;
	char *p;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return NULL;
	p = arena_alloc(a, (size_t)len + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

void *vec_push_(struct arena *a, void **v, size_t *n, size_t *cap, size_t elsize)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void *nv;

		if (ncap > SIZE_MAX / elsize)
			return NULL;
		nv = arena_alloc(a, ncap * elsize);
		if (!nv)
			return NULL;
		if (*n)
			memcpy(nv, *v, *n * elsize);
		*v = nv;
		*cap = ncap;
	}
	return memset((char *)*v + (*n)++ * elsize, 0, elsize);
}
