#include "cost.h"

#include <limits.h>
#include <string.h>

#include "units.h"

/* pl's type in month m among n assignments: the latest of pl's server
 * from m or before (the later one of a month), else its own. */
static const struct mdl_type *cost_type_in(const struct mdl_assign *as, size_t n,
					   const struct mdl_placement *pl, int m)
{
	const struct mdl_type *t = pl->type;
	int best = INT_MIN;
	for (size_t i = 0; i < n; i++)
		if (as[i].server == pl->server && as[i].from <= m && as[i].from >= best) {
			best = as[i].from;
			t = as[i].type;
		}
	return t;
}

const struct mdl_type *cost_type_at(const struct mdl_scenario *sc,
				    const struct mdl_placement *pl, int m)
{
	return sc ? cost_type_in(sc->assigns, sc->nassigns, pl, m) : pl->type;
}

/* A scenario's assignments by server: server i's are by[at[i] ..
 * at[i + 1]), in the scenario's order, so that a placement's type in a
 * month is a look at its own (not at every server's). */
struct cost_assigns {
	struct mdl_assign *by;
	size_t *at;
	size_t nservers;
};

static void cost_assigns_index(struct arena *a, const struct mdl_project *p,
			       const struct mdl_scenario *sc, struct cost_assigns *ix)
{
	size_t n = sc ? sc->nassigns : 0;
	ix->nservers = p->nservers + (sc ? sc->nservers : 0);
	ix->at = arena_calloc(a, ix->nservers + 2, sizeof(*ix->at));
	ix->by = arena_calloc(a, n + 1, sizeof(*ix->by));
	for (size_t i = 0; i < n; i++)
		ix->at[sc->assigns[i].server->index + 2]++;
	for (size_t i = 2; i <= ix->nservers + 1; i++)
		ix->at[i] += ix->at[i - 1];
	/* at[i + 1] is where server i's next one goes; then its end */
	for (size_t i = 0; i < n; i++)
		ix->by[ix->at[sc->assigns[i].server->index + 1]++] = sc->assigns[i];
}

/* cost_type_at, through the index. */
static const struct mdl_type *cost_type_ix(const struct cost_assigns *ix,
					   const struct mdl_placement *pl, int m)
{
	size_t srv = pl->server->index;
	if (srv >= ix->nservers)
		return pl->type;
	return cost_type_in(ix->by + ix->at[srv], ix->at[srv + 1] - ix->at[srv], pl, m);
}

/* Is month m one in which phase ph runs pl with type t?  A phase that
 * overlaps an earlier one (an error the checker reports) yields to it. */
static bool cost_same(const struct mdl_project *p, const struct cost_assigns *ix,
		      const struct mdl_phase *ph, const struct mdl_placement *pl,
		      const struct mdl_type *t, int m)
{
	return model_phase_at(p, m) == ph && cost_type_ix(ix, pl, m) == t;
}

bool cost_new_server(const struct mdl_type *a, const struct mdl_type *b)
{
	return a != b && (a->arch != b->arch || b->disk < a->disk);
}

int64_t cost_snapshot(const struct mdl_project *p, int64_t disk)
{
	if (p->servers_only)
		return 0;
	if (p->prices->image_gb < 0)
		return -1;
	int64_t gb = disk <= 0 ? 0 : (disk - 1) / UNITS_GIB + 1;
	return charges_cents(units_mul_sat(gb, p->prices->image_gb));
}

/* The charges of segment s, and the snapshot when prev (the server's
 * segment of the month before, or NULL) needs a new server for it. */
