/*
 * lsp_complete: what may be written at a place of a document: the
 * attributes and blocks of the block the cursor is in, the names of the
 * file's servers, services, proxies, phases, server types and ssh keys
 * where a reference goes, the units after a number and the choices of an
 * attribute that has a few.
 *
 * The block the cursor is in is found in the text, not in the syntax
 * tree: while a line is being typed the file rarely parses.  Names come
 * from the syntax tree of the last compilation (what the parser could
 * recover) and the built-in catalog.
 */
#ifndef INFRAC_LSP_COMPLETE_H
#define INFRAC_LSP_COMPLETE_H

#include <stddef.h>

#include "lsp_doc.h"

struct json_object;
/* The completion items at byte offset off (an array of CompletionItem);
 * the caller owns it. */
struct json_object *lsp_complete_at(const struct lsp_doc *d, size_t off);

#endif
