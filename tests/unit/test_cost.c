/*
 * The cost engine and the recommender: month arithmetic, exact money,
 * scenario overlays, the budget rule and the search, on files compiled
 * the way `infrac` compiles them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "compile.h"
#include "xalloc.h"
#include "cost.h"
#include "prices.h"
#include "prices_fixture.h"
#include "recommend.h"
#include "units.h"

/* ---- fixtures ----------------------------------------------------------- */

static struct compilation comp;
static char path[64];

/* Compiles text; the model must be usable (errors of fit and budget only). */
static struct mdl_project *load(const char *text)
{
	strcpy(path, "/tmp/infrac-test-cost-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	compile_path(&comp, path);
	unlink(path);
	if (!comp.project)
		diag_print(&comp.diags, stderr, false);
	assert_non_null(comp.project);
	return comp.project;
}

static int teardown(void **state)
{
	(void)state;
	compile_release(&comp);
	return 0;
}

static int month(int y, int m)
{
	return units_month_index(y, m);
}

static const struct mdl_scenario *scenario(const struct mdl_project *p, const char *name)
{
	for (size_t i = 0; i < p->nscenarios; i++)
		if (!strcmp(p->scenarios[i].name, name))
			return &p->scenarios[i];
	fail_msg("no scenario %s", name);
	return NULL;
}

/* one server, one small service; phases and scenarios from the caller */
#define HEAD(start, horizon, budget)                                    \
	"project t {\n start = " start "\n horizon = " horizon " months\n}\n" \
	"limits {\n headroom = 20%\n" budget "}\n"                       \
	"server web {\n type = cpx22\n}\n"                                 \
	"service app {\n image = \"app:1\"\n ram = 1 GB\n}\n"

/* ---- months ------------------------------------------------------------- */

static void months_cross_years(void **state)
{
	(void)state;
	const struct mdl_project *p = load(HEAD("2026-11", "5", "")
		"phase a {\n start = 2026-11\n months = 2\n run on web { app }\n}\n"
		"phase b {\n start = 2027-01\n months = 3\n run on web { app }\n"
		" server web { type = cpx32 }\n}\n");
	struct cost_option o;
	cost_option_build(&comp.arena, p, NULL, &o);
	assert_int_equal(o.nsegs, 2);
	assert_int_equal(o.segs[0].start, month(2026, 11));
	assert_int_equal(o.segs[0].months, 2);
	assert_int_equal(o.segs[1].start, month(2027, 1));
	assert_int_equal(o.segs[1].months, 3);
	/* the phase's `server` override is the type as written */
	assert_string_equal(o.segs[1].type->name, "cpx32");
	int64_t want[] = { 599, 599, 1049, 1049, 1049 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(o.monthly[i], want[i]);
	assert_int_equal(o.phase_cost[0], 2 * 599);
	assert_int_equal(o.phase_cost[1], 3 * 1049);
}

static void months_in_no_phase_cost_nothing(void **state)
{
	(void)state;
	const struct mdl_project *p = load(HEAD("2026-01", "12", "")
		"phase a {\n start = 2026-03\n months = 4\n run on web { app }\n}\n");
	struct cost_option o;
	cost_option_build(&comp.arena, p, NULL, &o);
	for (int i = 0; i < 12; i++)
		assert_int_equal(o.monthly[i], i >= 2 && i < 6 ? 599 : 0);
	assert_int_equal(o.total, 4 * 599);
	/* the average spreads over the whole horizon */
	assert_int_equal(cost_average(o.total, p->horizon), 200); /* 199.67 */
}

/* ---- money -------------------------------------------------------------- */

static void money_is_exact(void **state)
{
	(void)state;
	/* 36 x 19.49 in binary floating point is 701.6399999...; in cents it is not */
	const struct mdl_project *p = load(HEAD("2026-02", "36", "")
		"server_type cpx42 {\n price = 19.49 EUR/month\n}\n"
		"phase a {\n start = 2026-02\n months = 36\n run on web { app }\n"
		" server web { type = cpx42 }\n}\n");
	struct cost_option o;
	cost_option_build(&comp.arena, p, NULL, &o);
	assert_int_equal(o.total, 70164);
	assert_string_equal(cost_arithmetic(&comp.arena, p, &o), "36 x 19.49 = 701.64");
	int64_t sum = 0;
	for (int i = 0; i < 36; i++)
		sum += o.monthly[i];
	assert_int_equal(sum, o.total);
}

static void average_rounds_half_up(void **state)
{
	(void)state;
	assert_int_equal(cost_average(90264, 36), 2507); /* 25.0733 */
	assert_int_equal(cost_average(75264, 36), 2091); /* 20.9067 */
	assert_int_equal(cost_average(70164, 36), 1949); /* exact */
	assert_int_equal(cost_average(5, 2), 3);         /* 2.5 */
	assert_int_equal(cost_average(7, 3), 2);         /* 2.33 */
	assert_int_equal(cost_average(0, 12), 0);
}

/* ---- scenarios ---------------------------------------------------------- */

static const char seed_file[] = HEAD("2026-02", "36", " budget = 25 EUR/month\n")
	"phase dev {\n start = 2026-02\n months = 6\n run on web { app }\n}\n"
	"phase prod {\n start = 2026-08\n months = 30\n run on web { app }\n}\n"
	"scenario start_small {\n web = cpx32\n web = cpx52 from prod\n}\n"
	"scenario grow_later {\n web = cpx42\n web = cpx52 from 2028-08\n}\n"
	"scenario tie {\n web = cpx52 from prod\n web = cpx32 from 2026-08\n}\n";

static void scenario_overlays(void **state)
{
	(void)state;
	const struct mdl_project *p = load(seed_file);
	struct cost_option o;

	cost_option_build(&comp.arena, p, scenario(p, "start_small"), &o);
	assert_int_equal(o.nsegs, 2);
	assert_int_equal(o.total, 6 * 1049 + 30 * 2799); /* 902.64 */
	assert_int_equal(o.total, 90264);
	assert_string_equal(cost_arithmetic(&comp.arena, p, &o),
			    "6 x 10.49 + 30 x 27.99 = 62.94 + 839.70 = 902.64");
	/* over budget from the first production month, by 2.99 */
	assert_int_equal(o.over_first, month(2026, 8));
	assert_int_equal(o.over_by, 299);
	assert_int_equal(o.over_months, 30);

	/* a change in the middle of a phase splits it into two segments */
	cost_option_build(&comp.arena, p, scenario(p, "grow_later"), &o);
	assert_int_equal(o.nsegs, 3);
	assert_int_equal(o.segs[1].start, month(2026, 8));
	assert_int_equal(o.segs[1].months, 24);
	assert_string_equal(o.segs[2].type->name, "cpx52");
	assert_int_equal(o.segs[2].start, month(2028, 8));
	assert_int_equal(o.segs[2].months, 6);
	assert_int_equal(o.phase_cost[1], 24 * 1949 + 6 * 2799);
	assert_int_equal(o.total, 75264);
	assert_string_equal(cost_arithmetic(&comp.arena, p, &o),
			    "30 x 19.49 + 6 x 27.99 = 584.70 + 167.94 = 752.64");
	assert_int_equal(o.over_first, month(2028, 8));
	assert_int_equal(o.over_months, 6);

	/* two assignments from the same month: the later line wins */
	cost_option_build(&comp.arena, p, scenario(p, "tie"), &o);
	assert_string_equal(o.segs[1].type->name, "cpx32");
	/* before any assignment the file's type holds */
	assert_string_equal(o.segs[0].type->name, "cpx22");
}

static void scenario_segments_checked_at_their_own_end(void **state)
{
	(void)state;
	/* 10 GB of volume growing 10 GB a month: a cpx22 (80 GB) holds it
	 * up to month 7 (80 GB), a phase of 12 months needs 130 GB */
	const struct mdl_project *p = load(
		"project t {\n start = 2026-01\n horizon = 12 months\n}\n"
		"server db {\n type = cpx32\n}\n"
		"service pg {\n image = \"pg:16\"\n ram = 1 GB\n"
		" volume data {\n path = \"/d\"\n size = 10 GB\n growth = 10 GB/month\n }\n}\n"
		"phase all {\n start = 2026-01\n months = 12\n run on db { pg }\n}\n"
		"scenario late_upgrade {\n db = cpx22\n db = cpx32 from 2026-08\n}\n"
		"scenario too_late {\n db = cpx22\n db = cpx32 from 2026-09\n}\n");
	struct cost_option o;
	cost_option_build(&comp.arena, p, scenario(p, "late_upgrade"), &o);
	assert_int_equal(o.nsegs, 2);
	assert_int_equal(o.segs[0].cap.disk, 80 * UNITS_GIB);
	assert_true(o.fits);
	cost_option_build(&comp.arena, p, scenario(p, "too_late"), &o);
	assert_false(o.fits);
	assert_false(o.segs[0].cap.disk_ok);
	assert_string_equal(cost_shortfall(&comp.arena, &o.segs[0].cap),
			    "disk needs 90 GB by 2026-08 of 80 GB: 10 GB over");
}

static void table_cheapest_passes_every_check(void **state)
{
	(void)state;
	const struct mdl_project *p = load(seed_file);
	struct cost_table t;
	cost_table_build(&comp.arena, p, &t);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.options[0].name, "as written");
	/* as written (cpx22 throughout, 36 x 5.99) is cheapest and passes */
	assert_ptr_equal(t.cheapest, &t.options[0]);
	assert_int_equal(t.options[0].total, 36 * 599);
}

/* ---- budget ------------------------------------------------------------- */

static void budget_error_per_phase(void **state)
{
	(void)state;
	const struct mdl_project *p = load(HEAD("2026-01", "12", " budget = 8 EUR/month\n")
		"phase a {\n start = 2026-01\n months = 6\n run on web { app }\n}\n"
		"phase b {\n start = 2026-07\n months = 6\n run on web { app }\n"
		" server web { type = cpx32 }\n}\n");
	(void)p;
	size_t n = 0;
	for (size_t i = 0; i < comp.diags.n; i++)
		if (comp.diags.items[i]->code == DIAG_E0801) {
			n++;
			assert_string_equal(comp.diags.items[i]->msg,
					    "phase b costs 10.49 EUR/month, 2.49 over the budget "
					    "of 8.00 EUR/month");
		}
	assert_int_equal(n, 1);
	assert_int_equal(comp.diags.errors, 1);
}

/* ---- the search --------------------------------------------------------- */

/* Three servers, two phases, disk growth, CPU and a budget: small enough
 * to try every assignment. */
#define SEARCH_HEAD \
	"project s {\n start = 2026-01\n horizon = 24 months\n}\n" \
	"limits {\n headroom = 20%\n budget = "
static const char search_body[] = "\n}\n"
	"server a {\n type = cpx22\n}\nserver b {\n type = cpx22\n}\nserver c {\n type = cpx22\n}\n"
	"service x {\n image = \"x:1\"\n ram = 3 GB\n cpus = 3\n}\n"
	"service y {\n image = \"y:1\"\n ram = 2 GB\n"
	" volume v {\n path = \"/v\"\n size = 20 GB\n growth = 5 GB/month\n }\n}\n"
	"service z {\n image = \"z:1\"\n ram = 5 GB .. 7 GB\n}\n"
	"phase one {\n start = 2026-01\n months = 10\n run on a { x }\n run on b { y }\n}\n"
	"phase two {\n start = 2026-11\n months = 14\n run on a { x }\n run on b { y }\n"
	" run on c { z }\n}\n";

/* Without resize: one type per server, every combination costed. */
struct brute {
	const struct mdl_project *p;
	bool resize;
	const struct mdl_server **servers; /* the server of each variable */
	size_t nvars;
	size_t *pick;
	int64_t best;
	size_t tried;
};

static void brute_try(struct brute *b, size_t v)
{
	if (v < b->nvars) {
		for (size_t t = 0; t < b->p->ntypes; t++) {
			b->pick[v] = t;
			brute_try(b, v + 1);
		}
		return;
	}
	b->tried++;
	struct mdl_scenario sc = { .name = "brute" };
	sc.assigns = arena_calloc(&comp.arena, b->nvars, sizeof(*sc.assigns));
	for (size_t i = 0; i < b->nvars; i++) {
		struct mdl_assign *as = &sc.assigns[sc.nassigns++];
		as->server = b->servers[i];
		as->type = &b->p->types[b->pick[i]];
		as->from = b->p->start;
	}
	struct cost_option o;
	cost_option_build(&comp.arena, b->p, &sc, &o);
	if (cost_feasible(&o) && (b->best < 0 || o.total < b->best))
		b->best = o.total;
}

/* With resize, months are independent (the built-in catalog prices no
 * snapshot): every month's cheapest combination of types that fit then,
 * within the budget, tried one by one; their sum.  -1 when a month has
 * none. */
static int64_t brute_months(const struct mdl_project *p, size_t *tried)
{
	int64_t total = 0;
	for (int m = p->start; m < p->start + p->horizon; m++) {
		const struct mdl_phase *ph = model_phase_at(p, m);
		size_t n = ph ? ph->nplacements : 0, combos = 1, nt = p->ntypes;
		for (size_t k = 0; k < n; k++)
			combos *= nt;
		struct mdl_phase upto = ph ? *ph : (struct mdl_phase){ 0 };
		upto.months = m + 1 - upto.start;
		int64_t best = -1;
		for (size_t x = 0; x < combos; x++, (*tried)++) {
			int64_t sum = 0;
			bool fits = true;
			for (size_t k = 0, v = x; k < n; k++, v /= nt) {
				struct capacity cap;
				capacity_of(p, &upto, &ph->placements[k], &p->types[v % nt], &cap);
				fits = fits && capacity_fits(&cap);
				sum += p->types[v % nt].price;
			}
			if (fits && (p->budget < 0 || sum <= p->budget) && (best < 0 || sum < best))
				best = sum;
		}
		if (best < 0)
			return -1;
		total += best;
	}
	return total;
}

static int64_t brute_force(const struct mdl_project *p, bool resize, size_t *tried)
{
	struct brute b = { .p = p, .resize = resize, .best = -1 };
	*tried = 0;
	if (resize)
		return brute_months(p, tried);
	b.servers = arena_calloc(&comp.arena, p->nservers + 1, sizeof(*b.servers));
	b.pick = arena_calloc(&comp.arena, p->nservers + 1, sizeof(*b.pick));
	for (size_t s = 0; s < p->nservers; s++)
		b.servers[b.nvars++] = &p->servers[s];
	brute_try(&b, 0);
	*tried = b.tried;
	return b.best;
}

static void search_matches_brute_force(void **state)
{
	(void)state;
	/* budgets: loose, binding for some choices, and below every choice */
	static const char *const budgets[] = { "100 EUR/month", "40.47 EUR/month",
					       "40.46 EUR/month", "10 EUR/month" };
	for (size_t bi = 0; bi < sizeof(budgets) / sizeof(*budgets); bi++) {
		char text[2048];
		snprintf(text, sizeof(text), "%s%s%s", SEARCH_HEAD, budgets[bi], search_body);
		const struct mdl_project *p = load(text);
		for (int resize = 0; resize <= 1; resize++) {
			size_t tried;
			int64_t best = brute_force(p, resize, &tried);
			struct recommend r;
			recommend_search(&comp.arena, p, resize, &r);
			assert_true(tried >= 25);
			if (best < 0) {
				assert_false(r.found);
			} else {
				assert_true(r.found);
				assert_int_equal(r.cost.total, best);
			}
			/* worked by hand: a cpx32, b cpx22 until its disk
			 * outgrows 80 GB in 2026-12 (two months into phase two),
			 * then cpx32, c cpx42; phase two costs 40.47 a month
			 * once b is a cpx32 */
			int64_t want = resize ? 10 * 1648 + 2 * 3597 + 12 * 4047
					      : 10 * 2098 + 14 * 4047;
			assert_int_equal(best, bi < 2 ? want : -1);
		}
		compile_release(&comp);
	}
	/* the teardown releases one more */
	load(seed_file);
}

static void search_explains_rejections(void **state)
{
	(void)state;
	char text[2048];
	snprintf(text, sizeof(text), "%s%s%s", SEARCH_HEAD, "100 EUR/month", search_body);
	const struct mdl_project *p = load(text);
	struct recommend r;
	recommend_search(&comp.arena, p, true, &r);
	assert_true(r.found);
	/* phase one, server a runs x: 3 GB RAM, 3 vCPU; cpx22 has 2 vCPU */
	const struct recommend_pick *pk = &r.picks[0];
	assert_string_equal(pk->server->name, "a");
	assert_string_equal(pk->phase->name, "one");
	assert_string_equal(pk->type->name, "cpx32");
	assert_int_equal(pk->nrejects, 1);
	assert_string_equal(pk->rejects[0].type->name, "cpx22");
	assert_false(pk->rejects[0].cap.cpu_ok);
	assert_true(pk->rejects[0].cap.ram_ok); /* 3 GB of 3.2 GB usable */

	/* without resize, server b needs the disk of phase two's end in both */
	recommend_search(&comp.arena, p, false, &r);
	assert_true(r.found);
	assert_int_equal(r.scenario.nassigns, 3);
}

/* ---- placement scenarios ------------------------------------------------ */

static const struct cost_segment *segment(const struct cost_option *o, const char *server,
					  int start)
{
	for (size_t i = 0; i < o->nsegs; i++)
		if (!strcmp(o->segs[i].placement->server->name, server) && o->segs[i].start == start)
			return &o->segs[i];
	fail_msg("no segment of %s from %d", server, start);
	return NULL;
}

static void placement_scenarios_move_and_copy_data(void **state)
{
	(void)state;
	const struct mdl_project *p = load(HEAD("2026-01", "12", "")
		"service db {\n image = \"postgres:16\"\n ram = 1 GB\n"
		" volume data {\n path = \"/d\"\n size = 10 GB\n growth = 1 GB/month\n }\n}\n"
		"phase a {\n months = 6\n run on web { app\n db }\n}\n"
		"phase b {\n run on web { app\n db }\n}\n"
		"scenario moved {\n server big { type = cpx32 }\n"
		" phase b {\n  run on web { app }\n  run on big { db }\n"
		"  service db { moves_data = true }\n }\n}\n"
		"scenario copied {\n server big { type = cpx32 }\n"
		" phase b {\n  run on web { app\n db }\n  run on big { new db }\n }\n}\n");
	assert_int_equal(comp.diags.errors, 0);
	const int64_t gb = 1024 * 1000;
	struct cost_option o;
	cost_option_build(&comp.arena, p, scenario(p, "moved"), &o);
	/* the moved data counts on big from its first month: 10 + 12 x 1 GB */
	assert_int_equal(segment(&o, "big", month(2026, 7))->cap.disk, 22 * gb);
	assert_int_equal(segment(&o, "web", month(2026, 7))->cap.disk, 0);
	assert_int_equal(o.total, 12 * 599 + 6 * 1049);
	assert_true(o.fits);
	assert_string_equal(cost_arithmetic(&comp.arena, p, &o),
			    "12 x 5.99 (web) + 6 x 10.49 (big) = 71.88 + 62.94 = 134.82");

	cost_option_build(&comp.arena, p, scenario(p, "copied"), &o);
	/* a new instance starts empty with its phase: 10 + 6 x 1 GB */
	assert_int_equal(segment(&o, "big", month(2026, 7))->cap.disk, 16 * gb);
	assert_int_equal(segment(&o, "web", month(2026, 7))->cap.disk, 22 * gb);
	/* the plan's phase b is untouched */
	cost_option_build(&comp.arena, p, NULL, &o);
	assert_int_equal(o.nsegs, 2);
	assert_int_equal(o.total, 12 * 599);
}

/* ---- cost and recommend agree, on generated files --------------------------- */

static unsigned gen_next(unsigned *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static unsigned gen_pick(unsigned *s, unsigned n)
{
	return gen_next(s) % n;
}

/* A file of 1..3 servers (1 with one_server) through 1..3 phases, the
 * whole line-up of the fixture, charges, volumes that grow and
 * scenarios that change types in the middle of phases. */
static void gen_file(struct strbuf *sb, unsigned *s, bool one_server, int horizon)
{
	static const char *const types[] = { "cx23", "cx33", "cx43", "cpx22", "cpx32", "cax21" };
	int nsrv = one_server ? 1 : 1 + (int)gen_pick(s, 3), nph = 1 + (int)gen_pick(s, 3);
	strbuf_addf(sb, "project g {\n start = 2026-01\n horizon = %d months\n arch = [amd64, arm64]\n}\n"
		    "limits {\n headroom = 20%%\n", horizon);
	if (gen_pick(s, 2))
		strbuf_addf(sb, " budget = %u EUR/month\n", (12 + gen_pick(s, 30)) * (unsigned)nsrv);
	strbuf_addstr(sb, "}\n");
	for (int i = 0; i < nsrv; i++) {
		strbuf_addf(sb, "server s%d {\n type = %s\n", i, types[gen_pick(s, 6)]);
		if (gen_pick(s, 3) == 0)
			strbuf_addstr(sb, " backups = true\n");
		if (gen_pick(s, 3) == 0)
			strbuf_addf(sb, " traffic = %u TB/month\n", 15 + gen_pick(s, 20));
		strbuf_addf(sb, "}\nservice a%d {\n image = \"a:1\"\n ram = %u GB\n cpus = %u\n"
			    " volume v {\n path = \"/v\"\n size = %u GB\n growth = %u GB/month\n }\n}\n",
			    i, 1 + gen_pick(s, 6), 1 + gen_pick(s, 4), 5 + gen_pick(s, 60),
			    gen_pick(s, 5));
	}
	for (int ph = 0; ph < nph; ph++) {
		strbuf_addf(sb, "phase p%d {\n start = 2026-%02d\n", ph, 1 + ph * horizon / nph);
		for (int i = 0; i < nsrv; i++)
			if (ph == 0 || gen_pick(s, 4))
				strbuf_addf(sb, " run on s%d { a%d }\n", i, i);
		strbuf_addstr(sb, "}\n");
	}
	/* scenarios: a type per server from the start, then changes at
	 * later months, each month once */
	for (unsigned k = 0, n = 1 + gen_pick(s, 3); k < n; k++) {
		strbuf_addf(sb, "scenario x%u {\n", k);
		for (int i = 0; i < nsrv; i++)
			strbuf_addf(sb, " s%d = %s\n", i, types[2 + gen_pick(s, 4)]);
		for (unsigned mon = 2; mon <= (unsigned)horizon; mon += 1 + gen_pick(s, 4))
			strbuf_addf(sb, " s%u = %s from 2026-%02u\n", gen_pick(s, (unsigned)nsrv),
				    types[2 + gen_pick(s, 4)], mon);
		strbuf_addstr(sb, "}\n");
	}
}

static struct arena fix_arena;
static struct prices fix;

/* Compiles a generated file against the fixture; false when its errors
 * are not the costable ones (a phase left empty, say). */
static bool gen_compile(struct compilation *c, struct strbuf *sb)
{
	struct compile_prices pr = { &fix, "--prices fixture", false };
	compile_source_priced(c, "g.infra", sb, NULL, &pr);
	for (size_t i = 0; c->project && i < c->diags.n; i++) {
		enum diag_code code = c->diags.items[i]->code;
		if (diag_code_severity(code) == DIAG_ERROR && code != DIAG_E0301 &&
		    code != DIAG_E0302 && code != DIAG_E0303 && code != DIAG_E0304 &&
		    code != DIAG_E0801)
			return false;
	}
	return c->project != NULL;
}

static int fixture_setup(void **state)
{
	(void)state;
	struct error e = ERROR_INIT;
	arena_init(&fix_arena);
	assert_true(prices_read(&fix_arena, fixture_prices, strlen(fixture_prices), "fixture.json",
				&fix, &e));
	return 0;
}

static int fixture_teardown(void **state)
{
	(void)state;
	arena_release(&fix_arena);
	return 0;
}

/* Whatever scenarios a file writes, recommend's result never costs more
 * than the cheapest of them that passes every check. */
static void recommend_never_dearer_than_cost(void **state)
{
	(void)state;
	unsigned seed = 0x1e55u;
	int compared = 0;
	for (int i = 0; i < 400; i++) {
		struct strbuf sb = STRBUF_INIT;
		gen_file(&sb, &seed, false, 6 + (int)gen_pick(&seed, 19));
		struct compilation c;
		char *text = xstrdup(sb.buf);
		if (gen_compile(&c, &sb)) {
			struct cost_table t;
			cost_table_build(&c.arena, c.project, &t);
			struct recommend r;
			recommend_search(&c.arena, c.project, true, &r);
			if (t.cheapest) {
				compared++;
				if (!r.found || r.cost.total > t.cheapest->total)
					fail_msg("recommend %lld, cost's cheapest %s %lld in:\n%s",
						 (long long)(r.found ? r.cost.total : -1), t.cheapest->name,
						 (long long)t.cheapest->total, text);
			}
		}
		free(text);
		compile_release(&c);
	}
	assert_true(compared >= 100);
}

/* Every sequence of types month by month for one server, snapshots and
 * budget included, costed by the engine: the cheapest is recommend's. */
static void recommend_is_the_cheapest_sequence(void **state)
{
	(void)state;
	unsigned seed = 0xbeefu;
	int compared = 0;
	for (int i = 0; i < 12; i++) {
		struct strbuf sb = STRBUF_INIT;
		gen_file(&sb, &seed, true, 4);
		struct compilation c;
		if (!gen_compile(&c, &sb)) {
			compile_release(&c);
			continue;
		}
		const struct mdl_project *p = c.project;
		struct mdl_assign as[4];
		struct mdl_scenario sc = { .name = "seq", .assigns = as, .nassigns = 4 };
		int64_t best = -1;
		size_t nt = p->ntypes, combos = nt * nt * nt * nt;
		for (size_t x = 0; x < combos; x++) {
			for (int m = 0, v = (int)x; m < 4; m++, v /= (int)nt)
				as[m] = (struct mdl_assign){ &p->servers[0], &p->types[v % (int)nt],
							     p->start + m, NULL, { 0, 0, 0, 0 } };
			struct arena a;
			arena_init(&a);
			struct cost_option o;
			cost_option_build(&a, p, &sc, &o);
			if (cost_feasible(&o) && (best < 0 || o.total < best))
				best = o.total;
			arena_release(&a);
		}
		struct recommend r;
		recommend_search(&c.arena, p, true, &r);
		if (best >= 0) {
			compared++;
			assert_true(r.found);
			assert_int_equal(r.cost.total, best);
		} else {
			assert_false(r.found);
		}
		compile_release(&c);
	}
	assert_true(compared >= 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(months_cross_years, teardown),
		cmocka_unit_test_teardown(months_in_no_phase_cost_nothing, teardown),
		cmocka_unit_test_teardown(money_is_exact, teardown),
		cmocka_unit_test(average_rounds_half_up),
		cmocka_unit_test_teardown(scenario_overlays, teardown),
		cmocka_unit_test_teardown(scenario_segments_checked_at_their_own_end, teardown),
		cmocka_unit_test_teardown(placement_scenarios_move_and_copy_data, teardown),
		cmocka_unit_test_teardown(table_cheapest_passes_every_check, teardown),
		cmocka_unit_test_setup_teardown(recommend_never_dearer_than_cost, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(recommend_is_the_cheapest_sequence, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_teardown(budget_error_per_phase, teardown),
		cmocka_unit_test_teardown(search_matches_brute_force, teardown),
		cmocka_unit_test_teardown(search_explains_rejections, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
