/*
 * progress: what a deploy script said it did.
 *
 * The script script_build builds prints a line "@@NONCE WORD ARGS" at
 * each step ("step pull", "failed up", "previous ID", "rolledback ID",
 * "ok"); everything else it prints is the output of the commands it
 * runs.  The nonce is random per deploy, so no command's output can pass
 * for a progress line.
 */
#ifndef INFRAC_PROGRESS_H
#define INFRAC_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* The steps of a deploy, in order; NONE: success. */
enum progress_step {
	PROGRESS_NONE,
	PROGRESS_REQUEST,   /* the request itself is invalid */
	PROGRESS_CONNECT,
	PROGRESS_UPLOAD,
	PROGRESS_STAGE,     /* a rollback's upload: the kept release copied aside */
	PROGRESS_PULL,
	PROGRESS_SWITCH,
	PROGRESS_UP,
	PROGRESS_HANDOVER,
	PROGRESS_RELOAD,
	PROGRESS_HEALTH,
	PROGRESS_DOMAINS,
	PROGRESS_HOST,
};

struct progress {
	bool begun, ok, norollback, rollbackfailed;
	enum progress_step failed;
	char step[16];           /* the last step begun */
	char *previous;          /* malloc'd: the release current pointed at before */
	/* output of the failed step, or of everything when none failed */
	struct strbuf failed_out;
	struct strbuf rollback_out;
};

/* "upload", "health", ...; "?" for a value out of range. */
const char *progress_step_name(enum progress_step s);

/* Reads the whole output of a run into pr (release with progress_release). */
void progress_read(const char *out, const char *nonce, struct progress *pr);
void progress_release(struct progress *pr);

/* Calls on_step(ctx, NAME) for each "@@NONCE step NAME" line that arrived
 * whole since the last call; *scanned is how far out was read. */
void progress_tell(const struct strbuf *out, const char *nonce, size_t *scanned,
		   void (*on_step)(void *ctx, const char *step), void *ctx);

/* Appends the last lines of s[0..n), each as "  | line". */
void progress_tail(struct strbuf *b, const char *s, size_t n);

#endif
