#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_prices.h"
#include "fileio.h"
#include "usage.h"

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
	if (!cli_parse(argc, argv, opts, &file, usage_text("prices"), &rc))
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
