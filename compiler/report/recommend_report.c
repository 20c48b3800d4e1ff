#include "recommend_report.h"

#include <json-c/json.h>
#include <string.h>

#include "ascii.h"
#include "cost_report.h"
#include "jsondoc.h"
#include "report.h"
#include "split_report.h"
#include "units.h"

/* Why nothing was found; NULL when something was. */
static const char *rr_failure(struct arena *a, const struct mdl_project *p,
			      const struct recommend *r)
{
	char b[UNITS_BUF], c[UNITS_BUF], d[UNITS_BUF], e[UNITS_BUF];
	if (r->found)
		return NULL;
	for (size_t i = 0; i < r->npicks; i++) {
		const struct recommend_pick *pk = &r->picks[i];
		if (pk->type)
			continue;
		if (pk->phase)
			return arena_printf(a, "no server type carries server %s in phase %s",
					    pk->server->name, pk->phase->name);
		return arena_printf(a, "no server type carries server %s in every phase it runs in",
				    pk->server->name);
	}
	const struct cost_option *o = &r->cost;
	return arena_printf(a, "in %s the cheapest types that fit cost %s EUR, %s over the "
			    "budget of %s EUR/month, and nothing cheaper fits",
			    units_fmt_month(b, o->over_first),
			    units_fmt_money(c, o->over_by + p->budget),
			    units_fmt_money(d, o->over_by), units_fmt_money(e, p->budget));
}

/* The picks as a block for the file. */
static const char *rr_scenario(struct arena *a, const struct recommend *r)
{
	const struct mdl_scenario *sc = &r->scenario;
	struct strbuf s = STRBUF_INIT;
	strbuf_addf(&s, "scenario %s {\n", sc->name);
	char b[UNITS_BUF];
	for (size_t i = 0; i < sc->nassigns; i++) {
		const struct mdl_assign *as = &sc->assigns[i];
		bool first = !i || sc->assigns[i - 1].server != as->server;
		strbuf_addf(&s, "  %s = %s%s%s\n", as->server->name, as->type->name,
			    first ? "" : " from ",
			    first ? "" : as->from_phase ? as->from_phase->name
							: units_fmt_month(b, as->from));
	}
	strbuf_addstr(&s, "}\n");
	return arena_take(a, &s);
}

/* Does the plan as written use the recommended types everywhere? */
static bool rr_same_types(const struct mdl_project *p, const struct recommend *r)
{
	for (size_t i = 0; i < r->npicks; i++) {
		const struct recommend_pick *pk = &r->picks[i];
		for (int m = pk->start; m < pk->start + pk->months; m++) {
			const struct mdl_phase *ph = model_phase_at(p, m);
			const struct mdl_placement *pl = ph ? model_placement(ph, pk->server) : NULL;
			if (pl && cost_type_at(&r->scenario, pl, m) != pl->type)
				return false;
		}
	}
	return true;
}

/* The month total of each phase, at its first month in the horizon. */
static const char *rr_per_month(struct arena *a, const struct mdl_project *p,
				const struct cost_option *o)
{
	char b[UNITS_BUF];
	const char *s = "";
	for (size_t i = 0; i < p->nphases; i++) {
		const struct mdl_phase *ph = &p->phases[i];
		for (int m = ph->start; m < ph->start + ph->months; m++) {
			if (m < p->start || m >= p->start + p->horizon || model_phase_at(p, m) != ph)
				continue;
			s = arena_printf(a, "%s%s%s %s", s, *s ? ", " : "", ph->name,
					 units_fmt_money(b, o->monthly[m - p->start] -
							 o->oneoff[m - p->start]));
			break;
		}
	}
	return s;
}

/* What Hetzner calls a line of types, by the letters of its names
 * ("cx43": "CX" into fam, "cost-optimised"); NULL for another name. */
static const char *rr_line(const char *type, char *fam, size_t size)
{
	static const char *const words[][2] = {
		{ "CX", "cost-optimised" }, { "CPX", "regular performance" },
		{ "CAX", "Arm" }, { "CCX", "dedicated vCPUs" },
	};
	size_t n = 0;
	for (; type[n] && !ascii_digit(type[n]) && n + 1 < size; n++)
		fam[n] = (char)(ascii_lower(type[n]) ? type[n] - 'a' + 'A' : type[n]);
	fam[n] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(fam, words[i][0]))
			return words[i][1];
	return NULL;
}

