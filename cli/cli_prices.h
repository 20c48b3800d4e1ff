/*
 * cli_prices: the prices a command uses, as its options say.
 *
 *   --prices api       the Hetzner API (HCLOUD_TOKEN; HCLOUD_ENDPOINT),
 *                      read now and dated today (INFRAC_TODAY)
 *   --prices builtin   the built-in catalog (the seed's snapshot)
 *   --prices FILE      a snapshot `infrac prices FILE` wrote
 *   (none)             the file's `project { prices = "FILE" }`, else
 *                      the built-in catalog
 *   --servers-only     every charge but the servers' prices left out
 *
 * check, cost and recommend share these; `infrac prices` reads the API
 * the same way.  The table lives in the struct until cli_prices_release.
 */
#ifndef INFRAC_CLI_PRICES_H
#define INFRAC_CLI_PRICES_H

#include <stdbool.h>

#include "arena.h"
#include "compile.h"
#include "error.h"
#include "prices.h"

struct cli_prices {
	const char *source;        /* --prices; NULL: none */
	bool servers_only;         /* --servers-only */
	struct arena arena;        /* what was read */
	struct prices table;
	struct compile_prices pr;  /* for compile_path_priced */
};

/* Ready for options (source NULL, nothing read). */
void cli_prices_init(struct cli_prices *cp);

/* Reads the table cp->source names; false after printing why as
 * "infrac CMD: error: ..." on stderr. */
bool cli_prices_load(struct cli_prices *cp, const char *cmd);

/* The Hetzner API's table now, from HCLOUD_TOKEN and HCLOUD_ENDPOINT
 * (strings in a); false with e set. */
bool cli_prices_fetch(struct arena *a, struct prices *t, struct error *e);

void cli_prices_release(struct cli_prices *cp);

#endif
