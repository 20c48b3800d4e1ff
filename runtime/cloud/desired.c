#include "desired.h"

#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "digest.h"
#include "emit_compose.h"
#include "naming.h"
#include "strv.h"

const char *desired_name(struct arena *a, const char *project, const char *name)
{
	/* the rule check proves unique and short enough */
	return naming_cloud(a, project, name);
}

const char *desired_network_zone(const char *location)
{
	static const struct { const char *prefix, *zone; } zones[] = {
		{ "nbg", "eu-central" }, { "fsn", "eu-central" }, { "hel", "eu-central" },
		{ "ash", "us-east" }, { "hil", "us-west" }, { "sin", "ap-southeast" },
	};
	for (size_t i = 0; i < sizeof(zones) / sizeof(*zones); i++)
		if (!strncmp(location, zones[i].prefix, 3))
			return zones[i].zone;
	return NULL;
}

static void desired_hash_short(struct strbuf *d, char out[DESIRED_HASH_LEN + 1])
{
	char hex[DIGEST_HEX];
	digest_finish(d, hex);
	memcpy(out, hex, DESIRED_HASH_LEN);
	out[DESIRED_HASH_LEN] = '\0';
}

/* The name of f within PHASE/SERVER/, or NULL when it is not there. */
static const char *desired_file_of(const struct emit_file *f, const char *phase, size_t plen,
				   const char *server, size_t slen)
{
	const char *rest = f->path;
	if (strncmp(rest, phase, plen) || rest[plen] != '/')
		return NULL;
	rest += plen + 1;
	if (strncmp(rest, server, slen) || rest[slen] != '/')
		return NULL;
	return rest + slen + 1;
}

/* The first file of PHASE/SERVER/ in art, looked for from `from` on, then
 * before it; art->n when it has none. */
static size_t desired_files_find(const struct emit_output *art, const char *phase, size_t plen,
				 const char *server, size_t slen, size_t from)
{
	for (size_t i = from; i < art->n; i++)
		if (desired_file_of(&art->files[i], phase, plen, server, slen))
			return i;
	for (size_t i = 0; i < from && i < art->n; i++)
		if (desired_file_of(&art->files[i], phase, plen, server, slen))
			return i;
	return art->n;
}

/* desired_artefact_hash from *at on: a server's files are together in
 * art, and desired_build asks for the servers in the order build made
 * them, so each search starts where the last one ended. */
static void desired_artefact_hash_at(const struct emit_output *art, const char *phase,
				     const char *server, size_t *at,
				     char out[DESIRED_HASH_LEN + 1])
{
	/* the files apply deploys over SSH; cloud-init.yaml carries the same
	 * files but only matters when a server is created */
	size_t plen = strlen(phase), slen = strlen(server);
	struct strbuf d = STRBUF_INIT;
	digest_put(&d, "infrac-artefacts-2");
	size_t i = desired_files_find(art, phase, plen, server, slen, *at);
	for (; i < art->n; i++) {
		const char *rest = desired_file_of(&art->files[i], phase, plen, server, slen);
		if (!rest)
			break;
		if (!strcmp(rest, "cloud-init.yaml"))
			continue;
		char hex[DIGEST_HEX];
		digest_sha256_hex(art->files[i].data, art->files[i].len, hex);
		digest_put(&d, rest);
		digest_put(&d, hex);
	}
	*at = i < art->n ? i : 0;
	desired_hash_short(&d, out);
}

void desired_artefact_hash(const struct emit_output *art, const char *phase,
			   const char *server, char out[DESIRED_HASH_LEN + 1])
{
	size_t at = 0;
	desired_artefact_hash_at(art, phase, server, &at, out);
}

static int desired_cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