/* What a pick gives up that the checks do not show: another line of
 * types than the file's (its CPU), another architecture or vCPU kind, a
 * resize in the middle of a phase, a new server; NULL when nothing. */
static const char *rr_tradeoff(struct arena *a, const struct mdl_project *p,
			       const struct recommend_pick *pk)
{
	const struct mdl_type *before = pk->before;
	const struct mdl_type *t = pk->type, *w = NULL;
	for (size_t i = 0; t && i < p->nphases && !w; i++) {
		const struct mdl_placement *pl = model_placement(&p->phases[i], pk->server);
		if (pl && (!pk->phase || &p->phases[i] == pk->phase))
			w = pl->type;
	}
	if (!t)
		return NULL;
	const char *s = "";
	char f1[16], f2[16];
	const char *l1 = rr_line(t->name, f1, sizeof(f1)), *l2 = w ? rr_line(w->name, f2, sizeof(f2)) : NULL;
	if (w && strcmp(f1, f2) && l1 && l2)
		s = arena_printf(a, "the %s line (%s) instead of %s (%s)", f1, l1, f2, l2);
	if (w && w->arch != t->arch)
		s = arena_printf(a, "%s%s%s: every image must run on %s", s, *s ? "; " : "",
				 model_arch_name(t->arch), model_arch_name(t->arch));
	if (w && w->dedicated != t->dedicated)
		s = arena_printf(a, "%s%s%s vCPUs%s", s, *s ? "; " : "",
				 t->dedicated ? "dedicated" : "shared",
				 t->dedicated && pk->server->cpu != MDL_CPU_DEDICATED
				 ? " (no shared type carries it)" : "");
	if (pk->phase && pk->start > pk->phase->start)
		s = arena_printf(a, "%s%sa resize inside phase %s (the server is off while its type "
				 "changes)", s, *s ? "; " : "", pk->phase->name);
	if (before && cost_new_server(before, t))
		s = arena_printf(a, "%s%sa new server after %s: its data moves through a snapshot "
				 "(apply --allow-data-loss)", s, *s ? "; " : "", before->name);
	return *s ? s : NULL;
}

static void rr_pick_text(struct arena *a, const struct mdl_project *p,
			 const struct recommend_pick *pk, FILE *out)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	const char *ind = pk->phase ? "    " : "  ";
	fprintf(out, "%sserver %s  ", pk->phase ? "  " : "", pk->server->name);
	if (pk->type)
		fprintf(out, "%s  %s EUR/month%s", pk->type->name,
			units_fmt_money(b, model_price(pk->type, pk->server->location)),
			pk->phase ? "" : " in every phase it runs in");
	else
		fputs("no type fits", out);
	if (pk->phase && pk->months == 1 && pk->phase->months > 1)
		fprintf(out, "  %s", units_fmt_month(b, pk->start));
	else if (pk->phase && (pk->start > pk->phase->start ||
			       pk->start + pk->months < pk->phase->start + pk->phase->months))
		fprintf(out, "  %s .. %s", units_fmt_month(b, pk->start),
			units_fmt_month(c, pk->start + pk->months - 1));
	fputc('\n', out);
	const char *trade = rr_tradeoff(a, p, pk);
	if (trade)
		fprintf(out, "%strade-off: %s\n", ind, trade);
	for (size_t j = 0; j < pk->nrejects; j++) {
		const struct recommend_reject *rj = &pk->rejects[j];
		fprintf(out, "%srejected %s (%s EUR/month)", ind, rj->type->name,
			units_fmt_money(b, model_price(rj->type, pk->server->location)));
		if (!pk->phase)
			fprintf(out, " in %s", rj->phase->name);
		if (rj->after)
			fprintf(out, ": fits, but needs a new server after %s\n", rj->after->name);
		else
			fprintf(out, ": %s\n", cost_shortfall(a, &rj->cap));
	}
}

