/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "inspect/guest.h"

/* The kernel (index into g->kernels) a boot entry boots, or -1. */
int boot_entry_kernel(const struct guest *g, const struct boot_entry *e);
/* The entry a bootloader boots by default (index), or -1 without entries. */
int boot_default_entry(const struct bootloader *bl);
