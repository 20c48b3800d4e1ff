#include "recommend.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

#define RC_NONE INT64_MAX

/* One server's search: its months over the horizon and what fits them. */
struct rc {
	struct arena *a;
	const struct mdl_project *p;
	const struct mdl_server *s;
	size_t nt, h;               /* types; months of the horizon */
	const struct mdl_phase **ph;       /* by month: the phase running the server, or NULL */
	const struct mdl_placement **pl;   /* by month: its placement there */
	int64_t *disk;              /* by month: the disk its data needs then */
	bool *ok;                   /* [m * nt + t]: t is a candidate that fits month m */
	bool *dedicated;            /* by month: dedicated types offered */
	int64_t *run;               /* [m * nt + t]: the month's running cost as t */
	int *choice;                /* by month: the type index chosen, -1 none */
	/* under a budget: by month, the lowest running cost of every server
	 * together, and what this server may spend then (RC_NONE: no limit) */
	int64_t *low_all, *cap;
};

/* The phase as far as month m: disk is measured then. */
static void rc_capacity(const struct rc *c, size_t m, const struct mdl_type *t,
			struct capacity *cap)
{
	struct mdl_phase upto = *c->ph[m];
	upto.months = c->p->start + (int)m + 1 - upto.start;
	capacity_of(c->p, &upto, c->pl[m], t, cap);
}

/* Does t carry month m, its kind included (candidates aside)? */
static bool rc_fits(const struct rc *c, size_t m, size_t t)
{
	struct capacity cap;
	rc_capacity(c, m, &c->p->types[t], &cap);
	return capacity_fits(&cap);
}

/* Which types fit which months, what they cost to run, and whether a
 * month offers dedicated types (nothing shared fits it, or asked). */
static void rc_months(struct rc *c)
{
	const struct mdl_project *p = c->p;
	for (size_t m = 0; m < c->h; m++) {
		c->ph[m] = model_phase_at(p, p->start + (int)m);
		c->pl[m] = c->ph[m] ? model_placement(c->ph[m], c->s) : NULL;
		c->choice[m] = -1;
		if (!c->pl[m])
			continue;
		bool shared = false;
		for (size_t t = 0; t < c->nt; t++) {
			const struct mdl_type *ty = &p->types[t];
			c->ok[m * c->nt + t] = capacity_candidate(c->s, ty, true) && rc_fits(c, m, t);
			shared |= c->ok[m * c->nt + t] && !ty->dedicated;
			c->run[m * c->nt + t] = charges_month(p, c->pl[m], ty, p->start + (int)m);
		}
		c->dedicated[m] = c->s->cpu == MDL_CPU_DEDICATED || !shared;
		for (size_t t = 0; t < c->nt; t++)
			if (p->types[t].dedicated && !c->dedicated[m])
				c->ok[m * c->nt + t] = false;
		struct capacity cap;
		rc_capacity(c, m, &p->types[0], &cap);
		c->disk[m] = cap.disk;
	}
}

/* The server's lowest running cost in month m (RC_NONE: nothing fits). */
static int64_t rc_low(const struct rc *c, size_t m)
{
	int64_t low = RC_NONE;
	for (size_t t = 0; t < c->nt; t++)
		if (c->ok[m * c->nt + t] && c->run[m * c->nt + t] < low)
			low = c->run[m * c->nt + t];
	return low;
}

/* Keeps, in every month, the types that cost at most what the server may
 * spend then. */
static void rc_limit(struct rc *c)
{
	for (size_t m = 0; m < c->h; m++)
		for (size_t t = 0; t < c->nt; t++)
			if (c->run[m * c->nt + t] > c->cap[m])
				c->ok[m * c->nt + t] = false;
}

/* The step into month m as type t from `from` in the month before: the
 * snapshot when it needs a new server. */
static int64_t rc_step(const struct rc *c, size_t m, size_t from, size_t t)
{
	if (!cost_new_server(&c->p->types[from], &c->p->types[t]))
		return 0;
	int64_t snap = cost_snapshot(c->p, c->disk[m - 1]);
	return snap > 0 ? snap : 0;
}

/* The cheapest path through months [m0, m1), every one of them fitting
 * some type; its choices into c->choice.  Ties keep the type (no
 * resize), then take the cheaper type. */
