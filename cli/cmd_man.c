#include "cli.h"
#include "usage.h"

/* Not listed: the Makefile puts its output into docs/man/infrac.1.in. */
int cmd_man(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fputs("usage: infrac __man\n", stderr);
		return CLI_USAGE;
	}
	usage_troff(stdout);
	return CLI_OK;
}