/* The table's types the search never offers, and why. */
static void rr_skipped(const struct mdl_project *p, const struct recommend *r, FILE *out)
{
	if (!r->skipped_arch && !r->skipped_dedicated && !r->skipped_unorderable)
		return;
	const char *sep = "not offered: ";
	if (r->skipped_arch) {
		fprintf(out, "%s%zu %s types (by `arch`, not every image runs on %s; without "
			"`arch`, images run on amd64 only)", sep, r->skipped_arch,
			model_arch_name(r->arch_skipped), model_arch_name(r->arch_skipped));
		sep = "; ";
	}
	if (r->skipped_dedicated) {
		fprintf(out, "%s%zu with dedicated vCPUs (only to a server with `cpu = dedicated` "
			"or that no shared type carries)", sep, r->skipped_dedicated);
		sep = "; ";
	}
	if (r->skipped_unorderable)
		fprintf(out, "%s%zu deprecated or not orderable in %s", sep, r->skipped_unorderable,
			p->location);
	fputc('\n', out);
}

static void rr_text(struct arena *a, const struct mdl_project *p, const struct recommend *r,
		    FILE *out)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	bool inside = false;
	for (size_t i = 0; i < r->npicks; i++)
		inside |= r->picks[i].phase && r->picks[i].start > r->picks[i].phase->start;
	fprintf(out, "%s: the cheapest server types that pass every check, %s\n", p->src->path,
		!r->resize ? "one type per server for the whole horizon" :
		inside ? "a type per server and phase, changing inside a phase where that is cheaper"
		       : "a type per server and phase");
	report_prices(p, out);
	if (p->headroom)
		fprintf(out, "checks: RAM with %s headroom, CPU", units_fmt_percent(b, p->headroom));
	else
		fputs("checks: RAM (no headroom), CPU", out);
	if (p->cpu_overcommit != UNITS_ONE)
		fprintf(out, " with overcommit %s", units_fmt_number(b, p->cpu_overcommit));
	fputs(", disk", out);
	if (p->budget >= 0)
		fprintf(out, "; budget %s EUR/month", units_fmt_money(b, p->budget));
	fputc('\n', out);
	rr_skipped(p, r, out);

	for (size_t i = 0; i < r->npicks; i++) {
		const struct recommend_pick *pk = &r->picks[i];
		const struct mdl_phase *ph = pk->phase;
		if (ph && (i == 0 || r->picks[i - 1].phase != ph))
			fprintf(out, "\nphase %s  %s .. %s (%d month%s)\n", ph->name,
				units_fmt_month(b, ph->start),
				units_fmt_month(c, ph->start + ph->months - 1), ph->months,
				ph->months == 1 ? "" : "s");
		else if (!ph)
			fputc('\n', out);
		rr_pick_text(a, p, pk, out);
	}
	if (!r->npicks) {
		fputs("\nno server runs in any phase: nothing to choose\n", out);
		return;
	}
	fputc('\n', out);

	struct cost_option written;
	cost_option_build(a, p, NULL, &written);
	if (r->all_fit) {
		fprintf(out, "per month: %s EUR", rr_per_month(a, p, &r->cost));
		if (p->budget >= 0)
			fprintf(out, "; budget %s EUR/month", units_fmt_money(b, p->budget));
		fprintf(out, "\n%s: %s EUR, %s EUR/month on average\n",
			r->found ? "recommended" : "cheapest that fits",
			cost_arithmetic(a, p, &r->cost),
			units_fmt_money(b, cost_average(r->cost.total, p->horizon)));
	}
	const char *why = rr_failure(a, p, r);
	if (why) {
		fprintf(out, "no assignment passes every check: %s\n", why);
		return;
	}
	fprintf(out, "as written: %s EUR", units_fmt_money(b, written.total));
	if (rr_same_types(p, r))
		fputs(", with these types\n", out);
	else if (written.total > r->cost.total)
		fprintf(out, "; the recommendation saves %s EUR\n",
			units_fmt_money(b, written.total - r->cost.total));
	else if (written.total == r->cost.total)
		fputs(", the same with other types\n", out);
	else if (!cost_feasible(&written))
		fprintf(out, ", %s EUR less, but it does not pass every check\n",
			units_fmt_money(b, r->cost.total - written.total));
	else /* only without resize: the file changes type between phases */
		fprintf(out, ", %s EUR less, by changing type between phases\n",
			units_fmt_money(b, r->cost.total - written.total));
	fprintf(out, "\n%s", rr_scenario(a, r));
}

