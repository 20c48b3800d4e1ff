#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lsp_server.h"
#include "usage.h"

int cmd_lsp(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		bool help = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
		if (!strcmp(argv[i], "--stdio") || !strcmp(argv[i], "--no-color"))
			continue; /* what editors' configurations pass */
		fputs(usage_text("lsp"), help ? stdout : stderr);
		return help ? CLI_OK : CLI_USAGE;
	}
	return lsp_server_run(stdin, stdout);
}
