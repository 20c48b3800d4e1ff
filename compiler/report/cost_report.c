#include "cost_report.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"
#include "report.h"
#include "units.h"
#include "xalloc.h"

/* ---- a table of text cells -------------------------------------------- */

struct cr_row {
	const char **cells; /* [0] the label, then one per option */
	bool section;       /* a phase heading: cells[1] runs across the options */
};

struct cr_grid {
	struct arena *a;
	size_t ncols;
	struct cr_row *rows;
	size_t n, cap;
};

static const char **cr_row(struct cr_grid *g, bool section, const char *label)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 32;
		struct cr_row *rows = arena_calloc(g->a, cap, sizeof(*rows));
		if (g->n)
			memcpy(rows, g->rows, g->n * sizeof(*rows));
		g->rows = rows;
		g->cap = cap;
	}
	struct cr_row *r = &g->rows[g->n++];
	r->section = section;
	r->cells = arena_calloc(g->a, g->ncols, sizeof(*r->cells));
	for (size_t c = 0; c < g->ncols; c++)
		r->cells[c] = "";
	r->cells[0] = label;
	return r->cells;
}

static void cr_print(const struct cr_grid *g, FILE *out)
{
	size_t *w = arena_calloc(g->a, g->ncols, sizeof(*w));
	for (size_t i = 0; i < g->n; i++)
		for (size_t c = 0; c < (g->rows[i].section ? 1 : g->ncols); c++)
			if (strlen(g->rows[i].cells[c]) > w[c])
				w[c] = strlen(g->rows[i].cells[c]);
	for (size_t i = 0; i < g->n; i++) {
		const struct cr_row *r = &g->rows[i];
		size_t last = r->section ? 1 : g->ncols - 1;
		while (last > 0 && !*r->cells[last])
			last--;
		for (size_t c = 0; c <= last; c++)
			fprintf(out, "%s%-*s", c ? "  " : "", c < last ? (int)w[c] : 0,
				r->cells[c]);
		fputc('\n', out);
	}
}

/* ---- text ------------------------------------------------------------- */

static const char *cr_money(struct arena *a, int64_t cents)
{
	char b[UNITS_BUF];
	return arena_strdup(a, units_fmt_money(b, cents));
}

const char *cost_report_where(struct arena *a, const struct cost_segment *s)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	return arena_printf(a, "phase %s, server %s as %s (%s .. %s)", s->phase->name,
			    s->placement->server->name, s->type->name,
			    units_fmt_month(b, s->start),
			    units_fmt_month(c, s->start + s->months - 1));
}

/* "RAM, disk" */
static const char *cr_short(struct arena *a, const struct capacity *c)
{
	const char *kind = c->kind == CAPACITY_ARCH ? "arch" :
			   c->kind == CAPACITY_NOT_SOLD ? "location" : "vCPU kind";
	return arena_printf(a, "%s%s%s%s%s%s%s", c->ram_ok ? "" : "RAM",
			    !c->ram_ok && !c->cpu_ok ? ", " : "", c->cpu_ok ? "" : "CPU",
			    (!c->ram_ok || !c->cpu_ok) && !c->disk_ok ? ", " : "",
			    c->disk_ok ? "" : "disk",
			    (!c->ram_ok || !c->cpu_ok || !c->disk_ok) && !c->kind_ok ? ", " : "",
			    c->kind_ok ? "" : kind);
}

static const char *cr_fits_cell(struct arena *a, const struct cost_option *o)
{
	if (!o->complete)
		return "no: a server has no type";
	const struct cost_segment *first = NULL;
	size_t more = 0;
	for (size_t i = 0; i < o->nsegs; i++) {
		if (capacity_fits(&o->segs[i].cap))
			continue;
		if (first)
			more++;
		else
			first = &o->segs[i];
	}
	if (!first)
		return "yes";
	const char *s = arena_printf(a, "no: %s/%s %s", first->phase->name,
				     first->placement->server->name, cr_short(a, &first->cap));
	return more ? arena_printf(a, "%s (+%zu)", s, more) : s;
}

