/* fmt on buffers, as the language server calls it: each rule of the
 * layout on a small text, each result a fixed point; syntax errors leave
 * the output alone; fmt_same_tree tells a change of meaning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"

/* fmt(in) must be want, and fmt(want) want again. */
static void assert_fmt(const char *in, const char *want)
{
	const char *texts[2] = { in, want };
	for (int i = 0; i < 2; i++) {
		struct compilation c;
		struct strbuf out = STRBUF_INIT;
		enum fmt_status st = fmt_buffer(&c, "t.infra", texts[i], strlen(texts[i]), &out);
		compile_release(&c);
		assert_int_equal(st, FMT_OK);
		assert_string_equal(out.buf, want);
		strbuf_release(&out);
	}
}

static void test_alignment_runs(void **state)
{
	(void)state;
	/* a blank line and a nested block end a run; comments do not */
	assert_fmt("service a {\nimage = \"x:1\"\n# the memory\nram=1 GB\n\nport = 80\n"
		   "env {\nK = \"v\"\n}\ncpus = 1\nrestart = no\n}\n",
		   "service a {\n  image = \"x:1\"\n  # the memory\n  ram   = 1 GB\n\n  port = 80\n"
		   "  env {\n    K = \"v\"\n  }\n  cpus    = 1\n  restart = no\n}\n");
}

static void test_values(void **state)
{
	(void)state;
	assert_fmt("limits {\nheadroom = 20 %\nbudget = 25EUR / month\n}\n"
		   "service s {\nram = 1GB..2 GB\npublish = [ 8080 : 80 , 9000, ]\n"
		   "command = [\"a\\\"b\"]\nimage = env( \"IMG\" )\n}\n",
		   "limits {\n  headroom = 20%\n  budget   = 25 EUR/month\n}\n\n"
		   "service s {\n  ram     = 1 GB .. 2 GB\n  publish = [8080:80, 9000]\n"
		   "  command = [\"a\\\"b\"]\n  image   = env(\"IMG\")\n}\n");
}

static void test_blocks_and_blank_lines(void **state)
{
	(void)state;
	assert_fmt("\n\nproject p { start = 2026-01 }\nserver s {}\n\n\n\nphase x {\n\n"
		   "run on s { a\nb }\n\n}\n",
		   "project p {\n  start = 2026-01\n}\n\nserver s {}\n\nphase x {\n"
		   "  run on s {\n    a\n    b\n  }\n}\n");
}

static void test_comments(void **state)
{
	(void)state;
	/* own-line comments keep their line and their item; a comment inside
	 * a value on one line moves above its item; trailing comments of a
	 * run share a column */
	assert_fmt("# head\n\nproject p { # the project\nstart = 2026-01 # first\n"
		   "horizon = 12 months   # long enough\nlocation = env(\"L\" # where\n)\n"
		   "# dangling\n}\n# tail",
		   "# head\n\nproject p {                   # the project\n"
		   "  start    = 2026-01          # first\n"
		   "  horizon  = 12 months        # long enough\n  # where\n"
		   "  location = env(\"L\")\n  # dangling\n}\n# tail\n");
	assert_fmt("server s {\n  ssh_keys = [\n  a, # one\n\n\n  # two\n  b\n  ]\n}\n",
		   "server s {\n  ssh_keys = [\n    a,                        # one\n\n"
		   "    # two\n    b,\n  ]\n}\n");
	assert_fmt("", "");
	assert_fmt("# only a comment\n", "# only a comment\n");
}

static void test_syntax_error(void **state)
{
	(void)state;
	struct compilation c;
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, "kept");
	const char *bad = "project p {\n  start = = 2026-01\n}\n";
	assert_int_equal(fmt_buffer(&c, "t.infra", bad, strlen(bad), &out), FMT_SYNTAX);
	assert_string_equal(out.buf, "kept");
	assert_true(c.diags.errors > 0);
	assert_int_equal(c.diags.items[0]->code, DIAG_E0001);
	compile_release(&c);
	strbuf_release(&out);
}

static bool same(const char *a, const char *b)
{
	struct compilation ca, cb;
	struct strbuf ta = STRBUF_INIT, tb = STRBUF_INIT;
	strbuf_addstr(&ta, a);
	strbuf_addstr(&tb, b);
	assert_true(compile_parse(&ca, "a", &ta));
	assert_true(compile_parse(&cb, "b", &tb));
	bool r = fmt_same_tree(&ca.ast, &cb.ast);
	compile_release(&ca);
	compile_release(&cb);
	return r;
}

static void test_same_tree(void **state)
{
	(void)state;
	assert_true(same("s x { a = [1, 2] # c\n}", "s   x {\n  a = [\n 1,\n 2,\n ]\n}\n"));
	assert_false(same("s x { a = 1 GB }", "s x { a = 1 MB }"));
	assert_false(same("s x { a = [1, 2] }", "s x { a = [1] }"));
	assert_false(same("s x { a = \"p\" }", "s x { a = p }"));
	assert_false(same("s x { y }", "s x { y z }"));
	assert_false(same("s x { a = b from c }", "s x { a = b }"));
	assert_false(same("s x { a = 2026-01 }", "s x { a = 2026-02 }"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_runs),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_blocks_and_blank_lines),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_same_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
