/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * morph.* options from the kernel command line. The kernel splits words on
 * spaces and honours double quotes; we do the same so a quoted value (never
 * needed by our options, but legal) does not shift the words after it.
 */
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *opts_mode_name(enum init_mode m)
{
	switch (m) {
	case MODE_INSPECT: return "inspect";
	case MODE_DRY_RUN: return "dry-run";
	default: return "convert";
	}
}

static void warn(struct init_opts *o, const char *msg)
{
	if (o->n_warnings < INIT_MAX_WARNINGS)
		o->warnings[o->n_warnings++] = msg;
}

/* A MAC as aa:bb:cc:dd:ee:ff (either case). */
static bool is_mac(const char *s)
{
	for (int i = 0; i < 17; i++) {
		char c = s[i];

		if (i % 3 == 2) {
			if (c != ':')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return s[17] == '\0';
}

/* 1..86400 seconds; a day is far beyond any conversion and keeps sums small. */
static int parse_timeout(const char *s, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 86400)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* One word "morph.NAME[=VALUE]"; 0 or -EINVAL. */
static int opt_word(struct init_opts *o, char *w)
{
	char *name = w + strlen("morph."), *val = strchr(name, '=');

	if (val)
		*val++ = '\0';
	if (!strcmp(name, "mode")) {
		if (!val)
			return -EINVAL;
		if (!strcmp(val, "convert"))
			o->mode = MODE_CONVERT;
		else if (!strcmp(val, "inspect"))
			o->mode = MODE_INSPECT;
		else if (!strcmp(val, "dry-run"))
			o->mode = MODE_DRY_RUN;
		else
			return -EINVAL;
	} else if (!strcmp(name, "nic")) {
		/* OLD=MAC: the old name is the guest's, MAC one of this VM's. */
		char *eq = val ? strrchr(val, '=') : NULL;

		if (!eq || eq == val || !is_mac(eq + 1))
			return -EINVAL;
		if (o->n_nics == INIT_MAX_NICS) {
			warn(o, "more than 16 morph.nic= options: the rest are ignored");
			return 0;
		}
		o->nics[o->n_nics++] = val;
	} else if (!strcmp(name, "block-driver")) {
		if (!val || (strcmp(val, "virtio-blk") && strcmp(val, "virtio-scsi")))
			return -EINVAL;
		o->block_driver = val;
	} else if (!strcmp(name, "debug")) {
		o->debug = !val || strcmp(val, "0");
	} else if (!strcmp(name, "timeout")) {
		if (!val || parse_timeout(val, &o->timeout))
			return -EINVAL;
	} else if (!strcmp(name, "hang")) {
		if (!val)
			return -EINVAL;
		if (!strcmp(val, "child"))
			o->hang = HANG_CHILD;
		else if (!strcmp(val, "init"))
			o->hang = HANG_INIT;
		else if (!strcmp(val, "watchdog"))
			o->hang = HANG_WATCHDOG;
		else
			return -EINVAL;
	} else {
		warn(o, "unknown morph.* option on the kernel command line (ignored)");
	}
	return 0;
}

int opts_parse(const char *cmdline, struct init_opts *o, const char **bad)
{
	static char badbuf[128];
	char *p, *w;

	memset(o, 0, sizeof(*o));
	o->mode = MODE_CONVERT;
	o->timeout = INIT_DEFAULT_TIMEO;
	o->buf = strdup(cmdline ? cmdline : "");
	if (!o->buf)
		return -ENOMEM;
	/* Split in place: words end at unquoted whitespace; quotes are dropped. */
	p = o->buf;
	for (;;) {
		char *out;
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		w = out = p;
		for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				*out++ = *p;
		}
		if (*p)
			p++;
		*out = '\0';
		if (strncmp(w, "morph.", 6))
			continue;
		/* Keep the word for the message: opt_word() cuts it at '='. */
		snprintf(badbuf, sizeof(badbuf), "%s", w);
		if (opt_word(o, w)) {
			*bad = badbuf;
			return -EINVAL;
		}
	}
	return 0;
}

void opts_free(struct init_opts *o)
{
	free(o->buf);
	o->buf = NULL;
}
