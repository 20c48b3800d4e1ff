#include "symtab.h"

#include <string.h>

void symtab_init(struct symtab *t, struct arena *a)
{
	memset(t, 0, sizeof(*t));
	t->arena = a;
}

/* FNV-1a; the 32 bits are kept in every slot, so a probe compares
 * strings only when the hashes are equal */
static uint32_t symtab_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* The slot holding the key of hash h (len bytes at key), or the free slot
 * where it would go; t has at least one free slot. */
static struct symtab_slot *symtab_probe(const struct symtab *t, uint32_t h, const char *key,
					size_t len)
{
	for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct symtab_slot *e = &t->slots[i];
		/* names are interned by the scanner: usually the same pointer */
		if (!e->key || e->key == key ||
		    (e->hash == h && !memcmp(e->key, key, len) && !e->key[len]))
			return e;
	}
}

void *symtab_get(const struct symtab *t, const char *key)
{
	if (!t->cap)
		return NULL;
	size_t len = strlen(key);
	return symtab_probe(t, symtab_hash(key, len), key, len)->val;
}

static void symtab_grow(struct symtab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct symtab_slot *slots = arena_calloc(t->arena, cap, sizeof(*slots));
	for (size_t j = 0; j < t->cap; j++) {
		if (!t->slots[j].key)
			continue;
		size_t i = t->slots[j].hash & (cap - 1);
		while (slots[i].key)
			i = (i + 1) & (cap - 1);
		slots[i] = t->slots[j];
	}
	t->slots = slots;
	t->cap = cap;
}

/* symtab_probe, with room made for one more key */
static struct symtab_slot *symtab_find(struct symtab *t, uint32_t h, const char *key,
				       size_t len)
{
	if ((t->n + 1) * 4 > t->cap * 3)
		symtab_grow(t);
	return symtab_probe(t, h, key, len);
}

void *symtab_put(struct symtab *t, const char *key, void *val)
{
	size_t len = strlen(key);
	uint32_t h = symtab_hash(key, len);
	struct symtab_slot *e = symtab_find(t, h, key, len);
	if (e->key)
		return e->val;
	e->key = key;
	e->val = val;
	e->hash = h;
	t->n++;
	return NULL;
}

const char *symtab_intern(struct symtab *t, const char *s, size_t len)
{
	uint32_t h = symtab_hash(s, len);
	struct symtab_slot *e = symtab_find(t, h, s, len);
	if (!e->key) {
		e->key = arena_strndup(t->arena, s, len);
		e->hash = h;
		t->n++;
	}
	return e->key;
}

void symtab_clear(struct symtab *t)
{
	if (t->cap)
		memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->n = 0;
}
