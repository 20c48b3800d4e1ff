/*
 * The infrac grammar.  It builds the AST and nothing else: which blocks
 * and attributes exist and what values they take is checked in
 * compiler/check.c.  Items end at a newline (or at the '}' closing their
 * block); a syntax error skips to the end of its line, so one run reports
 * every broken line.
 */
%code requires {
#include "parse_ctx.h"
#define PARSER_LTYPE struct loc
#define PARSER_LTYPE_IS_DECLARED 1
#define PARSER_LTYPE_IS_TRIVIAL 1
typedef void *yyscan_t;
/* the first word stays in the item itself: most items are one word */
struct parser_words { const char *name; struct loc loc; struct ast_word *rest, *last; };
}

%code provides {
int parser_lex(PARSER_STYPE *lval, PARSER_LTYPE *lloc, yyscan_t scanner);
}

%code {
#include <string.h>

/* An empty rule's span is the position after the symbol before it. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                  \
	do {                                                         \
		if (N) {                                             \
			(Cur).line = YYRHSLOC(Rhs, 1).line;          \
			(Cur).col = YYRHSLOC(Rhs, 1).col;            \
			(Cur).off = YYRHSLOC(Rhs, 1).off;            \
			(Cur).end_off = YYRHSLOC(Rhs, N).end_off;    \
		} else {                                             \
			diag_loc_end(ctx->src, YYRHSLOC(Rhs, 0),     \
				     &(Cur).line, &(Cur).col);       \
			(Cur).off = (Cur).end_off = YYRHSLOC(Rhs, 0).end_off; \
		}                                                    \
	} while (0)

static void yyerror(YYLTYPE *loc, yyscan_t scanner, struct parse_ctx *ctx,
		    const char *msg);

static struct ast_value *parser_value(struct parse_ctx *ctx,
				      enum ast_value_kind kind, YYLTYPE loc)
{
	struct ast_value *v = arena_alloc_align(ctx->arena, sizeof(*v), _Alignof(struct ast_value));
	v->kind = kind;
	v->loc = loc;
	return v;
}

/* Appends a word to a line's words after the first; returns the list. */
static struct ast_word *parser_words_add(struct parse_ctx *ctx, struct parser_words *ws,
					 const char *name, YYLTYPE loc)
{
	struct ast_word *w = arena_alloc_align(ctx->arena, sizeof(*w), _Alignof(struct ast_word));
	w->name = name;
	w->loc = loc;
	if (ws->last)
		ws->last->next = w;
	else
		ws->rest = w;
	ws->last = w;
	return ws->rest;
}
static struct ast_item *parser_item(struct parse_ctx *ctx,
				    enum ast_item_kind kind, YYLTYPE loc)
{
	struct ast_item *it = arena_alloc_align(ctx->arena, ast_item_size(kind),
					       _Alignof(struct ast_item));
	it->kind = kind;
	it->loc = loc;
	return it;
}
}

%define api.pure full
%define api.prefix {parser_}
%define parse.error custom
/* canonical LR without default reductions: the state where an error is
 * found knows exactly which tokens may follow, for "expected ..." */
%define lr.type canonical-lr
%define lr.default-reduction accepting
%locations
%expect 0
%param {yyscan_t scanner}
%parse-param {struct parse_ctx *ctx}

%union {
	const char *str;
	struct ast_value *value;
	struct ast_item *item;
	struct ast_word *word;
	struct { struct ast_item *first, *last; } items;
	struct { struct ast_value *first, *last; size_t n; } values;
	struct parser_words words;
	struct { int year, month, day; } date;
}

%token END 0 "end of file"
%token <str> IDENT "name"
%token <str> NUMBER "number"
%token <str> STRING "string"
%token <date> DATE "date"
%token NEWLINE "end of line"
%token DOTDOT "'..'"
%token FROM "'from'"
%token '{' '}' '[' ']' '(' ')' ',' '=' '%' '/' ':'

