#include "recommend.h"

#include <string.h>

/* Tries the types cheapest first on the given phases (one, or all that
 * run the server) and keeps the first that fits them all. */
static void recommend_pick(struct arena *a, const struct mdl_project *p,
			   const struct mdl_server *s, const struct mdl_phase *only,
			   struct recommend_pick *pk)
{
	pk->server = s;
	pk->phase = only;
	pk->rejects = arena_calloc(a, p->ntypes * (only ? 1 : p->nphases) + 1,
				   sizeof(*pk->rejects));
	for (size_t t = 0; t < p->ntypes && !pk->type; t++) {
		bool fits = true;
		for (size_t i = 0; i < p->nphases; i++) {
			const struct mdl_phase *ph = &p->phases[i];
			const struct mdl_placement *pl = model_placement(ph, s);
			if ((only && ph != only) || !pl)
				continue;
			struct recommend_reject *rj = &pk->rejects[pk->nrejects];
			capacity_of(p, ph, pl, &p->types[t], &rj->cap);
			if (capacity_fits(&rj->cap))
				continue;
			rj->type = &p->types[t];
			rj->phase = ph;
			pk->nrejects++;
			fits = false;
		}
		if (fits)
			pk->type = &p->types[t];
	}
}

static void recommend_assign(struct mdl_scenario *sc, const struct mdl_project *p,
			     const struct recommend_pick *pk, bool first)
{
	struct mdl_assign *as = &sc->assigns[sc->nassigns++];
	as->server = pk->server;
	as->type = pk->type;
	/* a server's first type holds from the start, as `main = cpx42` */
	as->from = first ? p->start : pk->phase->start;
	as->from_phase = first ? NULL : pk->phase;
}

void recommend_search(struct arena *a, const struct mdl_project *p, bool resize,
		      struct recommend *r)
{
	memset(r, 0, sizeof(*r));
	r->resize = resize;
	size_t max = p->nservers;
	for (size_t i = 0; resize && i < p->nphases; i++)
		max += p->phases[i].nplacements;
	r->picks = arena_calloc(a, max + 1, sizeof(*r->picks));
	if (resize) {
		for (size_t i = 0; i < p->nphases; i++)
			for (size_t k = 0; k < p->phases[i].nplacements; k++)
				recommend_pick(a, p, p->phases[i].placements[k].server,
					       &p->phases[i], &r->picks[r->npicks++]);
	} else {
		for (size_t s = 0; s < p->nservers; s++) {
			bool runs = false;
			for (size_t i = 0; i < p->nphases && !runs; i++)
				runs = model_placement(&p->phases[i], &p->servers[s]) != NULL;
			if (runs)
				recommend_pick(a, p, &p->servers[s], NULL, &r->picks[r->npicks++]);
		}
	}

	r->all_fit = true;
	for (size_t i = 0; i < r->npicks; i++)
		r->all_fit = r->all_fit && r->picks[i].type;
	r->scenario.name = resize ? "recommended" : "recommended_no_resize";
	r->scenario.assigns = arena_calloc(a, r->npicks + 1, sizeof(*r->scenario.assigns));
	if (!r->all_fit)
		return;
	/* per server in file order, a new assignment where its type changes */
	for (size_t s = 0; s < p->nservers; s++) {
		const struct mdl_type *prev = NULL;
		for (size_t i = 0; i < r->npicks; i++) {
			const struct recommend_pick *pk = &r->picks[i];
			if (pk->server != &p->servers[s] || pk->type == prev)
				continue;
			recommend_assign(&r->scenario, p, pk, !prev);
			prev = pk->type;
		}
	}
	cost_option_build(a, p, &r->scenario, &r->cost);
	r->found = cost_feasible(&r->cost);
}
