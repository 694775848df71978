/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library context: where messages go. The library never prints; it hands
 * every message to the callback the caller installed (the CLI prints them).
 */
#pragma once

#include <stdarg.h>

enum morph_log_level {
	MORPH_LOG_ERR = 0,
	MORPH_LOG_WARN = 1,
	MORPH_LOG_INFO = 2,
	MORPH_LOG_DEBUG = 3,
};

typedef void (*morph_log_fn)(void *userdata, enum morph_log_level level, const char *msg);

struct morph_ctx {
	morph_log_fn log_fn;
	void *log_data;
	enum morph_log_level log_max;
};

void morph_log(const struct morph_ctx *ctx, enum morph_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(ctx, ...)   morph_log((ctx), MORPH_LOG_ERR, __VA_ARGS__)
#define log_warn(ctx, ...)  morph_log((ctx), MORPH_LOG_WARN, __VA_ARGS__)
#define log_info(ctx, ...)  morph_log((ctx), MORPH_LOG_INFO, __VA_ARGS__)
#define log_debug(ctx, ...) morph_log((ctx), MORPH_LOG_DEBUG, __VA_ARGS__)

/*
 * Error numbers the library returns beyond the obvious errno values; the CLI
 * maps them to exit codes in one table (tools/exitcode.c).
 *   -EMEDIUMTYPE  a disk image in a format morph does not read (qcow2, ...)
 *   -EUCLEAN      corrupt or malformed guest data
 *   -ENOMEDIUM    nothing recognisable (no partition table, filesystem, OS)
 *   -EFBIG        a guest file over the size cap
 *   -ELOOP        symlink loop inside the guest
 */
