/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the core Linux inspection steps over small trees. */
#include "inspect/boot.h"
#include "inspect/inspect.h"
#include "inspect/kernels.h"
#include "util/test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char root[4096];

/* A guest tree from a shell snippet run inside it. */
static struct gtree *tree(const char *script)
{
	struct gfs *fs;
	struct gtree *t;

	snprintf(root, sizeof(root), "%s/g", test_tmpdir());
	CHECK_INT(test_sh("mkdir -p %s && cd %s && %s", root, root, script), ==, 0);
	CHECK_INT(gfs_dir_open(NULL, root, false, &fs), ==, 0);
	CHECK_INT(gtree_new(NULL, fs, &t), ==, 0);
	return t;
}

static struct guest *run(struct gtree *t, int (*step)(struct guest *, struct gtree *))
{
	struct guest *g;

	CHECK_INT(guest_new(NULL, &g), ==, 0);
	CHECK_INT(step(g, t), ==, 0);
	return g;
}

TEST(os_photon)
{
	struct gtree *t = tree("mkdir etc && printf 'VMware Photon OS "
			       "5.0\\nPHOTON_BUILD_NUMBER=dde71ec57\\n' > etc/photon-release && "
			       "printf 'NAME=\"VMware Photon "
			       "OS\"\\nVERSION_ID=5.0\\nID=photon\\nPRETTY_NAME=\"VMware Photon "
			       "OS/Linux\"\\n' > etc/os-release && echo ph1 > etc/hostname");
	struct guest *g = run(t, inspect_os);

	CHECK_STR(g->distro, "photon");
	CHECK_STR(g->family, "photon");
	CHECK_STR(g->version, "5.0");
	CHECK_INT(g->major, ==, 5);
	CHECK_STR(g->package_manager, "tdnf");
	CHECK_STR(g->hostname, "ph1");
	guest_free(g);
	gtree_free(t);
}

TEST(os_centos6_without_os_release)
{
	struct gtree *t = tree(
		"mkdir -p etc/sysconfig && echo 'CentOS release 6.10 (Final)' > etc/redhat-release "
		"&& "
		"printf 'NETWORKING=yes\\nHOSTNAME=old.example.com\\n' > etc/sysconfig/network");
	struct guest *g = run(t, inspect_os);

	CHECK_STR(g->distro, "centos");
	CHECK_STR(g->family, "rhel");
	CHECK_STR(g->version, "6.10");
	CHECK_INT(g->minor, ==, 10);
	CHECK_STR(g->package_manager, "yum");
	CHECK_STR(g->hostname, "old.example.com");
	guest_free(g);
	gtree_free(t);
}

TEST(os_rocky_and_ubuntu_and_sles)
{
	struct gtree *t =
		tree("mkdir etc && printf 'ID=\"rocky\"\\nVERSION_ID=\"9.3\"\\nID_LIKE=\"rhel "
		     "centos fedora\"\\n' > etc/os-release");
	struct guest *g = run(t, inspect_os);

	CHECK_STR(g->distro, "rocky");
	CHECK_STR(g->package_manager, "dnf");
	guest_free(g);
	gtree_free(t);
	t = tree("printf 'ID=ubuntu\\nID_LIKE=debian\\nVERSION_ID=\"22.04\"\\n' > etc/os-release "
		 "&& echo bookworm/sid > etc/debian_version");
	g = run(t, inspect_os);
	CHECK_STR(g->distro, "ubuntu");
	CHECK_STR(g->version, "22.04");
	guest_free(g);
	gtree_free(t);
	t = tree("printf 'ID=\"sles\"\\nVERSION_ID=\"15.5\"\\nID_LIKE=\"suse\"\\n' > "
		 "etc/os-release && rm -f etc/debian_version");
	g = run(t, inspect_os);
	CHECK_STR(g->family, "suse");
	CHECK_STR(g->package_manager, "zypper");
	guest_free(g);
	gtree_free(t);
}

TEST(os_unknown_and_hostile)
{
	struct gtree *t =
		tree("mkdir etc && printf 'garbage\\0\\377\\n=\\nID\\n' > etc/os-release");
	struct guest *g = run(t, inspect_os);

	CHECK(g->distro == NULL);
	guest_free(g);
	gtree_free(t);
	/* Over the cap: an error the CLI reports as bad input. */
	t = tree("truncate -s 2M etc/os-release");
	CHECK_INT(guest_new(NULL, &g), ==, 0);
	CHECK_INT(inspect_os(g, t), ==, -EFBIG);
	guest_free(g);
	gtree_free(t);
}

