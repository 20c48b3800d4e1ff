/*
 * symtab: string -> pointer hash table in an arena, for name lookups that
 * stay fast with tens of thousands of services.  Keys are not copied.
 */
#ifndef INFRAC_SYMTAB_H
#define INFRAC_SYMTAB_H

#include <stddef.h>

#include "arena.h"

struct symtab {
	struct arena *arena;
	const char **keys;
	void **vals;
	size_t n, cap;
};

void symtab_init(struct symtab *t, struct arena *a);
void *symtab_get(const struct symtab *t, const char *key);
/* Returns the existing value when the key is taken (and stores nothing). */
void *symtab_put(struct symtab *t, const char *key, void *val);
/* Empties t but keeps its storage, for a table filled again and again. */
void symtab_clear(struct symtab *t);

#endif
