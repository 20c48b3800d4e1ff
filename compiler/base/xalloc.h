/*
 * xalloc: the one out-of-memory path.
 *
 * Every allocation of infrac goes through these (the arena and strbuf
 * use them too).  They never return NULL: when memory runs out the
 * process says so on stderr and exits with status 1, from whichever
 * thread asked.  Nothing is half-written by that: artefacts and plans
 * are written aside and renamed, and an interrupted apply converges when
 * it runs again.  Memory from these is the caller's, released with
 * free().
 */
#ifndef INFRAC_XALLOC_H
#define INFRAC_XALLOC_H

#include <stddef.h>

/* Reports "infrac: out of memory" and exits(1). */
_Noreturn void xalloc_die(void);

void *xmalloc(size_t size);
/* zeroed; n * size checked for overflow */
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* n * size, or xalloc_die() on overflow: for sizes of arrays */
size_t xalloc_size(size_t n, size_t size);

#endif
