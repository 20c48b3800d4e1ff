#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/*
 * Chunks grow geometrically so that a large input needs few of them; an
 * allocation larger than half a chunk gets a chunk of its own.
 */
#define ARENA_MIN_CHUNK (64 * 1024)
#define ARENA_MAX_CHUNK (4 * 1024 * 1024)
#define ARENA_ALIGN 16

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used_total = 0;
}

void arena_release(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	arena_init(a);
}

void arena_clear(struct arena *a)
{
	struct arena_chunk *keep = a->head;
	if (!keep)
		return;
	for (struct arena_chunk *c = keep->next, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	memset(keep->data, 0, keep->used);
	keep->used = 0;
	keep->next = NULL;
	a->used_total = 0;
}

void arena_adopt(struct arena *a, struct arena *from)
{
	struct arena_chunk *last = from->head;
	if (!last)
		return;
	while (last->next)
		last = last->next;
	/* behind a's current chunk, which stays the one being filled */
	if (a->head) {
		last->next = a->head->next;
		a->head->next = from->head;
	} else {
		a->head = from->head;
	}
	a->used_total += from->used_total;
	arena_init(from);
}

static struct arena_chunk *arena_new_chunk(struct arena *a, size_t need)
{
	size_t size = a->head ? a->head->size * 2 : ARENA_MIN_CHUNK;
	if (size > ARENA_MAX_CHUNK)
		size = ARENA_MAX_CHUNK;
	if (size < need)
		size = need;
	/* calloc: large chunks come from fresh zero pages, so allocations
	 * need no memset of their own and untouched space costs nothing */
	struct arena_chunk *c = calloc(1, sizeof(*c) + size);
	if (!c)
		xalloc_die();
	c->size = size;
	c->used = 0;
	return c;
}

/* Strings need no alignment: packing them saves a quarter of the AST's
 * memory on large inputs, where most strings are short names. */
static void *arena_alloc_aligned(struct arena *a, size_t size, size_t align)
{
	if (size == 0)
		size = 1;
	struct arena_chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || at > c->size || c->size - at < size) {
		struct arena_chunk *n = arena_new_chunk(a, size);
		if (c && size > c->size / 2) {
			/* big block: keep filling the current chunk afterwards */
			n->next = c->next;
			c->next = n;
			c = n;
		} else {
			n->next = c;
			a->head = n;
			c = n;
		}
		at = c->used;
	}
	void *p = c->data + at;
	a->used_total += at + size - c->used;
	c->used = at + size;
	return p; /* zero: chunks are calloc'd, and arena_clear zeroes what it reuses */
}

void *arena_alloc_align(struct arena *a, size_t size, size_t align)
{
	return arena_alloc_aligned(a, size, align);
}

void *arena_alloc(struct arena *a, size_t size)
{
	return arena_alloc_aligned(a, size, ARENA_ALIGN);
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		xalloc_die();
	return arena_alloc(a, n * size);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc_aligned(a, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		xalloc_die();
	char *p = arena_alloc_aligned(a, (size_t)n + 1, 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

char *arena_take(struct arena *a, struct strbuf *sb)
{
	char *p = arena_alloc_align(a, sb->len + 1, 1);
	memcpy(p, sb->buf, sb->len + 1);
	strbuf_release(sb);
	return p;
}
