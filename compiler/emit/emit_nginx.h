/*
 * emit_nginx: nginx.conf for the proxy on one server in one phase: a
 * server block per domain, routed over the compose network through
 * Docker's resolver, Let's Encrypt's HTTP-01 path, and a default server
 * that refuses unknown hosts.
 */
#ifndef INFRAC_EMIT_NGINX_H
#define INFRAC_EMIT_NGINX_H

#include "emit.h"

/* Where the proxy's container finds the certificates and the challenge
 * files certbot writes (emit_certs.h). */
#define EMIT_NGINX_CERTS "/etc/letsencrypt"
#define EMIT_NGINX_WEBROOT "/var/www/acme"

/* t->proxy must be set. */
const char *emit_nginx_conf(struct arena *a, const struct emit_target *t);

#endif
