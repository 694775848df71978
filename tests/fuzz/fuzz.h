/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every harness defines this; built with libFuzzer (make fuzz) or with
 * replay.c, which runs the saved corpus and crash inputs as a test. */
#pragma once
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
