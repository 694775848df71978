/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bootloaders: GRUB 2 (BIOS and EFI grub.cfg, grubenv, /etc/default/grub),
 * GRUB legacy (menu.lst / grub.conf), BLS entries, systemd-boot. Everything
 * is read as text; nothing of the guest runs. Each bootloader kind is a row
 * of the table at the bottom.
 *
 * GRUB 2 configs are scripts; morph does not evaluate them. It tokenises
 * words the way GRUB does (quotes, escapes, '#' comments), remembers plain
 * `set var=value` assignments and `load_env`/`source` of simple KEY=value
 * files, and expands $var in linux lines with them. Conditionals are not
 * evaluated: every linux line inside a menuentry counts.
 */
#include "inspect/boot.h"
#include "inspect/kernels.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS   256
#define MAX_VARS    256
#define MAX_ENTRIES 512

struct vars {
	const char *name[MAX_VARS];
	const char *value[MAX_VARS];
	size_t n;
};

static const char *var_get(const struct vars *v, const char *name, size_t len)
{
	for (size_t i = v->n; i-- > 0;)
		if (strlen(v->name[i]) == len && memcmp(v->name[i], name, len) == 0)
			return v->value[i];
	return NULL;
}

static void var_set(struct arena *a, struct vars *v, const char *name, const char *value)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->name[i], name) == 0) {
			v->value[i] = value;
			return;
		}
	if (v->n < MAX_VARS) {
		v->name[v->n] = name;
		v->value[v->n++] = value;
	}
}

/*
 * Split one GRUB script line into words: '...' literal, "..." with \\ \" \$
 * escapes and $var expansion, bare words with $var expansion and backslash
 * escapes, '#' starting a word ends the line. Unknown variables are kept as
 * written; with vars NULL nothing is expanded.
 */
static size_t grub_words(struct arena *a, const char *line, size_t len, const struct vars *vars,
			 char **out, size_t max)
{
	size_t n = 0, i = 0, cap = len * 4 + 1;
	char *buf = arena_alloc(a, cap), *end = buf + cap;

	if (!buf)
		return 0;
	while (i < len && n < max) {
		size_t o = 0;
		char q = 0;

		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i >= len || line[i] == '#' || buf >= end)
			break;
		out[n] = buf;
		for (; i < len; i++) {
			char c = line[i];

			if (!q && isspace((unsigned char)c))
				break;
			if (!q && (c == '\'' || c == '"')) {
				q = c;
				continue;
			}
			if (q && c == q) {
				q = 0;
				continue;
			}
			/* Every write below keeps one byte for the NUL:
			 * expansions that would overflow are cut. */
			if (buf + o + 1 >= end)
				continue;
			if (c == '\\' && q != '\'' && i + 1 < len) {
				buf[o++] = line[++i];
				continue;
			}
			if (c == '$' && q != '\'' && vars) {
				size_t s = i + 1, e;
				bool brace = s < len && line[s] == '{';
				const char *val;

				if (brace)
					s++;
				e = s;
				while (e < len &&
				       (isalnum((unsigned char)line[e]) || line[e] == '_'))
					e++;
				if (e == s) {
					buf[o++] = c;
					continue;
				}
				val = var_get(vars, line + s, e - s);
				if (brace && e < len && line[e] == '}')
					e++;
				/* Unknown variables stay as written: a report
				 * showing "$kernelopts" beats an empty one. */
				if (!val)
					val = arena_strndup(a, line + i, e - i);
				i = e - 1;
				for (size_t k = 0; val && val[k] && buf + o + 1 < end; k++)
					buf[o++] = val[k];
				continue;
			}
			buf[o++] = c;
		}
		buf[o++] = '\0';
		buf += o;
		n++;
	}
	return n;
}

