#include "cli.h"
#include "cli_prices.h"
#include "report.h"

static const char cmd_check_usage[] =
	"usage: infrac check FILE [--json] [--prices SRC] [--servers-only]\n"
	"\n"
	"Proves FILE fits: every name resolves, units match, and every server\n"
	"carries its services in every phase (RAM with headroom, CPU, disk),\n"
	"with ports, domains, secrets and limits.budget in order.  Prints the\n"
	"capacity report.\n"
	"\n"
	"  --json          the report, or the diagnostics, as JSON on stdout\n"
	CLI_PRICES_USAGE
	"\n"
	"Exit status: 0 valid (warnings allowed), 1 errors, 2 usage errors.\n";

int cmd_check(int argc, char **argv)
{
	bool json = false;
	const char *file;
	int rc;
	struct cli_prices cp;
	cli_prices_init(&cp);
	const struct cli_opt opts[] = {
		{ "--json", false, NULL, &json },
		{ "--prices", true, &cp.source, NULL },
		{ "--servers-only", false, NULL, &cp.servers_only },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, cmd_check_usage, &rc))
		return rc;
	if (!cli_prices_load(&cp, "check")) {
		cli_prices_release(&cp);
		return CLI_ERRORS;
	}

	struct compilation c;
	bool ok = cli_compiled(&c, cli_compile_checked(&c, file, &cp.pr), json);
	if (ok) {
		if (json)
			report_json(c.project, &c.diags, stdout);
		else
			report_text(c.project, stdout, cli_color(stdout));
	}
	compile_release(&c);
	cli_prices_release(&cp);
	return ok ? CLI_OK : CLI_ERRORS;
}
