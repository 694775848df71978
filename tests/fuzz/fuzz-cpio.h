/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cpio reader over one buffer, touching the ends of everything it hands
 * out (ASan sees any overrun), whole and streamed in chunks: shared by
 * fuzz-cpio and fuzz-cpioread. */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "initramfs/cpio.h"

static inline void fuzz_cpio_touch(const struct cpio_entry *e)
{
	volatile uint8_t sink = 0;

	sink ^= (uint8_t)e->name[0];
	if (e->data_len)
		sink ^= e->data[0] ^ e->data[e->data_len - 1];
	(void)sink;
}

/* Reads all of data with an entry cap; the entry count, or the error. */
static inline long fuzz_cpio_count(const uint8_t *data, size_t size, size_t max_entries)
{
	struct cpio_reader r;
	struct cpio_entry e;
	long n = 0;
	int k;

	cpio_reader_init(&r, NULL, data, size);
	r.max_entries = max_entries;
	while ((k = cpio_next(&r, &e)) == 0) {
		fuzz_cpio_touch(&e);
		n++;
	}
	return k < 0 ? k : n;
}

static inline long fuzz_cpio_read_all(const uint8_t *data, size_t size)
{
	return fuzz_cpio_count(data, size, 4096);
}

/* The same, handed over in chunks to a streaming reader whose buffer holds
 * only what it still needs (each chunk in a fresh allocation, so ASan sees
 * a read past it). Must agree with fuzz_cpio_read_all: aborts if not. */
static inline void fuzz_cpio_read_chunked(const uint8_t *data, size_t size, size_t chunk)
{
	struct cpio_reader r;
	struct cpio_entry e;
	uint8_t *buf = NULL;
	size_t have = 0, fed = 0, dropped = 0;
	long n = 0, want = fuzz_cpio_read_all(data, size);
	int k = CPIO_MORE;

	cpio_reader_init(&r, NULL, data, 0);
	r.max_entries = 4096;
	while (k == CPIO_MORE) {
		size_t step = size - fed < chunk ? size - fed : chunk;
		uint8_t *nb = malloc(have + step + 1);

		if (!nb)
			break;
		if (have)
			memcpy(nb, buf + dropped, have);
		memcpy(nb + have, data + fed, step);
		free(buf);
		buf = nb;
		have += step;
		fed += step;
		cpio_reader_refill(&r, buf, have, dropped);
		r.more = fed < size;
		while ((k = cpio_next(&r, &e)) == 0) {
			fuzz_cpio_touch(&e);
			n++;
		}
		dropped = k == CPIO_MORE ? (r.pos & ~(size_t)3) : 0;
		have -= dropped;
	}
	free(buf);
	if (k != CPIO_MORE && (k < 0 ? k : n) != want)
		abort();
}