static const char *cr_budget_cell(struct arena *a, const struct cost_option *o)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	if (o->over_first < 0)
		return "yes";
	return arena_printf(a, "no: %s +%s", units_fmt_month(b, o->over_first),
			    units_fmt_money(c, o->over_by));
}

static const char *cr_vs_cell(struct arena *a, const struct cost_table *t,
			      const struct cost_option *o)
{
	char b[UNITS_BUF];
	if (!t->cheapest)
		return "-";
	if (o == t->cheapest)
		return "cheapest";
	int64_t d = o->total - t->cheapest->total;
	return arena_printf(a, "%s%s", d >= 0 ? "+" : "", units_fmt_money(b, d));
}

/*
 * Where each server's segments of the phase being printed are, in each
 * option: an option's segments come by phase, then placement, then time,
 * so those of one server in one phase are a run.  cur[j] is where option
 * j's next phase starts; first and count are by option, then server
 * index (nsrv of them: the project's servers, then a scenario's own).
 */
struct cr_index {
	size_t nsrv;
	size_t *cur, *first, *count;
	bool *listed;              /* by server index: in the phase's list */
};

static void cr_index_init(struct arena *a, const struct mdl_project *p,
			  const struct cost_table *t, struct cr_index *ix)
{
	ix->nsrv = p->nservers + 1;
	for (size_t j = 0; j < t->n; j++)
		for (size_t s = 0; s < t->options[j].nsegs; s++)
			if (t->options[j].segs[s].placement->server->index >= ix->nsrv)
				ix->nsrv = t->options[j].segs[s].placement->server->index + 1;
	ix->cur = arena_calloc(a, t->n + 1, sizeof(*ix->cur));
	ix->first = arena_calloc(a, t->n * ix->nsrv + 1, sizeof(*ix->first));
	ix->count = arena_calloc(a, t->n * ix->nsrv + 1, sizeof(*ix->count));
	ix->listed = arena_calloc(a, ix->nsrv, sizeof(*ix->listed));
}

/* Points the index at phase ph's segments (set) or clears it (!set,
 * after the phase's rows, leaving cur past them). */
static void cr_index_phase(const struct cost_table *t, const struct mdl_phase *ph,
			   struct cr_index *ix, bool set)
{
	for (size_t j = 0; j < t->n; j++) {
		const struct cost_option *o = &t->options[j];
		size_t s = ix->cur[j];
		for (; s < o->nsegs && o->segs[s].phase == ph; s++) {
			size_t k = j * ix->nsrv + o->segs[s].placement->server->index;
			if (set && !ix->count[k]++)
				ix->first[k] = s;
			else if (!set)
				ix->count[k] = 0;
		}
		if (!set)
			ix->cur[j] = s;
	}
}

/* The servers of phase i in any option: the plan's in its order, then
 * those only a scenario's placement of the phase runs. */
static const struct mdl_server **cr_phase_servers(struct arena *a, const struct mdl_project *p,
						  const struct cost_table *t, size_t i,
						  const struct cr_index *ix, size_t *n)
{
	size_t cap = 1;
	for (size_t j = 0; j < t->n; j++)
		cap += model_scenario_phase(p, t->options[j].scenario, i)->nplacements;
	const struct mdl_server **out = arena_calloc(a, cap, sizeof(*out));
	*n = 0;
	for (size_t j = 0; j < t->n; j++) {
		const struct mdl_phase *ph = model_scenario_phase(p, t->options[j].scenario, i);
		for (size_t k = 0; k < ph->nplacements; k++) {
			const struct mdl_server *srv = ph->placements[k].server;
			if (!ix->listed[srv->index]) {
				ix->listed[srv->index] = true;
				out[(*n)++] = srv;
			}
		}
	}
	for (size_t k = 0; k < *n; k++)
		ix->listed[out[k]->index] = false;
	return out;
}

/* One server's rows in the phase: one line per type it takes there, a
 * column per option. */
