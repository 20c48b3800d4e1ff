/*
 * capacity: what one server carries in one phase, and whether it fits.
 *
 * The one place the capacity arithmetic lives.  The checker proves the
 * plan with it, the report prints it, and the cost engine and the
 * recommender ask it about other server types.
 *
 *   ram:  reserve + sum(service ram) <= type ram x (1 - headroom)
 *         checked at the upper bound of every range
 *   cpu:  sum(declared cpus) <= vcpu x cpu_overcommit
 *   disk: sum(volume size + growth x months in use by the phase's end)
 *         <= type disk
 */
#ifndef INFRAC_CAPACITY_H
#define INFRAC_CAPACITY_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

struct capacity {
	int64_t ram_lo, ram_hi;  /* reserve + services, lower and upper bound */
	int64_t ram_total;       /* the type's RAM */
	int64_t ram_usable;      /* after headroom */
	int64_t cpus;            /* declared */
	int64_t cpu_limit;       /* vcpu x overcommit */
	int64_t disk;            /* volumes at the end of the phase */
	int64_t disk_total;
	int disk_month;          /* the month disk is measured at (last of phase) */
	bool ram_ok, cpu_ok, disk_ok;
};

/* What placement pl of phase ph needs of a server of type `type` (disk
 * at the phase's last month) and whether it fits; out is filled, nothing
 * is allocated. */
void capacity_of(const struct mdl_project *p, const struct mdl_phase *ph,
		 const struct mdl_placement *pl, const struct mdl_type *type,
		 struct capacity *out);

static inline bool capacity_fits(const struct capacity *c)
{
	return c->ram_ok && c->cpu_ok && c->disk_ok;
}

/* The cheapest type of the project's catalog that carries the placement;
 * NULL when none does. */
const struct mdl_type *capacity_cheapest_fit(const struct mdl_project *p,
					     const struct mdl_phase *ph,
					     const struct mdl_placement *pl);

#endif
