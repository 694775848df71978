/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PID 1 of the morph appliance (docs/appliance.md): mount the basics, read
 * morph.* options, arm the hang guard, wait for disks, leave the boot
 * medium alone, activate md and LVM, run morph on every guest disk, print
 * one MORPH-RESULT line, write the results partition, and always power off.
 *
 * PID 1 must never exit (the kernel would panic; that still ends the VM
 * through panic= and -no-reboot, but without a result). Every path ends in
 * finish(), which prints the result once and calls poweroff().
 */
#include "init.h"
#include "init-run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#ifndef MORPH_VERSION
#define MORPH_VERSION "unknown"
#endif

#define MORPH	      "/sbin/morph"
#define RESULTS_LABEL "MORPHRES"
#define WATCHDOG_SECS 30 /* PID 1 pets every <= 1 s; 30 s of silence means PID 1 is stuck */
#define ALARM_GRACE   20 /* seconds after morph.timeout before the hard stop */
#define DISK_WAIT_MS  10000
#define LOG_MAX	      (4u << 20)

static int console = -1, serial = -1, wd_fd = -1;
static struct init_opts opts;
static struct result res;
static int64_t t0;
static FILE *logfp;
static char *logbuf;
static size_t loglen;
static volatile sig_atomic_t result_printed;
static char boot_disk[32], results_part[64];

/* ---- output ---- */

static void out_all(int fd, const char *s, size_t n)
{
	while (fd >= 0 && n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* To the console and to morph.log. */
static void say_raw(const char *line, size_t n)
{
	char buf[1200];
	int len = snprintf(buf, sizeof(buf), "%.*s\n", (int)(n < 1100 ? n : 1100), line);

	out_all(console, buf, (size_t)len);
	if (logfp && loglen < LOG_MAX)
		fwrite(buf, 1, (size_t)len, logfp);
}

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "morph-init: ");
	va_list ap;

	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	say_raw(buf, (size_t)n);
}

static void child_log(const char *line, size_t n)
{
	say_raw(line, n);
}

/* ---- power-off: the only way out ---- */

__attribute__((noreturn)) static void poweroff(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* No ACPI power-off: halting leaves the watchdog to reset the VM,
	 * which QEMU -no-reboot and libvirt's watchdog action turn into an exit. */
	reboot(RB_HALT_SYSTEM);
	for (;;)
		pause();
}

/* The hard stop (SIGALRM): async-signal-safe only. */
static void on_alarm(int sig)
{
	static const char line[] =
		"MORPH-RESULT {\"morph_result\":1,\"result\":\"error\",\"exit\":1,"
		"\"error\":\"the appliance did not finish within morph.timeout\"}\n";

	(void)sig;
	if (!result_printed) {
		result_printed = 1;
		if (console >= 0)
			(void)!write(console, line, sizeof(line) - 1);
		if (serial >= 0)
			(void)!write(serial, line, sizeof(line) - 1);
	}
	kill(-1, SIGKILL);
	sync();
	reboot(RB_POWER_OFF);
	reboot(RB_HALT_SYSTEM);
	_exit(1); /* PID 1 exiting panics the kernel: panic= ends the VM */
}

/* ---- setup ---- */