static void cr_server_rows(struct cr_grid *g, const struct cost_table *t,
			   const struct cr_index *ix, const struct mdl_server *srv)
{
	char b[UNITS_BUF];
	size_t lines = 0;
	for (size_t j = 0; j < t->n; j++)
		if (ix->count[j * ix->nsrv + srv->index] > lines)
			lines = ix->count[j * ix->nsrv + srv->index];
	for (size_t line = 0; line < lines; line++) {
		const char **r = cr_row(g, false, line ? "" : arena_printf(g->a, "  %s", srv->name));
		for (size_t j = 0; j < t->n; j++) {
			size_t k = j * ix->nsrv + srv->index;
			if (line >= ix->count[k])
				continue;
			const struct cost_segment *sg = &t->options[j].segs[ix->first[k] + line];
			r[1 + j] = line ? arena_printf(g->a, "%s from %s", sg->type->name,
						       units_fmt_month(b, sg->start))
					: sg->type->name;
		}
	}
}

/* A server's charges in the phase, a row a kind, under its types: each
 * option's sum over its segments there ("no price" where the prices have
 * none), in every option that runs the server then, when any has one. */
static void cr_charge_rows(struct cr_grid *g, const struct cost_table *t,
			   const struct cr_index *ix, const struct mdl_server *srv)
{
	for (int k = 0; k < COST_CHARGES; k++) {
		bool shown = false;
		for (size_t j = 0; j < t->n && !shown; j++) {
			size_t x = j * ix->nsrv + srv->index;
			for (size_t s = 0; s < ix->count[x]; s++) {
				const struct cost_segment *sg = &t->options[j].segs[ix->first[x] + s];
				shown |= sg->charges[k] > 0 || (sg->unpriced >> k & 1) ||
					 (k == CHARGES_VOLUMES && sg->volumes_later);
			}
		}
		if (!shown)
			continue;
		const char **r = cr_row(g, false, arena_printf(g->a, "    %s", cost_charge_name(k)));
		for (size_t j = 0; j < t->n; j++) {
			size_t x = j * ix->nsrv + srv->index;
			int64_t sum = 0;
			bool unpriced = false;
			for (size_t s = 0; s < ix->count[x]; s++) {
				const struct cost_segment *sg = &t->options[j].segs[ix->first[x] + s];
				sum += sg->charges[k];
				unpriced |= sg->unpriced >> k & 1;
			}
			if (ix->count[x])
				r[1 + j] = unpriced ? "no price" : cr_money(g->a, sum);
		}
	}
}

/* The rows of one phase: a heading, each server's types (one line per
 * type it takes in the phase) and its charges, and the phase's cost. */
static void cr_phase_rows(struct cr_grid *g, const struct mdl_project *p,
			  const struct cost_table *t, size_t i, struct cr_index *ix)
{
	const struct mdl_phase *ph = &p->phases[i];
	char b[UNITS_BUF], c[UNITS_BUF];
	const char **h = cr_row(g, true, arena_printf(g->a, "phase %s", ph->name));
	h[1] = arena_printf(g->a, "%s .. %s, %d month%s", units_fmt_month(b, ph->start),
			    units_fmt_month(c, ph->start + ph->months - 1), ph->months,
			    ph->months == 1 ? "" : "s");
	size_t n;
	const struct mdl_server **servers = cr_phase_servers(g->a, p, t, i, ix, &n);
	if (!n)
		cr_row(g, true, "  no server runs");
	cr_index_phase(t, ph, ix, true);
	for (size_t k = 0; k < n; k++) {
		cr_server_rows(g, t, ix, servers[k]);
		cr_charge_rows(g, t, ix, servers[k]);
	}
	cr_index_phase(t, ph, ix, false);
	const char **r = cr_row(g, false, "  cost EUR");
	for (size_t j = 0; j < t->n; j++)
		r[1 + j] = cr_money(g->a, t->options[j].phase_cost[i]);
}