%type <items> item_seq body
%type <item> line
%type <words> words
%type <value> value scalar number opt_from
%type <values> list opt_list
%type <str> unit

%%

file:	body	{ ctx->root = $1.first; }
	;

/* body: items separated by newlines; empty items are allowed.  An item
 * is parsed as `line`, not as an optional item, and one bare word as
 * its own rule: a line costs three reductions, not five, which shows on
 * files of hundreds of thousands of lines. */
body:	item_seq
	;
item_seq: line
		{ $$.first = $$.last = $1; }
	| item_seq NEWLINE line
		{
			$$ = $1;
			if ($3) {
				if ($$.last)
					$$.last->next = $3;
				else
					$$.first = $3;
				$$.last = $3;
			}
		}
	;
/* name = value [from value]  |  words { body }  |  words */
line:	%empty	{ $$ = NULL; }
	| error
		{
			/* the rest of the line is skipped: report the next
			 * line's errors too, not only those three tokens later */
			$$ = NULL;
			yyerrok;
		}
	| IDENT '=' value opt_from
		{
			$$ = parser_item(ctx, AST_ATTR, @$);
			$$->name = $1;
			$$->name_end = @1.end_off;
			$$->value = $3;
			$$->from = $4;
		}
	| words '{' body '}'
		{
			$$ = parser_item(ctx, AST_BLOCK, @$);
			$$->name = $1.name;
			$$->name_end = $1.loc.end_off;
			$$->words = $1.rest;
			$$->items = $3.first;
			$$->open_loc = @2;
		}
	| IDENT
		{
			$$ = parser_item(ctx, AST_WORD, @$);
			$$->name = $1;
			$$->name_end = @1.end_off;
		}
	| words IDENT
		{
			$$ = parser_item(ctx, AST_WORDS, @$);
			$$->name = $1.name;
			$$->name_end = $1.loc.end_off;
			$$->words = parser_words_add(ctx, &$1, $2, @2);
		}
	;
opt_from: %empty	{ $$ = NULL; }
	| FROM scalar	{ $$ = $2; }
	;

words:	IDENT
		{
			$$.name = $1;
			$$.loc = @1;
			$$.rest = $$.last = NULL;
		}
	| words IDENT
		{
			$$ = $1;
			parser_words_add(ctx, &$$, $2, @2);
		}
	;
value:	scalar
	| scalar DOTDOT scalar
		{
			$$ = parser_value(ctx, AST_RANGE, @$);
			$$->u.range.lo = $1;
			$$->u.range.hi = $3;
		}
	| '[' opt_list ']'
		{
			$$ = parser_value(ctx, AST_LIST, @$);
			$$->u.list.first = $2.first;
			$$->n = (uint32_t)$2.n;
		}
	;

scalar:	number
	| NUMBER ':' NUMBER
		{
			/* a port mapping, host:container, as compose writes it */
			struct ast_value *h = parser_value(ctx, AST_NUMBER, @1);
			struct ast_value *c = parser_value(ctx, AST_NUMBER, @3);
			h->u.num.text = $1;
			c->u.num.text = $3;
			$$ = parser_value(ctx, AST_PORTS, @$);
			$$->u.range.lo = h;
			$$->u.range.hi = c;
		}
	| STRING
		{
			$$ = parser_value(ctx, AST_STRING, @$);
			$$->u.str = $1;
		}
	| DATE
		{
			$$ = parser_value(ctx, AST_DATE, @$);
			$$->u.date.year = $1.year;
			$$->u.date.month = $1.month;
			$$->u.date.day = $1.day;
		}
	| IDENT
		{
			$$ = parser_value(ctx, AST_IDENT, @$);
			$$->u.str = $1;
		}
	| IDENT '(' opt_list ')'
		{
			$$ = parser_value(ctx, AST_CALL, @$);
			$$->u.call.fn = $1;
			$$->u.call.fn_loc = @1;
			$$->u.call.args = $3.first;
			$$->n = (uint32_t)$3.n;
		}
	;

