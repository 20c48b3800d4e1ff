/*
 * error: the one error record.
 *
 * A failing runtime function returns false (or NULL) and fills a
 * struct error its caller passed: a message, where it applies (a source
 * location, or the HTTP status and error code of an API answer) and the
 * error it happened because of.  The caller prints it (error_format), adds
 * context (error_wrap) or passes it on, and releases it (error_release).
 *
 *   struct error err = ERROR_INIT;
 *   if (!hcloud_get_server(c, a, id, &s, &err))
 *           return error_wrap(&err, "server %s", name);
 *
 * Ownership: the record owns its message and its cause; error_set and
 * error_wrap release or keep what was there; error_move hands it on.
 * Messages are plain text without a trailing newline; they may span
 * lines.  error_format escapes every other control character, so text
 * from an API or a remote command cannot move the cursor or clear a
 * terminal.
 */
#ifndef INFRAC_ERROR_H
#define INFRAC_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

#include "source.h"
#include "strbuf.h"

struct error {
	char *msg;              /* owned; NULL while there is no error */
	long status;            /* HTTP status of an API answer; 0: not one */
	char code[64];          /* the API's error code ("uniqueness_error"); "" */
	const struct src *src;  /* with loc: a place in a source; NULL: none */
	struct loc loc;
	struct error *cause;    /* owned; NULL: none */
};

#define ERROR_INIT { 0 }

/* Replaces e with a new error.  Returns false, for `return error_set(...)`. */
bool error_set(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool error_vset(struct error *e, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* An API's answer: status, its error code (NULL: none) and message. */
bool error_http(struct error *e, long status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A place in a source. */
bool error_at(struct error *e, const struct src *src, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A new error whose cause is what e held (nothing: plain error_set).
 * Status and code stay with the cause.  Returns false. */
bool error_wrap(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Is there an error; is its code (or its cause's) this one? */
/* Is there an error (a message)? */
static inline bool error_failed(const struct error *e)
{
	return e->msg != NULL;
}
/* Is the API error code of e (or of the first cause with one) this one? */
bool error_code_is(const struct error *e, const char *code);
/* The HTTP status of e or of the first cause that has one; 0: none. */
long error_status(const struct error *e);

/* Moves src's record into dst (whose own is released); src is empty. */
void error_move(struct error *dst, struct error *src);
/* Frees what e holds; e is empty and reusable. */
void error_release(struct error *e);

/* Appends "message: cause: cause's cause" (with "path:line:col: " before
 * a message with a place), control characters but the newline escaped. */
void error_format(const struct error *e, struct strbuf *out);

#endif
