/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The inspection report as JSON; field by field in docs/report-schema.md. */
#include "report/report.h"

static const char *avail_name(enum virtio_avail a)
{
	return a == VIRTIO_BUILTIN ? "builtin" : a == VIRTIO_MODULE ? "module" : "missing";
}

static void strvec(struct json *j, const char *key, const char *const *v, size_t n)
{
	json_arr_begin(j, key);
	for (size_t i = 0; i < n; i++)
		json_str(j, NULL, v[i]);
	json_arr_end(j);
}

static void volumes(struct json *j, const struct guest *g)
{
	json_arr_begin(j, "volumes");
	for (size_t i = 0; i < g->volumes.n; i++) {
		const struct guest_volume *gv = &g->volumes.v[i];
		const struct volume *v = &gv->vol;

		json_obj_begin(j, NULL);
		json_str(j, "disk", gv->disk);
		json_int(j, "partno", v->partno);
		json_int(j, "offset", (int64_t)v->offset);
		json_int(j, "size", (int64_t)v->size);
		json_str(j, "role", volume_role_name(v->role));
		json_str(j, "type", v->type);
		json_str(j, "uuid", v->uuid);
		json_str(j, "label", v->label);
		json_str(j, "partuuid", v->partuuid);
		json_str(j, "partlabel", v->partlabel);
		json_str(j, "part_type", v->part_type);
		json_str(j, "mountpoint", gv->mountpoint);
		json_bool(j, "readable", gv->opened);
		json_str(j, "note", gv->note);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void os(struct json *j, const struct guest *g)
{
	json_obj_begin(j, "os");
	json_str(j, "type", g->os_type);
	json_str(j, "distro", g->distro);
	json_str(j, "family", g->family);
	json_str(j, "product_name", g->product_name);
	json_str(j, "version", g->version);
	if (g->major >= 0) {
		json_int(j, "major", g->major);
		json_int(j, "minor", g->minor);
	} else {
		json_null(j, "major");
		json_null(j, "minor");
	}
	json_str(j, "arch", g->arch);
	json_str(j, "hostname", g->hostname);
	json_str(j, "package_format", g->package_format);
	json_str(j, "package_manager", g->package_manager);
	json_str(j, "init_system", g->init_system);
	json_obj_end(j);
}

static void mounts(struct json *j, const struct guest *g)
{
	json_arr_begin(j, "mounts");
	for (size_t i = 0; i < g->mounts.n; i++) {
		const struct guest_mount *m = &g->mounts.v[i];

		json_obj_begin(j, NULL);
		json_str(j, "spec", m->spec);
		json_str(j, "mountpoint", m->mountpoint);
		json_str(j, "fstype", m->fstype);
		json_str(j, "options", m->options);
		json_int(j, "line", (int64_t)m->lineno);
		if (m->volume >= 0)
			json_int(j, "volume", m->volume);
		else
			json_null(j, "volume");
		json_bool(j, "inspected", m->mounted);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void kernels(struct json *j, const struct guest *g)
{
	json_arr_begin(j, "kernels");
	for (size_t i = 0; i < g->kernels.n; i++) {
		const struct guest_kernel *k = &g->kernels.v[i];

		json_obj_begin(j, NULL);
		json_str(j, "version", k->version);
		json_str(j, "image", k->image);
		json_str(j, "modules_dir", k->modules_dir);
		json_str(j, "flavour", k->flavour);
		json_str(j, "initramfs", k->initramfs);
		json_bool(j, "default", (int)i == g->default_kernel);
		json_obj_begin(j, "virtio");
		for (int d = 0; d < VD_COUNT; d++)
			json_str(j, virtio_driver_names[d], avail_name(k->virtio[d]));
		json_obj_end(j);
		json_bool(j, "virtio_boot", k->virtio_boot);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void bootloaders(struct json *j, const struct guest *g)
{
	json_arr_begin(j, "bootloaders");
	for (size_t i = 0; i < g->bootloaders.n; i++) {
		const struct bootloader *bl = &g->bootloaders.v[i];

		json_obj_begin(j, NULL);
		json_str(j, "type", bl->type);
		json_str(j, "firmware", bl->firmware);
		json_str(j, "config", bl->config);
		json_str(j, "sources", bl->sources);
		json_bool(j, "uses_blscfg", bl->uses_blscfg);
		json_str(j, "saved_entry", bl->saved_entry);
		json_str(j, "default_entry", bl->default_entry);
		json_arr_begin(j, "entries");
		for (size_t e = 0; e < bl->entries.n; e++) {
			const struct boot_entry *be = &bl->entries.v[e];

			json_obj_begin(j, NULL);
			json_str(j, "id", be->id);
			json_str(j, "title", be->title);
			json_str(j, "menu_path", be->menu_path);
			json_str(j, "kernel", be->kernel);
			json_str(j, "initrd", be->initrd);
			json_str(j, "cmdline", be->cmdline);
			json_str(j, "root", be->root);
			json_str(j, "resume", be->resume);
			json_str(j, "file", be->file);
			json_int(j, "line", (int64_t)be->lineno);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	if (g->grub_defaults.present) {
		json_obj_begin(j, "grub_defaults");
		json_str(j, "GRUB_CMDLINE_LINUX", g->grub_defaults.cmdline_linux);
		json_str(j, "GRUB_CMDLINE_LINUX_DEFAULT", g->grub_defaults.cmdline_linux_default);
		json_str(j, "GRUB_DISABLE_LINUX_UUID", g->grub_defaults.disable_linux_uuid);
		json_str(j, "GRUB_DEFAULT", g->grub_defaults.grub_default);
		json_obj_end(j);
	} else {
		json_null(j, "grub_defaults");
	}
}

static void blockrefs(struct json *j, const struct guest *g)
{
	json_arr_begin(j, "block_refs");
	for (size_t i = 0; i < g->blockrefs.n; i++) {
		const struct blockref *b = &g->blockrefs.v[i];

		json_obj_begin(j, NULL);
		json_str(j, "source", b->source);
		json_str(j, "file", b->file);
		json_int(j, "line", (int64_t)b->lineno);
		json_str(j, "key", b->key);
		json_str(j, "value", b->value);
		json_str(j, "class", ref_class_names[b->class]);
		json_bool(j, "unstable", b->unstable);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void network(struct json *j, const struct guest *g)
{
	json_obj_begin(j, "network");
	strvec(j, "stacks", g->net_stacks.v, g->net_stacks.n);
	json_arr_begin(j, "interfaces");
	for (size_t i = 0; i < g->net_ifaces.n; i++) {
		const struct net_iface *n = &g->net_ifaces.v[i];

		json_obj_begin(j, NULL);
		json_str(j, "name", n->name);
		json_str(j, "stack", n->stack);
		json_str(j, "file", n->file);
		json_str(j, "mac", n->mac);
		json_str(j, "driver", n->driver);
		json_str(j, "mode", n->mode);
		strvec(j, "addresses", n->addresses.v, n->addresses.n);
		json_str(j, "gateway", n->gateway);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr_begin(j, "name_pins");
	for (size_t i = 0; i < g->net_links.n; i++) {
		const struct net_link *l = &g->net_links.v[i];

		json_obj_begin(j, NULL);
		json_str(j, "kind", l->kind);
		json_str(j, "file", l->file);
		json_str(j, "name", l->name);
		json_str(j, "mac", l->mac);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void artifacts(struct json *j, const struct guest *g)
{
	json_arr_begin(j, "hypervisor_artifacts");
	for (size_t i = 0; i < g->hv_artifacts.n; i++) {
		const struct hv_artifact *a = &g->hv_artifacts.v[i];

		json_obj_begin(j, NULL);
		json_str(j, "hypervisor", a->hypervisor);
		json_str(j, "kind", a->kind);
		json_str(j, "name", a->name);
		json_str(j, "path", a->path);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void win_drivers(struct json *j, const char *key, const struct win_driver *d, size_t n)
{
	json_arr_begin(j, key);
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(j, NULL);
		json_str(j, "name", d[i].name);
		json_str(j, "image", d[i].image);
		json_int(j, "start", d[i].start);
		json_int(j, "type", d[i].type);
		json_str(j, "group", d[i].group);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void windows(struct json *j, const struct guest *g)
{
	const struct windows_info *w = g->windows;

	if (!w) {
		json_null(j, "windows");
		return;
	}
	json_obj_begin(j, "windows");
	json_str(j, "product_name", w->product_name);
	json_str(j, "current_version", w->current_version);
	json_str(j, "current_build", w->current_build);
	json_str(j, "edition_id", w->edition_id);
	json_str(j, "installation_type", w->installation_type);
	json_str(j, "system_root", w->system_root);
	json_int(j, "control_set", w->control_set);
	win_drivers(j, "boot_drivers", w->boot_drivers.v, w->boot_drivers.n);
	strvec(j, "vmware_services", w->vmware_services.v, w->vmware_services.n);
	strvec(j, "vmware_uninstall", w->vmware_uninstall.v, w->vmware_uninstall.n);
	win_drivers(j, "virtio_drivers", w->virtio_drivers.v, w->virtio_drivers.n);
	json_obj_end(j);
}

void report_json_guest(struct json *j, const struct guest *g)
{
	strvec(j, "inputs", g->inputs.v, g->inputs.n);
	volumes(j, g);
	json_str(j, "root", g->root_source);
	os(j, g);
	mounts(j, g);
	kernels(j, g);
	json_obj_begin(j, "initramfs");
	json_str(j, "flavour", g->initramfs_flavour);
	strvec(j, "images", g->initramfs_images.v, g->initramfs_images.n);
	json_obj_end(j);
	bootloaders(j, g);
	blockrefs(j, g);
	network(j, g);
	artifacts(j, g);
	if (g->selinux) {
		json_obj_begin(j, "selinux");
		json_str(j, "mode", g->selinux);
		json_str(j, "type", g->selinux_type);
		json_obj_end(j);
	} else {
		json_null(j, "selinux");
	}
	windows(j, g);
	strvec(j, "warnings", g->warnings.v, g->warnings.n);
}

void report_json(FILE *f, const struct guest *g)
{
	struct json j;

	json_init(&j, f, true);
	json_obj_begin(&j, NULL);
	json_int(&j, "schema", REPORT_SCHEMA_VERSION);
	json_str(&j, "morph_version", MORPH_VERSION);
	json_str(&j, "command", "inspect");
	report_json_guest(&j, g);
	json_obj_end(&j);
	json_end(&j);
}
