/*
 * diag: the one diagnostics module.
 *
 * Every error and warning of a run is queued here with its source span,
 * then printed at once, sorted by position, like a compiler does:
 *
 *   becker.infra:97:3: error[E0301]: phase dev_test overloads server main
 *      97 |   run on main {
 *         |   ^~~~~~
 *     = note: ...
 *     = help: ...
 *
 * The table of codes is DIAG_CODES below; docs/errors.md explains each.
 */
#ifndef INFRAC_DIAG_H
#define INFRAC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "source.h"

/* The line and column of the last character of l in s (l's own start for
 * an empty span or one without a source): what a diagnostic's end is. */
void diag_loc_end(const struct src *s, struct loc l, uint32_t *line, uint32_t *col);

/*   X(code, severity, short title) */
#define DIAG_CODES(X)                                                        \
	X(E0001, ERROR, "syntax error")                                      \
	X(E0002, ERROR, "unterminated string")                               \
	X(E0003, ERROR, "invalid character")                                 \
	X(E0004, ERROR, "malformed literal")                                 \
	X(E0005, ERROR, "unclosed block")                                    \
	X(E0006, ERROR, "cannot read file")                                  \
	X(E0007, ERROR, "not a text file")                                   \
	X(E0008, ERROR, "invalid UTF-8")                                     \
	X(E0009, ERROR, "control character in a string")                     \
	X(E0101, ERROR, "unknown block kind")                                \
	X(E0102, ERROR, "unknown attribute")                                 \
	X(E0103, ERROR, "duplicate attribute")                               \
	X(E0104, ERROR, "duplicate name")                                    \
	X(E0105, ERROR, "missing attribute")                                 \
	X(E0106, ERROR, "malformed block header")                            \
	X(E0107, ERROR, "missing or repeated project block")                 \
	X(E0108, ERROR, "misplaced item")                                    \
	X(E0109, ERROR, "name refused by Hetzner or the server")             \
	X(E0201, ERROR, "unknown unit")                                      \
	X(E0202, ERROR, "wrong dimension")                                   \
	X(E0203, ERROR, "value out of range")                                \
	X(E0204, ERROR, "value not exactly representable")                   \
	X(E0205, ERROR, "wrong kind of value")                               \
	X(E0206, ERROR, "empty range")                                       \
	X(E0207, ERROR, "invalid date")                                      \
	X(E0208, ERROR, "unknown function")                                  \
	X(E0209, ERROR, "invalid choice")                                    \
	X(E0301, ERROR, "server out of memory")                              \
	X(E0302, ERROR, "server out of CPU")                                 \
	X(E0303, ERROR, "server out of disk")                                \
	X(E0304, ERROR, "server type of the wrong kind")                     \
	X(E0401, ERROR, "unknown name")                                      \
	X(E0402, ERROR, "dependency not on the same server")                 \
	X(E0403, ERROR, "dependency cycle")                                  \
	X(E0404, ERROR, "service placed twice in a phase")                   \
	X(E0405, ERROR, "phase override of a service that does not run")     \
	X(E0406, ERROR, "service moved away from its data")                  \
	X(E0501, ERROR, "phases overlap")                                    \
	X(E0502, ERROR, "outside the horizon")                               \
	X(W0503, WARNING, "months not covered by any phase")                 \
	X(E0601, ERROR, "invalid port")                                      \
	X(E0602, ERROR, "port published twice")                              \
	X(E0603, ERROR, "port reserved for the proxy")                       \
	X(E0604, ERROR, "invalid domain")                                    \
	X(E0605, ERROR, "duplicate domain")                                  \
	X(E0606, ERROR, "domain without a proxy")                            \
	X(E0607, ERROR, "domain without a port")                             \
	X(E0608, ERROR, "max_upload without a domain")                       \
	X(W0609, WARNING, "database port published to the internet")         \
	X(E0701, ERROR, "secret written as a literal")                       \
	X(E0801, ERROR, "over budget")                                       \
	X(W0901, WARNING, "image without a pinned tag")                      \
	X(W0902, WARNING, "declared but never run")                          \
	X(E0903, ERROR, "invalid image reference")                          \
	X(E1001, ERROR, "user data too large")                               \
	X(E1002, ERROR, "environment variable not set or not UTF-8")         \
	X(E1003, ERROR, "name taken in the generated files")                 \
	X(W1004, WARNING, "no known compose package for the image")          \
	X(E1101, ERROR, "invalid price snapshot")                            \
	X(W1102, WARNING, "not deployed yet")

