/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct guest: everything inspection learns about one guest, read-only.
 * All strings and arrays live in g->arena and are freed with guest_free().
 * A NULL string means "not known"; report/ prints it as null.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "disk/disk.h"
#include "fs/gfs.h"
#include "util/arena.h"

/* A filesystem or other volume found on the guest's disks. */
struct guest_volume {
	const char *disk;	/* the DISK argument it was found on */
	int disk_index;		/* position among the DISK arguments */
	struct volume vol;	/* copy of the probe result */
	bool opened;		/* morph can read it here (ext backend) */
	const char *note;	/* why not, when not opened */
	const char *mountpoint; /* where the guest mounts it, if it does */
};

/* One line of the guest's fstab. */
struct guest_mount {
	const char *spec, *mountpoint, *fstype, *options;
	size_t lineno;
	int volume;   /* index into volumes, -1 when unresolved */
	bool mounted; /* attached to the tree for inspection */
};

enum virtio_avail {
	VIRTIO_MISSING = 0,
	VIRTIO_MODULE,
	VIRTIO_BUILTIN,
};

/* The virtio drivers a kernel needs to boot and network on KVM, in the order
 * reports list them. */
enum virtio_driver {
	VD_PCI = 0,
	VD_BLK,
	VD_SCSI,
	VD_NET,
	VD_COUNT,
};
extern const char *const virtio_driver_names[VD_COUNT];

struct guest_kernel {
	const char *version;	 /* "6.1.0-13-amd64" */
	const char *image;	 /* "/boot/vmlinuz-6.1.0-13-amd64" */
	const char *modules_dir; /* "/lib/modules/<ver>" or NULL */
	const char *flavour;	 /* "esx", "amd64", "default", "" = generic */
	const char *initramfs;	 /* image path for this kernel, or NULL */
	enum virtio_avail virtio[VD_COUNT];
	bool virtio_boot; /* pci + blk + scsi available */
};

struct boot_entry {
	const char *id; /* BLS entry id (file name less .conf), or NULL */
	const char *title;
	const char *menu_path; /* GRUB 2: "Submenu>Title" as GRUB_DEFAULT takes it */
	const char *kernel;    /* as written ("/vmlinuz-...", "/boot/vmlinuz-...") */
	const char *initrd;
	const char *cmdline; /* "$kernelopts" already expanded where known */
	const char *root;    /* root= value */
	const char *resume;  /* resume= value */
	const char *file;    /* file the entry is in */
	size_t lineno;
};

struct bootloader {
	const char *type;	   /* "grub2", "grub-legacy", "bls", "systemd-boot" */
	const char *firmware;	   /* "bios", "efi" or NULL */
	const char *config;	   /* main config file */
	const char *sources;	   /* a stub's configfile target, or NULL */
	bool uses_blscfg;	   /* grub2 config that loads BLS entries */
	const char *saved_entry;   /* grubenv, or NULL */
	const char *default_entry; /* GRUB_DEFAULT / default from config */
	VEC(struct boot_entry) entries;
};

/* Settings from /etc/default/grub. */
struct grub_defaults {
	bool present;
	const char *cmdline_linux;
	const char *cmdline_linux_default;
	const char *disable_linux_uuid;
	const char *grub_default;
};

enum ref_class {
	REF_UUID = 0,
	REF_LABEL,
	REF_PARTUUID,
	REF_PARTLABEL,
	REF_BY_UUID, /* /dev/disk/by-uuid/... */
	REF_BY_LABEL,
	REF_BY_PARTUUID,
	REF_LVM, /* /dev/mapper/x, /dev/<vg>/<lv> */
	REF_MD,	 /* /dev/md* */
	REF_SD,	 /* /dev/sdXN */
	REF_HD,
	REF_XVD,
	REF_VD,
	REF_NVME,
	REF_BY_PATH,
	REF_BY_ID,
	REF_OTHER, /* tmpfs, proc, NFS, ... */
	REF_COUNT,
};
extern const char *const ref_class_names[REF_COUNT];

/* A block-device reference somewhere in the guest. */
struct blockref {
	const char *source; /* "fstab", "crypttab", "grub2", "bls", ... */
	const char *file;
	size_t lineno;
	const char *key; /* "root", "resume", mountpoint, crypt name */
	const char *value;
	enum ref_class class;
	bool unstable; /* names a device that changes on KVM */
};

struct net_iface {
	const char *name;  /* configured interface name, or NULL */
	const char *stack; /* "systemd-networkd", "ifcfg", "networkmanager",
			    * "ifupdown", "netplan" */
	const char *file;
	const char *mac;	     /* MAC the config matches or sets (lowercase) */
	const char *driver;	     /* a Driver= match, if any */
	const char *mode;	     /* "dhcp", "static", "manual", "unknown" */
	VEC(const char *) addresses; /* "192.0.2.10/24" */
	const char *gateway;
};

struct net_link { /* a name pin already in the guest (.link, udev rule) */
	const char *file;
	const char *name;
	const char *mac;
	const char *kind; /* "systemd-link", "udev-rule" */
};