TEST(vercmp_and_module_names)
{
	char buf[64];

	CHECK(kernel_vercmp("5.10.0", "5.9.0") > 0);
	CHECK(kernel_vercmp("6.1.0-13-amd64", "6.1.0-9-amd64") > 0);
	CHECK(kernel_vercmp("5.14.0-362.el9", "5.14.0-362.el9") == 0);
	CHECK(kernel_vercmp("5.14", "5.14.0") < 0);
	CHECK_STR(kernel_module_name(buf, sizeof(buf), "kernel/drivers/block/virtio_blk.ko.xz", 37),
		  "virtio_blk");
	CHECK_STR(kernel_module_name(buf, sizeof(buf), "a/virtio-pci.ko", 15), "virtio_pci");
	CHECK(kernel_module_name(buf, sizeof(buf), "a/", 2) == NULL);
}

TEST(kernels_virtio_and_flavours)
{
	struct gtree *t = tree(
		"mkdir -p boot lib/modules/6.1.10-11.ph5-esx "
		"lib/modules/6.1.10-11.ph5/kernel/drivers/block "
		"lib/modules/6.1.10-11.ph5/kernel/drivers/scsi && "
		"touch boot/vmlinuz-6.1.10-11.ph5-esx boot/vmlinuz-6.1.10-11.ph5 "
		"boot/vmlinuz-6.1.10-11.ph5.hmac boot/initrd.img-6.1.10-11.ph5 && "
		"printf "
		"'kernel/drivers/virtio/virtio_pci.ko\\nkernel/drivers/net/virtio_net.ko\\n' > "
		"lib/modules/6.1.10-11.ph5/modules.builtin && "
		"printf "
		"'kernel/drivers/block/virtio_blk.ko.xz:\\nkernel/drivers/scsi/virtio_scsi.ko.xz: "
		"kernel/drivers/scsi/scsi_mod.ko.xz\\n' > lib/modules/6.1.10-11.ph5/modules.dep && "
		"touch lib/modules/6.1.10-11.ph5/kernel/drivers/block/virtio_blk.ko.xz "
		"lib/modules/6.1.10-11.ph5/kernel/drivers/scsi/virtio_scsi.ko.xz && "
		"printf "
		"'kernel/drivers/scsi/vmw_pvscsi.ko:\\nkernel/drivers/block/virtio_blk.ko:\\n' > "
		"lib/modules/6.1.10-11.ph5-esx/modules.dep");
	struct guest *g = run(t, inspect_kernels);

	CHECK_INT(g->kernels.n, ==, 2);
	/* Sorted oldest first; "-esx" sorts after the generic one. */
	CHECK_STR(g->kernels.v[0].version, "6.1.10-11.ph5");
	CHECK_STR(g->kernels.v[0].flavour, "");
	CHECK_STR(g->kernels.v[0].initramfs, "/boot/initrd.img-6.1.10-11.ph5");
	CHECK_INT(g->kernels.v[0].virtio[VD_PCI], ==, VIRTIO_BUILTIN);
	CHECK_INT(g->kernels.v[0].virtio[VD_BLK], ==, VIRTIO_MODULE);
	CHECK_INT(g->kernels.v[0].virtio[VD_SCSI], ==, VIRTIO_MODULE);
	CHECK(g->kernels.v[0].virtio_boot);
	CHECK_STR(g->kernels.v[1].flavour, "esx");
	/* Listed in modules.dep but the file is not there: missing. */
	CHECK_INT(g->kernels.v[1].virtio[VD_BLK], ==, VIRTIO_MISSING);
	CHECK(!g->kernels.v[1].virtio_boot);
	guest_free(g);
	gtree_free(t);
}

