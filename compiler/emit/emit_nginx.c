#include "emit_nginx.h"

#include <string.h>

/* Mozilla's "intermediate" profile, without the DHE suites that would
 * need a dhparam file */
static const char nginx_ciphers[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static const char nginx_http_common[] =
	"    server_tokens off;\n"
	"    default_type application/octet-stream;\n"
	"    log_format main '$remote_addr - $remote_user [$time_local] \"$host\" \"$request\" '\n"
	"                    '$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" '\n"
	"                    '$request_time $upstream_addr';\n"
	"    access_log /dev/stdout main;\n"
	"\n"
	"    # Docker's embedded DNS.  Backends are named in variables, so they are\n"
	"    # looked up per request: nginx starts, and serves the other hosts,\n"
	"    # while a backend is down.\n"
	"    resolver 127.0.0.11 valid=10s ipv6=off;\n"
	"    resolver_timeout 5s;\n"
	"\n"
	"    client_max_body_size 64m;\n"
	"    client_header_timeout 60s;\n"
	"    client_body_timeout 60s;\n"
	"    send_timeout 60s;\n"
	"    keepalive_timeout 65s;\n"
	"\n"
	"    proxy_http_version 1.1;\n"
	"    proxy_connect_timeout 5s;\n"
	"    proxy_send_timeout 600s;\n"
	"    proxy_read_timeout 600s;\n"
	"    proxy_redirect off;\n"
	"    proxy_set_header Host $host;\n"
	"    proxy_set_header X-Real-IP $remote_addr;\n"
	"    # nginx is the first proxy: what a client sent as X-Forwarded-For is dropped\n"
	"    proxy_set_header X-Forwarded-For $remote_addr;\n"
	"    proxy_set_header X-Forwarded-Proto $scheme;\n"
	"    proxy_set_header X-Forwarded-Host $host;\n"
	"    proxy_set_header Upgrade $http_upgrade;\n"
	"    proxy_set_header Connection $connection_upgrade;\n"
	"\n"
	"    map $http_upgrade $connection_upgrade {\n"
	"        default upgrade;\n"
	"        ''      close;\n"
	"    }\n"
	"\n"
	"    # infrac's deploy asks which status the service itself gave, so that\n"
	"    # an answer of nginx (a redirect, a 502) never passes for the service's\n"
	"    map $http_x_infrac_health $infrac_upstream {\n"
	"        ''      '';\n"
	"        default $upstream_status;\n"
	"    }\n";

/* Does s run on more than one server of t's phase: balanced. */
static bool nginx_balanced(const struct emit_target *t, const struct mdl_service *s)
{
	return model_runs_several(t->phase, s) && model_private_port(t->phase, t->pl, s);
}

/* The backend is the service's name, which Docker's resolver answers
 * with every container of it; during a zero-downtime switch a pin file
 * names the one container to use instead (layout.h).  A service on
 * several servers is an upstream of their private addresses instead. */
static void nginx_location(struct strbuf *b, const struct emit_target *t,
			   const struct mdl_service *s)
{
	if (nginx_balanced(t, s)) {
		strbuf_addf(b,
				"        location / {\n"
				"            proxy_pass http://infrac_%s;\n"
				"            proxy_next_upstream error timeout http_502 http_503 http_504;\n"
				"            proxy_next_upstream_tries 2;\n"
				"            proxy_next_upstream_timeout 10s;\n"
				"        }\n",
				s->name);
		return;
	}
	strbuf_addf(b,
			"        location / {\n"
			"            set $backend %s:%d;\n"
			"            include " LAYOUT_PROXY_MOUNT "/" LAYOUT_PIN_DIR "/%s[.]conf;\n"
			"            proxy_pass http://$backend;\n"
			"        }\n",
			s->name, model_service_port(s), s->name);
}

/* The upstreams of the domains served from several servers: every server
 * of the phase that runs the service, at its private address; one that
 * fails twice is left out for 10 s while the others answer. */
static void nginx_upstreams(struct strbuf *b, struct arena *a, const struct emit_target *t,
			    const struct mdl_service **doms, size_t n)
{
	const struct mdl_placement **where =
		arena_calloc(a, t->phase->nplacements + 1, sizeof(*where));
	for (size_t i = 0; i < n; i++) {
		int port = model_private_port(t->phase, t->pl, doms[i]);
		if (!nginx_balanced(t, doms[i]))
			continue;
		strbuf_addf(b, "\n    upstream infrac_%s {\n", doms[i]->name);
		size_t nw = model_placements_of(t->phase, doms[i], where);
		for (size_t k = 0; k < nw; k++) {
			char ip[16];
			strbuf_addf(b, "        server %s:%d max_fails=2 fail_timeout=10s;\n",
				    model_fmt_ip(ip, where[k]->server->private_ip), port);
		}
		strbuf_addstr(b, "    }\n");
	}
}

const char *emit_nginx_conf(struct arena *a, const struct emit_target *t)
{
	const struct mdl_service **doms = arena_calloc(a, t->pl->nservices + 1, sizeof(*doms));
	size_t n = emit_domains(t, doms);
	bool tls = t->proxy->tls == MDL_TLS_LETSENCRYPT && n > 0;
	struct strbuf b = STRBUF_INIT;
	strbuf_addf(&b, "# %s.\n# Edit the infra file, not this one.\n\n", emit_banner(a, t));
	strbuf_addstr(&b, "worker_processes auto;\n"
			  "error_log stderr warn;\n"
			  "\n"
			  "events {\n"
			  "    worker_connections 1024;\n"
			  "}\n"
			  "\n"
			  "http {\n");
	strbuf_addstr(&b, nginx_http_common);
	if (tls)
		strbuf_addf(&b,
				"\n"
				"    ssl_protocols TLSv1.2 TLSv1.3;\n"
				"    ssl_ciphers %s;\n"
				"    ssl_prefer_server_ciphers off;\n"
				"    ssl_session_cache shared:TLS:10m;\n"
				"    ssl_session_timeout 1d;\n"
				"    ssl_session_tickets off;\n",
				nginx_ciphers);

	nginx_upstreams(&b, a, t, doms, n);
	strbuf_addf(&b,
			"\n"
			"    # unknown hosts get no answer\n"
			"    server {\n"
			"        listen 80 default_server;\n"
			"%s"
			"        return 444;\n"
			"    }\n",
			tls ? "        listen 443 ssl default_server;\n"
			      "        ssl_reject_handshake on;\n"
			    : "");

	if (tls) {
		strbuf_addstr(&b, "\n"
				  "    # plain http: Let's Encrypt's challenge, everything else to https\n"
				  "    server {\n"
				  "        listen 80;\n"
				  "        server_name");
		for (size_t i = 0; i < n; i++)
			strbuf_addf(&b, " %s", doms[i]->domain);
		strbuf_addstr(&b, ";\n"
				  "        location ^~ /.well-known/acme-challenge/ {\n"
				  "            root " EMIT_NGINX_WEBROOT ";\n"
				  "            default_type text/plain;\n"
				  "        }\n"
				  "        location / {\n"
				  "            return 301 https://$host$request_uri;\n"
				  "        }\n"
				  "    }\n");
	}
	for (size_t i = 0; i < n; i++) {
		const char *d = doms[i]->domain;
		strbuf_addf(&b, "\n    server {\n        listen %s;\n        server_name %s;\n"
				"        add_header X-Infrac-Upstream $infrac_upstream always;\n",
				tls ? "443 ssl" : "80", d);
		if (tls)
			strbuf_addf(
				&b,
				"        ssl_certificate " EMIT_NGINX_CERTS "/serving/%s/fullchain.pem;\n"
				"        ssl_certificate_key " EMIT_NGINX_CERTS "/serving/%s/privkey.pem;\n"
				"        add_header Strict-Transport-Security \"max-age=31536000\" always;\n",
				d, d);
		if (doms[i]->max_upload) {
			char size[64];
			strbuf_addf(&b, "        client_max_body_size %s;\n",
				    emit_size(size, sizeof(size), doms[i]->max_upload));
		}
		nginx_location(&b, t, doms[i]);
		strbuf_addstr(&b, "    }\n");
	}
	strbuf_addstr(&b, "}\n");
	return arena_take(a, &b);
}
