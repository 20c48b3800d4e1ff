#include "resolve.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "catalog.h"
#include "symtab.h"
#include "units.h"

struct rs {
	struct arena *a;
	struct arena *tree; /* the syntax tree's: what dies with it */
	struct diag_list *dl;
	const struct src *src;
	const struct compile_reader *reader; /* file() */
	const struct compile_prices *pr;     /* NULL: the pin or the catalog */
	struct mdl_project *p;
	struct symtab types, keys, servers, services, phases;
	/* while a phase is resolved, by service index (into p->services):
	 * the phase's copy of an overridden service, and whether it runs;
	 * arrays rather than name lookups, as every name of every run
	 * block is checked against them */
	const struct mdl_service **copy;
	bool *placed;
	/* while a scenario's phase block is resolved: the plan's phase it
	 * replaces the run blocks of, the scenario, and its servers */
	const struct mdl_phase *base;
	struct mdl_scenario *scenario;
	struct symtab *scenario_servers;
};

__attribute__((format(printf, 4, 5)))
static struct diag *rs_err(struct rs *r, enum diag_code code, struct loc loc,
			   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *d = diag_addv(r->dl, code, r->src, loc, fmt, ap);
	va_end(ap);
	return d;
}

/* ---- values ------------------------------------------------------------ */

static const char *rs_kind_name(const struct ast_value *v)
{
	switch (v->kind) {
	case AST_NUMBER: return v->u.num.unit ? "a quantity" : "a number";
	case AST_RANGE: return "a range";
	case AST_PORTS: return "a port mapping";
	case AST_STRING: return "a string";
	case AST_DATE: return "a date";
	case AST_IDENT: return "a name";
	case AST_LIST: return "a list";
	case AST_CALL: return "a function call";
	}
	return "?";
}

static struct diag *rs_wrong_kind(struct rs *r, const struct ast_value *v,
				  const char *what, const char *want)
{
	return rs_err(r, DIAG_E0205, v->loc, "%s must be %s, not %s", what, want,
		      rs_kind_name(v));
}

static const char *const rs_unit_names[] = {
	"MB", "GB", "TB", "MB/month", "GB/month", "TB/month", "EUR",
	"EUR/month", "month", "months", "%", NULL,
};

/* A quantity of one dimension.  Ranges are refused here; see rs_mem_range. */
static bool rs_quantity(struct rs *r, const struct ast_value *v,
			enum units_dim dim, const char *what, int64_t *out)
{
	if (v->kind != AST_NUMBER) {
		char want[96];
		snprintf(want, sizeof(want), "%s (%s)", units_dim_name(dim),
			 units_dim_units(dim));
		rs_wrong_kind(r, v, what, dim == UNITS_NUMBER ? "a number" : want);
		return false;
	}
	struct quantity q;
	switch (units_parse(v->u.num.text, v->u.num.unit, &q)) {
	case UNITS_OK:
		break;
	case UNITS_UNKNOWN_UNIT: {
		struct diag_suggest s;
		diag_suggest_init(&s, v->u.num.unit);
		for (size_t i = 0; rs_unit_names[i]; i++)
			diag_suggest_try(&s, rs_unit_names[i]);
		struct diag *d = rs_err(r, DIAG_E0201, v->u.num.unit_loc,
					"unknown unit '%s'", v->u.num.unit);
		if (diag_suggest_result(&s))
			diag_help(d, r->dl, "did you mean '%s'?", diag_suggest_result(&s));
		else
			diag_note(d, r->dl, "%s is written in %s", what,
				  units_dim_units(dim));
		return false;
	}
	case UNITS_INEXACT: {
		struct diag *d = rs_err(r, DIAG_E0204, v->loc,
					"%s %s%s%s has more decimals than can be represented exactly",
					what, v->u.num.text, v->u.num.unit ? " " : "",
					v->u.num.unit ? v->u.num.unit : "");
		diag_note(d, r->dl, "quantities are exact: memory to 1/1000 MiB, money to the cent, "
			  "vCPUs to 1/1000, percentages to 1/100");
		return false;
	}
	case UNITS_OVERFLOW:
		rs_err(r, DIAG_E0203, v->loc, "%s %s is too large", what, v->u.num.text);
		return false;
	case UNITS_MALFORMED:
		rs_err(r, DIAG_E0004, v->loc, "malformed number '%s'", v->u.num.text);
		return false;
	}
	if (q.dim != dim) {
		struct diag *d;
		if (!v->u.num.unit)
			d = rs_err(r, DIAG_E0202, v->loc, "%s needs a unit: %s", what,
				   units_dim_units(dim));
		else if (dim == UNITS_NUMBER)
			d = rs_err(r, DIAG_E0202, v->loc,
				   "%s is a plain number, not %s", what,
				   units_dim_name(q.dim));
		else
			d = rs_err(r, DIAG_E0202, v->loc, "%s must be %s, not %s",
				   what, units_dim_name(dim), units_dim_name(q.dim));
		if (v->u.num.unit || dim == UNITS_NUMBER)
			diag_help(d, r->dl, "write it in %s", units_dim_units(dim));
		return false;
	}
	*out = q.v;
	return true;
}

/* ram = 2 GB  or  ram = 2 GB .. 3 GB */
static bool rs_mem_range(struct rs *r, const struct ast_value *v,
			 const char *what, int64_t *lo, int64_t *hi)
{
	if (v->kind != AST_RANGE) {
		if (!rs_quantity(r, v, UNITS_MEM, what, lo))
			return false;
		*hi = *lo;
		return true;
	}
	if (!rs_quantity(r, v->u.range.lo, UNITS_MEM, what, lo) ||
	    !rs_quantity(r, v->u.range.hi, UNITS_MEM, what, hi))
		return false;
	if (*lo > *hi) {
		char a[UNITS_BUF], b[UNITS_BUF];
		struct diag *d = rs_err(r, DIAG_E0206, v->loc,
			"%s range is empty: %s is more than %s", what,
			units_fmt_mem(a, *lo), units_fmt_mem(b, *hi));
		diag_help(d, r->dl, "write the lower bound first: %s .. %s", b, a);
		return false;
	}
	return true;
}

static bool rs_no_range(struct rs *r, const struct ast_value *v, const char *what)
{
	if (v->kind == AST_RANGE) {
		struct diag *d = rs_err(r, DIAG_E0205, v->loc,
					"%s cannot be a range", what);
		diag_note(d, r->dl, "only a service's ram may be a range");
		return false;
	}
	return true;
}

static bool rs_int(struct rs *r, const struct ast_value *v, const char *what,
		   int64_t min, int64_t max, int *out)
{
	int64_t q;
	if (!rs_no_range(r, v, what) || !rs_quantity(r, v, UNITS_NUMBER, what, &q))
		return false;
	if (q % UNITS_ONE) {
		rs_err(r, DIAG_E0203, v->loc, "%s must be a whole number", what);
		return false;
	}
	q /= UNITS_ONE;
	if (q < min || q > max) {
		rs_err(r, DIAG_E0203, v->loc, "%s must be between %lld and %lld, not %lld",
		       what, (long long)min, (long long)max, (long long)q);
		return false;
	}
	*out = (int)q;
	return true;
}

static bool rs_string(struct rs *r, const struct ast_value *v, const char *what,
		      const char **out)
{
	if (v->kind != AST_STRING) {
		struct diag *d = rs_wrong_kind(r, v, what, "a string in double quotes");
		if (v->kind == AST_IDENT)
			diag_help(d, r->dl, "write it in quotes: \"%s\"", v->u.str);
		return false;
	}
	*out = v->u.str;
	return true;
}

static bool rs_nonempty_string(struct rs *r, const struct ast_value *v,
			       const char *what, const char **out)
{
	if (!rs_string(r, v, what, out))
		return false;
	if (!**out) {
		rs_err(r, DIAG_E0203, v->loc, "%s must not be empty", what);
		return false;
	}
	return true;
}

static bool rs_ident(struct rs *r, const struct ast_value *v, const char *what,
		     const char **out)
{
	if (v->kind != AST_IDENT) {
		rs_wrong_kind(r, v, what, "a name");
		return false;
	}
	*out = v->u.str;
	return true;
}

/* One of a few names; the index in names[] goes to *out. */
static bool rs_choice(struct rs *r, const struct ast_value *v, const char *what,
		      const char *const *names, int *out)
{
	const char *s;
	if (!rs_ident(r, v, what, &s))
		return false;
	struct diag_suggest sg;
	diag_suggest_init(&sg, s);
	char list[256] = "";
	size_t len = 0;
	for (int i = 0; names[i]; i++) {
		if (!strcmp(names[i], s)) {
			*out = i;
			return true;
		}
		diag_suggest_try(&sg, names[i]);
		int w = snprintf(list + len, sizeof(list) - len, "%s%s",
				 i ? ", " : "", names[i]);
		if (w > 0 && len + (size_t)w < sizeof(list))
			len += (size_t)w;
	}
	struct diag *d = rs_err(r, DIAG_E0209, v->loc, "%s cannot be '%s'", what, s);
	if (diag_suggest_result(&sg))
		diag_help(d, r->dl, "did you mean '%s'?", diag_suggest_result(&sg));
	diag_note(d, r->dl, "%s is one of: %s", what, list);
	return false;
}

static bool rs_days_ok(int y, int m, int d)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int max = days[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d >= 1 && d <= max;
}

static bool rs_date(struct rs *r, const struct ast_value *v, const char *what,
		    int *month)
{
	if (v->kind != AST_DATE) {
		rs_wrong_kind(r, v, what, "a date (2026-02 or 2026-02-06)");
		return false;
	}
	int y = v->u.date.year, m = v->u.date.month, d = v->u.date.day;
	if (y < 2000 || y > 2999 || m < 1 || m > 12 ||
	    (d && !rs_days_ok(y, m, d))) {
		struct diag *dg = rs_err(r, DIAG_E0207, v->loc, "%s is not a valid date", what);
		diag_note(dg, r->dl, "a date is YYYY-MM or YYYY-MM-DD: a year 2000..2999, "
			  "a month 01..12 and a day of that month");
		return false;
	}
	*month = units_month_index(y, m);
	return true;
}

/* A name or a list of names: needs = [a, b], ssh_keys = [ops] */
static size_t rs_name_list(struct rs *r, const struct ast_value *v,
			   const char *what, const struct ast_value ***out)
{
	if (v->kind == AST_IDENT) {
		*out = arena_alloc(r->a, sizeof(**out));
		(*out)[0] = v;
		return 1;
	}
	if (v->kind != AST_LIST) {
		rs_wrong_kind(r, v, what, "a list of names");
		*out = NULL;
		return 0;
	}
	const struct ast_value **items = arena_calloc(r->a, v->n + 1, sizeof(*items));
	size_t n = 0;
	for (const struct ast_value *e = v->u.list.first; e; e = e->next) {
		if (e->kind != AST_IDENT) {
			rs_wrong_kind(r, e, what, "a list of names");
			continue;
		}
		items[n++] = e;
	}
	*out = items;
	return n;
}

/* arch = amd64  or  arch = [amd64, arm64]: a set of PRICES_* bits */
static bool rs_arch(struct rs *r, const struct ast_value *v, unsigned *out)
{
	static const char *const names[] = { "amd64", "arm64", NULL };
	const struct ast_value **ids;
	size_t n = rs_name_list(r, v, "arch", &ids);
	unsigned set = 0;
	for (size_t i = 0; i < n; i++) {
		int k;
		if (!rs_choice(r, ids[i], "arch", names, &k))
			return false;
		set |= k ? PRICES_ARM64 : PRICES_AMD64;
	}
	if (!set) {
		rs_err(r, DIAG_E0203, v->loc, "arch names at least one architecture");
		return false;
	}
	*out = set;
	return true;
}

