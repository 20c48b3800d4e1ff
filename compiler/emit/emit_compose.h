/*
 * emit_compose: docker-compose.yml (Compose Specification) for one server
 * in one phase.  Secrets are ${NAME:?...} interpolations that compose fills
 * from the .env file apply writes; env("NAME") values are read from the
 * build's environment (unset: E1002).
 */
#ifndef INFRAC_EMIT_COMPOSE_H
#define INFRAC_EMIT_COMPOSE_H

#include "emit.h"

/* The file's text, or NULL after reporting errors to dl. */
const char *emit_compose_yaml(struct arena *a, struct diag_list *dl,
			      const struct emit_target *t);

/* The entry of s (a service of t) in the file, as its own document: what
 * compose recreates a container for when it changes.  NULL when the file
 * could not be written (an unset env("NAME")). */
const char *emit_compose_service_yaml(struct arena *a, const struct emit_target *t,
				      const struct mdl_service *s);

/* The health check compose runs for svc as a CMD-SHELL command (with $
 * meaning $), or NULL when none is declared or known for its image. */
const char *emit_compose_healthcheck(const struct mdl_service *svc);

#endif