void recommend_report_text(struct arena *a, const struct mdl_project *p,
			   const struct recommend *r, FILE *out)
{
	rr_text(a, p, r, out);
	split_report_text(a, p, r, out);
}

/* ---- JSON ------------------------------------------------------------- */

static json_object *rr_pick_json(struct arena *a, const struct mdl_project *p,
				 const struct recommend_pick *pk)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "server", json_object_new_string(pk->server->name));
	json_object_object_add(o, "phase", pk->phase ? json_object_new_string(pk->phase->name) : NULL);
	json_object_object_add(o, "type", pk->type ? json_object_new_string(pk->type->name) : NULL);
	json_object_object_add(o, "price_eur_month", pk->type ? jsondoc_eur(
				       model_price(pk->type, pk->server->location)) : NULL);
	/* a part of its phase only: which months */
	if (pk->phase && (pk->start > pk->phase->start ||
			  pk->start + pk->months < pk->phase->start + pk->phase->months)) {
		json_object_object_add(o, "start", report_json_month(pk->start));
		json_object_object_add(o, "end", report_json_month(pk->start + pk->months - 1));
	}
	const char *trade = rr_tradeoff(a, p, pk);
	if (trade)
		json_object_object_add(o, "tradeoff", json_object_new_string(trade));
	json_object *rej = json_object_new_array();
	for (size_t j = 0; j < pk->nrejects; j++) {
		const struct recommend_reject *rj = &pk->rejects[j];
		json_object *ro = json_object_new_object();
		json_object_object_add(ro, "type", json_object_new_string(rj->type->name));
		json_object_object_add(ro, "price_eur_month",
				       jsondoc_eur(rj->type->price));
		json_object_object_add(ro, "phase", json_object_new_string(rj->phase->name));
		json_object_object_add(ro, "reason", json_object_new_string(
			rj->after ? arena_printf(a, "fits, but needs a new server after %s",
						 rj->after->name) : cost_shortfall(a, &rj->cap)));
		json_object_object_add(ro, "capacity", report_json_capacity(&rj->cap));
		json_object_array_add(rej, ro);
	}
	json_object_object_add(o, "rejected", rej);
	return o;
}

void recommend_report_json(struct arena *a, const struct mdl_project *p,
			   const struct recommend *r, const struct diag_list *diags,
			   FILE *out)
{
	struct jsondoc_writer w;
	report_json_begin(&w, p, out);
	jsondoc_put(&w, "resize", json_object_new_boolean(r->resize));
	jsondoc_open(&w, "picks", '[');
	for (size_t i = 0; i < r->npicks; i++)
		jsondoc_put(&w, NULL, rr_pick_json(a, p, &r->picks[i]));
	jsondoc_close(&w);
	if (r->skipped_arch || r->skipped_dedicated || r->skipped_unorderable) {
		json_object *n = json_object_new_object();
		json_object_object_add(n, "architecture", json_object_new_int64((int64_t)r->skipped_arch));
		json_object_object_add(n, "dedicated",
				       json_object_new_int64((int64_t)r->skipped_dedicated));
		json_object_object_add(n, "unorderable",
				       json_object_new_int64((int64_t)r->skipped_unorderable));
		jsondoc_put(&w, "not_offered", n);
	}
	jsondoc_put(&w, "found", json_object_new_boolean(r->found));
	const char *why = rr_failure(a, p, r);
	jsondoc_put(&w, "failure", jsondoc_str(why));
	if (r->all_fit)
		cost_report_option_write(&w, "cost", a, p, NULL, &r->cost);
	else
		jsondoc_put(&w, "cost", NULL);
	struct cost_option written;
	cost_option_build(a, p, NULL, &written);
	json_object *wr = json_object_new_object();
	json_object_object_add(wr, "total_eur", jsondoc_eur(written.total));
	json_object_object_add(wr, "passes", json_object_new_boolean(cost_feasible(&written)));
	json_object_object_add(wr, "same_types",
			       json_object_new_boolean(r->found && rr_same_types(p, r)));
	jsondoc_put(&w, "as_written", wr);
	jsondoc_put(&w, "scenario", r->found ? json_object_new_string(rr_scenario(a, r)) : NULL);
	split_report_write(&w, a, p, r);
	diag_json_end(&w, diags);
}
