/*
 * lsp_query: what the editor asks about a place in a document: the
 * thing under the cursor in the syntax tree, its hover text and where
 * the name there is declared.
 *
 * Hover reads the model of the last compilation: on a server block or a
 * `run on` block, the RAM, CPU and disk bars of check's report for that
 * server in that phase (every phase for the server block); on a
 * quantity, its exact value in the unit infrac computes in; on a service
 * or proxy, its image and RAM and where each phase runs it.  They work
 * while the file has errors of capacity or budget, as long as the front
 * end could build a model.
 */
#ifndef INFRAC_LSP_QUERY_H
#define INFRAC_LSP_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "lsp_doc.h"
#include "source.h"
#include "strbuf.h"

/* Markdown for a hover at byte offset off into out, and the span it is
 * about; false when there is nothing to say. */
bool lsp_query_hover(const struct lsp_doc *d, size_t off, struct strbuf *out,
		     struct loc *span);

/* The span of the name that declares the name at off (a server, service,
 * proxy, phase, server_type or ssh_key block); false when there is none. */
bool lsp_query_definition(const struct lsp_doc *d, size_t off, struct loc *target);

/* The block kinds whose names a reference may name, as a NULL-terminated
 * list of static strings, or NULL when it names none: the value of KEY
 * in a block of kind BLOCK (KEY NULL: the first word of a line in it;
 * "run on": the server of a run block; from: the value after `from`).
 * What definition and completion both need. */
const char *const *lsp_query_ref_kinds(const char *block, const char *key, bool from);

#endif
