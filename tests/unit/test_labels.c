/* Label selectors, label values and resource names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hcloud.h"
#include "plan.h"

static void test_selector(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	assert_string_equal(hcloud_label_selector(&a, "infrac/project", "becker"),
			    "label_selector=infrac%2Fproject%3Dbecker");
	/* everything outside the unreserved set is escaped, so a value cannot
	 * add a clause (",") or another query parameter ("&") */
	assert_string_equal(hcloud_label_selector(&a, "k", "a,b&c=d e"),
			    "label_selector=k%3Da%2Cb%26c%3Dd%20e");
	assert_string_equal(hcloud_query_escape(&a, "ubuntu-24.04_x~"), "ubuntu-24.04_x~");
	assert_string_equal(hcloud_query_escape(&a, "\xc3\xa4"), "%C3%A4");
	arena_release(&a);
}

static void test_values(void **st)
{
	(void)st;
	assert_true(hcloud_label_value_ok(""));
	assert_true(hcloud_label_value_ok("becker"));
	assert_true(hcloud_label_value_ok("odoo_prod-1.x"));
	assert_false(hcloud_label_value_ok("-x"));
	assert_false(hcloud_label_value_ok("x_"));
	assert_false(hcloud_label_value_ok("a b"));
	assert_false(hcloud_label_value_ok("a/b"));
	assert_true(hcloud_label_value_ok("a23456789012345678901234567890123456789012345678901234567890123"));
	assert_false(hcloud_label_value_ok("a234567890123456789012345678901234567890123456789012345678901234"));
}

static void test_names(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	assert_string_equal(desired_name(&a, "becker", "main"), "becker-main");
	assert_string_equal(desired_name(&a, "my_shop", "db_1"), "my-shop-db-1");
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
