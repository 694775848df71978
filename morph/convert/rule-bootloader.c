/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bootloaders, edited as text (no guest binary runs):
 *
 *  - kernel command lines (GRUB 2 linux lines, BLS options, GRUB legacy
 *    kernel lines, systemd-boot entries, GRUB_CMDLINE_LINUX* in
 *    /etc/default/grub, kernelopts in grubenv) and GRUB `set var=` lines:
 *    root= and resume= by controller-specific names become UUID=; Xen console
 *    arguments become ttyS0 and Xen-only options are dropped; --console adds
 *    a serial console;
 *  - GRUB_DISABLE_LINUX_UUID=true is commented out so the guest's next
 *    grub-mkconfig keeps UUIDs;
 *  - the kernel rule's choice becomes the default: grubenv saved_entry (BLS),
 *    `set default` (GRUB 2) and GRUB_DEFAULT, `default N` (legacy),
 *    loader.conf (systemd-boot), /boot/photon.cfg (Photon OS).
 *
 * Only the affected tokens change; every other byte stays.
 */
#include "convert/convert.h"
#include "inspect/boot.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE	 "bootloader"
#define MAX_FILE (4u << 20)

/* Kernel arguments that only make sense on the old hypervisor. */
static const struct {
	const char *prefix; /* matched against the whole token */
	const char *hypervisor;
} dropped_args[] = {
	{"xencons=", "xen"},
	{"xen_emul_unplug=", "xen"},
};

static bool has_hypervisor(const struct guest *g, const char *hv)
{
	for (size_t i = 0; i < g->hv_artifacts.n; i++)
		if (strcmp(g->hv_artifacts.v[i].hypervisor, hv) == 0)
			return true;
	return false;
}

static bool is_cmdline_line(const char *s, size_t n)
{
	static const char *const heads[] = {
		"linux ",
		"linux\t",
		"linuxefi ",
		"linux16 ",
		"kernel ",
		"kernel\t",
		"options ",
		"options\t",
		"GRUB_CMDLINE_LINUX=",
		"GRUB_CMDLINE_LINUX_DEFAULT=",
		"kernelopts=",
		"photon_cmdline=",
	};

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		size_t hl = strlen(heads[i]);

		if (n >= hl && memcmp(s, heads[i], hl) == 0)
			return true;
	}
	return false;
}

static bool tok_end(char ch)
{
	return ch == '\0' || isspace((unsigned char)ch) || ch == '"' || ch == '\'';
}

/* Rewrite the tokens of one command-line line into f. */
static void edit_cmdline(struct convert *c, const char *s, size_t n, FILE *f, bool *changed)
{
	bool xen = has_hypervisor(c->g, "xen");
	bool want_console = c->o->console && *c->o->console;
	bool has_console = false;
	size_t i = 0, close_quote = n;
	bool grub_var = n > 5 && memcmp(s, "GRUB_", 5) == 0;

	/* For GRUB_CMDLINE_LINUX="...": the added console goes before the
	 * closing quote. */
	if (grub_var && n && (s[n - 1] == '"' || s[n - 1] == '\''))
		close_quote = n - 1;
	if (want_console) {
		char want[64];

		snprintf(want, sizeof(want), "console=%s", c->o->console);
		for (size_t k = 0; k + strlen(want) <= n; k++)
			if (memcmp(s + k, want, strlen(want)) == 0)
				has_console = true;
	}
	while (i < n) {
		size_t ts = i, te;
		char tok[4096];
		bool at_start = ts == 0 || isspace((unsigned char)s[ts - 1]) || s[ts - 1] == '"' ||
				s[ts - 1] == '\'' || s[ts - 1] == '=';

		if (i == close_quote && want_console && !has_console) {
			fprintf(f, "%sconsole=%s,115200",
				i && !isspace((unsigned char)s[i - 1]) && s[i - 1] != '"' ? " "
											  : "",
				c->o->console);
			has_console = true;
			*changed = true;
		}
		if (!at_start || tok_end(s[i])) {
			fputc(s[i++], f);
			continue;
		}
		te = ts;
		while (te < n && !tok_end(s[te]))
			te++;
		if (te - ts >= sizeof(tok)) {
			fwrite(s + ts, 1, te - ts, f);
			i = te;
			continue;
		}
		memcpy(tok, s + ts, te - ts);
		tok[te - ts] = '\0';
		i = te;
		if (str_startswith(tok, "root=") || str_startswith(tok, "resume=")) {
			char *eq = strchr(tok, '=');
			const char *repl = convert_stable_spec(c, eq + 1);

			if (repl) {
				*eq = '\0';
				fprintf(f, "%s=%s", tok, repl);
				*changed = true;
				continue;
			}
		} else if (str_startswith(tok, "console=xvc0") ||
			   (xen && str_startswith(tok, "console=hvc0"))) {
			fputs("console=ttyS0,115200", f);
			*changed = true;
			continue;
		} else {
			bool drop = false;

			for (size_t d = 0; d < sizeof(dropped_args) / sizeof(dropped_args[0]); d++)
				if (str_startswith(tok, dropped_args[d].prefix) &&
				    has_hypervisor(c->g, dropped_args[d].hypervisor))
					drop = true;
			if (drop) {
				/* Drop the token and the blank after it. */
				if (i < n && (s[i] == ' ' || s[i] == '\t'))
					i++;
				*changed = true;
				continue;
			}
		}
		fputs(tok, f);
	}
	if (close_quote == n && want_console && !has_console && !grub_var &&
	    !str_startswith(s, "kernelopts=") && !str_startswith(s, "photon_cmdline=")) {
		fprintf(f, " console=%s,115200", c->o->console);
		*changed = true;
	}
}

