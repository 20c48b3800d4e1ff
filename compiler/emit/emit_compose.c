#include "emit_compose.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "emit_certs.h"
#include "emit_nginx.h"
#include "emit_yaml.h"
#include "units.h"


static const char *compose_cpus(char *buf, size_t size, int64_t milli)
{
	int n = snprintf(buf, size, "%" PRId64 ".%03" PRId64, milli / UNITS_ONE,
			 milli % UNITS_ONE);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

/* The repository of an image reference: no registry, tag or digest;
 * Docker Hub's official images without "library/".  Its n bytes start
 * at the returned pointer into image. */
static const char *compose_repo(const char *image, size_t *n)
{
	const char *s = image;
	const char *slash = strchr(s, '/');
	if (slash && (memchr(s, '.', (size_t)(slash - s)) || memchr(s, ':', (size_t)(slash - s)) ||
		      !strncmp(s, "localhost/", 10))) {
		if (!strncmp(s, "docker.io/", 10) || !strncmp(s, "index.docker.io/", 16)) {
			s = slash + 1;
		} else {
			*n = strlen(image); /* another registry: not a well-known image */
			return image;
		}
	}
	if (!strncmp(s, "library/", 8))
		s += 8;
	*n = strcspn(s, "@");
	const char *last = s;
	for (size_t i = 0; i < *n; i++)
		if (s[i] == '/')
			last = s + i + 1;
	const char *colon = memchr(last, ':', *n - (size_t)(last - s));
	if (colon)
		*n = (size_t)(colon - s);
	return s;
}

/* What is known of well-known images: a health check as a shell command,
 * and how long a clean shutdown may take where Docker's 10 s is short. */
static const struct {
	const char *repo;
	const char *test;
	const char *stop_grace;
} compose_known[] = {
	/* over TCP: during its first start the image runs a temporary server
	 * on the socket only, which must not count as ready.  A postgres
	 * killed before its shutdown checkpoint recovers at the next start. */
	{ "postgres", "pg_isready -h 127.0.0.1 -U \"${POSTGRES_USER:-postgres}\"", "1m" },
	{ "redis", "redis-cli ping | grep -q PONG", NULL },
	/* Odoo answers /web/health once its server is up (the official image
	 * has curl); on 8069 unless the command moves it */
	{ "odoo", "curl -fsS -o /dev/null http://127.0.0.1:8069/web/health", NULL },
	{ "valkey/valkey", "valkey-cli ping | grep -q PONG", NULL },
};

#define COMPOSE_NKNOWN (sizeof(compose_known) / sizeof(*compose_known))

/* The entry of compose_known for image, or COMPOSE_NKNOWN. */
static size_t compose_known_index(const char *image)
{
	size_t n = COMPOSE_NKNOWN, len;
	if (!image)
		return n;
	/* no copy: check bounds every service of every phase through here */
	const char *repo = compose_repo(image, &len);
	size_t i = 0;
	while (i < n && (strlen(compose_known[i].repo) != len ||
			 memcmp(repo, compose_known[i].repo, len)))
		i++;
	return i;
}

const char *emit_compose_healthcheck(const struct mdl_service *svc)
{
	if (svc->healthcheck)
		return svc->healthcheck;
	size_t i = compose_known_index(svc->image);
	return i < COMPOSE_NKNOWN ? compose_known[i].test : NULL;
}

/* compose reads $ as interpolation; $$ is a literal $ */
static const char *compose_literal(struct arena *a, const char *s)
{
	struct strbuf b = STRBUF_INIT;
	for (; *s; s++)
		strbuf_add(&b, *s == '$' ? "$$" : s, *s == '$' ? 2 : 1);
	return arena_take(a, &b);
}

struct compose {
	struct arena *a;
	struct diag_list *dl;
	const struct emit_target *t;
	struct emit_yaml y;
	bool ok;
};

static void compose_list(struct compose *c, const char *key, const char *const *items,
			 size_t n)
{
	if (!n)
		return;
	emit_yaml_key(&c->y, key);
	emit_yaml_seq(&c->y);
	for (size_t i = 0; i < n; i++)
		emit_yaml_str(&c->y, items[i]);
	emit_yaml_seq_end(&c->y);
}

/* Public ports as published; the private one on the server's private
 * address only, for the other servers of the phase (model_private_port). */
static void compose_ports(struct compose *c, const struct mdl_service *s)
{
	const char **ports = arena_calloc(c->a, s->npublish + 4, sizeof(*ports));
	size_t n = 0;
	if (s->proxy) {
		ports[n++] = "80:80";
		if (s->tls == MDL_TLS_LETSENCRYPT)
			ports[n++] = "443:443";
	}
	for (size_t i = 0; i < s->npublish; i++)
		ports[n++] = arena_printf(c->a, "%d:%d", s->publish[i].host, s->publish[i].container);
	int private = model_private_port(c->t->phase, c->t->pl, s);
	if (private) {
		char ip[16];
		ports[n++] = arena_printf(c->a, "%s:%d:%d",
					  model_fmt_ip(ip, c->t->pl->server->private_ip),
					  private, private);
	}
	compose_list(c, "ports", ports, n);
	bool published = private != 0;
	for (size_t i = 0; i < s->npublish; i++)
		published |= s->publish[i].container == s->port;
	if (s->port && !published) {
		const char *p = arena_printf(c->a, "%d", s->port);
		compose_list(c, "expose", &p, 1);
	}
}

static bool compose_utf8(const char *s)
{
	for (size_t n = strlen(s), k; n; s += k, n -= k)
		if (!(k = ascii_utf8_len((const unsigned char *)s, n)))
			return false;
	return true;
}

/* What s needs on other servers, by name at their private addresses. */
static void compose_extra_hosts(struct compose *c, const struct mdl_service *s)
{
	const char **hosts = arena_calloc(c->a, s->nneeds + 1, sizeof(*hosts));
	size_t n = 0;
	char ip[16];
	for (size_t i = 0; i < s->nneeds; i++) {
		const struct mdl_placement *o = model_remote(c->t->phase, c->t->pl, s->needs[i]);
		if (o)
			hosts[n++] = arena_printf(c->a, "%s:%s", s->needs[i]->name,
						  model_fmt_ip(ip, o->server->private_ip));
	}
	compose_list(c, "extra_hosts", hosts, n);
}

static void compose_environment(struct compose *c, const struct mdl_service *s)
{
	if (!s->nenv)
		return;
	emit_yaml_key(&c->y, "environment");
	emit_yaml_map(&c->y);
	for (size_t i = 0; i < s->nenv; i++) {
		const struct mdl_env *e = &s->env[i];
		const char *v = e->value;
		if (e->kind == MDL_ENV_SECRET) {
			v = arena_printf(c->a, "${%s:?%s is not set: infrac apply writes it to .env}",
					 e->value, e->value);
		} else if (e->kind == MDL_ENV_HOST) {
			const char *got = getenv(e->value);
			if (!got) {
				struct diag *d = diag_add(
					c->dl, DIAG_E1002, c->t->project->src, e->loc,
					"%s of %s reads env(\"%s\"), which is not set", e->key,
					s->name, e->value);
				diag_help(d, c->dl, "export %s before `infrac build`", e->value);
				diag_note(d, c->dl, "env() values are written into the generated "
					  "files; use secret() for anything confidential");
				c->ok = false;
				got = "";
			} else if (!compose_utf8(got)) {
				/* libyaml would refuse the file */
				struct diag *d = diag_add(
					c->dl, DIAG_E1002, c->t->project->src, e->loc,
					"%s of %s reads env(\"%s\"), whose value is not UTF-8 text",
					e->key, s->name, e->value);
				diag_help(d, c->dl, "set %s to UTF-8 text before `infrac build`",
					  e->value);
				c->ok = false;
				got = "";
			}
			v = compose_literal(c->a, got);
		} else {
			v = compose_literal(c->a, v);
		}
		emit_yaml_kv(&c->y, e->key, v);
	}
	emit_yaml_map_end(&c->y);
}

static void compose_healthcheck(struct compose *c, const char *test)
{
	emit_yaml_key(&c->y, "healthcheck");
	emit_yaml_map(&c->y);
	emit_yaml_key(&c->y, "test");
	emit_yaml_seq_flow(&c->y);
	emit_yaml_str(&c->y, "CMD-SHELL");
	emit_yaml_str(&c->y, compose_literal(c->a, test));
	emit_yaml_seq_end(&c->y);
	emit_yaml_kv(&c->y, "interval", "10s");
	emit_yaml_kv(&c->y, "timeout", "5s");
	emit_yaml_key(&c->y, "retries");
	emit_yaml_plain(&c->y, "5");
	emit_yaml_kv(&c->y, "start_period", "30s");
	emit_yaml_map_end(&c->y);
}

/* The needs on this server: those on others start with theirs (apply
 * deploys a server after the servers it needs). */
static void compose_depends(struct compose *c, const struct mdl_service *s)
{
	size_t local = 0;
	for (size_t i = 0; i < s->nneeds; i++)
		local += model_runs(c->t->pl, s->needs[i]);
	if (!local)
		return;
	emit_yaml_key(&c->y, "depends_on");
	emit_yaml_map(&c->y);
	for (size_t i = 0; i < s->nneeds; i++) {
		/* the phase's copy of the needed service decides its health check */
		const struct mdl_service *n = model_copy_on(c->t->pl, s->needs[i]);
		if (!n)
			continue;
		emit_yaml_key(&c->y, n->name);
		emit_yaml_map(&c->y);
		emit_yaml_word(&c->y, "condition", emit_compose_healthcheck(n) ? "service_healthy"
									       : "service_started");
		emit_yaml_map_end(&c->y);
	}
	emit_yaml_map_end(&c->y);
}

static const char *compose_restart(enum mdl_restart r)
{
	switch (r) {
	case MDL_RESTART_NO: return "no";
	case MDL_RESTART_ALWAYS: return "always";
	case MDL_RESTART_ON_FAILURE: return "on-failure";
	case MDL_RESTART_UNLESS_STOPPED: break;
	}
	return "unless-stopped";
}

static const char *compose_domain_words(struct compose *c)
{
	const struct mdl_service **doms =
		arena_calloc(c->a, c->t->pl->nservices + 1, sizeof(*doms));
	size_t n = emit_domains(c->t, doms);
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&b, "%s%s", i ? " " : "", doms[i]->domain);
	return arena_take(c->a, &b);
}