struct hv_artifact {
	const char *hypervisor; /* "vmware", "hyperv", "xen" */
	const char *kind;	/* "package", "unit", "unit-enabled", "init-script",
				 * "module-forced", "module-config", "console",
				 * "service" (Windows) */
	const char *name;	/* package, unit, module or console name */
	const char *path;	/* where it was found */
};

struct win_driver {
	const char *name;  /* service key name */
	const char *image; /* ImagePath */
	uint32_t start;	   /* 0 = boot, 1 = system, 2 = auto, 3 = demand, 4 = off */
	uint32_t type;
	const char *group;
};

struct windows_info {
	const char *product_name;
	const char *current_version;
	const char *current_build;
	const char *edition_id;
	const char *installation_type;
	const char *system_root;	     /* "\\Windows" as found */
	int control_set;		     /* current ControlSet number */
	VEC(struct win_driver) boot_drivers; /* start 0 storage drivers */
	VEC(const char *) vmware_services;
	VEC(const char *) vmware_uninstall;    /* DisplayName of uninstall entries */
	VEC(struct win_driver) virtio_drivers; /* viostor, vioscsi, netkvm, ... */
};

struct guest {
	struct arena *arena;
	struct morph_ctx *ctx;

	/* what was inspected */
	VEC(const char *) inputs;
	VEC(struct guest_volume) volumes;
	int root_volume;	    /* -1 for a directory input */
	const char *root_source;    /* input path or "disk.img#2" */
	VEC(const char *) warnings; /* stale journal, unreadable files, ... */

	/* OS */
	const char *os_type; /* "linux", "windows" */
	const char *distro;  /* "photon", "rhel", "debian", ... */
	const char *family;  /* "photon", "rhel", "debian", "suse",
			      * "windows", "linux" */
	const char *product_name;
	const char *version; /* "12", "9.3", "15.5", "10.0" */
	int major, minor;    /* -1 when unknown */
	const char *arch;    /* "x86_64", "aarch64", "i686", ... */
	const char *hostname;
	const char *package_format;  /* "rpm", "deb" */
	const char *package_manager; /* "tdnf", "dnf", "yum", "zypper", "apt" */
	const char *init_system;     /* "systemd", "sysvinit", "upstart" */

	/* Linux */
	VEC(struct guest_mount) mounts;
	VEC(struct guest_kernel) kernels;
	int default_kernel;	       /* index into kernels, -1 unknown */
	const char *initramfs_flavour; /* "dracut", "initramfs-tools",
					* "mkinitrd", NULL */
	VEC(const char *) initramfs_images;
	VEC(struct bootloader) bootloaders;
	struct grub_defaults grub_defaults;
	VEC(struct blockref) blockrefs;
	VEC(const char *) net_stacks;
	VEC(struct net_iface) net_ifaces;
	VEC(struct net_link) net_links;
	VEC(struct hv_artifact) hv_artifacts;
	const char *selinux; /* "enforcing", "permissive", "disabled",
			      * NULL when SELinux is not installed */
	const char *selinux_type;

	/* Windows */
	struct windows_info *windows;
};

int guest_new(struct morph_ctx *ctx, struct guest **ret);
void guest_free(struct guest *g);
/* Record a warning (also logged). */
void guest_warn(struct guest *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a string to a VEC(const char *), copying it; -ENOMEM on failure. */
int guest_strvec_add(struct guest *g, void *vec, const char *s);

/*
 * Inspection steps. Each takes the assembled guest tree and fills its part
 * of g; each returns 0 (also when there is nothing of its kind) or a negative
 * errno for a real error. A guest file that is missing is not an error; one
 * over its size cap is reported as a warning unless the step cannot go on
 * without it.
 */
struct inspect_step {
	const char *name;
	int (*run)(struct guest *g, struct gtree *t);
	bool linux_only;
};

int inspect_os(struct guest *g, struct gtree *t);	   /* os.c */
int inspect_arch(struct guest *g, struct gtree *t);	   /* arch.c */
int inspect_kernels(struct guest *g, struct gtree *t);	   /* kernels.c */
int inspect_initramfs(struct guest *g, struct gtree *t);   /* initramfs.c */
int inspect_bootloaders(struct guest *g, struct gtree *t); /* boot.c */
int inspect_blockrefs(struct guest *g, struct gtree *t);   /* blockref.c */
int inspect_network(struct guest *g, struct gtree *t);	   /* net.c */
int inspect_hypervisor(struct guest *g, struct gtree *t);  /* hypervisor.c */
int inspect_selinux(struct guest *g, struct gtree *t);	   /* selinux.c */
int inspect_windows(struct guest *g, struct gtree *t);	   /* windows.c */

/* Size caps for guest text files. */
#define GUEST_SMALL_FILE (1024 * 1024)	      /* config files */
#define GUEST_LARGE_FILE (64 * 1024 * 1024)   /* package databases, modules.* */
#define GUEST_HIVE_MAX	 (512u * 1024 * 1024) /* registry hives */

/* Classify a block-device reference (fstab spec, root= value). */
enum ref_class blockref_classify(const char *value, bool *unstable);
