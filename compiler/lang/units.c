#include "units.h"

#include <stdio.h>
#include <string.h>

/* 128-bit intermediates: a product of two int64 quantities never overflows */
__extension__ typedef __int128 units_i128;
__extension__ typedef unsigned __int128 units_u128;

struct units_row {
	const char *name;
	enum units_dim dim;
	int64_t scale; /* smallest units per 1 of this unit */
};

static const struct units_row units_table[] = {
	{ "MB", UNITS_MEM, UNITS_MIB },
	{ "GB", UNITS_MEM, UNITS_GIB },
	{ "TB", UNITS_MEM, UNITS_TIB },
	{ "MB/month", UNITS_MEM_RATE, UNITS_MIB },
	{ "GB/month", UNITS_MEM_RATE, UNITS_GIB },
	{ "TB/month", UNITS_MEM_RATE, UNITS_TIB },
	{ "EUR", UNITS_MONEY, 100 },
	{ "EUR/month", UNITS_MONEY_RATE, 100 },
	{ "month", UNITS_MONTHS, 1 },
	{ "months", UNITS_MONTHS, 1 },
	{ "%", UNITS_PERCENT, UNITS_PERCENT_ONE },
};

bool units_add(int64_t a, int64_t b, int64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

bool units_mul(int64_t a, int64_t b, int64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

int64_t units_add_sat(int64_t a, int64_t b)
{
	int64_t r;
	return units_add(a, b, &r) ? r : INT64_MAX;
}

int64_t units_mul_sat(int64_t a, int64_t b)
{
	int64_t r;
	return units_mul(a, b, &r) ? r : INT64_MAX;
}

/* num as an integer of scale units: the integer part, then the
 * fraction, which must divide exactly unless half_up rounds it. */
static enum units_status units_scaled(const char *num, int64_t scale, bool half_up,
				      int64_t *out)
{
	int64_t ip = 0;
	const char *p = num;
	if (*p < '0' || *p > '9')
		return UNITS_MALFORMED;
	for (; *p >= '0' && *p <= '9'; p++)
		if (!units_mul(ip, 10, &ip) || !units_add(ip, *p - '0', &ip))
			return UNITS_OVERFLOW;
	int64_t v;
	if (!units_mul(ip, scale, &v))
		return UNITS_OVERFLOW;

	/* fraction: value = frac_digits * scale / 10^n */
	if (*p == '.') {
		p++;
		units_u128 frac = 0, den = 1;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (den > (units_u128)INT64_MAX) {
				if (!half_up)
					return UNITS_INEXACT;
				continue; /* beyond 18 decimals: below any scale's unit */
			}
			frac = frac * 10 + (units_u128)(*p - '0');
			den *= 10;
		}
		if (den == 1)
			return UNITS_MALFORMED;
		units_u128 scaled = frac * (units_u128)scale;
		if (scaled % den && !half_up)
			return UNITS_INEXACT;
		if (!units_add(v, (int64_t)((scaled * 2 + den) / (den * 2)), &v))
			return UNITS_OVERFLOW;
	}
	if (*p)
		return UNITS_MALFORMED;
	*out = v;
	return UNITS_OK;
}

enum units_status units_parse(const char *num, const char *unit,
			      struct quantity *out)
{
	const struct units_row *row = NULL;
	static const struct units_row plain = { "", UNITS_NUMBER, UNITS_ONE };

	if (!unit) {
		row = &plain;
	} else {
		for (size_t i = 0; i < sizeof(units_table) / sizeof(*units_table); i++)
			if (!strcmp(units_table[i].name, unit))
				row = &units_table[i];
		if (!row)
			return UNITS_UNKNOWN_UNIT;
	}
	enum units_status st = units_scaled(num, row->scale, false, &out->v);
	if (st == UNITS_OK)
		out->dim = row->dim;
	return st;
}

enum units_status units_parse_decimal(const char *num, int64_t scale, int64_t *out)
{
	return units_scaled(num, scale, true, out);
}

const char *units_dim_name(enum units_dim dim)
{
	switch (dim) {
	case UNITS_NUMBER: return "a plain number";
	case UNITS_MEM: return "memory or storage";
	case UNITS_MEM_RATE: return "storage growth";
	case UNITS_MONEY: return "money";
	case UNITS_MONEY_RATE: return "money per month";
	case UNITS_MONTHS: return "a number of months";
	case UNITS_PERCENT: return "a percentage";
	}
	return "?";
}

const char *units_dim_units(enum units_dim dim)
{
	switch (dim) {
	case UNITS_NUMBER: return "no unit";
	case UNITS_MEM: return "MB, GB or TB";
	case UNITS_MEM_RATE: return "MB/month, GB/month or TB/month";
	case UNITS_MONEY: return "EUR";
	case UNITS_MONEY_RATE: return "EUR/month";
	case UNITS_MONTHS: return "months";
	case UNITS_PERCENT: return "%";
	}
	return "?";
}

/* v / scale with at most `places` decimals, rounded half away from zero,
 * trailing zeros dropped unless keep_zeros. */
static const char *units_fmt_fixed(char *buf, int64_t v, int64_t scale,
				   int places, bool keep_zeros)
{
	int64_t pow = 1;
	for (int i = 0; i < places; i++)
		pow *= 10;
	bool neg = v < 0;
	/* magnitude as unsigned to survive INT64_MIN */
	units_u128 m = neg ? (units_u128)(-(v + 1)) + 1 : (units_u128)v;
	/* rounded to `places` decimals; 64-bit arithmetic for every real
	 * figure, 128-bit only near the int64 limits */
	units_u128 r;
	if (m <= (units_u128)(UINT64_MAX / 4 / (uint64_t)pow))
		r = ((uint64_t)m * (uint64_t)pow * 2 + (uint64_t)scale) / ((uint64_t)scale * 2);
	else
		r = (m * (units_u128)pow * 2 + (units_u128)scale) / ((units_u128)scale * 2);
	/* every caller has pow <= scale, so r <= m + 1 fits 64 bits */
	uint64_t r64 = (uint64_t)r;
	unsigned long long ip = r64 / (uint64_t)pow;
	unsigned long long fp = r64 % (uint64_t)pow;
	/* by hand, not snprintf: reports of large files format millions */
	char digits[24];
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	char *w = buf;
	if (neg && r)
		*w++ = '-';
	while (nd)
		*w++ = digits[--nd];
	if (places > 0 && (fp || keep_zeros)) {
		char frac[24];
		for (int i = places - 1; i >= 0; i--) {
			frac[i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		int len = places;
		if (!keep_zeros)
			while (len > 0 && frac[len - 1] == '0')
				len--;
		*w++ = '.';
		memcpy(w, frac, (size_t)len);
		w += len;
	}
	*w = '\0';
	return buf;
}

const char *units_fmt_exact(char *buf, int64_t v, int64_t scale, int places)
{
	return units_fmt_fixed(buf, v, scale, places, false);
}

const char *units_fmt_gb(char *buf, int64_t mem)
{
	return units_fmt_fixed(buf, mem, UNITS_GIB, 2, false);
}

const char *units_fmt_mem(char *buf, int64_t mem)
{
	/* the unit that shows the value exactly, GB first: 0.5 GB, 64 MB,
	 * 20 TB; a value exact in neither is rounded in GB.  No snprintf:
	 * reports of large files print this for every service. */
	int64_t a = mem < 0 ? -mem : mem;
	int64_t scale = UNITS_GIB;
	const char *unit = " GB";
	if (a >= 10 * UNITS_TIB && a % UNITS_TIB == 0) {
		scale = UNITS_TIB;
		unit = " TB";
	} else if (a % (UNITS_GIB / 100) != 0 && a % (UNITS_MIB / 100) == 0) {
		scale = UNITS_MIB;
		unit = " MB";
	}
	units_fmt_fixed(buf, mem, scale, 2, false);
	return strcat(buf, unit);
}

const char *units_fmt_money(char *buf, int64_t cents)
{
	return units_fmt_fixed(buf, cents, 100, 2, true);
}

const char *units_fmt_number(char *buf, int64_t milli)
{
	return units_fmt_fixed(buf, milli, UNITS_ONE, 3, false);
}

const char *units_fmt_percent(char *buf, int64_t bp)
{
	units_fmt_fixed(buf, bp, UNITS_PERCENT_ONE, 2, false);
	return strcat(buf, "%");
}

const char *units_fmt(char *buf, struct quantity q)
{
	char tmp[UNITS_BUF];
	switch (q.dim) {
	case UNITS_NUMBER: return units_fmt_number(buf, q.v);
	case UNITS_MEM: return units_fmt_mem(buf, q.v);
	case UNITS_MEM_RATE:
		snprintf(buf, UNITS_BUF, "%s/month", units_fmt_mem(tmp, q.v));
		return buf;
	case UNITS_MONEY:
		snprintf(buf, UNITS_BUF, "%s EUR", units_fmt_money(tmp, q.v));
		return buf;
	case UNITS_MONEY_RATE:
		snprintf(buf, UNITS_BUF, "%s EUR/month", units_fmt_money(tmp, q.v));
		return buf;
	case UNITS_MONTHS:
		snprintf(buf, UNITS_BUF, "%lld month%s", (long long)q.v, q.v == 1 ? "" : "s");
		return buf;
	case UNITS_PERCENT: return units_fmt_percent(buf, q.v);
	}
	buf[0] = '\0';
	return buf;
}

int64_t units_percent_of(int64_t a, int64_t b)
{
	if (b <= 0)
		return 0;
	units_i128 n = (units_i128)a * 200 + b;
	return (int64_t)(n / ((units_i128)b * 2));
}

int units_month_index(int year, int month)
{
	return year * 12 + (month - 1);
}

void units_month_split(int index, int *year, int *month)
{
	*year = index / 12;
	*month = index % 12 + 1;
}

const char *units_fmt_month(char *buf, int index)
{
	int y, m;
	units_month_split(index, &y, &m);
	if (y < 0 || y > 9999) {
		snprintf(buf, UNITS_BUF, "%04d-%02d", y, m);
		return buf;
	}
	/* by hand: reports of large files print one per server and phase */
	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '\0';
	return buf;
}
