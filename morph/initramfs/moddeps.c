/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * moddeps_resolve(): libkmod in a child process (see moddeps.h for why).
 *
 * The child answers one line per module, fields separated by one space:
 *   R <i> M <name> <path>   requested name i is the module at path
 *   R <i> B <name>          requested name i is built in
 *   R <i> A <name>          requested name i does not exist
 *   D <name> <path>         a module the requested ones need
 * Names and paths holding bytes <= 0x20 or 0x7f are never written: the
 * child stops with exit 3 instead, and the parent calls the indexes unusable.
 */
#include "initramfs/moddeps.h"
#include "util/host.h"

#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <sys/wait.h>
#include <unistd.h>

#define MODDEPS_CPU_SECONDS  10
#define MODDEPS_WALL_SECONDS 30
#define MODDEPS_OUT_MAX	     ((size_t)1 << 20)

/* ------------------------------------------------------------------ */
/* The child                                                           */

struct moddeps_walk {
	struct kmod_ctx *kctx;
	FILE *out;
	const char *seen[MODDEPS_MAX];
	struct kmod_module *queue[MODDEPS_MAX];
	size_t n; /* seen and queued */
};

static bool moddeps_clean(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Queue mod unless seen; 0, or the child's exit status on failure. */
static int moddeps_visit(struct moddeps_walk *w, struct kmod_module *mod, bool write_dep)
{
	const char *name = kmod_module_get_name(mod), *path = kmod_module_get_path(mod);

	if (!path)
		return 0; /* built in, or absent: nothing to load */
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->seen[i], name) == 0)
			return 0;
	if (w->n == MODDEPS_MAX)
		return 4;
	if (!moddeps_clean(name) || !moddeps_clean(path))
		return 3;
	w->seen[w->n] = name;
	w->queue[w->n++] = kmod_module_ref(mod);
	if (write_dep)
		fprintf(w->out, "D %s %s\n", name, path);
	return 0;
}

static int moddeps_visit_list(struct moddeps_walk *w, struct kmod_list *list)
{
	struct kmod_list *l;
	int r = 0;

	kmod_list_foreach(l, list)
	{
		r = moddeps_visit(w, kmod_module_get_module(l), true);
		kmod_module_unref(kmod_module_get_module(l));
		if (r)
			break;
	}
	kmod_module_unref_list(list);
	return r;
}

/*
 * libkmod's dependency lookup makes a module object for each dependency
 * from its path, and that stats the file: a module the copied indexes name
 * must exist in dir. The files themselves are not needed (only the
 * indexes are read), so each missing one gets an empty placeholder, made
 * when libkmod reports it, and the walk starts again with a fresh context.
 * dir is morph's own new staging directory, so a validated relative path
 * cannot lead out of it.
 */
static char moddeps_missing[4096];
static bool moddeps_failed;

__attribute__((format(printf, 6, 0))) static void moddeps_log(void *data, int prio,
							      const char *file, int line,
							      const char *fn, const char *format,
							      va_list args)
{
	char msg[4200];
	const char *p;

	if (prio > LOG_ERR)
		return;
	moddeps_failed = true;
	vsnprintf(msg, sizeof(msg), format, args);
	if (!fn || strcmp(fn, "kmod_module_parse_depline") != 0 || !(p = strstr(msg, " path=")))
		return;
	p += 6;
	snprintf(moddeps_missing, sizeof(moddeps_missing), "%.*s",
		 (int)(strstr(p, " error=") ? (size_t)(strstr(p, " error=") - p) : strlen(p)), p);
}

/* An empty file at path, which must be dir/<clean relative path>. */
static int moddeps_placeholder(const char *dir, const char *path)
{
	size_t dl = strlen(dir);
	const char *rel;

	if (strncmp(path, dir, dl) != 0 || path[dl] != '/' || strlen(path + dl + 1) > 512)
		return -1;
	rel = path + dl + 1;
	/* Every component checked before anything is made. */
	for (const char *c = rel;;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return -1;
		if (!c[n])
			break;
		c += n + 1;
	}
	return host_write_file(path, "", 0) < 0 ? -1 : 0;
}

/* One walk with a fresh context, its answer in w->out. 0, or the child's
 * exit status. */
static int moddeps_walk(struct moddeps_walk *w, const char *dir, const char *const *names,
			size_t nnames)
{
	/* No configuration directories: only dir/modules.softdep, which
	 * libkmod reads beside the indexes. */
	static const char *const no_config[] = {"/nonexistent/morph-no-modprobe.d", NULL};
	int r = 0;

	w->kctx = kmod_new(dir, no_config);
	if (!w->kctx)
		return 2;
	kmod_set_log_fn(w->kctx, moddeps_log, NULL);
	for (size_t i = 0; i < nnames && !r; i++) {
		struct kmod_list *list = NULL;
		struct kmod_module *mod;
		const char *path;

		if (kmod_module_new_from_lookup(w->kctx, names[i], &list) < 0)
			return 2;
		if (!list) {
			fprintf(w->out, "R %zu A %s\n", i, names[i]);
			continue;
		}
		mod = kmod_module_get_module(list);
		path = kmod_module_get_path(mod);
		if (!moddeps_clean(kmod_module_get_name(mod)) || (path && !moddeps_clean(path)))
			r = 3;
		else if (path)
			fprintf(w->out, "R %zu M %s %s\n", i, kmod_module_get_name(mod), path);
		else
			fprintf(w->out, "R %zu B %s\n", i, kmod_module_get_name(mod));
		if (!r)
			r = moddeps_visit(w, mod, false);
		kmod_module_unref(mod);
		kmod_module_unref_list(list);
	}
	/* w->queue is the work list and the visited set: each module expands
	 * once, so a dependency cycle ends. */
	for (size_t q = 0; q < w->n && !r; q++) {
		struct kmod_list *pre = NULL, *post = NULL;

		r = moddeps_visit_list(w, kmod_module_get_dependencies(w->queue[q]));
		if (!r && kmod_module_get_softdeps(w->queue[q], &pre, &post) == 0) {
			r = moddeps_visit_list(w, pre);
			if (!r)
				r = moddeps_visit_list(w, post);
		}
	}
	return r;
}

