#include "diag.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"
#include "xalloc.h"

static const struct {
	const char *name;
	enum diag_severity sev;
	const char *title;
} diag_table[DIAG__COUNT] = {
#define DIAG_ROW(code, sev, title) [DIAG_##code] = { #code, DIAG_##sev, title },
	DIAG_CODES(DIAG_ROW)
#undef DIAG_ROW
};

/* Beyond this many syntax errors the rest are noise from the first ones. */
#define DIAG_MAX_SYNTAX 50

const char *diag_code_name(enum diag_code code)
{
	return diag_table[code].name;
}

const char *diag_code_title(enum diag_code code)
{
	return diag_table[code].title;
}

enum diag_severity diag_code_severity(enum diag_code code)
{
	return diag_table[code].sev;
}

void diag_list_init(struct diag_list *dl, struct arena *a)
{
	memset(dl, 0, sizeof(*dl));
	dl->arena = a;
}

void diag_list_release(struct diag_list *dl)
{
	free(dl->items);
	dl->items = NULL;
	dl->n = dl->cap = 0;
}

void diag_loc_end(const struct src *s, struct loc l, uint32_t *line, uint32_t *col)
{
	*line = l.line;
	*col = l.col;
	if (!s || l.line == 0 || l.end_off <= l.off || l.end_off > s->len)
		return;
	/* the last character starts at the last byte that is not a UTF-8
	 * continuation byte (or at the span's start if there is none) */
	size_t last = l.end_off - 1;
	while (last > l.off && ((unsigned char)s->text[last] & 0xC0) == 0x80)
		last--;
	for (size_t i = l.off; i < last; i++) {
		unsigned char ch = (unsigned char)s->text[i];
		if (ch == '\n') {
			(*line)++;
			*col = 1;
		} else if ((ch & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static bool diag_is_syntax(enum diag_code code)
{
	return code <= DIAG_E0005;
}

struct diag *diag_addv(struct diag_list *dl, enum diag_code code,
		       const struct src *src, struct loc loc, const char *fmt,
		       va_list ap)
{
	static struct diag dropped;

	if (diag_is_syntax(code) && dl->syntax_errors++ >= DIAG_MAX_SYNTAX) {
		/* still counted as an error; notes on it go nowhere */
		dl->errors++;
		dropped.lines = NULL;
		dropped.lines_tail = &dropped.lines;
		return &dropped;
	}
	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 16;
		dl->items = xrealloc(dl->items, xalloc_size(cap, sizeof(*dl->items)));
		dl->cap = cap;
	}
	struct diag *d = arena_alloc(dl->arena, sizeof(*d));
	d->code = code;
	d->src = src;
	d->loc = loc;
	d->msg = arena_vprintf(dl->arena, fmt, ap);
	d->lines_tail = &d->lines;
	d->seq = dl->n;
	dl->items[dl->n++] = d;
	if (diag_code_severity(code) == DIAG_ERROR)
		dl->errors++;
	else
		dl->warnings++;
	return d;
}

struct diag *diag_add(struct diag_list *dl, enum diag_code code,
		      const struct src *src, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *d = diag_addv(dl, code, src, loc, fmt, ap);
	va_end(ap);
	return d;
}

static void diag_line_add(struct diag *d, struct diag_list *dl, bool help,
			  const char *fmt, va_list ap)
{
	struct diag_line *l = arena_alloc(dl->arena, sizeof(*l));
	l->help = help;
	l->text = arena_vprintf(dl->arena, fmt, ap);
	*d->lines_tail = l;
	d->lines_tail = &l->next;
}

void diag_note(struct diag *d, struct diag_list *dl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_line_add(d, dl, false, fmt, ap);
	va_end(ap);
}

void diag_help(struct diag *d, struct diag_list *dl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_line_add(d, dl, true, fmt, ap);
	va_end(ap);
}

static int diag_cmp(const void *pa, const void *pb)
{
	const struct diag *a = *(struct diag *const *)pa;
	const struct diag *b = *(struct diag *const *)pb;
	int c = strcmp(a->src ? a->src->path : "", b->src ? b->src->path : "");
	if (c)
		return c;
	if (a->loc.off != b->loc.off)
		return a->loc.off < b->loc.off ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_sort(struct diag_list *dl)
{
	if (dl->n > 1)
		qsort(dl->items, dl->n, sizeof(*dl->items), diag_cmp);
}

#define C_RED "\033[1;31m"
#define C_YEL "\033[1;33m"
#define C_BLUE "\033[1;34m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

/* Quotes the first line of the span with a ^~~~ underline.  Tabs are kept
 * in the underline's indent so it lines up in any terminal. */
static void diag_print_source(const struct diag *d, FILE *out, bool color)
{
	const struct src *s = d->src;
	if (!s || d->loc.line == 0 || d->loc.off > s->len)
		return;
	size_t start = d->loc.off;
	while (start > 0 && s->text[start - 1] != '\n')
		start--;
	size_t end = d->loc.off;
	while (end < s->len && s->text[end] != '\n')
		end++;
	if (end > start && s->text[end - 1] == '\r')
		end--;

	char num[16];
	int w = snprintf(num, sizeof(num), "%u", d->loc.line);
	if (w < 5)
		w = 5;
	const char *bl = color ? C_BLUE : "", *off = color ? C_OFF : "";
	fprintf(out, "%s%*u |%s ", bl, w, d->loc.line, off);
	fwrite(s->text + start, 1, end - start, out);
	fputc('\n', out);
	fprintf(out, "%s%*s |%s ", bl, w, "", off);
	for (size_t i = start; i < d->loc.off; i++) {
		unsigned char ch = (unsigned char)s->text[i];
		if (ch == '\t')
			fputc('\t', out);
		else if ((ch & 0xC0) != 0x80)
			fputc(' ', out);
	}
	/* underline to the end of the span or of the line, whichever first */
	size_t stop = d->loc.end_off;
	if (stop > end)
		stop = end;
	const char *hl = diag_code_severity(d->code) == DIAG_ERROR ? C_RED : C_YEL;
	if (color)
		fputs(hl, out);
	fputc('^', out);
	for (size_t i = d->loc.off + 1; i < stop; i++)
		if (((unsigned char)s->text[i] & 0xC0) != 0x80)
			fputc('~', out);
	if (color)
		fputs(C_OFF, out);
	fputc('\n', out);
}

void diag_print(const struct diag_list *dl, FILE *out, bool color)
{
	for (size_t i = 0; i < dl->n; i++) {
		const struct diag *d = dl->items[i];
		bool err = diag_code_severity(d->code) == DIAG_ERROR;
		const char *path = d->src ? d->src->path : "infrac";
		if (color)
			fputs(C_BOLD, out);
		if (d->loc.line)
			fprintf(out, "%s:%u:%u: ", path, d->loc.line, d->loc.col);
		else
			fprintf(out, "%s: ", path);
		if (color)
			fputs(err ? C_RED : C_YEL, out);
		fprintf(out, "%s[%s]", err ? "error" : "warning",
			diag_code_name(d->code));
		if (color)
			fputs(C_OFF C_BOLD, out);
		fprintf(out, ": %s\n", d->msg);
		if (color)
			fputs(C_OFF, out);
		if (!d->hide_source)
			diag_print_source(d, out, color);
		for (const struct diag_line *l = d->lines; l; l = l->next)
			fprintf(out, "  = %s: %s\n", l->help ? "help" : "note",
				l->text);
	}
}

json_object *diag_to_json(const struct diag_list *dl)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < dl->n; i++) {
		const struct diag *d = dl->items[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "file",
			json_object_new_string(d->src ? d->src->path : ""));
		json_object_object_add(o, "line", json_object_new_int((int)d->loc.line));
		json_object_object_add(o, "column", json_object_new_int((int)d->loc.col));
		uint32_t end_line, end_col;
		diag_loc_end(d->src, d->loc, &end_line, &end_col);
		json_object *end = json_object_new_object();
		json_object_object_add(end, "line", json_object_new_int((int)end_line));
		json_object_object_add(end, "column", json_object_new_int((int)end_col));
		json_object_object_add(o, "end", end);
		json_object_object_add(o, "severity", json_object_new_string(
			diag_code_severity(d->code) == DIAG_ERROR ? "error" : "warning"));
		json_object_object_add(o, "code",
			json_object_new_string(diag_code_name(d->code)));
		json_object_object_add(o, "message", json_object_new_string(d->msg));
		json_object *notes = json_object_new_array();
		for (const struct diag_line *l = d->lines; l; l = l->next) {
			json_object *n = json_object_new_object();
			json_object_object_add(n, "kind",
				json_object_new_string(l->help ? "help" : "note"));
			json_object_object_add(n, "message", json_object_new_string(l->text));
			json_object_array_add(notes, n);
		}
		json_object_object_add(o, "notes", notes);
		json_object_array_add(arr, o);
	}
	return arr;
}

void diag_json_finish(json_object *root, const struct diag_list *dl, FILE *out)
{
	if (dl) {
		json_object_object_add(root, "diagnostics", diag_to_json(dl));
		json_object_object_add(root, "errors", json_object_new_int64((int64_t)dl->errors));
		json_object_object_add(root, "warnings", json_object_new_int64((int64_t)dl->warnings));
	}
	jsondoc_print(root, out);
}

void diag_print_json(const struct diag_list *dl, FILE *out)
{
	diag_json_finish(jsondoc_new(NULL), dl, out);
}

/* Edit distance where a swap of two neighbours counts as one typo, as
 * in "rma" for "ram" (optimal string alignment), bounded: names are short. */
static size_t diag_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return (size_t)-1;
	size_t rows[3][64]; /* row i is rows[i % 3]: rows i-2, i-1 and i */
	for (size_t j = 0; j <= lb; j++)
		rows[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *cur = rows[i % 3], *prev = rows[(i + 2) % 3], *two = rows[(i + 1) % 3];
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev[j - 1] + cost;
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    two[j - 2] + 1 < best)
				best = two[j - 2] + 1;
			cur[j] = best;
		}
	}
	return rows[la % 3][lb];
}

void diag_suggest_init(struct diag_suggest *s, const char *name)
{
	s->name = name;
	s->best = NULL;
	s->best_dist = (size_t)-1;
}

void diag_suggest_try(struct diag_suggest *s, const char *candidate)
{
	size_t d = diag_edit_distance(s->name, candidate);
	if (d < s->best_dist ||
	    (d == s->best_dist && s->best && strcmp(candidate, s->best) < 0)) {
		s->best = candidate;
		s->best_dist = d;
	}
}

const char *diag_suggest_result(const struct diag_suggest *s)
{
	/* a third of the name may be wrong, at least one character */
	size_t limit = strlen(s->name) / 3;
	if (limit < 1)
		limit = 1;
	return s->best && s->best_dist <= limit ? s->best : NULL;
}