static void mount_basics(void)
{
	static const struct {
		const char *src, *dst, *type;
		unsigned long flags;
		const char *data;
	} mounts[] = {
		{"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
		{"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
		{"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
		{"tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
		{"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"},
	};

	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		mkdir(mounts[i].dst, 0755);
		if (mount(mounts[i].src, mounts[i].dst, mounts[i].type, mounts[i].flags,
			  mounts[i].data) &&
		    errno != EBUSY)
			say("cannot mount %s: %s", mounts[i].dst, strerror(errno));
	}
}

/*
 * The kernel gives PID 1 /dev/console as fds 0-2 only when the initramfs
 * has that node; devtmpfs has it now, so open it ourselves. The result line
 * also goes to ttyS0 when the console is elsewhere (console=tty0 last).
 */
static void setup_console(void)
{
	struct stat a, b;
	unsigned dev = 0;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		console = fd;
	}
	serial = open("/dev/ttyS0", O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (serial >= 0 && console >= 0 && !ioctl(console, TIOCGDEV, &dev) && !fstat(serial, &b) &&
	    b.st_rdev == makedev(major(dev), minor(dev))) {
		close(serial);
		serial = -1;
	} else if (serial >= 0 && console >= 0 && !fstat(console, &a) && !fstat(serial, &b) &&
		   a.st_rdev == b.st_rdev) {
		close(serial);
		serial = -1;
	}
	if (serial >= 0) {
		int fl = fcntl(serial, F_GETFL);

		fcntl(serial, F_SETFL, fl & ~O_NONBLOCK);
	}
}

static int64_t boottime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void arm_guards(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	int secs = WATCHDOG_SECS;

	sigaction(SIGALRM, &sa, NULL);
	alarm(opts.timeout + ALARM_GRACE);
	wd_fd = open("/dev/watchdog", O_WRONLY | O_CLOEXEC);
	if (wd_fd < 0) {
		say("no watchdog device (%s): the PID-1 timer is the only hang guard",
		    strerror(errno));
		return;
	}
	if (ioctl(wd_fd, WDIOC_SETTIMEOUT, &secs))
		say("watchdog: cannot set a %d s timeout: %s", WATCHDOG_SECS, strerror(errno));
	watchdog_pet(wd_fd);
	say("watchdog armed (%d s), morph.timeout=%u s", secs, opts.timeout);
}

/* ---- finish ---- */

static int write_results_partition(const char *line)
{
	int fd, ret = 0;

	mkdir("/run/results", 0700);
	/* The kernel's default code page and iocharset (437, iso8859-1) are
	 * built in; asking for another one fails the mount. */
	if (mount(results_part, "/run/results", "vfat", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "shortname=mixed")) {
		ret = -errno;
		say("cannot mount the results partition %s: %s", results_part, strerror(errno));
		return ret;
	}
	fd = open("/run/results/morph-result.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || result_write_full(&res, fd) || fsync(fd)) {
		ret = -EIO;
		say("cannot write morph-result.json: %s", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	if (!ret)
		say("results written to %s (morph-result.json, morph.log)", results_part);
	if (logfp)
		fflush(logfp);
	fd = open("/run/results/morph.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		out_all(fd, logbuf, loglen);
		out_all(fd, "MORPH-RESULT ", 13);
		out_all(fd, line, strlen(line));
		out_all(fd, "\n", 1);
		if (fsync(fd))
			ret = -EIO;
		close(fd);
	} else {
		ret = -errno;
	}
	if (umount("/run/results"))
		ret = -errno;
	return ret;
}

__attribute__((noreturn)) static void finish(void)
{
	char *line;

	res.elapsed_ms = now_ms() - t0;
	if (res.exit && !res.error) {
		for (int i = 0; i < res.n_disks; i++)
			if (res.disks[i].exit == res.exit && res.disks[i].error) {
				res.error = strdup(res.disks[i].error);
				break;
			}
	}
	line = result_line(&res);
	/* Writing the partition first lets morph.log end with the line; the
	 * console line comes after, so a host reading the console knows the
	 * results are on disk when it sees it. */
	if (line && *results_part && write_results_partition(line))
		result_warn(&res, "could not write the results partition");
	if (line && *results_part && res.n_warnings) {
		free(line);
		line = result_line(&res);
	}
	if (!result_printed) {
		sigset_t s;

		/* The alarm handler must not print a second line. */
		sigemptyset(&s);
		sigaddset(&s, SIGALRM);
		sigprocmask(SIG_BLOCK, &s, NULL);
		result_printed = 1;
		if (line) {
			size_t n = strlen(line) + 14;
			char *buf = malloc(n + 1);

			if (buf) {
				snprintf(buf, n + 1, "MORPH-RESULT %s\n", line);
				out_all(console, buf, n);
				out_all(serial, buf, n);
				free(buf);
			}
		} else {
			static const char oom[] =
				"MORPH-RESULT {\"morph_result\":1,\"result\":"
				"\"error\",\"exit\":1,\"error\":\"out of memory\"}\n";
			out_all(console, oom, sizeof(oom) - 1);
			out_all(serial, oom, sizeof(oom) - 1);
		}
	}
	free(line);
	say("powering off");
	poweroff();
}

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say("error: %s", buf);
	res.exit = 1;
	free(res.error);
	res.error = strdup(buf);
	finish();
}

/* ---- disks ---- */

static bool is_guest_candidate(const char *name)
{
	static const char *const skip[] = {"ram", "loop", "sr", "fd", "zram", "nbd", NULL};

	for (int i = 0; skip[i]; i++)
		if (!strncmp(name, skip[i], strlen(skip[i])))
			return false;
	return name[0] != '.';
}

/* Name order, numbers compared as numbers (nvme0n2 < nvme0n10). */
static int name_cmp(const void *a, const void *b)
{
	return strverscmp(a, b);
}

static int disk_list(char names[][32], int max)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[PATH_MAX], buf[32] = "";
		FILE *f;

		if (!is_guest_candidate(e->d_name) || strlen(e->d_name) >= 32)
			continue;
		/* A disk of size 0 is an empty drive (or a dead md/dm device). */
		snprintf(path, sizeof(path), "/sys/block/%s/size", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f) || atoll(buf) == 0) {
			fclose(f);
			continue;
		}
		fclose(f);
		memcpy(names[n++], e->d_name, strlen(e->d_name) + 1); /* < 32, checked above */
	}
	closedir(d);
	qsort(names, (size_t)n, 32, name_cmp);
	return n;
}

/* A storage controller that may still be finding its disks: any PCI mass
 * storage device (class 0x01) but IDE (0x0101, every QEMU pc has one) and
 * AHCI SATA (0x0106, every q35 has one). libata probes their ports from
 * async work the kernel finishes before it starts PID 1, so their disks are
 * all there already; SCSI hosts and NVMe scan on after. */
static bool storage_controller_present(char *which, size_t size)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char path[PATH_MAX], buf[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && !strncmp(buf, "0x01", 4) &&
		    strncmp(buf, "0x0101", 6) && strncmp(buf, "0x0106", 6)) {
			found = true;
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(which, size, "%.40s (class %.10s)", e->d_name, buf);
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

/*
 * Disks found by built-in drivers are there before PID 1 starts (the kernel
 * waits for async probes before running init), but NVMe and some SCSI hosts
 * scan from work queues. Poll with a growing delay until two polls agree and
 * either a disk is there or no storage controller could still bring one.
 */
static int wait_for_disks(char names[][32], int max)
{
	int64_t start = now_ms(), delay = 50;
	char prev[INIT_MAX_DISKS][32], said[128] = "";
	int n = disk_list(names, max), n_prev = -1;

	for (;;) {
		char why[128] = "";
		bool same = n == n_prev && !memcmp(prev, names, (size_t)n * 32);

		if (same && (n > 0 || !storage_controller_present(why, sizeof(why))))
			return n;
		if (now_ms() - start >= DISK_WAIT_MS) {
			say("gave up waiting for disks after %d ms", DISK_WAIT_MS);
			return n;
		}
		/* Say why we wait, once per reason. */
		if (n == 0 && *why && strcmp(why, said)) {
			say("no disks yet, waiting for the storage controller %s", why);
			snprintf(said, sizeof(said), "%s", why);
		} else if (n_prev >= 0 && !same) {
			say("disk list changed (%d disks), waiting for it to settle", n);
		}
		memcpy(prev, names, (size_t)n * 32);
		n_prev = n;
		watchdog_pet(wd_fd);
		usleep((useconds_t)delay * 1000);
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
		n = disk_list(names, max);
	}
}

/* The FAT volume label of a partition (boot sector offset 43 for FAT12/16,
 * 71 for FAT32, 11 bytes), checked against RESULTS_LABEL. */
static bool fat_label_is_results(const char *dev)
{
	unsigned char bs[512];
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	bool yes = false;

	if (fd < 0)
		return false;
	if (pread(fd, bs, sizeof(bs), 0) == (ssize_t)sizeof(bs) && bs[510] == 0x55 &&
	    bs[511] == 0xaa) {
		yes = !memcmp(bs + 43, RESULTS_LABEL "   ", 11) ||
		      !memcmp(bs + 71, RESULTS_LABEL "   ", 11);
	}
	close(fd);
	return yes;
}

/*
 * Is this disk our helper disk? It carries a partition named MORPHRES (GPT
 * name, from the kernel's uevent) or a FAT partition labelled MORPHRES.
 * Sets results_part to that partition.
 */
static bool is_boot_medium(const char *disk)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool yes = false;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/block/%s", disk);
	d = opendir(path);
	if (!d)
		return false;
	while (!yes && (e = readdir(d))) {
		char line[256], dev[64];
		FILE *f;

		if (strncmp(e->d_name, disk, strlen(disk)))
			continue; /* partitions are subdirectories named after the disk */
		snprintf(path, sizeof(path), "/sys/block/%s/%s/uevent", disk, e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (!strcmp(line, "PARTNAME=" RESULTS_LABEL "\n"))
				yes = true;
		fclose(f);
		snprintf(dev, sizeof(dev), "/dev/%.40s", e->d_name);
		if (!yes)
			yes = fat_label_is_results(dev);
		if (yes)
			snprintf(results_part, sizeof(results_part), "%s", dev);
	}
	closedir(d);
	return yes;
}

static bool exists(const char *path)
{
	return access(path, X_OK) == 0;
}

/* Run a helper tool (mdadm, lvm) with a 60 s cap inside the overall deadline. */
static int run_tool(const char *const argv[], int64_t deadline)
{
	struct run_result rr;
	char msg[512];
	int64_t cap = now_ms() + 60000;
	int r;

	say("running %s %s", argv[0], argv[1]);
	r = run_child(argv, cap < deadline ? cap : deadline, wd_fd, child_log, &rr);
	if (r)
		return r;
	r = run_exit_code(&rr, msg, sizeof(msg));
	free(rr.out);
	return r;
}

static void activate_md_lvm(int64_t deadline)
{
	const char *const md[] = {"/sbin/mdadm", "--assemble", "--scan", NULL};
	const char *const lvm[] = {"/sbin/lvm", "vgchange", "-ay", "--sysinit", NULL};
	const char *const lvm_nodes[] = {"/sbin/lvm", "vgscan", "--mknodes", NULL};

	int sig = volume_signatures();

	if (exists(md[0]) && (sig & SIG_MD))
		run_tool(md, deadline); /* exit 1 just means "no arrays" */
	else if (sig & SIG_MD)
		result_warn(&res, "md RAID members found, but mdadm is not in the initramfs");
	if (exists(lvm[0]) && (sig & SIG_LVM)) {
		run_tool(lvm, deadline);
		run_tool(lvm_nodes, deadline); /* /dev/VG/LV without udev */
	} else if (sig & SIG_LVM) {
		result_warn(&res, "LVM physical volumes found, but lvm is not in the initramfs");
	}
}

/* ---- running morph ---- */

/* The guest's identity from an inspect report. */
static void note_guest(struct disk_result *d, const struct jv *report)
{
	const struct jv *os = jv_get(report, "os");
	const char *name = jv_str(jv_get(os, "product_name")), *distro;

	distro = jv_str(jv_get(os, "distro"));
	if (!name)
		name = distro;
	free(d->guest);
	free(d->distro);
	d->guest = name ? strdup(name) : NULL;
	d->distro = distro ? strdup(distro) : NULL;
}

/* Run morph; *out gets its stdout. Returns morph's exit code. */
static int morph_run(struct disk_result *d, const char **argv, int64_t deadline, char **out)
{
	struct run_result rr;
	char msg[512];
	int code, r;

	*out = NULL;
	r = run_child(opts.hang == HANG_CHILD ? NULL : argv, deadline, wd_fd, child_log, &rr);
	if (r) {
		say("cannot run morph: %s", strerror(-r));
		free(d->error);
		d->error = strdup("cannot run /sbin/morph");
		return 1;
	}
	code = run_exit_code(&rr, msg, sizeof(msg));
	free(d->error);
	d->error = NULL;
	/* Only the last run's failure is the disk's: a first inspect that
	 * found no ext root is moot once the /guest path succeeds. */
	if (code || rr.timed_out || !WIFEXITED(rr.status))
		d->error = *msg ? strdup(msg) : NULL;
	if (rr.timed_out) {
		res.exit = 1;
		free(res.error);
		res.error = strdup("morph timed out (morph.timeout) and was killed");
	}
	*out = rr.out;
	return code;
}

/* Filesystems the kernel mounts for guests the ext backend cannot read
 * (ext last: morph reads ext itself, so an ext root seen here is one that
 * failed offline, e.g. ext on LVM or md, which morph reads as a device). */
static const char *const kernel_fs[] = {"xfs", "btrfs", "ext4", NULL};

/*
 * Try one device as the guest root: 0 with /guest mounted. The probe mount
 * is read-only without log replay (norecovery, nologreplay, noload), so looking
 * at a disk writes nothing; only a convert remounts the root read-write.
 */
static int try_root(const char *dev, bool rw)
{
	static const char *const probe_opts[] = {"norecovery", "nologreplay", "noload"};
	unsigned long fl = MS_NOSUID | MS_NODEV;
	struct stat st;

	for (int t = 0; kernel_fs[t]; t++) {
		if (mount(dev, "/guest", kernel_fs[t], fl | MS_RDONLY, probe_opts[t]))
			continue;
		/* lstat: /etc/os-release is often a symlink, maybe absolute
		 * (into the guest, not our root): its presence is enough. */
		if (lstat("/guest/etc/fstab", &st) || lstat("/guest/etc/os-release", &st)) {
			umount("/guest");
			return -ENOENT; /* mounted as this type: no other type will fit */
		}
		if (rw && (umount("/guest") || mount(dev, "/guest", kernel_fs[t], fl, NULL))) {
			say("cannot mount %s (%s) read-write: %s", dev, kernel_fs[t],
			    strerror(errno));
			return -EIO;
		}
		say("mounted %s (%s) at /guest%s", dev, kernel_fs[t], rw ? "" : " read-only");
		return 0;
	}
	return -ENOENT;
}

/*
 * The root of a guest morph could not open offline (XFS, btrfs, a root on
 * an LVM LV or md array): try the disk's partitions (from sysfs), then the
 * whole disk, until one holds /etc/fstab and /etc/os-release. The caller
 * then mounts the guest's fstab entries under it (init-mount.c).
 */
static int mount_guest_root(const char *disk, bool rw)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int ret = -ENOENT;

	mkdir("/guest", 0755);
	snprintf(path, sizeof(path), "/sys/block/%s", disk);
	d = opendir(path);
	if (!d)
		return -errno;
	while (ret == -ENOENT && (e = readdir(d))) {
		char dev[64];

		if (strncmp(e->d_name, disk, strlen(disk)))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/%s/partition", disk, e->d_name);
		if (access(path, F_OK))
			continue;
		snprintf(dev, sizeof(dev), "/dev/%.40s", e->d_name);
		ret = try_root(dev, rw);
	}
	closedir(d);
	if (ret == -ENOENT) {
		part_name(disk, 0, path, sizeof(path));
		ret = try_root(path, rw);
	}
	return ret;
}

/* Convert mode: replay the journal of every ext partition that needs it
 * (morph refuses to write those; inspect and dry-run write nothing). */
static void replay_journals(const char *disk)
{
	char path[PATH_MAX], dev[64];
	struct dirent *e;
	int n_parts = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/block/%s", disk);
	d = opendir(path);
	if (!d)
		return;
	for (;;) {
		int r;

		e = readdir(d);
		if (!e && n_parts++ == 0) {
			/* No partition table: the whole disk may be the filesystem. */
			part_name(disk, 0, dev, sizeof(dev));
		} else if (!e) {
			break;
		} else {
			if (strncmp(e->d_name, disk, strlen(disk)))
				continue;
			snprintf(path, sizeof(path), "/sys/block/%s/%s/partition", disk, e->d_name);
			if (access(path, F_OK))
				continue;
			n_parts++;
			snprintf(dev, sizeof(dev), "/dev/%.40s", e->d_name);
		}

		r = ext_replay_journal(dev);
		if (r == 1)
			say("%s: replayed the ext journal (the guest was not shut down cleanly)",
			    dev);
		else if (r < 0)
			say("%s: the ext journal needs recovery, but mounting failed: %s", dev,
			    strerror(-r));
	}
	closedir(d);
}

static void process_disk(const char *disk, int64_t deadline, const char *const *extra)
{
	struct disk_result *d = &res.disks[res.n_disks++];
	char dev[64], *out = NULL;
	const char *argv[64];
	struct jv *inspect = NULL;
	const char *target = dev;
	bool mounted = false;
	char sub[16][128];
	int n = 0, code, n_sub = 0;

	memset(d, 0, sizeof(*d));
	d->changes = -1;
	part_name(disk, 0, dev, sizeof(dev));
	snprintf(d->dev, sizeof(d->dev), "%s", dev);
	d->via = strdup("device");

	if (opts.mode == MODE_CONVERT)
		replay_journals(disk);
	say("inspecting %s", dev);
	argv[0] = MORPH;
	argv[1] = "inspect";
	argv[2] = "--json";
	argv[3] = dev;
	argv[4] = NULL;
	d->phase = "inspect";
	code = morph_run(d, argv, deadline, &out);
	d->inspect_json = out;
	if (out && *out && jv_parse(out, strlen(out), &inspect))
		inspect = NULL;
	if (code == 3 && !mount_guest_root(disk, opts.mode == MODE_CONVERT)) {
		/* Inspect again through the kernel's mount. */
		mounted = true;
		target = "/guest";
		free(d->via);
		d->via = strdup("/guest");
		jv_free(inspect);
		inspect = NULL;
		argv[3] = "/guest";
		n_sub = guest_mount_fstab(disk, opts.mode == MODE_CONVERT, say, sub, 16);
		say("inspecting %s through /guest", dev);
		code = morph_run(d, argv, deadline, &out);
		free(d->inspect_json);
		d->inspect_json = out;
		if (out && *out && jv_parse(out, strlen(out), &inspect))
			inspect = NULL;
	}
	d->exit = code;
	if (inspect)
		note_guest(d, inspect);
	if (code || opts.mode == MODE_INSPECT || !inspect)
		goto out;

	/* Convert. */
	argv[n++] = MORPH;
	argv[n++] = "convert";
	argv[n++] = "--json";
	if (opts.mode == MODE_DRY_RUN)
		argv[n++] = "--dry-run";
	if (opts.block_driver) {
		argv[n++] = "--block-driver";
		argv[n++] = opts.block_driver;
	}
	if (opts.n_nics) {
		for (int i = 0; i < opts.n_nics; i++)
			d->nic_args[d->n_nic_args++] = strdup(opts.nics[i]);
	} else {
		d->n_nic_args = nics_map(jv_get(jv_get(inspect, "network"), "interfaces"), res.nics,
					 res.n_nics, d->nic_args, INIT_MAX_NICS);
	}
	for (int i = 0; i < d->n_nic_args && d->nic_args[i]; i++) {
		argv[n++] = "--nic";
		argv[n++] = d->nic_args[i];
	}
	for (int i = 0; extra && extra[i] && n < 60; i++)
		argv[n++] = extra[i];
	argv[n++] = target;
	argv[n] = NULL;
	say("%s %s%s", opts.mode == MODE_DRY_RUN ? "planning" : "converting", dev,
	    mounted ? " through /guest" : "");
	d->phase = "convert";
	out = NULL;
	code = morph_run(d, argv, deadline, &out);
	d->convert_json = out;
	d->exit = code;
	if (out && *out) {
		struct jv *c = NULL;

		if (!jv_parse(out, strlen(out), &c)) {
			const struct jv *applied = jv_get(c, "applied");

			d->changes = jv_len(jv_get(c, "changes"));
			d->applied = applied && applied->type == J_BOOL && applied->b;
			jv_free(c);
		}
	}
	if (!code)
		d->phase = NULL;
out:
	if (!d->exit && opts.mode == MODE_INSPECT)
		d->phase = NULL;
	jv_free(inspect);
	if (mounted) {
		sync();
		while (n_sub > 0) {
			char path[160];

			snprintf(path, sizeof(path), "/guest%s", sub[--n_sub]);
			if (umount2(path, UMOUNT_NOFOLLOW))
				say("cannot unmount %s: %s", path, strerror(errno));
		}
		if (umount("/guest"))
			say("cannot unmount /guest: %s", strerror(errno));
	}
}

int main(void)
{
	char cmdline[4096] = "", disks[INIT_MAX_DISKS][32];
	const char *bad = NULL;
	int64_t deadline;
	int n, fd, r, n_guests = 0;

	t0 = now_ms();
	res.version = MORPH_VERSION;
	res.boot = "direct";
	res.mode = "convert";
	mount_basics();
	setup_console();
	logfp = open_memstream(&logbuf, &loglen);
	res.boot_ms = boottime_ms();
	umask(022);
	setsid();

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t len = read(fd, cmdline, sizeof(cmdline) - 1);

		cmdline[len > 0 ? len : 0] = '\0';
		close(fd);
	}
	r = opts_parse(cmdline, &opts, &bad);
	if (r == -EINVAL)
		fail("bad kernel command line option: %s", bad);
	if (r)
		fail("cannot parse the kernel command line: %s", strerror(-r));
	res.mode = opts_mode_name(opts.mode);
	for (int i = 0; i < opts.n_warnings; i++)
		result_warn(&res, opts.warnings[i]);
	/* Kernel messages on the console would cut into the result line. */
	if (!opts.debug)
		klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, NULL, 1);
	say("morph appliance %s, mode %s, up %lld ms after boot", MORPH_VERSION, res.mode,
	    (long long)res.boot_ms);

	deadline = t0 + (int64_t)opts.timeout * 1000;
	arm_guards();
	if (opts.hang == HANG_WATCHDOG && wd_fd < 0) {
		/* Stopping with nothing to end the VM would hang the test run. */
		say("morph.hang=watchdog without a watchdog device: ignored");
		result_warn(&res, "morph.hang=watchdog ignored: no watchdog device");
	} else if (opts.hang == HANG_INIT || opts.hang == HANG_WATCHDOG) {
		sigset_t s;

		say("morph.hang=%s: PID 1 stops here on purpose",
		    opts.hang == HANG_INIT ? "init" : "watchdog");
		if (opts.hang == HANG_WATCHDOG) {
			sigemptyset(&s);
			sigaddset(&s, SIGALRM);
			sigprocmask(SIG_BLOCK, &s, NULL);
		}
		for (;;)
			pause();
	}

	n = wait_for_disks(disks, INIT_MAX_DISKS);
	for (int i = 0; i < n; i++) {
		if (!*boot_disk && is_boot_medium(disks[i])) {
			snprintf(boot_disk, sizeof(boot_disk), "%s", disks[i]);
			res.boot = "helper-disk";
			say("boot medium: /dev/%s (results on %s), left alone", boot_disk,
			    results_part);
		}
	}
	if (!exists(MORPH))
		fail("%s is missing from the initramfs", MORPH);
	activate_md_lvm(deadline);
	n = disk_list(disks, INIT_MAX_DISKS); /* md and dm devices may have appeared */

	r = nics_list("", res.nics, INIT_MAX_NICS, &res.n_nics);
	if (r)
		say("cannot list NICs: %s", strerror(-r));
	for (int i = 0; i < res.n_nics; i++)
		say("NIC %s %s at %s", res.nics[i].name, res.nics[i].mac,
		    *res.nics[i].pci ? res.nics[i].pci : "(no PCI address)");

	for (int i = 0; i < n && res.n_disks < INIT_MAX_DISKS; i++) {
		if (!strcmp(disks[i], boot_disk))
			continue;
		if (now_ms() >= deadline)
			break;
		process_disk(disks[i], deadline, NULL);
	}

	/*
	 * The overall status: a disk without a guest (exit 3: a data disk, a
	 * PV or md member) is not an error when some other disk had a guest.
	 */
	for (int i = 0; i < res.n_disks; i++)
		n_guests += res.disks[i].exit != 3;
	if (res.n_disks == 0)
		result_warn(&res, "no guest disk found");
	for (int i = 0; i < res.n_disks; i++) {
		struct disk_result *d = &res.disks[i];

		if (d->exit == 3 && n_guests > 0) {
			d->skipped = true;
			continue;
		}
		if (d->exit && !res.exit)
			res.exit = d->exit;
	}
	if (now_ms() >= deadline && !res.exit) {
		res.exit = 1;
		res.error = strdup("morph.timeout passed before every disk was processed");
	}
	finish();
}
