/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inspect_hypervisor over small guest trees: a VMware Debian guest (dpkg
 * status, units and enablement links, module lists, modprobe.d), a
 * Hyper-V RHEL guest (packages inferred from files, dracut), a Xen
 * CentOS 6 style guest (consoles, SUSE sysconfig, init.d link), and the
 * ordering and deduplication rules.
 */
#include "inspect/guest.h"
#include "util/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct guest *cur_guest;

static void free_guest(void)
{
	guest_free(cur_guest);
}

static struct guest *run(const char *package_format)
{
	struct gtree *t;

	t = test_guest_tree(false);
	CHECK_INT(guest_new(NULL, &cur_guest), ==, 0);
	atexit(free_guest);
	cur_guest->package_format = package_format;
	CHECK_INT(inspect_hypervisor(cur_guest, t), ==, 0);
	gtree_free(t);
	return cur_guest;
}

/* Compare the whole list with "hv kind name path" lines. */
static void expect(const struct guest *g, const char *const *want, size_t n)
{
	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[i];
		char line[1024];

		snprintf(line, sizeof(line), "%s %s %s %s", a->hypervisor, a->kind, a->name,
			 a->path);
		if (i >= n)
			test_fail_("unexpected artifact %zu: %s", i, line);
		if (strcmp(line, want[i]) != 0)
			test_fail_("artifact %zu: got \"%s\", want \"%s\"", i, line, want[i]);
	}
	CHECK_INT(g->hv_artifacts.n, ==, n);
}

#define EXPECT(g, ...)                                                                             \
	do {                                                                                       \
		static const char *const want_[] = {__VA_ARGS__};                                  \
		expect((g), want_, sizeof(want_) / sizeof(want_[0]));                              \
	} while (0)

TEST(vmware_debian)
{
	struct guest *g;

	test_guest_put("var/lib/dpkg/status",
		       "Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n"
		       "Package: open-vm-tools\nStatus: install ok installed\n"
		       "Priority: optional\nDescription: Open VMware Tools\n"
		       " continuation line with Package: fake-pkg\n\n"
		       "Package: open-vm-tools-desktop\nStatus: deinstall ok config-files\n\n"
		       "Status: install ok installed\r\nPackage: vmware-tools-foo\r\n\r\n"
		       "Package: zz-not-vmware\nStatus: install ok installed\n",
		       0);
	/* Merged /usr: /lib -> usr/lib, so each unit file is seen once. */
	test_guest_sh("mkdir -p usr/lib/systemd/system etc/systemd/system/multi-user.target.wants "
		      "etc/systemd/system/graphical.target.wants && ln -s usr/lib lib && "
		      "ln -s /lib/systemd/system/open-vm-tools.service "
		      "etc/systemd/system/multi-user.target.wants/open-vm-tools.service && "
		      "ln -s /lib/systemd/system/run-vmblock\\\\x2dfuse.mount "
		      "etc/systemd/system/multi-user.target.wants/run-vmblock\\\\x2dfuse.mount && "
		      "ln -s /lib/systemd/system/ssh.service "
		      "etc/systemd/system/multi-user.target.wants/ssh.service");
	test_guest_put("usr/lib/systemd/system/open-vm-tools.service", "[Unit]\n", 0);
	test_guest_put("usr/lib/systemd/system/vgauthd.service", "[Unit]\n", 0);
	test_guest_put("usr/lib/systemd/system/run-vmblock\\x2dfuse.mount", "[Mount]\n", 0);
	test_guest_put("etc/modules",
		       "# /etc/modules\nvmw_pvscsi\nvmxnet3 debug=1\n"
		       "# vmw_balloon\n\nloop\n",
		       0);
	test_guest_put("etc/initramfs-tools/modules", "vmw_pvscsi\n", 0);
	test_guest_put("etc/modprobe.d/vmware.conf",
		       "alias eth0 vmxnet3\noptions vmw_pvscsi cmd_per_lun=254\n"
		       "# options vmw_balloon x=1\nblacklist pcspkr\n",
		       0);
	test_guest_put("etc/modprobe.d/ignored.txt", "options vmwgfx x=1\n", 0);
	test_guest_put("etc/init.d/open-vm-tools", "#!/bin/sh\n", 0);
	/* The tarball installer's database counts on any guest. */
	test_guest_put("etc/vmware-tools/locations", "answer BINDIR /usr/bin\n", 0);
	/* Not an rpm guest: a binary alone does not name a package. */
	test_guest_put("usr/bin/vmtoolsd", "", 0);

	g = run("deb");
	EXPECT(g, "vmware package vmware-tools /etc/vmware-tools/locations",
	       "vmware package open-vm-tools /var/lib/dpkg/status",
	       "vmware package vmware-tools-foo /var/lib/dpkg/status",
	       "vmware unit open-vm-tools.service /usr/lib/systemd/system/open-vm-tools.service",
	       "vmware unit run-vmblock\\x2dfuse.mount "
	       "/usr/lib/systemd/system/run-vmblock\\x2dfuse.mount",
	       "vmware unit vgauthd.service /usr/lib/systemd/system/vgauthd.service",
	       "vmware unit-enabled open-vm-tools.service "
	       "/etc/systemd/system/multi-user.target.wants/open-vm-tools.service",
	       "vmware unit-enabled run-vmblock\\x2dfuse.mount "
	       "/etc/systemd/system/multi-user.target.wants/run-vmblock\\x2dfuse.mount",
	       "vmware init-script open-vm-tools /etc/init.d/open-vm-tools",
	       "vmware module-forced vmw_pvscsi /etc/initramfs-tools/modules",
	       "vmware module-forced vmw_pvscsi /etc/modules",
	       "vmware module-forced vmxnet3 /etc/modules",
	       "vmware module-config vmw_pvscsi /etc/modprobe.d/vmware.conf",
	       "vmware module-config vmxnet3 /etc/modprobe.d/vmware.conf");
	CHECK_INT(g->warnings.n, ==, 0);
}

