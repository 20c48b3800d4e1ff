/*
 * Price tables: the snapshot format (written, read back, refused), the
 * types a project sees at its location, a pinned snapshot, the charges
 * beside a server's price, and the checks of a type's kind (E0304) and
 * of what apply does not make yet (W1102).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit.h"

#include "capacity.h"
#include "catalog.h"
#include "charges.h"
#include "prices.h"
#include "prices_fixture.h"
#include "units.h"

static struct arena tab_arena;
static struct prices tab;

static int setup(void **state)
{
	(void)state;
	struct error e = ERROR_INIT;
	arena_init(&tab_arena);
	if (!prices_read(&tab_arena, fixture_prices, strlen(fixture_prices), "fixture.json", &tab, &e))
		fail_msg("fixture: %s", e.msg);
	return 0;
}

static int teardown(void **state)
{
	unit_teardown(state);
	arena_release(&tab_arena);
	return 0;
}

/* Compiles text with the fixture's prices (charges unless servers_only). */
static struct unit *priced(const char *text, bool servers_only)
{
	struct unit *un = calloc(1, sizeof(*un));
	assert_non_null(un);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, text);
	struct compile_prices pr = { &tab, "--prices fixture.json", servers_only };
	compile_source_priced(&un->c, "t.infra", &sb, &unit_reader, &pr);
	un->compiled = true;
	un->dl = un->c.diags;
	un->p = un->c.project;
	un->parsed = true;
	assert_non_null(un->p);
	return un;
}

#define HEAD "project t {\n start = 2026-01\n horizon = 12 months\n}\n" \
	"limits {\n headroom = 20%\n}\n"

/* ---- the snapshot ---------------------------------------------------------- */

static void snapshot_round_trip(void **state)
{
	(void)state;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	prices_write(&tab, &a);
	struct arena ar;
	arena_init(&ar);
	struct prices again;
	struct error e = ERROR_INIT;
	assert_true(prices_read(&ar, a.buf, a.len, "again.json", &again, &e));
	prices_write(&again, &b);
	assert_string_equal(a.buf, b.buf);
	/* exact figures, none of a binary fraction */
	assert_non_null(strstr(a.buf, "\"image_eur_gb_month\": 0.0143,"));
	assert_int_equal(again.image_gb, 14300);
	assert_int_equal(again.volume_gb, 44000);
	assert_int_equal(again.backup_bp, 2000);
	assert_int_equal(prices_ipv4(&again, "nbg1"), 50);
	assert_int_equal(prices_ipv4(&again, "hel1"), 0);
	const struct prices_type *t = prices_type(&again, "cax21");
	assert_non_null(t);
	assert_int_equal(t->arch, PRICES_ARM64);
	assert_int_equal(prices_at(t, "nbg1")->monthly, 649);
	assert_null(prices_at(prices_type(&again, "ccx23"), "nbg1"));
	assert_true(prices_type(&again, "ccx13")->dedicated);
	char buf[UNITS_BUF];
	assert_string_equal(prices_fmt_micro(buf, 14300), "0.0143");
	assert_string_equal(prices_fmt_micro(buf, 1000000), "1.00");
	strbuf_release(&a);
	strbuf_release(&b);
	arena_release(&ar);
}

static void snapshot_refused(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "[1]", "not a JSON object" },
		{ "{\"format\": \"x\"", "not JSON" },
		{ "{\"format\": \"infrac-prices/1\"}", "format must be a number" },
		{ "{\"format\": 1}", "format is 1, this infrac reads 2" },
		{ "{\"format\": 2, \"source\": \"s\", \"date\": \"2026-13-01\", "
		  "\"currency\": \"EUR\"}", "date must be a day" },
		{ "{\"format\": 2, \"source\": \"s\", \"date\": \"2026-07-03\", "
		  "\"currency\": \"USD\"}", "prices are in USD" },
		{ "{\"format\": 2, \"source\": \"s\", \"date\": \"2026-07-03\", "
		  "\"currency\": \"EUR\", \"primary_ipv4_eur_month\": {}, \"server_types\": [{\"name\": "
		  "\"x\", \"vcpu\": -2}]}", "server type x: vcpu must be a non-negative" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct arena ar;
		arena_init(&ar);
		struct prices t;
		struct error e = ERROR_INIT;
		assert_false(prices_read(&ar, bad[i].text, strlen(bad[i].text), "b.json", &t, &e));
		if (!strstr(e.msg, bad[i].why))
			fail_msg("%zu: '%s' has no '%s'", i, e.msg, bad[i].why);
		error_release(&e);
		arena_release(&ar);
	}
}

