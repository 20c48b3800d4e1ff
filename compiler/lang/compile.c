#include "compile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fileio.h"
#include "parse.h"
#include "resolve.h"
#include "srctext.h"

static void compile_init(struct compilation *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	arena_init(&c->arena);
	arena_init(&c->tree);
	diag_list_init(&c->diags, &c->arena);
	/* the name reaches messages, reports and JSON: shown escaped, so a
	 * file name can neither move the cursor nor break the UTF-8 */
	struct strbuf shown = STRBUF_INIT;
	strbuf_add_escaped(&shown, name, strlen(name));
	c->src.path = arena_take(&c->arena, &shown);
}

static bool compile_run(struct compilation *c, const struct compile_reader *rd,
			const struct compile_prices *pr)
{
	/* a binary file is one error; syntax errors stop the run: what
	 * follows them would be guesswork */
	if (srctext_check(&c->diags, &c->src) &&
	    parse_source(&c->tree, &c->arena, &c->diags, &c->src, &c->ast)) {
		c->project = resolve_file(&c->arena, &c->diags, &c->ast, rd, pr);
		if (c->project)
			check_project(&c->diags, c->project);
	}
	diag_sort(&c->diags);
	return c->project && c->diags.errors == 0;
}

/* Takes text's bytes as the source, followed by the two NULs the scanner
 * reads in place. */
static void compile_take(struct compilation *c, struct strbuf *text)
{
	strbuf_grow(text, 1);
	text->buf[text->len + 1] = '\0';
	c->src.len = text->len;
	c->src.text = strbuf_detach(text, NULL);
}

bool compile_source(struct compilation *c, const char *name, struct strbuf *text,
		    const struct compile_reader *rd)
{
	return compile_source_priced(c, name, text, rd, NULL);
}

bool compile_source_priced(struct compilation *c, const char *name, struct strbuf *text,
			   const struct compile_reader *rd, const struct compile_prices *pr)
{
	compile_init(c, name);
	compile_take(c, text);
	return compile_run(c, rd, pr);
}

bool compile_parse(struct compilation *c, const char *name, struct strbuf *text)
{
	compile_init(c, name);
	compile_take(c, text);
	bool ok = parse_source(&c->tree, &c->arena, &c->diags, &c->src, &c->ast);
	diag_sort(&c->diags);
	return ok;
}

bool compile_read_file(void *ctx, const char *rel, size_t max, struct strbuf *out,
			      struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	if (rel[0] != '/')
		strbuf_addf(&path, "%s/", (const char *)ctx);
	strbuf_addstr(&path, rel);
	bool ok = fileio_read(path.buf, max, out, err);
	strbuf_release(&path);
	return ok;
}

/* Reads the infra file, "-" the standard input, into text; false after
 * an E0006 without a position. */
static bool compile_read_source(struct compilation *c, const char *path, struct strbuf *text)
{
	bool in = !strcmp(path, COMPILE_STDIN);
	struct error err = ERROR_INIT;
	if (in ? fileio_read_stdin(COMPILE_SOURCE_MAX, text, &err)
	       : fileio_read(path, COMPILE_SOURCE_MAX, text, &err))
		return true;
	struct loc none = { 0, 0, 0, 0 };
	diag_add(&c->diags, DIAG_E0006, NULL, none, "cannot read %s: %s",
		 in ? "the standard input" : path, err.msg);
	error_release(&err);
	return false;
}

bool compile_path(struct compilation *c, const char *path)
{
	return compile_path_priced(c, path, NULL);
}

bool compile_path_priced(struct compilation *c, const char *path, const struct compile_prices *pr)
{
	bool in = !strcmp(path, COMPILE_STDIN);
	compile_init(c, in ? "<stdin>" : path);
	struct strbuf text = STRBUF_INIT;
	if (!compile_read_source(c, path, &text)) {
		strbuf_release(&text);
		return false;
	}
	compile_take(c, &text);
	const char *slash = in ? NULL : strrchr(path, '/');
	const char *dir = !slash ? "." : slash == path ? "/"
				  : arena_strndup(&c->arena, path, (size_t)(slash - path));
	struct compile_reader rd = { compile_read_file, (void *)dir };
	bool ok = compile_run(c, &rd, pr);
	compile_drop_tree(c);
	return ok;
}

/* The placements' run lines point into the tree: after it, a run line's
 * place is its block's (model_service_loc). */
static void compile_unlink_phases(struct mdl_phase *phs, size_t n)
{
	for (size_t i = 0; phs && i < n; i++)
		for (size_t k = 0; k < phs[i].nplacements; k++)
			phs[i].placements[k].service_items = NULL;
}

void compile_drop_tree(struct compilation *c)
{
	if (c->project) {
		struct mdl_project *p = c->project;
		compile_unlink_phases(p->phases, p->nphases);
		for (size_t i = 0; i < p->nscenarios; i++)
			compile_unlink_phases(p->scenarios[i].phases, p->nphases);
	}
	arena_release(&c->tree);
	memset(&c->ast, 0, sizeof(c->ast));
}

void compile_release(struct compilation *c)
{
	free((char *)c->src.text);
	diag_list_release(&c->diags);
	arena_release(&c->tree);
	arena_release(&c->arena);
}