static void rc_path(struct rc *c, size_t m0, size_t m1, int64_t *best, int64_t *next,
		    int *parent)
{
	size_t nt = c->nt;
	for (size_t t = 0; t < nt; t++)
		best[t] = c->ok[m0 * nt + t] ? c->run[m0 * nt + t] : RC_NONE;
	for (size_t m = m0 + 1; m < m1; m++) {
		for (size_t t = 0; t < nt; t++) {
			next[t] = RC_NONE;
			parent[m * nt + t] = -1;
			if (!c->ok[m * nt + t])
				continue;
			for (size_t f = 0; f < nt; f++) {
				if (best[f] == RC_NONE)
					continue;
				int64_t v = units_add_sat(best[f], rc_step(c, m, f, t));
				if (v < next[t] || (v == next[t] && f == t)) {
					next[t] = v;
					parent[m * nt + t] = (int)f;
				}
			}
			if (next[t] != RC_NONE)
				next[t] = units_add_sat(next[t], c->run[m * nt + t]);
		}
		memcpy(best, next, nt * sizeof(*best));
	}
	size_t end = 0;
	for (size_t t = 1; t < nt; t++)
		if (best[t] < best[end])
			end = t;
	for (size_t m = m1; m-- > m0;) {
		c->choice[m] = (int)end;
		if (m > m0)
			end = (size_t)parent[m * nt + end];
	}
}

/* Every run of months that some type fits, each a path of its own. */
static void rc_paths(struct rc *c)
{
	int64_t *best = arena_calloc(c->a, c->nt + 1, sizeof(*best));
	int64_t *next = arena_calloc(c->a, c->nt + 1, sizeof(*next));
	int *parent = arena_calloc(c->a, c->h * c->nt + 1, sizeof(*parent));
	for (size_t m = 0; m < c->h;) {
		bool any = false;
		for (size_t t = 0; c->pl[m] && t < c->nt; t++)
			any |= c->ok[m * c->nt + t];
		if (!any) {
			m++;
			continue;
		}
		size_t end = m + 1;
		for (; end < c->h && c->pl[end]; end++) {
			bool more = false;
			for (size_t t = 0; t < c->nt; t++)
				more |= c->ok[end * c->nt + t];
			if (!more)
				break;
		}
		rc_path(c, m, end, best, next, parent);
		m = end;
	}
}

/* One type for all the server's months: the cheapest to run that fits
 * every one of them. */
static void rc_single(struct rc *c)
{
	int64_t best = RC_NONE;
	int pick = -1;
	for (int pass = 0; pass < 2 && pick < 0; pass++)
		for (size_t t = 0; t < c->nt; t++) {
			const struct mdl_type *ty = &c->p->types[t];
			if (!capacity_candidate(c->s, ty, pass == 1) || (pass == 1 && !ty->dedicated))
				continue;
			int64_t sum = 0;
			for (size_t m = 0; m < c->h && sum != RC_NONE; m++)
				if (c->pl[m])
					sum = rc_fits(c, m, t) ? units_add_sat(sum, c->run[m * c->nt + t])
							       : RC_NONE;
			if (sum < best) {
				best = sum;
				pick = (int)t;
			}
		}
	for (size_t m = 0; m < c->h; m++)
		c->choice[m] = c->pl[m] ? pick : -1;
}

/* ---- the result ------------------------------------------------------------ */

/* The cheaper candidates the pick passed over, measured at its last month
 * (the disk is largest then): those that do not fit, and those that fit
 * but would need a new server after the type before it. */
static void rc_rejects(const struct rc *c, struct recommend_pick *pk, const struct mdl_type *before)
{
	const struct mdl_project *p = c->p;
	size_t last = (size_t)(pk->start + pk->months - 1 - p->start);
	size_t first = (size_t)(pk->start - p->start);
	pk->rejects = arena_calloc(c->a, c->nt + 1, sizeof(*pk->rejects));
	int64_t limit = pk->type ? c->run[first * c->nt + (size_t)(pk->type - p->types)] : RC_NONE;
	for (size_t t = 0; t < c->nt; t++) {
		const struct mdl_type *ty = &p->types[t];
		if (ty == pk->type || c->run[first * c->nt + t] >= limit ||
		    !capacity_candidate(c->s, ty, c->dedicated[first]))
			continue;
		struct recommend_reject *rj = &pk->rejects[pk->nrejects];
		rc_capacity(c, last, ty, &rj->cap);
		/* types of another architecture are not offered at all */
		if (rj->cap.kind == CAPACITY_ARCH ||
		    (capacity_fits(&rj->cap) && !(before && cost_new_server(before, ty))))
			continue;
		if (capacity_fits(&rj->cap))
			rj->after = before;
		rj->type = ty;
		rj->phase = pk->phase;
		rj->month = pk->start + pk->months - 1;
		pk->nrejects++;
	}
}

