#include "jsondoc.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

#define JSONDOC_FLAGS \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

json_object *jsondoc_new(const char *file)
{
	json_object *root = json_object_new_object();
	json_object_object_add(root, "format", json_object_new_int(JSONDOC_FORMAT));
	if (file)
		json_object_object_add(root, "file", json_object_new_string(file));
	return root;
}

/* The digits are the exact ones; the double only tells json-c it is a
 * number (it prints the given text verbatim). */
static json_object *jsondoc_exact(int64_t v, int64_t scale, int places)
{
	char buf[UNITS_BUF];
	units_fmt_exact(buf, v, scale, places);
	return json_object_new_double_s((double)v / (double)scale, buf);
}

json_object *jsondoc_decimal(int64_t v, int64_t scale, int places)
{
	return v < 0 ? NULL : jsondoc_exact(v, scale, places);
}

json_object *jsondoc_eur(int64_t cents) { return jsondoc_exact(cents, 100, 2); }

void jsondoc_text(json_object *root, struct strbuf *out)
{
	strbuf_addstr(out, json_object_to_json_string_ext(root, JSONDOC_FLAGS));
	strbuf_addch(out, '\n');
	json_object_put(root);
}

json_object *jsondoc_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

void jsondoc_print(json_object *root, FILE *f)
{
	struct strbuf text = STRBUF_INIT;
	jsondoc_text(root, &text);
	fwrite(text.buf, 1, text.len, f);
	strbuf_release(&text);
}

/* ---- the writer ----------------------------------------------------------- */

/* The framing is json-c's pretty printer's (0.16): an opening bracket and
 * a newline; before each member a comma and a newline after the one
 * before, then two spaces a level; before the closing bracket a newline
 * when there were members, then the indentation. */

#define JSONDOC_FLUSH (64 * 1024)

static void jsondoc_indent(struct jsondoc_writer *w, int level)
{
	for (int i = 0; i < level; i++)
		strbuf_add(&w->text, "  ", 2);
}

static void jsondoc_flush(struct jsondoc_writer *w)
{
	fwrite(w->text.buf, 1, w->text.len, w->f);
	strbuf_reset(&w->text);
}

static void jsondoc_member(struct jsondoc_writer *w, const char *key)
{
	if (w->had[w->depth - 1])
		strbuf_add(&w->text, ",\n", 2);
	w->had[w->depth - 1] = true;
	jsondoc_indent(w, w->depth);
	if (key) {
		strbuf_addch(&w->text, '"');
		strbuf_addstr(&w->text, key);
		strbuf_add(&w->text, "\": ", 3);
	}
}

void jsondoc_open(struct jsondoc_writer *w, const char *key, char bracket)
{
	if (w->depth >= JSONDOC_DEPTH)
		abort(); /* the documents are a few levels deep */
	if (w->depth)
		jsondoc_member(w, key);
	strbuf_addch(&w->text, bracket);
	strbuf_addch(&w->text, '\n');
	w->close[w->depth] = bracket == '[' ? ']' : '}';
	w->had[w->depth++] = false;
}

void jsondoc_close(struct jsondoc_writer *w)
{
	w->depth--;
	if (w->had[w->depth])
		strbuf_addch(&w->text, '\n');
	jsondoc_indent(w, w->depth);
	strbuf_addch(&w->text, w->close[w->depth]);
	if (w->text.len >= JSONDOC_FLUSH)
		jsondoc_flush(w);
}

void jsondoc_put(struct jsondoc_writer *w, const char *key, json_object *v)
{
	jsondoc_member(w, key);
	if (!v) {
		strbuf_add(&w->text, "null", 4);
		return;
	}
	/* printed on its own, at depth 0: every line after its first moves
	 * right by the depth it is written at */
	const char *s = json_object_to_json_string_ext(v, JSONDOC_FLAGS);
	for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1) {
		strbuf_add(&w->text, s, (size_t)(nl + 1 - s));
		jsondoc_indent(w, w->depth);
	}
	strbuf_addstr(&w->text, s);
	json_object_put(v);
	if (w->text.len >= JSONDOC_FLUSH)
		jsondoc_flush(w);
}

void jsondoc_put_members(struct jsondoc_writer *w, json_object *obj)
{
	json_object_object_foreach(obj, key, val)
		jsondoc_put(w, key, json_object_get(val));
	json_object_put(obj);
}

void jsondoc_begin(struct jsondoc_writer *w, FILE *f, const char *file)
{
	w->f = f;
	strbuf_init(&w->text, JSONDOC_FLUSH + 4096);
	w->depth = 0;
	jsondoc_open(w, NULL, '{');
	jsondoc_put_members(w, jsondoc_new(file));
}

void jsondoc_end(struct jsondoc_writer *w)
{
	while (w->depth)
		jsondoc_close(w);
	strbuf_addch(&w->text, '\n');
	jsondoc_flush(w);
	strbuf_release(&w->text);
}
