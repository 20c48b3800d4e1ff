#include "cli.h"
#include "cli_prices.h"
#include "report.h"
#include "usage.h"

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
	if (!cli_parse(argc, argv, opts, &file, usage_text("check"), &rc))
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
