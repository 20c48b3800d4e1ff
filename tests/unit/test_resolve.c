/* resolve: names bound, units per attribute, suggestions, phase
 * overrides as copies, scenarios; and the reference file end to end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "compile.h"
#include "units.h"
#include "unit.h"

static const struct mdl_service *service(const char *name)
{
	for (size_t i = 0; i < u->p->nservices; i++)
		if (!strcmp(u->p->services[i].name, name))
			return &u->p->services[i];
	fail_msg("no service %s", name);
	return NULL;
}

static const char shop[] = UNIT_HEAD
	"limits {\n"
	"  headroom = 12.5%\n"
	"  budget   = 30.5 EUR/month\n"
	"  cpu_overcommit = 1.5\n"
	"}\n"
	"ssh_key ops {\n"
	"  public_key = \"ssh-ed25519 AAAAC3Nz ops@example\"\n"
	"}\n"
	"server main {\n"
	"  type     = cpx42\n"
	"  reserve  = 0.5 GB\n"
	"  ssh_keys = [ops]\n"
	"}\n"
	"service app {\n"
	"  image  = \"acme/app:1\"\n"
	"  ram    = 1 GB .. 1.5 GB\n"
	"  cpus   = 0.5\n"
	"  port   = 8000\n"
	"  publish = [9000, 9001:80]\n"
	"  domain = \"shop.example.com\"\n"
	"  max_upload = 1.5 GB\n"
	"  needs  = [db]\n"
	"  env {\n"
	"    B = \"2\"\n"
	"    A = secret(\"A_KEY\")\n"
	"  }\n"
	"}\n"
	"service db {\n"
	"  image = \"postgres:16\"\n"
	"  ram   = 512 MB\n"
	"  volume data {\n"
	"    path   = \"/data\"\n"
	"    size   = 5 GB\n"
	"    growth = 2 GB/month\n"
	"  }\n"
	"}\n"
	"phase beta {\n"
	"  months = 4\n"
	"  run on main {\n"
	"    app\n"
	"    db\n"
	"  }\n"
	"}\n"
	"phase live {\n"
	"  run on main {\n"
	"    app\n"
	"    db\n"
	"  }\n"
	"  server main {\n"
	"    type = cpx52\n"
	"  }\n"
	"  service db {\n"
	"    ram = 1 GB\n"
	"  }\n"
	"}\n"
	"scenario small {\n"
	"  title = \"small first\"\n"
	"  main  = cpx32\n"
	"  main  = cpx52 from live\n"
	"  main  = cpx62 from 2026-11\n"
	"}\n";

static void test_units_per_attribute(void **state)
{
	(void)state;
	u = unit_resolve(shop);
	assert_int_equal(u->dl.errors, 0);
	const struct mdl_project *p = u->p;
	assert_int_equal(p->start, units_month_index(2026, 1));
	assert_int_equal(p->horizon, 12);
	assert_int_equal(p->headroom, 1250);
	assert_int_equal(p->budget, 3050);
	assert_int_equal(p->cpu_overcommit, 1500);
	assert_int_equal(p->servers[0].reserve, UNITS_GIB / 2);
	const struct mdl_service *app = service("app"), *db = service("db");
	assert_int_equal(app->ram_lo, UNITS_GIB);
	assert_int_equal(app->ram_hi, UNITS_GIB + UNITS_GIB / 2);
	assert_int_equal(app->cpus, 500);
	assert_int_equal(app->port, 8000);
	assert_int_equal(app->npublish, 2);
	/* a bare port is the same on both sides; HOST:CONTAINER as compose */
	assert_int_equal(app->publish[0].host, 9000);
	assert_int_equal(app->publish[0].container, 9000);
	assert_int_equal(app->publish[1].host, 9001);
	assert_int_equal(app->publish[1].container, 80);
	assert_int_equal(app->max_upload, 1536 * UNITS_MIB);
	assert_int_equal(db->ram_lo, 512 * UNITS_MIB);
	assert_int_equal(db->nvolumes, 1);
	assert_int_equal(db->volumes[0].size, 5 * UNITS_GIB);
	assert_int_equal(db->volumes[0].growth, 2 * UNITS_GIB);
	assert_string_equal(db->volumes[0].path, "/data");
	/* env sorted by key, secrets by name only */
	assert_int_equal(app->nenv, 2);
	assert_string_equal(app->env[0].key, "A");
	assert_int_equal(app->env[0].kind, MDL_ENV_SECRET);
	assert_string_equal(app->env[0].value, "A_KEY");
	assert_int_equal(app->env[1].kind, MDL_ENV_LITERAL);
}

