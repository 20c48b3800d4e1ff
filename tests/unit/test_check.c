/* check: every rule on small sources, with the figures it reports, and
 * the capacity arithmetic on the reference file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "capacity.h"
#include "compile.h"
#include "imageref.h"
#include "units.h"
#include "unit.h"

static void assert_clean(void)
{
	for (size_t i = 0; i < u->dl.n; i++)
		print_error("unexpected %s: %s\n", diag_code_name(u->dl.items[i]->code),
			    u->dl.items[i]->msg);
	assert_int_equal(u->dl.n, 0);
}

#define SRV "server web {\n  type = cpx22\n}\n"
#define SVC(name, extra) \
	"service " name " {\n  image = \"acme/" name ":1\"\n  ram = 512 MB\n" extra "}\n"
#define PHASE(body) "phase live {\n  run on web {\n" body "  }\n}\n"

static void test_valid_file_is_clean(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV SVC("app", "  needs = [db]\n") SVC("db", "")
		       PHASE("    app\n    db\n"));
	assert_clean();
}

static void test_ram_upper_bound_against_headroom(void **state)
{
	(void)state;
	/* cpx22: 4 GB, 20% headroom leaves 3.2 GB; 0.5 + 2.7 fits exactly */
	u = unit_check(UNIT_HEAD "limits {\n  headroom = 20%\n}\n"
		       "server web {\n  type = cpx22\n  reserve = 0.5 GB\n}\n"
		       "service app {\n  image = \"a:1\"\n  ram = 1 GB .. 2.7 GB\n}\n"
		       PHASE("    app\n"));
	assert_clean();
	unit_teardown(NULL);
	u = unit_check(UNIT_HEAD "limits {\n  headroom = 20%\n}\n"
		       "server web {\n  type = cpx22\n  reserve = 0.5 GB\n}\n"
		       "service app {\n  image = \"a:1\"\n  ram = 1 GB .. 2.71 GB\n}\n"
		       PHASE("    app\n"));
	const struct diag *d = unit_diag(u, DIAG_E0301);
	assert_string_equal(d->msg, "phase live overloads server web: 1.5..3.21 GB of 3.2 GB usable");
	assert_true(unit_has_line(d, "ranges are checked at their upper bound"));
	assert_true(unit_has_line(d, "a cpx32 (8 GB, 10.49 EUR/month) fits at 40%"));
	assert_int_equal(u->dl.errors, 1);
}

static void test_cpu_and_overcommit(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV SVC("a", "  cpus = 1.5\n") SVC("b", "  cpus = 1\n")
		       PHASE("    a\n    b\n"));
	const struct diag *d = unit_diag(u, DIAG_E0302);
	assert_string_equal(d->msg, "phase live overloads server web: services declare 2.5 vCPU, "
				    "cpx22 allows 2");
	assert_true(unit_has_line(d, "a cpx32 (4 vCPU, 10.49 EUR/month) fits at 63%"));
	unit_teardown(NULL);
	u = unit_check(UNIT_HEAD "limits {\n  cpu_overcommit = 1.25\n}\n" SRV
		       SVC("a", "  cpus = 1.5\n") SVC("b", "  cpus = 1\n") PHASE("    a\n    b\n"));
	assert_clean();
	unit_teardown(NULL);
	/* overcommit shares vCPUs among containers; one gets at most all of them */
	u = unit_check(UNIT_HEAD "limits {\n  cpu_overcommit = 2\n}\n" SRV
		       SVC("a", "  cpus = 2.5\n") PHASE("    a\n"));
	d = unit_diag(u, DIAG_E0302);
	assert_string_equal(d->msg, "phase live runs a on server web with 2.5 vCPU, cpx22 has 2");
	assert_true(unit_has_line(d, "a cpx32 (4 vCPU, 10.49 EUR/month) fits at 31%"));
	const struct mdl_phase *ph = model_phase(u->p, "live");
	struct capacity cap;
	capacity_of(u->p, ph, &ph->placements[0], ph->placements[0].type, &cap);
	assert_int_equal(cap.cpus_max, 2500);
	assert_false(cap.cpu_ok);
}

