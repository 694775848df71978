/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inspect_windows over the Windows fixtures (tests/fixtures/win2019, win10,
 * badhive), built into the case's scratch directory from their .reg files,
 * plus hostile values merged into a built hive. Needs hivexregedit and
 * python3; cases skip without them.
 */
#include "inspect/guest.h"
#include "util/test.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static char logbuf[16384];

static void capture_log(void *ud, enum morph_log_level level, const char *msg)
{
	size_t n = strlen(logbuf);

	snprintf(logbuf + n, sizeof(logbuf) - n, "%d %s\n", (int)level, msg);
}

static struct morph_ctx ctx = {
	.log_fn = capture_log,
	.log_max = MORPH_LOG_DEBUG,
};

static void need_tools(void)
{
	if (test_sh("command -v hivexregedit >/dev/null 2>&1") != 0)
		SKIP("hivexregedit not installed (package libwin-hivex-perl)");
	if (test_sh("command -v python3 >/dev/null 2>&1") != 0)
		SKIP("python3 not installed (needed by tests/fixtures/mkhive.py)");
}

/* Build tests/fixtures/NAME into the scratch directory; returns the root
 * (static buffer). */
static const char *build_fixture(const char *name)
{
	static char root[4096];
	char src[4096];
	char rel[256];

	need_tools();
	snprintf(rel, sizeof(rel), "tests/fixtures/%s", name);
	snprintf(src, sizeof(src), "%s", test_srcpath(rel));
	snprintf(root, sizeof(root), "%s/%s", test_tmpdir(), name);
	CHECK_INT(test_sh("cp -a '%s/tree' '%s' && sh '%s/build.sh' '%s'", src, root, src, root),
		  ==, 0);
	return root;
}

/* Merge .reg text into HKLM\HIVE of the hive file at root/rel. */
static void merge_reg(const char *root, const char *rel, const char *hive, const char *text)
{
	char reg[4096];
	FILE *f;

	snprintf(reg, sizeof(reg), "%s/extra-%s.reg", test_tmpdir(), hive);
	f = fopen(reg, "w");
	CHECK(f != NULL);
	fprintf(f, "Windows Registry Editor Version 5.00\n\n%s", text);
	CHECK_INT(fclose(f), ==, 0);
	CHECK_INT(test_sh("hivexregedit --merge --prefix "
			  "'HKEY_LOCAL_MACHINE\\%s' '%s/%s' '%s'",
			  hive, root, rel, reg),
		  ==, 0);
}

static int inspect_dir(const char *root, struct guest **gp)
{
	struct gfs *fs;
	struct gtree *t;
	int r;

	CHECK_INT(gfs_dir_open(&ctx, root, false, &fs), ==, 0);
	CHECK_INT(gtree_new(&ctx, fs, &t), ==, 0);
	CHECK_INT(guest_new(&ctx, gp), ==, 0);
	r = inspect_windows(*gp, t);
	gtree_free(t);
	return r;
}

static bool strvec_has(const void *vec, const char *s)
{
	const VEC(const char *) *v = vec;

	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

static const struct win_driver *find_driver(const void *vec, const char *name)
{
	const VEC(struct win_driver) *v = vec;

	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i].name, name) == 0)
			return &v->v[i];
	return NULL;
}