static void test_references_are_bound(void **state)
{
	(void)state;
	u = unit_resolve(shop);
	const struct mdl_project *p = u->p;
	const struct mdl_server *main_srv = model_server(p, "main");
	assert_non_null(main_srv);
	assert_ptr_equal(main_srv->type, model_type(p, "cpx42"));
	assert_int_equal(main_srv->type->ram, 16 * UNITS_GIB);
	assert_int_equal(main_srv->nssh_keys, 1);
	assert_ptr_equal(main_srv->ssh_keys[0], &p->keys[0]);
	assert_string_equal(p->keys[0].public_key, "ssh-ed25519 AAAAC3Nz ops@example");
	const struct mdl_service *app = service("app");
	assert_int_equal(app->nneeds, 1);
	assert_ptr_equal(app->needs[0], service("db"));
	/* the catalog is sorted cheapest first */
	for (size_t i = 1; i < p->ntypes; i++)
		assert_true(p->types[i - 1].price <= p->types[i].price);
}

static void test_phase_overrides_are_copies(void **state)
{
	(void)state;
	u = unit_resolve(shop);
	const struct mdl_project *p = u->p;
	const struct mdl_phase *beta = model_phase(p, "beta"), *live = model_phase(p, "live");
	assert_int_equal(beta->start, units_month_index(2026, 1));
	assert_int_equal(beta->months, 4);
	/* no start: follows beta; no months: runs to the horizon's end */
	assert_int_equal(live->start, units_month_index(2026, 5));
	assert_int_equal(live->months, 8);

	const struct mdl_service *db = service("db");
	const struct mdl_placement *b = model_placement(beta, &p->servers[0]);
	const struct mdl_placement *l = model_placement(live, &p->servers[0]);
	assert_ptr_equal(b->services[1], db);
	const struct mdl_service *copy = l->services[1];
	assert_ptr_not_equal(copy, db);
	assert_ptr_equal(copy->decl, db);
	assert_int_equal(copy->ram_hi, UNITS_GIB);
	assert_int_equal(db->ram_hi, 512 * UNITS_MIB); /* the declaration is untouched */
	assert_int_equal(copy->nvolumes, 1);           /* the rest is inherited */
	/* app is not overridden in live: the declaration itself runs */
	assert_ptr_equal(l->services[0], service("app"));
	/* the server override changes the type for this phase only */
	assert_ptr_equal(l->type, model_type(p, "cpx52"));
	assert_ptr_equal(b->type, model_type(p, "cpx42"));
}

static void test_scenario_assignments(void **state)
{
	(void)state;
	u = unit_resolve(shop);
	const struct mdl_project *p = u->p;
	assert_int_equal(p->nscenarios, 1);
	const struct mdl_scenario *sc = &p->scenarios[0];
	assert_string_equal(sc->title, "small first");
	assert_int_equal(sc->nassigns, 3);
	assert_ptr_equal(sc->assigns[0].type, model_type(p, "cpx32"));
	assert_int_equal(sc->assigns[0].from, p->start);
	assert_ptr_equal(sc->assigns[1].from_phase, model_phase(p, "live"));
	assert_int_equal(sc->assigns[1].from, units_month_index(2026, 5));
	assert_null(sc->assigns[2].from_phase);
	assert_int_equal(sc->assigns[2].from, units_month_index(2026, 11));
}

static void test_did_you_mean(void **state)
{
	(void)state;
	u = unit_resolve(UNIT_HEAD
			 "server web {\n  type = cpx24\n}\n"
			 "service postgres {\n  image = \"p:1\"\n  rma = 1 GB\n  ram = 1 GB\n}\n"
			 "service app {\n  image = \"a:1\"\n  ram = 1 GB\n  needs = [postgers]\n"
			 "  restart = alwyas\n}\n"
			 "phase p {\n  run on wbe {\n    app\n  }\n}\n"
			 "servcie x {\n}\n");
	const struct diag *d = unit_diag(u, DIAG_E0401);
	assert_string_equal(d->msg, "unknown server type 'cpx24'");
	assert_true(unit_has_line(d, "did you mean 'cpx22'?"));
	d = unit_diag(u, DIAG_E0102);
	assert_true(unit_has_line(d, "did you mean 'ram'?"));
	d = unit_diag(u, DIAG_E0209);
	assert_true(unit_has_line(d, "did you mean 'always'?"));
	d = unit_diag(u, DIAG_E0101);
	assert_true(unit_has_line(d, "did you mean 'service'?"));
	size_t found = 0;
	for (size_t i = 0; i < u->dl.n; i++) {
		const struct diag *e = u->dl.items[i];
		if (e->code != DIAG_E0401)
			continue;
		if (!strcmp(e->msg, "unknown service 'postgers'"))
			found += unit_has_line(e, "did you mean 'postgres'?");
		if (!strcmp(e->msg, "unknown server 'wbe'"))
			found += unit_has_line(e, "did you mean 'web'?");
	}
	assert_int_equal(found, 2);
}