enum diag_code {
#define DIAG_ENUM(code, sev, title) DIAG_##code,
	DIAG_CODES(DIAG_ENUM)
#undef DIAG_ENUM
	DIAG__COUNT
};

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct diag_line {
	bool help; /* "= help:" rather than "= note:" */
	const char *text;
	struct diag_line *next;
};

struct diag {
	enum diag_code code;
	const struct src *src;
	struct loc loc;
	const char *msg;
	struct diag_line *lines, **lines_tail;
	size_t seq; /* report order among equal positions */
	bool hide_source; /* the quoted line would show a secret */
};

struct diag_list {
	struct arena *arena;
	struct diag **items;
	size_t n, cap;
	size_t errors, warnings;
	size_t syntax_errors; /* capped: a ruined file must not flood */
};

/* A list whose diagnostics and texts live in a; diag_list_release frees
 * only the list's own index. */
void diag_list_init(struct diag_list *dl, struct arena *a);
void diag_list_release(struct diag_list *dl);

/* Queues a diagnostic at loc of src (NULL: none); returns it for notes
 * and help lines (diag_note, diag_help), which are printed in order.
 * Never fails: memory comes from the arena. */
struct diag *diag_add(struct diag_list *dl, enum diag_code code,
		      const struct src *src, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
struct diag *diag_addv(struct diag_list *dl, enum diag_code code,
		       const struct src *src, struct loc loc, const char *fmt,
		       va_list ap) __attribute__((format(printf, 5, 0)));
/* Adds d (made for another list in the same arena, or its own) to dl. */
void diag_take(struct diag_list *dl, struct diag *d);
void diag_note(struct diag *d, struct diag_list *dl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_help(struct diag *d, struct diag_list *dl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "E0301", "server out of memory", DIAG_ERROR: static strings. */
const char *diag_code_name(enum diag_code code);
const char *diag_code_title(enum diag_code code);
enum diag_severity diag_code_severity(enum diag_code code);

/* Sorts by file, position, then report order; stable across runs. */
void diag_sort(struct diag_list *dl);
/* Text output shows at most this many diagnostics, then how many more. */
#define DIAG_MAX_SHOWN 20

/* Every diagnostic as text (the first DIAG_MAX_SHOWN, then "and N more
 * errors"): the message, the source line (cut to a window around the
 * span), the caret, notes and help; every control character, byte that is
 * not UTF-8 and character that hides text escaped (strbuf_add_escaped). */
void diag_print(const struct diag_list *dl, FILE *out, bool color);
/* One JSON document: {"format":2, "diagnostics":[...], "errors":N,
 * "warnings":N}; every diagnostic kept, strings escaped as for text, so
 * always UTF-8. */
void diag_print_json(const struct diag_list *dl, FILE *out);
/* Writes "diagnostics" (one diagnostic at a time), "errors" and
 * "warnings" (none when dl is NULL) into a command's own JSON document,
 * written by w, and ends the document (jsondoc_end). */
struct jsondoc_writer;
void diag_json_end(struct jsondoc_writer *w, const struct diag_list *dl);

/* "did you mean": the candidate closest to name by edit distance, or NULL
 * when none is close enough to be a likely typo. */
struct diag_suggest {
	const char *name;
	const char *best;
	size_t best_dist;
};
void diag_suggest_init(struct diag_suggest *s, const char *name);
void diag_suggest_try(struct diag_suggest *s, const char *candidate);
const char *diag_suggest_result(const struct diag_suggest *s);

#endif
