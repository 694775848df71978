/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "inspect/guest.h"

/* Compare kernel version strings, numbers numerically ("5.10" > "5.9"). */
int kernel_vercmp(const char *a, const char *b);

/* The module name of a module path: basename without .ko[.xz|.zst|.gz],
 * '-' as '_'. NULL when it does not fit buf. */
const char *kernel_module_name(char *buf, size_t size, const char *path, size_t len);