static void test_disk_grows_from_first_use(void **state)
{
	(void)state;
	/* 10 GB + 5 GB/month: used from 2026-01, checked at each phase's end */
	const char *vol = "  volume v {\n    path = \"/v\"\n    size = 10 GB\n"
			  "    growth = 5 GB/month\n  }\n";
	char src[2048];
	snprintf(src, sizeof(src), "%s%s%s%s%s", UNIT_HEAD, SRV,
		 "service db {\n  image = \"d:1\"\n  ram = 1 GB\n", vol,
		 "}\nphase a {\n  months = 6\n  run on web {\n    db\n  }\n}\n"
		 "phase b {\n  run on web {\n    db\n  }\n}\n");
	u = unit_check(src);
	/* end of a: 10 + 5*6 = 40 GB fits in 80; end of b: 10 + 5*12 = 70 fits */
	assert_clean();
	const struct mdl_phase *b = model_phase(u->p, "b");
	struct capacity cap;
	capacity_of(u->p, b, &b->placements[0], b->placements[0].type, &cap);
	assert_int_equal(cap.disk, 70 * UNITS_GIB);
	assert_int_equal(cap.disk_month, units_month_index(2026, 12));
	unit_teardown(NULL);

	snprintf(src, sizeof(src), "%s%s%s%s%s", UNIT_HEAD, SRV,
		 "service db {\n  image = \"d:1\"\n  ram = 1 GB\n", vol,
		 "  volume w {\n    path = \"/w\"\n    size = 11 GB\n  }\n"
		 "}\nphase live {\n  run on web {\n    db\n  }\n}\n");
	u = unit_check(src);
	const struct diag *d = unit_diag(u, DIAG_E0303);
	assert_string_equal(d->msg, "phase live overloads server web: volumes grow to 81 GB by "
				    "2026-12, cpx22 has 80 GB of disk");
}

static void test_needs_on_the_same_server(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV "server db {\n  type = cpx22\n}\n"
		       SVC("app", "  needs = [pg]\n") SVC("pg", "")
		       "phase live {\n  run on web {\n    app\n  }\n  run on db {\n    pg\n  }\n}\n");
	const struct diag *d = unit_diag(u, DIAG_E0402);
	assert_string_equal(d->msg, "app needs pg, which does not run on web in phase live");
	assert_true(unit_has_line(d, "pg runs on db in this phase"));
	unit_teardown(NULL);
	/* not running at all is the same error, without the note */
	u = unit_check(UNIT_HEAD SRV SVC("app", "  needs = [pg]\n") SVC("pg", "")
		       PHASE("    app\n"));
	d = unit_diag(u, DIAG_E0402);
	assert_false(unit_has_line(d, "in this phase;"));
	unit_teardown(NULL);
	/* with a port, the other server is reached over the private network */
	u = unit_check(UNIT_HEAD SRV "server db {\n  type = cpx22\n}\n"
		       SVC("app", "  needs = [pg]\n") SVC("pg", "  port = 5432\n")
		       "phase live {\n  run on web {\n    app\n  }\n  run on db {\n    pg\n  }\n}\n");
	assert_int_equal(unit_count(u, DIAG_E0402), 0);
	assert_int_equal(u->dl.errors, 0);
}

static void test_cycles(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV SVC("a", "  needs = [b]\n") SVC("b", "  needs = [a]\n")
		       SVC("c", "  needs = [a]\n") PHASE("    a\n    b\n    c\n"));
	assert_int_equal(unit_count(u, DIAG_E0403), 1);
	assert_string_equal(unit_diag(u, DIAG_E0403)->msg, "dependency cycle: a -> b -> a");
	unit_teardown(NULL);
	/* a phase override can close a cycle the declarations do not have */
	u = unit_check(UNIT_HEAD SRV SVC("a", "  needs = [b]\n") SVC("b", "")
		       "phase live {\n  run on web {\n    a\n    b\n  }\n"
		       "  service b {\n    needs = [a]\n  }\n}\n");
	assert_int_equal(unit_count(u, DIAG_E0403), 1);
}

static void test_placement_once_per_phase(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV "server w2 {\n  type = cpx22\n}\n" SVC("a", "")
		       "phase live {\n  run on web {\n    a\n    a\n  }\n"
		       "  run on w2 {\n    a\n  }\n}\n");
	/* without volumes a may run on two servers, never twice on one */
	assert_int_equal(unit_count(u, DIAG_E0404), 1);
	assert_string_equal(u->dl.items[0]->msg, "a is listed twice in `run on web`");
	unit_teardown(NULL);
	u = unit_check(UNIT_HEAD SRV "server w2 {\n  type = cpx22\n}\n"
		       SVC("a", "  volume v {\n    path = \"/v\"\n    size = 1 GB\n  }\n")
		       "phase live {\n  run on web {\n    a\n  }\n"
		       "  run on w2 {\n    a\n  }\n}\n");
	assert_int_equal(unit_count(u, DIAG_E0404), 1);
	assert_string_equal(unit_diag(u, DIAG_E0404)->msg, "a runs on web and on w2 in phase live");
}

