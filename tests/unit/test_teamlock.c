/* The project's apply lock: label values and how a holder is described. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "teamlock.h"

static void test_label_value(void **st)
{
	(void)st;
	static const char *const cases[][2] = {
		{ "alice", "alice" },
		{ "john.doe@corp.example", "john.doe-corp.example" },
		{ "-root-", "root" },
		{ "__x__", "x" },
		{ "build box 7", "build-box-7" },
		{ "tab\there", "tab-here" },
		{ "Ünïcode", "n--code" }, /* each byte of UTF-8 that is not ASCII */
		{ "", "unknown" },
		{ "@@@", "unknown" },
		{ "a.", "a" },
	};
	char out[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		teamlock_label_value(cases[i][0], out);
		assert_string_equal(out, cases[i][1]);
		assert_true(hcloud_label_value_ok(out));
	}
	teamlock_label_value(NULL, out);
	assert_string_equal(out, "unknown");
	/* a long host name is cut to 63, and never ends in a separator */
	char longer[128];
	memset(longer, 'h', sizeof(longer));
	longer[62] = '.';
	longer[127] = '\0';
	teamlock_label_value(longer, out);
	assert_int_equal(strlen(out), 62);
	assert_true(hcloud_label_value_ok(out));
}

static void test_describe(void **st)
{
	(void)st;
	struct teamlock_holder h = { .id = 700001, .name = "becker-lock", .infrac = true,
				     .user = "alice", .host = "box", .pid = 1234,
				     .since = 1795750934 /* 2026-11-27T03:42:14Z */ };
	struct strbuf m = STRBUF_INIT;
	static const struct {
		int64_t later;
		const char *age;
	} ages[] = {
		{ 0, "0 s" }, { 119, "119 s" }, { 120, "2 min" }, { 7199, "119 min" },
		{ 7200, "2 h 0 min" }, { 3 * 3600 + 720, "3 h 12 min" }, { 2 * 86400, "2 days" },
	};
	for (size_t i = 0; i < sizeof(ages) / sizeof(*ages); i++) {
		strbuf_reset(&m);
		teamlock_describe(&h, h.since + ages[i].later, &m);
		char want[160];
		snprintf(want, sizeof(want), "alice on box (pid 1234) since 2026-11-27T03:42:14Z (age %s)",
			 ages[i].age);
		assert_string_equal(m.buf, want);
	}
	/* a clock behind the holder's: no negative age */
	strbuf_reset(&m);
	teamlock_describe(&h, h.since - 50, &m);
	assert_non_null(strstr(m.buf, "(age 0 s)"));
	/* labels missing */
	h.pid = 0;
	h.since = -1;
	strbuf_reset(&m);
	teamlock_describe(&h, 0, &m);
	assert_string_equal(m.buf, "alice on box since an unknown time");
	strbuf_release(&m);
}

static void test_name(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	assert_string_equal(teamlock_name(&a, "becker"), "becker-lock");
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_value),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
