#include "fmt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* A comment after code starts at this column (0-based, as in
 * examples/becker.infra) or two spaces after the longest line of its run */
#define FMT_COMMENT_COL 30
#define FMT_INDENT 2

/* The scanner drops comments, so they are found again in the text: a '#'
 * outside a string runs to the end of its line. */
struct fmt_comment {
	uint32_t off, len; /* from the '#', trailing blanks cut */
	uint32_t line;
};

/* One line of the result: code (in fmt.code) and a comment after it, or
 * a comment alone, or nothing (a blank line). */
struct fmt_line {
	uint32_t indent;
	size_t code, code_len;
	const struct fmt_comment *comment;
	bool blank;
	bool opens; /* ends in '{' or '[': no blank line follows */
};

struct fmt {
	const struct src *src;
	uint32_t *starts; /* byte offset of each line's start */
	size_t nstarts;
	struct fmt_comment *cm;
	size_t ncm, next; /* comments before next are written */
	struct fmt_line *lines;
	size_t nlines, cap;
	struct strbuf code; /* the code of every line, one after another */
	struct strbuf cur;  /* the code of the line being built */
	uint32_t last_line; /* source line of the last thing written */
};

/* ---- the source: lines and comments ------------------------------------ */

static void fmt_scan_lines(struct fmt *f)
{
	const char *t = f->src->text;
	size_t n = 1;
	for (size_t i = 0; i < f->src->len; i++)
		n += t[i] == '\n';
	f->starts = xcalloc(n, sizeof(*f->starts));
	f->nstarts = 0;
	f->starts[f->nstarts++] = 0;
	for (size_t i = 0; i < f->src->len; i++)
		if (t[i] == '\n')
			f->starts[f->nstarts++] = (uint32_t)i + 1;
}

/* The 1-based line of byte offset off. */
static uint32_t fmt_line_of(const struct fmt *f, uint32_t off)
{
	size_t lo = 0, hi = f->nstarts;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo + 1;
}

/* Skips a string literal starting at t[i] == '"' (the text parsed, so it
 * ends on its line); returns the offset after it. */
static size_t fmt_skip_string(const char *t, size_t len, size_t i)
{
	for (i++; i < len && t[i] != '"' && t[i] != '\n'; i++)
		if (t[i] == '\\' && i + 1 < len && t[i + 1] != '\n')
			i++;
	return i < len && t[i] == '"' ? i + 1 : i;
}

static void fmt_scan_comments(struct fmt *f)
{
	const char *t = f->src->text;
	size_t len = f->src->len, cap = 0;
	for (size_t i = 0; i < len;) {
		if (t[i] == '"') {
			i = fmt_skip_string(t, len, i);
			continue;
		}
		if (t[i] != '#') {
			i++;
			continue;
		}
		size_t end = i;
		while (end < len && t[end] != '\n')
			end++;
		size_t stop = end;
		while (stop > i && (t[stop - 1] == ' ' || t[stop - 1] == '\t' || t[stop - 1] == '\r'))
			stop--;
		if (f->ncm == cap) {
			cap = cap ? cap * 2 : 16;
			f->cm = xrealloc(f->cm, xalloc_size(cap, sizeof(*f->cm)));
		}
		f->cm[f->ncm].off = (uint32_t)i;
		f->cm[f->ncm].len = (uint32_t)(stop - i);
		f->cm[f->ncm].line = fmt_line_of(f, (uint32_t)i);
		f->ncm++;
		i = end;
	}
}