TEST(hyperv_rpm_guest)
{
	struct guest *g;

	/* No dpkg database, an rpm one: packages come from owned files. */
	test_guest_put("var/lib/rpm/rpmdb.sqlite", "SQLite format 3", 0);
	test_guest_put("usr/sbin/hypervkvpd", "", 0);
	test_guest_put("usr/sbin/hypervvssd", "", 0);
	test_guest_put("usr/lib/systemd/system/hypervkvpd.service", "[Unit]\n", 0);
	test_guest_put("usr/lib/systemd/system/hypervvssd.service", "[Unit]\n", 0);
	test_guest_sh("mkdir -p etc/systemd/system/multi-user.target.wants && "
		      "ln -s /usr/lib/systemd/system/hypervkvpd.service "
		      "etc/systemd/system/multi-user.target.wants/hypervkvpd.service && "
		      "mkdir -p etc/systemd/system/not-wants.d && "
		      "ln -s /usr/lib/systemd/system/hypervvssd.service "
		      "etc/systemd/system/not-wants.d/hypervvssd.service");
	test_guest_put("etc/dracut.conf.d/hyperv.conf",
		       "# Hyper-V drivers\nadd_drivers+=\" hv_vmbus hv_storvsc hv_netvsc \"\n"
		       "force_drivers+=hyperv_keyboard\nomit_drivers+=\" hv_balloon \"\n",
		       0);
	test_guest_put("etc/dracut.conf", "hostonly=\"yes\"\nadd_dracutmodules+=\" hv_utils \"\n",
		       0);
	test_guest_put("etc/modules-load.d/hv.conf", "; comment\nhv_utils\n", 0);
	test_guest_put("etc/modules-load.d/hv.conf.disabled", "hv_balloon\n", 0);

	g = run("rpm");
	EXPECT(g, "hyperv package hypervkvpd /usr/sbin/hypervkvpd",
	       "hyperv package hypervvssd /usr/sbin/hypervvssd",
	       "hyperv unit hypervkvpd.service /usr/lib/systemd/system/hypervkvpd.service",
	       "hyperv unit hypervvssd.service /usr/lib/systemd/system/hypervvssd.service",
	       "hyperv unit-enabled hypervkvpd.service "
	       "/etc/systemd/system/multi-user.target.wants/hypervkvpd.service",
	       "hyperv module-forced hv_utils /etc/dracut.conf",
	       "hyperv module-forced hv_netvsc /etc/dracut.conf.d/hyperv.conf",
	       "hyperv module-forced hv_storvsc /etc/dracut.conf.d/hyperv.conf",
	       "hyperv module-forced hv_vmbus /etc/dracut.conf.d/hyperv.conf",
	       "hyperv module-forced hyperv_keyboard /etc/dracut.conf.d/hyperv.conf",
	       "hyperv module-forced hv_utils /etc/modules-load.d/hv.conf");
}

