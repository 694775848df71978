/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rule_hypervisor, rule_virtio_persist and rule_selinux over small guest
 * trees built per case: VMware on Debian 12 and Photon 5, Hyper-V on SLES 11
 * and RHEL 9, Xen on CentOS 6. The guest is filled by the real inspection
 * steps (os, kernels, initramfs, hypervisor, selinux); the cases check the
 * planned files byte for byte, the links, the notes, and that applying the
 * plan and planning again changes nothing.
 */
#include "convert/convert.h"
#include "util/test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SCRIPT	  "/usr/local/sbin/morph-remove-hypervisor-tools"
#define UNIT	  "/etc/systemd/system/morph-firstboot-remove-tools.service"
#define UNIT_LINK "/etc/systemd/system/multi-user.target.wants/morph-firstboot-remove-tools.service"

/* ------------------------------------------------------------------ */
/* Guests                                                               */

static void debian12_vmware(void)
{
	test_guest_put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0);
	test_guest_put("etc/debian_version", "12.5\n", 0);
	test_guest_put("usr/lib/systemd/systemd", "", 0);
	test_guest_sh("ln -s usr/lib lib");
	test_guest_put("var/lib/dpkg/status",
		       "Package: base-files\nStatus: install ok installed\n\n"
		       "Package: open-vm-tools\nStatus: install ok installed\n",
		       0);
	test_guest_put("usr/lib/systemd/system/open-vm-tools.service", "[Unit]\n", 0);
	test_guest_put("usr/lib/systemd/system/vgauthd.service", "[Unit]\n", 0);
	/* Enabled, with Debian's Alias=vmtoolsd.service link. */
	test_guest_sh("mkdir -p etc/systemd/system/multi-user.target.wants && "
		      "ln -s /lib/systemd/system/open-vm-tools.service "
		      "etc/systemd/system/multi-user.target.wants/open-vm-tools.service && "
		      "ln -s /lib/systemd/system/open-vm-tools.service "
		      "etc/systemd/system/vmtoolsd.service && "
		      "ln -s /lib/systemd/system/ssh.service "
		      "etc/systemd/system/multi-user.target.wants/ssh.service");
	test_guest_put("etc/initramfs-tools/initramfs.conf", "MODULES=most\n", 0);
	test_guest_put("etc/initramfs-tools/modules",
		       "# List of modules that you want to include in your initramfs.\n"
		       "#\n# Syntax:  module_name [args ...]\nvmw_pvscsi\nloop\n",
		       0);
	test_guest_put("etc/modules", "# /etc/modules\nvmxnet3 debug=1\n\nfuse\n", 0);
	test_guest_sh(
		"mkdir -p etc/modules-load.d && ln -s ../modules etc/modules-load.d/modules.conf");
	test_guest_put("etc/init.d/open-vm-tools", "#!/bin/sh\n", 0);
	test_guest_sh("mkdir -p etc/rc2.d etc/rc0.d && "
		      "ln -s ../init.d/open-vm-tools etc/rc2.d/S01open-vm-tools && "
		      "ln -s ../init.d/open-vm-tools etc/rc0.d/K01open-vm-tools && "
		      "ln -s ../init.d/ssh etc/rc2.d/S01ssh");
}

static void photon5_vmware(void)
{
	test_guest_put("etc/photon-release",
		       "VMware Photon OS 5.0\nPHOTON_BUILD_NUMBER=dde71ec57\n", 0);
	test_guest_put("etc/os-release", "NAME=\"VMware Photon OS\"\nID=photon\nVERSION_ID=5.0\n",
		       0);
	test_guest_put("usr/lib/systemd/systemd", "", 0);
	test_guest_put("usr/lib/sysimage/rpm/rpmdb.sqlite", "SQLite format 3", 0);
	test_guest_put("usr/bin/vmtoolsd", "", 0);
	test_guest_put("usr/lib/systemd/system/vmtoolsd.service", "[Unit]\n", 0);
	test_guest_put("usr/lib/systemd/system/vgauthd.service", "[Unit]\n", 0);
	test_guest_sh("mkdir -p etc/systemd/system/multi-user.target.wants && "
		      "ln -s /usr/lib/systemd/system/vmtoolsd.service "
		      "etc/systemd/system/multi-user.target.wants/vmtoolsd.service");
	/* A local unit file: not masked. */
	test_guest_put("etc/systemd/system/vgauthd.service", "[Unit]\nDescription=local\n", 0);
	test_guest_put("etc/dracut.conf", "# dracut\nhostonly=\"no\"\n", 0);
	test_guest_put("etc/dracut.conf.d/vmware.conf",
		       "# PVSCSI and VMXNET3 for ESXi\nadd_drivers+=\" vmw_pvscsi vmxnet3 \"\n", 0);
	test_guest_put("etc/dracut.conf.d/storage.conf",
		       "add_drivers+=\" nvme vmw_pvscsi ahci \" # storage\n"
		       "force_drivers+=\"nvme vmw_balloon\"\n",
		       0);
}

