#include "cli.h"
#include "cli_prices.h"
#include "recommend.h"
#include "recommend_report.h"
#include "usage.h"

int cmd_recommend(int argc, char **argv)
{
	bool json = false, no_resize = false, errors;
	const char *file;
	int rc;
	struct cli_prices cp;
	cli_prices_init(&cp);
	const struct cli_opt opts[] = {
		{ "--json", false, NULL, &json },
		{ "--no-resize", false, NULL, &no_resize },
		{ "--prices", true, &cp.source, NULL },
		{ "--servers-only", false, NULL, &cp.servers_only },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, usage_text("recommend"), &rc))
		return rc;
	if (!cli_prices_load(&cp, "recommend")) {
		cli_prices_release(&cp);
		return CLI_ERRORS;
	}

	struct compilation c;
	if (!cli_compile_costable(&c, file, &cp.pr, json, &errors)) {
		compile_release(&c);
		cli_prices_release(&cp);
		return CLI_ERRORS;
	}
	struct recommend r;
	recommend_search(&c.arena, c.project, !no_resize, &r);
	if (json)
		recommend_report_json(&c.arena, c.project, &r, &c.diags, stdout);
	else
		recommend_report_text(&c.arena, c.project, &r, stdout);
	bool found = r.found;
	compile_release(&c);
	cli_prices_release(&cp);
	return errors || !found ? CLI_ERRORS : CLI_OK;
}
