/* The front end: AST shape, exact locations, lexical errors and recovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "unit.h"

static void assert_loc(struct loc l, uint32_t line, uint32_t col, uint32_t end_line,
		       uint32_t end_col)
{
	assert_int_equal(l.line, line);
	assert_int_equal(l.col, col);
	uint32_t el, ec;
	diag_loc_end(&u->src, l, &el, &ec);
	assert_int_equal(el, end_line);
	assert_int_equal(ec, end_col);
}

/* The source text a span covers. */
static void assert_span(struct loc l, const char *text)
{
	assert_int_equal(l.end_off - l.off, strlen(text));
	assert_memory_equal(u->src.text + l.off, text, strlen(text));
}

static void test_block_and_attributes(void **state)
{
	(void)state;
	u = unit_parse("project becker {\n"
		       "  start   = 2026-02   # first month\n"
		       "  horizon = 36 months\n"
		       "}\n");
	assert_true(u->parsed);
	assert_int_equal(u->dl.n, 0);
	const struct ast_item *p = u->ast.items;
	assert_non_null(p);
	assert_null(p->next);
	assert_int_equal(p->kind, AST_BLOCK);
	assert_string_equal(p->name, "project");
	assert_string_equal(p->words->name, "becker");
	assert_null(p->words->next);
	assert_loc(p->loc, 1, 1, 4, 1);
	assert_span(ast_name_loc(p), "project");
	assert_span(p->words->loc, "becker");
	assert_span(p->open_loc, "{");

	const struct ast_item *start = p->items;
	assert_int_equal(start->kind, AST_ATTR);
	assert_string_equal(start->name, "start");
	assert_loc(ast_name_loc(start), 2, 3, 2, 7);
	assert_int_equal(start->value->kind, AST_DATE);
	assert_int_equal(start->value->u.date.year, 2026);
	assert_int_equal(start->value->u.date.month, 2);
	assert_int_equal(start->value->u.date.day, 0);
	assert_loc(start->value->loc, 2, 13, 2, 19);
	assert_span(start->value->loc, "2026-02");
	assert_null(start->from);

	const struct ast_item *h = start->next;
	assert_string_equal(h->name, "horizon");
	assert_int_equal(h->value->kind, AST_NUMBER);
	assert_string_equal(h->value->u.num.text, "36");
	assert_string_equal(h->value->u.num.unit, "months");
	assert_span(h->value->loc, "36 months");
	assert_span(h->value->u.num.unit_loc, "months");
	assert_null(h->next);
}

/* Lines of bare words, one or several, and words opening a block; a name
 * written twice is one string (the scanner interns names, later stages
 * compare them as pointers). */
static void test_words_and_interned_names(void **state)
{
	(void)state;
	u = unit_parse("phase dev {\n"
		       "  run on main {\n"
		       "    odoo\n"
		       "    a b  c\n"
		       "  }\n"
		       "}\n"
		       "service odoo {\n"
		       "}\n");
	assert_true(u->parsed);
	assert_int_equal(u->dl.n, 0);
	const struct ast_item *ph = u->ast.items;
	const struct ast_item *run = ph->items;
	assert_int_equal(run->kind, AST_BLOCK);
	assert_string_equal(run->name, "run");
	assert_string_equal(run->words->name, "on");
	assert_string_equal(run->words->next->name, "main");
	assert_null(run->words->next->next);
	assert_loc(run->loc, 2, 3, 5, 3);

	const struct ast_item *one = run->items;
	assert_int_equal(one->kind, AST_WORD);
	assert_string_equal(one->name, "odoo");
	assert_loc(one->loc, 3, 5, 3, 8);

	const struct ast_item *three = one->next;
	assert_int_equal(three->kind, AST_WORDS);
	assert_string_equal(three->name, "a");
	assert_string_equal(three->words->name, "b");
	assert_string_equal(three->words->next->name, "c");
	assert_null(three->words->next->next);
	assert_span(three->loc, "a b  c");
	assert_span(three->words->next->loc, "c");
	assert_loc(three->words->next->loc, 4, 10, 4, 10);
	assert_null(three->next);

	const struct ast_item *svc = ph->next;
	assert_string_equal(svc->words->name, "odoo");
	assert_ptr_equal(svc->words->name, one->name);
	assert_ptr_not_equal(svc->words->name, three->name);
}

