/* lsp: positions in UTF-16 code units, the attributes completion offers
 * (each one the front end accepts where it is offered), hover's exact
 * values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "lsp_complete.h"
#include "lsp_doc.h"
#include "lsp_query.h"

static void doc_open(struct lsp_doc *d, const char *text)
{
	struct strbuf t = STRBUF_INIT;
	strbuf_addstr(&t, text);
	lsp_doc_open(d, "untitled:t.infra", 1, &t);
}

static void test_utf16_positions(void **state)
{
	(void)state;
	struct lsp_doc d;
	doc_open(&d, "a\xF0\x9F\x98\x80\xC3\xA9z\nb");
	assert_int_equal(lsp_doc_offset(&d, 0, 1), 1);
	assert_int_equal(lsp_doc_offset(&d, 0, 3), 5);   /* after the surrogate pair */
	assert_int_equal(lsp_doc_offset(&d, 0, 4), 7);   /* after é */
	assert_int_equal(lsp_doc_offset(&d, 0, 99), 8);  /* clamped to the line */
	assert_int_equal(lsp_doc_offset(&d, 1, 0), 9);
	assert_int_equal(lsp_doc_offset(&d, 7, 0), 10);  /* past the end */
	uint32_t line, ch;
	lsp_doc_position(&d, 7, &line, &ch);
	assert_int_equal(line, 0);
	assert_int_equal(ch, 4);
	lsp_doc_position(&d, 10, &line, &ch);
	assert_int_equal(line, 1);
	assert_int_equal(ch, 1);
	assert_int_equal(lsp_doc_text_offset(lsp_doc_text(&d), lsp_doc_len(&d), 0, 3), 5);
	assert_int_equal(lsp_doc_text_offset(lsp_doc_text(&d), lsp_doc_len(&d), 1, 1), 10);
	lsp_doc_release(&d);
}

/* Contexts with an empty line (@) where completion offers attributes. */
static const char *const contexts[] = {
	"project p {\n@\n}\n", "limits {\n@\n}\n", "server_type t1 {\n@\n}\n",
	"ssh_key k {\n@\n}\n", "server s {\n@\n}\n", "service a {\n@\n}\n",
	"proxy n {\n@\n}\n", "service a {\n  volume v {\n@\n  }\n}\n", "phase p {\n@\n}\n",
	"phase p {\n  server s {\n@\n  }\n}\n", "phase p {\n  service a {\n@\n  }\n}\n",
	"phase p {\n  proxy n {\n@\n  }\n}\n", "scenario x {\n@\n}\n", NULL,
};

static const char defs[] = "server s {\n  type = cpx22\n}\nservice a {\n  image = \"a:1\"\n"
			   "  ram = 1 GB\n}\nproxy n {\n  image = \"n:1\"\n  ram = 1 GB\n}\n";

/* ctx with @ replaced by line, after defs */
static bool accepted(const char *ctx, const char *line, bool block)
{
	struct strbuf t = STRBUF_INIT;
	strbuf_addstr(&t, defs);
	const char *at = strchr(ctx, '@');
	strbuf_add(&t, ctx, (size_t)(at - ctx));
	strbuf_addf(&t, block ? "  %s x {\n  }" : "  %s = 1", line);
	strbuf_addstr(&t, at + 1);
	struct lsp_doc d;
	lsp_doc_open(&d, "untitled:t.infra", 1, &t);
	bool ok = true;
	for (size_t i = 0; i < d.c.diags.n; i++) {
		enum diag_code c = d.c.diags.items[i]->code;
		if (c == DIAG_E0101 || c == DIAG_E0102 || c == DIAG_E0108 || c == DIAG_E0001) {
			print_message("%s: %s\n", line, d.c.diags.items[i]->msg);
			ok = false;
		}
	}
	lsp_doc_release(&d);
	return ok;
}

static void test_attributes_accepted(void **state)
{
	(void)state;
	assert_false(accepted(contexts[0], "bogus", false)); /* the test can fail */
	assert_false(accepted(contexts[0], "bogus", true));
	for (const char *const *ctx = contexts; *ctx; ctx++) {
		struct lsp_doc d;
		struct strbuf t = STRBUF_INIT;
		strbuf_addstr(&t, defs);
		size_t at = t.len + (size_t)(strchr(*ctx, '@') - *ctx);
		strbuf_addstr(&t, *ctx);
		t.buf[at] = ' ';
		lsp_doc_open(&d, "untitled:t.infra", 1, &t);
		struct json_object *items = lsp_complete_at(&d, at + 1);
		size_t n = json_object_array_length(items), checked = 0;
		for (size_t i = 0; i < n; i++) {
			struct json_object *it = json_object_array_get_idx(items, i), *k, *l;
			json_object_object_get_ex(it, "kind", &k);
			json_object_object_get_ex(it, "label", &l);
			int kind = json_object_get_int(k);
			const char *label = json_object_get_string(l);
			if (kind != 10 && kind != 14)
				continue; /* names */
			if (!strcmp(label, "run"))
				label = "run on"; /* run's header has two words */
			assert_true(accepted(*ctx, label, kind == 14));
			checked++;
		}
		assert_true(checked > 0);
		json_object_put(items);
		lsp_doc_release(&d);
	}
}

static void test_hover_exact(void **state)
{
	(void)state;
	struct lsp_doc d;
	doc_open(&d, "limits {\n  headroom = 12.5%\n}\nservice a {\n  ram = 0.1 GB .. 1.5 TB\n}\n");
	const char *t = lsp_doc_text(&d);
	struct strbuf out = STRBUF_INIT;
	struct loc span;
	assert_true(lsp_query_hover(&d, (size_t)(strstr(t, "0.1") - t), &out, &span));
	assert_non_null(strstr(out.buf, "exactly 102.4 MiB"));
	assert_int_equal(span.off, strstr(t, "0.1") - t);
	strbuf_reset(&out);
	assert_true(lsp_query_hover(&d, (size_t)(strstr(t, "1.5") - t), &out, &span));
	assert_non_null(strstr(out.buf, "exactly 1572864 MiB = 1649267441664 bytes"));
	strbuf_reset(&out);
	assert_true(lsp_query_hover(&d, (size_t)(strstr(t, "12.5") - t), &out, &span));
	assert_non_null(strstr(out.buf, "exactly 0.125"));
	assert_non_null(strstr(out.buf, "basis points: 1250"));
	strbuf_release(&out);
	lsp_doc_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf16_positions),
		cmocka_unit_test(test_attributes_accepted),
		cmocka_unit_test(test_hover_exact),
	};
	return cmocka_run_group_tests_name("lsp", tests, NULL, NULL);
}