static const struct hv_artifact *find_hv(const struct guest *g, const char *hv, const char *kind,
					 const char *name)
{
	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[i];

		if (strcmp(a->hypervisor, hv) == 0 && strcmp(a->kind, kind) == 0 &&
		    strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

static size_t count_hv(const struct guest *g, const char *hv)
{
	size_t n = 0;

	for (size_t i = 0; i < g->hv_artifacts.n; i++)
		n += strcmp(g->hv_artifacts.v[i].hypervisor, hv) == 0;
	return n;
}

static bool warned(const struct guest *g, const char *part)
{
	for (size_t i = 0; i < g->warnings.n; i++)
		if (strstr(g->warnings.v[i], part))
			return true;
	return false;
}

#define WIN2019_SYSTEM	 "Windows/System32/config/SYSTEM"
#define WIN2019_SOFTWARE "Windows/System32/config/SOFTWARE"

TEST(win2019)
{
	const char *root = build_fixture("win2019");
	const struct win_driver *d;
	const struct hv_artifact *a;
	const struct windows_info *wi;
	struct guest *g;

	CHECK_INT(inspect_dir(root, &g), ==, 0);
	CHECK((wi = g->windows) != NULL);
	CHECK_STR(g->os_type, "windows");
	CHECK_STR(g->family, "windows");
	CHECK_STR(g->distro, "windows");
	CHECK_STR(g->product_name, "Windows Server 2019 Datacenter");
	CHECK_STR(g->version, "10.0");
	CHECK_INT(g->major, ==, 10);
	CHECK_INT(g->minor, ==, 0);
	CHECK_STR(g->arch, "x86_64");
	/* From ControlSet001 (Select\Current), not the stale ControlSet002. */
	CHECK_STR(g->hostname, "WIN2019-DC01");

	CHECK_STR(wi->product_name, "Windows Server 2019 Datacenter");
	CHECK_STR(wi->current_version, "6.3");
	CHECK_STR(wi->current_build, "17763");
	CHECK_STR(wi->edition_id, "ServerDatacenter");
	CHECK_STR(wi->installation_type, "Server");
	CHECK_STR(wi->system_root, "C:\\Windows");
	CHECK_INT(wi->control_set, ==, 1);

	/* ACPI pci partmgr volmgr volmgrx storahci disk pvscsi vmci volsnap */
	CHECK_INT(wi->boot_drivers.n, ==, 10);
	CHECK((d = find_driver(&wi->boot_drivers, "pvscsi")) != NULL);
	CHECK_STR(d->image, "System32\\drivers\\pvscsi.sys");
	CHECK_STR(d->group, "SCSI miniport");
	CHECK_INT(d->start, ==, 0);
	CHECK_INT(d->type, ==, 1);
	for (const char *const *n =
		     (const char *const[]){"storahci", "disk", "partmgr", "volmgr", "vmci", NULL};
	     *n; n++)
		CHECK(find_driver(&wi->boot_drivers, *n) != NULL);
	CHECK(find_driver(&wi->boot_drivers, "vmhgfs") == NULL);
	CHECK(find_driver(&wi->boot_drivers, "VMTools") == NULL);
	CHECK(find_driver(&wi->boot_drivers, "Tcpip") == NULL);

	CHECK_INT(wi->vmware_services.n, ==, 8);
	for (const char *const *n =
		     (const char *const[]){"VMTools", "vmci", "vm3dmp", "vmxnet3ndis6", "pvscsi",
					   "vmhgfs", "vsock", "VGAuthService", NULL};
	     *n; n++)
		CHECK(strvec_has(&wi->vmware_services, *n));
	CHECK_INT(wi->vmware_uninstall.n, ==, 1);
	CHECK_STR(wi->vmware_uninstall.v[0], "VMware Tools");
	CHECK_INT(wi->virtio_drivers.n, ==, 0);

	CHECK((a = find_hv(g, "vmware", "service", "VMTools")) != NULL);
	CHECK_STR(a->path, "HKLM\\SYSTEM\\ControlSet001\\Services\\VMTools");
	CHECK((a = find_hv(g, "vmware", "package", "VMware Tools")) != NULL);
	CHECK(strstr(a->path, "HKLM\\SOFTWARE\\Microsoft\\Windows\\"
			      "CurrentVersion\\Uninstall\\{8E2C3C5D") != NULL);
	CHECK_INT(count_hv(g, "vmware"), ==, 9);
	CHECK(find_hv(g, "hyperv", "service", "vmbus") != NULL);
	CHECK_INT(count_hv(g, "hyperv"), ==, 1);
	CHECK_INT(count_hv(g, "xen"), ==, 0);
	CHECK_INT(g->warnings.n, ==, 0);
	guest_free(g);
}

TEST(win10)
{
	const char *root = build_fixture("win10");
	const struct win_driver *d;
	const struct hv_artifact *a;
	const struct windows_info *wi;
	struct guest *g;

	CHECK_INT(inspect_dir(root, &g), ==, 0);
	CHECK((wi = g->windows) != NULL);
	CHECK_STR(g->os_type, "windows");
	CHECK_STR(g->product_name, "Windows 10 Pro");
	CHECK_STR(g->version, "10.0");
	CHECK_INT(g->major, ==, 10);
	CHECK_INT(g->minor, ==, 0);
	CHECK_STR(g->arch, "x86_64");
	CHECK_STR(g->hostname, "DESKTOP-7QK2M4N");
	CHECK_STR(wi->current_version, "6.3");
	CHECK_STR(wi->current_build, "19045");
	CHECK_STR(wi->edition_id, "Professional");
	CHECK_STR(wi->installation_type, "Client");
	CHECK_STR(wi->system_root, "C:\\WINDOWS");
	CHECK_INT(wi->control_set, ==, 1);

	CHECK_INT(wi->virtio_drivers.n, ==, 3);
	CHECK((d = find_driver(&wi->virtio_drivers, "viostor")) != NULL);
	CHECK_INT(d->start, ==, 0);
	CHECK_STR(d->image, "\\SystemRoot\\System32\\drivers\\viostor.sys");
	CHECK_STR(d->group, "SCSI miniport");
	CHECK((d = find_driver(&wi->virtio_drivers, "netkvm")) != NULL);
	CHECK_INT(d->start, ==, 3);
	CHECK_STR(d->group, "NDIS");
	CHECK(find_driver(&wi->virtio_drivers, "balloon") != NULL);
	CHECK(find_driver(&wi->boot_drivers, "viostor") != NULL);
	CHECK(find_driver(&wi->boot_drivers, "netkvm") == NULL);
	CHECK(find_driver(&wi->boot_drivers, "stornvme") != NULL);
	CHECK_INT(wi->boot_drivers.n, ==, 10);

	CHECK_INT(wi->vmware_services.n, ==, 0);
	CHECK_INT(wi->vmware_uninstall.n, ==, 0);
	CHECK_INT(count_hv(g, "vmware"), ==, 0);
	CHECK((a = find_hv(g, "hyperv", "service", "vmbus")) != NULL);
	CHECK_STR(a->path, "HKLM\\SYSTEM\\ControlSet001\\Services\\vmbus");
	CHECK(find_hv(g, "hyperv", "service", "storvsc") != NULL);
	CHECK(find_hv(g, "hyperv", "service", "netvsc") != NULL);
	CHECK_INT(count_hv(g, "hyperv"), ==, 3);
	CHECK_INT(g->warnings.n, ==, 0);
	guest_free(g);
}

TEST(corrupt_hive)
{
	const char *root = build_fixture("badhive");
	struct guest *g;

	CHECK_INT(inspect_dir(root, &g), ==, -EUCLEAN);
	CHECK(g->windows == NULL);
	CHECK(g->os_type == NULL);
	CHECK(g->hv_artifacts.n == 0);
	CHECK(strstr(logbuf, "/Windows/System32/config/SYSTEM: corrupt "
			     "registry hive") != NULL);
	guest_free(g);
}

/* A hive cut short: hivex must refuse it, not read past the end. */
TEST(truncated_hive)
{
	const char *root = build_fixture("win2019");
	struct guest *g;

	CHECK_INT(test_sh("truncate -s 4100 '%s/" WIN2019_SOFTWARE "'", root), ==, 0);
	CHECK_INT(inspect_dir(root, &g), ==, -EUCLEAN);
	CHECK(g->windows == NULL);
	CHECK(strstr(logbuf, "config/SOFTWARE: corrupt registry hive"));
	guest_free(g);
}

TEST(linux_tree)
{
	const char *d = test_tmpdir();
	char root[4096];
	struct guest *g;

	snprintf(root, sizeof(root), "%s/root", d);
	/* A dual-boot mount point named "windows" without hives is not a
	 * Windows guest; neither is a Windows dir with only one hive. */
	CHECK_INT(test_sh("mkdir -p %s/etc %s/usr/bin %s/windows "
			  "%s/WINNT/System32/config && "
			  "echo ID=debian > %s/etc/os-release && "
			  "echo x > %s/WINNT/System32/config/SOFTWARE",
			  root, root, root, root, root, root),
		  ==, 0);
	CHECK_INT(inspect_dir(root, &g), ==, 0);
	CHECK(g->windows == NULL);
	CHECK(g->os_type == NULL);
	CHECK(g->family == NULL);
	CHECK_INT(g->hv_artifacts.n, ==, 0);
	CHECK_INT(g->warnings.n, ==, 0);
	guest_free(g);
}

/* NT 4 / 2000 keep the system root in WINNT. A "Windows" directory without
 * hives beside it (a leftover, a mount point) does not hide it. */
TEST(winnt_root)
{
	const char *root = build_fixture("win2019");
	struct guest *g;

	CHECK_INT(test_sh("mv '%s/Windows' '%s/winnt' && mkdir -p "
			  "'%s/Windows/System32/config'",
			  root, root, root),
		  ==, 0);
	CHECK_INT(inspect_dir(root, &g), ==, 0);
	CHECK(g->windows != NULL);
	CHECK_STR(g->product_name, "Windows Server 2019 Datacenter");
	CHECK(strstr(logbuf, "system root /winnt") != NULL);
	guest_free(g);
}

/* Values of the wrong type, oversized, badly encoded or nonsensical are
 * warnings; the rest of the guest is still read. */
TEST(hostile_values)
{
	const char *root = build_fixture("win2019");
	const struct windows_info *wi;
	struct guest *g;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f != NULL);
	fprintf(f, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\"
		   "CurrentVersion]\n");
	/* A 10000-character ProductName: kept, cut to 4096 bytes. */
	fprintf(f, "\"ProductName\"=\"%0*d\"\n", 10000, 0);
	fprintf(f, "\"CurrentBuild\"=dword:00004541\n"
		   "\"EditionID\"=hex(1):45,00,64,00,31\n"
		   "\"CurrentMajorVersionNumber\"=hex(4):0a,00\n");
	/* InstallationType as 70000 bytes of REG_SZ, over the raw cap. */
	fprintf(f, "\"InstallationType\"=hex(1):41,00");
	for (size_t i = 1; i < 35000; i++)
		fputs(",41,00", f);
	fputs("\n", f);
	CHECK_INT(fclose(f), ==, 0);
	merge_reg(root, WIN2019_SOFTWARE, "SOFTWARE", text);
	free(text);
	merge_reg(root, WIN2019_SYSTEM, "SYSTEM",
		  "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\"
		  "ComputerName\\ComputerName]\n"
		  /* "W", a lone high surrogate, "X" */
		  "\"ComputerName\"=hex(1):57,00,00,d8,58,00,00,00\n\n"
		  "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\"
		  "Session Manager\\Environment]\n"
		  "\"PROCESSOR_ARCHITECTURE\"=\"SPARC\"\n\n"
		  "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\"
		  "storahci]\n"
		  "\"Start\"=\"0\"\n\n"
		  "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\"
		  "disk]\n"
		  "\"Start\"=hex(4):00,00,00,00,00,00,00,00\n"
		  "\"Group\"=dword:00000001\n\n"
		  "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\"
		  "pvscsi]\n"
		  "\"Start\"=dword:ffffffff\n");

	CHECK_INT(inspect_dir(root, &g), ==, 0);
	CHECK((wi = g->windows) != NULL);
	CHECK_INT(strlen(wi->product_name), ==, 4096);
	CHECK_INT(strspn(wi->product_name, "0"), ==, 4096);
	/* CurrentBuild is a DWORD here: ignored, CurrentBuildNumber used. */
	CHECK_STR(wi->current_build, "17763");
	CHECK(warned(g, "CurrentBuild: ignored (not a string)"));
	/* Odd byte count: the last byte is dropped. */
	CHECK_STR(wi->edition_id, "Ed");
	CHECK(wi->installation_type == NULL);
	CHECK(warned(g, "InstallationType: ignored"));
	/* A 2-byte DWORD is no version; CurrentVersion "6.3" stands in. */
	CHECK(warned(g, "CurrentMajorVersionNumber: ignored (not a DWORD)"));
	CHECK_STR(g->version, "6.3");
	CHECK_INT(g->major, ==, 6);
	CHECK_INT(g->minor, ==, 3);
	CHECK_STR(g->hostname, "W\xEF\xBF\xBDX");
	CHECK(g->arch == NULL);
	CHECK(warned(g, "unknown value \"SPARC\""));
	/* storahci (Start REG_SZ), disk (8-byte DWORD) and pvscsi (Start
	 * out of range) are not boot drivers any more; the rest are. */
	CHECK(find_driver(&wi->boot_drivers, "storahci") == NULL);
	CHECK(find_driver(&wi->boot_drivers, "disk") == NULL);
	CHECK(find_driver(&wi->boot_drivers, "pvscsi") == NULL);
	CHECK_INT(wi->boot_drivers.n, ==, 7);
	CHECK(strvec_has(&wi->vmware_services, "pvscsi"));
	CHECK_STR(g->product_name, wi->product_name);
	guest_free(g);
}

/* Select\Current naming a control set that is not there: product facts
 * are still read, control-set facts are unknown. */
TEST(missing_control_set)
{
	const char *root = build_fixture("win2019");
	struct guest *g;

	merge_reg(root, WIN2019_SYSTEM, "SYSTEM",
		  "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"
		  "\"Current\"=dword:00000007\n");
	CHECK_INT(inspect_dir(root, &g), ==, 0);
	CHECK(g->windows != NULL);
	CHECK_STR(g->product_name, "Windows Server 2019 Datacenter");
	CHECK_INT(g->windows->control_set, ==, 0);
	CHECK(g->hostname == NULL);
	CHECK(g->arch == NULL);
	CHECK_INT(g->windows->boot_drivers.n, ==, 0);
	CHECK_INT(g->windows->vmware_services.n, ==, 0);
	/* The uninstall entry comes from SOFTWARE and is still there. */
	CHECK_INT(g->windows->vmware_uninstall.n, ==, 1);
	CHECK(warned(g, "ControlSet007: missing"));
	guest_free(g);
}

/* Select\Current = 0 is invalid: ControlSet001 is used, with a warning. */
TEST(invalid_select)
{
	const char *root = build_fixture("win2019");
	struct guest *g;

	merge_reg(root, WIN2019_SYSTEM, "SYSTEM",
		  "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"
		  "\"Current\"=dword:00000000\n");
	CHECK_INT(inspect_dir(root, &g), ==, 0);
	CHECK(g->windows != NULL);
	CHECK_INT(g->windows->control_set, ==, 1);
	CHECK_STR(g->hostname, "WIN2019-DC01");
	CHECK(warned(g, "Select\\Current: missing or invalid"));
	guest_free(g);
}

/* The second control set is current: its values win. */
TEST(control_set_two)
{
	const char *root = build_fixture("win2019");
	struct guest *g;

	merge_reg(root, WIN2019_SYSTEM, "SYSTEM",
		  "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"
		  "\"Current\"=dword:00000002\n");
	CHECK_INT(inspect_dir(root, &g), ==, 0);
	CHECK_INT(g->windows->control_set, ==, 2);
	CHECK_STR(g->hostname, "STALE-CS002");
	CHECK_STR(g->arch, "i686");
	CHECK(warned(g, "ControlSet002\\Services: missing"));
	guest_free(g);
}

TEST_MAIN()