/* `set name=/dev/sda3` (Photon's rootpartition): the value feeds root=. */
static bool edit_set_line(struct convert *c, const char *s, size_t n, FILE *f)
{
	const char *eq = memchr(s, '=', n);
	char val[1024];
	const char *v, *e, *repl;
	bool q;

	if (n < 5 || memcmp(s, "set ", 4) != 0 || !eq)
		return false;
	v = eq + 1;
	q = v < s + n && (*v == '"' || *v == '\'');
	if (q)
		v++;
	e = v;
	while (e < s + n && !tok_end(*e))
		e++;
	if ((size_t)(e - v) >= sizeof(val))
		return false;
	memcpy(val, v, (size_t)(e - v));
	val[e - v] = '\0';
	if (!str_startswith(val, "/dev/"))
		return false;
	repl = convert_stable_spec(c, val);
	if (!repl)
		return false;
	fwrite(s, 1, (size_t)(v - s), f);
	fputs(repl, f);
	fwrite(e, 1, (size_t)(s + n - e), f);
	return true;
}

/* GRUB_DISABLE_LINUX_UUID=true makes grub-mkconfig write /dev/sdX again. */
static bool edit_disable_uuid(const char *s, size_t n, FILE *f)
{
	static const char key[] = "GRUB_DISABLE_LINUX_UUID=";

	if (n < sizeof(key) - 1 || memcmp(s, key, sizeof(key) - 1) != 0)
		return false;
	if (!memmem(s, n, "true", 4))
		return false;
	fputs("# morph: device names change on KVM; grub-mkconfig must use UUIDs\n#", f);
	fwrite(s, 1, n, f);
	return true;
}

/* One line of a bootloader file: command lines, `set` lines, and
 * GRUB_DISABLE_LINUX_UUID. */
static int edit_boot_line(void *ud, const char *line, size_t llen, FILE *f)
{
	struct convert *c = ud;
	size_t ind = 0;
	bool changed = false;

	while (ind < llen && (line[ind] == ' ' || line[ind] == '\t'))
		ind++;
	if (ind >= llen || line[ind] == '#')
		return LINE_PASS;
	if (is_cmdline_line(line + ind, llen - ind)) {
		fwrite(line, 1, ind, f);
		edit_cmdline(c, line + ind, llen - ind, f, &changed);
		return changed ? LINE_CHANGED : LINE_KEPT;
	}
	if (edit_set_line(c, line, llen, f) || edit_disable_uuid(line, llen, f))
		return LINE_CHANGED;
	return LINE_PASS;
}

/* Apply the line edits to one file; plan the result if it changed. */
static int edit_file(struct convert *c, const char *path, const char *reason)
{
	const char *buf;
	char *mem;
	size_t len, mlen;
	int r = plan_read(c->p, path, MAX_FILE, &buf, &len);

	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		plan_note(c->p, RULE, "%s not edited: %s", path, strerror(-r));
		return 0;
	}
	if (!buf)
		return 0;
	r = text_rewrite_lines(buf, len, edit_boot_line, c, &mem, &mlen);
	if (r == 0 && mem)
		r = plan_write(c->p, path, mem, mlen, 0, RULE, reason);
	free(mem);
	return r;
}

