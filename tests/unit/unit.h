/*
 * Shared by the cmocka unit tests: compiles an in-memory source through
 * the real stages (parse, resolve, check) and looks diagnostics up.
 * Include after <cmocka.h>.
 */
#ifndef INFRAC_TEST_UNIT_H
#define INFRAC_TEST_UNIT_H

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "diag.h"
#include "model.h"
#include "parse.h"
#include "resolve.h"

struct unit {
	struct arena arena;
	struct diag_list dl;
	struct src src;
	struct ast_file ast;
	struct mdl_project *p;
	bool parsed;
};

/* Parses text (copied, with the two NULs the scanner wants). */
static inline struct unit *unit_parse(const char *text)
{
	struct unit *u = calloc(1, sizeof(*u));
	assert_non_null(u);
	arena_init(&u->arena);
	diag_list_init(&u->dl, &u->arena);
	size_t len = strlen(text);
	char *buf = arena_alloc(&u->arena, len + 2);
	memcpy(buf, text, len);
	u->src.path = "t.infra";
	u->src.text = buf;
	u->src.len = len;
	u->parsed = parse_source(&u->arena, &u->dl, &u->src, &u->ast);
	return u;
}

/* Parses and resolves; the syntax must be clean. */
static inline struct unit *unit_resolve(const char *text)
{
	struct unit *u = unit_parse(text);
	assert_true(u->parsed);
	u->p = resolve_file(&u->arena, &u->dl, &u->ast, ".");
	return u;
}

/* All stages, diagnostics sorted as infrac prints them. */
static inline struct unit *unit_check(const char *text)
{
	struct unit *u = unit_resolve(text);
	assert_non_null(u->p);
	check_project(&u->dl, u->p);
	diag_sort(&u->dl);
	return u;
}

static inline void unit_free(struct unit *u)
{
	diag_list_release(&u->dl);
	arena_release(&u->arena);
	free(u);
}

static inline size_t unit_count(const struct unit *u, enum diag_code code)
{
	size_t n = 0;
	for (size_t i = 0; i < u->dl.n; i++)
		n += u->dl.items[i]->code == code;
	return n;
}

/* The first diagnostic with this code; fails the test when there is none. */
static inline const struct diag *unit_diag(const struct unit *u, enum diag_code code)
{
	for (size_t i = 0; i < u->dl.n; i++)
		if (u->dl.items[i]->code == code)
			return u->dl.items[i];
	fail_msg("no %s among %zu diagnostics", diag_code_name(code), u->dl.n);
	return NULL;
}

/* Does one of d's note/help lines contain text? */
static inline bool unit_has_line(const struct diag *d, const char *text)
{
	for (const struct diag_line *l = d->lines; l; l = l->next)
		if (strstr(l->text, text))
			return true;
	return false;
}

/* A valid project head every test source starts from. */
#define UNIT_HEAD                                   \
	"project t {\n"                             \
	"  start   = 2026-01\n"                     \
	"  horizon = 12 months\n"                   \
	"}\n"

#endif
