/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The MORPH-RESULT line and morph-result.json (docs/appliance.md lists the
 * fields). Strings go through morph's own JSON writer (morph/report/json.c),
 * which escapes control characters and invalid UTF-8, so a hostile guest
 * string cannot break the line or the document.
 */
#include "init.h"
#include "report/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void result_warn(struct result *r, const char *static_msg)
{
	int max = (int)(sizeof(r->warnings) / sizeof(r->warnings[0]));

	for (int i = 0; i < r->n_warnings; i++)
		if (!strcmp(r->warnings[i], static_msg))
			return;
	if (r->n_warnings < max)
		r->warnings[r->n_warnings++] = static_msg;
}

static void summary(struct json *j, const struct result *r)
{
	json_int(j, "morph_result", 1);
	json_str(j, "result", r->exit ? "error" : "ok");
	json_int(j, "exit", r->exit);
	json_str(j, "error", r->error);
	json_str(j, "mode", r->mode);
	json_str(j, "boot", r->boot);
	json_str(j, "version", r->version);
	json_int(j, "elapsed_ms", r->elapsed_ms);
	json_int(j, "boot_ms", r->boot_ms);
	json_arr_begin(j, "disks");
	for (int i = 0; i < r->n_disks; i++) {
		const struct disk_result *d = &r->disks[i];

		json_obj_begin(j, NULL);
		json_str(j, "device", d->dev);
		json_str(j, "guest", d->guest);
		json_str(j, "distro", d->distro);
		json_bool(j, "skipped", d->skipped);
		json_int(j, "exit", d->exit);
		json_str(j, "phase", d->phase);
		json_str(j, "via", d->via);
		if (d->changes >= 0)
			json_int(j, "changes", d->changes);
		else
			json_null(j, "changes");
		json_bool(j, "applied", d->applied);
		json_arr_begin(j, "nic_map");
		for (int k = 0; k < d->n_nic_args; k++)
			json_str(j, NULL, d->nic_args[k]);
		json_arr_end(j);
		json_str(j, "message", d->error);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr_begin(j, "nics");
	for (int i = 0; i < r->n_nics; i++) {
		json_obj_begin(j, NULL);
		json_str(j, "name", r->nics[i].name);
		json_str(j, "mac", r->nics[i].mac);
		json_str(j, "pci", r->nics[i].pci);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr_begin(j, "warnings");
	for (int i = 0; i < r->n_warnings; i++)
		json_str(j, NULL, r->warnings[i]);
	json_arr_end(j);
}

char *result_line(const struct result *r)
{
	char *buf = NULL;
	size_t len = 0;
	struct json j;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	json_init(&j, f, false);
	json_obj_begin(&j, NULL);
	summary(&j, r);
	json_obj_end(&j);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A raw morph report, embedded as is when it parses, else as a string. */
static void raw(FILE *f, const char *key, const char *text)
{
	struct jv *v = NULL;

	fprintf(f, ",\n\"%s\":", key);
	if (!text || !*text) {
		fputs("null", f);
		return;
	}
	if (jv_parse(text, strlen(text), &v)) {
		json_write_string(f, text);
		return;
	}
	jv_free(v);
	fputs(text, f);
}

int result_write_full(const struct result *r, int fd)
{
	char *buf = NULL, *line;
	size_t len = 0, off = 0;
	int ret = 0;
	FILE *f;

	line = result_line(r);
	if (!line)
		return -ENOMEM;
	f = open_memstream(&buf, &len);
	if (!f) {
		free(line);
		return -ENOMEM;
	}
	fprintf(f, "{\"summary\":%s,\n\"reports\":[", line);
	for (int i = 0; i < r->n_disks; i++) {
		fputs(i ? ",\n{\"device\":" : "\n{\"device\":", f);
		json_write_string(f, r->disks[i].dev);
		raw(f, "inspect", r->disks[i].inspect_json);
		raw(f, "convert", r->disks[i].convert_json);
		fputc('}', f);
	}
	fputs("]}\n", f);
	free(line);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	free(buf);
	return ret;
}

void result_free(struct result *r)
{
	free(r->error);
	r->error = NULL;
	for (int i = 0; i < r->n_disks; i++) {
		struct disk_result *d = &r->disks[i];

		free(d->error);
		free(d->guest);
		free(d->distro);
		free(d->via);
		free(d->inspect_json);
		free(d->convert_json);
		for (int k = 0; k < d->n_nic_args; k++)
			free(d->nic_args[k]);
	}
	r->n_disks = 0;
}
