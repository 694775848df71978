/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run one child (morph, mdadm, lvm, mount helpers) under PID 1's hang guard:
 * its stdout is collected (capped), its stderr goes line by line to the log
 * callback, the watchdog is petted while it runs, and at the deadline the
 * child's process group is killed. Orphans reparented to PID 1 are reaped
 * here too, since this is where PID 1 spends its time.
 */
#include "init-run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_MAX_STDOUT (64u << 20) /* far above any report; a runaway stops here */

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void watchdog_pet(int wd_fd)
{
	if (wd_fd >= 0)
		ioctl(wd_fd, WDIOC_KEEPALIVE, 0);
}

static void child(const char *const argv[], int out, int err)
{
	int null = open("/dev/null", O_RDONLY);
	sigset_t all;

	/* Own process group, so a timeout kills what it started too. */
	setpgid(0, 0);
	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(err, 2);
	/* PID 1 blocks signals it handles by polling; the child starts clean. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (!argv) {
		for (;;)
			pause(); /* morph.hang=child: a child that never ends */
	}
	execv(argv[0], (char *const *)argv); /* execv does not write to argv */
	dprintf(2, "morph-init: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Keep the last "error:" line of stderr (or else the last line). */
static void keep_last(struct run_result *res, const char *line, size_t n)
{
	bool is_err = memmem(line, n, "error:", 6) != NULL;

	if (!n || (res->last_err_is_error && !is_err))
		return;
	if (n >= sizeof(res->last_err))
		n = sizeof(res->last_err) - 1;
	memcpy(res->last_err, line, n);
	res->last_err[n] = '\0';
	res->last_err_is_error = is_err;
}

int run_child(const char *const argv[], int64_t deadline, int wd_fd, run_log_fn log,
	      struct run_result *res)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, ret = 0, status = 0;
	char linebuf[1024];
	size_t linelen = 0, cap = 0;
	bool reaped = false, killed = false;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0)
		child(argv, out[1], err[1]);
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;

	while (out[0] >= 0 || err[0] >= 0 || !reaped) {
		struct pollfd pf[2] = {{.fd = out[0], .events = POLLIN},
				       {.fd = err[0], .events = POLLIN}};
		char buf[65536];
		pid_t w;

		watchdog_pet(wd_fd);
		if (!killed && now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = res->timed_out = true;
		}
		/* The pipes may stay open in a grandchild after a kill: stop
		 * reading once our child is gone and has been killed. */
		if (reaped && killed)
			break;
		poll(pf, 2, reaped ? 50 : 250);
		if (out[0] >= 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(out[0], buf, sizeof(buf));

			if (n > 0 && res->out_len + (size_t)n <= RUN_MAX_STDOUT) {
				if (res->out_len + (size_t)n + 1 > cap) {
					size_t ncap = (res->out_len + (size_t)n + 1) * 2;
					char *p = realloc(res->out, ncap);

					if (!p) {
						ret = -ENOMEM;
						kill(-pid, SIGKILL);
						killed = true;
						continue;
					}
					res->out = p;
					cap = ncap;
				}
				memcpy(res->out + res->out_len, buf, (size_t)n);
				res->out_len += (size_t)n;
				res->out[res->out_len] = '\0';
			} else if (n > 0) {
				res->truncated = true;
			} else if (n == 0 || errno != EINTR) {
				close(out[0]);
				out[0] = -1;
			}
		}
		if (err[0] >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(err[0], buf, sizeof(buf));

			if (n <= 0 && (n == 0 || errno != EINTR)) {
				close(err[0]);
				err[0] = -1;
				if (linelen) {
					log(linebuf, linelen);
					keep_last(res, linebuf, linelen);
				}
			}
			for (ssize_t i = 0; i < n; i++) {
				if (buf[i] != '\n' && linelen < sizeof(linebuf) - 1) {
					linebuf[linelen++] = buf[i];
					continue;
				}
				if (buf[i] != '\n')
					continue; /* an over-long line is cut */
				log(linebuf, linelen);
				keep_last(res, linebuf, linelen);
				linelen = 0;
			}
		}
		/* Reap our child and any orphan that ended up with PID 1. */
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			if (w == pid) {
				reaped = true;
				res->status = status;
			}
		}
		if (w < 0 && errno == ECHILD && !reaped) {
			ret = -ECHILD;
			break;
		}
	}
	if (!res->out) {
		res->out = calloc(1, 1);
		if (!res->out && !ret)
			ret = -ENOMEM;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	if (ret) {
		free(res->out);
		res->out = NULL;
	}
	return ret;
}

int run_exit_code(const struct run_result *res, char *msg, size_t size)
{
	if (res->timed_out) {
		snprintf(msg, size, "timed out (morph.timeout) and was killed");
		return 1;
	}
	if (WIFSIGNALED(res->status)) {
		snprintf(msg, size, "crashed with signal %d (%s)", WTERMSIG(res->status),
			 strsignal(WTERMSIG(res->status)));
		return 1;
	}
	snprintf(msg, size, "%s", res->last_err);
	return WIFEXITED(res->status) ? WEXITSTATUS(res->status) : 1;
}
