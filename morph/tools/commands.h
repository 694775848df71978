/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ctx.h"

int cmd_convert(struct morph_ctx *ctx, int argc, char **argv);
int cmd_undo(struct morph_ctx *ctx, int argc, char **argv);