/* true / false */
static bool rs_bool(struct rs *r, const struct ast_value *v, const char *what, bool *out)
{
	static const char *const names[] = { "false", "true", NULL };
	int k;
	if (!rs_choice(r, v, what, names, &k))
		return false;
	*out = k == 1;
	return true;
}

/* traffic = 25 TB/month: outgoing traffic a month, estimated */
static bool rs_traffic(struct rs *r, const struct ast_value *v, int64_t *out)
{
	return rs_no_range(r, v, "traffic") &&
	       rs_quantity(r, v, UNITS_MEM_RATE, "traffic", out);
}

/* secret("X"), env("X"), file("x"): the single string argument */
static bool rs_call_arg(struct rs *r, const struct ast_value *v, const char **arg)
{
	if (v->n != 1 || v->u.call.args->kind != AST_STRING ||
	    !*v->u.call.args->u.str) {
		rs_err(r, DIAG_E0205, v->loc, "%s() takes one non-empty string",
		       v->u.call.fn);
		return false;
	}
	*arg = v->u.call.args->u.str;
	return true;
}

static void rs_unknown_function(struct rs *r, const struct ast_value *v,
				const char *allowed)
{
	static const char *const fns[] = { "secret", "env", "file", NULL };
	struct diag_suggest sg;
	diag_suggest_init(&sg, v->u.call.fn);
	for (int i = 0; fns[i]; i++)
		diag_suggest_try(&sg, fns[i]);
	const char *best = diag_suggest_result(&sg);
	bool known = best && !strcmp(best, v->u.call.fn);
	struct diag *d = rs_err(r, DIAG_E0208, v->u.call.fn_loc,
				known ? "%s() cannot be used here" : "unknown function %s()",
				v->u.call.fn);
	if (best && !known)
		diag_help(d, r->dl, "did you mean %s()?", best);
	diag_note(d, r->dl, "here the value is %s", allowed);
}

/* ---- names ------------------------------------------------------------- */

/* Registers a declaration; a second one of the same name is an error. */
static bool rs_declare(struct rs *r, struct symtab *t, const char *what,
		       const char *name, struct loc loc, void *obj,
		       const struct loc *(*loc_of)(const void *))
{
	void *prev = symtab_put(t, name, obj);
	if (!prev)
		return true;
	struct diag *d = rs_err(r, DIAG_E0104, loc, "%s '%s' is declared twice",
				what, name);
	const struct loc *pl = loc_of(prev);
	diag_note(d, r->dl, "first declared at %s:%u:%u", r->src->path,
		  pl->line, pl->col);
	return false;
}

static const struct loc *rs_loc_key(const void *o) { return &((const struct mdl_ssh_key *)o)->loc; }
static const struct loc *rs_loc_server(const void *o) { return &((const struct mdl_server *)o)->loc; }
static const struct loc *rs_loc_service(const void *o) { return &((const struct mdl_service *)o)->loc; }
static const struct loc *rs_loc_phase(const void *o) { return &((const struct mdl_phase *)o)->loc; }
static const struct loc *rs_loc_scenario(const void *o) { return &((const struct mdl_scenario *)o)->loc; }

/* Looks a reference up; an unknown name gets "did you mean". */
static void *rs_lookup(struct rs *r, const struct symtab *t, const char *what,
		       const char *name, struct loc loc)
{
	void *obj = symtab_get(t, name);
	if (obj)
		return obj;
	struct diag_suggest sg;
	diag_suggest_init(&sg, name);
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key)
			diag_suggest_try(&sg, t->slots[i].key);
	struct diag *d = rs_err(r, DIAG_E0401, loc, "unknown %s '%s'", what, name);
	if (diag_suggest_result(&sg))
		diag_help(d, r->dl, "did you mean '%s'?", diag_suggest_result(&sg));
	return NULL;
}

/* A server: the plan's, or while a scenario is resolved one it adds. */
static const struct mdl_server *rs_server_lookup(struct rs *r, const char *name, struct loc loc)
{
	const struct mdl_server *s = r->scenario_servers ? symtab_get(r->scenario_servers, name)
				     : NULL;
	return s ? s : rs_lookup(r, &r->servers, "server", name, loc);
}

/* ---- blocks and attributes --------------------------------------------- */

/* How messages name a block: "service app", or what alone when name is
 * NULL.  Put together only for a message: blocks are many, errors few. */
static const char *rs_block_label(struct rs *r, const char *what, const char *name)
{
	return name ? arena_printf(r->a, "%s %s", what, name) : what;
}

/*
 * Collects a block's attributes into slots[i] for names[i]; unknown and
 * repeated ones are errors.  Bare words are errors.  Nested blocks are
 * left to the caller, which passes the kinds it accepts in sub (NULL
 * terminated) so that anything else is reported here.  Messages name the
 * block as rs_block_label(what, name).
 */
static void rs_collect(struct rs *r, const struct ast_item *blk, const char *what,
		       const char *name, const char *const *names, const struct ast_item **slots,
		       const char *const *sub)
{
	size_t n = 0;
	while (names[n])
		n++;
	memset(slots, 0, n * sizeof(*slots));
	for (const struct ast_item *it = blk->items; it; it = it->next) {
		if (it->kind == AST_WORD || it->kind == AST_WORDS) {
			struct diag *d = rs_err(r, DIAG_E0108, it->loc,
						"'%s' on its own does not belong in %s", it->name,
						rs_block_label(r, what, name));
			diag_help(d, r->dl, "an attribute is written `name = value`");
			continue;
		}
		if (it->kind == AST_BLOCK) {
			bool ok = false;
			for (size_t i = 0; sub && sub[i]; i++)
				if (!strcmp(sub[i], it->name))
					ok = true;
			if (!ok) {
				struct diag *d = rs_err(r, DIAG_E0101, ast_name_loc(it),
							"a '%s' block cannot appear in %s", it->name,
							rs_block_label(r, what, name));
				if (sub && sub[0]) {
					char list[128] = "";
					size_t len = 0;
					for (size_t i = 0; sub[i]; i++) {
						int w = snprintf(list + len, sizeof(list) - len,
								 "%s%s", i ? ", " : "", sub[i]);
						if (w > 0 && len + (size_t)w < sizeof(list))
							len += (size_t)w;
					}
					diag_note(d, r->dl, "blocks allowed here: %s", list);
				}
			}
			continue;
		}
		size_t i = 0;
		while (i < n && strcmp(names[i], it->name))
			i++;
		if (i == n) {
			struct diag_suggest sg;
			diag_suggest_init(&sg, it->name);
			for (size_t k = 0; k < n; k++)
				diag_suggest_try(&sg, names[k]);
			struct diag *d = rs_err(r, DIAG_E0102, ast_name_loc(it),
						"unknown attribute '%s' in %s", it->name,
						rs_block_label(r, what, name));
			if (diag_suggest_result(&sg))
				diag_help(d, r->dl, "did you mean '%s'?", diag_suggest_result(&sg));
			continue;
		}
		if (slots[i]) {
			struct diag *d = rs_err(r, DIAG_E0103, ast_name_loc(it),
						"%s is set twice in %s", it->name,
						rs_block_label(r, what, name));
			diag_note(d, r->dl, "first set on line %u", slots[i]->loc.line);
			continue;
		}
		if (it->from) {
			rs_err(r, DIAG_E0205, it->from->loc,
			       "'from' only appears in scenarios");
		}
		slots[i] = it;
	}
}

/* "service app has no ram": kind and name (NULL when there is none) */
static struct diag *rs_missing(struct rs *r, struct loc loc, const char *kind,
			       const char *name, const char *attr)
{
	return rs_err(r, DIAG_E0105, loc, "%s has no %s", rs_block_label(r, kind, name), attr);
}

/* KIND NAME { ... }: the name, or NULL after reporting a malformed header. */
static const char *rs_block_name(struct rs *r, const struct ast_item *blk,
				 struct loc *loc)
{
	if (!blk->words || blk->words->next) {
		struct diag *d = rs_err(r, DIAG_E0106, blk->loc,
					"a %s block needs exactly one name: %s NAME { ... }",
					blk->name, blk->name);
		(void)d;
		return NULL;
	}
	*loc = blk->words->loc;
	return blk->words->name;
}

static struct loc rs_header_loc(const struct ast_item *blk)
{
	struct loc l = ast_name_loc(blk);
	for (const struct ast_word *w = blk->words; w; w = w->next)
		l.end_off = w->loc.end_off;
	return l;
}

/* ---- project and limits ------------------------------------------------ */

/* Is [base, base + 2^(32-prefix)) inside one of RFC 1918's ranges? */
static bool rs_network_private(uint32_t base, int prefix)
{
	static const struct { uint32_t base; int prefix; } ranges[] = {
		{ 0x0a000000u, 8 }, { 0xac100000u, 12 }, { 0xc0a80000u, 16 },
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(*ranges); i++) {
		uint32_t mask = ~0u << (32 - ranges[i].prefix);
		if (prefix >= ranges[i].prefix && (base & mask) == ranges[i].base)
			return true;
	}
	return false;
}

/* network = "10.0.0.0/16": the range of the project's private network. */
static void rs_network(struct rs *r, const struct ast_value *v)
{
	const char *text;
	uint32_t base;
	int prefix;
	if (!rs_nonempty_string(r, v, "network", &text))
		return;
	r->p->net.loc = v->loc;
	if (!model_parse_cidr(text, &base, &prefix)) {
		struct diag *d = rs_err(r, DIAG_E0203, v->loc,
					"network must be an IPv4 range like \"10.0.0.0/16\"");
		(void)d;
		return;
	}
	if (prefix < 8 || prefix > 24 || !rs_network_private(base, prefix) ||
	    (base & ~(~0u << (32 - prefix)))) {
		struct diag *d = rs_err(r, DIAG_E0203, v->loc,
					"network %s is not a private range of /8 to /24", text);
		diag_note(d, r->dl, "Hetzner networks lie in 10.0.0.0/8, 172.16.0.0/12 or "
			  "192.168.0.0/16, with the host bits zero");
		return;
	}
	r->p->net.base = base;
	r->p->net.prefix = prefix;
	r->p->net.subnet = base;
	r->p->net.subnet_prefix = 24;
}

/*
 * Fixed private addresses: .2 onwards of the subnet, in declaration order
 * (the gateway is .1), so build knows them before any server exists.  The
 * subnet starts at the range's base: a /24, or as much larger as the
 * servers need (a /22 for 1,000), never larger than the range.
 */
static void rs_private_ips(struct rs *r)
{
	struct mdl_project *p = r->p;
	int sp = p->net.prefix > 24 ? p->net.prefix : 24;
	while (sp > p->net.prefix && (1ull << (32 - sp)) - 4 < p->nservers)
		sp--;
	unsigned long long room = (1ull << (32 - sp)) - 4;
	if (room < p->nservers) {
		char cidr[20];
		rs_err(r, DIAG_E0203, p->net.loc, "network %s holds %llu servers; the file declares %zu",
		       model_fmt_cidr(cidr, p->net.base, p->net.prefix), room, p->nservers);
		return;
	}
	p->net.subnet_prefix = sp;
	for (size_t i = 0; i < p->nservers; i++)
		p->servers[i].private_ip = p->net.subnet + 2 + (uint32_t)i;
}