static void sles11_hyperv(void)
{
	test_guest_put("etc/SuSE-release",
		       "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n",
		       0);
	test_guest_put("etc/inittab", "id:3:initdefault:\n", 0);
	test_guest_put("sbin/mkinitrd", "", 0);
	test_guest_put("var/lib/rpm/Packages", "", 0);
	test_guest_put("usr/sbin/hv_kvp_daemon", "", 0);
	test_guest_put("etc/init.d/hv_kvp_daemon", "#!/bin/sh\n", 0);
	/* SLES 11: the rc dirs are in init.d, /etc/rc.d a link to it. */
	test_guest_sh("mkdir -p etc/init.d/rc3.d etc/init.d/rc5.d && ln -s init.d etc/rc.d && "
		      "ln -s ../hv_kvp_daemon etc/init.d/rc3.d/S05hv_kvp_daemon && "
		      "ln -s ../hv_kvp_daemon etc/init.d/rc5.d/S05hv_kvp_daemon && "
		      "ln -s ../hv_kvp_daemon etc/init.d/rc3.d/K01hv_kvp_daemon");
	test_guest_put("etc/sysconfig/kernel",
		       "## Path: System/Kernel\n## Description:\n"
		       "INITRD_MODULES=\"hv_vmbus hv_storvsc ata_piix\"\n\n"
		       "MODULES_LOADED_ON_BOOT=\"hv_utils\"\n",
		       0);
}

static void centos6_xen(void)
{
	test_guest_put("etc/redhat-release", "CentOS release 6.10 (Final)\n", 0);
	test_guest_put("etc/inittab",
		       "id:3:initdefault:\n"
		       "co:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav\n",
		       0);
	test_guest_put("etc/init/serial-hvc0.conf",
		       "start on runlevel [2345]\nexec /sbin/agetty /dev/hvc0 38400\n", 0);
	test_guest_put("etc/securetty", "console\nvc/1\nxvc0\nhvc0\ntty1\n", 0);
	test_guest_put("etc/rc.d/rc.local",
		       "#!/bin/sh\n#\n# This script will be executed *after* all the other init "
		       "scripts.\n\n"
		       "touch /var/lock/subsys/local\n",
		       0755);
	test_guest_sh("ln -s rc.d/rc.local etc/rc.local");
	test_guest_put("var/lib/rpm/Packages", "", 0);
	test_guest_put("usr/sbin/xe-daemon", "", 0);
	test_guest_put("usr/sbin/xe-linux-distribution", "", 0);
	test_guest_put("etc/rc.d/init.d/xe-linux-distribution", "#!/bin/sh\n", 0);
	test_guest_sh(
		"ln -s rc.d/init.d etc/init.d && mkdir -p etc/rc.d/rc3.d etc/rc.d/rc5.d && "
		"ln -s ../init.d/xe-linux-distribution etc/rc.d/rc3.d/S14xe-linux-distribution && "
		"ln -s ../init.d/xe-linux-distribution etc/rc.d/rc5.d/S14xe-linux-distribution && "
		"ln -s rc.d/rc3.d etc/rc3.d");
	test_guest_put("etc/dracut.conf", "# dracut\n", 0);
	test_guest_put("etc/modprobe.d/xen.conf", "alias scsi_hostadapter xen-blkfront\n", 0);
}

static void rhel9_hyperv(const char *selinux)
{
	char cfg[256];

	test_guest_put("etc/redhat-release", "Red Hat Enterprise Linux release 9.3 (Plow)\n", 0);
	test_guest_put("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.3\"\n", 0);
	test_guest_put("usr/lib/systemd/systemd", "", 0);
	test_guest_put("var/lib/rpm/rpmdb.sqlite", "SQLite format 3", 0);
	test_guest_put("usr/sbin/hypervkvpd", "", 0);
	test_guest_put("usr/lib/systemd/system/hypervkvpd.service", "[Unit]\n", 0);
	test_guest_sh("mkdir -p etc/systemd/system/multi-user.target.wants && "
		      "ln -s /usr/lib/systemd/system/hypervkvpd.service "
		      "etc/systemd/system/multi-user.target.wants/hypervkvpd.service");
	test_guest_put("etc/dracut.conf", "", 0);
	if (selinux) {
		snprintf(cfg, sizeof(cfg), "SELINUX=%s\nSELINUXTYPE=targeted\n", selinux);
		test_guest_put("etc/selinux/config", cfg, 0);
	}
}