TEST(grub2_vars_and_photon_cfg)
{
	struct gtree *t =
		tree("mkdir -p boot/grub2 && "
		     "printf "
		     "'photon_linux=vmlinuz-6.1.10-11.ph5-esx\\nphoton_cmdline=init=/lib/systemd/"
		     "systemd ro\\n' > boot/photon.cfg && "
		     "printf 'set default=0\\nset rootpartition=/dev/sda3\\nload_env -f "
		     "/boot/photon.cfg\\n"
		     "menuentry \"Photon\" {\\n  linux /boot/$photon_linux root=$rootpartition "
		     "net.ifnames=0 $photon_cmdline # c\\n"
		     "  if [ -f /boot/$photon_initrd ]; then initrd /boot/$photon_initrd; fi\\n}\\n"
		     "submenu \"x\" {\n menuentry '\\''single q'\\'' {\n linux /vmlinuz "
		     "\"root=UUID=abc\" resume=/dev/sda2 }\\n}\\n' > boot/grub2/grub.cfg");
	struct guest *g = run(t, inspect_bootloaders);
	const struct bootloader *bl;

	CHECK_INT(g->bootloaders.n, ==, 1);
	bl = &g->bootloaders.v[0];
	CHECK_STR(bl->type, "grub2");
	CHECK_STR(bl->firmware, "bios");
	CHECK_INT(bl->entries.n, ==, 2);
	CHECK_STR(bl->entries.v[0].kernel, "/boot/vmlinuz-6.1.10-11.ph5-esx");
	CHECK_STR(bl->entries.v[0].root, "/dev/sda3");
	CHECK_STR(bl->entries.v[0].cmdline,
		  "root=/dev/sda3 net.ifnames=0 init=/lib/systemd/systemd ro");
	CHECK_STR(bl->entries.v[1].title, "single q");
	CHECK_STR(bl->entries.v[1].root, "UUID=abc");
	CHECK_STR(bl->entries.v[1].resume, "/dev/sda2");
	guest_free(g);
	gtree_free(t);
}

TEST(bls_kernelopts_and_stub)
{
	struct gtree *t =
		tree("mkdir -p boot/grub2 boot/loader/entries boot/efi/EFI/redhat && "
		     "printf 'saved_entry=abc-5.14.0-362\\nkernelopts=root=/dev/mapper/rhel-root "
		     "ro resume=/dev/mapper/rhel-swap\\n' > boot/grub2/grubenv && "
		     "printf 'set default=\"${saved_entry}\"\\nblscfg\\n' > boot/grub2/grub.cfg && "
		     "printf 'search --no-floppy --fs-uuid --set=dev 1234\\nset "
		     "prefix=($dev)/grub2\\nconfigfile $prefix/grub.cfg\\n' > "
		     "boot/efi/EFI/redhat/grub.cfg && "
		     "printf 'title Red Hat (5.14.0-362)\\nlinux /vmlinuz-5.14.0-362\\ninitrd "
		     "/initramfs-5.14.0-362.img\\noptions $kernelopts crashkernel=1G\\n' > "
		     "boot/loader/entries/abc-5.14.0-362.conf && "
		     "printf 'title old\\nlinux /vmlinuz-5.14.0-284\\noptions root=/dev/sda2\\n' > "
		     "boot/loader/entries/abc-5.14.0-284.conf");
	struct guest *g = run(t, inspect_bootloaders);
	const struct bootloader *bls = NULL, *stub = NULL;

	for (size_t i = 0; i < g->bootloaders.n; i++) {
		if (strcmp(g->bootloaders.v[i].type, "bls") == 0)
			bls = &g->bootloaders.v[i];
		if (g->bootloaders.v[i].firmware &&
		    strcmp(g->bootloaders.v[i].firmware, "efi") == 0)
			stub = &g->bootloaders.v[i];
	}
	CHECK(bls && stub);
	CHECK(g->bootloaders.v[0].uses_blscfg);
	CHECK_STR(stub->sources, "($dev)/grub2/grub.cfg");
	/* Variables nobody sets stay visible. */
	CHECK_INT(bls->entries.n, ==, 2);
	CHECK_STR(bls->saved_entry, "abc-5.14.0-362");
	CHECK_INT(boot_default_entry(bls), ==, 1);
	CHECK_STR(bls->entries.v[1].root, "/dev/mapper/rhel-root");
	CHECK_STR(bls->entries.v[1].resume, "/dev/mapper/rhel-swap");
	CHECK_STR(bls->entries.v[0].root, "/dev/sda2");
	guest_free(g);
	gtree_free(t);
}

