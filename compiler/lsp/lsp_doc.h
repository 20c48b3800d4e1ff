/*
 * lsp_doc: one document the editor has open, compiled as it changes.
 *
 * The text lives in the compilation (c.src.text): each change builds the
 * new text, releases the old compilation and compiles the new one, with
 * file("...") read relative to the document's folder when its URI is a
 * file: URI (whose path also names the file in what the front end
 * writes, as check names it).  Positions are converted between byte offsets and the
 * protocol's lines and UTF-16 code units through a table of line starts.
 */
#ifndef INFRAC_LSP_DOC_H
#define INFRAC_LSP_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "strbuf.h"

struct lsp_doc {
	char *uri;      /* owned */
	char *path;     /* owned: the path of a file: URI, or NULL */
	char *dir;      /* owned: its folder, or NULL */
	int64_t version;
	struct compilation c;
	uint32_t *lines;  /* owned: byte offset of each line's start */
	size_t nlines;
};

/* Opens uri with text (taken: text is left empty) and compiles it. */
void lsp_doc_open(struct lsp_doc *d, const char *uri, int64_t version, struct strbuf *text);
/* Replaces the text (taken) and compiles again. */
void lsp_doc_set(struct lsp_doc *d, int64_t version, struct strbuf *text);
/* Frees everything d owns. */
void lsp_doc_release(struct lsp_doc *d);

/* The text (d's, valid until the next change) and its length. */
static inline const char *lsp_doc_text(const struct lsp_doc *d) { return d->c.src.text; }
static inline size_t lsp_doc_len(const struct lsp_doc *d) { return d->c.src.len; }

/* The byte offset of a protocol position (line, UTF-16 units), clamped
 * to the line's end and to the text's. */
size_t lsp_doc_offset(const struct lsp_doc *d, uint32_t line, uint32_t ch);
/* The same in a text that has no table of lines: a change's range in
 * the text the changes before it made. */
size_t lsp_doc_text_offset(const char *text, size_t len, uint32_t line, uint32_t ch);
/* The protocol position of byte offset off. */
void lsp_doc_position(const struct lsp_doc *d, size_t off, uint32_t *line, uint32_t *ch);

struct json_object;
/* {"start":{...},"end":{...}} of bytes [off, end); the caller owns it. */
struct json_object *lsp_doc_range(const struct lsp_doc *d, size_t off, size_t end);
/* The params of textDocument/publishDiagnostics: every diagnostic of the
 * compilation with check's code and message, its notes and help on the
 * lines after; the caller owns it. */
struct json_object *lsp_doc_diagnostics(const struct lsp_doc *d);

#endif
