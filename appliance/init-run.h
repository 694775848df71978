/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running children under PID 1's hang guard (init-run.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* From <linux/watchdog.h>, which musl-gcc (no kernel headers) lacks. */
#ifndef WDIOC_KEEPALIVE
#define WDIOC_KEEPALIVE	 _IOR('W', 5, int)
#define WDIOC_SETTIMEOUT _IOWR('W', 6, int)
#endif

struct run_result {
	char *out; /* stdout, NUL-terminated, malloc'd (capped at 64 MiB) */
	size_t out_len;
	bool truncated;
	bool timed_out;
	int status; /* wait status */
	char last_err[512];
	bool last_err_is_error;
};

/* One line of the child's stderr (no newline). */
typedef void (*run_log_fn)(const char *line, size_t len);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t now_ms(void);
void watchdog_pet(int wd_fd);
/*
 * Run argv (argv[0] an absolute path; NULL: a child that never ends, for
 * morph.hang=child) until it exits or the monotonic deadline (ms) passes.
 * 0 with *res filled (free res->out), or -errno when it could not run.
 */
int run_child(const char *const argv[], int64_t deadline, int wd_fd, run_log_fn log,
	      struct run_result *res);
/* morph's exit code for a finished run (1 for a crash or timeout) and a
 * one-line message: the error line morph printed, or what happened. */
int run_exit_code(const struct run_result *res, char *msg, size_t size);
