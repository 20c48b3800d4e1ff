/*
 * secrets: the values of a server's secret("NAME")s, from the operator's
 * environment, at apply time only.
 *
 * The values travel to the server inside the deploy script and end in
 * its root-only .env; nothing else of infrac ever holds them (deploy
 * redacts them from every message it makes).
 */
#ifndef INFRAC_SECRETS_H
#define INFRAC_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "error.h"
#include "model.h"

/* One line of .env: NAME='value'. */
struct secret {
	const char *name;
	const char *value;
};

/* Can .env hold this value?  Not empty, and no quote or line break:
 * compose reads single-quoted values as they are, with no way to write
 * either inside one. */
bool secrets_value_ok(const char *value);

/*
 * Resolves every secret("NAME") of the placement's services from the
 * environment, before anything changes.  On success *env holds one entry
 * per distinct NAME, sorted by name (in a).  A secret that is unset or
 * empty, or whose value .env cannot hold, makes it return false with err
 * naming ALL such variables and never a value.
 */
bool secrets_resolve(struct arena *a, const struct mdl_placement *pl, struct secret **env,
		     size_t *nenv, struct error *err);

#endif
