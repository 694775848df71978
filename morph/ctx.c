/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ctx.h"

#include <stdio.h>

void morph_log(const struct morph_ctx *ctx, enum morph_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!ctx || !ctx->log_fn || level > ctx->log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log_fn(ctx->log_data, level, msg);
}