/* ------------------------------------------------------------------ */
/* Running the rules                                                    */

struct run {
	struct gtree *t;
	struct guest *g;
	struct plan *p;
	struct convert_opts o;
	int r;
};

/* Inspect the case's guest and plan the three rules in convert's order. */
static void run_plan(struct run *x, bool no_firstboot)
{
	struct gfs *fs;

	memset(x, 0, sizeof(*x));
	x->o.no_firstboot = no_firstboot;
	CHECK_INT(gfs_dir_open(NULL, test_guest_root(), true, &fs), ==, 0);
	CHECK_INT(gtree_new(NULL, fs, &x->t), ==, 0);
	CHECK_INT(guest_new(NULL, &x->g), ==, 0);
	CHECK_INT(inspect_os(x->g, x->t), ==, 0);
	CHECK_INT(inspect_kernels(x->g, x->t), ==, 0);
	CHECK_INT(inspect_initramfs(x->g, x->t), ==, 0);
	CHECK_INT(inspect_hypervisor(x->g, x->t), ==, 0);
	CHECK_INT(inspect_selinux(x->g, x->t), ==, 0);
	CHECK_INT(plan_new(x->t, &x->p), ==, 0);
	{
		struct convert c = {NULL, x->g, x->t, x->p, &x->o, -1};

		x->r = rule_hypervisor(&c);
		if (x->r == 0)
			x->r = rule_virtio_persist(&c);
		if (x->r == 0)
			x->r = rule_selinux(&c);
	}
	if (getenv("MORPH_TEST_VERBOSE"))
		plan_print(stderr, x->p);
	CHECK_INT(x->r, ==, 0);
}

static void run_free(struct run *x)
{
	plan_free(x->p);
	guest_free(x->g);
	gtree_free(x->t);
}

/* The planned action on path that changes something, or NULL. */
static const struct action *action(const struct plan *p, const char *path)
{
	for (size_t i = 0; i < p->actions.n; i++)
		if (strcmp(p->actions.v[i].path, path) == 0 && action_changes(&p->actions.v[i]))
			return &p->actions.v[i];
	return NULL;
}

/* The content path will have: the case fails when no file is planned. */
static const char *after(const struct plan *p, const char *path)
{
	const struct action *a = action(p, path);

	if (!a || a->after.kind != FK_FILE)
		test_fail_("no file planned at %s", path);
	return a->after.data;
}

static void check_symlink(const struct plan *p, const char *path, const char *target)
{
	const struct action *a = action(p, path);

	if (!a || a->after.kind != FK_SYMLINK)
		test_fail_("no symlink planned at %s", path);
	CHECK_STR(a->after.data, target);
}

static void check_removed(const struct plan *p, const char *path)
{
	const struct action *a = action(p, path);

	if (!a || a->after.kind != FK_ABSENT)
		test_fail_("no removal planned at %s", path);
	CHECK(a->reasons.n > 0);
}

static void check_untouched(const struct plan *p, const char *path)
{
	if (action(p, path))
		test_fail_("%s is changed but should not be", path);
}

static bool has_note(const struct plan *p, const char *part)
{
	for (size_t i = 0; i < p->notes.n; i++)
		if (strstr(p->notes.v[i].text, part))
			return true;
	return false;
}

static bool has_reason(const struct plan *p, const char *path, const char *part)
{
	const struct action *a = action(p, path);

	for (size_t i = 0; a && i < a->reasons.n; i++)
		if (strstr(a->reasons.v[i], part))
			return true;
	return false;
}

#define CHECK_HAS(hay, needle)                                                                     \
	do {                                                                                       \
		const char *h_ = (hay);                                                            \
		if (!h_ || !strstr(h_, (needle)))                                                  \
			test_fail_("%s does not contain \"%s\":\n%s", #hay, (needle),              \
				   h_ ? h_ : "(null)");                                            \
	} while (0)

/* The script parses as POSIX sh (dash is /bin/sh here, as on Debian). */
static void check_sh_syntax(const char *script)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/script.sh", test_tmpdir());
	f = fopen(path, "w");
	CHECK(f != NULL);
	CHECK_INT(fputs(script, f), >=, 0);
	CHECK_INT(fclose(f), ==, 0);
	CHECK_INT(test_sh("sh -n '%s'", path), ==, 0);
}

/* Apply the plan, plan again on the changed guest: nothing to do. */
static void check_converges(bool no_firstboot)
{
	struct run x;

	run_plan(&x, no_firstboot);
	CHECK(plan_count(x.p) > 0);
	CHECK_INT(plan_apply(x.p, NULL, "run1"), ==, 0);
	run_free(&x);
	run_plan(&x, no_firstboot);
	if (plan_count(x.p) != 0) {
		plan_print(stderr, x.p);
		test_fail_("second plan has %zu changes", plan_count(x.p));
	}
	run_free(&x);
}

