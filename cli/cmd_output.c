#include <string.h>

#include "cli.h"
#include "cli_fleet.h"
#include "jsondoc.h"
#include "usage.h"

/* The document; *missing counts the servers not there. */
static json_object *cmd_output_json(const struct pipeline *pl, const char *file, int *missing)
{
	const struct desired *w = &pl->want;
	json_object *o = jsondoc_new(file), *servers = json_object_new_array();
	json_object *domains = json_object_new_array();
	json_object_object_add(o, "project", jsondoc_str(w->project));
	json_object_object_add(o, "phase", jsondoc_str(w->phase->name));
	for (size_t i = 0; i < w->nservers; i++) {
		const struct hc_server *h = state_server(&pl->state, w->servers[i].name);
		json_object *j = json_object_new_object();
		*missing += !h;
		json_object_object_add(j, "server", jsondoc_str(w->servers[i].server));
		json_object_object_add(j, "name", jsondoc_str(w->servers[i].name));
		json_object_object_add(j, "id", h ? json_object_new_int64(h->id) : NULL);
		json_object_object_add(j, "status", jsondoc_str(h ? h->status : "missing"));
		json_object_object_add(j, "type", jsondoc_str(h ? h->type : NULL));
		json_object_object_add(j, "ipv4", jsondoc_str(h ? h->ipv4 : NULL));
		json_object_array_add(servers, j);
	}
	for (size_t i = 0; i < w->ndns; i++) {
		const struct hc_server *h = state_server(&pl->state, w->dns[i].server);
		const struct state_zone *z = state_zone_of(&pl->state, w->dns[i].domain);
		json_object *j = json_object_new_object();
		json_object_object_add(j, "domain", jsondoc_str(w->dns[i].domain));
		json_object_object_add(j, "server", jsondoc_str(w->dns[i].server));
		json_object_object_add(j, "a", jsondoc_str(h ? h->ipv4 : NULL));
		json_object_object_add(j, "zone", jsondoc_str(z ? z->zone.name : NULL));
		json_object_array_add(domains, j);
	}
	json_object_object_add(o, "servers", servers);
	json_object_object_add(o, "domains", domains);
	return o;
}

/* The document as text: a line a server, a line a domain. */
static void cmd_output_text(json_object *o)
{
	json_object *servers, *domains;
	json_object_object_get_ex(o, "servers", &servers);
	json_object_object_get_ex(o, "domains", &domains);
#define CMD_OUTPUT_GET(j, k) json_object_get_string(json_object_object_get(j, k))
	for (size_t i = 0; i < json_object_array_length(servers); i++) {
		json_object *j = json_object_array_get_idx(servers, i);
		const char *ip = CMD_OUTPUT_GET(j, "ipv4");
		printf("server %s: %s %s%s%s\n", CMD_OUTPUT_GET(j, "server"), CMD_OUTPUT_GET(j, "name"),
		       CMD_OUTPUT_GET(j, "status"), ip ? " " : "", ip ? ip : "");
	}
	for (size_t i = 0; i < json_object_array_length(domains); i++) {
		json_object *j = json_object_array_get_idx(domains, i);
		const char *a = CMD_OUTPUT_GET(j, "a"), *zone = CMD_OUTPUT_GET(j, "zone");
		printf("domain %s: A %s (%s)%s%s%s\n", CMD_OUTPUT_GET(j, "domain"),
		       a ? a : "(the server does not exist yet)", CMD_OUTPUT_GET(j, "server"),
		       zone ? ", in zone " : ", in no zone of the project: set it at your DNS "
					     "provider", zone ? zone : "", zone ? ", set by apply" : "");
	}
#undef CMD_OUTPUT_GET
}

int cmd_output(int argc, char **argv)
{
	bool json = false, debug = false;
	const char *file, *phase = NULL, *at = NULL;
	int rc;
	const struct cli_opt opts[] = {
		{ "--json", false, NULL, &json },  { "--debug", false, NULL, &debug },
		{ "--phase", true, &phase, NULL }, { "--at", true, &at, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, usage_text("output"), &rc))
		return rc;
	struct cli_fleet f;
	rc = CLI_ERRORS;
	if (cli_fleet_read(&f, file, phase, at, debug, json)) {
		int missing = 0;
		json_object *o = cmd_output_json(&f.pl, file, &missing);
		if (json) {
			jsondoc_print(o, stdout);
		} else {
			cmd_output_text(o);
			json_object_put(o);
		}
		rc = missing ? CLI_ERRORS : CLI_OK;
	}
	return cli_fleet_close(&f, "output", rc);
}
