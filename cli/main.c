/*
 * infrac: one binary, one subcommand per job.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "usage.h"

#ifndef INFRAC_VERSION
#define INFRAC_VERSION "unknown"
#endif

/* What each command runs; what it says about itself is in usage.c (help
 * and version, which main answers itself, too).  The commands whose names
 * start with "__" serve the shell completion and the man page and are
 * not listed. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} main_commands[] = {
	{ "check", cmd_check },
	{ "cost", cmd_cost },
	{ "recommend", cmd_recommend },
	{ "build", cmd_build },
	{ "plan", cmd_plan },
	{ "apply", cmd_apply },
	{ "output", cmd_output },
	{ "destroy", cmd_destroy },
	{ "lsp", cmd_lsp },
	{ "status", cmd_status },
	{ "logs", cmd_logs },
	{ "exec", cmd_exec },
	{ "ssh", cmd_ssh },
	{ "releases", cmd_releases },
	{ "rollback", cmd_rollback },
	{ "unlock", cmd_unlock },
	{ "prices", cmd_prices },
	{ "fmt", cmd_fmt },
	{ "graph", cmd_graph },
	{ "__complete", cmd_complete },
	{ "__man", cmd_man },
};

#define MAIN_NCOMMANDS (sizeof(main_commands) / sizeof(*main_commands))

static int main_find(const char *name)
{
	for (size_t i = 0; i < MAIN_NCOMMANDS; i++)
		if (!strcmp(name, main_commands[i].name))
			return (int)i;
	return -1;
}

/* The commands main runs, as usage.c describes them; help and version
 * are named after them. */
static void main_usage(FILE *out)
{
	fputs("usage: infrac COMMAND FILE [options]\n\ncommands:\n", out);
	for (size_t i = 0; i < usage_ncmds; i++)
		if (main_find(usage_cmds[i].name) >= 0)
			fprintf(out, "  %-10s %s\n", usage_cmds[i].name, usage_cmds[i].summary);
	fputs("\n`infrac help COMMAND` or `infrac COMMAND --help` describes a command;\n"
	      "`infrac --version` names this build.  Every command takes --no-color.\n"
	      "FILE `-` reads the infra file from the standard input.\n", out);
}

/* An unknown command: the closest known one, then the list. */
static int main_unknown(const char *name)
{
	struct diag_suggest sg;
	diag_suggest_init(&sg, name);
	for (size_t i = 0; i < usage_ncmds; i++)
		diag_suggest_try(&sg, usage_cmds[i].name);
	const char *best = diag_suggest_result(&sg);
	fprintf(stderr, "infrac: unknown command '%s'%s%s%s\n", name, best ? " (did you mean '" : "",
		best ? best : "", best ? "'?)" : "");
	main_usage(stderr);
	return CLI_USAGE;
}

static bool main_is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

/* infrac help COMMAND: what `infrac COMMAND --help` says */
static int main_help(const char *name)
{
	if (main_is_help(name))
		name = "help";
	if (!strncmp(name, "__", 2) || !usage_find(name))
		return main_unknown(name);
	fputs(usage_text(name), stdout);
	return CLI_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		if (argc > 2 && main_is_help(argv[2]))
			return main_help("version");
		printf("infrac %s\n", INFRAC_VERSION);
		return CLI_OK;
	}
	if (main_is_help(argv[1]) || (!strcmp(argv[1], "help") && argc == 2)) {
		main_usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "help"))
		return main_help(argv[2]);
	int k = main_find(argv[1]);
	return k < 0 ? main_unknown(argv[1]) : main_commands[k].run(argc - 1, argv + 1);
}
