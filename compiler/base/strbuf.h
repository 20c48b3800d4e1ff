/*
 * strbuf: the one growable string buffer (git's strbuf is the model).
 *
 * Contract:
 * - sb->buf always points at len bytes followed by a NUL, also when
 *   nothing was ever added (it then points at a shared empty string, so
 *   STRBUF_INIT needs no allocation).  The bytes may hold NULs.
 * - The strbuf owns buf once anything was added: strbuf_release() frees
 *   it, strbuf_detach() hands it to the caller (who frees it with free())
 *   and leaves the strbuf empty and reusable.  Never free(sb->buf).
 * - Pointers into buf are invalid after any call that adds to it.
 * - Growing never fails: out of memory goes to xalloc_die().
 * - strbuf_wipe() for buffers that held a secret: the bytes are erased
 *   in a way the compiler may not drop, then released.
 */
#ifndef INFRAC_STRBUF_H
#define INFRAC_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc; /* 0: buf is the shared empty string, owned by no one */
	size_t len;
	char *buf;
};

extern char strbuf_empty[];
#define STRBUF_INIT { 0, 0, strbuf_empty }

/* An empty buffer with room for hint bytes (0: none yet). */
void strbuf_init(struct strbuf *sb, size_t hint);
/* Frees what sb owns; sb is empty and reusable after. */
void strbuf_release(struct strbuf *sb);
/* Erases the bytes (explicit_bzero), then releases. */
void strbuf_wipe(struct strbuf *sb);
/* The bytes as a malloc'd NUL-terminated string, now the caller's;
 * *len (may be NULL) gets their count.  sb is empty after. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

/* Room for extra more bytes (and the NUL) without another allocation. */
void strbuf_grow(struct strbuf *sb, size_t extra);
/* Cuts or keeps the length at len (<= sb->len) */
void strbuf_setlen(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

/* Appending: bytes, a string, one character, a formatted string. */
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* s as one POSIX sh word: '...' with every ' written '\'' */
void strbuf_add_shell_quoted(struct strbuf *sb, const char *s);
/* s with every control character (and DEL) written as \n, \t, \r or \xHH,
 * every byte that is not valid UTF-8 as \xHH, and every character that
 * hides or reorders text (C1 controls, bidirectional overrides and
 * isolates, U+2028, U+2029, U+FEFF) as \u{HHHH}: safe to show on a
 * terminal and in a log, and valid UTF-8. */
void strbuf_add_escaped(struct strbuf *sb, const char *s, size_t len);
/* The first character of s (len > 0 bytes), or its first byte when that
 * starts no UTF-8 character, as strbuf_add_escaped writes it; returns the
 * number of bytes of s it took. */
size_t strbuf_add_escaped_char(struct strbuf *sb, const char *s, size_t len);

#endif