static void test_override_of_what_does_not_run(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV "server w2 {\n  type = cpx22\n}\n" SVC("a", "") SVC("b", "")
		       "phase live {\n  run on web {\n    a\n  }\n"
		       "  service b {\n    ram = 1 GB\n  }\n"
		       "  server w2 {\n    type = cpx32\n  }\n}\n");
	assert_int_equal(unit_count(u, DIAG_E0405), 2);
}

static void test_phases_in_time(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV SVC("a", "")
		       "phase p1 {\n  start = 2026-01\n  months = 6\n  run on web {\n    a\n  }\n}\n"
		       "phase p2 {\n  start = 2026-05\n  months = 3\n  run on web {\n    a\n  }\n}\n"
		       "phase p3 {\n  start = 2026-11\n  months = 6\n  run on web {\n    a\n  }\n}\n");
	const struct diag *d = unit_diag(u, DIAG_E0501);
	assert_string_equal(d->msg, "phase p2 starts 2026-05, before phase p1 ends");
	assert_true(unit_has_line(d, "start p2 at 2026-07"));
	d = unit_diag(u, DIAG_E0502);
	assert_string_equal(d->msg, "phase p3 (2026-11 .. 2027-04) is outside the horizon");
	d = unit_diag(u, DIAG_W0503);
	assert_string_equal(d->msg, "2026-08 .. 2026-10 (3 months) of the horizon are in no phase");
	assert_int_equal(u->dl.warnings, 1);
}

static void test_ports(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV SVC("a", "  publish = [8000, 80]\n")
		       SVC("b", "  publish = 8000\n") PHASE("    a\n    b\n"));
	assert_int_equal(unit_count(u, DIAG_E0603), 1);
	const struct diag *d = unit_diag(u, DIAG_E0602);
	assert_string_equal(d->msg, "port 8000 is published by a and b on server web in phase live");
	unit_teardown(NULL);
	/* the same port on two servers, or in two phases, is fine */
	u = unit_check(UNIT_HEAD SRV "server w2 {\n  type = cpx22\n}\n"
		       SVC("a", "  publish = 8000\n") SVC("b", "  publish = 8000\n")
		       "phase live {\n  run on web {\n    a\n  }\n  run on w2 {\n    b\n  }\n}\n");
	assert_clean();
}

#define PROXY "proxy px {\n  image = \"nginx:1.27\"\n  ram = 64 MB\n}\n"

static void test_private_network(void **state)
{
	(void)state;
	/* pg's port goes on db's private address: app publishing the same
	 * port there clashes; 5432 in public is a warning */
	u = unit_check(UNIT_HEAD SRV "server db {\n  type = cpx22\n}\n"
		       SVC("app", "  needs = [pg]\n") SVC("pg", "  port = 5432\n")
		       SVC("other", "  publish = 5432\n")
		       "phase live {\n  run on web {\n    app\n  }\n"
		       "  run on db {\n    other\n    pg\n  }\n}\n");
	assert_int_equal(unit_count(u, DIAG_E0602), 1);
	assert_int_equal(unit_count(u, DIAG_W0609), 1);
	assert_true(unit_has_line(unit_diag(u, DIAG_E0602), "private address"));
	const struct mdl_project *p = u->p;
	assert_int_equal(p->servers[0].private_ip, 0x0a000002u);
	assert_int_equal(p->servers[1].private_ip, 0x0a000003u);
}

static void test_domains(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV PROXY
		       SVC("a", "  port = 80\n  domain = \"a.example.com\"\n")
		       SVC("b", "  port = 81\n  domain = \"a.example.com\"\n")
		       SVC("c", "  domain = \"c.example.com\"\n")
		       SVC("d", "  domain = \"not a domain\"\n")
		       PHASE("    px\n    a\n    b\n    c\n    d\n"));
	assert_int_equal(unit_count(u, DIAG_E0605), 1);
	assert_int_equal(unit_count(u, DIAG_E0607), 1);
	assert_int_equal(unit_count(u, DIAG_E0604), 1);
	assert_int_equal(unit_count(u, DIAG_E0606), 0);
	/* a `port` is what the proxy forwards to, not a published port */
	assert_int_equal(unit_count(u, DIAG_E0603), 0);
	unit_teardown(NULL);
	u = unit_check(UNIT_HEAD SRV SVC("a", "  port = 80\n  domain = \"a.example.com\"\n")
		       PHASE("    a\n"));
	assert_string_equal(unit_diag(u, DIAG_E0606)->msg,
			    "a serves a.example.com, but no proxy runs on web in phase live");
}

