/*
 * charges: what a server costs in a month beyond its type's price.
 *
 * The running charges Hetzner bills every month a server exists, priced
 * from the project's price table:
 *
 *   IPv4     the primary IPv4, per location; none with `ipv4 = false`
 *   backups  `backups = true`: the table's percentage of the server's price
 *   traffic  `traffic = N TB/month` above what the type includes, per TB
 *            (a started GB counts whole), at the location's price
 *   volumes  `storage = hetzner_volume`: whole GB (at least 10) per month;
 *            0 until apply creates Volumes (later says what it will be)
 *
 * The budget rule (check.c) and the cost engine both count them here, so
 * "passes every check" means the same in `check` and `cost`.  Snapshots
 * before a replace are one-offs of a change between two types: the cost
 * engine counts them (cost.h).  Each amount is rounded half up to the
 * cent once, per server and month, so totals stay sums of whole cents.
 * With p->servers_only, or a table that prices none of it (the built-in
 * catalog), every amount is 0.
 */
#ifndef INFRAC_CHARGES_H
#define INFRAC_CHARGES_H

#include <stdint.h>

#include "model.h"

enum charges_kind { CHARGES_IPV4, CHARGES_BACKUPS, CHARGES_TRAFFIC, CHARGES_VOLUMES, CHARGES_N };

struct charges {
	int64_t amount[CHARGES_N];  /* cents this month */
	int64_t total;              /* their sum */
	/* CHARGES_* bits of what the file asks for and the table cannot
	 * price (backups or traffic with the built-in catalog) */
	unsigned unpriced;
	int64_t volumes_later;      /* what the volumes will cost a month once deployed */
};

/* The charges of pl's server in month m (of pl's phase) as type t. */
void charges_of(const struct mdl_project *p, const struct mdl_placement *pl,
		const struct mdl_type *t, int m, struct charges *out);

/* The server's price and its charges in month m: its running cost. */
int64_t charges_month(const struct mdl_project *p, const struct mdl_placement *pl,
		      const struct mdl_type *t, int m);

/* "IPv4", "backups", "traffic", "volumes" (static). */
const char *charges_name(enum charges_kind k);

/* round(micro-euros / PRICES_MICRO) to the cent, half up; micro >= 0 */
int64_t charges_cents(int64_t micro);

#endif
