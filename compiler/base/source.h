/*
 * source: one input text and spans in it, for diagnostics and for the
 * error record.  Every syntax node and many model objects hold spans.
 */
#ifndef INFRAC_SOURCE_H
#define INFRAC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/* A span of source text: 1-based line and column (in characters) of the
 * first character, and byte offsets [off, end_off).  Line 0: no position.
 * The line and column of the last character are not stored but computed
 * from the text (diag_loc_end) when a message needs them. */
struct loc {
	uint32_t line, col;
	uint32_t off, end_off;
};

/* One input file, kept whole so diagnostics can quote it. */
struct src {
	const char *path;
	const char *text; /* len bytes, then two NULs */
	size_t len;
};

#endif
