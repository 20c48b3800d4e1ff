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

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"

enum ast_value_kind {
	AST_NUMBER,  /* 16 GB, 20%, 0.5: text kept, unit interpreted later */
	AST_RANGE,   /* lo .. hi */
	AST_PORTS,   /* host:container, two NUMBERs in u.range */
	AST_STRING,
	AST_DATE,    /* 2026-02 or 2026-02-06 */
	AST_IDENT,
	AST_LIST,
	AST_CALL,    /* secret("X"), env("X"), file("x") */
};

struct ast_value {
	enum ast_value_kind kind;
	struct loc loc;
	/* LIST: the elements; CALL: the arguments.  Here rather than in the
	 * union, where it would make every value of a large file 8 bytes
	 * longer. */
	uint32_t n;
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
		} list;
		struct {
			const char *fn;
			struct loc fn_loc;
			struct ast_value *args;
		} call;
	} u;
};

enum ast_item_kind {
	AST_ATTR,   /* name = value [from value] */
	AST_BLOCK,  /* word word... { items } */
	AST_WORD,   /* a line of one bare word: a name in `run on x { ... }` */
	AST_WORDS,  /* a line of several bare words */
};

struct ast_word {
	const char *name;
	struct loc loc;
	struct ast_word *next;
};

/* Most items of a large file are one-word lines (the names in a `run on`
 * block), so an item keeps only what every kind needs: the name's span is
 * the start of the item's (see ast_name_loc), a WORD item is allocated
 * without the header words, and the parts of an attribute and of a block
 * share storage, which WORDS items are allocated without (see
 * ast_item_size).  Read the fields only for their kind. */
struct ast_item {
	enum ast_item_kind kind;
	uint32_t name_end;       /* byte offset after the name */
	struct loc loc;          /* the whole item */
	/* ATTR: the key; BLOCK: first header word; WORD(S): first word */
	const char *name;
	struct ast_item *next;
	struct ast_word *words;  /* BLOCK and WORDS: the header words after name */
	union {
		struct {                 /* ATTR */
			struct ast_value *value;
			struct ast_value *from;  /* `from X`, or NULL */
		};
		struct {                 /* BLOCK */
			struct ast_item *items;  /* contents */
			struct loc open_loc;     /* the '{' */
		};
	};
};

/* The bytes an item of this kind occupies. */
static inline size_t ast_item_size(enum ast_item_kind kind)
{
	return kind == AST_WORD ? offsetof(struct ast_item, words)
	       : kind == AST_WORDS ? offsetof(struct ast_item, value)
	       : sizeof(struct ast_item);
}

/* The span of the item's name (its first word). */
static inline struct loc ast_name_loc(const struct ast_item *it)
{
	struct loc l = it->loc;
	l.end_off = it->name_end;
	return l;
}

struct ast_file {
	const struct src *src;
	struct ast_item *items;
	/* the arena of the nodes, for what lives no longer than the tree
	 * (resolve's name tables, the run lines of the placements) */
	struct arena *arena;
};

#endif
