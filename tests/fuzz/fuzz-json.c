/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON string escaping: the output must always be a valid JSON string of
 * valid UTF-8, whatever bytes come in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "report/json.h"

static void check_output(const unsigned char *s, size_t n)
{
	/* Starts and ends with a quote, no raw control bytes inside. */
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		abort();
	for (size_t i = 1; i + 1 < n; i++)
		if (s[i] < 0x20)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *out = NULL;
	size_t outlen = 0;
	FILE *f;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	f = open_memstream(&out, &outlen);
	if (f) {
		json_write_string(f, in);
		fclose(f);
		check_output((const unsigned char *)out, outlen);
	}
	free(out);
	free(in);
	return 0;
}
