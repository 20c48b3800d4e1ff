/*
 * jsondoc: what every JSON document infrac prints or writes has in common
 * (docs/json.md): a "format" version first, money and other exact
 * quantities as decimal numbers written digit for digit (never a binary
 * fraction), and one way of printing.  check, cost, recommend, build,
 * plan, a saved plan, a price snapshot and a diagnostics-only document
 * all start here, so one reader reads them all.
 */
#ifndef INFRAC_JSONDOC_H
#define INFRAC_JSONDOC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

/* The schema's version, in every document's "format".  2: money as
 * numbers everywhere (plan's format 1 printed strings), the same
 * capacity keys in check, cost and recommend. */
#define JSONDOC_FORMAT 2

struct json_object;

/* A new document {"format": JSONDOC_FORMAT, "file": file}; file is the
 * path as the user gave it (left out when NULL).  The caller owns it
 * (jsondoc_print or jsondoc_text releases it). */
struct json_object *jsondoc_new(const char *file);

/* v / scale as a JSON number with at most `places` decimals, printed
 * exactly as units_fmt_exact writes it; NULL (JSON null) when v < 0,
 * which is how a quantity that is not known is passed.  Caller owns. */
struct json_object *jsondoc_decimal(int64_t v, int64_t scale, int places);
/* s as a JSON string, or NULL (JSON null) when s is NULL.  Caller owns. */
struct json_object *jsondoc_str(const char *s);
/* Cents as EUR with two decimals (negative amounts too: a saving). */
struct json_object *jsondoc_eur(int64_t cents);

/* Appends root, pretty and with a final newline, to out; releases root. */
void jsondoc_text(struct json_object *root, struct strbuf *out);
/* Prints root to f the same way; releases root. */
void jsondoc_print(struct json_object *root, FILE *f);

/*
 * A document written as it is made, for the large ones (check, cost and
 * recommend of a large file): containers are opened and closed in order
 * and every member is printed, and released, when it is put, so no more
 * than one member's tree is in memory at a time.  The bytes are exactly
 * those jsondoc_print writes for the whole tree: the same spacing, key
 * order and numbers.  Text goes to f in blocks of about 64 KB.
 */
#define JSONDOC_DEPTH 16
struct jsondoc_writer {
	FILE *f;
	struct strbuf text;	  /* written, not yet flushed to f */
	int depth;		  /* containers open, the document's own included */
	bool had[JSONDOC_DEPTH];  /* the container at this depth has a member */
	char close[JSONDOC_DEPTH]; /* and its closing bracket */
};

/* Starts the document jsondoc_new(file) starts, written to f. */
void jsondoc_begin(struct jsondoc_writer *w, FILE *f, const char *file);
/* Opens an object ('{') or an array ('[') as the member key of the open
 * object, or as the next element of the open array (key NULL). */
void jsondoc_open(struct jsondoc_writer *w, const char *key, char bracket);
/* Closes the container opened last. */
void jsondoc_close(struct jsondoc_writer *w);
/* Writes v (NULL: null) as the member key, or the next element (key
 * NULL); releases v. */
void jsondoc_put(struct jsondoc_writer *w, const char *key, struct json_object *v);
/* Writes every member of the object obj into the open object, in order;
 * releases obj. */
void jsondoc_put_members(struct jsondoc_writer *w, struct json_object *obj);
/* Closes the document, ends it with a newline and flushes it to f. */
void jsondoc_end(struct jsondoc_writer *w);

#endif
