#include "secrets.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "strv.h"

bool secrets_value_ok(const char *value)
{
	return value && value[0] && !strpbrk(value, "'\n\r");
}

bool secrets_resolve(struct arena *a, const struct mdl_placement *pl, struct secret **env,
		     size_t *nenv, struct error *err)
{
	size_t cap = 0, n = 0;
	for (size_t i = 0; i < pl->nservices; i++)
		cap += pl->services[i]->nenv;
	const char **names = arena_calloc(a, cap ? cap : 1, sizeof *names);
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *svc = pl->services[i];
		for (size_t j = 0; j < svc->nenv; j++)
			if (svc->env[j].kind == MDL_ENV_SECRET)
				names[n++] = svc->env[j].value;
	}
	n = strv_sort_uniq(names, n);
	struct secret *e = arena_calloc(a, n ? n : 1, sizeof *e);
	struct strbuf missing = STRBUF_INIT, bad = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const char *v = getenv(names[i]);
		e[i].name = names[i];
		if (!v || !v[0])
			strbuf_addf(&missing, "%s%s", missing.len ? ", " : "", names[i]);
		else if (!secrets_value_ok(v))
			strbuf_addf(&bad, "%s%s", bad.len ? ", " : "", names[i]);
		else
			e[i].value = arena_strdup(a, v);
	}
	*env = e;
	*nenv = n;
	const char *srv = pl->server->name;
	if (missing.len && bad.len)
		error_set(err, "secrets for server %s not set in the environment: %s; and holding "
			  "a quote or a line break: %s", srv, missing.buf, bad.buf);
	else if (missing.len)
		error_set(err, "secrets for server %s not set in the environment: %s", srv,
			  missing.buf);
	else if (bad.len)
		error_set(err, "secrets for server %s hold a quote or a line break, which .env "
			  "cannot hold: %s", srv, bad.buf);
	bool ok = !missing.len && !bad.len;
	strbuf_release(&missing);
	strbuf_release(&bad);
	return ok;
}