/* The server's picks: each run of one type (or of no type) inside a phase. */
static void rc_picks(struct rc *c, struct recommend *r)
{
	const struct mdl_project *p = c->p;
	const struct mdl_type *before = NULL;
	for (size_t m = 0; m < c->h;) {
		if (!c->pl[m]) {
			before = NULL;
			m++;
			continue;
		}
		size_t end = m + 1;
		while (end < c->h && c->ph[end] == c->ph[m] && c->choice[end] == c->choice[m])
			end++;
		struct recommend_pick *pk = &r->picks[r->npicks++];
		pk->server = c->s;
		pk->phase = r->resize ? c->ph[m] : NULL;
		pk->type = c->choice[m] >= 0 ? &p->types[c->choice[m]] : NULL;
		pk->start = p->start + (int)m;
		pk->months = (int)(end - m);
		pk->dedicated = pk->type && pk->type->dedicated;
		pk->before = before;
		rc_rejects(c, pk, before);
		before = pk->type;
		m = end;
	}
}

/* One pick per server without resize, with its rejects per phase: every
 * cheaper candidate that fails somewhere, at each phase's end. */
static void rc_pick_single(struct rc *c, struct recommend *r)
{
	const struct mdl_project *p = c->p;
	struct recommend_pick *pk = &r->picks[r->npicks++];
	size_t m0 = 0;
	while (m0 < c->h && !c->pl[m0])
		m0++;
	pk->server = c->s;
	pk->type = c->choice[m0] >= 0 ? &p->types[c->choice[m0]] : NULL;
	pk->start = p->start;
	pk->months = p->horizon;
	pk->dedicated = pk->type && pk->type->dedicated;
	pk->rejects = arena_calloc(c->a, c->nt * (p->nphases + 1) + 1, sizeof(*pk->rejects));
	for (size_t t = 0; t < c->nt; t++) {
		const struct mdl_type *ty = &p->types[t];
		if (ty == pk->type || (pk->type && ty->price >= pk->type->price) ||
		    !capacity_candidate(c->s, ty, pk->dedicated || !pk->type))
			continue;
		for (size_t m = 0; m < c->h; m++) {
			/* each phase at its last month */
			if (!c->pl[m] || (m + 1 < c->h && c->ph[m + 1] == c->ph[m]))
				continue;
			struct recommend_reject *rj = &pk->rejects[pk->nrejects];
			rc_capacity(c, m, ty, &rj->cap);
			if (capacity_fits(&rj->cap) || rj->cap.kind == CAPACITY_ARCH)
				continue;
			rj->type = ty;
			rj->phase = c->ph[m];
			rj->month = p->start + (int)m;
			pk->nrejects++;
		}
	}
}

/* arr (n elements used of *cap) with room for `need`: grown in a,
 * doubling, the old copy left to the arena. */
static void *rc_grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return arr;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	void *bigger = arena_calloc(a, ncap, size);
	if (n)
		memcpy(bigger, arr, n * size);
	*cap = ncap;
	return bigger;
}

/* The server's choices as assignments: its first type from the start,
 * then one where the type changes, `from PHASE` at a phase's first month. */
static void rc_assign(struct rc *c, struct mdl_scenario *sc, size_t *cap)
{
	int prev = -1;
	for (size_t m = 0; m < c->h; m++) {
		if (c->choice[m] < 0 || c->choice[m] == prev)
			continue;
		sc->assigns = rc_grow(c->a, sc->assigns, sc->nassigns, cap, sc->nassigns + 1,
				      sizeof(*sc->assigns));
		struct mdl_assign *as = &sc->assigns[sc->nassigns++];
		int month = c->p->start + (int)m;
		as->server = c->s;
		as->type = &c->p->types[c->choice[m]];
		as->from = prev < 0 ? c->p->start : month;
		as->from_phase = prev >= 0 && c->ph[m]->start == month ? c->ph[m] : NULL;
		prev = c->choice[m];
	}
}

static void rc_init(struct arena *a, const struct mdl_project *p, struct rc *c)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	c->p = p;
	c->nt = p->ntypes;
	c->h = (size_t)(p->horizon > 0 ? p->horizon : 0);
	c->ph = arena_calloc(a, c->h + 1, sizeof(*c->ph));
	c->pl = arena_calloc(a, c->h + 1, sizeof(*c->pl));
	c->disk = arena_calloc(a, c->h + 1, sizeof(*c->disk));
	c->ok = arena_calloc(a, c->h * c->nt + 1, sizeof(*c->ok));
	c->dedicated = arena_calloc(a, c->h + 1, sizeof(*c->dedicated));
	c->run = arena_calloc(a, c->h * c->nt + 1, sizeof(*c->run));
	c->choice = arena_calloc(a, c->h + 1, sizeof(*c->choice));
	c->low_all = arena_calloc(a, c->h + 1, sizeof(*c->low_all));
	c->cap = arena_calloc(a, c->h + 1, sizeof(*c->cap));
}

/* Orders resize picks by phase, then the placement's place in its run
 * block list, then time, as a person reads the phases. */
static int rc_pick_cmp(const void *pa, const void *pb)
{
	const struct recommend_pick *a = pa, *b = pb;
	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	const struct mdl_placement *x = model_placement(a->phase, a->server);
	const struct mdl_placement *y = model_placement(b->phase, b->server);
	if (x != y)
		return x < y ? -1 : 1;
	return a->start < b->start ? -1 : a->start > b->start;
}

