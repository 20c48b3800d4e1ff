#include "lsp_complete.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include "ast.h"
#include "catalog.h"
#include "lsp_query.h"

/* LSP's CompletionItemKind */
enum { LSP_COMPLETE_PROPERTY = 10, LSP_COMPLETE_UNIT = 11, LSP_COMPLETE_VALUE = 12,
       LSP_COMPLETE_KEYWORD = 14, LSP_COMPLETE_REFERENCE = 18 };

#define LSP_COMPLETE_DEPTH 8
#define LSP_COMPLETE_WORD 32

/* The blocks open at the cursor, outermost first, by their first word,
 * and where the cursor's line begins. */
struct lsp_complete_ctx {
	char kind[LSP_COMPLETE_DEPTH][LSP_COMPLETE_WORD];
	size_t depth;      /* may exceed LSP_COMPLETE_DEPTH: those are not kept */
	size_t line;       /* offset of the statement the cursor is in */
};

static const char *const lsp_complete_none[] = { NULL };
static const char *const lsp_complete_kinds[] = { "project", "limits", "server_type",
	"ssh_key", "server", "service", "proxy", "phase", "scenario", NULL };
static const char *const lsp_complete_service[] = { "image", "ram", "cpus", "port",
	"publish", "domain", "needs", "restart", "command", "healthcheck", "max_upload", NULL };
static const char *const lsp_complete_proxy[] = { "image", "ram", "cpus", "port",
	"publish", "domain", "needs", "restart", "command", "healthcheck", "max_upload",
	"tls", "email", NULL };

/* The attributes and blocks of a block, by its kind and its parent's
 * (NULL: any); the first that matches is taken.  tests/unit/test_lsp.c
 * proves that the front end accepts each of them. */
static const struct lsp_complete_block {
	const char *parent, *kind;
	const char *const *attrs, *const *blocks;
} lsp_complete_blocks[] = {
	{ "phase", "server", (const char *const[]){ "type", "reserve", "image", NULL },
	  lsp_complete_none },
	{ "phase", "service", lsp_complete_service, (const char *const[]){ "env", NULL } },
	{ "phase", "proxy", lsp_complete_proxy, (const char *const[]){ "env", NULL } },
	{ NULL, "project", (const char *const[]){ "provider", "location", "start", "horizon",
	  NULL }, lsp_complete_none },
	{ NULL, "limits", (const char *const[]){ "headroom", "budget", "cpu_overcommit", NULL },
	  lsp_complete_none },
	{ NULL, "server_type", (const char *const[]){ "vcpu", "ram", "disk", "traffic", "price",
	  NULL }, lsp_complete_none },
	{ NULL, "ssh_key", (const char *const[]){ "public_key", NULL }, lsp_complete_none },
	{ NULL, "server", (const char *const[]){ "type", "image", "reserve", "ssh_keys",
	  "location", NULL }, lsp_complete_none },
	{ NULL, "service", lsp_complete_service, (const char *const[]){ "volume", "env", NULL } },
	{ NULL, "proxy", lsp_complete_proxy, (const char *const[]){ "volume", "env", NULL } },
	{ NULL, "volume", (const char *const[]){ "path", "size", "growth", NULL },
	  lsp_complete_none },
	{ NULL, "phase", (const char *const[]){ "start", "months", NULL },
	  (const char *const[]){ "run", "service", "proxy", "server", NULL } },
	{ NULL, "scenario", (const char *const[]){ "title", NULL }, lsp_complete_none },
};

/* The units an attribute's quantity is written in, by attribute. */
static const struct {
	const char *const *keys, *const *units;
} lsp_complete_units[] = {
	{ (const char *const[]){ "ram", "reserve", "size", "disk", "max_upload", "traffic", NULL },
	  (const char *const[]){ "MB", "GB", "TB", NULL } },
	{ (const char *const[]){ "growth", NULL },
	  (const char *const[]){ "MB/month", "GB/month", "TB/month", NULL } },
	{ (const char *const[]){ "price", "budget", NULL },
	  (const char *const[]){ "EUR/month", NULL } },
	{ (const char *const[]){ "horizon", "months", NULL }, (const char *const[]){ "months", NULL } },
	{ (const char *const[]){ "headroom", NULL }, (const char *const[]){ "%", NULL } },
	{ NULL, (const char *const[]){ "MB", "GB", "TB", "MB/month", "GB/month", "TB/month",
	  "EUR", "EUR/month", "months", "%", NULL } },
};