/* ------------------------------------------------------------------ */
/* Cases                                                                */

TEST(vmware_debian)
{
	struct run x;
	const char *s;

	debian12_vmware();
	run_plan(&x, false);
	CHECK_STR(x.g->package_manager, "apt");
	CHECK_STR(x.g->initramfs_flavour, "initramfs-tools");

	/* Units: enablement removed, all three masked (the alias relinked). */
	check_removed(x.p, "/etc/systemd/system/multi-user.target.wants/open-vm-tools.service");
	check_untouched(x.p, "/etc/systemd/system/multi-user.target.wants/ssh.service");
	check_symlink(x.p, "/etc/systemd/system/open-vm-tools.service", "/dev/null");
	check_symlink(x.p, "/etc/systemd/system/vgauthd.service", "/dev/null");
	check_symlink(x.p, "/etc/systemd/system/vmtoolsd.service", "/dev/null");
	CHECK(has_reason(x.p, "/etc/systemd/system/vgauthd.service",
			 "/usr/lib/systemd/system/vgauthd.service"));

	/* sysvinit start link only. */
	check_removed(x.p, "/etc/rc2.d/S01open-vm-tools");
	check_untouched(x.p, "/etc/rc0.d/K01open-vm-tools");
	check_untouched(x.p, "/etc/rc2.d/S01ssh");
	check_untouched(x.p, "/etc/init.d/open-vm-tools");

	/* Module lists: commented out, then virtio appended once. */
	CHECK_STR(after(x.p, "/etc/initramfs-tools/modules"),
		  "# List of modules that you want to include in your initramfs.\n"
		  "#\n# Syntax:  module_name [args ...]\n"
		  "# morph: vmw_pvscsi  (VMware-only driver, not needed on KVM)\n"
		  "loop\n"
		  "# added by morph: virtio drivers, so the guest boots on KVM\n"
		  "virtio_pci\nvirtio_blk\nvirtio_scsi\nvirtio_net\n");
	CHECK(has_reason(x.p, "/etc/initramfs-tools/modules", "vmw_pvscsi"));
	/* Through modules-load.d/modules.conf -> ../modules: one edit. */
	CHECK_STR(after(x.p, "/etc/modules"),
		  "# /etc/modules\n"
		  "# morph: vmxnet3 debug=1  (VMware-only driver, not needed on KVM)\n"
		  "\nfuse\n");
	check_untouched(x.p, "/etc/modules-load.d/modules.conf");

	CHECK_STR(after(x.p, "/etc/modprobe.d/morph-blacklist-vmware.conf"),
		  "# Written by morph: this guest moved from VMware to KVM, where these\n"
		  "# VMware drivers have no device. Delete this file to undo.\n"
		  "blacklist vmhgfs\nblacklist vmw_balloon\nblacklist vmw_pvscsi\n"
		  "blacklist vmw_vmci\nblacklist vmw_vsock_vmci_transport\n"
		  "blacklist vmwgfx\nblacklist vmxnet3\n");
	check_untouched(x.p, "/etc/modprobe.d/morph-blacklist-hyperv.conf");
	check_untouched(x.p, "/etc/modprobe.d/morph-blacklist-xen.conf");

	/* First boot: unit, its enablement, the script with apt-get. */
	s = after(x.p, UNIT);
	CHECK_HAS(s, "Type=oneshot\n");
	CHECK_HAS(s, "ConditionPathExists=" SCRIPT "\n");
	CHECK_HAS(s, "ExecStart=" SCRIPT "\n");
	CHECK_HAS(s, "After=network-online.target\n");
	CHECK_HAS(s, "WantedBy=multi-user.target\n");
	check_symlink(x.p, UNIT_LINK, UNIT);
	s = after(x.p, SCRIPT);
	CHECK_INT(action(x.p, SCRIPT)->after.mode, ==, 0755);
	CHECK_HAS(s, "#!/bin/sh\n");
	CHECK_HAS(s, "exec >>/var/log/morph-firstboot.log 2>&1");
	CHECK_HAS(s, "DEBIAN_FRONTEND=noninteractive\nexport DEBIAN_FRONTEND\n");
	CHECK_HAS(s, "for pkg in 'open-vm-tools'; do\n");
	CHECK_HAS(s, "if ! dpkg -s \"$pkg\"");
	CHECK_HAS(s, "if apt-get -y purge \"$pkg\"; then");
	CHECK_HAS(s,
		  "for unit in 'open-vm-tools.service' 'vgauthd.service' 'vmtoolsd.service'; do");
	CHECK_HAS(s, "systemctl disable morph-firstboot-remove-tools.service");
	CHECK_HAS(s, "rm -f " UNIT_LINK " " UNIT "\n");
	CHECK_HAS(s, "rm -f " SCRIPT "\n");
	check_sh_syntax(s);
	CHECK(has_reason(x.p, SCRIPT, "open-vm-tools (/var/lib/dpkg/status)"));
	/* No SELinux: no relabel. */
	check_untouched(x.p, "/.autorelabel");
	run_free(&x);
}

