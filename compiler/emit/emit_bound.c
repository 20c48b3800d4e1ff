#include "emit_bound.h"

#include <stdlib.h>
#include <string.h>

#include "emit_compose.h"

/* One line of a file embedded in cloud-init.yaml: the four spaces of the
 * literal block, the file's own indentation (compose nests at most eight
 * deep) and the newline. */
#define BOUND_LINE (4 + 10 + 1)

/* s as a double-quoted YAML scalar at its longest, after compose's '$'
 * doubling: two per '"', '\\' or '$', four per control byte (\xHH), three
 * per byte of a character libyaml may escape (\uHHHH for three bytes). */
static size_t bound_q(const char *s)
{
	size_t n = 2;
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		n += *p == '"' || *p == '\\' || *p == '$' ? 2 : *p < 0x20 || *p == 0x7f ? 4
		     : *p >= 0x80 ? 3 : 1;
	return n;
}

/* A line: its fixed text and one quoted string (NULL: none). */
static size_t bound_line(size_t fixed, const char *s)
{
	return BOUND_LINE + fixed + (s ? bound_q(s) : 0);
}

static size_t bound_env(const struct mdl_service *s)
{
	size_t n = s->nenv ? bound_line(12, NULL) : 0;
	for (size_t i = 0; i < s->nenv; i++) {
		const struct mdl_env *e = &s->env[i];
		n += bound_line(2, e->key);
		if (e->kind == MDL_ENV_SECRET) /* "${N:?N is not set: ...}" */
			n += 2 * bound_q(e->value) + 50;
		else if (e->kind == MDL_ENV_HOST)
			n += bound_q(getenv(e->value) ? getenv(e->value) : "");
		else
			n += bound_q(e->value);
		/* its name in .env.example */
		n += e->kind == MDL_ENV_SECRET ? 4 + strlen(e->value) + 2 : 0;
	}
	return n;
}

/* What compose writes for s beyond its command and environment, each
 * part under the condition the emitter writes it. */
static size_t bound_service_rest(const struct mdl_service *s)
{
	size_t n = bound_line(2, s->name) + bound_line(7, s->image) + bound_line(24, NULL) +
		   bound_line(20, NULL);
	n += s->ram_lo != s->ram_hi ? bound_line(26, NULL) : 0;
	n += s->cpus ? bound_line(16, NULL) : 0;
	if (s->proxy || s->npublish)
		n += bound_line(8, NULL) + (s->npublish + 2) * bound_line(16, NULL);
	n += s->port ? 2 * bound_line(12, NULL) : 0; /* expose */
	if (s->proxy || s->nvolumes)
		n += bound_line(9, NULL) + (s->proxy ? 3 * bound_line(48, NULL) : 0);
	for (size_t i = 0; i < s->nvolumes; i++)
		n += bound_line(4, s->volumes[i].name) + bound_q(s->volumes[i].path) +
		     bound_line(6, s->volumes[i].name); /* and in the file's volumes map */
	n += s->nneeds ? bound_line(12, NULL) : 0;
	for (size_t i = 0; i < s->nneeds; i++)
		n += bound_line(2, s->needs[i]->name) + bound_line(30, NULL);
	/* healthcheck (six lines; the proxy's own test is short) and a
	 * known image's stop_grace_period */
	const char *hc = emit_compose_healthcheck(s);
	if (hc || s->proxy)
		n += 6 * bound_line(24, NULL) + 2 * (hc ? bound_q(hc) : 60) + bound_line(25, NULL);
	return n;
}

static size_t bound_command(const struct mdl_service *s)
{
	if (s->proxy) /* nginx's; a tls proxy's script is in bound_frame */
		return 6 * bound_line(24, NULL);
	size_t n = s->ncommand ? bound_line(9, NULL) : 0;
	for (size_t i = 0; i < s->ncommand; i++)
		n += bound_line(2, s->command[i]);
	return n;
}

/* The proxy's parts that grow with each domain: its server block in
 * nginx.conf, the names in certs.sh, the proxy script and the redirect. */
static size_t bound_domain(const struct mdl_service *s)
{
	size_t d = strlen(s->domain), name = strlen(s->name);
	return 16 * BOUND_LINE + 720 + 8 * d + 2 * name + 2 * (d + 3) + 3 * (d + 1);
}

/* Everything that does not grow with the services: the cloud-init
 * frame, daemon.json, the units, .env.example's header, the proxy's
 * nginx.conf and, with certificates, its script, certs.sh and their
 * units; with the names they repeat (the project's in every path). */
static size_t bound_frame(const struct emit_target *t, const struct mdl_service *proxy)
{
	size_t names = strlen(t->project->name), banner = 64 + names + strlen(t->phase->name) +
		strlen(t->pl->server->name) + (t->source ? strlen(t->source) : 0);
	size_t n = 1500 + 8 * banner + 40 * (names + 8);
	if (proxy)
		n += 3800;
	if (proxy && model_wants_certificates(t->pl))
		n += 4200 + 2 * (proxy->email ? bound_q(proxy->email) : 0);
	return n;
}

/* Everything compose, nginx.conf and certs.sh write for s alone. */
static size_t bound_service(const struct mdl_service *s)
{
	return bound_service_rest(s) + bound_command(s) + bound_env(s) +
	       (s->domain ? bound_domain(s) : 0);
}

size_t emit_bound_user_data(const struct emit_target *t, size_t *cache)
{
	const struct mdl_placement *pl = t->pl;
	const struct mdl_service *proxy = NULL;
	size_t n = 0;
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *s = pl->services[i];
		if (s->proxy)
			proxy = s;
		/* a declaration runs in many phases: its bound is kept; a
		 * phase's copy is bounded where it runs */
		size_t k = (size_t)(s->decl - t->project->services);
		if (s != s->decl || !cache)
			n += bound_service(s);
		else
			n += cache[k] ? cache[k] : (cache[k] = bound_service(s));
	}
	return n + bound_frame(t, proxy);
}
