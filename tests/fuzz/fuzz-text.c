/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shell KEY=value, INI and kernel command-line parsing. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	kv_list kv = {0};
	ini_list ini = {0};
	char *s;

	if (arena_new(&a) < 0)
		return 0;
	kv_parse_shell(a, (const char *)data, size, &kv);
	ini_parse(a, (const char *)data, size, &ini);
	for (size_t i = 0; i < kv.n; i++)
		kv_get(&kv, kv.v[i].key);
	for (size_t i = 0; i < ini.n; i++)
		ini_get(&ini, ini.v[i].section, ini.v[i].key);
	s = arena_strndup(a, (const char *)data, size);
	if (s) {
		cmdline_get(a, s, "root");
		cmdline_get(a, s, "resume");
		cmdline_has_flag(s, "quiet");
	}
	arena_free(a);
	return 0;
}
