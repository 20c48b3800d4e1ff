#include "lsp_query.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "model.h"
#include "report.h"
#include "units.h"
#include "xalloc.h"

/* The line under the cursor and what of it. */
struct lsp_query_hit {
	const struct ast_item *top;    /* the top-level block */
	const struct ast_item *block;  /* the innermost block around item */
	const struct ast_item *item;   /* the line or block hit */
	const struct ast_value *value; /* a value hit, or NULL */
	const struct ast_word *word;   /* a header word after the first, or NULL */
	bool on_name;                  /* the item's first word */
	bool from;                     /* value is `from`'s */
};

/* A token's span holds off, its end included: the cursor sits after a
 * word as often as on it. */
static bool lsp_query_on(struct loc l, size_t off)
{
	return off >= l.off && off <= l.end_off;
}

static const struct ast_value *lsp_query_value(const struct ast_value *v, size_t off)
{
	if (!v || !lsp_query_on(v->loc, off))
		return NULL;
	const struct ast_value *in = NULL;
	switch (v->kind) {
	case AST_RANGE:
	case AST_PORTS:
		in = lsp_query_value(v->u.range.lo, off);
		return in ? in : lsp_query_value(v->u.range.hi, off);
	case AST_LIST:
		for (const struct ast_value *e = v->u.list.first; e && !in; e = e->next)
			in = lsp_query_value(e, off);
		return in;
	case AST_CALL:
		for (const struct ast_value *e = v->u.call.args; e && !in; e = e->next)
			in = lsp_query_value(e, off);
		return in;
	default:
		return v;
	}
}

/* Fills h with what of items (the contents of h->block) is at off. */
static bool lsp_query_find(const struct ast_item *items, size_t off, struct lsp_query_hit *h)
{
	for (const struct ast_item *it = items; it; it = it->next) {
		if (off < it->loc.off || off > it->loc.end_off)
			continue;
		h->item = it;
		if (off <= it->name_end) {
			h->on_name = true;
			return true;
		}
		if (it->kind == AST_BLOCK || it->kind == AST_WORDS)
			for (const struct ast_word *w = it->words; w; w = w->next)
				if (lsp_query_on(w->loc, off)) {
					h->word = w;
					return true;
				}
		if (it->kind == AST_ATTR) {
			h->value = lsp_query_value(it->value, off);
			if (!h->value && (h->value = lsp_query_value(it->from, off)))
				h->from = true;
			return true;
		}
		if (it->kind == AST_BLOCK && off > it->open_loc.off) {
			h->block = it;
			h->item = NULL;
			lsp_query_find(it->items, off, h);
		}
		return true;
	}
	return false;
}

static bool lsp_query_at(const struct lsp_doc *d, size_t off, struct lsp_query_hit *h)
{
	memset(h, 0, sizeof(*h));
	for (const struct ast_item *it = d->c.ast.items; it; it = it->next)
		if (it->kind == AST_BLOCK && off >= it->loc.off && off <= it->loc.end_off) {
			h->top = it;
			break;
		}
	return lsp_query_find(d->c.ast.items, off, h) && h->top;
}

static const char *const lsp_query_services[] = { "service", "proxy", NULL };
static const char *const lsp_query_servers[] = { "server", NULL };
static const char *const lsp_query_types[] = { "server_type", NULL };
static const char *const lsp_query_keys[] = { "ssh_key", NULL };
static const char *const lsp_query_phases[] = { "phase", NULL };

const char *const *lsp_query_ref_kinds(const char *block, const char *key, bool from)
{
	if (from)
		return lsp_query_phases;
	if (block && !strcmp(block, "run"))
		return lsp_query_services;
	if (block && !strcmp(block, "scenario"))
		return key ? lsp_query_types : lsp_query_servers;
	if (!key)
		return NULL;
	if (!strcmp(key, "run on"))
		return lsp_query_servers;
	if (block && !strcmp(block, "phase"))
		return !strcmp(key, "server") ? lsp_query_servers
		       : !strcmp(key, "service") || !strcmp(key, "proxy") ? lsp_query_services
		       : NULL;
	if (!strcmp(key, "type"))
		return lsp_query_types;
	if (!strcmp(key, "ssh_keys"))
		return lsp_query_keys;
	if (!strcmp(key, "needs"))
		return lsp_query_services;
	return NULL;
}

