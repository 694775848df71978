/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The human summary of an inspection. Guest strings are printed with control
 * characters and invalid bytes replaced, so a hostile guest cannot drive the
 * operator's terminal.
 */
#include "report/report.h"

#include <string.h>

/* Print s with anything but printable ASCII and UTF-8 lead/continuation
 * bytes >= 0x80 shown as '?'. NULL prints as "-". */
static void put(FILE *f, const char *s)
{
	if (!s || !*s) {
		fputc('-', f);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

static void line(FILE *f, const char *label, const char *value)
{
	fprintf(f, "  %-16s ", label);
	put(f, value);
	fputc('\n', f);
}

static const char *avail(enum virtio_avail a)
{
	return a == VIRTIO_BUILTIN ? "built-in" : a == VIRTIO_MODULE ? "module" : "MISSING";
}

static void text_linux(FILE *f, const struct guest *g)
{
	fprintf(f, "Kernels:\n");
	if (!g->kernels.n)
		fprintf(f, "  (none found in /boot)\n");
	for (size_t i = 0; i < g->kernels.n; i++) {
		const struct guest_kernel *k = &g->kernels.v[i];

		fprintf(f, "  %s ", (int)i == g->default_kernel ? "*" : " ");
		put(f, k->version);
		fprintf(f, "%s%s%s\n", *k->flavour ? " [" : "", k->flavour, *k->flavour ? "]" : "");
		fprintf(f, "      virtio:");
		for (int d = 0; d < VD_COUNT; d++)
			fprintf(f, " %s=%s", virtio_driver_names[d] + 7, avail(k->virtio[d]));
		fprintf(f, "%s\n", k->virtio_boot ? "" : "  -> cannot boot from virtio");
		fprintf(f, "      initramfs: ");
		put(f, k->initramfs);
		fputc('\n', f);
	}
	fprintf(f, "Initramfs tool: ");
	put(f, g->initramfs_flavour);
	fputc('\n', f);
	fprintf(f, "Bootloaders:\n");
	for (size_t i = 0; i < g->bootloaders.n; i++) {
		const struct bootloader *bl = &g->bootloaders.v[i];

		fprintf(f, "  %s (%s) ", bl->type, bl->firmware ? bl->firmware : "-");
		put(f, bl->config);
		fprintf(f, ": %zu entries%s\n", bl->entries.n,
			bl->uses_blscfg ? ", loads BLS entries" : "");
		for (size_t e = 0; e < bl->entries.n && e < 8; e++) {
			fprintf(f, "    - ");
			put(f, bl->entries.v[e].title);
			fprintf(f, "  root=");
			put(f, bl->entries.v[e].root);
			fputc('\n', f);
		}
	}
	fprintf(f, "Filesystems (fstab):\n");
	for (size_t i = 0; i < g->mounts.n; i++) {
		const struct guest_mount *m = &g->mounts.v[i];

		fprintf(f, "  %-14s ", m->mountpoint);
		put(f, m->spec);
		fprintf(f, " (%s)\n", m->fstype ? m->fstype : "-");
	}
	{
		size_t unstable = 0;

		for (size_t i = 0; i < g->blockrefs.n; i++)
			unstable += g->blockrefs.v[i].unstable;
		fprintf(f, "Device names that change on KVM: %zu\n", unstable);
		for (size_t i = 0; i < g->blockrefs.n; i++) {
			const struct blockref *b = &g->blockrefs.v[i];

			if (!b->unstable)
				continue;
			fprintf(f, "  ");
			put(f, b->file);
			fprintf(f, ":%zu ", b->lineno);
			put(f, b->key);
			fputc('=', f);
			put(f, b->value);
			fputc('\n', f);
		}
	}
	fprintf(f, "Network:\n");
	for (size_t i = 0; i < g->net_ifaces.n; i++) {
		const struct net_iface *n = &g->net_ifaces.v[i];

		fprintf(f, "  ");
		put(f, n->name);
		fprintf(f, " (%s) %s", n->stack, n->mode ? n->mode : "-");
		for (size_t a = 0; a < n->addresses.n; a++) {
			fputc(' ', f);
			put(f, n->addresses.v[a]);
		}
		if (n->mac) {
			fprintf(f, " mac ");
			put(f, n->mac);
		}
		fputc('\n', f);
	}
	fprintf(f, "SELinux: %s\n", g->selinux ? g->selinux : "not installed");
}

static void text_windows(FILE *f, const struct guest *g)
{
	const struct windows_info *w = g->windows;

	line(f, "Edition:", w->edition_id);
	line(f, "Build:", w->current_build);
	line(f, "Install type:", w->installation_type);
	fprintf(f, "  %-16s %d\n", "ControlSet:", w->control_set);
	fprintf(f, "Boot-start drivers: %zu\n", w->boot_drivers.n);
	fprintf(f, "VirtIO drivers:");
	for (size_t i = 0; i < w->virtio_drivers.n; i++) {
		fputc(' ', f);
		put(f, w->virtio_drivers.v[i].name);
	}
	fprintf(f, "%s\n", w->virtio_drivers.n ? "" : " none");
}

void report_text(FILE *f, const struct guest *g)
{
	fprintf(f, "Guest on ");
	put(f, g->root_source);
	fputc('\n', f);
	line(f, "OS:", g->product_name);
	line(f, "Distribution:", g->distro);
	line(f, "Version:", g->version);
	line(f, "Architecture:", g->arch);
	line(f, "Hostname:", g->hostname);
	if (g->package_manager)
		line(f, "Packages:", g->package_manager);
	if (g->windows)
		text_windows(f, g);
	else
		text_linux(f, g);
	if (g->hv_artifacts.n) {
		fprintf(f, "Hypervisor artifacts: %zu\n", g->hv_artifacts.n);
		for (size_t i = 0; i < g->hv_artifacts.n; i++) {
			const struct hv_artifact *a = &g->hv_artifacts.v[i];

			fprintf(f, "  %-7s %-13s ", a->hypervisor, a->kind);
			put(f, a->name);
			fprintf(f, "  (");
			put(f, a->path);
			fprintf(f, ")\n");
		}
	}
	for (size_t i = 0; i < g->warnings.n; i++) {
		fprintf(f, "Warning: ");
		put(f, g->warnings.v[i]);
		fputc('\n', f);
	}
}
