/*
 * ascii: character classes, in one place, independent of the locale
 * (<ctype.h> depends on it and takes only unsigned char or EOF).
 * Anything outside ASCII is in no class.
 */
#ifndef INFRAC_ASCII_H
#define INFRAC_ASCII_H

#include <stdbool.h>
#include <stddef.h>

static inline bool ascii_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool ascii_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool ascii_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool ascii_alpha(int c)
{
	return ascii_lower(c) || ascii_upper(c);
}

static inline bool ascii_alnum(int c)
{
	return ascii_alpha(c) || ascii_digit(c);
}

/* space, tab, newline, carriage return, vertical tab, form feed */
static inline bool ascii_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* the C0 controls and DEL */
static inline bool ascii_cntrl(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

static inline int ascii_tolower(int c)
{
	return ascii_upper(c) ? c - 'A' + 'a' : c;
}

/*
 * The length of the UTF-8 sequence at p (at most n bytes): 1 for an
 * ASCII byte, 2..4 for a well-formed multi-byte character (no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 when p does not
 * start one.
 */
size_t ascii_utf8_len(const unsigned char *p, size_t n);

#endif
