/* graph: what graph_dot writes of strings that check never lets through
 * (a quote, a backslash, a control character), for a model that did not
 * come from check or a rule of check that one day lets more through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "graph.h"
#include "unit.h"

static const char one[] = UNIT_HEAD
	"server main {\n"
	"  type = cpx22\n"
	"}\n"
	"service app {\n"
	"  image = \"acme/app:1\"\n"
	"  ram   = 1 GB\n"
	"}\n"
	"phase live {\n"
	"  start = 2026-01\n"
	"  run on main {\n"
	"    app\n"
	"  }\n"
	"}\n";

/* The graph of u's model, as a string the caller frees. */
static char *graph_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	graph_dot(u->p, NULL, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_label_escaped(void **state)
{
	(void)state;
	u = unit_check(one);
	assert_int_equal(u->dl.n, 0);
	assert_int_equal(u->p->nphases, 1);
	const struct mdl_placement *pl = &u->p->phases[0].placements[0];
	/* the model's strings live in the compilation's arena, ours to change */
	((struct mdl_service *)pl->services[0])->image = "acme/a\"b\\c\001d:1";
	char *dot = graph_text();
	assert_non_null(strstr(dot, "[label=\"app\\nacme/a\\\"b\\\\c?d:1\\n1 GB\"];\n"));
	free(dot);
}

static void test_plain_label(void **state)
{
	(void)state;
	u = unit_check(one);
	char *dot = graph_text();
	assert_non_null(strstr(dot, "\"live/main/app\" [label=\"app\\nacme/app:1\\n1 GB\"];\n"));
	free(dot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_label_escaped, unit_teardown),
		cmocka_unit_test_teardown(test_plain_label, unit_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