/* Months of the horizon no phase covers, as "2026-08 .. 2026-10 (3 months)". */
static const char *cr_gaps(struct arena *a, const struct mdl_project *p)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	const char *s = NULL;
	int end = p->start + p->horizon;
	for (int m = p->start; m < end; m++) {
		if (model_phase_at(p, m))
			continue;
		int to = m;
		while (to + 1 < end && !model_phase_at(p, to + 1))
			to++;
		s = arena_printf(a, "%s%s%s .. %s (%d month%s)", s ? s : "", s ? ", " : "",
				 units_fmt_month(b, m), units_fmt_month(c, to), to - m + 1,
				 to == m ? "" : "s");
		m = to;
	}
	return s;
}

/* "  places production: main runs a, b; prod runs c, new d" for each
 * phase a scenario places */
static void cr_places(const struct mdl_project *p, const struct mdl_scenario *sc, FILE *out)
{
	for (size_t i = 0; i < p->nphases; i++) {
		if (!model_scenario_places(p, sc, i))
			continue;
		const struct mdl_phase *ph = &sc->phases[i];
		fprintf(out, "  places %s:", ph->name);
		for (size_t k = 0; k < ph->nplacements; k++) {
			const struct mdl_placement *pl = &ph->placements[k];
			fprintf(out, "%s %s runs", k ? ";" : "", pl->server->name);
			for (size_t j = 0; j < pl->nservices; j++) {
				const struct mdl_service *x = pl->services[j];
				fprintf(out, "%s %s%s%s", j ? "," : "", x->instance ? "new " : "",
					x->name, x->moves_data ? " (with its data)" : "");
			}
		}
		fputs(ph->nplacements ? "\n" : " no server\n", out);
	}
}

/* The charges the prices count, what they cannot price, and what
 * Volumes will cost once made: under the header, for every option. */
static void cr_charges_note(const struct mdl_project *p, const struct cost_table *t, FILE *out)
{
	const struct prices *pr = p->prices;
	char b[UNITS_BUF], c[UNITS_BUF];
	unsigned unpriced = 0;
	int64_t later = 0;
	for (size_t j = 0; j < t->n; j++)
		for (size_t i = 0; i < t->options[j].nsegs; i++)
			unpriced |= t->options[j].segs[i].unpriced;
	/* the plan as written: each server's Volumes at their largest */
	int64_t *most = xcalloc(p->nservers + 1, sizeof(*most));
	for (size_t i = 0; i < t->options[0].nsegs; i++) {
		const struct cost_segment *sg = &t->options[0].segs[i];
		size_t s = sg->placement->server->index;
		if (s < p->nservers && sg->placement->server == &p->servers[s] &&
		    sg->volumes_later > most[s])
			most[s] = sg->volumes_later;
	}
	for (size_t s = 0; s < p->nservers; s++)
		later += most[s];
	free(most);
	if (p->servers_only || (pr->builtin && !unpriced && !later))
		return;
	if (!pr->builtin) {
		fprintf(out, "charges: primary IPv4 %s EUR/month a server", units_fmt_money(
				b, prices_ipv4(pr, p->location)));
		if (pr->backup_bp >= 0)
			fprintf(out, ", backups %s of its price", units_fmt_percent(b, pr->backup_bp));
		fputs(", traffic beyond what its type includes", out);
		if (pr->image_gb >= 0)
			fprintf(out, ", a snapshot before a new server %s EUR/GB for a month "
				"(an estimate)", prices_fmt_micro(c, pr->image_gb));
		fputc('\n', out);
	}
	if (later)
		fprintf(out, "volumes on Hetzner Volumes: 0.00 until apply makes them, then up to %s "
			"EUR/month at %s EUR/GB\n", units_fmt_money(b, later),
			prices_fmt_micro(c, pr->volume_gb));
	if (unpriced) {
		fputs("not counted, no price in these prices:", out);
		for (int k = 0, n = 0; k < COST_CHARGES; k++)
			if (unpriced >> k & 1)
				fprintf(out, "%s %s", n++ ? "," : "", cost_charge_name(k));
		fputs(" (`--prices api` reads them)\n", out);
	}
}