/*
 * The proxy serves each domain from serving/DOMAIN, a symlink to the
 * certificate certbot keeps in live/DOMAIN once there is one, else to a
 * self-signed stand-in in standin/DOMAIN (made here, valid 30 days and
 * made again when it is within a day of expiring), so nginx can load its
 * configuration and answer the ACME challenge on port 80 from the first
 * boot on.  Nothing ever removes a certificate nginx loads: a certbot
 * that fails leaves the stand-in in place.  Once a minute the links are
 * set again and nginx reloaded when a certificate it serves is newer; a
 * reload that fails keeps the running configuration and the loop alive.
 */
static const char *compose_proxy_script(struct compose *c)
{
	return arena_printf(
		c->a,
		"set -e\n"
		"C=" EMIT_NGINX_CERTS "\n"
		"pick() {\n"
		"  for d in %s; do\n"
		"    s=$C/standin/$d\n"
		"    if ! openssl x509 -checkend 86400 -noout -in \"$s/fullchain.pem\" >/dev/null 2>&1; then\n"
		"      mkdir -p \"$s\"\n"
		"      openssl req -x509 -nodes -newkey rsa:2048 -days 30 -subj \"/CN=$d\" \\\n"
		"        -keyout \"$s/privkey.pem\" -out \"$s/fullchain.pem\" 2>/dev/null\n"
		"    fi\n"
		"    t=../standin/$d\n"
		"    [ -e \"$C/live/$d/fullchain.pem\" ] && t=../live/$d\n"
		"    mkdir -p \"$C/serving\"\n"
		"    [ \"$(readlink \"$C/serving/$d\")\" = \"$t\" ] || ln -sfn \"$t\" \"$C/serving/$d\"\n"
		"  done\n"
		"}\n"
		"pick\n"
		"touch /tmp/certificates-loaded\n"
		"while sleep 60; do\n"
		"  pick || true\n"
		"  if [ -n \"$(find -L \"$C/serving\" -name '*.pem' -newer /tmp/certificates-loaded)\" ]; then\n"
		"    touch /tmp/certificates-loaded\n"
		"    nginx -c " LAYOUT_PROXY_CONF " -s reload || true\n"
		"  fi\n"
		"done &\n"
		"exec nginx -c " LAYOUT_PROXY_CONF " -g 'daemon off;'\n",
		compose_domain_words(c));
}