static void cost_segment_charges(const struct mdl_project *p, struct cost_segment *s,
				 const struct cost_segment *prev)
{
	struct charges ch;
	int last = s->start + s->months - 1;
	charges_of(p, s->placement, s->type, s->start, &ch);
	for (int k = 0; k < CHARGES_N; k++)
		s->charges[k] = units_mul_sat(ch.amount[k], s->months);
	s->unpriced = ch.unpriced;
	struct charges end;
	charges_of(p, s->placement, s->type, last, &end);
	s->volumes_later = end.volumes_later;
	if (prev && prev->start + prev->months == s->start && cost_new_server(prev->type, s->type)) {
		s->from = prev->type;
		s->snapshot_gb = prev->cap.disk <= 0 ? 0 : (prev->cap.disk - 1) / UNITS_GIB + 1;
		int64_t c = cost_snapshot(p, prev->cap.disk);
		if (c < 0)
			s->unpriced |= 1u << COST_SNAPSHOT;
		else
			s->charges[COST_SNAPSHOT] = c;
	}
	for (int k = 0; k < COST_CHARGES; k++)
		s->charged = units_add_sat(s->charged, s->charges[k]);
}

static void cost_segment_add(struct cost_option *o, const struct mdl_project *p,
			     const struct mdl_phase *ph, const struct mdl_placement *pl,
			     const struct mdl_type *t, int start, int end,
			     const struct cost_segment **last)
{
	struct cost_segment *s = &o->segs[o->nsegs++];
	s->phase = ph;
	s->placement = pl;
	s->type = t;
	s->start = start;
	s->months = end - start;
	s->price = model_price(t, pl->server->location);
	s->cost = units_mul_sat(s->price, s->months);
	/* the phase as far as this segment: disk is measured at its end */
	struct mdl_phase upto = *ph;
	upto.months = end - ph->start;
	capacity_of(p, &upto, pl, t, &s->cap);
	if (!capacity_fits(&s->cap))
		o->fits = false;
	size_t srv = pl->server->index;
	cost_segment_charges(p, s, last[srv]);
	last[srv] = s;
	int64_t month = units_add_sat(s->price, (s->charged - s->charges[COST_SNAPSHOT]) / s->months);
	for (int m = start; m < end; m++)
		o->monthly[m - p->start] = units_add_sat(o->monthly[m - p->start], month);
	o->monthly[start - p->start] = units_add_sat(o->monthly[start - p->start],
						     s->charges[COST_SNAPSHOT]);
	o->oneoff[start - p->start] = units_add_sat(o->oneoff[start - p->start],
						    s->charges[COST_SNAPSHOT]);
	size_t i = (size_t)(ph - p->phases);
	int64_t all = units_add_sat(s->cost, s->charged);
	o->phase_cost[i] = units_add_sat(o->phase_cost[i], all);
	o->total = units_add_sat(o->total, all);
	o->charged = units_add_sat(o->charged, s->charged);
}

void cost_option_build(struct arena *a, const struct mdl_project *p,
		       const struct mdl_scenario *sc, struct cost_option *o)
{
	memset(o, 0, sizeof(*o));
	o->name = sc ? sc->name : "as written";
	o->scenario = sc;
	o->complete = o->fits = true;
	o->over_first = -1;
	int h0 = p->start, h1 = p->start + p->horizon;
	o->monthly = arena_calloc(a, (size_t)p->horizon + 1, sizeof(*o->monthly));
	o->oneoff = arena_calloc(a, (size_t)p->horizon + 1, sizeof(*o->oneoff));
	/* each server's latest segment, by index: the scenario's own after the project's */
	const struct cost_segment **last = arena_calloc(a, p->nservers + (sc ? sc->nservers : 0) + 1,
							sizeof(*last));
	o->phase_cost = arena_calloc(a, p->nphases + 1, sizeof(*o->phase_cost));

	/* a placement splits at most once per assignment, and where it
	 * leaves and re-enters its phase (overlap errors only); and a
	 * segment is a month at least */
	size_t max = 0, splits = 2 + 2 * (sc ? sc->nassigns : 0) + 2 * p->nphases;
	for (size_t i = 0; i < p->nphases; i++) {
		size_t months = p->phases[i].months > 0 ? (size_t)p->phases[i].months : 0;
		max += model_scenario_phase(p, sc, i)->nplacements * (months < splits ? months : splits);
	}
	o->segs = arena_calloc(a, max + 1, sizeof(*o->segs));
	struct cost_assigns ix;
	cost_assigns_index(a, p, sc, &ix);

	for (size_t i = 0; i < p->nphases; i++) {
		const struct mdl_phase *ph = &p->phases[i];
		int from = ph->start > h0 ? ph->start : h0;
		int to = ph->start + ph->months < h1 ? ph->start + ph->months : h1;
		/* segments name the plan's phase; the placements are the scenario's */
		const struct mdl_phase *run = model_scenario_phase(p, sc, i);
		for (size_t k = 0; k < run->nplacements; k++) {
			const struct mdl_placement *pl = &run->placements[k];
			int m = from;
			while (m < to) {
				if (model_phase_at(p, m) != ph) {
					m++;
					continue;
				}
				const struct mdl_type *t = cost_type_ix(&ix, pl, m);
				int end = m + 1;
				while (end < to && cost_same(p, &ix, ph, pl, t, end))
					end++;
				if (t)
					cost_segment_add(o, p, ph, pl, t, m, end, last);
				else
					o->complete = false;
				m = end;
			}
		}
	}

	if (p->budget < 0)
		return;
	/* the running cost: a snapshot is a one-off */
	for (int i = 0; i < p->horizon; i++) {
		int64_t running = o->monthly[i] - o->oneoff[i];
		if (running <= p->budget)
			continue;
		if (o->over_first < 0) {
			o->over_first = h0 + i;
			o->over_by = running - p->budget;
		}
		o->over_months++;
	}
}

