#include "split_report.h"

#include "cost_report.h"
#include "jsondoc.h"
#include "report.h"
#include "split.h"
#include "units.h"

/* "main = cpx42, main = cpx32 from production, prod = cpx32" */
static const char *split_report_types(struct arena *a, const struct mdl_scenario *sc)
{
	const char *s = "";
	for (size_t i = 0; i < sc->nassigns; i++) {
		const struct mdl_assign *as = &sc->assigns[i];
		s = arena_printf(a, "%s%s%s = %s%s%s", s, i ? ", " : "", as->server->name,
				 as->type->name, as->from_phase ? " from " : "",
				 as->from_phase ? as->from_phase->name : "");
	}
	return s;
}

/* Why the split does not pass; NULL when it does. */
static const char *split_report_failure(struct arena *a, const struct mdl_project *p,
					const struct split *sp)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	if (sp->unfit && sp->unfit_phase)
		return arena_printf(a, "no server type carries server %s in phase %s",
				    sp->unfit->name, sp->unfit_phase->name);
	if (sp->unfit)
		return arena_printf(a, "no server type carries server %s in every phase it "
				    "runs in", sp->unfit->name);
	if (sp->found)
		return NULL;
	return arena_printf(a, "over the budget from %s, %s EUR that month",
			    units_fmt_month(b, sp->cost.over_first),
			    units_fmt_money(c, sp->cost.monthly[sp->cost.over_first - p->start]));
}

/* Which is cheaper, splitting or growing (r). */
static const char *split_report_verdict(struct arena *a, const struct recommend *r,
					const struct split *sp)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	if (!r->found)
		return "splitting passes every check, growing does not";
	int64_t d = sp->cost.total - r->cost.total;
	if (d < 0)
		return arena_printf(a, "splitting is cheaper: %s EUR less than growing (%s EUR)",
				    units_fmt_money(b, -d), units_fmt_money(c, r->cost.total));
	if (d == 0)
		return arena_printf(a, "splitting costs the same as growing (%s EUR)",
				    units_fmt_money(b, r->cost.total));
	return arena_printf(a, "growing is cheaper: the recommendation costs %s EUR, %s EUR less",
			    units_fmt_money(b, r->cost.total), units_fmt_money(c, d));
}

void split_report_text(struct arena *a, const struct mdl_project *p,
		       const struct recommend *r, FILE *out)
{
	size_t n;
	const struct split *sps = split_search(a, p, r->resize, &n);
	if (!n)
		return;
	fprintf(out, "\nsplitting instead of growing: each scenario that places services, with "
		"the cheapest types that carry it, %s\n",
		r->resize ? "a type per server and phase" : "one type per server");
	for (size_t i = 0; i < n; i++) {
		const struct split *sp = &sps[i];
		const char *why = split_report_failure(a, p, sp);
		fprintf(out, "  %s: %s\n", sp->scenario->name,
			sp->unfit ? why : split_report_types(a, &sp->cheapest));
		if (sp->unfit)
			continue;
		fprintf(out, "    %s EUR\n", cost_arithmetic(a, p, &sp->cost));
		fprintf(out, "    %s\n", why ? why : split_report_verdict(a, r, sp));
	}
}

void split_report_write(struct jsondoc_writer *w, struct arena *a,
			const struct mdl_project *p, const struct recommend *r)
{
	size_t n;
	const struct split *sps = split_search(a, p, r->resize, &n);
	jsondoc_open(w, "splits", '[');
	for (size_t i = 0; i < n; i++) {
		const struct split *sp = &sps[i];
		jsondoc_open(w, NULL, '{');
		jsondoc_put(w, "scenario", json_object_new_string(sp->scenario->name));
		jsondoc_put(w, "types", sp->unfit ? NULL :
			    json_object_new_string(split_report_types(a, &sp->cheapest)));
		if (sp->unfit)
			jsondoc_put(w, "cost", NULL);
		else
			cost_report_option_write(w, "cost", a, p, NULL, &sp->cost);
		jsondoc_put(w, "passes", json_object_new_boolean(sp->found));
		const char *why = split_report_failure(a, p, sp);
		jsondoc_put(w, "failure", jsondoc_str(why));
		jsondoc_put(w, "cheaper_than_growing", json_object_new_boolean(
				    sp->found && (!r->found || sp->cost.total < r->cost.total)));
		jsondoc_close(w);
	}
	jsondoc_close(w);
}