/* ------------------------------------------------------------------ */
/* grubenv: a 1024-byte block of "key=value\n" lines padded with '#'.   */

static int grubenv_set(struct convert *c, const char *path, const char *key, const char *value,
		       const char *reason)
{
	const char *buf;
	size_t len, llen, mlen = 0, body;
	struct line_iter it;
	const char *line;
	char *mem = NULL;
	bool found = false;
	FILE *f;
	int r = plan_read(c->p, path, 64 * 1024, &buf, &len);

	if (r < 0 || !buf)
		return r == -ENOMEM ? r : 0;
	f = open_memstream(&mem, &mlen);
	if (!f)
		return -ENOMEM;
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		size_t kl = strlen(key);

		if (llen && line[0] == '#' && it.lineno > 1)
			break; /* the padding */
		if (llen > kl && memcmp(line, key, kl) == 0 && line[kl] == '=') {
			fprintf(f, "%s=%s\n", key, value);
			found = true;
		} else {
			fwrite(line, 1, llen, f);
			fputc('\n', f);
		}
	}
	if (!found)
		fprintf(f, "%s=%s\n", key, value);
	fflush(f);
	body = mlen;
	for (size_t k = body; k < len; k++)
		fputc('#', f);
	if (fclose(f) != 0) {
		free(mem);
		return -ENOMEM;
	}
	if (body > len) {
		plan_note(c->p, RULE, "%s: %s=%s does not fit the environment block; not set", path,
			  key, value);
		r = 0;
	} else {
		r = plan_write(c->p, path, mem, mlen, 0, RULE, reason);
	}
	free(mem);
	return r;
}

/* kernelopts in grubenv (RHEL 8/9 BLS entries use $kernelopts). */
static int fix_grubenv_kernelopts(struct convert *c, const char *path)
{
	const char *buf, *k;
	size_t len, mlen = 0;
	char *mem = NULL, *val;
	bool changed = false;
	FILE *f;
	int r = plan_read(c->p, path, 64 * 1024, &buf, &len);

	if (r < 0 || !buf)
		return r == -ENOMEM ? r : 0;
	k = strstr(buf, "\nkernelopts=");
	if (!k)
		return 0;
	k += 1;
	{
		const char *e = strchr(k, '\n');
		size_t n = e ? (size_t)(e - k) : strlen(k);

		f = open_memstream(&mem, &mlen);
		if (!f)
			return -ENOMEM;
		edit_cmdline(c, k, n, f, &changed);
		fclose(f);
		if (!mem)
			return -ENOMEM;
	}
	if (changed) {
		val = mem + strlen("kernelopts=");
		r = grubenv_set(c, path, "kernelopts", val,
				"kernelopts feeds the BLS entries' root= and resume=");
	}
	free(mem);
	return r;
}

/* ------------------------------------------------------------------ */
/* The default kernel.                                                  */

static int entry_for_kernel(const struct guest *g, const struct bootloader *bl, int k)
{
	for (size_t e = 0; e < bl->entries.n; e++)
		if (boot_entry_kernel(g, &bl->entries.v[e]) == k)
			return (int)e;
	return -1;
}

struct first_line {
	const char *head, *newline;
	bool done;
};

static int replace_first(void *ud, const char *line, size_t llen, FILE *f)
{
	struct first_line *fl = ud;
	size_t ind = 0, hl = strlen(fl->head);

	while (ind < llen && isspace((unsigned char)line[ind]))
		ind++;
	if (fl->done || llen - ind < hl || memcmp(line + ind, fl->head, hl) != 0)
		return LINE_PASS;
	fwrite(line, 1, ind, f);
	fputs(fl->newline, f);
	fl->done = true;
	return LINE_CHANGED;
}

/* Replace the first line starting with `head` in path. */
static int set_line_value(struct convert *c, const char *path, const char *head,
			  const char *newline, const char *reason)
{
	struct first_line fl = {head, newline, false};
	const char *buf;
	char *mem;
	size_t len, mlen;
	int r = plan_read(c->p, path, MAX_FILE, &buf, &len);

	if (r < 0 || !buf)
		return r == -ENOMEM ? r : 0;
	r = text_rewrite_lines(buf, len, replace_first, &fl, &mem, &mlen);
	if (r == 0 && mem)
		r = plan_write(c->p, path, mem, mlen, 0, RULE, reason);
	free(mem);
	return r;
}

