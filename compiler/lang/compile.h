/*
 * compile: one compilation, from a path to a checked model.
 *
 * Owns the arena (AST, model, diagnostics) and the source text.  The
 * stages run in order and stop after syntax errors; otherwise every
 * error of resolve and check is collected before the caller prints them.
 */
#ifndef INFRAC_COMPILE_H
#define INFRAC_COMPILE_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "model.h"

struct compilation {
	struct arena arena;
	struct diag_list diags;
	struct src src;
	struct ast_file ast;
	struct mdl_project *project; /* NULL when it could not be built */
};

/* Loads, parses, resolves and checks path.  Returns true when there is
 * a model without errors (warnings allowed). */
bool compile_file(struct compilation *c, const char *path);
void compile_release(struct compilation *c);

#endif
