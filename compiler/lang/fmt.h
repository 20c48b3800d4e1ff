/*
 * fmt: the one canonical layout of an infra file (`infrac fmt`).
 *
 * Only the layout changes, never the meaning: indentation by two spaces
 * a block; one item a line; one space around `=`, `..` and `from`, after
 * a comma and a block's name; the `=` of consecutive attributes in a
 * block aligned (a blank line or a nested block starts a new run), as
 * examples/becker.infra does; units after one space ("16 GB") but "20%";
 * a blank line between the blocks of the file, at most one elsewhere and
 * none at the start or end of a block.  Comments stay where they were:
 * a comment on a line of its own stays on a line of its own before the
 * same item, and a comment after an item stays after it, at column 31
 * or two spaces after the longest line of a run of such lines.  A list
 * written over several lines stays one element a line, with a trailing
 * comma; one written on one line stays on one line.  Formatting a
 * formatted file changes nothing.
 *
 * Works on a buffer, so the language server formats an editor's text
 * without touching the file system.  A text with syntax errors is not
 * formatted: the errors are the compilation's diagnostics.
 */
#ifndef INFRAC_FMT_H
#define INFRAC_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "compile.h"
#include "strbuf.h"

enum fmt_status {
	FMT_OK,
	FMT_SYNTAX,   /* syntax errors: in c->diags */
	FMT_MEANING,  /* the layout would have changed the meaning: a bug of
			 fmt's, caught by fmt_same_tree; nothing is written */
};

/*
 * Formats the len bytes of text (named name in messages) and appends the
 * result to out (on FMT_OK only; out is untouched otherwise).  c is
 * filled by compile_parse and must be released by the caller, who
 * prints c->diags on FMT_SYNTAX.  The result is the caller's: out.
 */
enum fmt_status fmt_buffer(struct compilation *c, const char *name, const char *text,
			   size_t len, struct strbuf *out);

/* Appends the canonical layout of a parsed file (its tree and source,
 * which must have parsed without errors) to out. */
void fmt_tree(const struct ast_file *file, struct strbuf *out);

/* Do two trees say the same: the same items, names and values in the
 * same order, whatever their layout and comments?  fmt_buffer proves
 * every result with it before handing it out. */
bool fmt_same_tree(const struct ast_file *a, const struct ast_file *b);

#endif