static void desired_firewall_ports(struct arena *a, const struct mdl_placement *pl,
			  struct desired_firewall *fw)
{
	size_t cap = 1;
	for (size_t i = 0; i < pl->nservices; i++)
		cap += pl->services[i]->npublish + (pl->services[i]->proxy ? 2 : 0);
	fw->ports = arena_calloc(a, cap, sizeof(int));
	fw->ports[fw->nports++] = 22;
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *s = pl->services[i];
		if (s->proxy) {
			fw->ports[fw->nports++] = 80;
			fw->ports[fw->nports++] = 443;
		}
		for (size_t j = 0; j < s->npublish; j++)
			fw->ports[fw->nports++] = s->publish[j].host;
	}
	qsort(fw->ports, fw->nports, sizeof(int), desired_cmp_int);
	size_t w = 0;
	for (size_t i = 0; i < fw->nports; i++)
		if (!w || fw->ports[w - 1] != fw->ports[i])
			fw->ports[w++] = fw->ports[i];
	fw->nports = w;
}

/* What a service reads from the environment: secret() names, env()s. */
static void desired_inputs(struct arena *a, const struct mdl_service *s, struct desired_service *d)
{
	d->secrets = arena_calloc(a, s->nenv + 1, sizeof(*d->secrets));
	d->envs = arena_calloc(a, s->nenv + 1, sizeof(*d->envs));
	for (size_t j = 0; j < s->nenv; j++) {
		const struct mdl_env *e = &s->env[j];
		if (e->kind == MDL_ENV_SECRET) {
			d->secrets[d->nsecrets++] = e->value;
		} else if (e->kind == MDL_ENV_HOST) {
			bool seen = false;
			for (size_t k = 0; k < d->nenvs; k++)
				seen |= !strcmp(d->envs[k].name, e->value);
			if (!seen)
				d->envs[d->nenvs++] = (struct desired_env){ e->value, getenv(e->value) };
		}
	}
	d->nsecrets = strv_sort_uniq(d->secrets, d->nsecrets);
	d->volumes = arena_calloc(a, s->nvolumes + 1, sizeof(*d->volumes));
	for (size_t j = 0; j < s->nvolumes; j++)
		d->volumes[d->nvolumes++] = s->volumes[j].name;
}

static void desired_services(struct arena *a, const struct emit_target *t,
			     struct desired_server *w)
{
	const struct mdl_placement *pl = t->pl;
	w->services = arena_calloc(a, pl->nservices ? pl->nservices : 1, sizeof(*w->services));
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *s = pl->services[i];
		struct desired_service *d = &w->services[w->nservices++];
		d->name = s->name;
		d->image = s->image;
		/* a port fixed on the private address cannot be held by two
		 * containers at once: such a service is recreated in place */
		d->handover = model_serves_domain(s) && s->npublish == 0 &&
			      !model_private_port(t->phase, pl, s);
		d->port = model_service_port(s);
		const char *entry = emit_compose_service_yaml(a, t, s);
		if (entry) {
			char hex[DIGEST_HEX];
			digest_sha256_hex(entry, strlen(entry), hex);
			memcpy(d->definition, hex, DESIRED_HASH_LEN);
		}
		desired_inputs(a, s, d);
		if (s->proxy)
			w->proxy = s->name;
	}
	w->https = model_wants_certificates(pl);
}

/* The distinct secrets of the phase with their values. */
static void desired_secrets(struct arena *a, struct desired *out)
{
	size_t cap = 1;
	for (size_t i = 0; i < out->nservers; i++)
		for (size_t j = 0; j < out->servers[i].nservices; j++)
			cap += out->servers[i].services[j].nsecrets;
	const char **names = arena_calloc(a, cap, sizeof(*names));
	size_t n = 0;
	for (size_t i = 0; i < out->nservers; i++)
		for (size_t j = 0; j < out->servers[i].nservices; j++)
			for (size_t k = 0; k < out->servers[i].services[j].nsecrets; k++)
				names[n++] = out->servers[i].services[j].secrets[k];
	n = strv_sort_uniq(names, n);
	out->secrets = arena_calloc(a, n + 1, sizeof(*out->secrets));
	for (size_t i = 0; i < n; i++) {
		const char *v = getenv(names[i]);
		out->secrets[i] = (struct secret){ names[i], v && secrets_value_ok(v) ? v : NULL };
	}
	out->nsecrets = n;
}