/* Attributes with a few possible values. */
static const struct {
	const char *key;
	const char *const *values;
} lsp_complete_choices[] = {
	{ "restart", (const char *const[]){ "unless_stopped", "no", "always", "on_failure", NULL } },
	{ "tls", (const char *const[]){ "none", "letsencrypt", NULL } },
	{ "provider", (const char *const[]){ "hetzner", NULL } },
};

#define LSP_COMPLETE_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool lsp_complete_ident(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

/* A block opens at t[open]: its first word, from the statement's start. */
static void lsp_complete_push(struct lsp_complete_ctx *c, const char *t, size_t open)
{
	size_t i = c->line;
	while (i < open && !lsp_complete_ident(t[i]))
		i++;
	size_t n = 0;
	if (c->depth < LSP_COMPLETE_DEPTH) {
		char *w = c->kind[c->depth];
		while (i + n < open && lsp_complete_ident(t[i + n]) && n + 1 < LSP_COMPLETE_WORD) {
			w[n] = t[i + n];
			n++;
		}
		w[n] = '\0';
	}
	c->depth++;
}

/* Reads the text up to off: which blocks are open, where the statement
 * the cursor is in begins.  Strings and comments hide their braces. */
static void lsp_complete_scan(const char *t, size_t off, struct lsp_complete_ctx *c)
{
	memset(c, 0, sizeof(*c));
	bool str = false, comment = false;
	for (size_t i = 0; i < off; i++) {
		char ch = t[i];
		if (ch == '\n') {
			str = comment = false;
			c->line = i + 1;
		} else if (comment) {
			continue;
		} else if (str) {
			if (ch == '\\' && i + 1 < off && t[i + 1] != '\n')
				i++;
			else if (ch == '"')
				str = false;
		} else if (ch == '"') {
			str = true;
		} else if (ch == '#') {
			comment = true;
		} else if (ch == '{') {
			lsp_complete_push(c, t, i);
			c->line = i + 1;
		} else if (ch == '}') {
			c->depth -= c->depth > 0;
			c->line = i + 1;
		}
	}
}

/* The innermost open block's kind and its parent's ("" when none). */
static const char *lsp_complete_kind(const struct lsp_complete_ctx *c, size_t up)
{
	if (c->depth <= up || c->depth - up > LSP_COMPLETE_DEPTH)
		return "";
	return c->kind[c->depth - up - 1];
}

static void lsp_complete_add(struct json_object *items, const char *label, int kind,
			     const char *detail)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_object_add(o, "kind", json_object_new_int(kind));
	if (detail)
		json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_array_add(items, o);
}

static void lsp_complete_list(struct json_object *items, const char *const *words, int kind,
			      const char *detail)
{
	for (; *words; words++)
		lsp_complete_add(items, *words, kind, detail);
}

static bool lsp_complete_in(const char *word, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(word, *list))
			return true;
	return false;
}

static bool lsp_complete_builtin(const char *type)
{
	const struct prices *t = catalog_builtin();
	for (size_t i = 0; i < t->ntypes; i++)
		if (!strcmp(type, t->types[i].name))
			return true;
	return false;
}

/* The names of the file's blocks of the given kinds (NULL: every kind
 * that has names); types include the built-in catalog. */
static void lsp_complete_names(struct json_object *items, const struct lsp_doc *d,
			       const char *const *kinds)
{
	if (!kinds || lsp_complete_in("server_type", kinds))
		for (size_t i = 0; i < catalog_builtin()->ntypes; i++)
			lsp_complete_add(items, catalog_builtin()->types[i].name,
					 LSP_COMPLETE_REFERENCE, "server_type (built-in)");
	for (const struct ast_item *it = d->c.ast.items; it; it = it->next) {
		if (it->kind != AST_BLOCK || !it->words || !strcmp(it->name, "project") ||
		    (kinds && !lsp_complete_in(it->name, kinds)))
			continue;
		if (!strcmp(it->name, "server_type") && lsp_complete_builtin(it->words->name))
			continue; /* an override: listed above */
		lsp_complete_add(items, it->words->name, LSP_COMPLETE_REFERENCE, it->name);
	}
}

/* At the start of a statement in the block c is in: its attributes and
 * blocks, the block kinds at the top, names in `run` and `scenario`. */
