#include "compile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "parse.h"
#include "resolve.h"

/* Reads the whole file followed by two NULs, as the scanner wants it. */
static bool compile_read(struct compilation *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		goto fail;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		goto fail;
	}
	for (;;) {
		if (cap - len < 3) {
			char *nb = cap < (SIZE_MAX >> 1) ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len - 2, f);
		len += n;
		if (n == 0)
			break;
	}
	bool err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		errno = EIO;
		goto fail;
	}
	if (len > UINT32_MAX - 2) {
		free(buf);
		errno = EFBIG;
		goto fail;
	}
	buf[len] = buf[len + 1] = '\0';
	c->src.text = buf;
	c->src.len = len;
	return true;
fail: {
	struct loc none = { 0, 0, 0, 0 };
	diag_add(&c->diags, DIAG_E0006, NULL, none, "cannot read %s: %s", path,
		 strerror(errno));
	return false;
}
}

static const char *compile_dirname(struct arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ".";
	if (slash == path)
		return "/";
	return arena_strndup(a, path, (size_t)(slash - path));
}

bool compile_file(struct compilation *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	arena_init(&c->arena);
	diag_list_init(&c->diags, &c->arena);
	c->src.path = arena_strdup(&c->arena, path);
	/* syntax errors stop the run: what follows them would be guesswork */
	if (compile_read(c, path) &&
	    parse_source(&c->arena, &c->diags, &c->src, &c->ast)) {
		c->project = resolve_file(&c->arena, &c->diags, &c->ast,
					  compile_dirname(&c->arena, path));
		if (c->project)
			check_project(&c->diags, c->project);
	}
	diag_sort(&c->diags);
	return c->project && c->diags.errors == 0;
}

void compile_release(struct compilation *c)
{
	free((char *)c->src.text);
	diag_list_release(&c->diags);
	arena_release(&c->arena);
}