static void test_suggestions_stay_close(void **state)
{
	(void)state;
	struct diag_suggest s;
	diag_suggest_init(&s, "odoo_prd");
	diag_suggest_try(&s, "odoo_dev");
	diag_suggest_try(&s, "odoo_prod");
	assert_string_equal(diag_suggest_result(&s), "odoo_prod");
	diag_suggest_init(&s, "xyz");
	diag_suggest_try(&s, "postgres");
	assert_null(diag_suggest_result(&s));
	/* a swap of neighbours is one typo */
	diag_suggest_init(&s, "rma");
	diag_suggest_try(&s, "image");
	diag_suggest_try(&s, "ram");
	assert_string_equal(diag_suggest_result(&s), "ram");
	/* ties go to the alphabetically first */
	diag_suggest_init(&s, "cpx2");
	diag_suggest_try(&s, "cpx32");
	diag_suggest_try(&s, "cpx22");
	assert_string_equal(diag_suggest_result(&s), "cpx22");
}

static void test_value_errors(void **state)
{
	(void)state;
	u = unit_resolve(UNIT_HEAD
			 "limits {\n  headroom = 20 GB\n  budget = 25 EUR\n}\n"
			 "server web {\n  type = cpx22\n  reserve = 512\n}\n"
			 "service a {\n  image = a\n  ram = 2 GB .. 1 GB\n  port = 70000\n"
			 "  cpus = 0.0001\n  publish = 22\n}\n");
	const struct diag *d = unit_diag(u, DIAG_E0202);
	assert_string_equal(d->msg, "headroom must be a percentage, not memory or storage");
	assert_int_equal(unit_count(u, DIAG_E0202), 3); /* headroom, budget, reserve */
	d = unit_diag(u, DIAG_E0205);
	assert_string_equal(d->msg, "image must be a string in double quotes, not a name");
	d = unit_diag(u, DIAG_E0206);
	assert_true(unit_has_line(d, "1 GB .. 2 GB"));
	d = unit_diag(u, DIAG_E0203);
	assert_string_equal(d->msg, "port must be between 1 and 65535, not 70000");
	assert_int_equal(unit_count(u, DIAG_E0204), 1);
	assert_int_equal(unit_count(u, DIAG_E0601), 1);
}

static void test_structure_errors(void **state)
{
	(void)state;
	u = unit_resolve("server a {\n  type = cpx22\n}\n");
	assert_null(u->p); /* no project: nothing to build on */
	assert_int_equal(unit_count(u, DIAG_E0107), 1);
	unit_teardown(NULL);

	u = unit_resolve(UNIT_HEAD UNIT_HEAD
			 "server a {\n  type = cpx22\n  type = cpx32\n}\n"
			 "server a {\n  type = cpx22\n}\n"
			 "service {\n}\n"
			 "service s {\n  image = \"s:1\"\n}\n");
	assert_int_equal(unit_count(u, DIAG_E0107), 1);
	assert_int_equal(unit_count(u, DIAG_E0103), 1);
	assert_int_equal(unit_count(u, DIAG_E0104), 1);
	assert_int_equal(unit_count(u, DIAG_E0106), 1);
	const struct diag *d = unit_diag(u, DIAG_E0105);
	assert_string_equal(d->msg, "service s has no ram");
}

/* The reference file, through the whole pipeline as infrac runs it. */
static void test_becker_compiles(void **state)
{
	(void)state;
	struct compilation c;
	char path[512];
	assert_true(compile_path(&c, unit_becker_path(path, sizeof(path))));
	assert_int_equal(c.diags.n, 0);
	const struct mdl_project *p = c.project;
	assert_string_equal(p->name, "becker");
	assert_int_equal(p->nservers, 1);
	assert_int_equal(p->nservices, 7);
	assert_int_equal(p->nphases, 2);
	assert_int_equal(p->budget, 2500);
	assert_int_equal(p->headroom, 2000);
	/* the file's cpx42 block overrides the built-in one */
	const struct mdl_type *t = model_type(p, "cpx42");
	assert_false(t->builtin);
	assert_int_equal(t->price, 1949);
	assert_true(strncmp(p->keys[0].public_key, "ssh-", 4) == 0);
	assert_null(strchr(p->keys[0].public_key, '\n'));
	compile_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_units_per_attribute, unit_teardown),
		cmocka_unit_test_teardown(test_references_are_bound, unit_teardown),
		cmocka_unit_test_teardown(test_phase_overrides_are_copies, unit_teardown),
		cmocka_unit_test_teardown(test_scenario_assignments, unit_teardown),
		cmocka_unit_test_teardown(test_did_you_mean, unit_teardown),
		cmocka_unit_test(test_suggestions_stay_close),
		cmocka_unit_test_teardown(test_value_errors, unit_teardown),
		cmocka_unit_test_teardown(test_structure_errors, unit_teardown),
		cmocka_unit_test(test_becker_compiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
