#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_fleet.h"
#include "fleet.h"
#include "jsondoc.h"
#include "status.h"
#include "usage.h"

/* Seconds as "3d 4h", "2h 5m", "4m 10s", "9s". */
static void cmd_status_span(char *out, size_t n, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(out, n, "%" PRId64 "d %" PRId64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(out, n, "%" PRId64 "h %" PRId64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(out, n, "%" PRId64 "m %" PRId64 "s", s / 60, s % 60);
	else
		snprintf(out, n, "%" PRId64 "s", s);
}

/* An epoch second in UTC: "2026-11-30T22:10:05Z" (iso) or
 * "2026-11-30 22:10:05 UTC". */
static void cmd_status_time(char *out, size_t n, int64_t t, bool iso)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		snprintf(out, n, "?");
	else
		snprintf(out, n, "%04d-%02d-%02d%s%02d:%02d:%02d%s", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, iso ? "T" : " ", tm.tm_hour, tm.tm_min,
			 tm.tm_sec, iso ? "Z" : " UTC");
}

static json_object *cmd_status_jcontainer(const struct probe *p, const struct probe_container *c)
{
	json_object *j = json_object_new_object();
	char at[32];
	cmd_status_time(at, sizeof(at), c->started, true);
	json_object_object_add(j, "service", jsondoc_str(c->service));
	json_object_object_add(j, "container", jsondoc_str(c->name));
	json_object_object_add(j, "state", jsondoc_str(c->state));
	json_object_object_add(j, "health", jsondoc_str(c->health[0] ? c->health : NULL));
	json_object_object_add(j, "restarts", json_object_new_int64(c->restarts));
	json_object_object_add(j, "started_at", c->started ? jsondoc_str(at) : NULL);
	json_object_object_add(j, "uptime_seconds",
			       c->started && p->now && !strcmp(c->state, "running")
				       ? json_object_new_int64(p->now - c->started) : NULL);
	json_object_object_add(j, "image", jsondoc_str(c->image));
	return j;
}

static json_object *cmd_status_jserver(const struct status_server *s)
{
	const struct hc_server *h = s->fs.have;
	json_object *j = json_object_new_object(), *cs = json_object_new_array(), *rel = NULL;
	json_object_object_add(j, "server", jsondoc_str(s->fs.want->server));
	json_object_object_add(j, "name", jsondoc_str(s->fs.want->name));
	json_object_object_add(j, "status", jsondoc_str(h ? h->status : "missing"));
	json_object_object_add(j, "type", jsondoc_str(h ? h->type : NULL));
	json_object_object_add(j, "ipv4", jsondoc_str(h ? h->ipv4 : NULL));
	json_object_object_add(j, "private_ipv4", jsondoc_str(h ? h->private_ip : NULL));
	json_object_object_add(j, "reached", json_object_new_boolean(s->reached));
	json_object_object_add(j, "unreachable", jsondoc_str(s->unreachable));
	if (s->reached && s->probe.release) {
		char at[32];
		cmd_status_time(at, sizeof(at), s->probe.deployed, true);
		rel = json_object_new_object();
		json_object_object_add(rel, "id", jsondoc_str(s->probe.release));
		json_object_object_add(rel, "deployed_at",
				       s->probe.deployed ? jsondoc_str(at) : NULL);
	}
	json_object_object_add(j, "release", rel);
	for (size_t i = 0; i < s->probe.ncontainers; i++)
		json_object_array_add(cs, cmd_status_jcontainer(&s->probe, &s->probe.containers[i]));
	json_object_object_add(j, "containers", s->reached ? cs : (json_object_put(cs), NULL));
	json_object_object_add(j, "docker_error", jsondoc_str(s->probe.error));
	return j;
}

static json_object *cmd_status_json(const struct pipeline *pl, const struct status_report *r)
{
	json_object *o = jsondoc_new(pl->c.project->src->path), *servers = json_object_new_array();
	json_object *drift = json_object_new_array();
	json_object_object_add(o, "project", jsondoc_str(pl->want.project));
	json_object_object_add(o, "phase", jsondoc_str(pl->phase->name));
	for (size_t i = 0; i < r->nservers; i++)
		json_object_array_add(servers, cmd_status_jserver(&r->servers[i]));
	for (size_t i = 0; i < r->ndrift; i++)
		json_object_array_add(drift, json_object_new_string(r->drift[i]));
	json_object_object_add(o, "servers", servers);
	json_object_object_add(o, "drift", drift);
	return o;
}

/* The containers of one server as a table. */
static void cmd_status_table(const struct probe *p)
{
	size_t ws = strlen("service"), wn = strlen("container");
	for (size_t i = 0; i < p->ncontainers; i++) {
		size_t a = strlen(p->containers[i].service), b = strlen(p->containers[i].name);
		ws = a > ws ? a : ws;
		wn = b > wn ? b : wn;
	}
	printf("  %-*s  %-*s  %-10s  %-9s  %8s  %s\n", (int)ws, "service", (int)wn, "container",
	       "state", "health", "restarts", "uptime");
	for (size_t i = 0; i < p->ncontainers; i++) {
		const struct probe_container *c = &p->containers[i];
		char up[32] = "-";
		if (c->started && p->now && !strcmp(c->state, "running"))
			cmd_status_span(up, sizeof(up), p->now - c->started);
		printf("  %-*s  %-*s  %-10s  %-9s  %8ld  %s\n", (int)ws, c->service, (int)wn, c->name,
		       c->state, c->health[0] ? c->health : "-", c->restarts, up);
	}
}

static void cmd_status_server(const struct status_server *s)
{
	const struct hc_server *h = s->fs.have;
	printf("\nserver %s (%s): ", s->fs.want->server, s->fs.want->name);
	if (!h) {
		puts("not at Hetzner");
		return;
	}
	printf("%s, %s, public %s, private %s\n", h->status, h->type, h->ipv4 ? h->ipv4 : "-",
	       h->private_ip ? h->private_ip : "-");
	if (!s->reached) {
		printf("  not reached: %s\n", s->unreachable ? s->unreachable : "no address");
		return;
	}
	if (s->probe.release) {
		char at[40], ago[32];
		cmd_status_time(at, sizeof(at), s->probe.deployed, false);
		cmd_status_span(ago, sizeof(ago), s->probe.now - s->probe.deployed);
		printf("  release %s, deployed %s (%s ago)\n", s->probe.release, at, ago);
	} else {
		puts("  no release deployed");
	}
	if (s->probe.error)
		printf("  docker: %s\n", s->probe.error);
	if (s->probe.ncontainers)
		cmd_status_table(&s->probe);
	else if (!s->probe.error)
		puts("  no containers");
}

static void cmd_status_text(const struct pipeline *pl, const struct status_report *r)
{
	printf("project %s, phase %s: %zu server%s\n", pl->want.project, pl->phase->name,
	       r->nservers, r->nservers == 1 ? "" : "s");
	for (size_t i = 0; i < r->nservers; i++)
		cmd_status_server(&r->servers[i]);
	if (!r->ndrift) {
		puts("\nno drift: everything runs as the file says");
		return;
	}
	printf("\ndrift (%zu):\n", r->ndrift);
	for (size_t i = 0; i < r->ndrift; i++)
		printf("  %s\n", r->drift[i]);
}

/* Prints r as text or JSON; the exit code: 1 when a server at Hetzner
 * could not be asked or there is drift. */
static int cmd_status_print(const struct pipeline *pl, const struct status_report *r, bool json)
{
	if (json) {
		jsondoc_print(cmd_status_json(pl, r), stdout);
	} else {
		cmd_status_text(pl, r);
	}
	int rc = r->ndrift ? CLI_ERRORS : CLI_OK;
	for (size_t i = 0; i < r->nservers; i++)
		rc = r->servers[i].fs.have && !r->servers[i].reached ? CLI_ERRORS : rc;
	return rc;
}

int cmd_status(int argc, char **argv)
{
	bool json = false, debug = false;
	const char *file, *phase = NULL, *at = NULL, *par = NULL;
	long most;
	int rc;
	const struct cli_opt opts[] = {
		{ "--json", false, NULL, &json },  { "--debug", false, NULL, &debug },
		{ "--phase", true, &phase, NULL }, { "--at", true, &at, NULL },
		{ "--parallelism", true, &par, NULL }, { NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, usage_text("status"), &rc))
		return rc;
	if (!cli_parallelism("status", par, usage_text("status"), &most))
		return CLI_USAGE;
	struct cli_fleet f;
	struct status_report r;
	rc = CLI_ERRORS;
	if (cli_fleet_open(&f, file, phase, at, debug, json) &&
	    status_gather(&f.pl, &f.se, (size_t)most, 60, &r, &f.err))
		rc = cmd_status_print(&f.pl, &r, json);
	return cli_fleet_close(&f, "status", rc);
}