number:	NUMBER
		{
			$$ = parser_value(ctx, AST_NUMBER, @$);
			$$->u.num.text = $1;
		}
	| NUMBER unit
		{
			$$ = parser_value(ctx, AST_NUMBER, @$);
			$$->u.num.text = $1;
			$$->u.num.unit = $2;
			$$->u.num.unit_loc = @2;
		}
	;

unit:	IDENT
	| IDENT '/' IDENT
		{ $$ = arena_printf(ctx->strings, "%s/%s", $1, $3); }
	| '%'	{ $$ = "%"; }
	;

opt_list: %empty	{ $$.first = $$.last = NULL; $$.n = 0; }
	| list
	| list ','
	;

list:	value
		{ $$.first = $$.last = $1; $$.n = 1; }
	| list ',' value
		{ $$ = $1; $$.last->next = $3; $$.last = $3; $$.n++; }
	;

%%

static const char *parser_symbol_text(yysymbol_kind_t sym)
{
	switch (sym) {
	case YYSYMBOL_YYEOF: return "end of file";
	case YYSYMBOL_IDENT: return "a name";
	case YYSYMBOL_NUMBER: return "a number";
	case YYSYMBOL_STRING: return "a string";
	case YYSYMBOL_DATE: return "a date";
	case YYSYMBOL_NEWLINE: return "end of line";
	case YYSYMBOL_DOTDOT: return "'..'";
	case YYSYMBOL_FROM: return "'from'";
	case YYSYMBOL_YYerror: return "error";
	default: break;
	}
	const char *name = yysymbol_name(sym);
	return name ? name : "?";
}

/* A '{' at the start of a line: the block's name is on the line above.
 * The brace is marked, so that the '}' closing it is not a second error. */
static void parser_brace_help(struct parse_ctx *ctx, struct diag *d, const YYLTYPE *loc)
{
	if (ctx->nbraces && ctx->braces[ctx->nbraces - 1].loc.off == loc->off)
		ctx->braces[ctx->nbraces - 1].broken = true;
	if (ctx->prev_token != NEWLINE)
		return;
	/* the last line before it that is not blank */
	const char *t = ctx->src->text;
	size_t end = loc->off;
	while (end > 0 && (t[end - 1] == '\n' || t[end - 1] == ' ' || t[end - 1] == '\t' ||
			   t[end - 1] == '\r'))
		end--;
	size_t start = end;
	while (start > 0 && t[start - 1] != '\n' && end - start < 60)
		start--;
	start += strspn(t + start, " \t");
	diag_help(d, ctx->diags, "a block's '{' goes on the line of its name: `%.*s {`",
		  (int)(end - start), t + start);
}

/* A ',' between digits: a decimal comma, or a list without brackets. */
static void parser_comma_help(struct parse_ctx *ctx, struct diag *d, const YYLTYPE *loc)
{
	const char *t = ctx->src->text;
	size_t at = loc->off, a = at;
	if (at == 0 || !(t[at - 1] >= '0' && t[at - 1] <= '9') ||
	    !(ctx->next_byte >= '0' && ctx->next_byte <= '9'))
		return;
	while (a > 0 && t[a - 1] >= '0' && t[a - 1] <= '9' && at - a < 20)
		a--;
	/* the byte after the ',' reads as NUL until the scanner moves on */
	char after[24] = { ctx->next_byte };
	for (size_t k = 1; k < sizeof(after) - 1 && t[at + 1 + k] >= '0' && t[at + 1 + k] <= '9'; k++)
		after[k] = t[at + 1 + k];
	diag_help(d, ctx->diags, "decimals are written with a point: %.*s.%s; a list is "
		  "written in brackets: [%.*s, %s]", (int)(at - a), t + a, after,
		  (int)(at - a), t + a, after);
}

