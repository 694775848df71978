/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/host.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int host_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf;
	size_t o = 0, cap;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	/* st_size is a hint: /proc files say 0. Read to the end, in a buffer
	 * never more than one byte over max (to see a file pass it) plus the
	 * NUL. */
	cap = (size_t)st.st_size + 2;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (cap - o < 2) {
			size_t ncap = cap <= (max + 2) / 2 ? cap * 2 : max + 2;
			char *nb = cap < max + 2 ? realloc(buf, ncap) : NULL;

			if (!nb) {
				r = cap < max + 2 ? -ENOMEM : -EFBIG;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + o, cap - 1 - o);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the end, or an error: what is there */
		o += (size_t)n;
		if (o > max) {
			r = -EFBIG;
			break;
		}
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[o] = '\0';
	*ret = buf;
	*ret_len = o;
	return 0;
}

/* mkdir -p for the parents of path. */
static int host_mkparents(char *path)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int e = -errno;

			*s = '/';
			return e;
		}
		*s = '/';
	}
	return 0;
}

int host_write_file(const char *path, const void *data, size_t len)
{
	char p[8192];
	int fd, r;

	if ((size_t)snprintf(p, sizeof(p), "%s", path) >= sizeof(p))
		return -ENAMETOOLONG;
	r = host_mkparents(p);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	for (size_t o = 0; o < len;) {
		ssize_t n = write(fd, (const char *)data + o, len - o);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		o += (size_t)n;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int host_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

void host_remove_tree(const char *path)
{
	nftw(path, host_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int host_wait(pid_t pid, unsigned timeout_ms, int *status)
{
	for (unsigned waited = 0;; waited += 20) {
		pid_t w = waitpid(pid, status, timeout_ms ? WNOHANG : 0);

		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (timeout_ms && waited >= timeout_ms) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0)
				if (errno != EINTR)
					return -errno;
			return 0;
		}
		if (w == 0)
			nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
}
