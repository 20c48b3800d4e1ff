#include "fleet.h"

#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "diag.h"
#include "strbuf.h"

bool fleet_open(struct pipeline *pl, const char *phase, const char *at, FILE *trace,
		struct error *err)
{
	const char *token = getenv("HCLOUD_TOKEN");
	if (!token || !*token)
		return error_set(err, "HCLOUD_TOKEN is not set: the servers' addresses are read "
				 "from the project at Hetzner");
	if (!pipeline_phase(pl, phase, at, err) || !pipeline_artefacts(pl))
		return false;
	pipeline_desire(pl);
	return pipeline_connect(pl, token, getenv("HCLOUD_ENDPOINT"), trace, err) &&
	       pipeline_observe(pl, err);
}

size_t fleet_all(const struct pipeline *pl, struct fleet_server *out)
{
	for (size_t i = 0; i < pl->want.nservers; i++)
		out[i] = (struct fleet_server){ &pl->want.servers[i],
						state_server(&pl->state, pl->want.servers[i].name) };
	return pl->want.nservers;
}

/* Does a server before the i-th run a service called name? */
static bool fleet_seen(const struct pipeline *pl, size_t i, const char *name)
{
	for (size_t j = 0; j < i; j++)
		for (size_t k = 0; k < pl->want.servers[j].nservices; k++)
			if (!strcmp(pl->want.servers[j].services[k].name, name))
				return true;
	return false;
}

/* "no WHAT 'name' in phase P (NAMES; did you mean 'X'?)": the names are
 * the servers', or their services' when service. */
static bool fleet_unknown(const struct pipeline *pl, const char *what, const char *name,
			  bool service, struct error *err)
{
	struct strbuf names = STRBUF_INIT;
	struct diag_suggest sg;
	diag_suggest_init(&sg, name);
	for (size_t i = 0; i < pl->want.nservers; i++) {
		const struct desired_server *w = &pl->want.servers[i];
		for (size_t k = 0; k < (service ? w->nservices : 1); k++) {
			const char *n = service ? w->services[k].name : w->server;
			if (service && fleet_seen(pl, i, n))
				continue;
			strbuf_addf(&names, "%s%s", names.len ? ", " : "", n);
			diag_suggest_try(&sg, n);
		}
	}
	const char *best = diag_suggest_result(&sg);
	error_set(err, "no %s '%s' in phase %s (it has %s)%s%s%s", what, name, pl->phase->name,
		  names.len ? names.buf : "none", best ? "; did you mean '" : "", best ? best : "",
		  best ? "'?" : "");
	strbuf_release(&names);
	return false;
}

bool fleet_server(const struct pipeline *pl, const char *name, struct fleet_server *out,
		  struct error *err)
{
	for (size_t i = 0; i < pl->want.nservers; i++)
		if (!strcmp(pl->want.servers[i].server, name)) {
			*out = (struct fleet_server){ &pl->want.servers[i],
						      state_server(&pl->state, pl->want.servers[i].name) };
			return true;
		}
	return fleet_unknown(pl, "server", name, false, err);
}

size_t fleet_runs(const struct pipeline *pl, const char *service, struct fleet_server *out,
		  struct error *err)
{
	size_t n = 0;
	for (size_t i = 0; i < pl->want.nservers; i++) {
		const struct desired_server *w = &pl->want.servers[i];
		for (size_t k = 0; k < w->nservices; k++)
			if (!strcmp(w->services[k].name, service)) {
				out[n++] = (struct fleet_server){ w, state_server(&pl->state, w->name) };
				break;
			}
	}
	if (!n)
		fleet_unknown(pl, "service", service, true, err);
	return n;
}

const char *fleet_address(const struct fleet_server *fs, struct error *err)
{
	if (!fs->have)
		return error_set(err, "server %s (%s) does not exist at Hetzner: `infrac apply` "
				 "creates it", fs->want->server, fs->want->name), NULL;
	if (!fs->have->ipv4)
		return error_set(err, "server %s (%s) has no public IPv4 address",
				 fs->want->server, fs->want->name), NULL;
	return fs->have->ipv4;
}

void fleet_failed(const struct fleet_server *fs, const char *service, int status,
		  struct error *err)
{
	const char *host = fs->have && fs->have->ipv4 ? fs->have->ipv4 : "?";
	if (status == CONTAINER_NONE)
		error_set(err, "server %s (%s): no container of service %s to use there; "
			  "`infrac status` shows what runs there", fs->want->server, host, service);
	else if (status == 255)
		error_set(err, "server %s (%s): ssh failed (status 255, its message above)",
			  fs->want->server, host);
	else
		error_set(err, "server %s (%s): the command exited with status %d",
			  fs->want->server, host, status);
}