static int moddeps_child(const char *dir, const char *const *names, size_t nnames, int fd)
{
	for (size_t attempt = 0; attempt <= MODDEPS_MAX; attempt++) {
		struct moddeps_walk w = {0};
		char *buf = NULL;
		size_t len = 0;
		int r;

		moddeps_failed = false;
		moddeps_missing[0] = '\0';
		w.out = open_memstream(&buf, &len);
		if (!w.out)
			return 2;
		r = moddeps_walk(&w, dir, names, nnames);
		fclose(w.out);
		/* The child exits right after: the context and module
		 * references are left to the exit. */
		if (!r && !moddeps_failed)
			return write(fd, buf, len) == (ssize_t)len ? 0 : 2;
		free(buf);
		if (r)
			return r;
		if (!moddeps_missing[0] || moddeps_placeholder(dir, moddeps_missing) < 0)
			return 3;
	}
	return 4;
}

/* ------------------------------------------------------------------ */
/* The parent                                                          */

static int moddeps_read_all(int fd, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= MODDEPS_OUT_MAX) {
				free(buf);
				return -EUCLEAN;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

void moddeps_free(struct moddep *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		free(m[i].name);
		free(m[i].rel);
	}
	free(m);
}

/* Parse the child's answer into *ret. */
static int moddeps_parse(const struct morph_ctx *ctx, char *buf, size_t nnames, struct moddep **ret,
			 size_t *ret_n)
{
	struct moddep *m = calloc(MODDEPS_MAX + nnames, sizeof(*m));
	size_t n = 0, roots = 0;
	char *save = NULL;

	if (!m)
		return -ENOMEM;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5], *s2 = NULL;
		size_t nf = 0;
		struct moddep *d;

		for (char *t = strtok_r(line, " ", &s2); t && nf < 5; t = strtok_r(NULL, " ", &s2))
			f[nf++] = t;
		if (n == MODDEPS_MAX + nnames)
			goto bad;
		d = &m[n];
		d->root = -1;
		if (nf == 3 && strcmp(f[0], "D") == 0) {
			d->kind = MODDEP_MODULE;
			d->name = strdup(f[1]);
			d->rel = strdup(f[2]);
		} else if (nf >= 4 && strcmp(f[0], "R") == 0 && strlen(f[2]) == 1) {
			char *end;
			unsigned long i = strtoul(f[1], &end, 10);

			if (*end || i != roots || i >= nnames)
				goto bad;
			d->root = (int)i;
			roots++;
			d->name = strdup(f[3]);
			if (f[2][0] == 'M' && nf == 5) {
				d->kind = MODDEP_MODULE;
				d->rel = strdup(f[4]);
			} else if ((f[2][0] == 'B' || f[2][0] == 'A') && nf == 4) {
				d->kind = f[2][0] == 'B' ? MODDEP_BUILTIN : MODDEP_ABSENT;
			} else {
				goto bad;
			}
		} else {
			goto bad;
		}
		n++;
		if (!d->name || (d->kind == MODDEP_MODULE && !d->rel)) {
			moddeps_free(m, n);
			return -ENOMEM;
		}
	}
	if (roots != nnames)
		goto bad;
	*ret = m;
	*ret_n = n;
	return 0;
bad:
	log_err(ctx, "moddeps: malformed answer from the libkmod child");
	moddeps_free(m, n + 1);
	return -EUCLEAN;
}

int moddeps_resolve(const struct morph_ctx *ctx, const char *dir, const char *const *names,
		    size_t nnames, struct moddep **ret, size_t *ret_n)
{
	int pfd[2], status = 0, r;
	char *buf = NULL;
	size_t len;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		struct rlimit cpu = {MODDEPS_CPU_SECONDS, MODDEPS_CPU_SECONDS};

		close(pfd[0]);
		setrlimit(RLIMIT_CPU, &cpu);
		_exit(moddeps_child(dir, names, nnames, pfd[1]));
	}
	close(pfd[1]);
	r = moddeps_read_all(pfd[0], &buf, &len);
	close(pfd[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	{
		int w = host_wait(pid, MODDEPS_WALL_SECONDS * 1000, &status);

		if (r == 0 && w < 0)
			r = w;
	}
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 4) {
			log_err(ctx, "moddeps: more than %d modules needed", MODDEPS_MAX);
			r = -E2BIG;
		} else {
			log_err(ctx, "moddeps: the module indexes in %s are unusable (%s %d)", dir,
				WIFEXITED(status) ? "libkmod lookup failed, status"
						  : "libkmod lookup killed by signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			r = -EUCLEAN;
		}
	}
	if (r == 0)
		r = moddeps_parse(ctx, buf, nnames, ret, ret_n);
	free(buf);
	return r;
}