static void test_secrets(void **state)
{
	(void)state;
	assert_true(check_is_secret_name("POSTGRES_PASSWORD"));
	assert_true(check_is_secret_name("api_key"));
	assert_true(check_is_secret_name("GITHUB_TOKEN"));
	assert_true(check_is_secret_name("SECRET"));
	assert_false(check_is_secret_name("KEYCLOAK_URL"));
	assert_false(check_is_secret_name("MONKEY"));
	assert_false(check_is_secret_name("LOG_LEVEL"));
	u = unit_check(UNIT_HEAD SRV
		       SVC("a", "  env {\n    DB_PASSWORD = \"x\"\n    EMPTY_TOKEN = \"\"\n"
			   "    API_KEY = secret(\"API_KEY\")\n    HOME_KEY = env(\"K\")\n  }\n")
		       PHASE("    a\n"));
	assert_int_equal(unit_count(u, DIAG_E0701), 1);
	assert_string_equal(unit_diag(u, DIAG_E0701)->msg,
			    "DB_PASSWORD of a looks like a secret but is written in the file");
}

#define D64 "4f9ee2a1ab1b25f1a76e4a6d0d4f8e4ca4a3b2b9c1f1d9bb2d9b1e0a9c8d7e6f"

/* E0903: what docker would refuse to pull, each with the reason. */
static void test_image_references(void **state)
{
	(void)state;
	static const char *const good[] = {
		"nginx", "nginx:1.27", "ghcr.io/acme/shop:1.4", "localhost:5000/a/b",
		"my__name/a-b--c:v1_2-rc.3", "odoo:17@sha256:" D64, "127.0.0.1:5000/app", NULL,
	};
	for (const char *const *g = good; *g; g++)
		if (imageref_check(*g))
			fail_msg("'%s' refused: %s", *g, imageref_check(*g));
	static const struct { const char *ref, *why; } bad[] = {
		{ "Acme/Shop:1.4", "is not an image name" }, { "sh op:1", "is not an image name" },
		{ "a-_b", "is not an image name" }, { "a//b", "is not an image name" },
		{ "shop:", "has no valid tag" }, { "shop:-1", "has no valid tag" },
		{ "shop@sha256:abc", "has no valid digest" }, { "gh?cr.io/a", "names no valid registry" },
		{ "", "is not an image name" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const char *why = imageref_check(bad[i].ref);
		if (!why || strncmp(why, bad[i].why, strlen(bad[i].why)))
			fail_msg("'%s': %s", bad[i].ref, why ? why : "taken");
	}
	u = unit_check(UNIT_HEAD SRV SVC("a", "") "service b {\n  image = \"Acme/B:1\"\n  ram = 1 GB\n}\n"
		       PHASE("    a\n    b\n"));
	assert_int_equal(unit_count(u, DIAG_E0903), 1);
	assert_string_equal(unit_diag(u, DIAG_E0903)->msg, "image 'Acme/B:1' of b is not an image "
			    "name (lower-case letters, digits, and '.', '_', '-' between them)");
}

static void test_warnings_do_not_fail(void **state)
{
	(void)state;
	u = unit_check(UNIT_HEAD SRV "server idle {\n  type = cpx22\n}\n"
		       "service a {\n  image = \"acme/a\"\n  ram = 1 GB\n}\n"
		       "service b {\n  image = \"acme/b:latest\"\n  ram = 1 GB\n}\n"
		       "service c {\n  image = \"acme/c@sha256:" D64 "\"\n  ram = 1 GB\n}\n"
		       "service unused {\n  image = \"u:1\"\n  ram = 1 GB\n}\n"
		       PHASE("    a\n    b\n    c\n"));
	assert_int_equal(u->dl.errors, 0);
	assert_int_equal(unit_count(u, DIAG_W0901), 2);
	assert_int_equal(unit_count(u, DIAG_W0902), 2);
	assert_int_equal(diag_code_severity(DIAG_W0902), DIAG_WARNING);
}

/* The figures the issue names for the reference file. */
static void test_becker_capacity(void **state)
{
	(void)state;
	struct compilation c;
	char path[512];
	assert_true(compile_path(&c, unit_becker_path(path, sizeof(path))));
	const struct mdl_project *p = c.project;
	struct quantity q;
	struct capacity cap;

	const struct mdl_phase *dev = model_phase(p, "dev_test");
	capacity_of(p, dev, &dev->placements[0], dev->placements[0].type, &cap);
	assert_int_equal(units_parse("6.9", "GB", &q), UNITS_OK);
	assert_int_equal(cap.ram_lo, q.v);
	assert_int_equal(cap.ram_hi, q.v);
	assert_int_equal(cap.ram_total, 16 * UNITS_GIB);
	assert_int_equal(units_percent_of(cap.ram_hi, cap.ram_total), 43);
	assert_int_equal(units_parse("12.8", "GB", &q), UNITS_OK);
	assert_int_equal(cap.ram_usable, q.v);
	assert_true(capacity_fits(&cap));

	const struct mdl_phase *prod = model_phase(p, "production");
	capacity_of(p, prod, &prod->placements[0], prod->placements[0].type, &cap);
	assert_int_equal(units_parse("8.1", "GB", &q), UNITS_OK);
	assert_int_equal(cap.ram_lo, q.v);
	assert_int_equal(units_parse("9.1", "GB", &q), UNITS_OK);
	assert_int_equal(cap.ram_hi, q.v);
	assert_int_equal(units_percent_of(cap.ram_lo, cap.ram_total), 51);
	assert_int_equal(units_percent_of(cap.ram_hi, cap.ram_total), 57);
	/* pgdata 5 GB + 2 GB/month for 36 months from 2026-02, odoo_test's
	 * filestore 1 GB + 0.2 GB/month for 36 months, odoo_prod's 2 GB +
	 * 1 GB/month for its 30 months: 77 + 8.2 + 32 GB */
	assert_int_equal(units_parse("117.2", "GB", &q), UNITS_OK);
	assert_int_equal(cap.disk, q.v);

	/* the cheapest type that carries production is a cpx42 (16 GB) */
	const struct mdl_type *t = capacity_cheapest_fit(p, prod, &prod->placements[0]);
	assert_non_null(t);
	assert_int_equal(t->ram, 16 * UNITS_GIB);
	compile_release(&c);
}

/* file() reads through the reader compile_source was given: the unit
 * reader's table here, never the file system. */
static void test_file_reads_through_the_reader(void **state)
{
	(void)state;
	static const char *const files[] = {
		"keys/ops.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO ops@laptop\n",
		NULL,
	};
	unit_files = files;
	u = unit_check(UNIT_HEAD "ssh_key ops {\n  public_key = file(\"keys/ops.pub\")\n}\n"
		       "ssh_key gone {\n  public_key = file(\"keys/gone.pub\")\n}\n");
	assert_int_equal(u->p->nkeys, 2);
	assert_string_equal(u->p->keys[0].public_key,
			    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO ops@laptop");
	const struct diag *d = unit_diag(u, DIAG_E0006);
	assert_string_equal(d->msg, "cannot read 'keys/gone.pub': No such file or directory");
	assert_int_equal(d->loc.line, 9);
	assert_int_equal(unit_count(u, DIAG_E0006), 1);
	unit_files = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_valid_file_is_clean, unit_teardown),
		cmocka_unit_test_teardown(test_ram_upper_bound_against_headroom, unit_teardown),
		cmocka_unit_test_teardown(test_cpu_and_overcommit, unit_teardown),
		cmocka_unit_test_teardown(test_disk_grows_from_first_use, unit_teardown),
		cmocka_unit_test_teardown(test_needs_on_the_same_server, unit_teardown),
		cmocka_unit_test_teardown(test_cycles, unit_teardown),
		cmocka_unit_test_teardown(test_placement_once_per_phase, unit_teardown),
		cmocka_unit_test_teardown(test_override_of_what_does_not_run, unit_teardown),
		cmocka_unit_test_teardown(test_phases_in_time, unit_teardown),
		cmocka_unit_test_teardown(test_ports, unit_teardown),
		cmocka_unit_test_teardown(test_private_network, unit_teardown),
		cmocka_unit_test_teardown(test_domains, unit_teardown),
		cmocka_unit_test_teardown(test_secrets, unit_teardown),
		cmocka_unit_test_teardown(test_image_references, unit_teardown),
		cmocka_unit_test_teardown(test_warnings_do_not_fail, unit_teardown),
		cmocka_unit_test_teardown(test_file_reads_through_the_reader, unit_teardown),
		cmocka_unit_test(test_becker_capacity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
