#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_prices.h"
#include "fileio.h"

static const char cmd_prices_usage[] =
	"usage: infrac prices FILE.json\n"
	"\n"
	"Reads today's prices from the Hetzner API (GET /pricing and GET\n"
	"/server_types: every server type with its architecture, CPU kind and\n"
	"the locations where it is sold, the primary IPv4, backups, snapshots,\n"
	"volumes and traffic) and saves them to FILE.json with the date they\n"
	"were read.  `project { prices = \"FILE.json\" }` pins a file to that\n"
	"snapshot so a review is reproducible; `--prices FILE.json` uses it once.\n"
	"\n"
	"Environment: HCLOUD_TOKEN (read-only is enough), HCLOUD_ENDPOINT\n"
	"(default https://api.hetzner.cloud/v1), INFRAC_TODAY=YYYY-MM-DD.\n"
	"\n"
	"Exit status: 0 saved, 1 errors, 2 usage errors.\n";

/* How many distinct locations the table sells in. */
static size_t cmd_prices_locations(const struct prices *t)
{
	const char *seen[256];
	size_t n = 0;
	for (size_t i = 0; i < t->ntypes; i++)
		for (size_t k = 0; k < t->types[i].nlocs; k++) {
			size_t j = 0;
			while (j < n && strcmp(seen[j], t->types[i].locs[k].location))
				j++;
			if (j == n && n < sizeof(seen) / sizeof(seen[0]))
				seen[n++] = t->types[i].locs[k].location;
		}
	return n;
}

int cmd_prices(int argc, char **argv)
{
	const char *file;
	int rc;
	const struct cli_opt opts[] = { { NULL, false, NULL, NULL } };
	if (!cli_parse(argc, argv, opts, &file, cmd_prices_usage, &rc))
		return rc;

	struct arena a;
	arena_init(&a);
	struct prices t;
	struct error e = ERROR_INIT;
	struct strbuf out = STRBUF_INIT;
	bool ok = cli_prices_fetch(&a, &t, &e);
	if (ok) {
		prices_write(&t, &out);
		ok = fileio_write_atomic(file, out.buf, out.len, 0644, &e);
		if (!ok)
			error_wrap(&e, "cannot write %s", file);
	}
	if (ok)
		printf("infrac prices: %zu server types in %zu locations, as of %s, saved to %s\n",
		       t.ntypes, cmd_prices_locations(&t), t.date, file);
	else
		cli_error("prices", &e);
	error_release(&e);
	strbuf_release(&out);
	arena_release(&a);
	return ok ? CLI_OK : CLI_ERRORS;
}
