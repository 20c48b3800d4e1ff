#include "lsp_doc.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* "%2F" -> '/'; the value of hex digit c, or -1 */
static int lsp_doc_hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The path of a file: URI, percent-decoded, or NULL. */
static char *lsp_doc_path(const char *uri)
{
	static const char scheme[] = "file://";
	if (strncmp(uri, scheme, sizeof(scheme) - 1))
		return NULL;
	const char *p = uri + sizeof(scheme) - 1;
	struct strbuf path = STRBUF_INIT;
	for (; *p; p++) {
		int hi = p[0] == '%' ? lsp_doc_hex(p[1]) : -1;
		int lo = hi >= 0 ? lsp_doc_hex(p[2]) : -1;
		if (lo >= 0 && (hi || lo)) {
			strbuf_addch(&path, hi * 16 + lo);
			p += 2;
		} else {
			strbuf_addch(&path, *p);
		}
	}
	if (path.buf[0] != '/') {
		strbuf_release(&path);
		return NULL;
	}
	return strbuf_detach(&path, NULL);
}

/* The folder of a path. */
static char *lsp_doc_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	return xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static void lsp_doc_compile(struct lsp_doc *d, struct strbuf *text)
{
	struct compile_reader rd = { compile_read_file, d->dir };
	compile_source(&d->c, d->path ? d->path : d->uri, text, d->dir ? &rd : NULL);
	const char *t = d->c.src.text;
	size_t n = 1;
	for (size_t i = 0; i < d->c.src.len; i++)
		n += t[i] == '\n';
	d->lines = xrealloc(d->lines, n * sizeof(*d->lines));
	d->nlines = 1;
	d->lines[0] = 0;
	for (size_t i = 0; i < d->c.src.len; i++)
		if (t[i] == '\n')
			d->lines[d->nlines++] = (uint32_t)(i + 1);
}

void lsp_doc_open(struct lsp_doc *d, const char *uri, int64_t version, struct strbuf *text)
{
	memset(d, 0, sizeof(*d));
	d->uri = xstrdup(uri);
	d->path = lsp_doc_path(uri);
	d->dir = d->path ? lsp_doc_dir(d->path) : NULL;
	d->version = version;
	lsp_doc_compile(d, text);
}

void lsp_doc_set(struct lsp_doc *d, int64_t version, struct strbuf *text)
{
	compile_release(&d->c);
	d->version = version;
	lsp_doc_compile(d, text);
}

void lsp_doc_release(struct lsp_doc *d)
{
	compile_release(&d->c);
	free(d->uri);
	free(d->path);
	free(d->dir);
	free(d->lines);
	memset(d, 0, sizeof(*d));
}

/* From off, the start of a line of t, ch UTF-16 units on, stopping at
 * the line's end. */
static size_t lsp_doc_walk(const unsigned char *t, size_t end, size_t off, uint32_t ch)
{
	uint32_t units = 0;
	while (off < end && t[off] != '\n' && units < ch) {
		units += t[off] >= 0xF0 ? 2 : 1; /* beyond the BMP: a surrogate pair */
		off++;
		while (off < end && (t[off] & 0xC0) == 0x80)
			off++;
	}
	return off;
}

size_t lsp_doc_offset(const struct lsp_doc *d, uint32_t line, uint32_t ch)
{
	if (line >= d->nlines)
		return lsp_doc_len(d);
	return lsp_doc_walk((const unsigned char *)lsp_doc_text(d), lsp_doc_len(d), d->lines[line], ch);
}

size_t lsp_doc_text_offset(const char *text, size_t len, uint32_t line, uint32_t ch)
{
	size_t off = 0;
	for (uint32_t l = 0; l < line; l++) {
		const char *nl = memchr(text + off, '\n', len - off);
		if (!nl)
			return len;
		off = (size_t)(nl - text) + 1;
	}
	return lsp_doc_walk((const unsigned char *)text, len, off, ch);
}

void lsp_doc_position(const struct lsp_doc *d, size_t off, uint32_t *line, uint32_t *ch)
{
	if (off > lsp_doc_len(d))
		off = lsp_doc_len(d);
	size_t lo = 0, hi = d->nlines; /* the last line starting at or before off */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	const unsigned char *t = (const unsigned char *)lsp_doc_text(d);
	uint32_t units = 0;
	for (size_t i = d->lines[lo]; i < off; i++)
		if ((t[i] & 0xC0) != 0x80)
			units += t[i] >= 0xF0 ? 2 : 1;
	*line = (uint32_t)lo;
	*ch = units;
}

static struct json_object *lsp_doc_pos(const struct lsp_doc *d, size_t off)
{
	uint32_t line, ch;
	lsp_doc_position(d, off, &line, &ch);
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "line", json_object_new_int64(line));
	json_object_object_add(p, "character", json_object_new_int64(ch));
	return p;
}

struct json_object *lsp_doc_range(const struct lsp_doc *d, size_t off, size_t end)
{
	struct json_object *r = json_object_new_object();
	json_object_object_add(r, "start", lsp_doc_pos(d, off));
	json_object_object_add(r, "end", lsp_doc_pos(d, end < off ? off : end));
	return r;
}

static struct json_object *lsp_doc_diagnostic(const struct lsp_doc *d, const struct diag *g)
{
	struct json_object *o = json_object_new_object();
	bool placed = g->src == &d->c.src && g->loc.line;
	json_object_object_add(o, "range", lsp_doc_range(d, placed ? g->loc.off : 0,
							 placed ? g->loc.end_off : 0));
	bool err = diag_code_severity(g->code) == DIAG_ERROR;
	json_object_object_add(o, "severity", json_object_new_int(err ? 1 : 2));
	json_object_object_add(o, "code", json_object_new_string(diag_code_name(g->code)));
	json_object_object_add(o, "source", json_object_new_string("infrac"));
	struct strbuf msg = STRBUF_INIT;
	strbuf_addstr(&msg, g->msg);
	for (const struct diag_line *l = g->lines; l; l = l->next)
		strbuf_addf(&msg, "\n%s: %s", l->help ? "help" : "note", l->text);
	json_object_object_add(o, "message", json_object_new_string_len(msg.buf, (int)msg.len));
	strbuf_release(&msg);
	return o;
}

struct json_object *lsp_doc_diagnostics(const struct lsp_doc *d)
{
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; i < d->c.diags.n; i++)
		json_object_array_add(list, lsp_doc_diagnostic(d, d->c.diags.items[i]));
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "uri", json_object_new_string(d->uri));
	json_object_object_add(p, "version", json_object_new_int64(d->version));
	json_object_object_add(p, "diagnostics", list);
	return p;
}