static int yyreport_syntax_error(const yypcontext_t *pctx, yyscan_t scanner,
				 struct parse_ctx *ctx)
{
	(void)scanner;
	yysymbol_kind_t tok = yypcontext_token(pctx);
	const YYLTYPE *loc = yypcontext_location(pctx);

	/* the scanner reported this line already, and a '}' that closes a
	 * '{' that was an error itself is no further error */
	if (ctx->lex_error_line == loc->line ||
	    (!strcmp(yysymbol_name(tok), "'}'") && ctx->closes_broken))
		return 0;
	if (tok == YYSYMBOL_YYEOF && ctx->nbraces) {
		struct loc open = ctx->braces[ctx->nbraces - 1].loc;
		struct diag *d = diag_add(ctx->diags, DIAG_E0005, ctx->src, open,
			"unclosed '{': expected '}' before the end of the file");
		diag_note(d, ctx->diags, "the block opened on line %u is still open at the end of the file",
			  open.line);
		return 0;
	}

	enum { MAX_EXPECTED = 10 };
	yysymbol_kind_t expected[MAX_EXPECTED];
	int n = yypcontext_expected_tokens(pctx, expected, MAX_EXPECTED);
	/* error is never worth naming; it only shows where recovery can start */
	int k = 0;
	for (int i = 0; i < n; i++)
		if (expected[i] != YYSYMBOL_YYerror)
			expected[k++] = expected[i];
	n = k;

	char buf[256];
	const char *what = parser_symbol_text(tok);
	if (!strncmp(what, "a ", 2))
		what += 2; /* "unexpected string", but "expected a string" */
	int len = snprintf(buf, sizeof(buf), "unexpected %s", what);
	if (n > 0 && len > 0 && (size_t)len < sizeof(buf)) {
		len += snprintf(buf + len, sizeof(buf) - (size_t)len, ", expected ");
		for (int i = 0; i < n && (size_t)len < sizeof(buf); i++)
			len += snprintf(buf + len, sizeof(buf) - (size_t)len, "%s%s",
					i == 0 ? "" : i == n - 1 ? " or " : ", ",
					parser_symbol_text(expected[i]));
	}
	struct diag *d = diag_add(ctx->diags, DIAG_E0001, ctx->src, *loc, "%s", buf);
	/* a '}' where the file could end closes nothing */
	bool top = false;
	for (int i = 0; i < n; i++)
		top = top || expected[i] == YYSYMBOL_YYEOF;
	if (top && !strcmp(yysymbol_name(tok), "'}'"))
		diag_help(d, ctx->diags, "no block is open here: remove this '}' or look "
			  "for a '{' missing above");
	/* `image "x"`: a value right after a name is an attribute without '=' */
	if (ctx->prev_token == IDENT && (tok == YYSYMBOL_STRING || tok == YYSYMBOL_NUMBER ||
					 tok == YYSYMBOL_DATE || !strcmp(yysymbol_name(tok), "'['")))
		diag_help(d, ctx->diags, "an attribute is written `name = value`: is '=' missing?");
	if (!strcmp(yysymbol_name(tok), "'{'"))
		parser_brace_help(ctx, d, loc);
	if (!strcmp(yysymbol_name(tok), "','"))
		parser_comma_help(ctx, d, loc);
	return 0;
}

static void yyerror(YYLTYPE *loc, yyscan_t scanner, struct parse_ctx *ctx,
		    const char *msg)
{
	(void)scanner;
	/* only bison's own failures end here: "memory exhausted" when
	 * blocks or lists nest absurdly deep */
	struct diag *d = diag_add(ctx->diags, DIAG_E0001, ctx->src, *loc,
				  "blocks or lists nest too deeply here (%s)", msg);
	diag_note(d, ctx->diags, "the parser stops at this point; an infra file needs "
		  "a few levels of nesting, not thousands");
}