bool cost_feasible(const struct cost_option *o)
{
	return o->complete && o->fits && o->over_first < 0;
}

void cost_table_build(struct arena *a, const struct mdl_project *p, struct cost_table *t)
{
	t->n = 1 + p->nscenarios;
	t->options = arena_calloc(a, t->n, sizeof(*t->options));
	t->cheapest = NULL;
	for (size_t i = 0; i < t->n; i++) {
		struct cost_option *o = &t->options[i];
		cost_option_build(a, p, i ? &p->scenarios[i - 1] : NULL, o);
		/* the first of equals wins: the plan as written before scenarios */
		if (cost_feasible(o) && (!t->cheapest || o->total < t->cheapest->total))
			t->cheapest = o;
	}
}

int64_t cost_average(int64_t total, int months)
{
	return (total / months) + ((total % months) * 2 >= months ? 1 : 0);
}

/* ---- for people ---------------------------------------------------------- */

const char *cost_arithmetic(struct arena *a, const struct mdl_project *p,
			    const struct cost_option *o)
{
	/* (server, type) terms in order of first use; a server's are found
	 * from first[its index] through next (term index + 1, 0: none) */
	struct term {
		const struct mdl_server *s;
		const struct mdl_type *t;
		int64_t months;
		size_t next;
	};
	struct term *terms = arena_calloc(a, o->nsegs + 1, sizeof(*terms));
	size_t nsrv = 1, n = 0;
	for (size_t i = 0; i < o->nsegs; i++)
		if (o->segs[i].placement->server->index >= nsrv)
			nsrv = o->segs[i].placement->server->index + 1;
	size_t *first = arena_calloc(a, nsrv, sizeof(*first));
	for (size_t i = 0; i < o->nsegs; i++) {
		const struct cost_segment *sg = &o->segs[i];
		size_t *at = &first[sg->placement->server->index];
		while (*at && !(terms[*at - 1].s == sg->placement->server && terms[*at - 1].t == sg->type))
			at = &terms[*at - 1].next;
		if (!*at) {
			terms[n] = (struct term){ sg->placement->server, sg->type, 0, 0 };
			*at = ++n;
		}
		terms[*at - 1].months += sg->months;
	}
	/* each kind of charge over the whole option */
	int64_t charge[COST_CHARGES] = { 0 };
	size_t ncharges = 0;
	for (size_t i = 0; i < o->nsegs; i++)
		for (int k = 0; k < COST_CHARGES; k++)
			charge[k] = units_add_sat(charge[k], o->segs[i].charges[k]);
	for (int k = 0; k < COST_CHARGES; k++)
		ncharges += charge[k] > 0;
	char b[UNITS_BUF];
	if (!n)
		return arena_strdup(a, units_fmt_money(b, o->total));

	bool named = p->nservers + (o->scenario ? o->scenario->nservers : 0) > 1;
	size_t cap = 64 + (n + ncharges) * (3 * UNITS_BUF + 48);
	for (size_t j = 0; j < n; j++)
		cap += strlen(terms[j].s->name);
	char *out = arena_alloc(a, cap), *w = out;
	for (size_t j = 0; j < n; j++) {
		w += sprintf(w, "%s%lld x %s", j ? " + " : "", (long long)terms[j].months,
			     units_fmt_money(b, model_price(terms[j].t, terms[j].s->location)));
		if (named)
			w += sprintf(w, " (%s)", terms[j].s->name);
	}
	for (int k = 0; k < COST_CHARGES; k++)
		if (charge[k] > 0)
			w += sprintf(w, " + %s %s", cost_charge_name(k), units_fmt_money(b, charge[k]));
	if (n + ncharges > 1) {
		for (size_t j = 0; j < n; j++)
			w += sprintf(w, "%s%s", j ? " + " : " = ", units_fmt_money(b, units_mul_sat(
				model_price(terms[j].t, terms[j].s->location), terms[j].months)));
		for (int k = 0; k < COST_CHARGES; k++)
			if (charge[k] > 0)
				w += sprintf(w, " + %s", units_fmt_money(b, charge[k]));
	}
	sprintf(w, " = %s", units_fmt_money(b, o->total));
	return out;
}

