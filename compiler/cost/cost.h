/*
 * cost: what the plan and each scenario cost, month by month.
 *
 * An option is the plan as written or one scenario laid over it.  For
 * every month of the horizon, the phase running then (model_phase_at)
 * says which servers exist: those it has a `run on` block for, or those
 * of the scenario's own run blocks for the phase where it has them.  Each such
 * server has a type: the file's (with the phase's `server` override), or,
 * in a scenario, the type of the assignment with the latest `from` not
 * after the month (the later line wins a tie).  The month costs the sum
 * of those types' prices.  Months no phase covers cost nothing.
 *
 * Beside its price a server pays its charges (charges.h: primary IPv4,
 * backups, traffic, volumes), and a change of type that needs a new
 * server (another architecture, or a smaller disk than it has) costs a
 * snapshot of its data, taken by apply before the replace and counted for
 * one month at the table's image price: an estimate, and a one-off that
 * limits.budget (which bounds the running cost) does not count.
 *
 * Money is exact: cents, and every sum is a sum of price x months and
 * whole-cent charges.  Only the average per month is rounded (half up, to
 * the cent), for display.
 *
 * Runs of months in which one server keeps one type inside one phase are
 * segments.  Each segment is checked with capacity_of(), with disk
 * measured at the segment's last month, so a scenario that changes type
 * in the middle of a phase is checked for each type it uses there.
 *
 * Everything is allocated in the caller's arena.
 */
#ifndef INFRAC_COST_H
#define INFRAC_COST_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "capacity.h"
#include "charges.h"
#include "diag.h"
#include "model.h"

/* The charges of a segment: CHARGES_* and the snapshot before it. */
#define COST_SNAPSHOT CHARGES_N
#define COST_CHARGES (CHARGES_N + 1)

struct cost_segment {
	const struct mdl_phase *phase;           /* of p->phases */
	const struct mdl_placement *placement;  /* the option's: a scenario's may differ */
	const struct mdl_type *type;
	int start, months;
	int64_t price;         /* the type's price a month where the server is */
	int64_t cost;          /* price x months */
	struct capacity cap;   /* measured at start + months - 1 */
	/* in these months: each charge (a month's amount x months) and the
	 * snapshot taken before the segment when it needs a new server */
	int64_t charges[COST_CHARGES];
	int64_t charged;       /* their sum */
	int64_t snapshot_gb;   /* its size; 0: no new server */
	const struct mdl_type *from; /* the type before a new server; NULL: none */
	unsigned unpriced;     /* bits of what the table cannot price (1 << COST_SNAPSHOT too) */
	int64_t volumes_later; /* what the Volumes will cost a month, by its last month */
};

struct cost_option {
	const char *name;                      /* "as written" or the scenario's */
	const struct mdl_scenario *scenario;   /* NULL: the plan as written */
	/* by phase (file order of p->phases), placement, then time */
	struct cost_segment *segs;
	size_t nsegs;
	int64_t *phase_cost;   /* per p->phases[i], months inside the horizon */
	int64_t *monthly;      /* p->horizon entries, month p->start + i */
	int64_t *oneoff;       /* the snapshots among them, not held against the budget */
	int64_t total;
	int64_t charged;       /* the charges in total */
	bool complete;         /* every server that runs has a type */
	bool fits;             /* every segment carries its services */
	/* limits.budget: the first month above it, -1 when none (or no budget) */
	int over_first;
	int64_t over_by;       /* how much above in that month */
	int over_months;
};

/* Costs the plan as written (sc NULL) or scenario sc laid over it. */
void cost_option_build(struct arena *a, const struct mdl_project *p,
		       const struct mdl_scenario *sc, struct cost_option *o);

/* The type server pl->server has in month m under scenario sc (NULL: as
 * written). */
const struct mdl_type *cost_type_at(const struct mdl_scenario *sc,
				    const struct mdl_placement *pl, int m);

/* Does changing a server from type a to type b need a new server (its
 * data moved through a snapshot): another architecture, or a disk
 * smaller than a's (a resize keeps the disk it grew to)? */
bool cost_new_server(const struct mdl_type *a, const struct mdl_type *b);
/* A snapshot of disk bytes (units.h memory) for one month, in cents; -1
 * when the table has no image price (0 with servers_only). */
int64_t cost_snapshot(const struct mdl_project *p, int64_t disk);

/* Passes every check: complete, fits, and within the budget. */
bool cost_feasible(const struct cost_option *o);

/* The plan as written, then every scenario in file order. */
struct cost_table {
	struct cost_option *options;
	size_t n;
	const struct cost_option *cheapest; /* feasible and cheapest; NULL when none */
};

/* Costs the plan and every scenario (in a) and names the cheapest
 * feasible one. */
void cost_table_build(struct arena *a, const struct mdl_project *p, struct cost_table *t);

/* total / months, rounded half up to the cent; months > 0, total >= 0 */
int64_t cost_average(int64_t total, int months);

/*
 * The sum as a person checks it: "price x months" per server and type in
 * order of first use, then each kind of charge, e.g. "30 x 19.49 + 6 x
 * 27.99 + IPv4 18.00 = 584.70 + 167.94 + 18.00 = 770.64".  Servers are
 * named when the project has more than one.
 */
const char *cost_arithmetic(struct arena *a, const struct mdl_project *p,
			    const struct cost_option *o);

/* Why a capacity does not fit, for people:
 * "RAM needs 6.9 GB, 6.4 GB usable (0.5 GB over)"; NULL when it fits. */
const char *cost_shortfall(struct arena *a, const struct capacity *c);

/* "IPv4", "backups", "traffic", "volumes", "snapshot" (static). */
const char *cost_charge_name(int k);

#endif
