/*
 * symtab: string -> pointer hash table in an arena, for name lookups that
 * stay fast with tens of thousands of services.  Keys are not copied.
 */
#ifndef INFRAC_SYMTAB_H
#define INFRAC_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* one slot per cache access: key, value and the key's hash together */
struct symtab_slot {
	const char *key;
	void *val;
	uint32_t hash;
};

struct symtab {
	struct arena *arena;
	struct symtab_slot *slots;
	size_t n, cap;
};

/* An empty table whose slots live in a (freed with it). */
void symtab_init(struct symtab *t, struct arena *a);
/* The value stored under key, or NULL. */
void *symtab_get(const struct symtab *t, const char *key);
/* Returns the existing value when the key is taken (and stores nothing). */
void *symtab_put(struct symtab *t, const char *key, void *val);
/* The one copy of the n bytes at s (a string without NUL) in t, made in
 * t's arena the first time: names equal as strings are then equal as
 * pointers. */
const char *symtab_intern(struct symtab *t, const char *s, size_t n);
/* Empties t but keeps its storage, for a table filled again and again. */
void symtab_clear(struct symtab *t);

#endif
