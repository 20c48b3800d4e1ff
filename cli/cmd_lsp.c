#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lsp_server.h"

static const char cmd_lsp_usage[] =
	"usage: infrac lsp\n"
	"\n"
	"A Language Server Protocol server on standard input and output, for\n"
	"editors: check's diagnostics as you type, hover with a server's RAM,\n"
	"CPU and disk in a phase and the exact value of a quantity, go to\n"
	"definition, completion of names, units and attributes.  See docs/lsp.md.\n"
	"\n"
	"Exit status: 0 after the client's shutdown and exit, 1 when the input\n"
	"ends first, 2 usage errors.\n";

int cmd_lsp(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		bool help = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
		if (!strcmp(argv[i], "--stdio") || !strcmp(argv[i], "--no-color"))
			continue; /* what editors' configurations pass */
		fputs(cmd_lsp_usage, help ? stdout : stderr);
		return help ? CLI_OK : CLI_USAGE;
	}
	return lsp_server_run(stdin, stdout);
}
