/*
 * Shared by the cmocka unit tests: compiles an in-memory source through
 * the real stages (parse, resolve, check: compile_source, with file()
 * read from an in-memory table, never the file system) and looks
 * diagnostics up.  Include after <cmocka.h>.
 */
#ifndef INFRAC_TEST_UNIT_H
#define INFRAC_TEST_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "compile.h"
#include "diag.h"
#include "model.h"
#include "parse.h"
#include "resolve.h"

struct unit {
	struct compilation c;    /* unit_check: the compilation the fields below show */
	bool compiled;
	struct arena arena;
	struct diag_list dl;
	struct src src;
	struct ast_file ast;
	struct mdl_project *p;
	bool parsed;
};

/* The unit under test; unit_teardown frees it after each test. */
static struct unit *u;

/* Parses text (copied, with the two NULs the scanner wants). */
static inline struct unit *unit_parse(const char *text)
{
	struct unit *un = calloc(1, sizeof(*un));
	assert_non_null(un);
	arena_init(&un->arena);
	diag_list_init(&un->dl, &un->arena);
	size_t len = strlen(text);
	char *buf = arena_alloc(&un->arena, len + 2);
	memcpy(buf, text, len);
	un->src.path = "t.infra";
	un->src.text = buf;
	un->src.len = len;
	un->parsed = parse_source(&un->arena, &un->arena, &un->dl, &un->src, &un->ast);
	return un;
}

/* What file("PATH") finds in unit sources: PATH/TEXT pairs, NULL-ended. */
static const char *const *unit_files;

static inline bool unit_read(void *ctx, const char *path, size_t max, struct strbuf *out,
			     struct error *err)
{
	(void)ctx;
	for (const char *const *f = unit_files; f && *f; f += 2)
		if (!strcmp(f[0], path)) {
			if (strlen(f[1]) > max)
				return error_set(err, "larger than %zu KiB", max / 1024);
			strbuf_addstr(out, f[1]);
			return true;
		}
	return error_set(err, "No such file or directory");
}

static const struct compile_reader unit_reader = { unit_read, NULL };

/* Parses and resolves; the syntax must be clean. */
static inline struct unit *unit_resolve(const char *text)
{
	struct unit *un = unit_parse(text);
	assert_true(un->parsed);
	un->p = resolve_file(&un->arena, &un->dl, &un->ast, &unit_reader, NULL);
	return un;
}

/* All stages through compile_source, diagnostics sorted as infrac prints
 * them. */
static inline struct unit *unit_check(const char *text)
{
	struct unit *un = calloc(1, sizeof(*un));
	assert_non_null(un);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, text);
	compile_source(&un->c, "t.infra", &sb, &unit_reader);
	un->compiled = true;
	un->dl = un->c.diags;
	un->src = un->c.src;
	un->ast = un->c.ast;
	un->p = un->c.project;
	un->parsed = true;
	assert_non_null(un->p);
	return un;
}

static inline void unit_free(struct unit *un)
{
	if (un->compiled) {
		compile_release(&un->c);
	} else {
		diag_list_release(&un->dl);
		arena_release(&un->arena);
	}
	free(un);
}

static inline int unit_teardown(void **state)
{
	(void)state;
	if (u)
		unit_free(u);
	u = NULL;
	return 0;
}

/* examples/becker.infra: __FILE__ is tests/unit/test_*.c as make
 * compiles it from the top directory, where the tests run too. */
static inline const char *unit_becker_path(char *buf, size_t size)
{
	snprintf(buf, size, "%.*s../../examples/becker.infra",
		 (int)(strrchr(__FILE__, '/') + 1 - __FILE__), __FILE__);
	return buf;
}

static inline size_t unit_count(const struct unit *un, enum diag_code code)
{
	size_t n = 0;
	for (size_t i = 0; i < un->dl.n; i++)
		n += un->dl.items[i]->code == code;
	return n;
}

/* The first diagnostic with this code; fails the test when there is none. */
static inline const struct diag *unit_diag(const struct unit *un, enum diag_code code)
{
	for (size_t i = 0; i < un->dl.n; i++)
		if (un->dl.items[i]->code == code)
			return un->dl.items[i];
	fail_msg("no %s among %zu diagnostics", diag_code_name(code), un->dl.n);
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