TEST(vmware_photon)
{
	struct run x;
	const char *s;

	photon5_vmware();
	run_plan(&x, false);
	CHECK_STR(x.g->package_manager, "tdnf");
	CHECK_STR(x.g->initramfs_flavour, "dracut");

	check_removed(x.p, "/etc/systemd/system/multi-user.target.wants/vmtoolsd.service");
	check_symlink(x.p, "/etc/systemd/system/vmtoolsd.service", "/dev/null");
	/* The local unit file stays, with a note. */
	check_untouched(x.p, "/etc/systemd/system/vgauthd.service");
	CHECK(has_note(x.p,
		       "/etc/systemd/system/vgauthd.service is a local unit file, not masked"));

	/* One quoted list emptied: the line is commented out. */
	CHECK_STR(after(x.p, "/etc/dracut.conf.d/vmware.conf"),
		  "# PVSCSI and VMXNET3 for ESXi\n"
		  "# morph: add_drivers+=\" vmw_pvscsi vmxnet3 \"  (VMware-only drivers, not "
		  "needed on KVM)\n");
	/* Words taken out, quotes, spaces and the comment kept. */
	CHECK_STR(after(x.p, "/etc/dracut.conf.d/storage.conf"),
		  "add_drivers+=\" nvme ahci \" # storage\n"
		  "force_drivers+=\"nvme\"\n");
	CHECK(has_reason(x.p, "/etc/dracut.conf.d/storage.conf", "vmw_pvscsi, vmw_balloon"));
	check_untouched(x.p, "/etc/dracut.conf");

	CHECK_STR(after(x.p, "/etc/dracut.conf.d/90-morph-virtio.conf"),
		  "# Written by morph: every initramfs dracut builds keeps the virtio\n"
		  "# drivers, so the guest boots on KVM after a kernel update.\n"
		  "add_drivers+=\" virtio_pci virtio_blk virtio_scsi virtio_net \"\n");

	s = after(x.p, SCRIPT);
	CHECK_HAS(s, "for pkg in 'open-vm-tools'; do\n");
	CHECK_HAS(s, "if ! rpm -q \"$pkg\"");
	CHECK_HAS(s, "if tdnf -y --disablerepo='*' erase \"$pkg\"; then");
	CHECK(strstr(s, "DEBIAN_FRONTEND") == NULL);
	/* Only the masked unit is unmasked after removal. */
	CHECK_HAS(s, "for unit in 'vgauthd.service' 'vmtoolsd.service'; do");
	check_sh_syntax(s);
	CHECK(has_reason(x.p, SCRIPT, "open-vm-tools (/usr/bin/vmtoolsd)"));
	check_symlink(x.p, UNIT_LINK, UNIT);
	run_free(&x);
}

