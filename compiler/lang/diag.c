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

/* Beyond this many syntax errors the rest are noise from the first ones;
 * beyond this many diagnostics in all, a ruined file only costs memory:
 * both are counted, not kept.  Text output shows DIAG_MAX_SHOWN. */
#define DIAG_MAX_SYNTAX 50
#define DIAG_MAX_KEPT 1000

/* Where the notes of a diagnostic that is not kept go: nowhere. */
static struct diag diag_dropped;

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

/* The scanner's and the parser's own errors (E0006 is resolve's too). */
static bool diag_is_syntax(enum diag_code code)
{
	return code <= DIAG_E0009 && code != DIAG_E0006;
}

struct diag *diag_addv(struct diag_list *dl, enum diag_code code,
		       const struct src *src, struct loc loc, const char *fmt,
		       va_list ap)
{
	if ((diag_is_syntax(code) && dl->syntax_errors++ >= DIAG_MAX_SYNTAX) ||
	    dl->n >= DIAG_MAX_KEPT) {
		/* still counted; notes on it go nowhere */
		if (diag_code_severity(code) == DIAG_ERROR)
			dl->errors++;
		else
			dl->warnings++;
		return &diag_dropped;
	}
	struct diag *d = arena_alloc(dl->arena, sizeof(*d));
	d->code = code;
	d->src = src;
	d->loc = loc;
	d->msg = arena_vprintf(dl->arena, fmt, ap);
	d->lines = NULL;
	d->lines_tail = &d->lines;
	d->hide_source = false;
	diag_take(dl, d);
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

void diag_take(struct diag_list *dl, struct diag *d)
{
	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 16;
		dl->items = xrealloc(dl->items, xalloc_size(cap, sizeof(*dl->items)));
		dl->cap = cap;
	}
	d->seq = dl->n;
	dl->items[dl->n++] = d;
	if (diag_code_severity(d->code) == DIAG_ERROR)
		dl->errors++;
	else
		dl->warnings++;
}

