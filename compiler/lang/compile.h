/*
 * compile: one compilation, from source text to a checked model.
 *
 * compile_source runs the front end on text the caller has: parse, then
 * resolve, then check.  Syntax errors stop it (what follows them would be
 * guesswork); otherwise every error of resolve and check is collected,
 * sorted by position, for the caller to print.  The text of a file("...")
 * call is read through the caller's reader, so tests and an editor
 * compile buffers without touching the file system.  compile_path does
 * the same for a file, with file() read from disk relative to it.
 *
 * The compilation owns everything it made (the syntax tree's arena; the
 * arena of the strings, the model and the diagnostics; and the source
 * text) until compile_release.
 */
#ifndef INFRAC_COMPILE_H
#define INFRAC_COMPILE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "error.h"
#include "model.h"
#include "strbuf.h"

/* file("...") is at most this long: keys and other small files */
#define COMPILE_FILE_MAX (64 * 1024)
/* An infra file is at most this long: above the largest benchmark input
 * (110 MB, tests/bench/commands.py), and far below the 4 GiB that source
 * offsets can count */
#define COMPILE_SOURCE_MAX (128 * 1024 * 1024)

/*
 * Where file("PATH") reads from.  read appends the bytes of PATH as the
 * file writes it (at most max; more is an error) to out, or returns false
 * with err saying why in a few words ("No such file or directory"), which
 * becomes an E0006 at the call.
 */
struct compile_reader {
	bool (*read)(void *ctx, const char *path, size_t max, struct strbuf *out,
		     struct error *err);
	void *ctx;
};

/*
 * Which prices a compilation uses.  table NULL: the snapshot the file
 * pins with `project { prices = "FILE" }` (read through the reader), else
 * the built-in catalog.  why names the choice that replaced a pin, for
 * the reports ("--prices api").  servers_only leaves every charge but the
 * servers' prices out (the seed's comparison).
 */
struct compile_prices {
	const struct prices *table;
	const char *why;
	bool servers_only;
};

/* A price snapshot may be this long: the whole line-up in every location */
#define COMPILE_PRICES_MAX (4 * 1024 * 1024)

struct compilation {
	struct arena arena;
	struct arena tree;  /* the syntax tree's nodes (c->ast), its strings aside */
	struct diag_list diags;
	struct src src;
	struct ast_file ast;
	struct mdl_project *project; /* NULL when it could not be built */
};

/*
 * Compiles the bytes of text, named name in messages (a path or
 * "<stdin>"; src.path holds it escaped as strbuf_add_escaped writes it).  c takes text's buffer (text is left empty).  rd NULL:
 * every file() fails.  Returns true when there is a model without errors
 * (warnings allowed); c is filled either way and must be released.
 */
bool compile_source(struct compilation *c, const char *name, struct strbuf *text,
		    const struct compile_reader *rd);

/* The reader of compile_path, for a caller that compiles a buffer of a
 * file on disk (an editor's): ctx is the folder (a const char *) that a
 * relative file() path is read from. */
bool compile_read_file(void *ctx, const char *path, size_t max, struct strbuf *out,
		       struct error *err);

/*
 * Parses the bytes of text only (no resolve, no check): for the tools
 * that need the syntax tree and not the model (fmt, completion).  c
 * takes text's buffer as compile_source does; returns true when there
 * was no syntax error, with c->ast filled either way (what could be
 * recovered) and the errors in c->diags, sorted.  c must be released.
 */
bool compile_parse(struct compilation *c, const char *name, struct strbuf *text);

/* The path that names the standard input, as a command's FILE */
#define COMPILE_STDIN "-"

/* Reads path and compiles it, file() relative to path's folder; then
 * releases the syntax tree (compile_drop_tree): the commands on a file
 * need the model only, and the tree is most of a large file's memory.  Only
 * regular files are read (the infra file and every file()), the infra
 * file up to COMPILE_SOURCE_MAX bytes; one that cannot be read is an
 * E0006 without a position.  path COMPILE_STDIN reads the standard input
 * instead (a pipe, a terminal or a redirected file, up to the same cap),
 * named "<stdin>" in messages, file() relative to the current folder. */
bool compile_path(struct compilation *c, const char *path);

/* compile_source and compile_path with the prices pr says (NULL: as
 * compile_source and compile_path do); pr's table must outlive c. */
bool compile_source_priced(struct compilation *c, const char *name, struct strbuf *text,
			   const struct compile_reader *rd, const struct compile_prices *pr);
bool compile_path_priced(struct compilation *c, const char *path, const struct compile_prices *pr);

/* Releases the syntax tree of c and leaves c->ast empty; the model, the
 * diagnostics and the source text stay.  A run line's position is then
 * its run block's (model_service_loc). */
void compile_drop_tree(struct compilation *c);

/* Frees the source text, the diagnostics and the arenas (the model). */
void compile_release(struct compilation *c);

#endif
