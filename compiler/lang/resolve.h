/*
 * resolve: from syntax to meaning.  Checks every block and attribute
 * against the language (kinds, attribute names, value kinds, units,
 * dimensions), binds every name (types, keys, servers, services, phases)
 * and builds the model, with phase overrides applied.
 *
 * The rules that relate resolved things to each other (capacity, ports,
 * domains, dependencies, phases in time) are check.c's.
 */
#ifndef INFRAC_RESOLVE_H
#define INFRAC_RESOLVE_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "compile.h"
#include "diag.h"
#include "model.h"

/*
 * file("...") and a pinned price snapshot are read through rd (NULL: they
 * cannot be); pr chooses the prices (NULL: the pin, else the built-in
 * catalog).  Returns the model (in a) even when errors were reported
 * (what could be resolved), or NULL when the file has no usable project
 * block.
 */
struct mdl_project *resolve_file(struct arena *a, struct diag_list *dl,
				 const struct ast_file *file, const struct compile_reader *rd,
				 const struct compile_prices *pr);

#endif
