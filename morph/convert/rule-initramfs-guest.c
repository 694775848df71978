/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --initramfs guest: the guest's own tool (dracut, mkinitramfs) builds the
 * new initramfs, the way virt-v2v does it, instead of morph's native
 * injection. It still plans, so dry runs, the journal and undo work as for
 * every other change:
 *
 *  - a child process gets a private mount namespace (its mounts vanish with
 *    it, whatever happens) in which the guest root is bound read-only, the
 *    host's /proc, /sys and /dev are bound in, a host scratch directory is
 *    bound over the guest's /tmp, and the planned content of every /etc file
 *    the earlier rules edit (initramfs-tools modules, dracut.conf, modprobe.d
 *    ...) is bound over the guest's file;
 *  - it chroots and runs the tool, told to write the image into /tmp (the
 *    scratch directory) and to load the virtio drivers;
 *  - the image it wrote is planned as the new content of the kernel's
 *    initramfs.
 * The guest is never written. This runs guest binaries as root: the host is
 * only as safe as chroot makes it, so it is meant for the appliance or a
 * disposable conversion host (docs/rules-initramfs.md).
 */
#include "convert/convert.h"
#include "inspect/kernels.h"
#include "util/host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define GUESTTOOL_RULE	    "initramfs"
#define GUESTTOOL_OUT	    "morph-initrd.img"
#define GUESTTOOL_LOG	    "morph-initrd.log"
#define GUESTTOOL_MAX	    ((size_t)256 << 20)
#define GUESTTOOL_TIMEOUT   900 /* seconds; dracut under emulation can take minutes */
#define GUESTTOOL_MAX_ARGS  16
#define GUESTTOOL_MAX_BINDS 64

static const char guesttool_drivers[] = "virtio_pci virtio_blk virtio_scsi virtio_net";

struct guesttool {
	const char *flavour;
	const char *const bins[3]; /* the tool, where each distribution keeps it */
	/* argv for the tool writing /tmp/GUESTTOOL_OUT for kernel ver */
	void (*args)(const char *bin, const char *ver, const char **argv);
};

/* dracut: the configuration as the guest has it (with the planned edits
 * bound in), the drivers named on the command line as well, since the
 * drop-in virtio-persist plans is a new file the bind cannot show. */
static void guesttool_dracut(const char *bin, const char *ver, const char **argv)
{
	const char *a[] = {bin,
			   "--force",
			   "--tmpdir",
			   "/tmp",
			   "--add-drivers",
			   guesttool_drivers,
			   "/tmp/" GUESTTOOL_OUT,
			   ver,
			   NULL};

	memcpy(argv, a, sizeof(a));
}

/* initramfs-tools: mkinitramfs reads /etc/initramfs-tools (its modules file
 * carries the virtio lines virtio-persist plans, bound in). update-initramfs
 * would also write its state under /var/lib; mkinitramfs -o writes only the
 * image. */
static void guesttool_itools(const char *bin, const char *ver, const char **argv)
{
	const char *a[] = {bin, "-o", "/tmp/" GUESTTOOL_OUT, ver, NULL};

	memcpy(argv, a, sizeof(a));
}

static const struct guesttool guesttools[] = {
	{"dracut", {"/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut"}, guesttool_dracut},
	{"initramfs-tools", {"/usr/sbin/mkinitramfs", "/sbin/mkinitramfs", NULL}, guesttool_itools},
};

/* A directory or file inside root, resolved as if root were "/" (guest
 * symlinks cannot lead out): an O_PATH fd, or -errno. */
static int guesttool_open_in(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	while (*path == '/')
		path++;
	fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Bind src over path inside root; the target's type must be dir (or a
 * regular file when !dir). 0 or -errno. */
