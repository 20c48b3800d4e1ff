/*
 * split: is splitting cheaper than growing?
 *
 * Growing keeps the plan's placement and gives its servers bigger types:
 * what recommend searches.  Splitting is a scenario with a placement of
 * its own (servers it adds, services it moves, `new` instances).  For
 * each such scenario the same search runs on its placement: the cheapest
 * catalog type of each server, per phase with resize or for the whole
 * horizon without, checked with capacity_of; the result is costed by
 * the cost engine as a scenario with the same placement and those types,
 * so that the two can be set side by side.
 *
 * Everything is allocated in the caller's arena.
 */
#ifndef INFRAC_SPLIT_H
#define INFRAC_SPLIT_H

#include <stdbool.h>

#include "arena.h"
#include "cost.h"
#include "model.h"

struct split {
	const struct mdl_scenario *scenario; /* as the file writes it */
	/* its placement with the cheapest types, as assignments */
	struct mdl_scenario cheapest;
	/* when a server has no type that carries it: which, and where
	 * (phase NULL without resize: some phase it runs in) */
	const struct mdl_server *unfit;
	const struct mdl_phase *unfit_phase;
	struct cost_option cost;  /* of cheapest; meaningful without unfit */
	bool found;               /* no unfit, and within the budget */
};

/* The scenarios of p that place services (sc->phases), each with the
 * cheapest types that carry its placement: *n of them, in file order. */
struct split *split_search(struct arena *a, const struct mdl_project *p, bool resize,
			   size_t *n);

#endif
