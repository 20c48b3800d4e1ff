/*
 * capacity: what one server carries in one phase, and whether it fits.
 *
 * The one place the capacity arithmetic lives.  The checker proves the
 * plan with it, the report prints it, and the cost engine and the
 * recommender ask it about other server types.
 *
 *   ram:  reserve + sum(service ram) <= type ram x (1 - headroom)
 *         checked at the upper bound of every range
 *   cpu:  sum(declared cpus) <= vcpu x cpu_overcommit, and each
 *         container's cpus <= vcpu (docker refuses more)
 *   disk: sum(volume size + growth x months in use by the phase's end)
 *         <= type disk
 *   kind: the type runs every image's architecture, has the vCPUs the
 *         server asks for (`cpu = dedicated | shared`) and is sold in
 *         the server's location (as far as the price table knows)
 */
#ifndef INFRAC_CAPACITY_H
#define INFRAC_CAPACITY_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

enum capacity_kind {
	CAPACITY_KIND_OK,
	CAPACITY_ARCH,            /* an image does not run on the type's architecture */
	CAPACITY_WANTS_DEDICATED, /* cpu = dedicated, the type's vCPUs are shared */
	CAPACITY_WANTS_SHARED,    /* cpu = shared, the type's are dedicated */
	CAPACITY_NOT_SOLD,        /* not sold in the server's location */
};

struct capacity {
	int64_t ram_lo, ram_hi;  /* reserve + services, lower and upper bound */
	int64_t ram_total;       /* the type's RAM */
	int64_t ram_usable;      /* after headroom */
	int64_t cpus;            /* declared */
	int64_t cpus_max;        /* the most one container declares */
	int64_t cpu_limit;       /* vcpu x overcommit */
	int64_t disk;            /* volumes at the end of the phase */
	int64_t disk_total;
	int disk_month;          /* the month disk is measured at (last of phase) */
	unsigned arch;           /* PRICES_* bits every image runs on */
	enum capacity_kind kind;
	bool ram_ok, cpu_ok, disk_ok, kind_ok;
};

/* What placement pl of phase ph needs of a server of type `type` (disk
 * at the phase's last month) and whether it fits; out is filled, nothing
 * is allocated. */
void capacity_of(const struct mdl_project *p, const struct mdl_phase *ph,
		 const struct mdl_placement *pl, const struct mdl_type *type,
		 struct capacity *out);

static inline bool capacity_fits(const struct capacity *c)
{
	return c->ram_ok && c->cpu_ok && c->disk_ok && c->kind_ok;
}

/* "runs arm64 images only" and the like: why kind_ok is false (static). */
const char *capacity_kind_why(const struct capacity *c);

/*
 * Would the search offer type t for server s at all: sold and orderable
 * in its location, not deprecated, and of the vCPUs it may have (a
 * dedicated type only with dedicated: `cpu = dedicated`, or nothing
 * shared carries it).  Arm types need images that run on arm64, which
 * capacity_of checks.
 */
bool capacity_candidate(const struct mdl_server *s, const struct mdl_type *t, bool dedicated);

/* The cheapest candidate type of the project's catalog that carries the
 * placement (shared vCPUs first, dedicated only when no shared type
 * does, or the server asks for them); NULL when none does. */
const struct mdl_type *capacity_cheapest_fit(const struct mdl_project *p,
					     const struct mdl_phase *ph,
					     const struct mdl_placement *pl);

#endif