static void test_values(void **state)
{
	(void)state;
	u = unit_parse("service s {\n"
		       "  ram = 2 GB .. 3 GB\n"
		       "  needs = [a, b,]\n"
		       "  price = 19.49 EUR/month\n"
		       "  e = secret(\"PG\")\n"
		       "  m = cpx52 from production\n"
		       "  d = 2026-02-06\n"
		       "  odoo_dev\n"
		       "}");  /* no final newline */
	assert_true(u->parsed);
	const struct ast_item *it = u->ast.items->items;

	const struct ast_value *v = it->value;
	assert_int_equal(v->kind, AST_RANGE);
	assert_string_equal(v->u.range.lo->u.num.text, "2");
	assert_string_equal(v->u.range.hi->u.num.unit, "GB");
	assert_span(v->loc, "2 GB .. 3 GB");

	it = it->next;
	v = it->value;
	assert_int_equal(v->kind, AST_LIST);
	assert_int_equal(v->n, 2);
	assert_string_equal(v->u.list.first->u.str, "a");
	assert_string_equal(v->u.list.first->next->u.str, "b");
	assert_span(v->loc, "[a, b,]");

	it = it->next;
	assert_string_equal(it->value->u.num.text, "19.49");
	assert_string_equal(it->value->u.num.unit, "EUR/month");
	assert_span(it->value->u.num.unit_loc, "EUR/month");

	it = it->next;
	v = it->value;
	assert_int_equal(v->kind, AST_CALL);
	assert_string_equal(v->u.call.fn, "secret");
	assert_int_equal(v->n, 1);
	assert_string_equal(v->u.call.args->u.str, "PG");
	assert_span(v->u.call.fn_loc, "secret");

	it = it->next;
	assert_string_equal(it->value->u.str, "cpx52");
	assert_non_null(it->from);
	assert_int_equal(it->from->kind, AST_IDENT);
	assert_string_equal(it->from->u.str, "production");

	it = it->next;
	assert_int_equal(it->value->u.date.day, 6);

	it = it->next;
	assert_int_equal(it->kind, AST_WORD);
	assert_string_equal(it->name, "odoo_dev");
	assert_null(it->next);
}

static void test_strings_and_columns(void **state)
{
	(void)state;
	/* columns count characters: "ü" is two bytes, one column */
	u = unit_parse("a = \"grüße \\\"x\\\"\\n\" # ü\n"
		       "b = 1\n");
	assert_true(u->parsed);
	const struct ast_item *a = u->ast.items;
	assert_string_equal(a->value->u.str, "grüße \"x\"\n");
	assert_loc(a->value->loc, 1, 5, 1, 19);
	const struct ast_item *b = a->next;
	assert_loc(b->loc, 2, 1, 2, 5);
	/* offsets are bytes: line 1 is 27 bytes with its newline */
	assert_int_equal(b->loc.off, 27);
}

static void test_nested_blocks(void **state)
{
	(void)state;
	u = unit_parse("phase p {\n  run on main {\n    a\n    b\n  }\n}\n");
	assert_true(u->parsed);
	const struct ast_item *run = u->ast.items->items;
	assert_string_equal(run->name, "run");
	assert_string_equal(run->words->name, "on");
	assert_string_equal(run->words->next->name, "main");
	assert_string_equal(run->items->name, "a");
	assert_string_equal(run->items->next->name, "b");
	assert_loc(run->items->next->loc, 4, 5, 4, 5);
}

