#include "cli.h"
#include "cli_prices.h"
#include "recommend.h"
#include "recommend_report.h"

static const char cmd_recommend_usage[] =
	"usage: infrac recommend FILE [--no-resize] [--json] [--prices SRC] [--servers-only]\n"
	"\n"
	"Finds the cheapest catalog type for each server in each phase that\n"
	"passes every check (RAM with headroom, CPU, disk, limits.budget), and\n"
	"for each the cheaper types it rejected and why.  Prints the result as\n"
	"a scenario block to paste into FILE.\n"
	"\n"
	"  --no-resize  one type per server for the whole horizon (no upgrade\n"
	"               between phases)\n"
	"  --json       the same as data on stdout\n"
	CLI_PRICES_USAGE
	"\n"
	"Exit status: 0 found and the file is valid, 1 nothing passes or the\n"
	"file has errors (the search still runs when the only errors are of fit\n"
	"or budget), 2 usage errors.\n";

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
	if (!cli_parse(argc, argv, opts, &file, cmd_recommend_usage, &rc))
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
