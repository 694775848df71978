/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The morph command: one table of subcommands. The CLI is the only place
 * that prints and picks exit codes; the library reports through the log
 * callback and negative errno values.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "inspect/inspect.h"
#include "report/report.h"
#include "tools/commands.h"
#include "tools/exitcode.h"

struct command {
	const char *name;
	int (*run)(struct morph_ctx *ctx, int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct command *find_command(const char *name);
static void print_help(FILE *f);

static void log_stderr(void *userdata, enum morph_log_level level, const char *msg)
{
	static const char *const prefix[] = {"error", "warning", "info", "debug"};

	fprintf(stderr, "morph: %s: ", prefix[level]);
	/* Messages can carry guest strings: no control characters. */
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, stderr);
	fputc('\n', stderr);
}

static int cmd_inspect(struct morph_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct guest *g = NULL;
	bool json = false;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h':
			printf("usage: morph inspect %s\n", find_command("inspect")->usage);
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "morph inspect: name at least one DISK or DIR\n");
		return EXIT_USAGE;
	}
	r = inspect_guest(ctx, (const char *const *)argv + optind, (size_t)(argc - optind), NULL,
			  &g, NULL);
	if (r < 0) {
		if (exit_code_for(r) == EXIT_INTERNAL)
			fprintf(stderr, "morph: error: %s\n", strerror(-r));
		return exit_code_for(r);
	}
	if (json)
		report_json(stdout, g);
	else
		report_text(stdout, g);
	guest_free(g);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

static int cmd_help(struct morph_ctx *ctx, int argc, char **argv)
{
	print_help(stdout);
	return EXIT_OK;
}

static int cmd_version(struct morph_ctx *ctx, int argc, char **argv)
{
	printf("morph %s\n", MORPH_VERSION);
	return EXIT_OK;
}

static const struct command commands[] = {
	{"inspect", cmd_inspect, "[--json] DISK|DIR...",
	 "describe the guest on the disks (read-only)"},
	{"convert", cmd_convert, "[--dry-run] [--json] [--nic OLD=MAC]... DISK|DIR...",
	 "morph the guest for KVM in place (plan, journal, apply)"},
	{"undo", cmd_undo, "[--force] DISK|DIR...", "put back every file the last convert changed"},
	{"help", cmd_help, "", "show this help"},
	{"version", cmd_version, "", "print the version"},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_help(FILE *f)
{
	fprintf(f, "usage: morph [-v|-q] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %-24s %s\n", commands[i].name, commands[i].usage,
			commands[i].help);
	fprintf(f, "\nOptions: -v more messages, -q errors only, --version.\n"
		   "Exit codes: 0 ok, 2 usage, 3 no guest recognised, 4 corrupt or bad input,\n"
		   "5 not a raw disk (convert with qemu-img), 6 input not accessible,\n"
		   "7 not supported, 8 no kernel can boot on virtio, 9 undo refused (files\n"
		   "changed), 10 guest filesystem full, 1 internal error. See docs/cli.md.\n");
}

int main(int argc, char **argv)
{
	struct morph_ctx ctx = {log_stderr, NULL, MORPH_LOG_WARN};
	const struct command *cmd;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0)
			ctx.log_max = MORPH_LOG_DEBUG;
		else if (strcmp(argv[i], "-q") == 0)
			ctx.log_max = MORPH_LOG_ERR;
		else if (strcmp(argv[i], "--version") == 0)
			return cmd_version(&ctx, 0, NULL);
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cmd_help(&ctx, 0, NULL);
		else {
			fprintf(stderr, "morph: unknown option %s\n", argv[i]);
			print_help(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[i]);
	if (!cmd) {
		fprintf(stderr, "morph: unknown command '%s'\n", argv[i]);
		print_help(stderr);
		return EXIT_USAGE;
	}
	return cmd->run(&ctx, argc - i, argv + i);
}
