/*
 * parse_ctx: what the scanner (lexer.l) and the parser (parser.y) share
 * while one source is parsed.  Private to grammar/; the front end sees
 * only parse_source() in compiler/lang/parse.h.
 */
#ifndef INFRAC_PARSE_CTX_H
#define INFRAC_PARSE_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "parse.h"
#include "symtab.h"

struct parse_brace {
	struct loc loc;
	bool broken;
};

struct parse_ctx {
	struct arena *arena;   /* the tree's nodes */
	struct arena *strings; /* the strings they hold, which the model keeps */
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
	/* the byte after the last token, which the scanner has replaced by
	 * a NUL in the source for as long as the token is current */
	char next_byte;
	/* every distinct name once: a large file repeats each service's
	 * name in every phase, and a copy per use cost more than the table */
	struct symtab names;
	/* open braces, innermost last, for "unclosed '{'"; a brace that was
	 * itself a syntax error is broken, and the '}' that closes it is
	 * no error of its own */
	struct parse_brace *braces;
	size_t nbraces, cap_braces;
	bool closes_broken; /* the last '}' closed a broken brace */
	/* one lexical error a line: the rest of a ruined line is noise, and
	 * so is the parser's complaint about what the scanner dropped */
	uint32_t lex_error_line;
};

#endif