static void compose_service(struct compose *c, const struct mdl_service *s)
{
	char buf[64];
	bool tls = s->proxy && s->tls == MDL_TLS_LETSENCRYPT && emit_domains(c->t, NULL);
	emit_yaml_key(&c->y, s->name);
	emit_yaml_map(&c->y);
	emit_yaml_kv(&c->y, "image", s->image);
	if (tls) {
		emit_yaml_key(&c->y, "command");
		emit_yaml_seq(&c->y);
		emit_yaml_str(&c->y, "/bin/sh");
		emit_yaml_str(&c->y, "-c");
		emit_yaml_text(&c->y, compose_literal(c->a, compose_proxy_script(c)));
		emit_yaml_seq_end(&c->y);
	} else if (s->proxy) {
		static const char *const plain[] = { "nginx", "-c", LAYOUT_PROXY_CONF, "-g",
						     "daemon off;" };
		compose_list(c, "command", plain, 5);
	} else if (s->ncommand == 1) {
		emit_yaml_kv(&c->y, "command", compose_literal(c->a, s->command[0]));
	} else if (s->ncommand > 1) {
		const char **cmd = arena_calloc(c->a, s->ncommand, sizeof(*cmd));
		for (size_t i = 0; i < s->ncommand; i++)
			cmd[i] = compose_literal(c->a, s->command[i]);
		compose_list(c, "command", cmd, s->ncommand);
	}
	emit_yaml_word(&c->y, "restart", compose_restart(s->restart));
	emit_yaml_kv(&c->y, "mem_limit", emit_size(buf, sizeof(buf), s->ram_hi));
	if (s->ram_lo != s->ram_hi)
		emit_yaml_kv(&c->y, "mem_reservation",
			     emit_size(buf, sizeof(buf), s->ram_lo));
	if (s->cpus) {
		emit_yaml_key(&c->y, "cpus");
		emit_yaml_plain(&c->y, compose_cpus(buf, sizeof(buf), s->cpus));
	}
	compose_ports(c, s);
	compose_extra_hosts(c, s);
	compose_environment(c, s);
	const char **vols = arena_calloc(c->a, s->nvolumes + 3, sizeof(*vols));
	size_t nv = 0;
	if (s->proxy)
		vols[nv++] = "../../" LAYOUT_PROXY_DIR ":" LAYOUT_PROXY_MOUNT ":ro";
	if (tls) {
		vols[nv++] = EMIT_CERTS_DIR ":" EMIT_NGINX_CERTS;
		vols[nv++] = EMIT_CERTS_WEBROOT_DIR ":" EMIT_NGINX_WEBROOT ":ro";
	}
	for (size_t i = 0; i < s->nvolumes; i++)
		vols[nv++] = arena_printf(c->a, "%s:%s", s->volumes[i].name, s->volumes[i].path);
	compose_list(c, "volumes", vols, nv);
	compose_depends(c, s);
	size_t known = compose_known_index(s->image);
	if (known < COMPOSE_NKNOWN && compose_known[known].stop_grace)
		emit_yaml_kv(&c->y, "stop_grace_period", compose_known[known].stop_grace);
	const char *check = emit_compose_healthcheck(s);
	if (!check && tls) /* deploy waits for it */
		check = "kill -0 \"$(cat /var/run/nginx.pid)\"";
	if (check)
		compose_healthcheck(c, check);
	emit_yaml_map_end(&c->y);
}