/* The new servers an option needs: the snapshot before each. */
static void cr_new_servers(struct arena *a, const struct cost_option *o, FILE *out)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	for (size_t i = 0; i < o->nsegs; i++) {
		const struct cost_segment *sg = &o->segs[i];
		if (!sg->from)
			continue;
		fprintf(out, "  new server: %s, %s -> %s in %s: apply --allow-data-loss, snapshot of "
			"%lld GB first: %s\n", sg->placement->server->name, sg->from->name,
			sg->type->name, units_fmt_month(b, sg->start), (long long)sg->snapshot_gb,
			sg->unpriced >> COST_SNAPSHOT & 1 ? "no price" :
			arena_printf(a, "%s EUR for a month", units_fmt_money(c, sg->charges[COST_SNAPSHOT])));
	}
}

static void cr_details(struct arena *a, const struct mdl_project *p,
		       const struct cost_option *o, FILE *out)
{
	char b[UNITS_BUF], c[UNITS_BUF], d[UNITS_BUF], e[UNITS_BUF];
	fputs(o->name, out);
	if (o->scenario && o->scenario->title)
		fprintf(out, " \"%s\"", o->scenario->title);
	fprintf(out, ": %s EUR\n", cost_arithmetic(a, p, o));
	if (o->scenario)
		cr_places(p, o->scenario, out);
	if (!o->complete)
		fputs("  a server runs without a type: the costs above leave it out\n", out);
	cr_new_servers(a, o, out);
	for (size_t i = 0; i < o->nsegs; i++) {
		const struct cost_segment *sg = &o->segs[i];
		if (!capacity_fits(&sg->cap))
			fprintf(out, "  does not fit: %s: %s\n", cost_report_where(a, sg),
				cost_shortfall(a, &sg->cap));
	}
	if (o->over_first >= 0)
		fprintf(out, "  over the budget of %s EUR/month from %s: %s EUR that month, "
			"%s over; %d of %d months over\n", units_fmt_money(b, p->budget),
			units_fmt_month(c, o->over_first),
			units_fmt_money(d, o->over_by + p->budget),
			units_fmt_money(e, o->over_by), o->over_months, p->horizon);
}

static void cr_verdict(const struct cost_table *t, FILE *out)
{
	char b[UNITS_BUF];
	if (!t->cheapest) {
		fputs("no option passes every check; `infrac recommend` searches the catalog\n", out);
		return;
	}
	fprintf(out, "cheapest that passes every check: %s, %s EUR", t->cheapest->name,
		units_fmt_money(b, t->cheapest->total));
	const char *sep = "; it saves ";
	for (size_t j = 0; j < t->n; j++) {
		const struct cost_option *o = &t->options[j];
		if (o->total <= t->cheapest->total)
			continue;
		fprintf(out, "%s%s EUR against %s", sep,
			units_fmt_money(b, o->total - t->cheapest->total), o->name);
		sep = ", ";
	}
	fputc('\n', out);
}

void cost_report_text(struct arena *a, const struct mdl_project *p,
		      const struct cost_table *t, FILE *out)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	fprintf(out, "%s: cost of project %s, %s .. %s (%d months)\n", p->src->path, p->name,
		units_fmt_month(b, p->start), units_fmt_month(c, p->start + p->horizon - 1),
		p->horizon);
	report_prices(p, out);
	if (p->budget >= 0)
		fprintf(out, "budget: %s EUR/month\n", units_fmt_money(b, p->budget));
	else
		fputs("budget: none (limits.budget is not set)\n", out);
	const char *gaps = cr_gaps(a, p);
	if (gaps)
		fprintf(out, "in no phase, nothing billed: %s\n", gaps);
	cr_charges_note(p, t, out);
	fputc('\n', out);

	struct cr_grid g = { .a = a, .ncols = 1 + t->n };
	const char **r = cr_row(&g, false, "");
	for (size_t j = 0; j < t->n; j++)
		r[1 + j] = t->options[j].name;
	struct cr_index ix;
	cr_index_init(a, p, t, &ix);
	for (size_t i = 0; i < p->nphases; i++)
		cr_phase_rows(&g, p, t, i, &ix);
	const char **total = cr_row(&g, false, arena_printf(a, "total EUR, %d months", p->horizon));
	const char **avg = cr_row(&g, false, "average EUR/month");
	const char **vs = cr_row(&g, false, "vs cheapest that passes");
	const char **fits = cr_row(&g, false, "fits");
	const char **budget = p->budget >= 0 ? cr_row(&g, false, "within budget") : NULL;
	for (size_t j = 0; j < t->n; j++) {
		const struct cost_option *o = &t->options[j];
		total[1 + j] = cr_money(a, o->total);
		avg[1 + j] = cr_money(a, cost_average(o->total, p->horizon));
		vs[1 + j] = cr_vs_cell(a, t, o);
		fits[1 + j] = cr_fits_cell(a, o);
		if (budget)
			budget[1 + j] = cr_budget_cell(a, o);
	}
	cr_print(&g, out);
	fputc('\n', out);
	for (size_t j = 0; j < t->n; j++)
		cr_details(a, p, &t->options[j], out);
	fputc('\n', out);
	cr_verdict(t, out);
}