static void rs_project(struct rs *r, const struct ast_item *blk)
{
	static const char *const names[] = { "provider", "location", "start", "horizon",
					     "prices", "arch", "network", NULL };
	static const char *const providers[] = { "hetzner", NULL };
	const struct ast_item *a[7];
	struct mdl_project *p = r->p;
	struct loc nl;
	const char *name = rs_block_name(r, blk, &nl);
	p->name = name ? name : "project";
	p->loc = rs_header_loc(blk);
	rs_collect(r, blk, "project", NULL, names, a, NULL);
	size_t errors = r->dl->errors;
	int choice;
	if (a[0])
		rs_choice(r, a[0]->value, "provider", providers, &choice);
	if (a[1])
		rs_nonempty_string(r, a[1]->value, "location", &p->location);
	if (!a[2])
		diag_help(rs_missing(r, p->loc, "project", name, "start"), r->dl,
			  "add `start = 2026-02`, the first month billed");
	else
		rs_date(r, a[2]->value, "start", &p->start);
	if (!a[3]) {
		diag_help(rs_missing(r, p->loc, "project", name, "horizon"), r->dl,
			  "add `horizon = 36 months`, how far costs and growth are planned");
	} else {
		int64_t h;
		if (rs_no_range(r, a[3]->value, "horizon") &&
		    rs_quantity(r, a[3]->value, UNITS_MONTHS, "horizon", &h)) {
			if (h < 1 || h > 1200)
				rs_err(r, DIAG_E0203, a[3]->value->loc,
				       "horizon must be between 1 and 1200 months");
			else
				p->horizon = (int)h;
		}
	}
	p->broken_time = r->dl->errors > errors;
	if (a[4] && rs_nonempty_string(r, a[4]->value, "prices", &p->prices_pin))
		p->prices_loc = a[4]->value->loc;
	if (a[5])
		rs_arch(r, a[5]->value, &p->arch);
	p->net.loc = p->loc;
	if (a[6])
		rs_network(r, a[6]->value);
}

static void rs_limits(struct rs *r, const struct ast_item *blk)
{
	static const char *const names[] = { "headroom", "budget", "cpu_overcommit", NULL };
	const struct ast_item *a[3];
	struct mdl_project *p = r->p;
	if (blk->words)
		rs_err(r, DIAG_E0106, blk->words->loc, "a limits block has no name");
	rs_collect(r, blk, "limits", NULL, names, a, NULL);
	int64_t v;
	if (a[0] && rs_no_range(r, a[0]->value, "headroom") &&
	    rs_quantity(r, a[0]->value, UNITS_PERCENT, "headroom", &v)) {
		if (v >= 100 * UNITS_PERCENT_ONE)
			rs_err(r, DIAG_E0203, a[0]->value->loc,
			       "headroom must be less than 100%%");
		else
			p->headroom = v;
	}
	if (a[1] && rs_no_range(r, a[1]->value, "budget") &&
	    rs_quantity(r, a[1]->value, UNITS_MONEY_RATE, "budget", &v)) {
		p->budget = v;
		p->budget_loc = a[1]->value->loc;
	}
	if (a[2] && rs_no_range(r, a[2]->value, "cpu_overcommit") &&
	    rs_quantity(r, a[2]->value, UNITS_NUMBER, "cpu_overcommit", &v)) {
		if (v < UNITS_ONE)
			rs_err(r, DIAG_E0203, a[2]->value->loc,
			       "cpu_overcommit must be at least 1");
		else
			p->cpu_overcommit = v;
	}
}

/* ---- prices ------------------------------------------------------------ */

/* The snapshot the project pins, read through the reader; NULL after the
 * error that says why. */
static const struct prices *rs_prices_pinned(struct rs *r)
{
	const struct mdl_project *p = r->p;
	struct strbuf text = STRBUF_INIT;
	struct error err = ERROR_INIT;
	struct prices *t = NULL;
	if (!r->reader || !r->reader->read(r->reader->ctx, p->prices_pin, COMPILE_PRICES_MAX,
					   &text, &err)) {
		rs_err(r, DIAG_E0006, p->prices_loc, "cannot read '%s': %s", p->prices_pin,
		       err.msg ? err.msg : "no file can be read here");
	} else {
		t = arena_alloc(r->a, sizeof(*t));
		if (!prices_read(r->a, text.buf, text.len, p->prices_pin, t, &err)) {
			struct diag *d = rs_err(r, DIAG_E1101, p->prices_loc,
						"'%s' is not a price snapshot: %s", p->prices_pin,
						err.msg);
			diag_help(d, r->dl, "`infrac prices %s` writes one from the Hetzner API",
				  p->prices_pin);
			t = NULL;
		}
	}
	error_release(&err);
	strbuf_release(&text);
	return t;
}

/* The price table: the command line's, the pinned snapshot, or the
 * built-in catalog; and the words every report prints for it. */
static void rs_prices(struct rs *r)
{
	struct mdl_project *p = r->p;
	const struct prices *t = r->pr ? r->pr->table : NULL;
	const char *why = t && r->pr->why && p->prices_pin ? r->pr->why : NULL;
	if (!t && p->prices_pin)
		t = rs_prices_pinned(r);
	if (!t)
		t = catalog_builtin();
	p->prices = t;
	p->servers_only = r->pr && r->pr->servers_only;
	if (t->builtin)
		p->price_source = catalog_source;
	else if (!strcmp(t->origin, "api"))
		p->price_source = arena_printf(r->a, "%s, %s, EUR/month, as of %s", t->source,
					       p->location, t->date);
	else
		p->price_source = arena_printf(r->a, "snapshot %s (%s), %s, EUR/month, as of %s",
					       t->origin, t->source, p->location, t->date);
	if (why)
		p->price_source = arena_printf(r->a, "%s (%s, not the file's %s)", p->price_source,
					       why, p->prices_pin);
}

/* ---- server types and keys --------------------------------------------- */

static void rs_server_type(struct rs *r, const struct ast_item *blk,
			   struct mdl_type *t, bool overrides)
{
	static const char *const names[] = { "vcpu", "ram", "disk", "traffic", "price", NULL };
	const struct ast_item *a[5];
	size_t errors = r->dl->errors;
	rs_collect(r, blk, "server_type", NULL, names, a, NULL);
	t->loc = rs_header_loc(blk);
	t->builtin = false;
	t->block_price = a[4] != NULL;
	int64_t *fields[] = { &t->vcpu, &t->ram, &t->disk, &t->traffic, &t->price };
	enum units_dim dims[] = { UNITS_NUMBER, UNITS_MEM, UNITS_MEM, UNITS_MEM,
				  UNITS_MONEY_RATE };
	for (int i = 0; i < 5; i++) {
		if (!a[i]) {
			/* a new type must be complete; an override may change one figure */
			if (!overrides && i != 3)
				rs_missing(r, t->loc, "server_type", t->name, names[i]);
			continue;
		}
		int64_t v;
		if (!rs_no_range(r, a[i]->value, names[i]) ||
		    !rs_quantity(r, a[i]->value, dims[i], names[i], &v))
			continue;
		if (v <= 0 && i != 4) {
			rs_err(r, DIAG_E0203, a[i]->value->loc, "%s must be more than 0", names[i]);
			continue;
		}
		*fields[i] = v;
	}
	/* the built-in catalog is there to be overridden; a table read
	 * today is news when the file says otherwise */
	if (t->block_price && t->listed && !r->p->prices->builtin) {
		const struct prices_loc *l = prices_at(t->listed, r->p->location);
		if (l && l->monthly != t->price)
			t->table_price = l->monthly;
	}
	t->broken = r->dl->errors > errors;
}

/* file("rel"): its text, read through the caller's reader, in r's arena. */
static bool rs_read_file(struct rs *r, const struct ast_value *v, const char *rel,
			 const char **out)
{
	struct strbuf text = STRBUF_INIT;
	struct error err = ERROR_INIT;
	bool ok = r->reader && r->reader->read(r->reader->ctx, rel, COMPILE_FILE_MAX, &text, &err);
	if (ok)
		*out = arena_strndup(r->a, text.buf, text.len);
	else
		rs_err(r, DIAG_E0006, v->loc, "cannot read '%s': %s", rel,
		       err.msg ? err.msg : "no file can be read here");
	error_release(&err);
	strbuf_release(&text);
	return ok;
}

static void rs_ssh_key(struct rs *r, const struct ast_item *blk, struct mdl_ssh_key *k)
{
	static const char *const names[] = { "public_key", NULL };
	const struct ast_item *a[1];
	rs_collect(r, blk, "ssh_key", k->name, names, a, NULL);
	if (!a[0]) {
		diag_help(rs_missing(r, k->loc, "ssh_key", k->name, "public_key"), r->dl,
			  "add `public_key = file(\"keys/%s.pub\")`", k->name);
		return;
	}
	const struct ast_value *v = a[0]->value;
	const char *text = NULL;
	if (v->kind == AST_CALL && !strcmp(v->u.call.fn, "file")) {
		const char *rel;
		if (!rs_call_arg(r, v, &rel) || !rs_read_file(r, v, rel, &text))
			return;
	} else if (v->kind == AST_CALL) {
		rs_unknown_function(r, v, "a string or file(\"path\")");
		return;
	} else if (!rs_string(r, v, "public_key", &text)) {
		return;
	}
	/* one line: drop the trailing newline and anything after it */
	size_t len = strcspn(text, "\r\n");
	if (len == 0 || (strncmp(text, "ssh-", 4) && strncmp(text, "ecdsa-", 6) &&
			 strncmp(text, "sk-", 3))) {
		struct diag *d = rs_err(r, DIAG_E0203, v->loc,
					"public_key is not an OpenSSH public key");
		diag_note(d, r->dl, "expected a line like 'ssh-ed25519 AAAA... comment'");
		return;
	}
	/* the deploy writes it into authorized_keys as one line of
	 * printable ASCII, and refuses anything else */
	for (size_t i = 0; i < len; i++)
		if (text[i] < 0x20 || text[i] > 0x7e) {
			struct diag *d = rs_err(r, DIAG_E0203, v->loc,
						"public_key holds a character that is not printable "
						"ASCII at byte %zu", i + 1);
			diag_note(d, r->dl, "an OpenSSH public key line is printable ASCII: "
				  "'ssh-ed25519 AAAA... comment'");
			return;
		}
	k->public_key = arena_strndup(r->a, text, len);
}

/* ---- servers ----------------------------------------------------------- */

