#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define PROGRESS_TAIL_LINES 20

static const char *const progress_names[] = {
	[PROGRESS_NONE] = "none",       [PROGRESS_REQUEST] = "request",
	[PROGRESS_CONNECT] = "connect", [PROGRESS_UPLOAD] = "upload",
	[PROGRESS_STAGE] = "stage",     [PROGRESS_PULL] = "pull",
	[PROGRESS_SWITCH] = "switch",
	[PROGRESS_UP] = "up",           [PROGRESS_HANDOVER] = "handover",
	[PROGRESS_RELOAD] = "reload",   [PROGRESS_HEALTH] = "health",
	[PROGRESS_DOMAINS] = "domains", [PROGRESS_HOST] = "host",
};

#define PROGRESS_NSTEPS (sizeof progress_names / sizeof *progress_names)

const char *progress_step_name(enum progress_step s)
{
	return (size_t)s < PROGRESS_NSTEPS ? progress_names[s] : "?";
}

static enum progress_step progress_step_from(const char *s, size_t n)
{
	for (size_t i = PROGRESS_UPLOAD; i < PROGRESS_NSTEPS; i++)
		if (strlen(progress_names[i]) == n && !strncmp(progress_names[i], s, n))
			return (enum progress_step)i;
	return PROGRESS_NONE;
}

void progress_tell(const struct strbuf *out, const char *nonce, size_t *scanned,
		   void (*on_step)(void *ctx, const char *step), void *ctx)
{
	char tag[32];
	size_t tn = (size_t)snprintf(tag, sizeof tag, "@@%s step ", nonce);
	for (;;) {
		const char *line = out->buf + *scanned;
		const char *nl = memchr(line, '\n', out->len - *scanned);
		if (!nl)
			return;
		size_t n = (size_t)(nl - line);
		if (n > tn && n - tn < 16 && !strncmp(line, tag, tn)) {
			char step[16];
			snprintf(step, sizeof step, "%.*s", (int)(n - tn), line + tn);
			on_step(ctx, step);
		}
		*scanned += n + 1;
	}
}

void progress_tail(struct strbuf *b, const char *s, size_t n)
{
	while (n && s[n - 1] == '\n')
		n--;
	size_t start = n, lines = 0;
	while (start > 0 && lines < PROGRESS_TAIL_LINES)
		if (s[--start] == '\n' && ++lines == PROGRESS_TAIL_LINES)
			start++;
	for (size_t i = start; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		strbuf_addstr(b, "  | ");
		strbuf_add(b, s + i, e - i);
		strbuf_addch(b, '\n');
		i = e + 1;
	}
}

/* One progress word with its argument. */
static void progress_word(struct progress *pr, const char *w, size_t kn, const char *arg,
			  size_t an, struct strbuf *cur, bool *in_rollback)
{
#define PROGRESS_IS(k) (kn == strlen(k) && !strncmp(w, k, kn))
	if (PROGRESS_IS("begin")) {
		pr->begun = true;
	} else if (PROGRESS_IS("step")) {
		*in_rollback = an == 8 && !strncmp(arg, "rollback", 8);
		snprintf(pr->step, sizeof pr->step, "%.*s", (int)an, arg);
		if (!pr->failed)
			strbuf_reset(cur);
	} else if (PROGRESS_IS("failed")) {
		pr->failed = progress_step_from(arg, an);
		if (!pr->failed)
			pr->failed = PROGRESS_UPLOAD;
		strbuf_add(&pr->failed_out, cur->buf, cur->len);
	} else if (PROGRESS_IS("previous") && an) {
		free(pr->previous);
		pr->previous = xstrndup(arg, an);
	} else if (PROGRESS_IS("ok")) {
		pr->ok = true;
	} else if (PROGRESS_IS("norollback")) {
		pr->norollback = true;
	} else if (PROGRESS_IS("rollbackfailed")) {
		pr->rollbackfailed = true;
	}
#undef PROGRESS_IS
}

void progress_read(const char *out, const char *nonce, struct progress *pr)
{
	memset(pr, 0, sizeof(*pr));
	strbuf_init(&pr->failed_out, 0);
	strbuf_init(&pr->rollback_out, 0);
	char tag[24];
	size_t tn = (size_t)snprintf(tag, sizeof tag, "@@%s ", nonce);
	struct strbuf cur = STRBUF_INIT;
	bool in_rollback = false;
	for (const char *line = out; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n >= tn && !strncmp(line, tag, tn)) {
			const char *w = line + tn;
			size_t wn = n - tn;
			const char *arg = memchr(w, ' ', wn);
			size_t kn = arg ? (size_t)(arg - w) : wn;
			size_t an = arg ? wn - kn - 1 : 0;
			progress_word(pr, w, kn, arg ? arg + 1 : w + wn, an, &cur, &in_rollback);
		} else {
			struct strbuf *to = in_rollback ? &pr->rollback_out : &cur;
			strbuf_add(to, line, n);
			strbuf_addch(to, '\n');
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!pr->failed && !pr->ok)
		strbuf_add(&pr->failed_out, cur.buf, cur.len);
	strbuf_release(&cur);
}

void progress_release(struct progress *pr)
{
	free(pr->previous);
	strbuf_release(&pr->failed_out);
	strbuf_release(&pr->rollback_out);
	memset(pr, 0, sizeof(*pr));
}