/* The name used at h and the kinds of block it may name; false when h
 * is no name.  A block's own name names the block itself. */
static bool lsp_query_ref(const struct lsp_query_hit *h, const char **name,
			  const char *const **kinds, struct loc *span)
{
	const struct ast_item *it = h->item;
	const char *block = h->block ? h->block->name : NULL;
	if (h->value && h->value->kind == AST_IDENT) {
		*name = h->value->u.str;
		*kinds = lsp_query_ref_kinds(block, it->name, h->from);
		*span = h->value->loc;
		return true;
	}
	if (h->on_name && it && (it->kind == AST_WORD || it->kind == AST_ATTR) &&
	    block && (!strcmp(block, "run") || !strcmp(block, "scenario"))) {
		*name = it->name;
		*kinds = lsp_query_ref_kinds(block, NULL, false);
		*span = ast_name_loc(it);
		return true;
	}
	if (!h->word)
		return false;
	*name = h->word->name;
	*span = h->word->loc;
	/* in a phase: `run on SERVER`, and the overrides `server NAME`,
	 * `service NAME`, `proxy NAME`; other header words name what their
	 * block declares (a volume) */
	if (it == h->top || strcmp(h->top->name, "phase"))
		return false;
	if (!strcmp(it->name, "run"))
		*kinds = h->word != it->words ? lsp_query_servers : NULL;
	else if (!strcmp(it->name, "server"))
		*kinds = lsp_query_servers;
	else if (!strcmp(it->name, "service") || !strcmp(it->name, "proxy"))
		*kinds = lsp_query_services;
	else
		*kinds = NULL;
	return *kinds != NULL;
}

static bool lsp_query_kind_in(const char *kind, const char *const *kinds)
{
	if (!kinds)
		return true;
	for (; *kinds; kinds++)
		if (!strcmp(kind, *kinds))
			return true;
	return false;
}

bool lsp_query_definition(const struct lsp_doc *d, size_t off, struct loc *target)
{
	struct lsp_query_hit h;
	const char *name;
	const char *const *kinds;
	if (!lsp_query_at(d, off, &h))
		return false;
	if (h.word && h.item == h.top && h.word == h.top->words) {
		*target = h.word->loc; /* a declaration's own name */
		return true;
	}
	struct loc at;
	if (!lsp_query_ref(&h, &name, &kinds, &at))
		return false;
	for (const struct ast_item *it = d->c.ast.items; it; it = it->next)
		if (it->kind == AST_BLOCK && it->words && !strcmp(it->words->name, name) &&
		    lsp_query_kind_in(it->name, kinds)) {
			*target = it->words->loc;
			return true;
		}
	return false;
}

/* ---- hover ---------------------------------------------------------------- */

/* v / scale exactly: "1536", "102.4" */
static void lsp_query_decimal(struct strbuf *out, int64_t v, int64_t scale)
{
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	strbuf_addf(out, "%s%llu", v < 0 ? "-" : "", (unsigned long long)(m / (uint64_t)scale));
	uint64_t frac = m % (uint64_t)scale;
	if (!frac)
		return;
	strbuf_addch(out, '.');
	for (uint64_t s = (uint64_t)scale / 10; frac && s; s /= 10) {
		strbuf_addch(out, (char)('0' + frac / s));
		frac %= s;
	}
}

