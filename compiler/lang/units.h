/*
 * units: exact quantities.
 *
 * Every quantity is an integer in the smallest unit of its dimension, so
 * sums and comparisons are exact and 0.1 GB + 0.2 GB == 0.3 GB:
 *   memory and storage   1/1000 MiB  (GB is GiB, as Docker and Hetzner use it)
 *   memory growth        1/1000 MiB per month
 *   money                cents (EUR)
 *   money rate           cents per month
 *   time                 months
 *   percent              1/100 of a percent (basis points)
 *   plain number         1/1000 (vCPUs may be fractions: 0.5 -> 500)
 */
#ifndef INFRAC_UNITS_H
#define INFRAC_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum units_dim {
	UNITS_NUMBER,
	UNITS_MEM,
	UNITS_MEM_RATE,
	UNITS_MONEY,
	UNITS_MONEY_RATE,
	UNITS_MONTHS,
	UNITS_PERCENT,
};

#define UNITS_MIB ((int64_t)1000)
#define UNITS_GIB ((int64_t)1024 * UNITS_MIB)
#define UNITS_TIB ((int64_t)1024 * UNITS_GIB)
#define UNITS_ONE ((int64_t)1000) /* scale of a plain number */
#define UNITS_PERCENT_ONE ((int64_t)100) /* 1 % */

struct quantity {
	enum units_dim dim;
	int64_t v;
};

enum units_status {
	UNITS_OK,
	UNITS_UNKNOWN_UNIT,
	UNITS_INEXACT,   /* more decimals than the dimension's smallest unit */
	UNITS_OVERFLOW,
	UNITS_MALFORMED,
};

/* num: a decimal literal "19.49"; unit: "GB", "EUR/month", "%" or NULL. */
enum units_status units_parse(const char *num, const char *unit,
			      struct quantity *out);

/* num (a decimal "0.0143000000") as an integer of `scale` units a 1, the
 * fraction rounded half up to that unit (prices from the API have more
 * decimals than any figure needs). */
enum units_status units_parse_decimal(const char *num, int64_t scale, int64_t *out);

/* "memory", "money": static strings for messages. */
const char *units_dim_name(enum units_dim dim);
/* The units a dimension is written in, for messages: "MB, GB or TB". */
const char *units_dim_units(enum units_dim dim);

/*
 * Formatting, into a caller's buffer (at least UNITS_BUF bytes).  Values
 * print with at most two decimals, trailing zeros dropped: "6.9 GB",
 * "16 GB", "19.49 EUR", "20%".  Money always prints two decimals.
 */
#define UNITS_BUF 48
const char *units_fmt_gb(char *buf, int64_t mem);        /* "6.9" */
const char *units_fmt_mem(char *buf, int64_t mem);       /* "6.9 GB" / "512 MB" */
const char *units_fmt_money(char *buf, int64_t cents);   /* "19.49" */
const char *units_fmt_number(char *buf, int64_t milli);  /* "0.5" */
/* v / scale with at most `places` decimals (exact when scale is
 * 10^places), trailing zeros dropped: "0.0143", "19.49", "20" */
const char *units_fmt_exact(char *buf, int64_t v, int64_t scale, int places);
const char *units_fmt_percent(char *buf, int64_t bp);    /* "20%" */
const char *units_fmt(char *buf, struct quantity q);

/* round(a * 100 / b), half up; b > 0 */
int64_t units_percent_of(int64_t a, int64_t b);

/* Overflow-checked helpers; false on overflow. */
bool units_add(int64_t a, int64_t b, int64_t *out);
bool units_mul(int64_t a, int64_t b, int64_t *out);
/* Saturating at INT64_MAX, for sums of non-negative quantities: an absurd
 * input must not wrap into a small one ("fits", "cheap"). */
int64_t units_add_sat(int64_t a, int64_t b);
int64_t units_mul_sat(int64_t a, int64_t b);

/* Calendar months: index = year * 12 + (month - 1). */
int units_month_index(int year, int month);
void units_month_split(int index, int *year, int *month);
const char *units_fmt_month(char *buf, int index); /* "2026-02" */

#endif