/* ---- JSON ------------------------------------------------------------- */

/* A segment's charges: each kind (null where the prices have none), the
 * snapshot's size and the sum.  Left out with the built-in catalog when
 * there are none, so the seed's documents stay as they were. */
static void cr_segment_charges_json(const struct mdl_project *p, const struct cost_segment *s,
				    json_object *o)
{
	static const char *const keys[COST_CHARGES] = { "ipv4_eur", "backups_eur", "traffic_eur",
							"volumes_eur", "snapshot_eur" };
	if (p->prices->builtin && !s->charged && !s->unpriced)
		return;
	json_object *c = json_object_new_object();
	for (int k = 0; k < COST_CHARGES; k++)
		json_object_object_add(c, keys[k], s->unpriced >> k & 1 ? NULL
							   : jsondoc_eur(s->charges[k]));
	json_object_object_add(c, "snapshot_gb", json_object_new_int64(s->snapshot_gb));
	json_object_object_add(c, "snapshot_from", s->from ? json_object_new_string(s->from->name)
							    : NULL);
	json_object_object_add(c, "volumes_later_eur_month", jsondoc_eur(s->volumes_later));
	json_object_object_add(o, "charges", c);
	json_object_object_add(o, "charges_eur", jsondoc_eur(s->charged));
}

static json_object *cr_segment_json(struct arena *a, const struct mdl_project *p,
				    const struct cost_segment *s)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "server", json_object_new_string(s->placement->server->name));
	json_object_object_add(o, "type", json_object_new_string(s->type->name));
	json_object_object_add(o, "start", report_json_month(s->start));
	json_object_object_add(o, "end", report_json_month(s->start + s->months - 1));
	json_object_object_add(o, "months", json_object_new_int(s->months));
	json_object_object_add(o, "price_eur_month", jsondoc_eur(s->price));
	json_object_object_add(o, "cost_eur", jsondoc_eur(s->cost));
	cr_segment_charges_json(p, s, o);
	json_object_object_add(o, "fits", json_object_new_boolean(capacity_fits(&s->cap)));
	const char *why = cost_shortfall(a, &s->cap);
	json_object_object_add(o, "reason", jsondoc_str(why));
	json_object_object_add(o, "capacity", report_json_capacity(&s->cap));
	return o;
}

/* The members of an option after its phases: totals, fits, budget,
 * month by month. */