const char *desired_secret(const struct desired *want, const char *name)
{
	for (size_t i = 0; i < want->nsecrets; i++)
		if (!strcmp(want->secrets[i].name, name))
			return want->secrets[i].value;
	return NULL;
}

const char *desired_volumes(struct arena *a, const struct desired_server *w)
{
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 0; i < w->nservices; i++)
		for (size_t j = 0; j < w->services[i].nvolumes; j++)
			strbuf_addf(&b, "%s%s", b.len ? ", " : "", w->services[i].volumes[j]);
	return b.len ? arena_take(a, &b) : (strbuf_release(&b), NULL);
}

bool desired_redeploys(const struct desired *want, const char *name)
{
	if (want->redeploy_all)
		return true;
	for (size_t i = 0; i < want->nredeploy; i++)
		if (!strcmp(want->redeploy[i], name))
			return true;
	return false;
}

bool desired_deploy_request(struct arena *a, const struct desired *want,
			    const struct desired_server *w, bool no_handover,
			    struct deploy_request *rq, struct error *e)
{
	const struct mdl_phase *ph = want->phase;
	const struct mdl_placement *pl = NULL;
	for (size_t i = 0; !pl && i < ph->nplacements; i++)
		if (!strcmp(ph->placements[i].server->name, w->server))
			pl = &ph->placements[i];
	struct secret *env;
	size_t nenv;
	if (!pl || !secrets_resolve(a, pl, &env, &nenv, e))
		return pl || error_set(e, "server %s does not run in phase %s", w->server, ph->name);
	struct emit_target t = { want->model, ph, pl, NULL, NULL };
	const struct mdl_service **doms = arena_calloc(a, pl->nservices + 1, sizeof(*doms));
	/* on a server of several without a proxy, the domains are the proxy's
	 * elsewhere to answer (its deploy checks them) */
	size_t nd = !w->proxy && model_networked(ph) ? 0 : emit_domains(&t, doms);
	struct deploy_domain *domains = arena_calloc(a, nd + 1, sizeof(*domains));
	for (size_t i = 0; i < nd; i++)
		domains[i] = (struct deploy_domain){ doms[i]->domain, w->https };
	struct deploy_backend *sw = arena_calloc(a, w->nservices + 1, sizeof(*sw));
	size_t nsw = 0;
	for (size_t i = 0; !no_handover && i < w->nservices; i++)
		if (w->services[i].handover)
			sw[nsw++] = (struct deploy_backend){ w->services[i].name, w->services[i].port };
	*rq = (struct deploy_request){
		.project = want->project, .release = w->artefacts,
		.env = env, .nenv = nenv, .proxy = w->proxy,
		.domains = domains, .ndomains = nd, .switched = sw, .nswitched = nsw,
		.source = want->source, .phase = ph->name,
	};
	return true;
}

/* The A records of the domains pl's proxy serves: a domain served from
 * several servers points at the first of them that runs a proxy. */
static void desired_dns(struct desired *out, const struct mdl_placement *pl, const char *server)
{
	bool proxy = false;
	for (size_t j = 0; j < pl->nservices; j++)
		proxy |= pl->services[j]->proxy;
	for (size_t j = 0; j < pl->nservices; j++) {
		const char *dom = pl->services[j]->domain;
		bool have = !dom;
		for (size_t k = 0; k < out->ndns && !have; k++)
			have = !strcmp(out->dns[k].domain, dom);
		/* a single server without a proxy keeps its record: check says why */
		if (have || (!proxy && model_networked(out->phase)))
			continue;
		out->dns[out->ndns].domain = dom;
		out->dns[out->ndns++].server = server;
	}
}

/* The network and the servers' addresses, when the phase has several. */
static void desired_network(struct arena *a, const struct mdl_project *p, struct desired *out)
{
	char buf[20], ip[16];
	if (!model_networked(out->phase))
		return;
	struct desired_network *n = arena_calloc(a, 1, sizeof(*n));
	n->name = desired_name(a, p->name, "private");
	n->ip_range = arena_strdup(a, model_fmt_cidr(buf, p->net.base, p->net.prefix));
	n->subnet = arena_strdup(a, model_fmt_cidr(buf, p->net.subnet, p->net.subnet_prefix));
	n->zone = desired_network_zone(p->location);
	if (!n->zone)
		n->zone = "eu-central";
	out->network = n;
	for (size_t i = 0; i < out->nservers; i++) {
		const struct mdl_server *srv = model_server(p, out->servers[i].server);
		out->servers[i].private_ip = arena_strdup(a, model_fmt_ip(ip, srv->private_ip));
	}
}