/* ---- the project's types ---------------------------------------------------- */

static void types_of_the_location(void **state)
{
	(void)state;
	u = priced(HEAD "server_type cx43 {\n price = 7.00 EUR/month\n}\n"
		   "server web {\n type = cx33\n location = \"fsn1\"\n}\n"
		   "service app {\n image = \"a:1\"\n ram = 1 GB\n}\n"
		   "phase p {\n run on web { app }\n}\n", false);
	/* nbg1, the default location: ccx23 is not sold there, but in fsn1 */
	assert_false(model_orderable(model_type(u->p, "ccx23"), "nbg1"));
	assert_true(model_orderable(model_type(u->p, "ccx23"), "fsn1"));
	const struct mdl_type *cx43 = model_type(u->p, "cx43");
	assert_int_equal(cx43->price, 700);
	assert_int_equal(cx43->table_price, 899);
	assert_false(cx43->builtin);
	assert_int_equal(model_price(model_type(u->p, "cx33"), "fsn1"), 499);
	assert_true(model_type(u->p, "cax11")->arch == PRICES_ARM64);
	/* cheapest first */
	assert_string_equal(u->p->types[0].name, "cx23");
	assert_non_null(strstr(u->p->price_source, "fixture.json"));
}

static void pinned_snapshot(void **state)
{
	(void)state;
	static const char *const files[] = { "p.json", fixture_prices, "bad.json", "{}", NULL };
	unit_files = files;
	static const char pin[] = "project t {\n start = 2026-01\n horizon = 12 months\n"
				  " prices = \"%s\"\n}\nserver web {\n type = cx23\n}\n"
				  "service app {\n image = \"a:1\"\n ram = 1 GB\n}\n"
				  "phase p {\n run on web { app }\n}\n";
	char text[512];
	snprintf(text, sizeof(text), pin, "p.json");
	u = unit_check(text);
	assert_int_equal(u->dl.errors, 0);
	assert_string_equal(u->p->price_source,
			    "snapshot p.json (Hetzner Cloud API), nbg1, EUR/month, as of 2026-07-03");
	unit_teardown(state);
	snprintf(text, sizeof(text), pin, "bad.json");
	u = unit_check(text);
	assert_int_equal(unit_count(u, DIAG_E1101), 1);
	/* the built-in catalog stands in, so the rest is still checked */
	assert_string_equal(u->p->price_source, catalog_source);
	unit_teardown(state);
	snprintf(text, sizeof(text), pin, "none.json");
	u = unit_check(text);
	assert_int_equal(unit_count(u, DIAG_E0006), 1);
	unit_files = NULL;
}

/* ---- charges ------------------------------------------------------------------ */

