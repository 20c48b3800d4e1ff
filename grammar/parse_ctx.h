/*
 * parse_ctx: what the scanner (lexer.l) and the parser (parser.y) share
 * while one source is parsed.  Private to grammar/; the front end sees
 * only parse_source() in compiler/lang/parse.h.
 */
#ifndef INFRAC_PARSE_CTX_H
#define INFRAC_PARSE_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "parse.h"
#include "symtab.h"

struct parse_ctx {
	struct arena *arena;
	struct diag_list *diags;
	const struct src *src;
	struct ast_item *root;

	/* scanner position, advanced by every matched byte */
	uint32_t line, col, off;
	/* newlines inside [ ] and ( ) do not end an item */
	int nesting;
	/* the previous token, to fold runs of newlines into one, and the
	 * one before it, for hints in syntax errors */
	int last_token, prev_token;
	/* every distinct name once: a large file repeats each service's
	 * name in every phase, and a copy per use cost more than the table */
	struct symtab names;
	/* open braces, innermost last, for "unclosed '{'" */
	struct loc *braces;
	size_t nbraces, cap_braces;
};

#endif
