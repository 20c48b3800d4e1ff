#include "cli_prices.h"

#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "fileio.h"
#include "hcloud.h"
#include "http.h"
#include "pricing.h"

void cli_prices_init(struct cli_prices *cp)
{
	memset(cp, 0, sizeof(*cp));
	arena_init(&cp->arena);
}

bool cli_prices_fetch(struct arena *a, struct prices *t, struct error *e)
{
	const char *token = getenv("HCLOUD_TOKEN"), *endpoint = getenv("HCLOUD_ENDPOINT");
	if (!token || !*token)
		return error_set(e, "HCLOUD_TOKEN is not set: the prices come from the Hetzner API "
				 "with a token (read-only is enough)");
	const char *today = pricing_today(a, e);
	struct http_client hc;
	if (!today || !http_client_init(&hc, endpoint && *endpoint ? endpoint : HCLOUD_ENDPOINT_DEFAULT,
					 token, e))
		return false;
	bool ok = pricing_fetch(&hc, a, today, t, e);
	http_client_release(&hc);
	return ok;
}

/* --prices FILE: a snapshot */
static bool cli_prices_file(struct cli_prices *cp, struct error *e)
{
	struct strbuf text = STRBUF_INIT;
	bool ok = fileio_read(cp->source, COMPILE_PRICES_MAX, &text, e) &&
		  prices_read(&cp->arena, text.buf, text.len, cp->source, &cp->table, e);
	strbuf_release(&text);
	if (!ok)
		error_wrap(e, "--prices %s", cp->source);
	return ok;
}

bool cli_prices_load(struct cli_prices *cp, const char *cmd)
{
	struct error e = ERROR_INIT;
	bool ok = true;
	cp->pr.servers_only = cp->servers_only;
	if (!cp->source)
		return true;
	if (!strcmp(cp->source, "builtin")) {
		cp->pr.table = catalog_builtin();
		cp->pr.why = "--prices builtin";
		return true;
	}
	if (!strcmp(cp->source, "api"))
		ok = cli_prices_fetch(&cp->arena, &cp->table, &e);
	else
		ok = cli_prices_file(cp, &e);
	if (ok) {
		cp->pr.table = &cp->table;
		cp->pr.why = arena_printf(&cp->arena, "--prices %s", cp->source);
	} else {
		cli_error(cmd, &e);
	}
	error_release(&e);
	return ok;
}

void cli_prices_release(struct cli_prices *cp)
{
	arena_release(&cp->arena);
}