/* The index of the first comment at or after off. */
static size_t fmt_comment_at(const struct fmt *f, uint32_t off)
{
	size_t lo = 0, hi = f->ncm;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->cm[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Was there a blank line between the end of one thing and the start of
 * the next: a line between them that holds no comment? */
static bool fmt_blank_between(const struct fmt *f, uint32_t end, uint32_t start)
{
	uint32_t l0 = fmt_line_of(f, end ? end - 1 : 0), l1 = fmt_line_of(f, start);
	if (l1 <= l0 + 1)
		return false;
	uint32_t comments = 0;
	for (size_t i = fmt_comment_at(f, end); i < f->ncm && f->cm[i].off < start; i++)
		comments += f->cm[i].line > l0;
	return l1 - l0 - 1 > comments;
}

/* ---- lines of the result --------------------------------------------------- */

static struct fmt_line *fmt_push(struct fmt *f, uint32_t indent, const struct fmt_comment *cm)
{
	if (f->nlines == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->lines = xrealloc(f->lines, xalloc_size(f->cap, sizeof(*f->lines)));
	}
	struct fmt_line *l = &f->lines[f->nlines++];
	memset(l, 0, sizeof(*l));
	l->indent = indent;
	l->comment = cm;
	l->code = f->code.len;
	l->code_len = f->cur.len;
	strbuf_add(&f->code, f->cur.buf, f->cur.len);
	strbuf_reset(&f->cur);
	return l;
}

/* A blank line, unless at the start of the file or of a block, or after one. */
static void fmt_blank(struct fmt *f)
{
	if (!f->nlines || f->lines[f->nlines - 1].blank || f->lines[f->nlines - 1].opens)
		return;
	fmt_push(f, 0, NULL)->blank = true;
}

static void fmt_unblank(struct fmt *f)
{
	while (f->nlines && f->lines[f->nlines - 1].blank)
		f->nlines--;
}

/* Writes the comments before until on lines of their own, keeping a blank
 * line where the source had one (force: before the first in any case);
 * true when there was none. */
static bool fmt_gap(struct fmt *f, uint32_t until, uint32_t indent, bool force)
{
	bool none = true;
	while (f->next < f->ncm && f->cm[f->next].off < until) {
		const struct fmt_comment *c = &f->cm[f->next++];
		if ((none && force) || c->line > f->last_line + 1)
			fmt_blank(f);
		none = false;
		fmt_push(f, indent, c);
		f->last_line = c->line;
	}
	return none;
}

/* Starts the line of a thing at start: the comments before it, a blank
 * line where there was one, then the comments inside it up to hoist
 * (those of a value written on one line), on lines of their own. */
static void fmt_start(struct fmt *f, uint32_t start, uint32_t hoist, uint32_t indent, bool force)
{
	bool none = fmt_gap(f, start, indent, force);
	uint32_t line = fmt_line_of(f, start);
	if ((force && none) || line > f->last_line + 1)
		fmt_blank(f);
	f->last_line = line;
	while (f->next < f->ncm && f->cm[f->next].off < hoist)
		fmt_push(f, indent, &f->cm[f->next++]);
}

/* Ends the line being built at source offset end, with the comment that
 * follows it on its line (after a comma in a list). */
static struct fmt_line *fmt_end(struct fmt *f, uint32_t indent, uint32_t end, bool comma)
{
	const struct fmt_comment *c = NULL;
	if (f->next < f->ncm) {
		const struct fmt_comment *n = &f->cm[f->next];
		bool same = n->off >= end;
		for (uint32_t i = end; same && i < n->off; i++) {
			char ch = f->src->text[i];
			same = ch == ' ' || ch == '\t' || ch == '\r' || (comma && ch == ',');
		}
		if (same) {
			c = n;
			f->next++;
		}
	}
	f->last_line = fmt_line_of(f, c ? c->off : end - 1);
	return fmt_push(f, indent, c);
}

/* ---- values ---------------------------------------------------------------- */

static void fmt_text(struct fmt *f, struct loc l)
{
	strbuf_add(&f->cur, f->src->text + l.off, l.end_off - l.off);
}

/* A value on the line being built. */
static void fmt_inline(struct fmt *f, const struct ast_value *v)
{
	switch (v->kind) {
	case AST_NUMBER:
		strbuf_addstr(&f->cur, v->u.num.text);
		if (v->u.num.unit)
			strbuf_addf(&f->cur, "%s%s", strcmp(v->u.num.unit, "%") ? " " : "",
				    v->u.num.unit);
		break;
	case AST_RANGE:
	case AST_PORTS:
		fmt_inline(f, v->u.range.lo);
		strbuf_addstr(&f->cur, v->kind == AST_RANGE ? " .. " : ":");
		fmt_inline(f, v->u.range.hi);
		break;
	case AST_STRING:
	case AST_DATE:
		fmt_text(f, v->loc); /* as written: escapes, a day */
		break;
	case AST_IDENT:
		strbuf_addstr(&f->cur, v->u.str);
		break;
	case AST_LIST:
	case AST_CALL: {
		const struct ast_value *e = v->kind == AST_LIST ? v->u.list.first : v->u.call.args;
		if (v->kind == AST_CALL)
			strbuf_addstr(&f->cur, v->u.call.fn);
		strbuf_addch(&f->cur, v->kind == AST_LIST ? '[' : '(');
		for (; e; e = e->next) {
			fmt_inline(f, e);
			if (e->next)
				strbuf_addstr(&f->cur, ", ");
		}
		strbuf_addch(&f->cur, v->kind == AST_LIST ? ']' : ')');
		break;
	}
	}
}

/* A list written over several lines (with something in it) stays so. */
static bool fmt_multiline(const struct fmt *f, const struct ast_value *v)
{
	if (v->kind != AST_LIST)
		return false;
	const char *t = f->src->text + v->loc.off;
	if (!memchr(t, '\n', v->loc.end_off - v->loc.off))
		return false;
	size_t c = fmt_comment_at(f, v->loc.off);
	return v->n > 0 || (c < f->ncm && f->cm[c].off < v->loc.end_off);
}

static void fmt_value(struct fmt *f, const struct ast_value *v, uint32_t indent);

/* "[" and the elements one a line, leaving "]" on the line being built. */
static void fmt_list_lines(struct fmt *f, const struct ast_value *v, uint32_t indent)
{
	strbuf_addch(&f->cur, '[');
	fmt_end(f, indent, v->loc.off + 1, false)->opens = true;
	for (const struct ast_value *e = v->u.list.first; e; e = e->next) {
		fmt_start(f, e->loc.off, fmt_multiline(f, e) ? e->loc.off : e->loc.end_off,
			  indent + 1, false);
		fmt_value(f, e, indent + 1);
		strbuf_addch(&f->cur, ',');
		fmt_end(f, indent + 1, e->loc.end_off, true);
	}
	fmt_gap(f, v->loc.end_off - 1, indent + 1, false);
	fmt_unblank(f);
	strbuf_addch(&f->cur, ']');
}

static void fmt_value(struct fmt *f, const struct ast_value *v, uint32_t indent)
{
	if (fmt_multiline(f, v))
		fmt_list_lines(f, v, indent);
	else
		fmt_inline(f, v);
}

/* ---- items ----------------------------------------------------------------- */

static void fmt_items(struct fmt *f, const struct ast_item *it, uint32_t indent, bool top,
		      uint32_t close);

/* The widest key of the run of attributes that starts at it: the next
 * item that is no attribute, or a blank line, ends it. */
static size_t fmt_key_width(const struct fmt *f, const struct ast_item *it)
{
	size_t w = strlen(it->name);
	for (; it->next && it->next->kind == AST_ATTR; it = it->next) {
		if (fmt_blank_between(f, it->loc.end_off, it->next->loc.off))
			break;
		size_t n = strlen(it->next->name);
		w = n > w ? n : w;
	}
	return w;
}

static void fmt_attr(struct fmt *f, const struct ast_item *it, uint32_t indent, bool force,
		     size_t width)
{
	bool multi = fmt_multiline(f, it->value);
	fmt_start(f, it->loc.off, multi ? it->value->loc.off : it->loc.end_off, indent, force);
	strbuf_addstr(&f->cur, it->name);
	for (size_t n = strlen(it->name); n < width; n++)
		strbuf_addch(&f->cur, ' ');
	strbuf_addstr(&f->cur, " = ");
	fmt_value(f, it->value, indent);
	if (it->from) {
		strbuf_addstr(&f->cur, " from ");
		fmt_inline(f, it->from);
	}
	fmt_end(f, indent, it->loc.end_off, false);
}

/* The name and the words after it, one space apart (a WORD item has no
 * room for words: see ast_item_size). */
static void fmt_words(struct fmt *f, const struct ast_item *it)
{
	strbuf_addstr(&f->cur, it->name);
	for (const struct ast_word *w = it->kind == AST_WORD ? NULL : it->words; w; w = w->next)
		strbuf_addf(&f->cur, " %s", w->name);
}

static void fmt_block(struct fmt *f, const struct ast_item *it, uint32_t indent, bool force)
{
	fmt_start(f, it->loc.off, it->open_loc.off, indent, force);
	fmt_words(f, it);
	bool comments = f->next < f->ncm && f->cm[f->next].off < it->loc.end_off;
	if (!it->items && !comments) {
		strbuf_addstr(&f->cur, " {}");
		fmt_end(f, indent, it->loc.end_off, false);
		return;
	}
	strbuf_addstr(&f->cur, " {");
	fmt_end(f, indent, it->open_loc.end_off, false)->opens = true;
	fmt_items(f, it->items, indent + 1, false, it->loc.end_off - 1);
	fmt_unblank(f);
	strbuf_addch(&f->cur, '}');
	fmt_end(f, indent, it->loc.end_off, false);
}

/* The items of a block (or of the file: top), then the comments before
 * close, where the block ends. */
static void fmt_items(struct fmt *f, const struct ast_item *it, uint32_t indent, bool top,
		      uint32_t close)
{
	size_t width = 0;
	for (const struct ast_item *prev = NULL; it; prev = it, it = it->next) {
		bool force = top && prev;
		switch (it->kind) {
		case AST_ATTR:
			if (!prev || prev->kind != AST_ATTR ||
			    fmt_blank_between(f, prev->loc.end_off, it->loc.off))
				width = fmt_key_width(f, it);
			fmt_attr(f, it, indent, force, width);
			break;
		case AST_BLOCK:
			fmt_block(f, it, indent, force);
			break;
		case AST_WORD:
		case AST_WORDS:
			fmt_start(f, it->loc.off, it->loc.end_off, indent, force);
			fmt_words(f, it);
			fmt_end(f, indent, it->loc.end_off, false);
			break;
		}
	}
	fmt_gap(f, close, indent, false);
}

/* ---- the result ------------------------------------------------------------ */

/* Columns of UTF-8 text: its bytes less the continuation bytes. */
static size_t fmt_cols(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static size_t fmt_width(const struct fmt *f, const struct fmt_line *l)
{
	return l->indent * FMT_INDENT + fmt_cols(f->code.buf + l->code, l->code_len);
}

/* Lines from i on that carry code and a comment after it. */
static size_t fmt_run_end(const struct fmt *f, size_t i)
{
	while (i < f->nlines && f->lines[i].code_len && f->lines[i].comment)
		i++;
	return i;
}

static void fmt_render(const struct fmt *f, struct strbuf *out)
{
	size_t col = 0, run_end = 0;
	for (size_t i = 0; i < f->nlines; i++) {
		const struct fmt_line *l = &f->lines[i];
		if (i >= run_end && (run_end = fmt_run_end(f, i)) > i) {
			col = FMT_COMMENT_COL;
			for (size_t j = i; j < run_end; j++)
				if (fmt_width(f, &f->lines[j]) + 2 > col)
					col = fmt_width(f, &f->lines[j]) + 2;
		}
		if (!l->blank) {
			for (size_t k = 0; k < l->indent * FMT_INDENT; k++)
				strbuf_addch(out, ' ');
			strbuf_add(out, f->code.buf + l->code, l->code_len);
		}
		if (l->comment && l->code_len)
			for (size_t w = fmt_width(f, l); w < col; w++)
				strbuf_addch(out, ' ');
		if (l->comment)
			strbuf_add(out, f->src->text + l->comment->off, l->comment->len);
		strbuf_addch(out, '\n');
	}
}

void fmt_tree(const struct ast_file *file, struct strbuf *out)
{
	struct fmt f;
	memset(&f, 0, sizeof(f));
	f.src = file->src;
	strbuf_init(&f.code, 0);
	strbuf_init(&f.cur, 0);
	fmt_scan_lines(&f);
	fmt_scan_comments(&f);
	fmt_items(&f, file->items, 0, true, (uint32_t)f.src->len);
	fmt_unblank(&f);
	fmt_render(&f, out);
	strbuf_release(&f.code);
	strbuf_release(&f.cur);
	free(f.lines);
	free(f.cm);
	free(f.starts);
}

/* ---- the proof ------------------------------------------------------------- */

static bool fmt_same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool fmt_same_value(const struct ast_value *a, const struct ast_value *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->n != b->n)
		return false;
	switch (a->kind) {
	case AST_NUMBER:
		return fmt_same_str(a->u.num.text, b->u.num.text) &&
		       fmt_same_str(a->u.num.unit, b->u.num.unit);
	case AST_RANGE:
	case AST_PORTS:
		return fmt_same_value(a->u.range.lo, b->u.range.lo) &&
		       fmt_same_value(a->u.range.hi, b->u.range.hi);
	case AST_STRING:
	case AST_IDENT:
		return fmt_same_str(a->u.str, b->u.str);
	case AST_DATE:
		return a->u.date.year == b->u.date.year && a->u.date.month == b->u.date.month &&
		       a->u.date.day == b->u.date.day;
	case AST_LIST:
	case AST_CALL:
		if (a->kind == AST_CALL && !fmt_same_str(a->u.call.fn, b->u.call.fn))
			return false;
		a = a->kind == AST_LIST ? a->u.list.first : a->u.call.args;
		b = b->kind == AST_LIST ? b->u.list.first : b->u.call.args;
		for (; a && b; a = a->next, b = b->next)
			if (!fmt_same_value(a, b))
				return false;
		return a == b;
	}
	return false;
}

static bool fmt_same_items(const struct ast_item *a, const struct ast_item *b)
{
	for (; a && b; a = a->next, b = b->next) {
		if (a->kind != b->kind || !fmt_same_str(a->name, b->name))
			return false;
		if (a->kind == AST_ATTR) {
			if (!fmt_same_value(a->value, b->value) || !fmt_same_value(a->from, b->from))
				return false;
			continue;
		}
		if (a->kind == AST_WORD)
			continue;
		const struct ast_word *wa = a->words, *wb = b->words;
		for (; wa && wb; wa = wa->next, wb = wb->next)
			if (!fmt_same_str(wa->name, wb->name))
				return false;
		if (wa || wb || (a->kind == AST_BLOCK && !fmt_same_items(a->items, b->items)))
			return false;
	}
	return a == b;
}

bool fmt_same_tree(const struct ast_file *a, const struct ast_file *b)
{
	return fmt_same_items(a->items, b->items);
}

enum fmt_status fmt_buffer(struct compilation *c, const char *name, const char *text,
			   size_t len, struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, text, len);
	if (!compile_parse(c, name, &sb))
		return FMT_SYNTAX;
	struct strbuf res = STRBUF_INIT, again_text = STRBUF_INIT;
	fmt_tree(&c->ast, &res);
	/* the result must parse to the same tree, or nothing is handed out */
	strbuf_add(&again_text, res.buf, res.len);
	struct compilation again;
	bool same = compile_parse(&again, name, &again_text) && fmt_same_tree(&c->ast, &again.ast);
	compile_release(&again);
	if (same)
		strbuf_add(out, res.buf, res.len);
	strbuf_release(&res);
	return same ? FMT_OK : FMT_MEANING;
}
