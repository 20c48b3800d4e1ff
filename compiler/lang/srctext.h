/*
 * srctext: what the front end accepts as source text, decided before it
 * is scanned.  An infra file is UTF-8 text; a byte-order mark before it
 * is allowed and skipped; a binary file (or UTF-16 text) is refused with
 * one error rather than a screenful of stray bytes.
 */
#ifndef INFRAC_SRCTEXT_H
#define INFRAC_SRCTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "source.h"

/* How many of the first bytes of the sample decide that it is binary. */
#define SRCTEXT_SAMPLE 8192

/* The length of the UTF-8 byte-order mark at the start of s: 3 or 0. */
size_t srctext_bom(const struct src *s);

/* false after one E0007 on s (no position) when s is not text: UTF-16,
 * a NUL byte in its first SRCTEXT_SAMPLE bytes, or more than an eighth
 * of them control bytes (other than tab, newline, CR, form feed) or
 * bytes that are not UTF-8. */
bool srctext_check(struct diag_list *dl, const struct src *s);

#endif