TEST(xen_centos6)
{
	struct guest *g;

	test_guest_put("var/lib/rpm/Packages", "", 0);
	test_guest_put("usr/sbin/xe-daemon", "", 0);
	test_guest_put("usr/sbin/xe-linux-distribution", "", 0);
	/* /etc/init.d is a link to rc.d/init.d on RHEL 6. */
	test_guest_put("etc/rc.d/init.d/xe-linux-distribution", "#!/bin/sh\n", 0);
	test_guest_sh("ln -s rc.d/init.d etc/init.d");
	test_guest_put("etc/inittab",
		       "id:3:initdefault:\n# co:2345:respawn:/sbin/agetty hvc0 9600\n"
		       "co:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav\n",
		       0);
	test_guest_put("etc/securetty", "console\nvc/1\nxvc0\nhvc0\nhvc01\ntty1\n", 0);
	test_guest_put("etc/init/serial-hvc0.conf",
		       "start on runlevel [2345]\nexec /sbin/agetty /dev/hvc0 38400\n", 0);
	test_guest_put("etc/init/tty.conf", "exec /sbin/mingetty $TTY\n", 0);
	test_guest_sh("mkdir -p etc/systemd/system/getty.target.wants && "
		      "ln -s /usr/lib/systemd/system/serial-getty@.service "
		      "etc/systemd/system/getty.target.wants/serial-getty@hvc0.service && "
		      "ln -s /usr/lib/systemd/system/getty@.service "
		      "etc/systemd/system/getty.target.wants/getty@tty1.service");
	test_guest_put("etc/sysconfig/kernel",
		       "INITRD_MODULES=\"xen-blkfront xen_netfront ext4\"\n"
		       "MODULES_LOADED_ON_BOOT='xenfs'\n",
		       0);
	test_guest_put("etc/modprobe.conf",
		       "alias scsi_hostadapter xen-blkfront\n"
		       "alias eth0 xen-netfront\n",
		       0);

	g = run(NULL);
	EXPECT(g, "xen package xe-guest-utilities /usr/sbin/xe-daemon",
	       "xen package xe-guest-utilities /usr/sbin/xe-linux-distribution",
	       "xen init-script xe-linux-distribution /etc/rc.d/init.d/xe-linux-distribution",
	       "xen module-forced xen-blkfront /etc/sysconfig/kernel",
	       "xen module-forced xen_netfront /etc/sysconfig/kernel",
	       "xen module-forced xenfs /etc/sysconfig/kernel",
	       "xen module-config xen-blkfront /etc/modprobe.conf",
	       "xen module-config xen-netfront /etc/modprobe.conf",
	       "xen console hvc0 /etc/init/serial-hvc0.conf", "xen console xvc0 /etc/inittab",
	       "xen console hvc0 /etc/securetty", "xen console xvc0 /etc/securetty",
	       "xen console hvc0 /etc/systemd/system/getty.target.wants/serial-getty@hvc0.service");
}

TEST(all_three_sorted_and_deduplicated)
{
	struct guest *g;

	test_guest_put("var/lib/dpkg/status",
		       "Package: xe-guest-utilities\nStatus: install ok installed\n\n"
		       "Package: hyperv-daemons\nStatus: hold ok installed\n\n"
		       "Package: open-vm-tools\nStatus: install ok installed\n\n"
		       "Package: open-vm-tools\nStatus: install ok installed\n",
		       0);
	test_guest_put("etc/modules-load.d/b.conf", "xen_blkfront\nhv_vmbus\nvmw_pvscsi\n", 0);
	test_guest_put("etc/modules-load.d/a.conf", "vmw_pvscsi\nvmw_pvscsi\n", 0);
	g = run("deb");
	EXPECT(g, "vmware package open-vm-tools /var/lib/dpkg/status",
	       "vmware module-forced vmw_pvscsi /etc/modules-load.d/a.conf",
	       "vmware module-forced vmw_pvscsi /etc/modules-load.d/b.conf",
	       "hyperv package hyperv-daemons /var/lib/dpkg/status",
	       "hyperv module-forced hv_vmbus /etc/modules-load.d/b.conf",
	       "xen package xe-guest-utilities /var/lib/dpkg/status",
	       "xen module-forced xen_blkfront /etc/modules-load.d/b.conf");
}

TEST(escaping_symlinks_read_nothing)
{
	const char *d = test_tmpdir();
	char cmd[8192];
	struct guest *g;

	CHECK_INT(test_sh("printf 'Package: open-vm-tools\\nStatus: install ok installed\\n' > "
			  "'%s/status' && "
			  "printf 'vmw_pvscsi\\n' > '%s/modules'",
			  d, d),
		  ==, 0);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p var/lib/dpkg etc && "
		 "ln -s /../../../../../..%s/status var/lib/dpkg/status && "
		 "ln -s ../../../../../../../..%s/modules etc/modules && "
		 "ln -s /../../../../..%s etc/modules-load.d",
		 d, d, d);
	test_guest_sh(cmd);
	g = run(NULL);
	CHECK_INT(g->hv_artifacts.n, ==, 0);
}

TEST(empty_guest)
{
	struct guest *g = run(NULL);

	CHECK_INT(g->hv_artifacts.n, ==, 0);
	CHECK_INT(g->warnings.n, ==, 0);
}

TEST(oversized_module_list_is_a_warning)
{
	struct guest *g;

	test_guest_sh("mkdir -p etc/modules-load.d && "
		      "{ printf 'vmw_pvscsi\\n'; head -c 2097152 /dev/zero | tr '\\0' '#'; } "
		      "> etc/modules-load.d/big.conf");
	test_guest_put("etc/modules-load.d/small.conf", "vmxnet3\n", 0);
	g = run(NULL);
	CHECK_INT(g->warnings.n, ==, 1);
	CHECK(strstr(g->warnings.v[0], "/etc/modules-load.d/big.conf is over") != NULL);
	EXPECT(g, "vmware module-forced vmxnet3 /etc/modules-load.d/small.conf");
}

TEST_MAIN()