static int guesttool_bind(int rootfd, const char *src, const char *path, bool dir, bool rec)
{
	char target[64];
	struct stat st;
	int fd = guesttool_open_in(rootfd, path), r = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		r = -ENOTDIR;
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (r == 0 && mount(src, target, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		r = -errno;
	close(fd);
	return r;
}

struct guesttool_run {
	struct convert *c;
	const char *root;   /* the guest root on the host */
	char scratch[4096]; /* host scratch dir, bound at the guest's /tmp */
	const char *argv[GUESTTOOL_MAX_ARGS];
	const char *etc[GUESTTOOL_MAX_BINDS]; /* planned /etc files to bind */
	char etc_src[GUESTTOOL_MAX_BINDS][64];
	size_t netc;
};

/* The child: never returns. Exit 120-126 name the step that failed. */
static void guesttool_child(struct guesttool_run *x, int logfd)
{
	int rootfd;

	if (dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		_exit(126);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("morph: private mount namespace");
		_exit(125);
	}
	if (mount(x->root, x->root, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, x->root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
		perror("morph: read-only view of the guest");
		_exit(124);
	}
	rootfd = open(x->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || guesttool_bind(rootfd, "/proc", "/proc", true, false) < 0 ||
	    guesttool_bind(rootfd, "/sys", "/sys", true, true) < 0 ||
	    guesttool_bind(rootfd, "/dev", "/dev", true, true) < 0 ||
	    guesttool_bind(rootfd, x->scratch, "/tmp", true, false) < 0) {
		fprintf(stderr, "morph: the guest needs /proc, /sys, /dev and /tmp directories\n");
		_exit(123);
	}
	for (size_t i = 0; i < x->netc; i++) {
		char src[4200];

		snprintf(src, sizeof(src), "%s/%s", x->scratch, x->etc_src[i]);
		if (guesttool_bind(rootfd, src, x->etc[i], false, false) < 0) {
			fprintf(stderr, "morph: cannot show the planned %s to the tool\n",
				x->etc[i]);
			_exit(122);
		}
	}
	if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		perror("morph: chroot");
		_exit(121);
	}
	clearenv();
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("TMPDIR", "/tmp", 1);
	setenv("LC_ALL", "C", 1);
	execv(x->argv[0], (char *const *)x->argv);
	perror("morph: exec");
	_exit(120);
}

/* Run the child with a timeout: its exit status (0-255, 128+signal), or
 * -errno. */
static int guesttool_spawn(struct guesttool_run *x, int logfd)
{
	pid_t pid = fork();
	int st, r;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		guesttool_child(x, logfd);
	r = host_wait(pid, GUESTTOOL_TIMEOUT * 1000, &st);
	if (r < 0)
		return r;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The planned /etc edits of existing files, written to the scratch dir for
 * the child to bind. */
static int guesttool_stage_etc(struct guesttool_run *x)
{
	const struct plan *p = x->c->p;

	for (size_t i = 0; i < p->actions.n; i++) {
		const struct action *a = &p->actions.v[i];
		char path[4200];
		int r;

		if (!action_changes(a) || a->before.kind != FK_FILE || a->after.kind != FK_FILE ||
		    strncmp(a->path, "/etc/", 5) != 0)
			continue;
		if (x->netc == GUESTTOOL_MAX_BINDS)
			return -E2BIG;
		snprintf(x->etc_src[x->netc], sizeof(x->etc_src[0]), ".morph-etc-%zu", x->netc);
		snprintf(path, sizeof(path), "%s/%s", x->scratch, x->etc_src[x->netc]);
		r = host_write_file(path, a->after.data, a->after.len);
		if (r < 0)
			return r;
		x->etc[x->netc++] = a->path;
	}
	return 0;
}

/* The last non-empty line of the tool's log, printable, for a note. */
static const char *guesttool_last_line(struct guesttool_run *x)
{
	char path[4200], *buf, *s, *e;
	size_t len;
	const char *out;

	snprintf(path, sizeof(path), "%s/" GUESTTOOL_LOG, x->scratch);
	if (host_read_file(path, 16 << 20, &buf, &len) < 0)
		return "";
	e = buf + len;
	while (e > buf && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		e--;
	*e = '\0';
	s = strrchr(buf, '\n');
	s = s ? s + 1 : buf;
	if (strlen(s) > 300)
		s[300] = '\0';
	for (char *q = s; *q; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
			*q = '?';
	out = arena_strdup(x->c->p->arena, s);
	free(buf);
	return out ? out : "";
}

static const struct guesttool *guesttool_find(struct convert *c, const char **bin)
{
	const char *fl = c->g->initramfs_flavour;

	for (size_t i = 0; fl && i < sizeof(guesttools) / sizeof(guesttools[0]); i++) {
		if (strcmp(fl, guesttools[i].flavour) != 0)
			continue;
		for (size_t b = 0; b < 3 && guesttools[i].bins[b]; b++) {
			struct gfs_stat st;

			if (gtree_stat(c->t, guesttools[i].bins[b], &st) == 0 &&
			    st.type == GFS_REG) {
				*bin = guesttools[i].bins[b];
				return &guesttools[i];
			}
		}
	}
	return NULL;
}

static int guesttool_plan(struct guesttool_run *x, const struct guest_kernel *k, const char *bin,
			  const struct guesttool *tool)
{
	char path[4200], *img = NULL;
	size_t len;
	int logfd, st, r;

	tool->args(bin, k->version, x->argv);
	r = guesttool_stage_etc(x);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/" GUESTTOOL_LOG, x->scratch);
	logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (logfd < 0)
		return -errno;
	st = guesttool_spawn(x, logfd);
	close(logfd);
	if (st < 0)
		return st;
	if (st != 0)
		return plan_note(x->c->p, GUESTTOOL_RULE,
				 "the guest's %s failed (exit %d: %s); initramfs %s not changed",
				 bin, st, guesttool_last_line(x), k->initramfs);
	snprintf(path, sizeof(path), "%s/" GUESTTOOL_OUT, x->scratch);
	r = host_read_file(path, GUESTTOOL_MAX, &img, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || len == 0) {
		free(img);
		return plan_note(x->c->p, GUESTTOOL_RULE,
				 "the guest's %s wrote no image (%s); initramfs %s not changed",
				 bin, r < 0 ? strerror(-r) : "empty", k->initramfs);
	}
	return plan_write_take(
		x->c->p, k->initramfs, img, len, 0, GUESTTOOL_RULE,
		arena_printf(x->c->p->arena,
			     "rebuilt by the guest's own %s (--initramfs guest) with "
			     "%s, which the image needs to find its root disk on KVM",
			     bin, guesttool_drivers));
}

int initramfs_guest_plan(struct convert *c, const struct guest_kernel *k)
{
	struct guesttool_run x = {.c = c, .root = c->o->guest_root};
	const struct guesttool *tool;
	const char *bin = NULL, *tmp = getenv("TMPDIR");
	int r;

	if (!x.root)
		return plan_note(c->p, GUESTTOOL_RULE,
				 "--initramfs guest needs the guest as a mounted directory; "
				 "initramfs %s not changed",
				 k->initramfs);
	tool = guesttool_find(c, &bin);
	if (!tool)
		return plan_note(c->p, GUESTTOOL_RULE,
				 "--initramfs guest: no dracut or mkinitramfs in the guest "
				 "(initramfs tool: %s); initramfs %s not changed",
				 c->g->initramfs_flavour ? c->g->initramfs_flavour : "unknown",
				 k->initramfs);
	if (strchr(k->version, '/'))
		return -EUCLEAN;
	snprintf(x.scratch, sizeof(x.scratch), "%s/morph-guesttool-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 3000 ? tmp : "/tmp");
	if (!mkdtemp(x.scratch))
		return -errno;
	r = guesttool_plan(&x, k, bin, tool);
	host_remove_tree(x.scratch);
	return r;
}
