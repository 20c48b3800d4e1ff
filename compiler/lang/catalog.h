/*
 * catalog: the built-in price table, the seed's snapshot.
 *
 * Hetzner Cloud's CPX line as priced on 5 February 2026, the table the
 * Becker decision was made with, so that the seed's figures stay exact
 * (701.64, 902.64 and 752.64 EUR for examples/becker.infra).  It knows
 * server prices only: no charges beside them (the seed's comparison left
 * them out), every type x86 with shared vCPUs, sold in every location.
 * `--prices api` or a pinned snapshot give today's line-up and charges.
 */
#ifndef INFRAC_CATALOG_H
#define INFRAC_CATALOG_H

#include "prices.h"

/* "built-in catalog: Hetzner Cloud CPX line, EUR/month, as of 2026-02-05":
 * what every report prints for these prices */
extern const char catalog_source[];

/* The table; static, never freed. */
const struct prices *catalog_builtin(void);

#endif