static void rs_server(struct rs *r, const struct ast_item *blk, struct mdl_server *s)
{
	static const char *const names[] = { "type", "image", "reserve", "ssh_keys", "location",
					     "cpu", "backups", "ipv4", "traffic", NULL };
	static const char *const cpus[] = { "shared", "dedicated", NULL };
	const struct ast_item *a[9];
	rs_collect(r, blk, "server", s->name, names, a, NULL);
	s->image = "ubuntu-24.04";
	s->location = r->p->location;
	s->traffic = -1;
	const char *tn;
	if (!a[0])
		diag_help(rs_missing(r, s->loc, "server", s->name, "type"), r->dl,
			  "add `type = cpx42` or another server type");
	else if (rs_ident(r, a[0]->value, "type", &tn))
		s->type = rs_lookup(r, &r->types, "server type", tn, a[0]->value->loc);
	if (a[1])
		rs_nonempty_string(r, a[1]->value, "image", &s->image);
	if (a[2] && rs_no_range(r, a[2]->value, "reserve"))
		rs_quantity(r, a[2]->value, UNITS_MEM, "reserve", &s->reserve);
	if (a[3]) {
		const struct ast_value **ids;
		size_t n = rs_name_list(r, a[3]->value, "ssh_keys", &ids);
		s->ssh_keys = arena_calloc(r->a, n + 1, sizeof(*s->ssh_keys));
		for (size_t i = 0; i < n; i++) {
			const struct mdl_ssh_key *k = rs_lookup(r, &r->keys, "ssh key",
								ids[i]->u.str, ids[i]->loc);
			if (k)
				s->ssh_keys[s->nssh_keys++] = k;
		}
	}
	if (a[4])
		rs_nonempty_string(r, a[4]->value, "location", &s->location);
	int k;
	if (a[5] && rs_choice(r, a[5]->value, "cpu", cpus, &k))
		s->cpu = k ? MDL_CPU_DEDICATED : MDL_CPU_SHARED;
	if (a[6])
		rs_bool(r, a[6]->value, "backups", &s->backups);
	bool ipv4 = true;
	if (a[7] && rs_bool(r, a[7]->value, "ipv4", &ipv4)) {
		s->ipv6_only = !ipv4;
		s->ipv4_loc = a[7]->value->loc;
	}
	if (a[8])
		rs_traffic(r, a[8]->value, &s->traffic);
}

/* ---- services ---------------------------------------------------------- */

enum {
	SA_IMAGE, SA_RAM, SA_CPUS, SA_PORT, SA_PUBLISH, SA_DOMAIN, SA_NEEDS,
	SA_RESTART, SA_COMMAND, SA_HEALTHCHECK, SA_MAX_UPLOAD, SA_MOVES_DATA, SA_ARCH, SA_TLS,
	SA_EMAIL,
	SA__COUNT
};
static const char *const rs_service_attrs[] = {
	"image", "ram", "cpus", "port", "publish", "domain", "needs", "restart",
	"command", "healthcheck", "max_upload", "moves_data", "arch", NULL,
};
static const char *const rs_proxy_attrs[] = {
	"image", "ram", "cpus", "port", "publish", "domain", "needs", "restart",
	"command", "healthcheck", "max_upload", "moves_data", "arch", "tls", "email", NULL,
};

static bool rs_hostname_ok(const char *h)
{
	size_t len = strlen(h), label = 0;
	if (len == 0 || len > 253 || !strchr(h, '.'))
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = h[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && !(c == '-' && label > 0))
			return false;
		label++;
	}
	/* the top-level label is not all digits */
	const char *tld = strrchr(h, '.') + 1;
	return strspn(tld, "0123456789") != strlen(tld);
}

static void rs_port_value(struct rs *r, const struct ast_value *v, const char *what,
			  int *out)
{
	int port;
	if (rs_int(r, v, what, 1, 65535, &port))
		*out = port;
}

/* One port of `publish`: N (the same on both sides) or HOST:CONTAINER. */
static bool rs_publish_one(struct rs *r, const struct ast_value *e, struct mdl_port *out)
{
	int host = 0, container = 0;
	if (e->kind == AST_PORTS) {
		if (!rs_int(r, e->u.range.lo, "publish's host port", 1, 65535, &host) ||
		    !rs_int(r, e->u.range.hi, "publish's container port", 1, 65535, &container))
			return false;
	} else if (rs_int(r, e, "publish", 1, 65535, &host)) {
		container = host;
	} else {
		return false;
	}
	if (host == 22) {
		struct diag *d = rs_err(r, DIAG_E0601, e->loc,
					"port 22 cannot be published: it is the server's SSH port");
		diag_note(d, r->dl, "infrac and its operators reach the server over SSH on 22");
		return false;
	}
	*out = (struct mdl_port){ host, container };
	return true;
}

/* publish = 8069 | 8070:8069 | [8069, 8070:8069] */
static void rs_publish(struct rs *r, const struct ast_value *v, struct mdl_service *svc)
{
	size_t n = v->kind == AST_LIST ? v->n : 1;
	const struct ast_value *first = v->kind == AST_LIST ? v->u.list.first : v;
	svc->publish = arena_calloc(r->a, n + 1, sizeof(*svc->publish));
	svc->npublish = 0;
	svc->publish_loc = v->loc;
	for (const struct ast_value *e = first; e; e = v->kind == AST_LIST ? e->next : NULL)
		if (rs_publish_one(r, e, &svc->publish[svc->npublish]))
			svc->npublish++;
}

/* needs = [a, b]: declarations, not phase copies */
static void rs_needs(struct rs *r, const struct ast_value *v, struct mdl_service *svc)
{
	const struct ast_value **ids;
	size_t n = rs_name_list(r, v, "needs", &ids);
	svc->needs = arena_calloc(r->a, n + 1, sizeof(*svc->needs));
	svc->needs_locs = arena_calloc(r->a, n + 1, sizeof(*svc->needs_locs));
	svc->nneeds = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mdl_service *t = rs_lookup(r, &r->services, "service", ids[i]->u.str,
							ids[i]->loc);
		if (!t)
			continue;
		if (t == svc->decl) {
			rs_err(r, DIAG_E0403, ids[i]->loc, "%s needs itself", svc->name);
			continue;
		}
		svc->needs_locs[svc->nneeds] = ids[i]->loc;
		svc->needs[svc->nneeds++] = t;
	}
}

/* Resolves the attributes in slots into svc (a declaration or a phase copy). */
static void rs_service_attrs_apply(struct rs *r, const struct ast_item **a,
				   struct mdl_service *svc)
{
	if (a[SA_IMAGE])
		rs_nonempty_string(r, a[SA_IMAGE]->value, "image", &svc->image),
		svc->image_loc = a[SA_IMAGE]->value->loc;
	if (a[SA_RAM] && rs_mem_range(r, a[SA_RAM]->value, "ram", &svc->ram_lo, &svc->ram_hi))
		svc->ram_loc = a[SA_RAM]->value->loc;
	if (a[SA_CPUS] && rs_no_range(r, a[SA_CPUS]->value, "cpus")) {
		int64_t c;
		if (rs_quantity(r, a[SA_CPUS]->value, UNITS_NUMBER, "cpus", &c)) {
			if (c <= 0)
				rs_err(r, DIAG_E0203, a[SA_CPUS]->value->loc,
				       "cpus must be more than 0");
			else
				svc->cpus = c;
		}
	}
	if (a[SA_PORT])
		rs_port_value(r, a[SA_PORT]->value, "port", &svc->port);
	if (a[SA_PUBLISH])
		rs_publish(r, a[SA_PUBLISH]->value, svc);
	if (a[SA_DOMAIN]) {
		const char *d = NULL;
		const struct ast_value *v = a[SA_DOMAIN]->value;
		if (rs_string(r, v, "domain", &d)) {
			if (!rs_hostname_ok(d)) {
				struct diag *dg = rs_err(r, DIAG_E0604, v->loc,
							 "'%s' is not a valid domain name", d);
				diag_note(dg, r->dl, "a domain is lower-case labels of letters, digits "
					  "and inner hyphens, joined by dots, like app.example.com");
			} else {
				svc->domain = d;
				svc->domain_loc = v->loc;
			}
		}
	}
	if (a[SA_NEEDS])
		rs_needs(r, a[SA_NEEDS]->value, svc);
	if (a[SA_RESTART]) {
		static const char *const modes[] = { "unless_stopped", "no", "always",
						     "on_failure", NULL };
		int m;
		if (rs_choice(r, a[SA_RESTART]->value, "restart", modes, &m))
			svc->restart = (enum mdl_restart)m;
	}
	if (a[SA_COMMAND]) {
		const struct ast_value *v = a[SA_COMMAND]->value;
		if (v->kind == AST_STRING) {
			svc->command = arena_alloc(r->a, sizeof(*svc->command));
			svc->command[0] = v->u.str;
			svc->ncommand = 1;
		} else if (v->kind == AST_LIST) {
			svc->command = arena_calloc(r->a, v->n + 1, sizeof(*svc->command));
			svc->ncommand = 0;
			for (const struct ast_value *e = v->u.list.first; e; e = e->next)
				if (rs_string(r, e, "command", &svc->command[svc->ncommand]))
					svc->ncommand++;
		} else {
			rs_wrong_kind(r, v, "command", "a string or a list of strings");
		}
	}
	if (a[SA_HEALTHCHECK])
		rs_nonempty_string(r, a[SA_HEALTHCHECK]->value, "healthcheck", &svc->healthcheck);
	if (a[SA_MAX_UPLOAD] && rs_no_range(r, a[SA_MAX_UPLOAD]->value, "max_upload") &&
	    rs_quantity(r, a[SA_MAX_UPLOAD]->value, UNITS_MEM, "max_upload", &svc->max_upload)) {
		svc->max_upload_loc = a[SA_MAX_UPLOAD]->value->loc;
		if (svc->max_upload <= 0) {
			rs_err(r, DIAG_E0203, svc->max_upload_loc, "max_upload must be more than 0");
			svc->max_upload = 0;
		}
	}
	if (a[SA_ARCH])
		rs_arch(r, a[SA_ARCH]->value, &svc->arch);
}

/*
 * A plain address, strict on purpose: the proxy hands it to certbot in a
 * shell command, so nothing but letters, digits and "._%+-" before the @
 * (not starting with '.' or '-', no "..", not ending with '.') and a
 * host name after it (rs_hostname_ok, in any case).
 */
static bool rs_email_ok(const char *e)
{
	const char *at = strchr(e, '@');
	size_t local = at ? (size_t)(at - e) : 0, dlen = at ? strlen(at + 1) : 0;
	if (!local || local > 64 || dlen > 253 || e[0] == '.' || e[0] == '-' ||
	    at[-1] == '.' || strstr(e, ".."))
		return false;
	for (const char *p = e; p < at; p++)
		if (!ascii_alnum(*p) && !strchr("._%+-", *p))
			return false;
	char domain[254];
	for (size_t i = 0; i <= dlen; i++)
		domain[i] = (char)ascii_tolower(at[1 + i]);
	return rs_hostname_ok(domain);
}

static void rs_proxy_attrs_apply(struct rs *r, const struct ast_item **a,
				 struct mdl_service *svc)
{
	if (a[SA_TLS]) {
		static const char *const modes[] = { "none", "letsencrypt", NULL };
		int m;
		if (rs_choice(r, a[SA_TLS]->value, "tls", modes, &m))
			svc->tls = (enum mdl_tls)m;
	}
	if (a[SA_EMAIL]) {
		const char *e = NULL;
		if (rs_string(r, a[SA_EMAIL]->value, "email", &e)) {
			if (!rs_email_ok(e))
				diag_help(rs_err(r, DIAG_E0203, a[SA_EMAIL]->value->loc,
						 "'%s' is not an email address", e),
					  r->dl, "write a plain address such as \"ops@example.com\": "
					  "letters, digits and . _ %% + - before the @, a domain name "
					  "after it");
			else
				svc->email = e;
		}
	}
}

static int rs_env_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct mdl_env *)pa)->key, ((const struct mdl_env *)pb)->key);
}

