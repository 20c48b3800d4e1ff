/*
 * arena: bump allocator that owns everything one compilation creates.
 *
 * The AST, its strings and the semantic model live here and are released
 * together by arena_release(); nothing allocated from an arena is freed
 * on its own.  Allocation never fails: on out-of-memory the process exits.
 */
#ifndef INFRAC_ARENA_H
#define INFRAC_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "strbuf.h"

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used_total;
};

#define ARENA_INIT { NULL, 0 }

/* An empty arena; arena_release frees all it holds and leaves it empty
 * and reusable.  Nothing in it is freed on its own. */
void arena_init(struct arena *a);
void arena_release(struct arena *a);
/* Empties a for reuse, keeping its newest chunk (zeroed) and freeing the
 * others: scratch memory for one step of many, reused without a trip to
 * malloc each time. */
void arena_clear(struct arena *a);
/* Moves everything from's memory holds into a, to be released with a; from
 * is left empty.  For data kept apart while it is built, so that it
 * stays together in memory, and then owned like the rest. */
void arena_adopt(struct arena *a, struct arena *from);

/* zeroed, aligned for any object */
void *arena_alloc(struct arena *a, size_t size);
/* zeroed, aligned to align (a power of two) rather than for any object:
 * for the many small nodes of a large file, where rounding each up to
 * the largest alignment would waste a tenth of the tree */
void *arena_alloc_align(struct arena *a, size_t size, size_t align);
/* arena_alloc(a, n * size) with overflow check */
void *arena_calloc(struct arena *a, size_t n, size_t size);
/* Copies of strings, NUL-terminated, in a. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* The bytes of sb (and its NUL) copied into a, sb released: for text
 * built in a strbuf that is to live as long as the arena. */
char *arena_take(struct arena *a, struct strbuf *sb);

#endif