static json_object *cr_option_totals(struct arena *a, const struct mdl_project *p,
				    const struct cost_option *cheapest,
				    const struct cost_option *o)
{
	json_object *j = json_object_new_object();
	json_object_object_add(j, "arithmetic", json_object_new_string(cost_arithmetic(a, p, o)));
	json_object_object_add(j, "total_eur", jsondoc_eur(o->total));
	if (!p->prices->builtin || o->charged)
		json_object_object_add(j, "charges_eur", jsondoc_eur(o->charged));
	json_object_object_add(j, "average_eur_month",
			       jsondoc_eur(cost_average(o->total, p->horizon)));
	json_object_object_add(j, "vs_cheapest_eur",
			       cheapest ? jsondoc_eur(o->total - cheapest->total) : NULL);
	json_object_object_add(j, "complete", json_object_new_boolean(o->complete));
	json_object_object_add(j, "fits", json_object_new_boolean(o->fits));
	json_object_object_add(j, "within_budget", json_object_new_boolean(o->over_first < 0));
	json_object *over = NULL;
	if (o->over_first >= 0) {
		over = json_object_new_object();
		json_object_object_add(over, "first_month", report_json_month(o->over_first));
		json_object_object_add(over, "month_eur", jsondoc_eur(o->over_by + p->budget));
		json_object_object_add(over, "over_by_eur", jsondoc_eur(o->over_by));
		json_object_object_add(over, "months", json_object_new_int(o->over_months));
	}
	json_object_object_add(j, "over_budget", over);
	json_object_object_add(j, "passes", json_object_new_boolean(cost_feasible(o)));
	json_object *monthly = json_object_new_array();
	for (int m = 0; m < p->horizon; m++)
		json_object_array_add(monthly, jsondoc_eur(o->monthly[m]));
	json_object_object_add(j, "monthly_eur", monthly);
	return j;
}

void cost_report_option_write(struct jsondoc_writer *w, const char *key, struct arena *a,
			      const struct mdl_project *p, const struct cost_option *cheapest,
			      const struct cost_option *o)
{
	jsondoc_open(w, key, '{');
	jsondoc_put(w, "name", json_object_new_string(o->name));
	jsondoc_put(w, "scenario", json_object_new_boolean(o->scenario != NULL));
	jsondoc_put(w, "title", o->scenario && o->scenario->title ?
		    json_object_new_string(o->scenario->title) : NULL);
	jsondoc_open(w, "phases", '[');
	for (size_t i = 0; i < p->nphases; i++) {
		jsondoc_open(w, NULL, '{');
		jsondoc_put(w, "name", json_object_new_string(p->phases[i].name));
		jsondoc_put(w, "cost_eur", jsondoc_eur(o->phase_cost[i]));
		jsondoc_open(w, "segments", '[');
		for (size_t s = 0; s < o->nsegs; s++)
			if (o->segs[s].phase == &p->phases[i])
				jsondoc_put(w, NULL, cr_segment_json(a, p, &o->segs[s]));
		jsondoc_close(w);
		jsondoc_close(w);
	}
	jsondoc_close(w);
	jsondoc_put_members(w, cr_option_totals(a, p, cheapest, o));
	jsondoc_close(w);
}

void cost_report_json(struct arena *a, const struct mdl_project *p,
		      const struct cost_table *t, const struct diag_list *diags, FILE *out)
{
	char o[256];
	struct jsondoc_writer w;
	report_json_begin(&w, p, out);
	json_object *prices = json_object_new_array();
	for (size_t i = 0; i < p->ntypes; i++) {
		json_object *po = json_object_new_object();
		json_object_object_add(po, "type", json_object_new_string(p->types[i].name));
		json_object_object_add(po, "price_eur_month", jsondoc_eur(p->types[i].price));
		json_object_object_add(po, "from", json_object_new_string(
					   report_price_origin(o, sizeof(o), p, &p->types[i])));
		json_object_array_add(prices, po);
	}
	jsondoc_put(&w, "prices", prices);
	json_object *phases = json_object_new_array();
	for (size_t i = 0; i < p->nphases; i++) {
		json_object_array_add(phases, report_json_phase(&p->phases[i]));
	}
	jsondoc_put(&w, "phases", phases);
	jsondoc_open(&w, "options", '[');
	for (size_t j = 0; j < t->n; j++)
		cost_report_option_write(&w, NULL, a, p, t->cheapest, &t->options[j]);
	jsondoc_close(&w);
	jsondoc_put(&w, "cheapest", t->cheapest ? json_object_new_string(t->cheapest->name) : NULL);
	diag_json_end(&w, diags);
}