void desired_build(struct arena *a, const struct mdl_project *p, const struct mdl_phase *ph,
		  const struct emit_output *art, struct desired *out)
{
	memset(out, 0, sizeof(*out));
	out->project = p->name;
	out->model = p;
	out->phase = ph;
	out->location = p->location;
	size_t n = ph->nplacements, ndomains = 0;
	out->servers = arena_calloc(a, n ? n : 1, sizeof(*out->servers));
	out->firewalls = arena_calloc(a, n ? n : 1, sizeof(*out->firewalls));
	out->keys = arena_calloc(a, p->nkeys ? p->nkeys : 1, sizeof(*out->keys));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < ph->placements[i].nservices; j++)
			ndomains += ph->placements[i].services[j]->domain != NULL;
	out->dns = arena_calloc(a, ndomains ? ndomains : 1, sizeof(*out->dns));

	size_t at = 0; /* where the last server's artefacts ended */
	for (size_t i = 0; i < n; i++) {
		const struct mdl_placement *pl = &ph->placements[i];
		const struct mdl_server *srv = pl->server;
		struct desired_server *w = &out->servers[out->nservers++];
		w->server = srv->name;
		w->name = desired_name(a, p->name, srv->name);
		w->type = pl->type->name;
		w->image = pl->image;
		w->location = srv->location ? srv->location : p->location;
		w->price = pl->type->price;
		w->firewall = w->name;
		w->nkeys = srv->nssh_keys;
		w->keys = arena_calloc(a, w->nkeys ? w->nkeys : 1, sizeof(*w->keys));
		struct strbuf kd = STRBUF_INIT;
		for (size_t k = 0; k < srv->nssh_keys; k++)
			w->keys[k] = desired_name(a, p->name, srv->ssh_keys[k]->name);
		qsort(w->keys, w->nkeys, sizeof(*w->keys), strv_cmp);
		for (size_t k = 0; k < srv->nssh_keys; k++) {
			const struct mdl_ssh_key *key = NULL;
			for (size_t m = 0; m < srv->nssh_keys; m++)
				if (!strcmp(desired_name(a, p->name, srv->ssh_keys[m]->name),
					    w->keys[k]))
					key = srv->ssh_keys[m];
			digest_put(&kd, w->keys[k]);
			digest_put(&kd, key ? key->public_key : NULL);
		}
		desired_hash_short(&kd, w->keys_hash);
		desired_artefact_hash_at(art, ph->name, srv->name, &at, w->artefacts);
		struct emit_target t = { .project = p, .phase = ph, .pl = pl };
		for (size_t j = 0; j < pl->nservices; j++)
			if (pl->services[j]->proxy)
				t.proxy = pl->services[j];
		desired_services(a, &t, w);

		struct desired_firewall *fw = &out->firewalls[out->nfirewalls++];
		fw->name = w->name;
		fw->server = srv->name;
		desired_firewall_ports(a, pl, fw);

		desired_dns(out, pl, w->name);
		/* keys: those the servers of this phase use */
		for (size_t k = 0; k < srv->nssh_keys; k++) {
			const char *kn = desired_name(a, p->name, srv->ssh_keys[k]->name);
			bool have = false;
			for (size_t m = 0; m < out->nkeys; m++)
				have |= !strcmp(out->keys[m].name, kn);
			if (!have) {
				out->keys[out->nkeys].name = kn;
				out->keys[out->nkeys].key = srv->ssh_keys[k]->name;
				out->keys[out->nkeys++].public_key = srv->ssh_keys[k]->public_key;
			}
		}
	}
	desired_network(a, p, out);
	desired_secrets(a, out);
}

