/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The undo journal's manifest: guest data that undo trusts only after
 * parsing and checksum checks. */
#include "convert/journal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	struct journal j;

	if (arena_new(&a) < 0)
		return 0;
	journal_parse(a, (const char *)data, size, &j);
	arena_free(a);
	return 0;
}