static void lsp_query_exact(struct strbuf *out, struct quantity q)
{
	int64_t bytes;
	switch (q.dim) {
	case UNITS_MEM:
	case UNITS_MEM_RATE:
		strbuf_addstr(out, "exactly ");
		lsp_query_decimal(out, q.v, UNITS_MIB);
		strbuf_addstr(out, " MiB");
		if (q.v % 125 == 0 && units_mul(q.v / 125, 131072, &bytes))
			strbuf_addf(out, " = %lld bytes", (long long)bytes);
		strbuf_addstr(out, q.dim == UNITS_MEM_RATE ? " per month" : "");
		strbuf_addstr(out, "\n\nGB is GiB (1024 MiB), as Docker and Hetzner count; "
			      "infrac computes in thousandths of a MiB: ");
		break;
	case UNITS_MONEY:
	case UNITS_MONEY_RATE:
		strbuf_addf(out, "exactly %lld cents%s\n\ninfrac computes money in cents: ",
			    (long long)q.v, q.dim == UNITS_MONEY_RATE ? " per month" : "");
		break;
	case UNITS_MONTHS:
		strbuf_addf(out, "%lld months", (long long)q.v);
		if (q.v % 12 == 0)
			strbuf_addf(out, " = %lld years", (long long)(q.v / 12));
		strbuf_addstr(out, "\n\ninfrac computes time in calendar months: ");
		break;
	case UNITS_PERCENT:
		strbuf_addstr(out, "exactly ");
		lsp_query_decimal(out, q.v, 100 * UNITS_PERCENT_ONE);
		strbuf_addstr(out, "\n\ninfrac computes percentages in basis points: ");
		break;
	case UNITS_NUMBER:
		strbuf_addstr(out, "exactly ");
		lsp_query_decimal(out, q.v, UNITS_ONE);
		strbuf_addstr(out, " (vCPUs when it is cpus or vcpu)\n\n"
			      "infrac computes plain numbers in thousandths: ");
		break;
	}
	strbuf_addf(out, "%lld", (long long)q.v);
}

static bool lsp_query_hover_number(const struct ast_value *v, struct strbuf *out)
{
	struct quantity q;
	if (units_parse(v->u.num.text, v->u.num.unit, &q) != UNITS_OK)
		return false;
	const char *unit = v->u.num.unit;
	strbuf_addf(out, "**%s%s%s** (%s): ", v->u.num.text, unit && strcmp(unit, "%") ? " " : "",
		    v->u.num.unit ? v->u.num.unit : "", units_dim_name(q.dim));
	lsp_query_exact(out, q);
	return true;
}

/* check's report of server s in phase ph as a code block; false when s
 * does not run in ph */
static bool lsp_query_placement(const struct mdl_project *p, const struct mdl_phase *ph,
				const struct mdl_server *s, struct strbuf *out)
{
	const struct mdl_placement *pl = model_placement(ph, s);
	if (!pl)
		return false;
	char a[UNITS_BUF], b[UNITS_BUF];
	strbuf_addf(out, "**phase %s** %s .. %s\n```text\n", ph->name, units_fmt_month(a, ph->start),
		    units_fmt_month(b, ph->start + ph->months - 1));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		xalloc_die();
	report_placement(p, ph, pl, f);
	fclose(f);
	strbuf_add(out, text, len);
	free(text);
	strbuf_addstr(out, "```\n");
	return true;
}

/* `run on SERVER` in a phase, or the header of `server NAME`: the
 * server's capacity in that phase or in every phase it runs in. */
static bool lsp_query_hover_server(const struct lsp_doc *d, const struct lsp_query_hit *h,
				   struct strbuf *out)
{
	const struct mdl_project *p = d->c.project;
	const struct ast_item *it = h->item;
	bool run = !strcmp(it->name, "run") && !strcmp(h->top->name, "phase");
	if (!p || !(run || (it == h->top && !strcmp(it->name, "server"))))
		return false;
	const struct ast_word *w = it->words;
	if (run && w)
		w = w->next; /* run on NAME */
	const struct mdl_server *s = w ? model_server(p, w->name) : NULL;
	if (!s)
		return false;
	if (run) {
		const struct mdl_phase *ph = h->top->words ? model_phase(p, h->top->words->name)
							   : NULL;
		return ph && lsp_query_placement(p, ph, s, out);
	}
	bool any = false;
	for (size_t i = 0; i < p->nphases; i++)
		any |= lsp_query_placement(p, &p->phases[i], s, out);
	if (!any)
		strbuf_addf(out, "server %s runs in no phase\n", s->name);
	return true;
}

/* "1 GB", "2 GB .. 3 GB" */
static void lsp_query_ram(struct strbuf *out, const struct mdl_service *s)
{
	char a[UNITS_BUF];
	strbuf_addstr(out, units_fmt_mem(a, s->ram_lo));
	if (s->ram_hi != s->ram_lo)
		strbuf_addf(out, " .. %s", units_fmt_mem(a, s->ram_hi));
}

