/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

/* Write a unified diff (3 lines of context) of a -> b to f. A NULL side is
 * an absent file. Returns 0 or -ENOMEM. */
int diff_unified(FILE *f, const char *name_a, const char *name_b, const char *a, size_t alen,
		 const char *b, size_t blen);