static void test_recovery_reports_every_broken_line(void **state)
{
	(void)state;
	u = unit_parse("server web {\n"
		       "  type = = cpx22\n"   /* 2 */
		       "  image \"x\"\n"      /* 3 */
		       "  ok = 1\n"
		       "  ram = 1 GB ..\n"    /* 5 */
		       "}\n"
		       "service s {\n"
		       "  ram = [1, \n"
		       "  ]] \n"              /* 9 */
		       "}\n");
	assert_false(u->parsed);
	assert_int_equal(unit_count(u, DIAG_E0001), 4);
	assert_int_equal(u->dl.errors, 4);
	uint32_t lines[4];
	size_t k = 0;
	for (size_t i = 0; i < u->dl.n; i++)
		lines[k++] = u->dl.items[i]->loc.line;
	assert_int_equal(lines[0], 2);
	assert_int_equal(lines[1], 3);
	assert_int_equal(lines[2], 5);
	assert_int_equal(lines[3], 9);
	/* the '=' hint on the line that lacks one */
	assert_true(unit_has_line(u->dl.items[1], "'=' missing"));
	assert_false(unit_has_line(u->dl.items[0], "'=' missing"));
	/* the items around the broken lines survive */
	const struct ast_item *srv = u->ast.items;
	assert_string_equal(srv->name, "server");
	const struct ast_item *ok = srv->items;
	while (ok && strcmp(ok->name, "ok"))
		ok = ok->next;
	assert_non_null(ok);
}

static void test_lexical_errors(void **state)
{
	(void)state;
	u = unit_parse("a = \"open\n"
		       "b = 1 GB;\n"
		       "c = \"x\\q\"\n");
	assert_false(u->parsed);
	const struct diag *d = unit_diag(u, DIAG_E0002);
	assert_int_equal(d->loc.line, 1);
	assert_int_equal(d->loc.col, 5);
	d = unit_diag(u, DIAG_E0003);
	assert_int_equal(d->loc.line, 2);
	assert_int_equal(d->loc.col, 9);
	assert_string_equal(d->msg, "unexpected character ';'");
	d = unit_diag(u, DIAG_E0004);
	assert_int_equal(d->loc.line, 3);
	assert_int_equal(d->loc.end_off - d->loc.off, 2); /* the \q */
	assert_memory_equal(u->src.text + d->loc.off, "\\q", 2);
}

static void test_hints_for_missing_equals_and_stray_brace(void **state)
{
	(void)state;
	u = unit_parse("service a {\n  needs [b]\n}\n}\n");
	assert_int_equal(unit_count(u, DIAG_E0001), 2);
	assert_true(unit_has_line(u->dl.items[0], "'=' missing"));
	assert_int_equal(u->dl.items[1]->loc.line, 4);
	assert_true(unit_has_line(u->dl.items[1], "no block is open here"));
}

static void test_control_bytes_are_shown_escaped(void **state)
{
	(void)state;
	u = unit_parse("a = 1 \001\177\n");
	assert_string_equal(unit_diag(u, DIAG_E0003)->msg, "unexpected characters '\\x01\\x7f'");
}

static void test_unclosed_block_points_at_its_brace(void **state)
{
	(void)state;
	u = unit_parse("service s {\n  ram = 1 GB\n\nphase p {\n  x = 1\n}\n");
	assert_false(u->parsed);
	const struct diag *d = unit_diag(u, DIAG_E0005);
	assert_loc(d->loc, 1, 11, 1, 11);
	assert_true(unit_has_line(d, "line 1"));
	assert_int_equal(unit_count(u, DIAG_E0001), 0);
}

