/*
 * recommend: the cheapest server types that pass every check.
 *
 * The unknowns are a type per server and month (resize), or one type per
 * server for the whole horizon (no resize).  What a choice costs is what
 * the cost engine counts: the type's price and the server's charges in
 * each month it runs (charges.h), and a snapshot where a change of type
 * needs a new server (cost_new_server).  Constraints: capacity in every
 * month (capacity_of: RAM with headroom and CPU per phase, disk growing
 * month by month, and the type's kind: architecture, vCPUs, location),
 * and the budget, which bounds the running cost of all servers in a month.
 *
 * The types searched are the price table's candidates (capacity_candidate):
 * orderable where the server is, not deprecated, Arm only when every image
 * runs on arm64, dedicated vCPUs only when the server asks for them or no
 * shared type carries it that month.
 *
 * With resize, each server's cheapest sequence of types is a shortest
 * path over its months (states: the types that fit that month; a step
 * costs the month's running cost, plus the snapshot when it needs a new
 * server); the servers do not constrain each other but through the
 * budget.  When the paths break the budget, each server gets the month's
 * spare money (the budget less the other servers' lowest running cost)
 * as a limit, which is exact for one server; and when that breaks it
 * too, every month is kept at its lowest running cost.  As the lowest of
 * every month is the least any plan can spend then, this last step keeps
 * the budget if anything does; it then gives up only the rare path that
 * spends more in a month to save a snapshot (docs/cost.md).  Without
 * snapshots (the built-in catalog prices none) the result is exact.  The
 * work is servers x months x types^2.
 *
 * The result is costed by the cost engine as a scenario, so its figures
 * are those `infrac cost` prints for it, and no scenario of the file that
 * passes every check costs less.
 */
#ifndef INFRAC_RECOMMEND_H
#define INFRAC_RECOMMEND_H

#include <stdbool.h>

#include "arena.h"
#include "capacity.h"
#include "cost.h"
#include "model.h"

/* A cheaper type ruled out: where, and the capacity that says why (or,
 * when it fits, the new server it would need after `after`). */
struct recommend_reject {
	const struct mdl_type *type;
	const struct mdl_phase *phase;
	int month;                     /* where it fails */
	struct capacity cap;
	const struct mdl_type *after;  /* fits, but needs a new server after this type */
};

struct recommend_pick {
	const struct mdl_server *server;
	const struct mdl_phase *phase;  /* NULL without resize: every phase */
	const struct mdl_type *type;    /* NULL when no type fits */
	int start, months;              /* the months it holds */
	bool dedicated;                 /* dedicated vCPUs: asked for, or nothing shared fits */
	const struct mdl_type *before;  /* the server's type in the month before; NULL: none */
	/* every candidate cheaper than type in its first month (all of them
	 * when none fits) ruled out, in price order */
	struct recommend_reject *rejects;
	size_t nrejects;
};

struct recommend {
	bool resize;
	/* resize: by phase, placement order, then time; else by server */
	struct recommend_pick *picks;
	size_t npicks;
	bool all_fit;                 /* every pick has a type */
	bool fallback;                /* the budget made it keep every month at its lowest */
	struct mdl_scenario scenario; /* the picks as assignments */
	struct cost_option cost;      /* that scenario; meaningful when all_fit */
	bool found;                   /* all_fit and within the budget */
	/* table types never offered: of an architecture no image runs on
	 * (all of arch_skipped), dedicated ones, and those not orderable
	 * or deprecated */
	size_t skipped_arch, skipped_dedicated, skipped_unorderable;
	unsigned arch_skipped;
};

/* The cheapest types per server and month (resize) or per server that
 * pass every check (in a).  r->found says whether the result fits
 * everywhere within the budget. */
void recommend_search(struct arena *a, const struct mdl_project *p, bool resize,
		      struct recommend *r);

#endif