TEST(hyperv_suse)
{
	struct run x;
	const char *s;

	sles11_hyperv();
	run_plan(&x, false);
	CHECK_STR(x.g->family, "suse");
	CHECK_STR(x.g->package_manager, "zypper");
	CHECK_STR(x.g->init_system, "sysvinit");
	CHECK_STR(x.g->initramfs_flavour, "mkinitrd");

	/* Both rules edit the file: hv_* out, virtio in, inside the quotes;
	 * a list left empty is commented out. */
	CHECK_STR(after(x.p, "/etc/sysconfig/kernel"),
		  "## Path: System/Kernel\n## Description:\n"
		  "INITRD_MODULES=\"ata_piix virtio_pci virtio_blk virtio_scsi virtio_net\"\n\n"
		  "# morph: MODULES_LOADED_ON_BOOT=\"hv_utils\"  (Hyper-V-only driver, not needed "
		  "on KVM)\n");
	CHECK_INT(action(x.p, "/etc/sysconfig/kernel")->rules.n, ==, 2);

	/* Start links in init.d/rcN.d (reached once through /etc/rc.d). */
	check_removed(x.p, "/etc/init.d/rc3.d/S05hv_kvp_daemon");
	check_removed(x.p, "/etc/init.d/rc5.d/S05hv_kvp_daemon");
	check_untouched(x.p, "/etc/init.d/rc3.d/K01hv_kvp_daemon");
	check_untouched(x.p, "/etc/init.d/hv_kvp_daemon");

	/* sysvinit: started from after.local, which the script cleans. */
	check_untouched(x.p, UNIT);
	CHECK_STR(after(x.p, "/etc/init.d/after.local"),
		  "#!/bin/sh\n"
		  "# morph-remove-hypervisor-tools: runs once at the first boot on KVM, then "
		  "deletes these lines\n"
		  "if [ -x " SCRIPT " ]; then " SCRIPT "; fi\n");
	CHECK_INT(action(x.p, "/etc/init.d/after.local")->after.mode, ==, 0755);
	s = after(x.p, SCRIPT);
	CHECK_HAS(s, "for pkg in 'hyper-v'; do\n");
	CHECK_HAS(s, "if zypper -n --no-refresh rm \"$pkg\"; then");
	CHECK_HAS(s, "f='/etc/init.d/after.local'\n");
	CHECK_HAS(s, "sed '/morph-remove-hypervisor-tools/d' \"$f\" >\"$f.morph-tmp\"");
	CHECK(strstr(s, "systemctl") == NULL);
	check_sh_syntax(s);

	CHECK_HAS(after(x.p, "/etc/modprobe.d/morph-blacklist-hyperv.conf"),
		  "blacklist hid_hyperv\nblacklist hv_balloon\nblacklist hv_netvsc\n");
	run_free(&x);
}

TEST(xen_centos6)
{
	struct run x;
	const char *s;

	centos6_xen();
	run_plan(&x, false);
	CHECK_STR(x.g->package_manager, "yum");
	CHECK_STR(x.g->init_system, "upstart");

	CHECK_STR(after(x.p, "/etc/inittab"), "id:3:initdefault:\n"
					      "# morph: co:2345:respawn:/sbin/agetty xvc0 9600 "
					      "vt100-nav  (Xen console xvc0, absent on KVM)\n");
	check_untouched(x.p, "/etc/securetty");
	check_untouched(x.p, "/etc/modprobe.d/xen.conf");
	CHECK(has_note(x.p, "/etc/init/serial-hvc0.conf"));

	check_removed(x.p, "/etc/rc.d/rc3.d/S14xe-linux-distribution");
	check_removed(x.p, "/etc/rc.d/rc5.d/S14xe-linux-distribution");
	check_untouched(x.p, "/etc/rc.d/init.d/xe-linux-distribution");

	/* rc.local (through the /etc/rc.local link): the call appended. */
	CHECK_STR(after(x.p, "/etc/rc.d/rc.local"),
		  "#!/bin/sh\n#\n# This script will be executed *after* all the other init "
		  "scripts.\n\n"
		  "touch /var/lock/subsys/local\n"
		  "# morph-remove-hypervisor-tools: runs once at the first boot on KVM, then "
		  "deletes these lines\n"
		  "if [ -x " SCRIPT " ]; then " SCRIPT "; fi\n");
	check_untouched(x.p, UNIT);
	s = after(x.p, SCRIPT);
	/* Two evidence files, one package. */
	CHECK_HAS(s, "for pkg in 'xe-guest-utilities'; do\n");
	CHECK_HAS(s, "if yum -y --disablerepo='*' remove \"$pkg\"; then");
	CHECK_HAS(s, "f='/etc/rc.d/rc.local'\n");
	check_sh_syntax(s);

	CHECK_HAS(after(x.p, "/etc/modprobe.d/morph-blacklist-xen.conf"),
		  "blacklist xen_blkfront\n");
	CHECK_HAS(after(x.p, "/etc/dracut.conf.d/90-morph-virtio.conf"),
		  "add_drivers+=\" virtio_pci virtio_blk virtio_scsi virtio_net \"\n");
	run_free(&x);
}

TEST(debian_rc_local_exit)
{
	struct run x;

	/* Debian with sysvinit: the call goes before the final exit 0. */
	test_guest_put("etc/os-release", "ID=debian\nVERSION_ID=\"7\"\n", 0);
	test_guest_put("etc/debian_version", "7.11\n", 0);
	test_guest_put("etc/inittab", "id:2:initdefault:\n", 0);
	test_guest_put("var/lib/dpkg/status",
		       "Package: open-vm-tools\nStatus: install ok installed\n", 0);
	test_guest_put("etc/rc.local", "#!/bin/sh -e\n# rc.local\n\nexit 0\n", 0755);
	run_plan(&x, false);
	CHECK_STR(after(x.p, "/etc/rc.local"), "#!/bin/sh -e\n# rc.local\n\n"
					       "# morph-remove-hypervisor-tools: runs once at the "
					       "first boot on KVM, then deletes these lines\n"
					       "if [ -x " SCRIPT " ]; then " SCRIPT "; fi\n"
					       "exit 0\n");
	run_free(&x);
}