static void charges_of_a_server(void **state)
{
	(void)state;
	u = priced(HEAD "server web {\n type = cx33\n backups = true\n traffic = 25 TB/month\n}\n"
		   "server edge {\n type = cx23\n ipv4 = false\n}\n"
		   "service app {\n image = \"a:1\"\n ram = 1 GB\n"
		   " volume v {\n path = \"/v\"\n size = 4 GB\n storage = hetzner_volume\n }\n}\n"
		   "service b {\n image = \"b:1\"\n ram = 1 GB\n}\n"
		   "phase p {\n run on web { app }\n run on edge { b }\n}\n", false);
	const struct mdl_placement *web = &u->p->phases[0].placements[0];
	const struct mdl_placement *edge = &u->p->phases[0].placements[1];
	struct charges c;
	charges_of(u->p, web, web->type, u->p->start, &c);
	assert_int_equal(c.amount[CHARGES_IPV4], 50);
	/* 20% of 4.99 is 0.998: half up to 1.00 */
	assert_int_equal(c.amount[CHARGES_BACKUPS], 100);
	/* 5 TB above the 20 included, 1.00 a TB */
	assert_int_equal(c.amount[CHARGES_TRAFFIC], 500);
	assert_int_equal(c.amount[CHARGES_VOLUMES], 0);
	/* a 4 GB volume is billed as 10 GB: 0.44 once Volumes are made */
	assert_int_equal(c.volumes_later, 44);
	assert_int_equal(c.total, 650);
	assert_int_equal(charges_month(u->p, web, web->type, u->p->start), 1149);
	charges_of(u->p, edge, edge->type, u->p->start, &c);
	assert_int_equal(c.total, 0);
	/* what apply does not make yet */
	assert_int_equal(unit_count(u, DIAG_W1102), 2);
	unit_teardown(state);

	u = priced(HEAD "server web {\n type = cx33\n backups = true\n}\n"
		   "service app {\n image = \"a:1\"\n ram = 1 GB\n}\n"
		   "phase p {\n run on web { app }\n}\n", true);
	web = &u->p->phases[0].placements[0];
	charges_of(u->p, web, web->type, u->p->start, &c);
	assert_int_equal(c.total, 0);
}

static void charges_the_catalog_cannot_price(void **state)
{
	(void)state;
	u = unit_check(HEAD "server web {\n type = cpx22\n backups = true\n traffic = 30 TB/month\n}\n"
		       "service app {\n image = \"a:1\"\n ram = 1 GB\n}\n"
		       "phase p {\n run on web { app }\n}\n");
	const struct mdl_placement *web = &u->p->phases[0].placements[0];
	struct charges c;
	charges_of(u->p, web, web->type, u->p->start, &c);
	assert_int_equal(c.total, 0);
	assert_int_equal(c.unpriced, (1u << CHARGES_BACKUPS) | (1u << CHARGES_TRAFFIC));
}

/* ---- a type's kind ---------------------------------------------------------- */

static void kinds_of_types(void **state)
{
	(void)state;
	/* an arm64-only image on an x86 type; dedicated asked of a shared
	 * one; a type not sold where the server is */
	u = priced("project t {\n start = 2026-01\n horizon = 12 months\n location = \"fsn1\"\n}\n"
		   "server a {\n type = cx33\n}\n"
		   "server b {\n type = cx33\n cpu = dedicated\n}\n"
		   "server c {\n type = ccx23\n location = \"nbg1\"\n}\n"
		   "service arm {\n image = \"a:1\"\n ram = 1 GB\n arch = arm64\n}\n"
		   "service x {\n image = \"x:1\"\n ram = 1 GB\n}\n"
		   "service y {\n image = \"y:1\"\n ram = 1 GB\n}\n"
		   "phase p {\n run on a { arm }\n run on b { x }\n run on c { y }\n}\n", false);
	assert_int_equal(unit_count(u, DIAG_E0304), 3);
	const struct mdl_phase *ph = &u->p->phases[0];
	struct capacity cap;
	capacity_of(u->p, ph, &ph->placements[0], model_type(u->p, "cax21"), &cap);
	assert_true(capacity_fits(&cap));
	capacity_of(u->p, ph, &ph->placements[1], model_type(u->p, "ccx13"), &cap);
	assert_true(capacity_fits(&cap));
	/* the help names what would do: the cheapest candidate */
	assert_string_equal(capacity_cheapest_fit(u->p, ph, &ph->placements[0])->name, "cax11");
	assert_string_equal(capacity_cheapest_fit(u->p, ph, &ph->placements[1])->name, "ccx13");
	assert_string_equal(capacity_cheapest_fit(u->p, ph, &ph->placements[2])->name, "cx23");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(snapshot_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(snapshot_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(types_of_the_location, setup, teardown),
		cmocka_unit_test_setup_teardown(pinned_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(charges_of_a_server, setup, teardown),
		cmocka_unit_test_setup_teardown(charges_the_catalog_cannot_price, setup, teardown),
		cmocka_unit_test_setup_teardown(kinds_of_types, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
