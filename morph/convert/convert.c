/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rule table and the plan printer. */
#include "convert/convert.h"

#include <errno.h>
#include <string.h>

#include "util/diff.h"

/*
 * Order: the kernel choice first (the bootloader rule makes it the default);
 * block devices before the bootloader (both edit root= but in different
 * files); network and hypervisor tools are independent; the persistent
 * virtio drivers and the SELinux relabel come last because they look at what
 * the others planned (new files need a label); the initramfs rule follows
 * the kernel choice and rewrites that kernel's image.
 */
static const struct rule rules[] = {
	{"kernel", rule_kernel},	 {"blockdev", rule_blockdev},
	{"bootloader", rule_bootloader}, {"network", rule_network},
	{"hypervisor", rule_hypervisor}, {"virtio-persist", rule_virtio_persist},
	{"initramfs", rule_initramfs},	 {"selinux", rule_selinux},
};

int convert_plan(struct morph_ctx *ctx, struct guest *g, struct gtree *t,
		 const struct convert_opts *o, struct plan **ret)
{
	struct convert c = {ctx, g, t, NULL, o, -1};
	int r;

	if (g->windows) {
		log_err(ctx, "converting Windows guests is not implemented yet (inspection works: "
			     "morph inspect)");
		return -EOPNOTSUPP;
	}
	r = plan_new(t, &c.p);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		log_debug(ctx, "convert: rule %s", rules[i].name);
		r = rules[i].plan(&c);
		if (r < 0) {
			if (r != -ENOEXEC)
				log_err(ctx, "rule %s failed: %s", rules[i].name, strerror(-r));
			plan_free(c.p);
			return r;
		}
	}
	*ret = c.p;
	return 0;
}

static void put_safe(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

/* Content a text diff would garble (a NUL byte, as in compressed images). */
static bool is_binary(const struct fstate *st)
{
	return st->kind == FK_FILE && memchr(st->data, '\0', st->len) != NULL;
}

void plan_print(FILE *f, const struct plan *p)
{
	size_t n = plan_count(p), k = 0;

	fprintf(f, "Plan: %zu change%s\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < p->notes.n; i++) {
		fprintf(f, "  note [%s] ", p->notes.v[i].rule);
		put_safe(f, p->notes.v[i].text);
		fputc('\n', f);
	}
	for (size_t i = 0; i < p->actions.n; i++) {
		const struct action *a = &p->actions.v[i];
		const char *what;

		if (!action_changes(a))
			continue;
		if (a->after.kind == FK_ABSENT)
			what = "remove";
		else if (a->before.kind == FK_ABSENT)
			what = a->after.kind == FK_DIR	     ? "mkdir"
			       : a->after.kind == FK_SYMLINK ? "symlink"
							     : "create";
		else if (a->after.kind == FK_SYMLINK)
			what = "relink";
		else
			what = "edit";
		fprintf(f, "\n[%zu] %s ", ++k, what);
		put_safe(f, a->path);
		if (a->after.kind == FK_SYMLINK) {
			fputs(" -> ", f);
			put_safe(f, a->after.data);
		}
		fputc('\n', f);
		for (size_t r = 0; r < a->reasons.n; r++) {
			fprintf(f, "    because: ");
			put_safe(f, a->reasons.v[r]);
			fputc('\n', f);
		}
		if (is_binary(&a->before) || is_binary(&a->after)) {
			/* An initramfs image: sizes, not a diff. */
			fprintf(f, "    binary file: %zu -> %zu bytes\n",
				a->before.kind == FK_FILE ? a->before.len : 0,
				a->after.kind == FK_FILE ? a->after.len : 0);
		} else if (a->after.kind == FK_FILE ||
			   (a->before.kind == FK_FILE && a->after.kind == FK_ABSENT)) {
			char na[GFS_MAX_PATH + 8], nb[GFS_MAX_PATH + 8];

			snprintf(na, sizeof(na), "%s%s", a->before.kind == FK_FILE ? "a" : "",
				 a->before.kind == FK_FILE ? a->path : "/dev/null");
			snprintf(nb, sizeof(nb), "%s%s", a->after.kind == FK_FILE ? "b" : "",
				 a->after.kind == FK_FILE ? a->path : "/dev/null");
			diff_unified(f, na, nb, a->before.kind == FK_FILE ? a->before.data : NULL,
				     a->before.kind == FK_FILE ? a->before.len : 0,
				     a->after.kind == FK_FILE ? a->after.data : NULL,
				     a->after.kind == FK_FILE ? a->after.len : 0);
		}
	}
}
