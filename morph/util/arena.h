/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bump allocator that owns every string and array of one inspection, so the
 * whole guest description is freed with one call and no error path leaks.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

struct arena;

int arena_new(struct arena **ret);
void arena_free(struct arena *a);

/* Zeroed memory owned by the arena; NULL when out of memory or n overflows. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Hand p (malloc'd) to the arena, which frees it with everything else: big
 * buffers are kept without a copy. On -ENOMEM p is freed at once. */
int arena_adopt(struct arena *a, void *p);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Growable arrays in the arena: VEC(T) declares { T *v; size_t n, cap; }.
 * VEC_PUSH returns a pointer to a new zeroed element, or NULL on OOM (the
 * vector is left as it was).
 */
#define VEC(T)                                                                                     \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n, cap;                                                                     \
	}

void *vec_push_(struct arena *a, void **v, size_t *n, size_t *cap, size_t elsize);

#define VEC_PUSH(a, vec)                                                                           \
	((__typeof__((vec).v))vec_push_((a), (void **)&(vec).v, &(vec).n, &(vec).cap,              \
					sizeof(*(vec).v)))
