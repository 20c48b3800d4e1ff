#include "jsondoc.h"

#include <json-c/json.h>

#include "units.h"

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
	strbuf_addstr(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	strbuf_addch(out, '\n');
	json_object_put(root);
}

void jsondoc_print(json_object *root, FILE *f)
{
	struct strbuf text = STRBUF_INIT;
	jsondoc_text(root, &text);
	fwrite(text.buf, 1, text.len, f);
	strbuf_release(&text);
}
