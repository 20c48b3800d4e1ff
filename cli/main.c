/*
 * infrac: one binary, one subcommand per job.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
	{ "unlock", cmd_unlock, "remove the apply lock an interrupted apply left in the project" },
};

static void main_usage(FILE *out)
{
	fputs("usage: infrac COMMAND FILE [options]\n\ncommands:\n", out);
	for (size_t i = 0; i < sizeof(main_commands) / sizeof(*main_commands); i++)
		fprintf(out, "  %-10s %s\n", main_commands[i].name, main_commands[i].summary);
	fputs("\n`infrac COMMAND --help` describes a command.\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		main_usage(stdout);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(main_commands) / sizeof(*main_commands); i++)
		if (!strcmp(argv[1], main_commands[i].name))
			return main_commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "infrac: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return CLI_USAGE;
}
