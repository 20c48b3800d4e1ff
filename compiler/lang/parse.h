/*
 * parse: the front end's first stage.  Turns one source text into an
 * ast_file, queuing lexical and syntax errors in the diagnostics list.
 *
 * Declared here, implemented by the grammar (grammar/parser.y and
 * grammar/lexer.l): the front end calls the parser through this header
 * and never includes the grammar's own headers, so grammar/ depends on
 * compiler/lang/ and not the other way round.
 */
#ifndef INFRAC_PARSE_H
#define INFRAC_PARSE_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

/*
 * Parses src (whose text must be followed by two NUL bytes, as the
 * scanner reads it in place).  Returns true when there was no syntax
 * error; *out is filled in either case with what could be recovered.
 * The tree's nodes live in a, the strings they hold (names, literals,
 * numbers) in strings, so that the tree can be released while the model
 * built from it, which keeps the strings, lives on; errors go to dl.
 */
bool parse_source(struct arena *a, struct arena *strings, struct diag_list *dl,
		  const struct src *src, struct ast_file *out);

#endif
