/*
 * check: the rules that relate resolved things to each other.
 *
 *   - dependencies: `needs` targets run on the same server in the phase,
 *     and needs has no cycle
 *   - placement: a service runs on at most one server per phase
 *   - data: a service with volumes moves to another server only where
 *     the phase declares it (moves_data)
 *   - scenarios' own placements: the rules of placement, needs, domains,
 *     ports and data on every phase a scenario places
 *   - capacity of every server in every phase (RAM with headroom, CPU,
 *     disk growth), through capacity.c
 *   - phases: inside the horizon, no overlap, gaps warned
 *   - ports and domains: published ports unique per server and phase,
 *     80/443 for the proxy, domains unique and served by a proxy
 *   - secrets: no literal value for a secret-looking variable
 *   - images: a pinned tag (warning)
 *
 * Each broken rule is a diagnostic with a code; all are reported.
 */
#ifndef INFRAC_CHECK_H
#define INFRAC_CHECK_H

#include <stdbool.h>

#include "diag.h"
#include "model.h"

/* Fills in derived facts (first month of each service) and checks. */
void check_project(struct diag_list *dl, struct mdl_project *p);

/* Does this environment variable name look like it holds a secret? */
bool check_is_secret_name(const char *key);

#endif
