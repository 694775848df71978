/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* morph convert and morph undo. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "convert/convert.h"
#include "convert/journal.h"
#include "inspect/inspect.h"
#include "report/report.h"
#include "tools/commands.h"
#include "tools/exitcode.h"

#define MAX_NICS 64

/* A unicast MAC written aa:bb:cc:dd:ee:ff (a NIC cannot have a multicast
 * one: the low bit of the first byte is clear). */
static bool valid_mac(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return (strtoul((char[]){s[0], s[1], 0}, NULL, 16) & 1) == 0;
}

static void json_plan(struct json *j, const struct plan *p)
{
	json_arr_begin(j, "changes");
	for (size_t i = 0; i < p->actions.n; i++) {
		const struct action *a = &p->actions.v[i];
		char sb[SHA256_HEX_LEN + 1], sa[SHA256_HEX_LEN + 1];

		if (!action_changes(a))
			continue;
		fstate_sha(&a->before, sb);
		fstate_sha(&a->after, sa);
		json_obj_begin(j, NULL);
		json_str(j, "path", a->path);
		json_str(j, "before", fkind_name(a->before.kind));
		json_str(j, "after", fkind_name(a->after.kind));
		json_str(j, "sha256_before", strcmp(sb, "-") ? sb : NULL);
		json_str(j, "sha256_after", strcmp(sa, "-") ? sa : NULL);
		if (a->after.kind == FK_SYMLINK)
			json_str(j, "target", a->after.data);
		json_arr_begin(j, "rules");
		for (size_t k = 0; k < a->rules.n; k++)
			json_str(j, NULL, a->rules.v[k]);
		json_arr_end(j);
		json_arr_begin(j, "reasons");
		for (size_t k = 0; k < a->reasons.n; k++)
			json_str(j, NULL, a->reasons.v[k]);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr_begin(j, "notes");
	for (size_t i = 0; i < p->notes.n; i++) {
		json_obj_begin(j, NULL);
		json_str(j, "rule", p->notes.v[i].rule);
		json_str(j, "text", p->notes.v[i].text);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void make_run_id(char *buf, size_t size)
{
	const char *env = getenv("MORPH_RUN_ID");
	time_t now = time(NULL);
	struct tm tm;

	if (env && *env && strlen(env) < 64 && !strchr(env, '/') && env[0] != '.') {
		snprintf(buf, size, "%s", env);
		return;
	}
	gmtime_r(&now, &tm);
	snprintf(buf, size, "%04d%02d%02dT%02d%02d%02dZ-%d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)getpid());
}

int cmd_convert(struct morph_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"block-driver", required_argument, NULL, 'b'},
		{"nic", required_argument, NULL, 'N'},
		{"console", required_argument, NULL, 'c'},
		{"no-firstboot", no_argument, NULL, 'F'},
		{"initramfs", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct nic_map nics[MAX_NICS];
	char root[PATH_MAX];
	struct convert_opts co = {.nics = nics};
	struct inspect_opts io = {.writable = true};
	bool dry = false, json = false;
	struct guest *g = NULL;
	struct gtree *t = NULL;
	struct plan *p = NULL;
	char run_id[80] = "";
	int c, r, code;

	optind = 1;
	while ((c = getopt_long(argc, argv, "njh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = true; break;
		case 'j': json = true; break;
		case 'b':
			if (strcmp(optarg, "virtio-blk") == 0)
				co.block_driver = BLOCK_VIRTIO_BLK;
			else if (strcmp(optarg, "virtio-scsi") == 0)
				co.block_driver = BLOCK_VIRTIO_SCSI;
			else {
				fprintf(stderr, "morph convert: --block-driver takes virtio-blk or "
						"virtio-scsi\n");
				return EXIT_USAGE;
			}
			break;
		case 'N': {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || !valid_mac(eq + 1) || co.nnics >= MAX_NICS) {
				fprintf(stderr, "morph convert: --nic takes OLDNAME=MAC with a "
						"unicast MAC, e.g. "
						"ens192=52:54:00:12:34:56\n");
				return EXIT_USAGE;
			}
			*eq = '\0';
			for (char *m = eq + 1; *m; m++)
				*m = (char)tolower((unsigned char)*m);
			nics[co.nnics++] = (struct nic_map){optarg, eq + 1};
			break;
		}
		case 'c':
			for (const char *s = optarg; *s; s++)
				if (!isalnum((unsigned char)*s)) {
					fprintf(stderr, "morph convert: --console takes a device "
							"name such as ttyS0\n");
					return EXIT_USAGE;
				}
			co.console = optarg;
			break;
		case 'F': co.no_firstboot = true; break;
		case 'I':
			if (strcmp(optarg, "guest") != 0 && strcmp(optarg, "native") != 0) {
				fprintf(stderr, "morph convert: --initramfs takes native (the "
						"default) or guest\n");
				return EXIT_USAGE;
			}
			co.initramfs_guest = strcmp(optarg, "guest") == 0;
			break;
		case 'h':
			printf("usage: morph convert [--dry-run] [--json] [--block-driver "
			       "virtio-blk|virtio-scsi]\n"
			       "                     [--nic OLDNAME=MAC]... [--console ttyS0] "
			       "[--no-firstboot]\n"
			       "                     [--initramfs native|guest] DISK|DIR...\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "morph convert: name at least one DISK or DIR\n");
		return EXIT_USAGE;
	}
	if (co.initramfs_guest) {
		struct stat st;

		/* The guest's tool runs in a chroot: it needs the guest as one
		 * directory, and root. */
		if (argc - optind != 1 || stat(argv[optind], &st) < 0 || !S_ISDIR(st.st_mode) ||
		    !realpath(argv[optind], root)) {
			fprintf(stderr, "morph convert: --initramfs guest needs the guest's root "
					"as one mounted DIR (in the appliance, or mount it)\n");
			return EXIT_USAGE;
		}
		if (geteuid() != 0) {
			fprintf(stderr, "morph convert: --initramfs guest runs the guest's tool "
					"in a chroot: run as root\n");
			return EXIT_ACCESS;
		}
		co.guest_root = root;
	}
	io.writable = !dry;
	r = inspect_guest(ctx, (const char *const *)argv + optind, (size_t)(argc - optind), &io, &g,
			  &t);
	if (r == 0)
		r = convert_plan(ctx, g, t, &co, &p);
	if (r == 0 && !dry) {
		make_run_id(run_id, sizeof(run_id));
		r = plan_apply(p, ctx, run_id);
	}
	code = exit_code_for(r);
	if (r < 0 && code == EXIT_INTERNAL)
		fprintf(stderr, "morph: error: %s\n", strerror(-r));
	if (p && (r == 0 || dry)) {
		if (json) {
			struct json j;

			json_init(&j, stdout, true);
			json_obj_begin(&j, NULL);
			json_int(&j, "schema", REPORT_SCHEMA_VERSION);
			json_str(&j, "morph_version", MORPH_VERSION);
			json_str(&j, "command", "convert");
			json_bool(&j, "dry_run", dry);
			json_bool(&j, "applied", !dry && r == 0 && plan_count(p) > 0);
			json_str(&j, "run_id", !dry && plan_count(p) ? run_id : NULL);
			json_plan(&j, p);
			json_obj_begin(&j, "guest");
			report_json_guest(&j, g);
			json_obj_end(&j);
			json_obj_end(&j);
			json_end(&j);
		} else {
			plan_print(stdout, p);
			if (!dry && plan_count(p))
				printf("\nApplied %zu change%s. Journal: %s/%s in the guest; put "
				       "it all back with: morph undo %s\n",
				       plan_count(p), plan_count(p) == 1 ? "" : "s", JOURNAL_ROOT,
				       run_id, argv[optind]);
			else if (!plan_count(p))
				printf("\nNothing to change.\n");
		}
	}
	plan_free(p);
	gtree_free(t);
	guest_free(g);
	return code;
}

int cmd_undo(struct morph_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct inspect_opts io = {.writable = true};
	struct undo_result res = {0};
	struct guest *g = NULL;
	struct gtree *t = NULL;
	bool force = false;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'h': printf("usage: morph undo [--force] DISK|DIR...\n"); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "morph undo: name at least one DISK or DIR\n");
		return EXIT_USAGE;
	}
	r = inspect_guest(ctx, (const char *const *)argv + optind, (size_t)(argc - optind), &io, &g,
			  &t);
	if (r == 0)
		r = convert_undo(t, ctx, force, &res);
	if (r == 0)
		printf("Undid run %s: %zu path%s restored.\n", res.run_id, res.restored,
		       res.restored == 1 ? "" : "s");
	else if (exit_code_for(r) == EXIT_INTERNAL)
		fprintf(stderr, "morph: error: %s\n", strerror(-r));
	free(res.run_id);
	gtree_free(t);
	guest_free(g);
	return exit_code_for(r);
}
