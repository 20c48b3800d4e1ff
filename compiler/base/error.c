#include "error.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void error_release(struct error *e)
{
	if (e->cause) {
		error_release(e->cause);
		free(e->cause);
	}
	free(e->msg);
	memset(e, 0, sizeof(*e));
}

void error_move(struct error *dst, struct error *src)
{
	if (dst == src)
		return;
	error_release(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

bool error_vset(struct error *e, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	error_release(e);
	e->msg = strbuf_detach(&sb, NULL);
	return false;
}

bool error_set(struct error *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, fmt, ap);
	va_end(ap);
	return false;
}

bool error_http(struct error *e, long status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, fmt, ap);
	va_end(ap);
	e->status = status;
	if (code) {
		strncpy(e->code, code, sizeof(e->code) - 1);
		e->code[sizeof(e->code) - 1] = '\0';
	}
	return false;
}

bool error_at(struct error *e, const struct src *src, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, fmt, ap);
	va_end(ap);
	e->src = src;
	e->loc = loc;
	return false;
}

bool error_wrap(struct error *e, const char *fmt, ...)
{
	struct error *cause = NULL;
	if (e->msg) {
		cause = xmalloc(sizeof(*cause));
		*cause = *e;
		memset(e, 0, sizeof(*e));
	}
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, fmt, ap);
	va_end(ap);
	e->cause = cause;
	return false;
}

bool error_code_is(const struct error *e, const char *code)
{
	for (; e; e = e->cause)
		if (e->code[0])
			return !strcmp(e->code, code);
	return false;
}

long error_status(const struct error *e)
{
	for (; e; e = e->cause)
		if (e->status)
			return e->status;
	return 0;
}

void error_format(const struct error *e, struct strbuf *out)
{
	bool first = true;
	for (; e && e->msg; e = e->cause) {
		if (!first)
			strbuf_addstr(out, ": ");
		first = false;
		if (e->src && e->loc.line)
			strbuf_addf(out, "%s:%u:%u: ", e->src->path, e->loc.line, e->loc.col);
		/* a message may span lines (a command's output); nothing else
		 * in it may reach the terminal raw */
		for (const char *m = e->msg; *m;) {
			size_t n = strcspn(m, "\n");
			strbuf_add_escaped(out, m, n);
			if (m[n])
				strbuf_addch(out, '\n');
			m += n + (m[n] != '\0');
		}
	}
}