TEST(no_firstboot)
{
	struct run x;

	debian12_vmware();
	run_plan(&x, true);
	check_untouched(x.p, SCRIPT);
	check_untouched(x.p, UNIT);
	check_untouched(x.p, UNIT_LINK);
	CHECK(has_note(x.p, "--no-firstboot: the tools packages stay installed (open-vm-tools)"));
	/* The rest still happens. */
	check_symlink(x.p, "/etc/systemd/system/open-vm-tools.service", "/dev/null");
	CHECK(action(x.p, "/etc/modprobe.d/morph-blacklist-vmware.conf") != NULL);
	run_free(&x);
}

TEST(selinux_enforcing_relabels)
{
	struct run x;

	rhel9_hyperv("enforcing");
	run_plan(&x, false);
	CHECK_STR(x.g->selinux, "enforcing");
	CHECK_HAS(after(x.p, SCRIPT), "if dnf -y --disablerepo='*' remove \"$pkg\"; then");
	CHECK_STR(after(x.p, "/.autorelabel"), "");
	CHECK_INT(action(x.p, "/.autorelabel")->before.kind, ==, FK_ABSENT);
	CHECK(has_reason(x.p, "/.autorelabel", "SELinux is enforcing"));
	run_free(&x);
}

TEST(selinux_permissive_relabels_disabled_does_not)
{
	struct run x;

	rhel9_hyperv("permissive");
	run_plan(&x, false);
	CHECK_STR(after(x.p, "/.autorelabel"), "");
	run_free(&x);
	test_guest_put("etc/selinux/config", "SELINUX=disabled\n", 0);
	run_plan(&x, false);
	check_untouched(x.p, "/.autorelabel");
	CHECK(action(x.p, SCRIPT) != NULL);
	run_free(&x);
}

TEST(selinux_edits_only_no_relabel)
{
	struct run x;

	/* Only an existing file edited: it keeps its label. */
	test_guest_put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0);
	test_guest_put("etc/debian_version", "12.5\n", 0);
	test_guest_put("usr/lib/systemd/systemd", "", 0);
	test_guest_put("etc/selinux/config", "SELINUX=enforcing\n", 0);
	test_guest_put("etc/initramfs-tools/initramfs.conf", "", 0);
	test_guest_put("etc/initramfs-tools/modules", "loop\n", 0);
	run_plan(&x, false);
	CHECK_INT(plan_count(x.p), ==, 1);
	check_untouched(x.p, "/.autorelabel");
	run_free(&x);
}

TEST(hostile_and_tarball_packages)
{
	struct run x;
	const char *s;

	test_guest_put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0);
	test_guest_put("etc/debian_version", "12.5\n", 0);
	test_guest_put("usr/lib/systemd/systemd", "", 0);
	test_guest_put("var/lib/dpkg/status",
		       "Package: open-vm-tools\nStatus: install ok installed\n\n"
		       "Package: open-vm-tools-$(touch /pwned)\nStatus: install ok installed\n\n"
		       "Package: open-vm-tools-'x\nStatus: install ok installed\n",
		       0);
	/* VMware's tarball installer, which no package manager knows. */
	test_guest_put("etc/vmware-tools/locations", "answer BINDIR /usr/bin\n", 0);
	test_guest_put("etc/init.d/vmware-tools", "#!/bin/sh\n", 0);
	test_guest_sh(
		"mkdir -p etc/rc3.d && ln -s ../init.d/vmware-tools etc/rc3.d/S03vmware-tools");
	run_plan(&x, false);
	s = after(x.p, SCRIPT);
	CHECK_HAS(s, "for pkg in 'open-vm-tools'; do\n");
	CHECK(strstr(s, "pwned") == NULL);
	CHECK(strstr(s, "'x") == NULL);
	CHECK(strstr(s, "'vmware-tools'") == NULL);
	CHECK(has_note(x.p, "package name in /var/lib/dpkg/status has unexpected characters"));
	CHECK(has_note(x.p, "vmware-uninstall-tools.pl"));
	check_removed(x.p, "/etc/rc3.d/S03vmware-tools");
	check_untouched(x.p, "/etc/init.d/vmware-tools");
	run_free(&x);
}

