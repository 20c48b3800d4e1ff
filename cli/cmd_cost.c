#include <errno.h>
#include <string.h>

#include "cli.h"
#include "cli_prices.h"
#include "cost.h"
#include "cost_report.h"
#include "cost_svg.h"
#include "usage.h"

int cmd_cost(int argc, char **argv)
{
	bool json = false, errors;
	const char *file, *svg = NULL;
	int rc;
	struct cli_prices cp;
	cli_prices_init(&cp);
	const struct cli_opt opts[] = {
		{ "--json", false, NULL, &json },
		{ "--svg", true, &svg, NULL },
		{ "--prices", true, &cp.source, NULL },
		{ "--servers-only", false, NULL, &cp.servers_only },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, usage_text("cost"), &rc))
		return rc;
	if (!cli_prices_load(&cp, "cost")) {
		cli_prices_release(&cp);
		return CLI_ERRORS;
	}

	struct compilation c;
	if (!cli_compile_costable(&c, file, &cp.pr, json, &errors)) {
		compile_release(&c);
		cli_prices_release(&cp);
		return CLI_ERRORS;
	}
	struct cost_table t;
	cost_table_build(&c.arena, c.project, &t);
	if (json)
		cost_report_json(&c.arena, c.project, &t, &c.diags, stdout);
	else
		cost_report_text(&c.arena, c.project, &t, stdout);
	if (svg) {
		FILE *f = fopen(svg, "w");
		if (f)
			cost_svg_write(c.project, &t, f);
		if (!f || fclose(f)) {
			fprintf(stderr, "infrac cost: cannot write %s: %s\n", svg, strerror(errno));
			errors = true;
		}
	}
	compile_release(&c);
	cli_prices_release(&cp);
	return errors ? CLI_ERRORS : CLI_OK;
}