const char *cost_charge_name(int k)
{
	return k == COST_SNAPSHOT ? "snapshot" : charges_name((enum charges_kind)k);
}

/* An amount over a limit: MB when small, so "over" never reads "0 GB". */
static const char *cost_fmt_over(char *buf, int64_t mem)
{
	char g[UNITS_BUF];
	if (mem < UNITS_GIB / 10)
		return units_fmt_mem(buf, mem);
	snprintf(buf, UNITS_BUF, "%s GB", units_fmt_gb(g, mem));
	return buf;
}

const char *cost_shortfall(struct arena *a, const struct capacity *c)
{
	char x[UNITS_BUF], y[UNITS_BUF], z[UNITS_BUF], m[UNITS_BUF];
	const char *ram = "", *cpu = "", *disk = "", *kind = "";
	if (capacity_fits(c))
		return NULL;
	if (!c->ram_ok)
		ram = arena_printf(a, "RAM needs %s GB of %s GB usable (%lld%% of %s GB): %s over",
				   units_fmt_gb(x, c->ram_hi), units_fmt_gb(y, c->ram_usable),
				   (long long)units_percent_of(c->ram_hi, c->ram_total),
				   units_fmt_gb(m, c->ram_total),
				   cost_fmt_over(z, c->ram_hi - c->ram_usable));
	if (!c->cpu_ok && c->cpus <= c->cpu_limit) /* one container wants more than all */
		cpu = arena_printf(a, "%sCPU: a container declares %s vCPU, more than the type has",
				   c->ram_ok ? "" : "; ", units_fmt_number(x, c->cpus_max));
	else if (!c->cpu_ok)
		cpu = arena_printf(a, "%sCPU needs %s vCPU of %s allowed", c->ram_ok ? "" : "; ",
				   units_fmt_number(x, c->cpus), units_fmt_number(y, c->cpu_limit));
	if (!c->disk_ok)
		disk = arena_printf(a, "%sdisk needs %s by %s of %s: %s over",
				    c->ram_ok && c->cpu_ok ? "" : "; ",
				    units_fmt_mem(x, c->disk), units_fmt_month(m, c->disk_month),
				    units_fmt_mem(y, c->disk_total),
				    cost_fmt_over(z, c->disk - c->disk_total));
	if (!c->kind_ok)
		kind = arena_printf(a, "%s%s", c->ram_ok && c->cpu_ok && c->disk_ok ? "" : "; ",
				    capacity_kind_why(c));
	return arena_printf(a, "%s%s%s%s", ram, cpu, disk, kind);
}