static char *join_words(struct arena *a, char **w, size_t n)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	s = p = arena_alloc(a, len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(w[i]);

		if (i)
			*p++ = ' ';
		memcpy(p, w[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

static int read_text(struct guest *g, struct gtree *t, const char *path, char **buf, size_t *len)
{
	int r = gtree_read(t, path, GUEST_SMALL_FILE * 4, buf, len);

	if (r == -EFBIG || r == -ELOOP) {
		guest_warn(g, "%s: %s; not read", path, r == -ELOOP ? "symlink loop" : "too large");
		return r;
	}
	return r;
}

/* KEY=value files: grubenv, photon.cfg. Values are taken literally. */
static int load_env(struct guest *g, struct gtree *t, const char *path, struct vars *v)
{
	struct line_iter it;
	const char *line;
	char *buf;
	size_t len, llen;

	if (read_text(g, t, path, &buf, &len) < 0)
		return 0;
	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		const char *eq = memchr(line, '=', llen);

		if (!llen || line[0] == '#' || !eq || eq == line)
			continue;
		var_set(g->arena, v, arena_strndup(g->arena, line, (size_t)(eq - line)),
			arena_strndup(g->arena, eq + 1, (size_t)(line + llen - eq - 1)));
	}
	free(buf);
	return 0;
}

static struct bootloader *add_loader(struct guest *g, const char *type, const char *firmware,
				     const char *config)
{
	struct bootloader *bl = VEC_PUSH(g->arena, g->bootloaders);

	if (!bl)
		return NULL;
	bl->type = type;
	bl->firmware = firmware;
	bl->config = arena_strdup(g->arena, config);
	return bl;
}

static struct boot_entry *add_entry(struct guest *g, struct bootloader *bl, const char *file,
				    size_t lineno)
{
	struct boot_entry *e;

	if (bl->entries.n >= MAX_ENTRIES)
		return NULL;
	e = VEC_PUSH(g->arena, bl->entries);
	if (!e)
		return NULL;
	e->file = file;
	e->lineno = lineno;
	return e;
}

static void set_cmdline(struct guest *g, struct boot_entry *e, const char *cmdline)
{
	e->cmdline = cmdline;
	e->root = cmdline ? cmdline_get(g->arena, cmdline, "root") : NULL;
	e->resume = cmdline ? cmdline_get(g->arena, cmdline, "resume") : NULL;
}

/* The directory of a guest path, for resolving relative includes. */
static bool is_word(char **w, size_t n, size_t i, const char *s)
{
	return i < n && strcmp(w[i], s) == 0;
}

static int parse_grub2(struct guest *g, struct gtree *t, struct bootloader *bl, const char *path,
		       const char *buf, size_t len, struct vars *vars)
{
	struct boot_entry *cur = NULL;
	struct line_iter it;
	const char *line;
	size_t llen;
	int depth = 0, entry_depth = -1;
	/* Open submenus: title and the brace depth they opened at. */
	const char *sub_title[8];
	int sub_depth[8], nsub = 0;
	const char *file = bl->config;

	line_iter_init(&it, buf, len);
	while (line_iter_next(&it, &line, &llen)) {
		char *w[MAX_WORDS];
		size_t n = grub_words(g->arena, line, llen, vars, w, MAX_WORDS);

		if (n == 0)
			continue;
		if (strcmp(w[0], "menuentry") == 0 && n >= 2) {
			cur = add_entry(g, bl, file, it.lineno);
			if (!cur)
				return -ENOMEM;
			cur->title = w[1];
			cur->menu_path = w[1];
			for (int k = nsub; k-- > 0;)
				cur->menu_path = arena_printf(g->arena, "%s>%s", sub_title[k],
							      cur->menu_path);
			entry_depth = depth;
		} else if (strcmp(w[0], "submenu") == 0 && n >= 2 && !cur) {
			if (nsub < 8) {
				sub_title[nsub] = w[1];
				sub_depth[nsub++] = depth;
			}
		} else if (strcmp(w[0], "set") == 0 && n >= 2 && !cur) {
			char *eq = strchr(w[1], '=');

			if (eq) {
				*eq = '\0';
				var_set(g->arena, vars, w[1], eq + 1);
				if (strcmp(w[1], "default") == 0)
					bl->default_entry = eq + 1;
			}
		} else if ((strcmp(w[0], "load_env") == 0 || strcmp(w[0], "source") == 0) &&
			   n >= 2) {
			const char *f = is_word(w, n, 1, "-f") && n >= 3 ? w[2] : w[1];

			if (f[0] == '/' && !strstr(f, "grubenv"))
				load_env(g, t, f, vars);
		} else if (strcmp(w[0], "blscfg") == 0) {
			bl->uses_blscfg = true;
		} else if (strcmp(w[0], "configfile") == 0 && n >= 2) {
			bl->sources = w[1];
		} else if (cur &&
			   (strcmp(w[0], "linux") == 0 || strcmp(w[0], "linuxefi") == 0 ||
			    strcmp(w[0], "linux16") == 0) &&
			   n >= 2) {
			cur->kernel = w[1];
			set_cmdline(g, cur, join_words(g->arena, w + 2, n - 2));
		} else if (cur &&
			   (strcmp(w[0], "initrd") == 0 || strcmp(w[0], "initrdefi") == 0 ||
			    strcmp(w[0], "initrd16") == 0) &&
			   n >= 2) {
			cur->initrd = w[n - 1];
		}
		/* Braces: menuentry/submenu blocks. */
		for (size_t i = 0; i < llen; i++) {
			if (line[i] == '#')
				break;
			if (line[i] == '{')
				depth++;
			else if (line[i] == '}' && depth > 0) {
				depth--;
				if (depth == entry_depth) {
					cur = NULL;
					entry_depth = -1;
				} else if (!cur && nsub && depth == sub_depth[nsub - 1]) {
					nsub--;
				}
			}
		}
	}
	(void)path;
	return 0;
}

/* grubenv beside a grub.cfg: saved_entry, kernelopts and friends. */
static void read_grubenv(struct guest *g, struct gtree *t, const char *dir, struct bootloader *bl,
			 struct vars *vars)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/grubenv", dir);
	load_env(g, t, path, vars);
	bl->saved_entry = var_get(vars, "saved_entry", 11);
}

static char *dir_of(struct arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');

	return arena_strndup(a, path, slash && slash != path ? (size_t)(slash - path) : 1);
}

static int grub2_config(struct guest *g, struct gtree *t, const char *path, const char *firmware,
			struct vars *vars)
{
	struct bootloader *bl;
	char *buf;
	size_t len;
	int r;

	if (read_text(g, t, path, &buf, &len) < 0)
		return 0;
	bl = add_loader(g, "grub2", firmware, path);
	if (!bl) {
		free(buf);
		return -ENOMEM;
	}
	read_grubenv(g, t, dir_of(g->arena, path), bl, vars);
	r = parse_grub2(g, t, bl, path, buf, len, vars);
	free(buf);
	return r;
}

/* Names already read, by canonical path, so a symlinked config counts once. */
struct seen {
	char *paths[64];
	size_t n;
};

static bool seen_before(struct gtree *t, struct seen *s, const char *path)
{
	char *canon = NULL;

	if (gtree_realpath(t, path, &canon) < 0)
		return true;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->paths[i], canon) == 0) {
			free(canon);
			return true;
		}
	if (s->n < 64)
		s->paths[s->n++] = canon;
	else
		free(canon);
	return false;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->paths[i]);
}