__attribute__((format(printf, 4, 0)))
static void diag_line_add(struct diag *d, struct diag_list *dl, bool help,
			  const char *fmt, va_list ap)
{
	if (d == &diag_dropped)
		return;
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

/* A quoted line shows at most this many columns; a longer one is cut to
 * a window that starts DIAG_LEFT columns before the span. */
#define DIAG_WIDTH 100
#define DIAG_LEFT 40
/* A message shows at most this many characters of its text. */
#define DIAG_MSG_MAX 400

/* The byte where the character before byte i starts (not before lo). */
static size_t diag_back(const char *t, size_t lo, size_t i)
{
	do
		i--;
	while (i > lo && ((unsigned char)t[i] & 0xC0) == 0x80);
	return i;
}

/* The start and end of the line holding off, each searched at most
 * limit bytes away (a line longer than that is cut anyway). */
static void diag_line_bounds(const struct src *s, size_t off, size_t limit,
			     size_t *start, size_t *end)
{
	size_t lo = off > limit ? off - limit : 0, hi = s->len - off > limit ? off + limit : s->len;
	*start = off;
	while (*start > lo && s->text[*start - 1] != '\n')
		(*start)--;
	*end = off;
	while (*end < hi && s->text[*end] != '\n')
		(*end)++;
	if (*end > *start && *end > off && s->text[*end - 1] == '\r')
		(*end)--;
	/* the byte-order mark is not part of the first line */
	if (*start == 0 && s->len >= 3 && !memcmp(s->text, "\xEF\xBB\xBF", 3) && off >= 3)
		*start = 3;
}

/* The columns a character takes as diag_quote shows it: one for a tab
 * and for a character shown as itself, however many bytes it has. */
static size_t diag_width(const char *shown, size_t len)
{
	return shown[0] == '\\' ? len : 1;
}

/* Writes the characters of [from, to) as shown (tabs kept, anything a
 * terminal would act on escaped) into text, and under them into mark:
 * blanks before off, '^' and '~' over [off, stop).  Stops once text is
 * DIAG_WIDTH columns wide; returns where it stopped. */
static size_t diag_quote(const struct src *s, size_t from, size_t to, size_t off, size_t stop,
			 struct strbuf *text, struct strbuf *mark)
{
	size_t i = from, cols = 0;
	while (i < to && cols < DIAG_WIDTH) {
		size_t before = text->len, n;
		if (s->text[i] == '\t') {
			strbuf_addch(text, '\t');
			n = 1;
		} else {
			n = strbuf_add_escaped_char(text, s->text + i, to - i);
		}
		size_t w = diag_width(text->buf + before, text->len - before);
		cols += w;
		for (size_t k = 0; k < w; k++)
			strbuf_addch(mark, i < off ? (s->text[i] == '\t' ? '\t' : ' ')
					   : i == off && k == 0 ? '^' : i < stop ? '~' : '\0');
		i += n;
	}
	return i;
}

/* Quotes the first line of the span, cut to a window around it, with a
 * ^~~~ underline.  Tabs are kept in the underline's indent so it lines
 * up in any terminal. */
static void diag_print_source(const struct diag *d, FILE *out, bool color)
{
	const struct src *s = d->src;
	if (!s || d->loc.line == 0 || d->loc.off > s->len)
		return;
	size_t off = d->loc.off, start, end;
	diag_line_bounds(s, off, 8 * DIAG_WIDTH, &start, &end);
	if (off > end)
		off = end;
	size_t stop = d->loc.end_off > off ? d->loc.end_off : off + 1;
	struct strbuf text = STRBUF_INIT, mark = STRBUF_INIT;
	/* the whole line when it fits, else a window from a little before
	 * the span */
	size_t from = start, to = diag_quote(s, start, end, off, stop, &text, &mark);
	if (to < end) {
		struct strbuf one = STRBUF_INIT;
		from = off;
		for (size_t cols = 0; from > start;) {
			size_t prev = diag_back(s->text, start, from);
			strbuf_reset(&one);
			strbuf_add_escaped_char(&one, s->text + prev, from - prev);
			cols += diag_width(one.buf, one.len);
			if (cols > DIAG_LEFT)
				break;
			from = prev;
		}
		strbuf_release(&one);
		strbuf_reset(&text);
		strbuf_reset(&mark);
		to = diag_quote(s, from, end, off, stop, &text, &mark);
	}
	if (off == to)
		strbuf_addch(&mark, '^'); /* the span starts at the end of the line */
	strbuf_setlen(&mark, strlen(mark.buf));

	char num[16];
	int w = snprintf(num, sizeof(num), "%u", d->loc.line);
	if (w < 5)
		w = 5;
	const char *bl = color ? C_BLUE : "", *off_c = color ? C_OFF : "";
	const char *cut = from > start ? "..." : "";
	fprintf(out, "%s%*u |%s %s%s%s\n", bl, w, d->loc.line, off_c, cut, text.buf,
		to < end ? "..." : "");
	size_t lead = strspn(mark.buf, " \t");
	const char *hl = diag_code_severity(d->code) == DIAG_ERROR ? C_RED : C_YEL;
	fprintf(out, "%s%*s |%s %s%.*s%s%s%s\n", bl, w, "", off_c, cut[0] ? "   " : "",
		(int)lead, mark.buf, color ? hl : "", mark.buf + lead, color ? C_OFF : "");
	strbuf_release(&text);
	strbuf_release(&mark);
}

/* A message, note or file name as printed: escaped (text from the file
 * or the command line reaches the terminal only so), and cut after
 * DIAG_MSG_MAX characters, as a name in it may be megabytes long. */
static void diag_shown(struct strbuf *b, const char *s)
{
	size_t len = strlen(s), i = 0;
	for (size_t chars = 0; i < len && chars < DIAG_MSG_MAX; chars++)
		i += strbuf_add_escaped_char(b, s + i, len - i);
	if (i < len)
		strbuf_addstr(b, "...");
}

static void diag_put(FILE *out, const char *s)
{
	struct strbuf b = STRBUF_INIT;
	diag_shown(&b, s);
	fputs(b.buf, out);
	strbuf_release(&b);
}

static void diag_print_one(const struct diag *d, FILE *out, bool color)
{
	bool err = diag_code_severity(d->code) == DIAG_ERROR;
	if (color)
		fputs(C_BOLD, out);
	diag_put(out, d->src ? d->src->path : "infrac");
	if (d->loc.line)
		fprintf(out, ":%u:%u", d->loc.line, d->loc.col);
	fputs(": ", out);
	if (color)
		fputs(err ? C_RED : C_YEL, out);
	fprintf(out, "%s[%s]", err ? "error" : "warning", diag_code_name(d->code));
	if (color)
		fputs(C_OFF C_BOLD, out);
	fputs(": ", out);
	diag_put(out, d->msg);
	fputs(color ? "\n" C_OFF : "\n", out);
	if (!d->hide_source)
		diag_print_source(d, out, color);
	for (const struct diag_line *l = d->lines; l; l = l->next) {
		fprintf(out, "  = %s: ", l->help ? "help" : "note");
		diag_put(out, l->text);
		fputc('\n', out);
	}
}

void diag_print(const struct diag_list *dl, FILE *out, bool color)
{
	size_t shown = dl->n < DIAG_MAX_SHOWN ? dl->n : DIAG_MAX_SHOWN;
	size_t errors = 0, warnings = 0;
	for (size_t i = 0; i < shown; i++) {
		diag_print_one(dl->items[i], out, color);
		if (diag_code_severity(dl->items[i]->code) == DIAG_ERROR)
			errors++;
		else
			warnings++;
	}
	errors = dl->errors - errors;
	warnings = dl->warnings - warnings;
	if (!errors && !warnings)
		return;
	const struct diag *last = shown ? dl->items[shown - 1] : NULL;
	diag_put(out, last && last->src ? last->src->path : "infrac");
	fprintf(out, ": and %zu more error%s", errors, errors == 1 ? "" : "s");
	if (warnings)
		fprintf(out, " and %zu more warning%s", warnings, warnings == 1 ? "" : "s");
	fprintf(out, ", not shown: the first %zu are above\n", shown);
}

/* A string for JSON: json-c escapes control characters but passes bytes
 * that are not UTF-8 through, which would make the document invalid. */
static json_object *diag_json_string(const char *s)
{
	struct strbuf b = STRBUF_INIT;
	diag_shown(&b, s);
	json_object *o = json_object_new_string_len(b.buf, (int)b.len);
	strbuf_release(&b);
	return o;
}

static json_object *diag_json(const struct diag *d)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "file",
		diag_json_string(d->src ? d->src->path : ""));
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
	json_object_object_add(o, "message", diag_json_string(d->msg));
	json_object *notes = json_object_new_array();
	for (const struct diag_line *l = d->lines; l; l = l->next) {
		json_object *n = json_object_new_object();
		json_object_object_add(n, "kind",
			json_object_new_string(l->help ? "help" : "note"));
		json_object_object_add(n, "message", diag_json_string(l->text));
		json_object_array_add(notes, n);
	}
	json_object_object_add(o, "notes", notes);
	return o;
}

void diag_json_end(struct jsondoc_writer *w, const struct diag_list *dl)
{
	if (dl) {
		jsondoc_open(w, "diagnostics", '[');
		for (size_t i = 0; i < dl->n; i++)
			jsondoc_put(w, NULL, diag_json(dl->items[i]));
		jsondoc_close(w);
		jsondoc_put(w, "errors", json_object_new_int64((int64_t)dl->errors));
		jsondoc_put(w, "warnings", json_object_new_int64((int64_t)dl->warnings));
	}
	jsondoc_end(w);
}

void diag_print_json(const struct diag_list *dl, FILE *out)
{
	struct jsondoc_writer w;
	jsondoc_begin(&w, out, NULL);
	diag_json_end(&w, dl);
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