TEST(tarball_only_plans_no_firstboot)
{
	struct run x;

	test_guest_put("etc/redhat-release", "CentOS release 6.10 (Final)\n", 0);
	test_guest_put("etc/inittab", "id:3:initdefault:\n", 0);
	test_guest_put("usr/bin/vmware-uninstall-tools.pl", "#!/usr/bin/perl\n", 0);
	test_guest_put("etc/rc.d/init.d/vmware-tools", "#!/bin/sh\n", 0);
	test_guest_sh("ln -s rc.d/init.d etc/init.d && mkdir -p etc/rc.d/rc3.d && "
		      "ln -s ../init.d/vmware-tools etc/rc.d/rc3.d/S19vmware-tools");
	run_plan(&x, false);
	check_removed(x.p, "/etc/rc.d/rc3.d/S19vmware-tools");
	check_untouched(x.p, SCRIPT);
	check_untouched(x.p, "/etc/rc.d/rc.local");
	CHECK(action(x.p, "/etc/modprobe.d/morph-blacklist-vmware.conf") != NULL);
	run_free(&x);
}

TEST(virtio_already_named)
{
	struct run x;

	/* dracut: the guest's own file names three, morph adds the fourth. */
	test_guest_put("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.3\"\n", 0);
	test_guest_put("etc/redhat-release", "Red Hat Enterprise Linux release 9.3 (Plow)\n", 0);
	test_guest_put("etc/dracut.conf", "", 0);
	test_guest_put("etc/dracut.conf.d/virtio.conf",
		       "add_drivers+=\" virtio_blk virtio-scsi \"\nforce_drivers+=\"virtio_pci\"\n",
		       0);
	run_plan(&x, false);
	CHECK_HAS(after(x.p, "/etc/dracut.conf.d/90-morph-virtio.conf"),
		  "add_drivers+=\" virtio_net \"\n");
	run_free(&x);
	test_guest_put("etc/dracut.conf.d/net.conf", "add_drivers+=\" virtio_net \"\n", 0);
	run_plan(&x, false);
	CHECK_INT(plan_count(x.p), ==, 0);
	run_free(&x);
}

TEST(virtio_sysconfig_forms)
{
	struct run x;

	test_guest_put("etc/SuSE-release",
		       "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\n", 0);
	test_guest_put("sbin/mkinitrd", "", 0);
	test_guest_put("etc/sysconfig/kernel", "INITRD_MODULES=\"old\"\nINITRD_MODULES=\n# end\n",
		       0);
	run_plan(&x, false);
	/* The last assignment wins in sh: that one gets the words, quoted. */
	CHECK_STR(after(x.p, "/etc/sysconfig/kernel"),
		  "INITRD_MODULES=\"old\"\n"
		  "INITRD_MODULES=\"virtio_pci virtio_blk virtio_scsi virtio_net\"\n# end\n");
	run_free(&x);
	test_guest_put("etc/sysconfig/kernel", "# no setting\n", 0);
	run_plan(&x, false);
	CHECK_STR(after(x.p, "/etc/sysconfig/kernel"),
		  "# no setting\n# added by morph\n"
		  "INITRD_MODULES=\"virtio_pci virtio_blk virtio_scsi virtio_net\"\n");
	run_free(&x);
	test_guest_put("etc/sysconfig/kernel", "INITRD_MODULES='virtio_pci virtio_blk ext4 '\n", 0);
	run_plan(&x, false);
	CHECK_STR(after(x.p, "/etc/sysconfig/kernel"),
		  "INITRD_MODULES='virtio_pci virtio_blk ext4 virtio_scsi virtio_net'\n");
	run_free(&x);
}

TEST(nothing_to_do)
{
	struct run x;

	test_guest_put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0);
	test_guest_put("etc/debian_version", "12.5\n", 0);
	test_guest_put("usr/lib/systemd/systemd", "", 0);
	test_guest_put("etc/initramfs-tools/initramfs.conf", "", 0);
	test_guest_put("etc/initramfs-tools/modules",
		       "virtio_pci\nvirtio-blk\nvirtio_scsi\nvirtio_net\n", 0);
	/* securetty alone (RHEL and Debian list hvc0 by default) is no
	 * evidence of Xen: no blacklist. */
	test_guest_put("etc/securetty", "console\nhvc0\n", 0);
	run_plan(&x, false);
	CHECK_INT(plan_count(x.p), ==, 0);
	run_free(&x);
}

TEST(idempotent_debian)
{
	debian12_vmware();
	check_converges(false);
}

TEST(idempotent_photon)
{
	photon5_vmware();
	check_converges(false);
}

TEST(idempotent_suse)
{
	sles11_hyperv();
	check_converges(false);
}

TEST(idempotent_centos6)
{
	centos6_xen();
	check_converges(false);
}

TEST(idempotent_selinux)
{
	rhel9_hyperv("enforcing");
	check_converges(false);
}

TEST_MAIN()