/*
 * What each server may spend a month under the budget.  RC_FREE: no limit.
 * RC_SLACK: the budget less the others' lowest, so that one server may
 * spend the month's spare money (exact for one server).  RC_LOWEST: its
 * own lowest, which keeps every month at the least it can cost.
 */
enum rc_mode { RC_FREE, RC_SLACK, RC_LOWEST };

/* The month's caps for server c->s under mode. */
static void rc_caps(struct rc *c, enum rc_mode mode)
{
	for (size_t m = 0; m < c->h; m++) {
		int64_t low = rc_low(c, m);
		if (mode == RC_FREE || low == RC_NONE)
			c->cap[m] = RC_NONE;
		else if (mode == RC_LOWEST)
			c->cap[m] = low;
		else /* never below its lowest: a month no one can keep is RC_LOWEST's to tell */
			c->cap[m] = c->p->budget - (c->low_all[m] - low) > low
				    ? c->p->budget - (c->low_all[m] - low) : low;
	}
}

/* Every month's lowest running cost of all servers together. */
static void rc_low_all(struct rc *c)
{
	for (size_t s = 0; s < c->p->nservers; s++) {
		c->s = &c->p->servers[s];
		rc_months(c);
		for (size_t m = 0; m < c->h; m++) {
			int64_t low = c->pl[m] ? rc_low(c, m) : 0;
			c->low_all[m] = units_add_sat(c->low_all[m], low == RC_NONE ? 0 : low);
		}
	}
}

/* One pass over every server. */
static void rc_search(struct rc *c, struct recommend *r, enum rc_mode mode)
{
	const struct mdl_project *p = c->p;
	size_t cap = 0, acap = 0;
	r->npicks = 0;
	r->scenario.nassigns = 0;
	r->all_fit = true;
	for (size_t s = 0; s < p->nservers; s++) {
		c->s = &p->servers[s];
		rc_months(c);
		bool runs = false;
		for (size_t m = 0; m < c->h; m++)
			runs |= c->pl[m] != NULL;
		if (!runs)
			continue;
		rc_caps(c, mode);
		rc_limit(c);
		if (r->resize)
			rc_paths(c);
		else
			rc_single(c);
		for (size_t m = 0; m < c->h; m++)
			r->all_fit = r->all_fit && (!c->pl[m] || c->choice[m] >= 0);
		/* at most a pick a month */
		r->picks = rc_grow(c->a, r->picks, r->npicks, &cap, r->npicks + c->h + 1,
				   sizeof(*r->picks));
		if (r->resize)
			rc_picks(c, r);
		else
			rc_pick_single(c, r);
		rc_assign(c, &r->scenario, &acap);
	}
	if (r->resize && r->npicks)
		qsort(r->picks, r->npicks, sizeof(*r->picks), rc_pick_cmp);
}

/* Types of the table the search never offers, for the report. */
static void rc_skipped(const struct mdl_project *p, struct recommend *r)
{
	unsigned arch = 0;
	for (size_t i = 0; i < p->nphases; i++)
		for (size_t k = 0; k < p->phases[i].nplacements; k++)
			arch |= model_arch(p, &p->phases[i].placements[k]);
	for (size_t t = 0; t < p->ntypes; t++) {
		const struct mdl_type *ty = &p->types[t];
		if (ty->listed && (ty->listed->deprecated || !model_orderable(ty, p->location)))
			r->skipped_unorderable++;
		else if (!(ty->arch & arch)) {
			r->skipped_arch++;
			r->arch_skipped |= ty->arch;
		}
		else if (ty->dedicated)
			r->skipped_dedicated++;
	}
}

void recommend_search(struct arena *a, const struct mdl_project *p, bool resize,
		      struct recommend *r)
{
	memset(r, 0, sizeof(*r));
	r->resize = resize;
	r->scenario.name = resize ? "recommended" : "recommended_no_resize";
	rc_skipped(p, r);
	if (!p->ntypes || p->horizon <= 0)
		return;
	struct rc c;
	rc_init(a, p, &c);
	/* over the budget: first the month's spare money to each server,
	 * then every month at its lowest, which decides */
	for (enum rc_mode mode = RC_FREE; mode <= RC_LOWEST; mode++) {
		if (mode == RC_SLACK)
			rc_low_all(&c);
		r->fallback = mode == RC_LOWEST;
		rc_search(&c, r, mode);
		if (!r->all_fit)
			return;
		cost_option_build(a, p, &r->scenario, &r->cost);
		r->found = cost_feasible(&r->cost);
		if (r->found || !resize || r->cost.over_first < 0)
			return;
	}
}
