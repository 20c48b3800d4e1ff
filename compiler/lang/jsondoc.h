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
/* Cents as EUR with two decimals (negative amounts too: a saving). */
struct json_object *jsondoc_eur(int64_t cents);

/* Appends root, pretty and with a final newline, to out; releases root. */
void jsondoc_text(struct json_object *root, struct strbuf *out);
/* Prints root to f the same way; releases root. */
void jsondoc_print(struct json_object *root, FILE *f);

#endif
