/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The appliance's PID 1 (docs/appliance.md). Split by concern:
 *   init.c          setup, the run over the disks, power-off
 *   init-cmdline.c  morph.* options from /proc/cmdline
 *   init-json.c     a small bounded JSON reader for morph's own reports
 *   init-disks.c    waiting for disks, the boot medium, the VM's NICs
 *   init-run.c      running a child with a deadline while petting the watchdog
 *   init-mount.c    the guest's fstab mounts under /guest (kernel-read guests)
 *   init-result.c   the MORPH-RESULT line and the results files
 * Everything but init.c builds on the host too, for init-test.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INIT_MAX_NICS	   16
#define INIT_MAX_DISKS	   32
#define INIT_MAX_WARNINGS  16
#define INIT_DEFAULT_TIMEO 600

/* ---- kernel command line (init-cmdline.c) ---- */

enum init_mode { MODE_CONVERT, MODE_INSPECT, MODE_DRY_RUN };

/* Test hooks for the hang guard (morph.hang=, docs/appliance.md). */
enum init_hang {
	HANG_NONE,
	HANG_CHILD,    /* run a child that never ends: the deadline must kill it */
	HANG_INIT,     /* PID 1 stops after arming: the alarm must power off */
	HANG_WATCHDOG, /* PID 1 stops with SIGALRM blocked: only the watchdog ends it */
};

struct init_opts {
	enum init_mode mode;
	const char *nics[INIT_MAX_NICS]; /* OLD=MAC, pointers into the parsed copy */
	int n_nics;
	const char *block_driver; /* NULL, "virtio-blk" or "virtio-scsi" */
	bool debug;
	unsigned timeout; /* seconds, 1..86400 */
	enum init_hang hang;
	char *buf; /* the copy of the command line the pointers point into */
	const char *warnings[INIT_MAX_WARNINGS]; /* static strings */
	int n_warnings;
};

/*
 * Parse the morph.* words of a kernel command line into *o (other words are
 * ignored). 0, or -EINVAL with *bad naming the offending word (static
 * buffer). Unknown morph.* words only add a warning. o->buf is allocated:
 * free it with opts_free().
 */
int opts_parse(const char *cmdline, struct init_opts *o, const char **bad);
void opts_free(struct init_opts *o);
const char *opts_mode_name(enum init_mode m);

/* ---- JSON reader (init-json.c) ---- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype type;
	char *key; /* member name inside an object, else NULL */
	char *str; /* J_STR: unescaped, NUL-terminated (NULs inside become U+FFFD) */
	double num;
	bool b;
	struct jv *child, *next;
};

#define JSON_READ_MAX_DEPTH 64
#define JSON_READ_MAX_NODES 200000

/* Parse text[0..len) as one JSON value; *ret is freed with jv_free(). */
int jv_parse(const char *text, size_t len, struct jv **ret);
void jv_free(struct jv *v);
/* Member of an object by name, or NULL (also when v is not an object). */
const struct jv *jv_get(const struct jv *v, const char *key);
/* The string value, or NULL when v is missing or not a string. */
const char *jv_str(const struct jv *v);
/* Number of elements of an array (0 when not an array). */
int jv_len(const struct jv *v);

/* ---- disks and NICs (init-disks.c) ---- */

struct nic {
	char name[32];
	char mac[18];
	char pci[32]; /* PCI address the NIC sits on, "" when none */
};

/* The VM's own NICs in PCI order, from sysfs under root ("/" in the VM). */
int nics_list(const char *root, struct nic *nics, int max, int *ret);

/*
 * Map the guest's old interface names to the VM's NICs: names sorted in
 * natural order (ens192 < ens224, eth2 < eth10: the old PCI order), paired
 * with NICs in PCI order, skipping names whose recorded MAC already matches
 * a VM NIC and NICs that some guest interface already names by MAC.
 * Writes "OLD=MAC" strings (malloc'd) to out; returns the count.
 */
int nics_map(const struct jv *interfaces, const struct nic *nics, int n_nics, char **out, int max);

/* ---- fstab mounts under /guest (init-mount.c) ---- */

/* /dev name of partition partno of disk (vda1, nvme0n1p1, md0p1; the disk
 * itself for 0). */
void part_name(const char *disk, int partno, char *buf, size_t size);

/*
 * A kernel name the guest gave one of its partitions under the old
 * controller (/dev/sda2, hda2, xvda2, vda2), as a partition of disk, the
 * disk the guest's root was found on here: only names with root_letter
 * (the root disk's letter in the guest's fstab) map; the partition number
 * is kept. 0 with dev set, or -ENOENT.
 */
int kernel_name_part(const char *spec, char root_letter, const char *disk, char *dev, size_t size);

/*
 * Mount the filesystems /guest/etc/fstab names (by UUID=, LABEL=, LVM or md
 * path, or by a kernel name on the root's own disk, see kernel_name_part)
 * at their mountpoints under /guest, confined to it; read-only unless rw.
 * disk is where the root was found. Their mountpoints go to mounted[] in
 * mount order; returns the count.
 */
int guest_mount_fstab(const char *disk, bool rw, void (*say)(const char *fmt, ...),
		      char mounted[][128], int max);

/* Replay the journal of an ext filesystem that needs recovery, by mounting
 * it once: 1 replayed, 0 not needed, -errno. */
int ext_replay_journal(const char *dev);

#define SIG_LVM 1
#define SIG_MD	2
/* SIG_LVM | SIG_MD: the signatures some block device carries. */
int volume_signatures(void);

/* ---- the MORPH-RESULT document (init-result.c) ---- */

struct disk_result {
	char dev[64];
	bool skipped;	   /* not a guest disk (no OS found and another disk had one) */
	int exit;	   /* morph's exit code for this disk */
	const char *phase; /* "inspect", "convert", "mount" or NULL */
	char *error;	   /* last error line of morph, malloc'd */
	char *guest;	   /* product name, malloc'd */
	char *distro;	   /* malloc'd */
	char *via;	   /* "device" or the directory morph ran on */
	int changes;	   /* -1 unknown */
	bool applied;
	char *inspect_json;	       /* raw stdout of morph inspect --json, malloc'd */
	char *convert_json;	       /* raw stdout of morph convert --json, malloc'd */
	char *nic_args[INIT_MAX_NICS]; /* OLD=MAC actually passed */
	int n_nic_args;
};

struct result {
	const char *version;
	const char *mode;
	const char *boot; /* "helper-disk" or "direct" */
	int exit;	  /* overall */
	char *error;	  /* appliance-level error, malloc'd, or NULL */
	int64_t elapsed_ms, boot_ms;
	struct disk_result disks[INIT_MAX_DISKS];
	int n_disks;
	struct nic nics[INIT_MAX_NICS];
	int n_nics;
	const char *warnings[INIT_MAX_WARNINGS * 2];
	int n_warnings;
};

/* The one-line summary object (no newline); malloc'd, caller frees. */
char *result_line(const struct result *r);
/* The full document: the summary plus every raw morph report. 0 or -errno. */
int result_write_full(const struct result *r, int fd);
void result_free(struct result *r);
void result_warn(struct result *r, const char *static_msg);