/* A service or proxy: its image and RAM, and where each phase runs it
 * with the RAM it has there. */
static bool lsp_query_hover_service(const struct lsp_doc *d, const char *name,
				    struct strbuf *out)
{
	const struct mdl_project *p = d->c.project;
	const struct mdl_service *decl = NULL;
	for (size_t i = 0; p && i < p->nservices && !decl; i++)
		if (!strcmp(p->services[i].name, name))
			decl = &p->services[i];
	if (!decl)
		return false;
	strbuf_addf(out, "**%s %s** `%s`, ram ", decl->proxy ? "proxy" : "service", decl->name,
		    decl->image ? decl->image : "");
	lsp_query_ram(out, decl);
	bool any = false;
	for (size_t i = 0; i < p->nphases; i++)
		for (size_t k = 0; k < p->phases[i].nplacements; k++) {
			const struct mdl_placement *pl = &p->phases[i].placements[k];
			for (size_t j = 0; j < pl->nservices; j++) {
				if (pl->services[j]->decl != decl)
					continue;
				strbuf_addf(out, "%s- phase %s on server %s: ram ",
					    any ? "\n" : "\n\n", p->phases[i].name, pl->server->name);
				lsp_query_ram(out, pl->services[j]);
				any = true;
			}
		}
	if (!any)
		strbuf_addstr(out, "\n\nno phase runs it");
	return true;
}

/* A server type: what it has and costs, and where its price is from. */
static bool lsp_query_hover_type(const struct lsp_doc *d, const char *name, struct strbuf *out)
{
	const struct mdl_project *p = d->c.project;
	const struct mdl_type *t = p ? model_type(p, name) : NULL;
	if (!t)
		return false;
	char a[UNITS_BUF], o[256];
	strbuf_addf(out, "**%s** %s vCPU, ", t->name, units_fmt_number(a, t->vcpu));
	strbuf_addf(out, "%s RAM, ", units_fmt_mem(a, t->ram));
	strbuf_addf(out, "%s disk, ", units_fmt_mem(a, t->disk));
	strbuf_addf(out, "%s EUR/month\n\nprice: %s", units_fmt_money(a, t->price),
		    t->builtin ? p->price_source : report_price_origin(o, sizeof(o), p, t));
	return true;
}

/* The name at h, and the kinds it may name: a reference, or a service,
 * proxy or server_type block's own name. */
static bool lsp_query_named(const struct lsp_query_hit *h, const char **name,
			    const char *const **kinds, struct loc *span)
{
	if (h->word && h->item == h->top && h->word == h->top->words) {
		const char *k = h->top->name;
		*kinds = !strcmp(k, "service") || !strcmp(k, "proxy") ? lsp_query_services
			 : !strcmp(k, "server_type") ? lsp_query_types : NULL;
		*name = h->word->name;
		*span = h->word->loc;
		return *kinds != NULL;
	}
	return lsp_query_ref(h, name, kinds, span);
}

bool lsp_query_hover(const struct lsp_doc *d, size_t off, struct strbuf *out, struct loc *span)
{
	struct lsp_query_hit h;
	const char *name;
	const char *const *kinds;
	if (!lsp_query_at(d, off, &h))
		return false;
	if (h.value && h.value->kind == AST_NUMBER) {
		*span = h.value->loc;
		return lsp_query_hover_number(h.value, out);
	}
	if (lsp_query_named(&h, &name, &kinds, span) && kinds == lsp_query_services)
		return lsp_query_hover_service(d, name, out);
	if (lsp_query_named(&h, &name, &kinds, span) && kinds == lsp_query_types)
		return lsp_query_hover_type(d, name, out);
	const struct ast_item *it = h.item;
	if (!it || it->kind != AST_BLOCK || !(h.on_name || h.word))
		return false;
	*span = ast_name_loc(it);
	for (const struct ast_word *w = it->words; w; w = w->next)
		span->end_off = w->loc.end_off;
	return lsp_query_hover_server(d, &h, out);
}