static void test_syntax_errors_are_capped(void **state)
{
	(void)state;
	char *text = malloc(200 * 8 + 1);
	assert_non_null(text);
	text[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(text, "a = = 1\n");
	u = unit_parse(text);
	free(text);
	assert_false(u->parsed);
	assert_int_equal(u->dl.errors, 200);
	assert_int_equal(u->dl.n, 50); /* the rest are counted, not printed */
}

static void test_empty_and_comment_only(void **state)
{
	(void)state;
	u = unit_parse("");
	assert_true(u->parsed);
	assert_null(u->ast.items);
	unit_teardown(NULL);
	u = unit_parse("# nothing\n\n   \n# here");
	assert_true(u->parsed);
	assert_null(u->ast.items);
}

static void test_byte_order_mark_is_skipped(void **state)
{
	(void)state;
	u = unit_parse("\xEF\xBB\xBFproject p {\n}\n");
	assert_true(u->parsed);
	assert_int_equal(u->ast.items->loc.line, 1);
	assert_int_equal(u->ast.items->loc.col, 1);
	assert_int_equal(u->ast.items->loc.off, 3);
}

static void test_strings_hold_printable_utf8_only(void **state)
{
	(void)state;
	u = unit_parse("a = \"x\033y\"\nb = \"\xC3\xA9\xFF\"\nc = \"caf\xC3\xA9\"\n");
	assert_false(u->parsed);
	const struct diag *d = unit_diag(u, DIAG_E0009);
	assert_loc(d->loc, 1, 7, 1, 7);
	assert_string_equal(d->msg, "a string cannot hold the control character \\x1b");
	d = unit_diag(u, DIAG_E0008);
	assert_loc(d->loc, 2, 7, 2, 7); /* after the one character \xC3\xA9 */
	assert_int_equal(u->dl.n, 2);
}

static void test_one_lexical_error_a_line(void **state)
{
	(void)state;
	u = unit_parse("a = ; ; ;\nb = 1 ;\n");
	assert_int_equal(unit_count(u, DIAG_E0003), 2);
	assert_int_equal(unit_count(u, DIAG_E0001), 0); /* "a =" and its end: the same line */
}

static void test_brace_on_the_next_line(void **state)
{
	(void)state;
	u = unit_parse("service a\n{\n  x = 1\n}\nserver b {\n}\n");
	assert_int_equal(u->dl.n, 1); /* not the '}' that closes the misplaced '{' */
	assert_true(unit_has_line(u->dl.items[0], "`service a {`"));
}

static void test_source_intact_after_nesting_abort(void **state)
{
	(void)state;
	enum { DEPTH = 12000 };
	char *text = malloc(DEPTH * 4 + 1);
	assert_non_null(text);
	for (int i = 0; i < DEPTH; i++)
		memcpy(text + i * 4, "a {\n", 4);
	text[DEPTH * 4] = '\0';
	u = unit_parse(text);
	free(text);
	assert_false(u->parsed);
	assert_true(unit_has_line(unit_diag(u, DIAG_E0001), "not thousands"));
	assert_null(memchr(u->src.text, '\0', u->src.len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_block_and_attributes, unit_teardown),
		cmocka_unit_test_teardown(test_words_and_interned_names, unit_teardown),
		cmocka_unit_test_teardown(test_values, unit_teardown),
		cmocka_unit_test_teardown(test_strings_and_columns, unit_teardown),
		cmocka_unit_test_teardown(test_nested_blocks, unit_teardown),
		cmocka_unit_test_teardown(test_recovery_reports_every_broken_line, unit_teardown),
		cmocka_unit_test_teardown(test_lexical_errors, unit_teardown),
		cmocka_unit_test_teardown(test_hints_for_missing_equals_and_stray_brace, unit_teardown),
		cmocka_unit_test_teardown(test_control_bytes_are_shown_escaped, unit_teardown),
		cmocka_unit_test_teardown(test_unclosed_block_points_at_its_brace, unit_teardown),
		cmocka_unit_test_teardown(test_syntax_errors_are_capped, unit_teardown),
		cmocka_unit_test_teardown(test_empty_and_comment_only, unit_teardown),
		cmocka_unit_test_teardown(test_byte_order_mark_is_skipped, unit_teardown),
		cmocka_unit_test_teardown(test_strings_hold_printable_utf8_only, unit_teardown),
		cmocka_unit_test_teardown(test_one_lexical_error_a_line, unit_teardown),
		cmocka_unit_test_teardown(test_brace_on_the_next_line, unit_teardown),
		cmocka_unit_test_teardown(test_source_intact_after_nesting_abort, unit_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