static int set_default_kernel(struct convert *c)
{
	const struct guest *g = c->g;
	const struct guest_kernel *k = &g->kernels.v[c->kernel];
	char *reason = arena_printf(
		c->p->arena, "kernel %s can boot on virtio; the old default cannot", k->version);
	int r = 0;

	if (!reason)
		return -ENOMEM;
	/* Photon OS: /boot/photon.cfg names the kernel its grub.cfg boots. */
	{
		struct gfs_stat st;
		char cfg[300], target[256];

		snprintf(target, sizeof(target), "linux-%s.cfg", k->version);
		snprintf(cfg, sizeof(cfg), "/boot/%s", target);
		if (gtree_lstat(c->t, "/boot/photon.cfg", &st) == 0 && st.type == GFS_LNK &&
		    gtree_is_file(c->t, cfg))
			r = plan_symlink(c->p, "/boot/photon.cfg", target, RULE, reason);
	}
	for (size_t b = 0; b < g->bootloaders.n && r == 0; b++) {
		const struct bootloader *bl = &g->bootloaders.v[b];
		int e = entry_for_kernel(g, bl, c->kernel);
		const struct boot_entry *be;

		if (e < 0)
			continue;
		be = &bl->entries.v[e];
		if (strcmp(bl->type, "bls") == 0 && be->id) {
			r = grubenv_set(c, "/boot/grub2/grubenv", "saved_entry", be->id, reason);
		} else if (strcmp(bl->type, "grub2") == 0 && be->menu_path) {
			char *line = arena_printf(c->p->arena, "set default=\"%s\"", be->menu_path);

			if (!line)
				return -ENOMEM;
			if (bl->default_entry && strstr(bl->default_entry, "saved_entry"))
				r = grubenv_set(c, "/boot/grub/grubenv", "saved_entry",
						be->menu_path, reason);
			else
				r = set_line_value(c, bl->config, "set default=", line, reason);
			if (r == 0 && g->grub_defaults.present) {
				line = arena_printf(c->p->arena, "GRUB_DEFAULT=\"%s\"",
						    be->menu_path);
				r = line ? set_line_value(c, "/etc/default/grub",
							  "GRUB_DEFAULT=", line, reason)
					 : -ENOMEM;
			}
		} else if (strcmp(bl->type, "grub-legacy") == 0) {
			char *line = arena_printf(c->p->arena, "default %d", e);

			r = line ? set_line_value(c, bl->config, "default", line, reason) : -ENOMEM;
		} else if (strcmp(bl->type, "systemd-boot") == 0 && be->id) {
			char *line = arena_printf(c->p->arena, "default %s.conf", be->id);

			r = line ? set_line_value(c, bl->config, "default", line, reason) : -ENOMEM;
		}
	}
	return r;
}

/* ------------------------------------------------------------------ */

int rule_bootloader(struct convert *c)
{
	const struct guest *g = c->g;
	const char *seen[256];
	size_t nseen = 0;
	int r = 0;

	/* Every file that holds a kernel command line, once. */
	for (size_t b = 0; b < g->bootloaders.n && r == 0; b++) {
		const struct bootloader *bl = &g->bootloaders.v[b];
		const char *files[1 + 512];
		size_t nf = 0;

		if (bl->config && strcmp(bl->type, "bls") != 0)
			files[nf++] = bl->config;
		for (size_t e = 0; e < bl->entries.n && nf < 513; e++)
			if (bl->entries.v[e].file)
				files[nf++] = bl->entries.v[e].file;
		for (size_t i = 0; i < nf && r == 0; i++) {
			bool dup = false;

			for (size_t s = 0; s < nseen; s++)
				dup |= strcmp(seen[s], files[i]) == 0;
			if (dup || nseen >= 256)
				continue;
			seen[nseen++] = files[i];
			r = edit_file(c, files[i],
				      "kernel command lines name the root and resume devices and "
				      "the console");
		}
	}
	if (r == 0 && g->grub_defaults.present)
		r = edit_file(c, "/etc/default/grub",
			      "the guest's next grub-mkconfig must keep stable device names");
	if (r == 0)
		r = fix_grubenv_kernelopts(c, "/boot/grub2/grubenv");
	if (r == 0 && gtree_is_file(c->t, "/boot/photon.cfg"))
		r = edit_file(c, "/boot/photon.cfg", "Photon's kernel command line");
	if (r == 0 && c->kernel >= 0 && c->kernel != g->default_kernel)
		r = set_default_kernel(c);
	return r;
}