/* The volumes of the file: one namespace per server, whose names check
 * proved unique (E1003, naming.c). */
static size_t compose_volume_names(struct compose *c, const char ***out)
{
	const struct mdl_placement *pl = c->t->pl;
	size_t cap = 1;
	for (size_t i = 0; i < pl->nservices; i++)
		cap += pl->services[i]->nvolumes;
	const char **names = arena_calloc(c->a, cap, sizeof(*names));
	size_t n = 0;
	for (size_t i = 0; i < pl->nservices; i++)
		for (size_t j = 0; j < pl->services[i]->nvolumes; j++)
			names[n++] = pl->services[i]->volumes[j].name;
	*out = names;
	return n;
}

const char *emit_compose_yaml(struct arena *a, struct diag_list *dl,
			      const struct emit_target *t)
{
	struct compose c = { .a = a, .dl = dl, .t = t, .ok = true };
	struct strbuf b = STRBUF_INIT;
	const char **vols;
	size_t nvols = compose_volume_names(&c, &vols);

	strbuf_addf(&b, "# %s.\n", emit_banner(a, t));
	strbuf_addstr(&b, "# Edit the infra file, not this one.  Secrets come from .env "
			  "(see .env.example).\n");
	emit_yaml_begin(&c.y, &b);
	emit_yaml_map(&c.y);
	emit_yaml_key(&c.y, "services");
	emit_yaml_map(&c.y);
	for (size_t i = 0; i < t->pl->nservices; i++)
		compose_service(&c, t->pl->services[i]);
	emit_yaml_map_end(&c.y);
	if (nvols) {
		emit_yaml_key(&c.y, "volumes");
		emit_yaml_map(&c.y);
		for (size_t i = 0; i < nvols; i++) {
			emit_yaml_key(&c.y, vols[i]);
			emit_yaml_map_flow(&c.y);
			emit_yaml_map_end(&c.y);
		}
		emit_yaml_map_end(&c.y);
	}
	emit_yaml_map_end(&c.y);
	if (!emit_yaml_end(&c.y)) {
		fprintf(stderr, "infrac: internal error: libyaml refused docker-compose.yml\n");
		abort();
	}
	if (!c.ok) {
		strbuf_release(&b);
		return NULL;
	}
	return arena_take(a, &b);
}

const char *emit_compose_service_yaml(struct arena *a, const struct emit_target *t,
				      const struct mdl_service *s)
{
	struct diag_list dl;
	diag_list_init(&dl, a);
	struct compose c = { .a = a, .dl = &dl, .t = t, .ok = true };
	struct strbuf b = STRBUF_INIT;
	emit_yaml_begin(&c.y, &b);
	emit_yaml_map(&c.y);
	compose_service(&c, s);
	emit_yaml_map_end(&c.y);
	bool ok = emit_yaml_end(&c.y);
	diag_list_release(&dl);
	if (!ok || !c.ok) {
		strbuf_release(&b);
		return NULL;
	}
	return arena_take(a, &b);
}
