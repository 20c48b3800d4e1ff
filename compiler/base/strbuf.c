#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "xalloc.h"

char strbuf_empty[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = 0;
	sb->buf = strbuf_empty;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

void strbuf_wipe(struct strbuf *sb)
{
	if (sb->alloc)
		explicit_bzero(sb->buf, sb->alloc);
	strbuf_release(sb);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	if (!sb->alloc)
		strbuf_grow(sb, 0);
	char *s = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return s;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	if (extra > (size_t)-1 / 2 - sb->len)
		xalloc_die();
	size_t need = sb->len + extra + 1;
	if (sb->alloc && need <= sb->alloc)
		return;
	size_t cap = sb->alloc ? sb->alloc : 64;
	while (cap < need)
		cap *= 2;
	if (sb->alloc) {
		sb->buf = xrealloc(sb->buf, cap);
	} else {
		sb->buf = xmalloc(cap);
		sb->buf[0] = '\0';
	}
	sb->alloc = cap;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (len > sb->len)
		len = sb->len;
	sb->len = len;
	if (sb->alloc)
		sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	strbuf_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	strbuf_grow(sb, 64);
	int n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		xalloc_die(); /* only an encoding error or ENOMEM get here */
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_add_shell_quoted(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

/* A character a terminal acts on or that hides or reorders text: the C1
 * controls, the line and paragraph separators, the bidirectional
 * embeddings, overrides and isolates, and the byte-order mark.  Its code
 * point, or 0 for any other character. */
static unsigned strbuf_hidden(const unsigned char *p, size_t n)
{
	unsigned cp = n == 2 ? (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu)
		    : n == 3 ? (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu)
			     : 0;
	bool hidden = (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x2028 && cp <= 0x202e) ||
		      (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
	return hidden ? cp : 0;
}

size_t strbuf_add_escaped_char(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = ascii_utf8_len(p, len);
	if (n > 1) {
		unsigned cp = strbuf_hidden(p, n);
		if (cp)
			strbuf_addf(sb, "\\u{%04X}", cp);
		else
			strbuf_add(sb, p, n);
		return n;
	}
	unsigned c = *p;
	if (n == 1 && !ascii_cntrl(c))
		strbuf_addch(sb, (int)c);
	else if (c == '\n')
		strbuf_addstr(sb, "\\n");
	else if (c == '\t')
		strbuf_addstr(sb, "\\t");
	else if (c == '\r')
		strbuf_addstr(sb, "\\r");
	else
		strbuf_addf(sb, "\\x%02x", c);
	return 1;
}

void strbuf_add_escaped(struct strbuf *sb, const char *s, size_t len)
{
	for (size_t i = 0; i < len;)
		i += strbuf_add_escaped_char(sb, s + i, len - i);
}
