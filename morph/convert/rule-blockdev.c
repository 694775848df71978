/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block-device names. /dev/sda1 on VMware's PVSCSI is /dev/vda1 on
 * virtio-blk (and /dev/xvda1 on Xen is neither), so every reference by
 * kernel name, by-path or by-id in fstab, crypttab and the resume settings
 * becomes UUID= (PARTUUID= or LABEL= where the volume has no UUID). Only the
 * device field changes: comments, spacing, options and commented-out lines
 * stay byte for byte. UUID=, LABEL=, /dev/mapper and /dev/<vg>/<lv> are
 * stable already and left alone.
 */
#include "convert/convert.h"
#include "inspect/inspect.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *convert_stable_spec(struct convert *c, const char *value)
{
	bool unstable;
	int v;

	if (blockref_classify(value, &unstable) == REF_OTHER || !unstable)
		return NULL;
	v = fstab_resolve_spec(c->g, value);
	if (v < 0) {
		plan_note(c->p, "blockdev",
			  "cannot map %s to a UUID: no volume with that name among the inputs%s",
			  value,
			  c->g->root_volume < 0
				  ? " (a directory input: only the volumes mounted in it are known)"
				  : "");
		return NULL;
	}
	{
		const struct volume *vol = &c->g->volumes.v[v].vol;

		if (vol->uuid[0])
			return arena_printf(c->p->arena, "UUID=%s", vol->uuid);
		if (vol->partuuid[0])
			return arena_printf(c->p->arena, "PARTUUID=%s", vol->partuuid);
		if (vol->label[0])
			return arena_printf(c->p->arena, "LABEL=%s", vol->label);
	}
	plan_note(c->p, "blockdev", "%s has no UUID, PARTUUID or LABEL to name it by", value);
	return NULL;
}

struct field_edit {
	struct convert *c;
	int field; /* 0-based, whitespace-separated */
};

/* Replace the field of a non-comment line when its value is unstable. */
static int edit_field_line(void *ud, const char *line, size_t llen, FILE *f)
{
	const struct field_edit *fe_ = ud;
	size_t i = 0, fs = 0, fe = 0;
	const char *repl = NULL;
	int n = -1;

	while (i < llen && isspace((unsigned char)line[i]))
		i++;
	while (i < llen && line[i] != '#' && n < fe_->field) {
		while (i < llen && isspace((unsigned char)line[i]))
			i++;
		if (i >= llen)
			break;
		fs = i;
		while (i < llen && !isspace((unsigned char)line[i]))
			i++;
		fe = i;
		n++;
	}
	if (n == fe_->field && fe - fs < 4096) {
		char val[4096];

		memcpy(val, line + fs, fe - fs);
		val[fe - fs] = '\0';
		repl = convert_stable_spec(fe_->c, val);
	}
	if (!repl)
		return LINE_PASS;
	fwrite(line, 1, fs, f);
	fputs(repl, f);
	fwrite(line + fe, 1, llen - fe, f);
	return LINE_CHANGED;
}

static int fix_file(struct convert *c, const char *path, int field, const char *reason)
{
	struct field_edit fe = {c, field};
	const char *buf;
	char *out;
	size_t len, olen;
	int r = plan_read(c->p, path, 64u << 20, &buf, &len);

	if (r == -EFBIG || r == -ELOOP || r == -EISDIR) {
		plan_note(c->p, "blockdev", "%s not edited: %s", path, strerror(-r));
		return 0;
	}
	if (r < 0 || !buf)
		return r;
	r = text_rewrite_lines(buf, len, edit_field_line, &fe, &out, &olen);
	if (r < 0 || !out)
		return r;
	r = plan_write(c->p, path, out, olen, 0, "blockdev", reason);
	free(out);
	return r;
}

/* RESUME= in initramfs-tools' resume file. */
static int fix_resume_conf(struct convert *c)
{
	static const char path[] = "/etc/initramfs-tools/conf.d/resume";
	const char *buf, *p;
	size_t len;
	int r = plan_read(c->p, path, 1u << 20, &buf, &len);

	if (r == -ENOMEM)
		return r;
	if (r < 0 || !buf)
		return 0;
	p = strstr(buf, "RESUME=");
	if (!p || (p != buf && p[-1] != '\n'))
		return 0;
	{
		const char *v = p + 7, *e = v;
		char val[1024];
		const char *repl;
		bool q = *v == '"';

		if (q)
			v++;
		e = v;
		while (*e && *e != '\n' && *e != '"' && !isspace((unsigned char)*e))
			e++;
		if ((size_t)(e - v) >= sizeof(val))
			return 0;
		memcpy(val, v, (size_t)(e - v));
		val[e - v] = '\0';
		repl = convert_stable_spec(c, val);
		if (!repl)
			return 0;
		{
			char *out =
				arena_printf(c->p->arena, "%.*s%s%s", (int)(v - buf), buf, repl, e);

			if (!out)
				return -ENOMEM;
			return plan_write(
				c->p, path, out, strlen(out), 0, "blockdev",
				"the resume device is named by its controller-specific name");
		}
	}
}

int rule_blockdev(struct convert *c)
{
	int r = fix_file(c, "/etc/fstab", 0,
			 "devices named /dev/sdX, /dev/xvdX, by-path or by-id change on KVM's "
			 "virtio controller");
	if (r == 0)
		r = fix_file(c, "/etc/crypttab", 1,
			     "encrypted devices named by a controller-specific name change on KVM");
	if (r == 0)
		r = fix_resume_conf(c);
	return r;
}
