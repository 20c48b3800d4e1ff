#include "symtab.h"

#include <stdint.h>
#include <string.h>

void symtab_init(struct symtab *t, struct arena *a)
{
	memset(t, 0, sizeof(*t));
	t->arena = a;
}

/* FNV-1a */
static size_t symtab_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

void *symtab_get(const struct symtab *t, const char *key)
{
	if (!t->cap)
		return NULL;
	for (size_t i = symtab_hash(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->keys[i])
			return NULL;
		/* names are interned by the scanner: usually the same pointer */
		if (t->keys[i] == key || !strcmp(t->keys[i], key))
			return t->vals[i];
	}
}

static void symtab_grow(struct symtab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	const char **keys = arena_calloc(t->arena, cap, sizeof(*keys));
	void **vals = arena_calloc(t->arena, cap, sizeof(*vals));
	for (size_t j = 0; j < t->cap; j++) {
		if (!t->keys[j])
			continue;
		size_t i = symtab_hash(t->keys[j]) & (cap - 1);
		while (keys[i])
			i = (i + 1) & (cap - 1);
		keys[i] = t->keys[j];
		vals[i] = t->vals[j];
	}
	t->keys = keys;
	t->vals = vals;
	t->cap = cap;
}

void *symtab_put(struct symtab *t, const char *key, void *val)
{
	if ((t->n + 1) * 2 > t->cap)
		symtab_grow(t);
	size_t i = symtab_hash(key) & (t->cap - 1);
	for (; t->keys[i]; i = (i + 1) & (t->cap - 1))
		if (!strcmp(t->keys[i], key))
			return t->vals[i];
	t->keys[i] = key;
	t->vals[i] = val;
	t->n++;
	return NULL;
}

void symtab_clear(struct symtab *t)
{
	if (t->cap) {
		memset(t->keys, 0, t->cap * sizeof(*t->keys));
		memset(t->vals, 0, t->cap * sizeof(*t->vals));
	}
	t->n = 0;
}
