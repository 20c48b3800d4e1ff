/*
 * udiff: the unified diff of two texts, line by line, as `diff -u` and
 * `patch` read it (for `infrac fmt --diff`).
 *
 * The common lines are a longest common subsequence found with Myers'
 * O(ND) algorithm in linear space, so a large file with few changes is
 * fast and a large file with many changes still fits in memory.
 */
#ifndef INFRAC_UDIFF_H
#define INFRAC_UDIFF_H

#include <stddef.h>

#include "strbuf.h"

/* Lines of context around each change, as diff -u has. */
#define UDIFF_CONTEXT 3

/*
 * Appends to out the diff that turns the alen bytes of a into the blen
 * bytes of b: "--- la" and "+++ lb", then the hunks, "\ No newline at
 * end of file" after a last line without one.  Nothing when the texts
 * are equal.  Never fails; memory through xalloc.
 */
void udiff_unified(const char *a, size_t alen, const char *b, size_t blen, const char *la,
		   const char *lb, struct strbuf *out);

#endif
