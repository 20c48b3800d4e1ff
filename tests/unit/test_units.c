/* units: exact parsing, statuses, arithmetic helpers and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "units.h"

static int64_t parse_ok(const char *num, const char *unit, enum units_dim dim)
{
	struct quantity q;
	assert_int_equal(units_parse(num, unit, &q), UNITS_OK);
	assert_int_equal(q.dim, dim);
	return q.v;
}

static void test_decimal_sums_are_exact(void **state)
{
	(void)state;
	int64_t a = parse_ok("0.1", "GB", UNITS_MEM);
	int64_t b = parse_ok("0.2", "GB", UNITS_MEM);
	assert_int_equal(a + b, parse_ok("0.3", "GB", UNITS_MEM));
	/* 0.1 GB is 102.4 MiB, kept exactly in 1/1000 MiB */
	assert_int_equal(a, 102400);
	assert_int_equal(parse_ok("1.5", "GB", UNITS_MEM) + parse_ok("512", "MB", UNITS_MEM),
			 parse_ok("2", "GB", UNITS_MEM));
}

static void test_headroom_of_16_gb_is_exactly_3_2_gb(void **state)
{
	(void)state;
	int64_t ram = parse_ok("16", "GB", UNITS_MEM);
	int64_t pct = parse_ok("20", "%", UNITS_PERCENT);
	assert_int_equal(pct, 20 * UNITS_PERCENT_ONE);
	int64_t headroom = ram * pct / (100 * UNITS_PERCENT_ONE);
	assert_int_equal(headroom * (100 * UNITS_PERCENT_ONE), ram * pct); /* no remainder */
	assert_int_equal(headroom, parse_ok("3.2", "GB", UNITS_MEM));
	assert_int_equal(ram - headroom, parse_ok("12.8", "GB", UNITS_MEM));
}

static void test_every_unit(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1", "TB", UNITS_MEM), UNITS_TIB);
	assert_int_equal(parse_ok("2", "GB/month", UNITS_MEM_RATE), 2 * UNITS_GIB);
	assert_int_equal(parse_ok("50", "MB/month", UNITS_MEM_RATE), 50 * UNITS_MIB);
	assert_int_equal(parse_ok("19.49", "EUR/month", UNITS_MONEY_RATE), 1949);
	assert_int_equal(parse_ok("25", "EUR", UNITS_MONEY), 2500);
	assert_int_equal(parse_ok("36", "months", UNITS_MONTHS), 36);
	assert_int_equal(parse_ok("1", "month", UNITS_MONTHS), 1);
	assert_int_equal(parse_ok("12.5", "%", UNITS_PERCENT), 1250);
	assert_int_equal(parse_ok("0.5", NULL, UNITS_NUMBER), 500);
	assert_int_equal(parse_ok("8", NULL, UNITS_NUMBER), 8000);
}

static void test_statuses(void **state)
{
	(void)state;
	struct quantity q = { UNITS_NUMBER, 42 };
	assert_int_equal(units_parse("1", "GiB", &q), UNITS_UNKNOWN_UNIT);
	assert_int_equal(units_parse("1", "gb", &q), UNITS_UNKNOWN_UNIT);
	/* smaller than 1/1000 MiB, than a cent, than a basis point */
	assert_int_equal(units_parse("0.0001", "MB", &q), UNITS_INEXACT);
	assert_int_equal(units_parse("1.001", "EUR", &q), UNITS_INEXACT);
	assert_int_equal(units_parse("0.001", "%", &q), UNITS_INEXACT);
	assert_int_equal(units_parse("0.0005", NULL, &q), UNITS_INEXACT);
	/* 0.001 GB is 1.024 MiB = 1024/1000 MiB: exact */
	assert_int_equal(units_parse("0.001", "GB", &q), UNITS_OK);
	assert_int_equal(q.v, 1024);
	assert_int_equal(units_parse("99999999999999999999", "GB", &q), UNITS_OVERFLOW);
	assert_int_equal(units_parse("9000000000", "TB", &q), UNITS_OVERFLOW);
	assert_int_equal(units_parse("1.", NULL, &q), UNITS_MALFORMED);
	assert_int_equal(units_parse("x", NULL, &q), UNITS_MALFORMED);
	assert_int_equal(units_parse("", "GB", &q), UNITS_MALFORMED);
	/* a failed parse leaves the output alone */
	assert_int_equal(units_parse("1", "GiB", &q), UNITS_UNKNOWN_UNIT);
	assert_int_equal(q.v, 1024);
}