static void lsp_complete_statement(struct json_object *items, const struct lsp_doc *d,
				   const struct lsp_complete_ctx *c)
{
	const char *kind = lsp_complete_kind(c, 0), *parent = lsp_complete_kind(c, 1);
	if (!c->depth) {
		lsp_complete_list(items, lsp_complete_kinds, LSP_COMPLETE_KEYWORD, "block");
		return;
	}
	if (!strcmp(kind, "run") || !strcmp(kind, "scenario"))
		lsp_complete_names(items, d, lsp_query_ref_kinds(kind, NULL, false));
	for (size_t i = 0; i < LSP_COMPLETE_COUNT(lsp_complete_blocks); i++) {
		const struct lsp_complete_block *b = &lsp_complete_blocks[i];
		if (strcmp(b->kind, kind) || (b->parent && strcmp(b->parent, parent)))
			continue;
		lsp_complete_list(items, b->attrs, LSP_COMPLETE_PROPERTY, "attribute");
		lsp_complete_list(items, b->blocks, LSP_COMPLETE_KEYWORD, "block");
		return;
	}
}

/* After `KEY =`: units after a number, an attribute's choices, names. */
static void lsp_complete_value(struct json_object *items, const struct lsp_doc *d,
			       const char *kind, const char *key, const char *v, size_t n)
{
	size_t end = n;
	while (end && (lsp_complete_ident(v[end - 1]) || v[end - 1] == '/' || v[end - 1] == '%'))
		end--; /* the word being typed */
	size_t num = end;
	while (num && v[num - 1] == ' ')
		num--;
	if (num && ((v[num - 1] >= '0' && v[num - 1] <= '9') || v[num - 1] == '.')) {
		size_t i = 0;
		while (lsp_complete_units[i].keys && !lsp_complete_in(key, lsp_complete_units[i].keys))
			i++;
		lsp_complete_list(items, lsp_complete_units[i].units, LSP_COMPLETE_UNIT, "unit");
		return;
	}
	if (num >= 4 && !memcmp(v + num - 4, "from", 4) && (num == 4 || v[num - 5] == ' ')) {
		lsp_complete_names(items, d, lsp_query_ref_kinds(kind, key, true));
		return;
	}
	for (size_t i = 0; i < LSP_COMPLETE_COUNT(lsp_complete_choices); i++)
		if (!strcmp(key, lsp_complete_choices[i].key)) {
			lsp_complete_list(items, lsp_complete_choices[i].values, LSP_COMPLETE_VALUE,
					  key);
			return;
		}
	const char *const *kinds = lsp_query_ref_kinds(kind, key, false);
	if (kinds)
		lsp_complete_names(items, d, kinds);
}

/* The first word of s[0..n) into w (empty when there is none); the
 * offset after it. */
static size_t lsp_complete_word(const char *s, size_t n, char w[LSP_COMPLETE_WORD])
{
	size_t i = 0, k = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < n && lsp_complete_ident(s[i])) {
		if (k + 1 < LSP_COMPLETE_WORD)
			w[k++] = s[i];
		i++;
	}
	w[k] = '\0';
	return i;
}

struct json_object *lsp_complete_at(const struct lsp_doc *d, size_t off)
{
	struct json_object *items = json_object_new_array();
	const char *t = lsp_doc_text(d);
	struct lsp_complete_ctx c;
	lsp_complete_scan(t, off, &c);
	const char *s = t + c.line, *kind = lsp_complete_kind(&c, 0);
	size_t n = off - c.line;
	char first[LSP_COMPLETE_WORD], second[LSP_COMPLETE_WORD];
	size_t after = lsp_complete_word(s, n, first);
	const char *eq = memchr(s, '=', n);
	if (eq) {
		lsp_complete_value(items, d, kind, first, eq + 1, n - (size_t)(eq + 1 - s));
		return items;
	}
	if (after == n) { /* the first word is being typed */
		lsp_complete_statement(items, d, &c);
		return items;
	}
	size_t after2 = after + lsp_complete_word(s + after, n - after, second);
	if (!strcmp(first, "run") && (after2 < n || !strcmp(second, "on") || !second[0]))
		lsp_complete_names(items, d, lsp_query_ref_kinds(NULL, "run on", false));
	else if (lsp_query_ref_kinds(kind, first, false))
		lsp_complete_names(items, d, lsp_query_ref_kinds(kind, first, false));
	return items;
}
