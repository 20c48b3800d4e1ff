/*
 * ast: the syntax tree the parser builds, and nothing more.
 *
 * The parser knows only the shape of the language (blocks, attributes,
 * values); what a block or attribute means is the checker's business.
 * Every node carries its source span.  All nodes live in the
 * compilation's arena; lists are singly linked in source order.
 */
#ifndef INFRAC_AST_H
#define INFRAC_AST_H

#include "arena.h"
#include "diag.h"

enum ast_value_kind {
	AST_NUMBER,  /* 16 GB, 20%, 0.5: text kept, unit interpreted later */
	AST_RANGE,   /* lo .. hi */
	AST_STRING,
	AST_DATE,    /* 2026-02 or 2026-02-06 */
	AST_IDENT,
	AST_LIST,
	AST_CALL,    /* secret("X"), env("X"), file("x") */
};

struct ast_value {
	enum ast_value_kind kind;
	struct loc loc;
	struct ast_value *next; /* in a list or an argument list */
	union {
		struct {
			const char *text;  /* decimal literal as written */
			const char *unit;  /* "GB", "EUR/month", "%" or NULL */
			struct loc unit_loc;
		} num;
		struct {
			struct ast_value *lo, *hi;
		} range;
		const char *str;   /* string contents (unescaped), identifier */
		struct {
			int year, month, day; /* day 0 when not written */
		} date;
		struct {
			struct ast_value *first;
			size_t n;
		} list;
		struct {
			const char *fn;
			struct loc fn_loc;
			struct ast_value *args;
			size_t nargs;
		} call;
	} u;
};

enum ast_item_kind {
	AST_ATTR,   /* name = value [from value] */
	AST_BLOCK,  /* word word... { items } */
	AST_WORDS,  /* a line of bare words: a name in `run on x { ... }` */
};

struct ast_word {
	const char *name;
	struct loc loc;
	struct ast_word *next;
};

struct ast_item {
	enum ast_item_kind kind;
	struct loc loc;          /* the whole item */
	/* ATTR: the key; BLOCK: first header word; WORDS: first word */
	const char *name;
	struct loc name_loc;
	struct ast_word *words;  /* BLOCK and WORDS: the header words after name */
	struct ast_value *value; /* ATTR */
	struct ast_value *from;  /* ATTR: `from X`, or NULL */
	struct ast_item *items;  /* BLOCK: contents */
	struct loc open_loc;     /* BLOCK: the '{' */
	struct ast_item *next;
};

struct ast_file {
	const struct src *src;
	struct ast_item *items;
};

#endif