static void test_checked_arithmetic(void **state)
{
	(void)state;
	int64_t r;
	assert_true(units_add(INT64_MAX - 1, 1, &r));
	assert_int_equal(r, INT64_MAX);
	assert_false(units_add(INT64_MAX, 1, &r));
	assert_false(units_mul(INT64_MAX / 2 + 1, 2, &r));
	assert_true(units_mul(-3, 4, &r));
	assert_int_equal(r, -12);
	/* round half up */
	assert_int_equal(units_percent_of(parse_ok("6.9", "GB", UNITS_MEM),
					  parse_ok("16", "GB", UNITS_MEM)), 43);
	assert_int_equal(units_percent_of(1, 200), 1);
	assert_int_equal(units_percent_of(1, 201), 0);
	assert_int_equal(units_percent_of(5, 0), 0);
}

static void test_formatting(void **state)
{
	(void)state;
	char b[UNITS_BUF];
	assert_string_equal(units_fmt_mem(b, parse_ok("6.9", "GB", UNITS_MEM)), "6.9 GB");
	assert_string_equal(units_fmt_mem(b, 16 * UNITS_GIB), "16 GB");
	/* the unit that shows the value exactly, GB first */
	assert_string_equal(units_fmt_mem(b, 512 * UNITS_MIB), "0.5 GB");
	assert_string_equal(units_fmt_mem(b, parse_ok("0.3", "GB", UNITS_MEM)), "0.3 GB");
	assert_string_equal(units_fmt_mem(b, 64 * UNITS_MIB), "64 MB");
	assert_string_equal(units_fmt_mem(b, 100 * UNITS_MIB), "100 MB");
	assert_string_equal(units_fmt_mem(b, 0), "0 GB");
	assert_string_equal(units_fmt_mem(b, 20 * UNITS_TIB), "20 TB");
	assert_string_equal(units_fmt_mem(b, -512 * UNITS_MIB), "-0.5 GB");
	assert_string_equal(units_fmt_mem(b, -64 * UNITS_MIB), "-64 MB");
	assert_string_equal(units_fmt_gb(b, parse_ok("2.375", "GB", UNITS_MEM)), "2.38");
	assert_string_equal(units_fmt_gb(b, parse_ok("128", "MB", UNITS_MEM)), "0.13");
	assert_string_equal(units_fmt_money(b, 1949), "19.49");
	assert_string_equal(units_fmt_money(b, 500), "5.00");
	assert_string_equal(units_fmt_money(b, 7), "0.07");
	assert_string_equal(units_fmt_number(b, 500), "0.5");
	assert_string_equal(units_fmt_number(b, 12000), "12");
	assert_string_equal(units_fmt_number(b, 1), "0.001");
	assert_string_equal(units_fmt_percent(b, 2000), "20%");
	assert_string_equal(units_fmt_percent(b, 1250), "12.5%");
	assert_string_equal(units_fmt_month(b, units_month_index(2026, 2)), "2026-02");
	assert_string_equal(units_fmt_month(b, units_month_index(2026, 12) + 1), "2027-01");
	struct quantity q = { UNITS_MONEY_RATE, 2500 };
	assert_string_equal(units_fmt(b, q), "25.00 EUR/month");
	q = (struct quantity){ UNITS_MEM_RATE, 2 * UNITS_GIB };
	assert_string_equal(units_fmt(b, q), "2 GB/month");
	q = (struct quantity){ UNITS_MONTHS, 1 };
	assert_string_equal(units_fmt(b, q), "1 month");
	q = (struct quantity){ UNITS_MONTHS, 36 };
	assert_string_equal(units_fmt(b, q), "36 months");
	/* the extremes survive formatting */
	assert_string_equal(units_fmt_number(b, INT64_MIN), "-9223372036854775.808");
	assert_string_equal(units_fmt_number(b, INT64_MAX), "9223372036854775.807");
}

static void test_month_index_round_trip(void **state)
{
	(void)state;
	for (int y = 2000; y < 2100; y++)
		for (int m = 1; m <= 12; m++) {
			int yy, mm;
			units_month_split(units_month_index(y, m), &yy, &mm);
			assert_int_equal(yy, y);
			assert_int_equal(mm, m);
		}
	assert_int_equal(units_month_index(2026, 8) - units_month_index(2026, 2), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_sums_are_exact),
		cmocka_unit_test(test_headroom_of_16_gb_is_exactly_3_2_gb),
		cmocka_unit_test(test_every_unit),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_checked_arithmetic),
		cmocka_unit_test(test_formatting),
		cmocka_unit_test(test_month_index_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
