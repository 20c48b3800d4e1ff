#include "cli.h"
#include "report.h"

static const char cmd_check_usage[] =
	"usage: infrac check FILE [--json]\n"
	"\n"
	"Proves FILE fits: every name resolves, units match, and every server\n"
	"carries its services in every phase (RAM with headroom, CPU, disk),\n"
	"with ports, domains and secrets in order.  Prints the capacity report.\n"
	"\n"
	"  --json   the report, or the diagnostics, as JSON on stdout\n"
	"\n"
	"Exit status: 0 valid (warnings allowed), 1 errors, 2 usage errors.\n";

int cmd_check(int argc, char **argv)
{
	bool json = false;
	const char *file;
	int rc;
	const struct cli_opt opts[] = {
		{ "--json", false, NULL, &json },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, cmd_check_usage, &rc))
		return rc;

	struct compilation c;
	bool ok = cli_compile(&c, file, json);
	if (ok) {
		if (json)
			report_json(c.project, &c.diags, stdout);
		else
			report_text(c.project, stdout, cli_color(stdout));
	}
	compile_release(&c);
	return ok ? CLI_OK : CLI_ERRORS;
}
