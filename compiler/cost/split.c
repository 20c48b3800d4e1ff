#include "split.h"

#include <string.h>

#include "capacity.h"

/* The cheapest type that carries server s in phase i of the scenario, or
 * (only NULL) in every phase of it that runs s. */
static const struct mdl_type *split_fit(const struct mdl_project *p,
					const struct mdl_scenario *sc,
					const struct mdl_server *s, const size_t *only)
{
	for (size_t t = 0; t < p->ntypes; t++) {
		bool fits = true;
		for (size_t i = 0; i < p->nphases && fits; i++) {
			const struct mdl_phase *ph = &sc->phases[i];
			const struct mdl_placement *pl = model_placement(ph, s);
			if ((only && i != *only) || !pl)
				continue;
			struct capacity cap;
			capacity_of(p, ph, pl, &p->types[t], &cap);
			fits = capacity_fits(&cap);
		}
		if (fits)
			return &p->types[t];
	}
	return NULL;
}

/* Server s's types in the scenario's phases, in time order: a new
 * assignment where the type changes; false when none fits somewhere. */
static bool split_server(struct split *sp, const struct mdl_project *p,
			 const struct mdl_server *s, bool resize)
{
	const struct mdl_scenario *sc = sp->scenario;
	const struct mdl_type *prev = NULL, *all = resize ? NULL : split_fit(p, sc, s, NULL);
	for (size_t i = 0; i < p->nphases; i++) {
		if (!model_placement(&sc->phases[i], s))
			continue;
		const struct mdl_type *t = resize ? split_fit(p, sc, s, &i) : all;
		if (!t) {
			sp->unfit = s;
			sp->unfit_phase = resize ? &p->phases[i] : NULL;
			return false;
		}
		if (t == prev)
			continue;
		struct mdl_assign *as = &sp->cheapest.assigns[sp->cheapest.nassigns++];
		as->server = s;
		as->type = t;
		/* a server's first type holds from the start, as `main = cpx42` */
		as->from = prev ? p->phases[i].start : p->start;
		as->from_phase = prev ? &p->phases[i] : NULL;
		as->loc = sc->loc;
		prev = t;
	}
	return true;
}

static void split_one(struct arena *a, const struct mdl_project *p,
		      const struct mdl_scenario *sc, bool resize, struct split *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->scenario = sc;
	sp->cheapest = *sc;
	sp->cheapest.nassigns = 0;
	sp->cheapest.assigns = arena_calloc(a, (p->nservers + sc->nservers) * p->nphases + 1,
					    sizeof(*sp->cheapest.assigns));
	for (size_t s = 0; s < p->nservers; s++)
		if (!split_server(sp, p, &p->servers[s], resize))
			return;
	for (size_t s = 0; s < sc->nservers; s++)
		if (!split_server(sp, p, &sc->servers[s], resize))
			return;
	cost_option_build(a, p, &sp->cheapest, &sp->cost);
	sp->found = cost_feasible(&sp->cost);
}

struct split *split_search(struct arena *a, const struct mdl_project *p, bool resize,
			   size_t *n)
{
	struct split *out = arena_calloc(a, p->nscenarios + 1, sizeof(*out));
	*n = 0;
	for (size_t i = 0; i < p->nscenarios; i++)
		if (p->scenarios[i].phases)
			split_one(a, p, &p->scenarios[i], resize, &out[(*n)++]);
	return out;
}