static bool rs_env_key_ok(const char *k)
{
	if (!((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') || k[0] == '_'))
		return false;
	/* a loop, not strspn, which builds its table on every call */
	for (k++; *k; k++)
		if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
		      (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

static void rs_env(struct rs *r, const struct ast_item *blk, struct mdl_service *svc)
{
	if (blk->words)
		rs_err(r, DIAG_E0106, blk->words->loc, "an env block has no name");
	size_t n = 0;
	for (const struct ast_item *it = blk->items; it; it = it->next)
		n++;
	struct mdl_env *env = arena_calloc(r->a, svc->nenv + n + 1, sizeof(*env));
	if (svc->nenv)
		memcpy(env, svc->env, svc->nenv * sizeof(*env));
	size_t base = svc->nenv, k = svc->nenv;
	for (const struct ast_item *it = blk->items; it; it = it->next) {
		if (it->kind != AST_ATTR) {
			rs_err(r, DIAG_E0108, it->loc,
			       "an env block holds only `NAME = value` lines");
			continue;
		}
		if (!rs_env_key_ok(it->name)) {
			rs_err(r, DIAG_E0203, ast_name_loc(it),
			       "'%s' is not a valid environment variable name", it->name);
			continue;
		}
		struct mdl_env e = { .key = it->name, .loc = it->loc };
		const struct ast_value *v = it->value;
		if (v->kind == AST_STRING) {
			e.kind = MDL_ENV_LITERAL;
			e.value = v->u.str;
		} else if (v->kind == AST_NUMBER && !v->u.num.unit) {
			e.kind = MDL_ENV_LITERAL;
			e.value = v->u.num.text;
		} else if (v->kind == AST_CALL && !strcmp(v->u.call.fn, "secret")) {
			e.kind = MDL_ENV_SECRET;
			if (!rs_call_arg(r, v, &e.value))
				continue;
		} else if (v->kind == AST_CALL && !strcmp(v->u.call.fn, "env")) {
			e.kind = MDL_ENV_HOST;
			if (!rs_call_arg(r, v, &e.value))
				continue;
		} else if (v->kind == AST_CALL) {
			rs_unknown_function(r, v, "a string, secret(\"NAME\") or env(\"NAME\")");
			continue;
		} else {
			rs_wrong_kind(r, v, it->name, "a string, secret(\"NAME\") or env(\"NAME\")");
			continue;
		}
		/* the name becomes a compose ${NAME} and a line of .env */
		if (e.kind != MDL_ENV_LITERAL && !rs_env_key_ok(e.value)) {
			rs_err(r, DIAG_E0203, v->loc,
			       "'%s' is not a valid environment variable name", e.value);
			continue;
		}
		/* an override replaces the declared value; a repeat is an error */
		size_t j = 0;
		while (j < k && strcmp(env[j].key, e.key))
			j++;
		if (j < k && j >= base) {
			rs_err(r, DIAG_E0103, ast_name_loc(it), "%s is set twice in env", e.key);
			continue;
		}
		env[j] = e;
		if (j == k)
			k++;
	}
	qsort(env, k, sizeof(*env), rs_env_cmp);
	svc->env = env;
	svc->nenv = k;
}

/* A path docker mounts a volume at: absolute, not the container's root,
 * without the ':' that separates a mount's parts in compose. */
static void rs_volume_path(struct rs *r, struct loc loc, const char *path)
{
	if (path[0] != '/')
		rs_err(r, DIAG_E0203, loc, "path must be absolute");
	else if (!path[strspn(path, "/")])
		rs_err(r, DIAG_E0203, loc, "path cannot be the container's root");
	else if (strchr(path, ':'))
		diag_help(rs_err(r, DIAG_E0203, loc, "path cannot hold ':'"), r->dl,
			  "compose reads what follows a ':' as the mount's options");
}

static void rs_volume(struct rs *r, const struct ast_item *blk, struct mdl_volume *vol)
{
	static const char *const names[] = { "path", "size", "growth", "storage", NULL };
	static const char *const storages[] = { "server_disk", "hetzner_volume", NULL };
	const struct ast_item *a[4];
	struct loc nl;
	vol->name = rs_block_name(r, blk, &nl);
	vol->loc = rs_header_loc(blk);
	rs_collect(r, blk, "volume", NULL, names, a, NULL);
	if (!a[0])
		diag_help(rs_missing(r, vol->loc, "volume", vol->name, "path"), r->dl,
			  "add `path = \"/data\"`, where the container sees it");
	else if (rs_nonempty_string(r, a[0]->value, "path", &vol->path))
		rs_volume_path(r, a[0]->value->loc, vol->path);
	if (a[1] && rs_no_range(r, a[1]->value, "size"))
		rs_quantity(r, a[1]->value, UNITS_MEM, "size", &vol->size);
	if (a[2] && rs_no_range(r, a[2]->value, "growth"))
		rs_quantity(r, a[2]->value, UNITS_MEM_RATE, "growth", &vol->growth);
	int k;
	if (a[3] && rs_choice(r, a[3]->value, "storage", storages, &k)) {
		vol->hetzner = k == 1;
		vol->storage_loc = a[3]->value->loc;
	}
}

static void rs_service(struct rs *r, const struct ast_item *blk, struct mdl_service *svc)
{
	static const char *const sub[] = { "volume", "env", NULL };
	const struct ast_item *a[SA__COUNT];
	const char *what = svc->proxy ? "proxy" : "service";
	rs_collect(r, blk, what, svc->name,
		   svc->proxy ? rs_proxy_attrs : rs_service_attrs, a, sub);
	if (!svc->proxy)
		a[SA_TLS] = a[SA_EMAIL] = NULL;
	if (!a[SA_IMAGE])
		diag_help(rs_missing(r, svc->loc, what, svc->name, "image"), r->dl,
			  "add `image = \"name:tag\"`");
	if (!a[SA_RAM])
		diag_help(rs_missing(r, svc->loc, what, svc->name, "ram"), r->dl,
			  "add `ram = 512 MB` (its memory limit) or a range `1 GB .. 2 GB`");
	if (a[SA_MOVES_DATA]) {
		struct diag *d = rs_err(r, DIAG_E0108, ast_name_loc(a[SA_MOVES_DATA]),
					"moves_data belongs in a phase's override of %s", svc->name);
		diag_help(d, r->dl, "write `%s %s { moves_data = true }` in the phase that moves it",
			  what, svc->name);
	}
	rs_service_attrs_apply(r, a, svc);
	if (svc->proxy) {
		rs_proxy_attrs_apply(r, a, svc);
		if (svc->tls == MDL_TLS_LETSENCRYPT && !svc->email && !a[SA_EMAIL])
			diag_help(rs_missing(r, svc->loc, "proxy", svc->name, "email"),
				  r->dl, "tls = letsencrypt needs a contact for Let's Encrypt: "
				  "add `email = \"admin@example.com\"`");
	}
	size_t nvol = 0;
	for (const struct ast_item *it = blk->items; it; it = it->next)
		if (it->kind == AST_BLOCK && !strcmp(it->name, "volume"))
			nvol++;
	svc->volumes = arena_calloc(r->a, nvol + 1, sizeof(*svc->volumes));
	const struct ast_item *env_blk = NULL;
	for (const struct ast_item *it = blk->items; it; it = it->next) {
		if (it->kind != AST_BLOCK)
			continue;
		if (!strcmp(it->name, "volume")) {
			struct mdl_volume *vol = &svc->volumes[svc->nvolumes];
			rs_volume(r, it, vol);
			if (!vol->name)
				continue;
			bool dup = false;
			for (size_t i = 0; i < svc->nvolumes; i++)
				if (!strcmp(svc->volumes[i].name, vol->name))
					dup = true;
			if (dup) {
				rs_err(r, DIAG_E0104, it->words->loc,
				       "volume '%s' is declared twice in %s", vol->name, svc->name);
				continue;
			}
			svc->nvolumes++;
		} else if (!strcmp(it->name, "env")) {
			if (env_blk) {
				struct diag *d = rs_err(r, DIAG_E0103, ast_name_loc(it),
							"%s has two env blocks", svc->name);
				diag_note(d, r->dl, "first on line %u", env_blk->loc.line);
				continue;
			}
			env_blk = it;
			rs_env(r, it, svc);
		}
	}
}

/* ---- phases ------------------------------------------------------------ */

/* `service NAME { ... }` inside a phase: a copy of base (the declaration,
 * or in a scenario the plan's phase copy) with the block's attributes
 * (and env entries) replacing base's. */
static const struct mdl_service *rs_service_override(struct rs *r, const struct ast_item *blk,
						     const struct mdl_service *base)
{
	static const char *const sub[] = { "env", NULL };
	static const char *const flags[] = { "false", "true", NULL };
	const struct ast_item *a[SA__COUNT];
	const struct mdl_service *decl = base->decl;
	struct mdl_service *copy = arena_alloc(r->a, sizeof(*copy));
	*copy = *base;
	rs_collect(r, blk, "a phase's service override", NULL,
		   decl->proxy ? rs_proxy_attrs : rs_service_attrs, a, sub);
	if (!decl->proxy)
		a[SA_TLS] = a[SA_EMAIL] = NULL;
	rs_service_attrs_apply(r, a, copy);
	int moves;
	if (a[SA_MOVES_DATA] && rs_choice(r, a[SA_MOVES_DATA]->value, "moves_data", flags, &moves)) {
		copy->moves_data = moves == 1;
		copy->moves_data_loc = ast_name_loc(a[SA_MOVES_DATA]);
	}
	if (decl->proxy)
		rs_proxy_attrs_apply(r, a, copy);
	for (const struct ast_item *it = blk->items; it; it = it->next)
		if (it->kind == AST_BLOCK && !strcmp(it->name, "env"))
			rs_env(r, it, copy);
	return copy;
}

struct rs_server_override {
	const struct mdl_server *server;
	struct loc loc;
	const struct mdl_type *type;
	struct loc type_loc;
	int64_t reserve;
	bool has_reserve;
	const char *image;
	int64_t traffic;     /* -2: not overridden */
};

/* start and months of a phase */
static void rs_phase_length(struct rs *r, const struct ast_item **a, struct mdl_phase *ph,
			    int default_start)
{
	ph->start = default_start;
	ph->months = -1; /* until the next phase or the horizon's end */
	if (a[0] && !rs_date(r, a[0]->value, "start", &ph->start))
		ph->broken = true;
	if (!a[1])
		return;
	/* `months = 6` reads naturally; `months = 6 months` works too */
	const struct ast_value *v = a[1]->value;
	int64_t m = 0;
	bool ok;
	if (v->kind == AST_NUMBER && !v->u.num.unit) {
		int whole = 0;
		ok = rs_int(r, v, "months", 0, INT32_MAX, &whole);
		m = whole;
	} else {
		ok = rs_no_range(r, v, "months") && rs_quantity(r, v, UNITS_MONTHS, "months", &m);
	}
	if (ok && (m < 1 || m > 1200))
		rs_err(r, DIAG_E0203, v->loc, "months must be between 1 and 1200");
	else if (ok)
		ph->months = (int)m;
	ph->broken |= ph->months < 0;
}

/* The overrides of one phase: the services' copies go to r->copy (their
 * indexes to ov), the servers' to sov. */
struct rs_overrides {
	struct rs_server_override *sov;
	size_t nsov;
	size_t *ov;  /* the services this phase overrides, to clear r->copy and r->placed */
	size_t nov;
};

/* What a scenario's phase block starts from for decl: the plan's phase
 * copy of it when the phase overrides it, else decl. */
static const struct mdl_service *rs_base_copy(const struct rs *r, const struct mdl_service *decl)
{
	for (size_t k = 0; r->base && k < r->base->nplacements; k++) {
		const struct mdl_placement *pl = &r->base->placements[k];
		for (size_t j = 0; j < pl->nservices; j++)
			if (pl->services[j]->decl == decl)
				return pl->services[j];
	}
	return decl;
}

/* `service NAME { ... }` or `proxy NAME { ... }` inside a phase */
static void rs_phase_service(struct rs *r, const struct ast_item *it, const char *name,
			     struct loc nl, const struct mdl_phase *ph, struct rs_overrides *o)
{
	const struct mdl_service *decl = rs_lookup(r, &r->services, it->name, name, nl);
	if (!decl)
		return;
	if (decl->proxy != !strcmp(it->name, "proxy")) {
		rs_err(r, DIAG_E0205, ast_name_loc(it), "%s is a %s, not a %s", name,
		       decl->proxy ? "proxy" : "service", it->name);
		return;
	}
	const struct mdl_service *copy = rs_service_override(r, it, rs_base_copy(r, decl));
	size_t idx = (size_t)(decl - r->p->services);
	if (r->copy[idx]) {
		rs_err(r, DIAG_E0104, nl, "%s is overridden twice in phase %s", name, ph->name);
		return;
	}
	r->copy[idx] = copy;
	o->ov[o->nov++] = idx;
}

/* `server NAME { type, reserve, image }` inside a phase */
static void rs_phase_server(struct rs *r, const struct ast_item *it, const char *name,
			    struct loc nl, const struct mdl_phase *ph, struct rs_overrides *o)
{
	const struct mdl_server *srv = rs_server_lookup(r, name, nl);
	if (!srv)
		return;
	static const char *const snames[] = { "type", "reserve", "image", "traffic", NULL };
	const struct ast_item *sa[4];
	rs_collect(r, it, "a phase's server override", NULL, snames, sa, NULL);
	for (size_t i = 0; i < o->nsov; i++)
		if (o->sov[i].server == srv) {
			rs_err(r, DIAG_E0104, nl, "server %s is overridden twice in phase %s",
			       name, ph->name);
			return;
		}
	struct rs_server_override *so = &o->sov[o->nsov++];
	so->server = srv;
	so->loc = nl;
	const char *tn;
	if (sa[0] && rs_ident(r, sa[0]->value, "type", &tn)) {
		so->type = rs_lookup(r, &r->types, "server type", tn, sa[0]->value->loc);
		so->type_loc = sa[0]->value->loc;
	}
	if (sa[1] && rs_no_range(r, sa[1]->value, "reserve"))
		so->has_reserve = rs_quantity(r, sa[1]->value, UNITS_MEM, "reserve", &so->reserve);
	if (sa[2])
		rs_nonempty_string(r, sa[2]->value, "image", &so->image);
	so->traffic = -2;
	if (sa[3])
		rs_traffic(r, sa[3]->value, &so->traffic);
}

/* A phase's overrides, before its run blocks, which then place the
 * phase's copies. */
static void rs_phase_overrides(struct rs *r, const struct ast_item *blk,
			       const struct mdl_phase *ph, size_t nservers, size_t nservices,
			       struct rs_overrides *o)
{
	o->sov = arena_calloc(r->a, nservers + 1, sizeof(*o->sov));
	o->ov = arena_calloc(r->a, nservices + 1, sizeof(*o->ov));
	o->nsov = o->nov = 0;
	for (const struct ast_item *it = blk->items; it; it = it->next) {
		if (it->kind != AST_BLOCK)
			continue;
		bool is_service = !strcmp(it->name, "service") || !strcmp(it->name, "proxy");
		if (!is_service && strcmp(it->name, "server"))
			continue;
		struct loc nl;
		const char *name = rs_block_name(r, it, &nl);
		if (!name)
			continue;
		if (is_service)
			rs_phase_service(r, it, name, nl, ph, o);
		else
			rs_phase_server(r, it, name, nl, ph, o);
	}
}

/* Does a phase of the scenario before phase i run decl: on srv as a
 * `new` instance in every phase back to the one returned (srv non-NULL),
 * or anywhere as the plan's own (srv NULL)?  The earliest such start, or
 * `start` when none. */
static int rs_data_since(const struct rs *r, const struct mdl_service *decl,
			 const struct mdl_server *srv, int start)
{
	const struct mdl_phase *phs = r->scenario->phases;
	int since = start;
	for (size_t j = (size_t)(r->base - r->p->phases); j-- > 0;) {
		const struct mdl_placement *pl = srv ? model_placement(&phs[j], srv) : NULL;
		bool runs = false;
		for (size_t k = 0; !srv && k < phs[j].nplacements; k++)
			for (size_t e = 0; e < phs[j].placements[k].nservices; e++) {
				const struct mdl_service *x = phs[j].placements[k].services[e];
				runs = runs || (x->decl == decl && !x->instance);
			}
		for (size_t e = 0; pl && e < pl->nservices; e++)
			runs = runs || (pl->services[e]->decl == decl && pl->services[e]->instance);
		if (runs)
			since = phs[j].start;
		else if (srv)
			break; /* a new instance's data is gone once it stops */
	}
	return since;
}

/* A run block's line in a scenario: a copy that records when its data
 * began; `new NAME` is an instance of its own. */
static const struct mdl_service *rs_scenario_entry(struct rs *r, const struct mdl_service *eff,
						   const struct mdl_placement *pl, bool instance)
{
	struct mdl_service *e = arena_alloc(r->a, sizeof(*e));
	*e = *eff;
	e->instance = instance;
	e->data_since = rs_data_since(r, eff->decl, instance ? pl->server : NULL, r->base->start);
	return e;
}

/* A run block's line: NAME, or in a scenario `new NAME`; the name's
 * item, or NULL after an error. */
static const struct ast_item *rs_run_line(struct rs *r, const struct ast_item *s, bool *instance)
{
	*instance = s->kind == AST_WORDS && !strcmp(s->name, "new") && s->words &&
		    !s->words->next;
	if (*instance && !r->scenario) {
		struct diag *d = rs_err(r, DIAG_E0108, s->loc,
					"`new %s` only appears in a scenario's run block",
					s->words->name);
		diag_note(d, r->dl, "the plan runs one instance of a service with volumes; "
			  "declare a second service to run another");
		return NULL;
	}
	if (s->kind != AST_WORD && !*instance) {
		rs_err(r, DIAG_E0108, s->loc, "a run block lists services, one name per line");
		return NULL;
	}
	return s;
}

/* The placement's services: one name per line of the run block. */
static void rs_run_services(struct rs *r, const struct ast_item *it, struct mdl_placement *pl)
{
	size_t n = 0;
	for (const struct ast_item *s = it->items; s; s = s->next)
		n++;
	pl->services = arena_calloc(r->a, n + 1, sizeof(*pl->services));
	pl->service_items = arena_calloc(r->tree, n + 1, sizeof(*pl->service_items));
	for (const struct ast_item *s = it->items; s; s = s->next) {
		bool instance;
		if (!rs_run_line(r, s, &instance))
			continue;
		const char *name = instance ? s->words->name : s->name;
		struct loc nl = instance ? s->words->loc : ast_name_loc(s);
		const struct mdl_service *decl = rs_lookup(r, &r->services, "service", name, nl);
		if (!decl)
			continue;
		size_t idx = (size_t)(decl - r->p->services);
		const struct mdl_service *eff = r->copy[idx];
		if (eff)
			r->placed[idx] = true;
		eff = eff ? eff : decl;
		pl->service_items[pl->nservices] = s;
		pl->services[pl->nservices++] = r->scenario ? rs_scenario_entry(r, eff, pl, instance)
					       : eff;
	}
}

/* run on SERVER { names } */
static void rs_run(struct rs *r, const struct ast_item *it, struct mdl_phase *ph,
		   const struct rs_overrides *o)
{
	const struct ast_word *w = it->words;
	if (!w || strcmp(w->name, "on") || !w->next || w->next->next) {
		rs_err(r, DIAG_E0106, rs_header_loc(it), "a run block is written `run on SERVER { ... }`");
		return;
	}
	const struct mdl_server *srv = rs_server_lookup(r, w->next->name, w->next->loc);
	if (!srv)
		return;
	if (model_placement(ph, srv)) {
		struct diag *d = rs_err(r, DIAG_E0104, w->next->loc,
					"phase %s has two run blocks for server %s", ph->name,
					srv->name);
		diag_help(d, r->dl, "list all of %s's services in one block", srv->name);
		return;
	}
	struct mdl_placement *pl = &ph->placements[ph->nplacements++];
	ph->by_server[srv->index] = pl;
	pl->server = srv;
	pl->type = srv->type;
	pl->reserve = srv->reserve;
	pl->image = srv->image;
	pl->loc = rs_header_loc(it);
	pl->type_loc = srv->loc;
	pl->traffic = srv->traffic;
	/* a scenario's run block keeps what the plan's phase says of the server */
	const struct mdl_placement *bp = r->base ? model_placement(r->base, srv) : NULL;
	if (bp) {
		pl->type = bp->type;
		pl->type_loc = bp->type_loc;
		pl->reserve = bp->reserve;
		pl->image = bp->image;
		pl->traffic = bp->traffic;
	}
	for (size_t i = 0; i < o->nsov; i++) {
		const struct rs_server_override *so = &o->sov[i];
		if (so->server != srv)
			continue;
		if (so->type) {
			pl->type = so->type;
			pl->type_loc = so->type_loc;
		}
		if (so->has_reserve)
			pl->reserve = so->reserve;
		if (so->image)
			pl->image = so->image;
		if (so->traffic != -2)
			pl->traffic = so->traffic;
	}
	rs_run_services(r, it, pl);
}

/* E0405: an override of a server or service the phase does not run has
 * no effect. */
static void rs_phase_unused(struct rs *r, const struct ast_item *blk, const struct mdl_phase *ph,
			    const struct rs_overrides *o)
{
	for (size_t i = 0; i < o->nsov; i++)
		if (!model_placement(ph, o->sov[i].server))
			rs_err(r, DIAG_E0405, o->sov[i].loc,
			       "phase %s overrides server %s but does not run it", ph->name,
			       o->sov[i].server->name);
	for (const struct ast_item *it = blk->items; it; it = it->next) {
		if (it->kind != AST_BLOCK || !it->words || it->words->next ||
		    (strcmp(it->name, "service") && strcmp(it->name, "proxy")))
			continue;
		const char *name = it->words->name;
		const struct mdl_service *decl = symtab_get(&r->services, name);
		size_t idx = decl ? (size_t)(decl - r->p->services) : 0;
		if (!decl || !r->copy[idx] || r->placed[idx])
			continue;
		struct diag *d = rs_err(r, DIAG_E0405, it->words->loc,
					"phase %s overrides %s, which it does not run", ph->name,
					name);
		diag_help(d, r->dl, "add %s to a `run on` block of this phase, or remove the "
			  "override", name);
	}
}

/* A phase's blocks: overrides, then run blocks.  In a scenario (r->base
 * set) the plan's phase copies of the services it overrides are the
 * starting point, below the scenario's own overrides. */
static void rs_phase_blocks(struct rs *r, const struct ast_item *blk, struct mdl_phase *ph)
{
	size_t nserver_ov = 0, nruns = 0, nservice_ov = 0;
	for (const struct ast_item *it = blk->items; it; it = it->next) {
		if (it->kind != AST_BLOCK)
			continue;
		if (!strcmp(it->name, "server"))
			nserver_ov++;
		else if (!strcmp(it->name, "run"))
			nruns++;
		else
			nservice_ov++;
	}
	struct rs_overrides o;
	rs_phase_overrides(r, blk, ph, nserver_ov, r->base ? r->p->nservices : nservice_ov, &o);
	for (size_t k = 0; r->base && k < r->base->nplacements; k++) {
		const struct mdl_placement *bp = &r->base->placements[k];
		for (size_t j = 0; j < bp->nservices; j++) {
			size_t idx = (size_t)(bp->services[j]->decl - r->p->services);
			if (bp->services[j] != bp->services[j]->decl && !r->copy[idx]) {
				r->copy[idx] = bp->services[j];
				o.ov[o.nov++] = idx;
			}
		}
	}
	ph->placements = arena_calloc(r->a, nruns + 1, sizeof(*ph->placements));
	ph->nby_server = r->p->nservers + (r->scenario ? r->scenario->nservers : 0);
	ph->by_server = arena_calloc(r->a, ph->nby_server + 1, sizeof(*ph->by_server));
	for (const struct ast_item *it = blk->items; it; it = it->next)
		if (it->kind == AST_BLOCK && !strcmp(it->name, "run"))
			rs_run(r, it, ph, &o);
	rs_phase_unused(r, blk, ph, &o);
	model_phase_index(r->a, ph, r->p->nservices);
	for (size_t i = 0; i < o.nov; i++) {
		r->copy[o.ov[i]] = NULL;
		r->placed[o.ov[i]] = false;
	}
}

static void rs_phase(struct rs *r, const struct ast_item *blk, struct mdl_phase *ph,
		     int default_start)
{
	static const char *const names[] = { "start", "months", NULL };
	static const char *const sub[] = { "run", "service", "proxy", "server", NULL };
	const struct ast_item *a[2];
	rs_collect(r, blk, "phase", ph->name, names, a, sub);
	rs_phase_length(r, a, ph, default_start);
	rs_phase_blocks(r, blk, ph);
}

/* ---- scenarios --------------------------------------------------------- */

/* `SERVER = TYPE [from PHASE|DATE]` */
static void rs_scenario_assign(struct rs *r, const struct ast_item *it, struct mdl_scenario *sc)
{
	const struct mdl_server *srv = rs_server_lookup(r, it->name, ast_name_loc(it));
	const char *tn;
	const struct mdl_type *t = NULL;
	if (rs_ident(r, it->value, "a scenario's server type", &tn))
		t = rs_lookup(r, &r->types, "server type", tn, it->value->loc);
	struct mdl_assign as = { .server = srv, .type = t, .loc = it->loc, .from = r->p->start };
	bool ok = srv && t;
	if (it->from) {
		const struct ast_value *f = it->from;
		if (f->kind == AST_IDENT) {
			as.from_phase = rs_lookup(r, &r->phases, "phase", f->u.str, f->loc);
			ok = ok && as.from_phase;
		} else if (rs_date(r, f, "from", &as.from)) {
			int end = r->p->start + r->p->horizon;
			if (as.from < r->p->start || as.from >= end) {
				char a[UNITS_BUF], b[UNITS_BUF], c[UNITS_BUF];
				rs_err(r, DIAG_E0502, f->loc, "%s is outside the horizon %s .. %s",
				       units_fmt_month(a, as.from), units_fmt_month(b, r->p->start),
				       units_fmt_month(c, end - 1));
				ok = false;
			}
		} else {
			ok = false;
		}
	}
	for (size_t i = 0; ok && i < sc->nassigns; i++) {
		const struct mdl_assign *o = &sc->assigns[i];
		if (o->server == as.server && o->from_phase == as.from_phase &&
		    (as.from_phase || o->from == as.from)) {
			struct diag *d = rs_err(r, DIAG_E0103, it->loc,
						"scenario %s assigns %s twice from the same month",
						sc->name, srv->name);
			diag_note(d, r->dl, "first on line %u", o->loc.line);
			ok = false;
		}
	}
	if (ok)
		sc->assigns[sc->nassigns++] = as;
}

/* `server NAME { ... }` in a scenario: a server the plan does not have */
static void rs_scenario_server(struct rs *r, const struct ast_item *it, struct mdl_scenario *sc)
{
	struct loc nl;
	const char *name = rs_block_name(r, it, &nl);
	if (!name)
		return;
	const struct mdl_server *plan = symtab_get(&r->servers, name);
	if (plan) {
		struct diag *d = rs_err(r, DIAG_E0104, nl, "scenario %s adds server %s, which the "
					"file declares", sc->name, name);
		diag_note(d, r->dl, "first declared at %s:%u:%u", r->src->path, plan->loc.line,
			  plan->loc.col);
		diag_help(d, r->dl, "give it another name, or change its type with `%s = TYPE`",
			  name);
		return;
	}
	struct mdl_server *srv = &sc->servers[sc->nservers];
	srv->name = name;
	srv->loc = rs_header_loc(it);
	srv->index = r->p->nservers + sc->nservers;
	if (!rs_declare(r, r->scenario_servers, "server", name, nl, srv, rs_loc_server))
		return;
	sc->nservers++;
	rs_server(r, it, srv);
}

/* `phase NAME { run on ... }` in a scenario: phase i as the scenario runs
 * it, its run blocks instead of the plan's */
static void rs_scenario_phase(struct rs *r, const struct ast_item *blk, size_t i)
{
	static const char *const none[] = { NULL };
	static const char *const sub[] = { "run", "service", "proxy", "server", NULL };
	struct mdl_phase *ph = &r->scenario->phases[i];
	const struct ast_item *a[1];
	rs_collect(r, blk, "scenario phase", ph->name, none, a, sub);
	ph->loc = rs_header_loc(blk);
	ph->nplacements = 0;
	r->base = &r->p->phases[i];
	rs_phase_blocks(r, blk, ph);
	r->base = NULL;
}

/* A scenario's block: a server it adds (done first, so that any line may
 * name it) or a phase it places (kept in blocks by phase index). */
static void rs_scenario_block(struct rs *r, const struct ast_item *it, struct mdl_scenario *sc,
			      const struct ast_item **blocks)
{
	struct loc nl;
	const char *name;
	if (!strcmp(it->name, "server"))
		return;
	if (strcmp(it->name, "phase")) {
		struct diag *d = rs_err(r, DIAG_E0101, ast_name_loc(it),
					"a '%s' block cannot appear in scenario %s", it->name, sc->name);
		diag_note(d, r->dl, "blocks allowed here: server, phase");
		return;
	}
	if (!(name = rs_block_name(r, it, &nl)))
		return;
	const struct mdl_phase *ph = rs_lookup(r, &r->phases, "phase", name, nl);
	if (!ph)
		return;
	size_t i = (size_t)(ph - r->p->phases);
	if (blocks[i]) {
		struct diag *d = rs_err(r, DIAG_E0104, nl, "scenario %s places phase %s twice",
					sc->name, name);
		diag_note(d, r->dl, "first on line %u", blocks[i]->loc.line);
		return;
	}
	blocks[i] = it;
}

/* W0902: a server the scenario adds and never runs anything on */
static void rs_scenario_unused(struct rs *r, const struct mdl_scenario *sc)
{
	for (size_t s = 0; s < sc->nservers; s++) {
		bool used = false;
		for (size_t i = 0; sc->phases && i < r->p->nphases && !used; i++)
			used = model_placement(&sc->phases[i], &sc->servers[s]) != NULL;
		if (!used)
			rs_err(r, DIAG_W0902, sc->servers[s].loc, "scenario %s adds server %s but "
			       "runs nothing on it", sc->name, sc->servers[s].name);
	}
}

static void rs_scenario(struct rs *r, const struct ast_item *blk, struct mdl_scenario *sc)
{
	const struct mdl_project *p = r->p;
	size_t n = 0;
	for (const struct ast_item *it = blk->items; it; it = it->next)
		n++;
	sc->assigns = arena_calloc(r->a, n + 1, sizeof(*sc->assigns));
	sc->servers = arena_calloc(r->a, n + 1, sizeof(*sc->servers));
	const struct ast_item **blocks = arena_calloc(r->a, p->nphases + 1, sizeof(*blocks));
	struct symtab servers;
	symtab_init(&servers, r->tree);
	r->scenario = sc;
	r->scenario_servers = &servers;
	for (const struct ast_item *it = blk->items; it; it = it->next)
		if (it->kind == AST_BLOCK && !strcmp(it->name, "server"))
			rs_scenario_server(r, it, sc);
	const struct ast_item *title = NULL;
	for (const struct ast_item *it = blk->items; it; it = it->next) {
		if (it->kind == AST_BLOCK) {
			rs_scenario_block(r, it, sc, blocks);
		} else if (it->kind != AST_ATTR) {
			rs_err(r, DIAG_E0108, it->loc, "a scenario holds `title = \"...\"`, "
			       "`SERVER = TYPE [from PHASE|DATE]` lines and server and phase blocks");
		} else if (strcmp(it->name, "title")) {
			rs_scenario_assign(r, it, sc);
		} else if (title) {
			rs_err(r, DIAG_E0103, ast_name_loc(it), "title is set twice in scenario %s",
			       sc->name);
		} else {
			title = it;
			rs_string(r, it->value, "title", &sc->title);
		}
	}
	bool places = false;
	for (size_t i = 0; i < p->nphases; i++)
		places = places || blocks[i];
	if (places) {
		/* in time order: a phase's data starts in the scenario's earlier ones */
		sc->phases = arena_calloc(r->a, p->nphases + 1, sizeof(*sc->phases));
		for (size_t i = 0; i < p->nphases; i++) {
			sc->phases[i] = p->phases[i];
			if (blocks[i])
				rs_scenario_phase(r, blocks[i], i);
		}
	}
	rs_scenario_unused(r, sc);
	r->scenario = NULL;
	r->scenario_servers = NULL;
}

/* ---- the file ---------------------------------------------------------- */

static int rs_type_cmp(const void *pa, const void *pb)
{
	const struct mdl_type *a = pa, *b = pb;
	if (a->price != b->price)
		return a->price < b->price ? -1 : 1;
	if (a->ram != b->ram)
		return a->ram < b->ram ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int rs_phase_cmp(const void *pa, const void *pb)
{
	const struct mdl_phase *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return strcmp(a->name, b->name);
}

enum rs_kind { K_PROJECT, K_LIMITS, K_TYPE, K_KEY, K_SERVER, K_SERVICE, K_PROXY,
	       K_PHASE, K_SCENARIO, K__COUNT };
static const char *const rs_kinds[] = { "project", "limits", "server_type", "ssh_key",
					"server", "service", "proxy", "phase", "scenario",
					NULL };

/* The kind a block's first word names, or -1. */
static int rs_kind_index(const char *name)
{
	for (int k = 0; k < K__COUNT; k++)
		if (!strcmp(rs_kinds[k], name))
			return k;
	return -1;
}

/* A top-level item's kind, or -1 after an error: not a block, or an
 * unknown kind. */
static int rs_kind_of(struct rs *r, const struct ast_item *it)
{
	if (it->kind == AST_ATTR) {
		struct diag *d = rs_err(r, DIAG_E0108, it->loc,
					"attribute '%s' outside of any block", it->name);
		diag_help(d, r->dl, "attributes belong inside a block such as project { ... }");
		return -1;
	}
	if (it->kind == AST_WORD || it->kind == AST_WORDS) {
		struct diag *d = rs_err(r, DIAG_E0108, it->loc, "'%s' on its own is not a block",
					it->name);
		diag_help(d, r->dl, "a block is written `KIND NAME { ... }`");
		return -1;
	}
	int k = rs_kind_index(it->name);
	if (k >= 0)
		return k;
	struct diag_suggest sg;
	diag_suggest_init(&sg, it->name);
	for (k = 0; k < K__COUNT; k++)
		diag_suggest_try(&sg, rs_kinds[k]);
	struct diag *d = rs_err(r, DIAG_E0101, ast_name_loc(it), "unknown block kind '%s'",
				it->name);
	if (diag_suggest_result(&sg))
		diag_help(d, r->dl, "did you mean '%s'?", diag_suggest_result(&sg));
	else
		diag_note(d, r->dl, "the blocks are project, limits, server_type, ssh_key, "
			  "server, service, proxy, phase and scenario");
	return -1;
}

/* The blocks of the file by kind, in file order (pass 1 counts them, the
 * declaration pass keeps those whose name could be declared). */
struct rs_blocks {
	size_t count[K__COUNT];
	const struct ast_item **of[K__COUNT];
	size_t n[K__COUNT];
	const struct ast_item *project, *limits;
};

/* Pass 1: every top-level item classified and counted; one project and
 * one limits block. */
static void rs_classify(struct rs *r, const struct ast_file *file, struct rs_blocks *b)
{
	for (const struct ast_item *it = file->items; it; it = it->next) {
		int k = rs_kind_of(r, it);
		if (k < 0)
			continue;
		b->count[k]++;
		if (k != K_PROJECT && k != K_LIMITS)
			continue;
		const struct ast_item **slot = k == K_PROJECT ? &b->project : &b->limits;
		if (*slot) {
			struct diag *d = rs_err(r, DIAG_E0107, ast_name_loc(it), "a second %s block",
						rs_kinds[k]);
			diag_note(d, r->dl, "the first is on line %u", (*slot)->loc.line);
		} else {
			*slot = it;
		}
	}
}

/* A type of the price table as the project sees it: priced at the
 * project's location, else where it is sold first (a server elsewhere
 * may use it; one at the project's location cannot: E0304); false when
 * it is sold nowhere. */
static bool rs_listed_type(const struct mdl_project *p, const struct prices_type *pt,
			   struct mdl_type *t)
{
	const struct prices_loc *l = prices_at(pt, p->location);
	if (!l && pt->nlocs)
		l = &pt->locs[0];
	if (!l)
		return false;
	*t = (struct mdl_type){ .name = pt->name, .vcpu = pt->vcpu, .ram = pt->ram,
				.disk = pt->disk, .traffic = l->traffic, .price = l->monthly,
				.builtin = true, .arch = pt->arch, .dedicated = pt->dedicated,
				.listed = pt, .table_price = -1 };
	return true;
}

/* Server types: the price table's, then the file's additions and
 * overrides, cheapest first. */
static void rs_types(struct rs *r, const struct ast_file *file, size_t nblocks)
{
	struct mdl_project *p = r->p;
	const struct prices *pt = p->prices;
	p->types = arena_calloc(r->a, pt->ntypes + nblocks + 1, sizeof(*p->types));
	for (size_t i = 0; i < pt->ntypes; i++)
		if (rs_listed_type(p, &pt->types[i], &p->types[p->ntypes]))
			p->ntypes++;
	struct symtab seen;
	symtab_init(&seen, r->tree);
	for (const struct ast_item *it = file->items; it; it = it->next) {
		if (it->kind != AST_BLOCK || strcmp(it->name, "server_type"))
			continue;
		struct loc nl;
		const char *name = rs_block_name(r, it, &nl);
		if (!name)
			continue;
		if (symtab_put(&seen, name, (void *)it)) {
			rs_err(r, DIAG_E0104, nl, "server_type '%s' is declared twice", name);
			continue;
		}
		struct mdl_type *t = NULL;
		for (size_t i = 0; i < p->ntypes; i++)
			if (!strcmp(p->types[i].name, name))
				t = &p->types[i];
		bool overrides = t != NULL;
		if (!t) {
			t = &p->types[p->ntypes++];
			t->name = name;
			t->traffic = 20 * UNITS_TIB;
			t->arch = PRICES_AMD64;
			t->table_price = -1;
		}
		rs_server_type(r, it, t, overrides);
	}
	qsort(p->types, p->ntypes, sizeof(*p->types), rs_type_cmp);
	for (size_t i = 0; i < p->ntypes; i++)
		symtab_put(&r->types, p->types[i].name, &p->types[i]);
}

/* Declares a block of kind k called name in the model (in the next free
 * element of its array); false when the name is taken (reported). */
static bool rs_declare_block(struct rs *r, int k, const char *name, struct loc nl,
			     struct loc hl, struct symtab *scenarios)
{
	struct mdl_project *p = r->p;
	if (k == K_KEY) {
		struct mdl_ssh_key *key = &p->keys[p->nkeys];
		key->name = name, key->loc = hl;
		if (!rs_declare(r, &r->keys, "ssh_key", name, nl, key, rs_loc_key))
			return false;
		p->nkeys++;
	} else if (k == K_SERVER) {
		struct mdl_server *srv = &p->servers[p->nservers];
		srv->name = name, srv->loc = hl, srv->index = p->nservers;
		if (!rs_declare(r, &r->servers, "server", name, nl, srv, rs_loc_server))
			return false;
		p->nservers++;
	} else if (k == K_SERVICE || k == K_PROXY) {
		struct mdl_service *svc = &p->services[p->nservices];
		svc->name = name, svc->loc = hl;
		svc->proxy = k == K_PROXY;
		svc->decl = svc;
		svc->index = p->nservices;
		svc->first_month = -1;
		svc->data_since = -1;
		if (!rs_declare(r, &r->services, "service or proxy", name, nl, svc, rs_loc_service))
			return false;
		p->nservices++;
	} else if (k == K_PHASE) {
		struct mdl_phase *ph = &p->phases[p->nphases];
		ph->name = name, ph->loc = hl;
		if (!rs_declare(r, &r->phases, "phase", name, nl, ph, rs_loc_phase))
			return false;
		p->nphases++;
	} else {
		struct mdl_scenario *sc = &p->scenarios[p->nscenarios];
		sc->name = name, sc->loc = hl;
		if (!rs_declare(r, scenarios, "scenario", name, nl, sc, rs_loc_scenario))
			return false;
		p->nscenarios++;
	}
	return true;
}

/* The declaration pass: keys, servers, services and proxies, phases and
 * scenarios get their names (and arrays); their blocks are kept. */
static void rs_declarations(struct rs *r, const struct ast_file *file, struct rs_blocks *b)
{
	struct mdl_project *p = r->p;
	const size_t *c = b->count;
	p->keys = arena_calloc(r->a, c[K_KEY] + 1, sizeof(*p->keys));
	p->servers = arena_calloc(r->a, c[K_SERVER] + 1, sizeof(*p->servers));
	p->services = arena_calloc(r->a, c[K_SERVICE] + c[K_PROXY] + 1, sizeof(*p->services));
	p->phases = arena_calloc(r->a, c[K_PHASE] + 1, sizeof(*p->phases));
	p->scenarios = arena_calloc(r->a, c[K_SCENARIO] + 1, sizeof(*p->scenarios));
	for (int k = K_KEY; k < K__COUNT; k++)
		if (k != K_PROXY)
			b->of[k] = arena_calloc(r->a, c[k] + (k == K_SERVICE ? c[K_PROXY] : 0) + 1,
						sizeof(*b->of[k]));
	struct symtab scenarios;
	symtab_init(&scenarios, r->tree);
	for (const struct ast_item *it = file->items; it; it = it->next) {
		int k = it->kind == AST_BLOCK ? rs_kind_index(it->name) : -1;
		if (k < K_KEY)
			continue;
		struct loc nl;
		const char *name = rs_block_name(r, it, &nl);
		/* services and proxies are one list, as they are one namespace */
		int list = k == K_PROXY ? K_SERVICE : k;
		if (name && rs_declare_block(r, k, name, nl, rs_header_loc(it), &scenarios))
			b->of[list][b->n[list]++] = it;
	}
}

/* Phases in time: a missing start follows the previous phase (in file
 * order), a missing length runs to the next phase or the horizon's end;
 * then sorted by start. */
static void rs_phases(struct rs *r, const struct rs_blocks *b)
{
	struct mdl_project *p = r->p;
	int next_start = p->start;
	r->copy = arena_calloc(r->a, p->nservices + 1, sizeof(*r->copy));
	r->placed = arena_calloc(r->a, p->nservices + 1, sizeof(*r->placed));
	for (size_t i = 0; i < p->nphases; i++) {
		rs_phase(r, b->of[K_PHASE][i], &p->phases[i], next_start);
		if (p->phases[i].months > 0)
			next_start = p->phases[i].start + p->phases[i].months;
	}
	/* sorting moves the phases: rebuild the table over the sorted array */
	qsort(p->phases, p->nphases, sizeof(*p->phases), rs_phase_cmp);
	symtab_init(&r->phases, r->tree);
	for (size_t i = 0; i < p->nphases; i++) {
		struct mdl_phase *ph = &p->phases[i];
		symtab_put(&r->phases, ph->name, ph);
		if (ph->months < 0) {
			int end = i + 1 < p->nphases ? p->phases[i + 1].start : p->start + p->horizon;
			ph->months = end > ph->start ? end - ph->start : 0;
		}
	}
}

struct mdl_project *resolve_file(struct arena *a, struct diag_list *dl,
				 const struct ast_file *file, const struct compile_reader *rd,
				 const struct compile_prices *pr)
{
	struct rs r = { .a = a, .tree = file->arena ? file->arena : a, .dl = dl, .src = file->src,
			.reader = rd, .pr = pr };
	struct mdl_project *p = arena_alloc(a, sizeof(*p));
	r.p = p;
	p->src = file->src;
	p->provider = "hetzner";
	p->location = "nbg1";
	p->budget = -1;
	p->cpu_overcommit = UNITS_ONE;
	p->arch = PRICES_AMD64;
	p->net = (struct mdl_network){ 0x0a000000u, 16, 0x0a000000u, 24, { 1, 1, 0, 0 } };
	p->price_source = catalog_source;
	symtab_init(&r.types, r.tree);
	symtab_init(&r.keys, r.tree);
	symtab_init(&r.servers, r.tree);
	symtab_init(&r.services, r.tree);
	symtab_init(&r.phases, r.tree);

	struct rs_blocks b = { 0 };
	rs_classify(&r, file, &b);
	if (!b.project) {
		struct loc l = { 1, 1, 0, 0 };
		struct diag *d = diag_add(dl, DIAG_E0107, file->src, l,
					  "the file has no project block");
		diag_help(d, dl, "start with: project NAME { start = 2026-02  horizon = 36 months }");
		return NULL;
	}
	rs_project(&r, b.project);
	if (b.limits)
		rs_limits(&r, b.limits);
	rs_prices(&r);
	rs_types(&r, file, b.count[K_TYPE]);
	rs_declarations(&r, file, &b);
	for (size_t i = 0; i < p->nkeys; i++)
		rs_ssh_key(&r, b.of[K_KEY][i], &p->keys[i]);
	for (size_t i = 0; i < p->nservers; i++)
		rs_server(&r, b.of[K_SERVER][i], &p->servers[i]);
	rs_private_ips(&r);
	for (size_t i = 0; i < p->nservices; i++)
		rs_service(&r, b.of[K_SERVICE][i], &p->services[i]);
	rs_phases(&r, &b);
	for (size_t i = 0; i < p->nscenarios; i++)
		rs_scenario(&r, b.of[K_SCENARIO][i], &p->scenarios[i]);
	/* a scenario's `from PHASE` means that phase's first month */
	for (size_t i = 0; i < p->nscenarios; i++)
		for (size_t j = 0; j < p->scenarios[i].nassigns; j++) {
			struct mdl_assign *as = &p->scenarios[i].assigns[j];
			if (as->from_phase)
				as->from = as->from_phase->start;
		}
	return p;
}
