/*
 * parse: the front end.  Turns one source file into an ast_file, queuing
 * lexical and syntax errors in the diagnostics list.  The grammar is in
 * parser.y, the scanner in lexer.l; both are reentrant and share a
 * struct parse_ctx.
 */
#ifndef INFRAC_PARSE_H
#define INFRAC_PARSE_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
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

/*
 * Parses src (whose text must be followed by two NUL bytes, as the
 * scanner reads it in place).  Returns true when there was no syntax
 * error; *out is filled in either case with what could be recovered.
 */
bool parse_source(struct arena *a, struct diag_list *dl, const struct src *src,
		  struct ast_file *out);

#endif