TEST(grub_legacy_symlinked_once)
{
	struct gtree *t =
		tree("mkdir -p boot/grub etc && printf 'default 0\\ntimeout 5\\ntitle CentOS "
		     "(2.6.32)\\n\\troot (hd0,0)\\n\\tkernel /vmlinuz-2.6.32 ro root=/dev/xvda1 "
		     "console=hvc0\\n\\tinitrd /initramfs-2.6.32.img\\n' > boot/grub/grub.conf && "
		     "ln -s ./grub.conf boot/grub/menu.lst && ln -s ../boot/grub/grub.conf "
		     "etc/grub.conf");
	struct guest *g = run(t, inspect_bootloaders);

	CHECK_INT(g->bootloaders.n, ==, 1);
	CHECK_STR(g->bootloaders.v[0].type, "grub-legacy");
	CHECK_STR(g->bootloaders.v[0].entries.v[0].root, "/dev/xvda1");
	guest_free(g);
	gtree_free(t);
}

TEST(blockref_classes)
{
	static const struct {
		const char *v;
		enum ref_class c;
		bool unstable;
	} cases[] = {
		{"UUID=1234", REF_UUID, false},
		{"LABEL=root", REF_LABEL, false},
		{"/dev/sda1", REF_SD, true},
		{"/dev/hda", REF_HD, true},
		{"/dev/xvda2", REF_XVD, true},
		{"/dev/vdb1", REF_VD, true},
		{"/dev/nvme0n1p2", REF_NVME, true},
		{"/dev/disk/by-path/pci-0000:00:10.0-scsi-0:0:0:0-part1", REF_BY_PATH, true},
		{"/dev/disk/by-id/wwn-0x5000c-part1", REF_BY_ID, true},
		{"/dev/mapper/rhel-root", REF_LVM, false},
		{"/dev/rhel/root", REF_LVM, false},
		{"/dev/md0", REF_MD, false},
		{"tmpfs", REF_OTHER, false},
		{"/dev/sd", REF_OTHER, false},
		{"/dev/shm", REF_OTHER, false},
		{"PARTUUID=abc-01", REF_PARTUUID, false},
		{"/dev/disk/by-uuid/1234", REF_BY_UUID, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool u;
		enum ref_class c = blockref_classify(cases[i].v, &u);

		if (c != cases[i].c || u != cases[i].unstable)
			test_fail_("%s: class %s unstable %d", cases[i].v, ref_class_names[c], u);
	}
}

TEST(fstab_parse_and_resolve)
{
	static const char fstab[] =
		"# comment\n"
		"UUID=0A1B2C3D-0000-4000-8000-000000000001 / ext4 defaults 0 1\n"
		"/dev/sda5\tnone swap sw 0 0\n"
		"LABEL=data /srv/my\\040data xfs defaults\n"
		"   \n"
		"onlyonefield\n"
		"/dev/nvme0n1p1 /boot ext4\n";
	struct guest *g;
	struct guest_volume *v;

	CHECK_INT(guest_new(NULL, &g), ==, 0);
	for (int i = 0; i < 3; i++) {
		v = VEC_PUSH(g->arena, g->volumes);
		v->disk_index = 0;
		v->vol.partno = i == 2 ? 5 : i + 1;
	}
	strcpy(g->volumes.v[0].vol.uuid, "0a1b2c3d-0000-4000-8000-000000000001");
	strcpy(g->volumes.v[1].vol.label, "data");
	CHECK_INT(fstab_parse(g, fstab, sizeof(fstab) - 1), ==, 0);
	CHECK_INT(g->mounts.n, ==, 4);
	CHECK_STR(g->mounts.v[2].mountpoint, "/srv/my data");
	CHECK_INT(g->warnings.n, ==, 1);
	CHECK_INT(fstab_resolve_spec(g, g->mounts.v[0].spec), ==, 0);
	CHECK_INT(fstab_resolve_spec(g, g->mounts.v[1].spec), ==, 2);
	CHECK_INT(fstab_resolve_spec(g, g->mounts.v[2].spec), ==, 1);
	CHECK_INT(fstab_resolve_spec(g, "/dev/nvme0n1p1"), ==, 0);
	CHECK_INT(fstab_resolve_spec(g, "/dev/sdb1"), ==, -1);
	CHECK_INT(fstab_resolve_spec(g, "LABEL=DATA"), ==, -1);
	CHECK_INT(fstab_resolve_spec(g, "/dev/sdaa1"), ==, -1);
	guest_free(g);
}

TEST_MAIN()
