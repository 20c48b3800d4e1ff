/*
 * recommend: the cheapest server types that pass every check.
 *
 * Unknowns: a type per server and phase (resize), or one type per server
 * for the whole horizon (no resize).  Constraints: each server's capacity
 * in each phase (capacity_of: RAM with headroom, CPU, disk), and the
 * budget, which bounds the sum of the prices of all servers in a month.
 *
 * Why picking each unknown's cheapest fitting type on its own is optimal,
 * budget included: capacity constrains one unknown at a time, while both
 * the horizon's cost and every month's sum only grow with each price.
 * The independent cheapest choices therefore minimise every month's sum
 * at once, so they are the cheapest assignment, and when they break the
 * budget in some month no assignment keeps it.  The search is linear:
 * unknowns x types capacity checks (docs/cost.md).
 *
 * The result is costed by the cost engine as a scenario, so its figures
 * are those `infrac cost` would print for it.
 */
#ifndef INFRAC_RECOMMEND_H
#define INFRAC_RECOMMEND_H

#include <stdbool.h>

#include "arena.h"
#include "capacity.h"
#include "cost.h"
#include "model.h"

/* A cheaper type ruled out: where, and the capacity that says why. */
struct recommend_reject {
	const struct mdl_type *type;
	const struct mdl_phase *phase;
	struct capacity cap;
};

struct recommend_pick {
	const struct mdl_server *server;
	const struct mdl_phase *phase;  /* NULL without resize: every phase */
	const struct mdl_type *type;    /* NULL when no type fits */
	/* every type cheaper than type (all types when none fits) that
	 * fails somewhere, in price order, then by phase */
	struct recommend_reject *rejects;
	size_t nrejects;
};

struct recommend {
	bool resize;
	/* resize: by phase, then placement order; else by server */
	struct recommend_pick *picks;
	size_t npicks;
	bool all_fit;                 /* every pick has a type */
	struct mdl_scenario scenario; /* the picks as assignments */
	struct cost_option cost;      /* that scenario; meaningful when all_fit */
	bool found;                   /* all_fit and within the budget */
};

/* The cheapest types per server and phase that pass every check (in a);
 * resize: may a server change type between phases.  r->found says
 * whether the result fits everywhere within the budget. */
void recommend_search(struct arena *a, const struct mdl_project *p, bool resize,
		      struct recommend *r);

#endif
