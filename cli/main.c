/*
 * infrac: one binary, one subcommand per job.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef INFRAC_VERSION
#define INFRAC_VERSION "unknown"
#endif

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} main_commands[] = {
	{ "check", cmd_check, "prove the file fits and print the capacity report" },
	{ "cost", cmd_cost, "cost the plan and every scenario over the horizon" },
	{ "recommend", cmd_recommend, "the cheapest server types that pass every check" },
	{ "build", cmd_build, "write docker-compose, nginx and cloud-init files per phase and server" },
	{ "plan", cmd_plan, "show what apply would change in the Hetzner project, and why" },
	{ "apply", cmd_apply, "make the Hetzner project match the file, deploy over SSH" },
	{ "output", cmd_output, "server addresses and the A records of the domains, for scripts" },
	{ "destroy", cmd_destroy, "remove what the project has at Hetzner, or what only one phase has" },
	{ "lsp", cmd_lsp, "a language server for editors, on stdin and stdout" },
	{ "status", cmd_status, "what runs on each server of a phase, and its drift from the file" },
	{ "logs", cmd_logs, "the logs of services, from the servers that run them" },
	{ "exec", cmd_exec, "run a command in a service's container" },
	{ "ssh", cmd_ssh, "a shell or a command on a server" },
	{ "releases", cmd_releases, "the releases each server keeps, the current one marked" },
	{ "rollback", cmd_rollback, "switch a server back to a kept release, with a deploy's checks" },
	{ "unlock", cmd_unlock, "remove the apply lock an interrupted apply left in the project" },
	{ "prices", cmd_prices, "save today's Hetzner prices to a file a project can pin" },
};

#define MAIN_NCOMMANDS (sizeof(main_commands) / sizeof(*main_commands))

static void main_usage(FILE *out)
{
	fputs("usage: infrac COMMAND FILE [options]\n\ncommands:\n", out);
	for (size_t i = 0; i < MAIN_NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", main_commands[i].name, main_commands[i].summary);
	fputs("\n`infrac help COMMAND` or `infrac COMMAND --help` describes a command;\n"
	      "`infrac --version` names this build.  Every command takes --no-color.\n"
	      "FILE `-` reads the infra file from the standard input.\n", out);
}

static int main_find(const char *name)
{
	for (size_t i = 0; i < MAIN_NCOMMANDS; i++)
		if (!strcmp(name, main_commands[i].name))
			return (int)i;
	return -1;
}

/* An unknown command: the closest known one, then the list. */
static int main_unknown(const char *name)
{
	struct diag_suggest sg;
	diag_suggest_init(&sg, name);
	for (size_t i = 0; i < MAIN_NCOMMANDS; i++)
		diag_suggest_try(&sg, main_commands[i].name);
	const char *best = diag_suggest_result(&sg);
	fprintf(stderr, "infrac: unknown command '%s'%s%s%s\n", name, best ? " (did you mean '" : "",
		best ? best : "", best ? "'?)" : "");
	main_usage(stderr);
	return CLI_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("infrac %s\n", INFRAC_VERSION);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		main_usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "help")) {
		/* infrac help COMMAND: the command's own --help */
		int k = main_find(argv[2]);
		if (k < 0)
			return main_unknown(argv[2]);
		char *help[] = { argv[2], (char *)"--help", NULL };
		return main_commands[k].run(2, help);
	}
	int k = main_find(argv[1]);
	return k < 0 ? main_unknown(argv[1]) : main_commands[k].run(argc - 1, argv + 1);
}