struct names {
	struct guest *g;
	VEC(const char *) v;
	const char *suffix;
	bool dirs;
};

static int collect_names(void *ud, const char *name, enum gfs_type type)
{
	struct names *n = ud;
	const char **slot;

	if (n->v.n >= MAX_ENTRIES)
		return 0;
	if (n->dirs ? type != GFS_DIR : (type != GFS_REG && type != GFS_LNK))
		return 0;
	if (n->suffix && !str_endswith(name, n->suffix))
		return 0;
	slot = VEC_PUSH(n->g->arena, n->v);
	if (slot)
		*slot = arena_strdup(n->g->arena, name);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list_sorted(struct guest *g, struct gtree *t, const char *dir, const char *suffix,
			bool dirs, struct names *out)
{
	*out = (struct names){.g = g, .suffix = suffix, .dirs = dirs};
	gtree_readdir(t, dir, collect_names, out);
	if (out->v.n)
		qsort(out->v.v, out->v.n, sizeof(*out->v.v), cmp_str);
}

static int find_grub2(struct guest *g, struct gtree *t)
{
	static const char *const bios[] = {"/boot/grub2/grub.cfg", "/boot/grub/grub.cfg"};
	struct seen seen = {0};
	struct names efi;
	int r = 0;

	for (size_t i = 0; i < 2 && r == 0; i++) {
		struct vars vars = {0};

		if (gtree_is_file(t, bios[i]) && !seen_before(t, &seen, bios[i]))
			r = grub2_config(g, t, bios[i], "bios", &vars);
	}
	list_sorted(g, t, "/boot/efi/EFI", NULL, true, &efi);
	for (size_t i = 0; i < efi.v.n && r == 0; i++) {
		char *p = arena_printf(g->arena, "/boot/efi/EFI/%s/grub.cfg", efi.v.v[i]);
		struct vars vars = {0};

		if (p && gtree_is_file(t, p) && !seen_before(t, &seen, p))
			r = grub2_config(g, t, p, "efi", &vars);
	}
	seen_free(&seen);
	return r;
}

/* BLS entries: "key value" lines. */
static int parse_bls_dir(struct guest *g, struct gtree *t, struct bootloader *bl, const char *dir,
			 struct vars *vars)
{
	struct names files;

	list_sorted(g, t, dir, ".conf", false, &files);
	for (size_t i = 0; i < files.v.n; i++) {
		char *path = arena_printf(g->arena, "%s/%s", dir, files.v.v[i]);
		struct boot_entry *e;
		struct line_iter it;
		const char *line;
		char *buf;
		size_t len, llen;

		if (!path)
			return -ENOMEM;
		if (read_text(g, t, path, &buf, &len) < 0)
			continue;
		e = add_entry(g, bl, path, 1);
		if (!e) {
			free(buf);
			return -ENOMEM;
		}
		/* The entry id grub's saved_entry names: file name less .conf */
		e->id = arena_strndup(g->arena, files.v.v[i], strlen(files.v.v[i]) - 5);
		e->title = e->id;
		line_iter_init(&it, buf, len);
		while (line_iter_next(&it, &line, &llen)) {
			char *w[MAX_WORDS];
			size_t n = grub_words(g->arena, line, llen, vars, w, MAX_WORDS);

			if (n < 2)
				continue;
			if (strcmp(w[0], "linux") == 0 || strcmp(w[0], "efi") == 0)
				e->kernel = w[1];
			else if (strcmp(w[0], "initrd") == 0)
				e->initrd = w[1];
			else if (strcmp(w[0], "options") == 0)
				set_cmdline(g, e, join_words(g->arena, w + 1, n - 1));
			else if (strcmp(w[0], "title") == 0)
				e->title = join_words(g->arena, w + 1, n - 1);
		}
		free(buf);
	}
	return 0;
}

static int find_bls(struct guest *g, struct gtree *t)
{
	struct bootloader *grub = NULL, *bl;
	struct vars vars = {0};

	if (!gtree_is_dir(t, "/boot/loader/entries"))
		return 0;
	for (size_t i = 0; i < g->bootloaders.n; i++)
		if (g->bootloaders.v[i].uses_blscfg && !grub)
			grub = &g->bootloaders.v[i];
	/* $kernelopts and friends come from the grubenv beside grub.cfg. */
	load_env(g, t, "/boot/grub2/grubenv", &vars);
	bl = add_loader(g, "bls", grub ? grub->firmware : NULL, "/boot/loader/entries");
	if (!bl)
		return -ENOMEM;
	bl->saved_entry = var_get(&vars, "saved_entry", 11);
	return parse_bls_dir(g, t, bl, "/boot/loader/entries", &vars);
}

static int find_systemd_boot(struct guest *g, struct gtree *t)
{
	static const char *const esps[] = {"/boot/efi", "/efi", "/boot"};

	for (size_t i = 0; i < 3; i++) {
		char conf[64], entries[64];
		struct bootloader *bl;
		struct vars vars = {0};
		char *buf;
		size_t len;

		snprintf(conf, sizeof(conf), "%s/loader/loader.conf", esps[i]);
		snprintf(entries, sizeof(entries), "%s/loader/entries", esps[i]);
		if (!gtree_is_file(t, conf))
			continue;
		bl = add_loader(g, "systemd-boot", "efi", conf);
		if (!bl)
			return -ENOMEM;
		if (read_text(g, t, conf, &buf, &len) == 0) {
			struct line_iter it;
			const char *line;
			size_t llen;

			line_iter_init(&it, buf, len);
			while (line_iter_next(&it, &line, &llen)) {
				char *w[2];

				if (text_fields(g->arena, line, llen, w, 2) == 2 &&
				    strcmp(w[0], "default") == 0)
					bl->default_entry = w[1];
			}
			free(buf);
		}
		/* /boot/loader/entries under grub is BLS, read by find_bls. */
		if (strcmp(esps[i], "/boot") != 0)
			return parse_bls_dir(g, t, bl, entries, &vars);
		return 0;
	}
	return 0;
}

static int find_grub_legacy(struct guest *g, struct gtree *t)
{
	static const char *const paths[] = {"/boot/grub/menu.lst", "/boot/grub/grub.conf",
					    "/etc/grub.conf"};
	struct seen seen = {0};
	int r = 0;

	for (size_t i = 0; i < 3 && r == 0; i++) {
		struct boot_entry *cur = NULL;
		struct bootloader *bl;
		struct line_iter it;
		const char *line;
		char *buf;
		size_t len, llen;

		if (!gtree_exists(t, paths[i]) || seen_before(t, &seen, paths[i]))
			continue;
		if (read_text(g, t, paths[i], &buf, &len) < 0)
			continue;
		bl = add_loader(g, "grub-legacy", "bios", paths[i]);
		if (!bl) {
			r = -ENOMEM;
			free(buf);
			break;
		}
		line_iter_init(&it, buf, len);
		while (line_iter_next(&it, &line, &llen) && r == 0) {
			char *w[MAX_WORDS];
			size_t n = text_fields(g->arena, line, llen, w, MAX_WORDS);

			if (n == 0 || w[0][0] == '#')
				continue;
			if (strcmp(w[0], "default") == 0 && n >= 2) {
				bl->default_entry = w[1];
			} else if (strcmp(w[0], "title") == 0) {
				cur = add_entry(g, bl, bl->config, it.lineno);
				if (!cur)
					r = -ENOMEM;
				else
					cur->title = join_words(g->arena, w + 1, n - 1);
			} else if (cur && strcmp(w[0], "kernel") == 0 && n >= 2) {
				cur->kernel = w[1];
				set_cmdline(g, cur, join_words(g->arena, w + 2, n - 2));
			} else if (cur && strcmp(w[0], "initrd") == 0 && n >= 2) {
				cur->initrd = w[1];
			}
		}
		free(buf);
	}
	seen_free(&seen);
	return r;
}

static int read_default_grub(struct guest *g, struct gtree *t)
{
	kv_list kv = {0};
	char *buf;
	size_t len;
	int r;

	if (read_text(g, t, "/etc/default/grub", &buf, &len) < 0)
		return 0;
	r = kv_parse_shell(g->arena, buf, len, &kv);
	free(buf);
	if (r < 0)
		return r;
	g->grub_defaults.present = true;
	g->grub_defaults.cmdline_linux = kv_get(&kv, "GRUB_CMDLINE_LINUX");
	g->grub_defaults.cmdline_linux_default = kv_get(&kv, "GRUB_CMDLINE_LINUX_DEFAULT");
	g->grub_defaults.disable_linux_uuid = kv_get(&kv, "GRUB_DISABLE_LINUX_UUID");
	g->grub_defaults.grub_default = kv_get(&kv, "GRUB_DEFAULT");
	return 0;
}

/* The kernel an entry boots, by the version in its image name. */
int boot_entry_kernel(const struct guest *g, const struct boot_entry *e)
{
	const char *base;

	if (!e->kernel)
		return -1;
	base = strrchr(e->kernel, '/');
	base = base ? base + 1 : e->kernel;
	for (size_t i = 0; i < g->kernels.n; i++) {
		const char *img = strrchr(g->kernels.v[i].image, '/') + 1;

		if (strcmp(img, base) == 0)
			return (int)i;
	}
	return -1;
}

/* Which entry a loader boots by default, or -1. */
int boot_default_entry(const struct bootloader *bl)
{
	const char *want = bl->saved_entry;
	char *end;
	long idx;

	if (!bl->entries.n)
		return -1;
	if (!want || !*want)
		want = bl->default_entry;
	if (!want || !*want || strcmp(want, "saved") == 0)
		return 0;
	for (size_t i = 0; i < bl->entries.n; i++)
		if (bl->entries.v[i].id && strcmp(bl->entries.v[i].id, want) == 0)
			return (int)i;
	for (size_t i = 0; i < bl->entries.n; i++)
		if (bl->entries.v[i].title && strcmp(bl->entries.v[i].title, want) == 0)
			return (int)i;
	idx = strtol(want, &end, 10);
	if (end != want && !*end && idx >= 0 && (size_t)idx < bl->entries.n)
		return (int)idx;
	return 0;
}

static void pick_default_kernel(struct guest *g)
{
	for (size_t b = 0; b < g->bootloaders.n; b++) {
		const struct bootloader *bl = &g->bootloaders.v[b];
		int e = boot_default_entry(bl), k;

		if (bl->uses_blscfg || e < 0)
			continue;
		k = boot_entry_kernel(g, &bl->entries.v[e]);
		if (k >= 0) {
			g->default_kernel = k;
			return;
		}
	}
}

static const struct {
	const char *name;
	int (*find)(struct guest *g, struct gtree *t);
} loaders[] = {
	/* grub2 first: find_bls needs to know whether grub loads BLS. */
	{"grub2", find_grub2},
	{"bls", find_bls},
	{"systemd-boot", find_systemd_boot},
	{"grub-legacy", find_grub_legacy},
};

int inspect_bootloaders(struct guest *g, struct gtree *t)
{
	int r = read_default_grub(g, t);

	for (size_t i = 0; i < sizeof(loaders) / sizeof(loaders[0]) && r == 0; i++)
		r = loaders[i].find(g, t);
	if (r == 0)
		pick_default_kernel(g);
	return r;
}
