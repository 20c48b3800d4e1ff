#include "lsp_server.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "lsp_complete.h"
#include "lsp_doc.h"
#include "lsp_query.h"
#include "lsp_rpc.h"
#include "xalloc.h"

struct lsp_server {
	FILE *out;
	bool initialized, shutdown;
	struct lsp_doc **docs;
	size_t ndocs, cap;
};

/* Why a request failed: a JSON-RPC error code and its message. */
struct lsp_server_fail {
	int code;
	char msg[160];
};

static void *lsp_server_fail(struct lsp_server_fail *f, int code, const char *msg)
{
	f->code = code;
	snprintf(f->msg, sizeof(f->msg), "%s", msg);
	return NULL;
}

/* params.KEY when it has type t, else NULL */
static struct json_object *lsp_server_get(struct json_object *o, const char *key, json_type t)
{
	struct json_object *v;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

static struct lsp_doc **lsp_server_slot(struct lsp_server *s, const char *uri)
{
	for (size_t i = 0; i < s->ndocs; i++)
		if (!strcmp(s->docs[i]->uri, uri))
			return &s->docs[i];
	return NULL;
}

/* The open document params.textDocument.uri names. */
static struct lsp_doc *lsp_server_doc(struct lsp_server *s, struct json_object *params,
				      struct lsp_server_fail *f)
{
	struct json_object *td = lsp_server_get(params, "textDocument", json_type_object);
	struct json_object *uri = lsp_server_get(td, "uri", json_type_string);
	if (!uri)
		return lsp_server_fail(f, LSP_RPC_INVALID_PARAMS, "params.textDocument.uri is missing");
	struct lsp_doc **slot = lsp_server_slot(s, json_object_get_string(uri));
	if (!slot)
		return lsp_server_fail(f, LSP_RPC_INVALID_PARAMS, "the document is not open");
	return *slot;
}

/* The line and UTF-16 character of a {"line","character"} object. */
static bool lsp_server_position(struct json_object *pos, uint32_t *line, uint32_t *ch,
				struct lsp_server_fail *f)
{
	struct json_object *l = lsp_server_get(pos, "line", json_type_int);
	struct json_object *c = lsp_server_get(pos, "character", json_type_int);
	int64_t lv = l ? json_object_get_int64(l) : -1, cv = c ? json_object_get_int64(c) : -1;
	if (lv < 0 || cv < 0 || lv > UINT32_MAX || cv > UINT32_MAX) {
		lsp_server_fail(f, LSP_RPC_INVALID_PARAMS, "a position needs a line and a character, "
				"both numbers from 0");
		return false;
	}
	*line = (uint32_t)lv;
	*ch = (uint32_t)cv;
	return true;
}

/* The document and byte offset of a request's textDocument and position. */
static struct lsp_doc *lsp_server_at(struct lsp_server *s, struct json_object *params,
				     size_t *off, struct lsp_server_fail *f)
{
	struct lsp_doc *d = lsp_server_doc(s, params, f);
	uint32_t line, ch;
	if (!d || !lsp_server_position(lsp_server_get(params, "position", json_type_object), &line,
				       &ch, f))
		return NULL;
	*off = lsp_doc_offset(d, line, ch);
	return d;
}

/* Sends a notification; takes params. */
static void lsp_server_notify(struct lsp_server *s, const char *method, struct json_object *params)
{
	struct json_object *m = lsp_rpc_notification(method, params);
	lsp_rpc_send(s->out, m);
	json_object_put(m);
}

static void lsp_server_publish(struct lsp_server *s, const struct lsp_doc *d)
{
	lsp_server_notify(s, "textDocument/publishDiagnostics", lsp_doc_diagnostics(d));
}

static void lsp_server_log(struct lsp_server *s, const char *text)
{
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "type", json_object_new_int(1));
	json_object_object_add(p, "message", json_object_new_string(text));
	lsp_server_notify(s, "window/logMessage", p);
}

/* ---- the methods ---------------------------------------------------------- */

static struct json_object *lsp_server_initialize(struct lsp_server *s, struct json_object *params,
						 struct lsp_server_fail *f)
{
	(void)params;
	if (s->initialized)
		return lsp_server_fail(f, LSP_RPC_INVALID_REQUEST, "initialize was already sent");
	s->initialized = true;
	struct json_object *sync = json_object_new_object();
	json_object_object_add(sync, "openClose", json_object_new_boolean(1));
	json_object_object_add(sync, "change", json_object_new_int(1)); /* the whole text */
	struct json_object *caps = json_object_new_object();
	json_object_object_add(caps, "positionEncoding", json_object_new_string("utf-16"));
	json_object_object_add(caps, "textDocumentSync", sync);
	json_object_object_add(caps, "hoverProvider", json_object_new_boolean(1));
	json_object_object_add(caps, "definitionProvider", json_object_new_boolean(1));
	json_object_object_add(caps, "completionProvider", json_object_new_object());
	json_object_object_add(caps, "documentFormattingProvider", json_object_new_boolean(1));
	struct json_object *info = json_object_new_object();
	json_object_object_add(info, "name", json_object_new_string("infrac"));
	struct json_object *r = json_object_new_object();
	json_object_object_add(r, "capabilities", caps);
	json_object_object_add(r, "serverInfo", info);
	return r;
}

static struct json_object *lsp_server_shutdown(struct lsp_server *s, struct json_object *params,
					       struct lsp_server_fail *f)
{
	(void)params;
	(void)f;
	s->shutdown = true;
	return NULL;
}

static struct json_object *lsp_server_did_open(struct lsp_server *s, struct json_object *params,
					       struct lsp_server_fail *f)
{
	struct json_object *td = lsp_server_get(params, "textDocument", json_type_object);
	struct json_object *uri = lsp_server_get(td, "uri", json_type_string);
	struct json_object *text = lsp_server_get(td, "text", json_type_string);
	struct json_object *version = lsp_server_get(td, "version", json_type_int);
	if (!uri || !text)
		return lsp_server_fail(f, LSP_RPC_INVALID_PARAMS,
				       "didOpen needs textDocument.uri and textDocument.text");
	struct strbuf t = STRBUF_INIT;
	strbuf_add(&t, json_object_get_string(text), (size_t)json_object_get_string_len(text));
	int64_t v = version ? json_object_get_int64(version) : 0;
	struct lsp_doc **slot = lsp_server_slot(s, json_object_get_string(uri));
	if (slot) {
		lsp_doc_set(*slot, v, &t);
	} else {
		if (s->ndocs == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 8;
			s->docs = xrealloc(s->docs, xalloc_size(s->cap, sizeof(*s->docs)));
		}
		slot = &s->docs[s->ndocs++];
		*slot = xmalloc(sizeof(**slot));
		lsp_doc_open(*slot, json_object_get_string(uri), v, &t);
	}
	lsp_server_publish(s, *slot);
	return NULL;
}

/* Applies one of didChange's contentChanges to text. */
static bool lsp_server_change(struct strbuf *text, struct json_object *change,
			      struct lsp_server_fail *f)
{
	struct json_object *t = lsp_server_get(change, "text", json_type_string);
	struct json_object *range = lsp_server_get(change, "range", json_type_object);
	if (!t) {
		lsp_server_fail(f, LSP_RPC_INVALID_PARAMS, "a content change needs a text");
		return false;
	}
	const char *new_text = json_object_get_string(t);
	size_t new_len = (size_t)json_object_get_string_len(t);
	if (!range) {
		strbuf_reset(text);
		strbuf_add(text, new_text, new_len);
		return true;
	}
	uint32_t l0, c0, l1, c1;
	if (!lsp_server_position(lsp_server_get(range, "start", json_type_object), &l0, &c0, f) ||
	    !lsp_server_position(lsp_server_get(range, "end", json_type_object), &l1, &c1, f))
		return false;
	size_t a = lsp_doc_text_offset(text->buf, text->len, l0, c0);
	size_t b = lsp_doc_text_offset(text->buf, text->len, l1, c1);
	if (b < a)
		b = a;
	struct strbuf out = STRBUF_INIT;
	strbuf_add(&out, text->buf, a);
	strbuf_add(&out, new_text, new_len);
	strbuf_add(&out, text->buf + b, text->len - b);
	strbuf_release(text);
	*text = out;
	return true;
}

static struct json_object *lsp_server_did_change(struct lsp_server *s, struct json_object *params,
						 struct lsp_server_fail *f)
{
	struct lsp_doc *d = lsp_server_doc(s, params, f);
	struct json_object *changes = lsp_server_get(params, "contentChanges", json_type_array);
	struct json_object *version = lsp_server_get(lsp_server_get(params, "textDocument",
								    json_type_object),
						     "version", json_type_int);
	if (!d)
		return NULL;
	if (!changes)
		return lsp_server_fail(f, LSP_RPC_INVALID_PARAMS, "didChange needs contentChanges");
	struct strbuf text = STRBUF_INIT;
	strbuf_add(&text, lsp_doc_text(d), lsp_doc_len(d));
	size_t n = json_object_array_length(changes);
	for (size_t i = 0; i < n; i++)
		if (!lsp_server_change(&text, json_object_array_get_idx(changes, i), f)) {
			strbuf_release(&text);
			return NULL;
		}
	lsp_doc_set(d, version ? json_object_get_int64(version) : d->version, &text);
	lsp_server_publish(s, d);
	return NULL;
}

static struct json_object *lsp_server_did_close(struct lsp_server *s, struct json_object *params,
						struct lsp_server_fail *f)
{
	struct lsp_doc *d = lsp_server_doc(s, params, f);
	if (!d)
		return NULL;
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "uri", json_object_new_string(d->uri));
	json_object_object_add(p, "diagnostics", json_object_new_array());
	lsp_server_notify(s, "textDocument/publishDiagnostics", p);
	struct lsp_doc **slot = lsp_server_slot(s, d->uri);
	lsp_doc_release(d);
	free(d);
	*slot = s->docs[--s->ndocs];
	return NULL;
}

static struct json_object *lsp_server_hover(struct lsp_server *s, struct json_object *params,
					    struct lsp_server_fail *f)
{
	size_t off;
	struct lsp_doc *d = lsp_server_at(s, params, &off, f);
	struct strbuf md = STRBUF_INIT;
	struct loc span;
	if (!d || !lsp_query_hover(d, off, &md, &span)) {
		strbuf_release(&md);
		return NULL;
	}
	struct json_object *contents = json_object_new_object();
	json_object_object_add(contents, "kind", json_object_new_string("markdown"));
	json_object_object_add(contents, "value", json_object_new_string_len(md.buf, (int)md.len));
	strbuf_release(&md);
	struct json_object *r = json_object_new_object();
	json_object_object_add(r, "contents", contents);
	json_object_object_add(r, "range", lsp_doc_range(d, span.off, span.end_off));
	return r;
}

static struct json_object *lsp_server_definition(struct lsp_server *s, struct json_object *params,
						 struct lsp_server_fail *f)
{
	size_t off;
	struct lsp_doc *d = lsp_server_at(s, params, &off, f);
	struct loc target;
	if (!d || !lsp_query_definition(d, off, &target))
		return NULL;
	struct json_object *r = json_object_new_object();
	json_object_object_add(r, "uri", json_object_new_string(d->uri));
	json_object_object_add(r, "range", lsp_doc_range(d, target.off, target.end_off));
	return r;
}

static struct json_object *lsp_server_completion(struct lsp_server *s, struct json_object *params,
						 struct lsp_server_fail *f)
{
	size_t off;
	struct lsp_doc *d = lsp_server_at(s, params, &off, f);
	return d ? lsp_complete_at(d, off) : NULL;
}

/* fmt's layout of the document, as one edit of the whole text; [] when
 * it is laid out already, null while it has syntax errors (they are its
 * diagnostics). */
static struct json_object *lsp_server_formatting(struct lsp_server *s, struct json_object *params,
						 struct lsp_server_fail *f)
{
	struct lsp_doc *d = lsp_server_doc(s, params, f);
	if (!d)
		return NULL;
	struct compilation c;
	struct strbuf out = STRBUF_INIT;
	enum fmt_status st = fmt_buffer(&c, d->uri, lsp_doc_text(d), lsp_doc_len(d), &out);
	compile_release(&c);
	struct json_object *r = NULL;
	if (st == FMT_OK) {
		r = json_object_new_array();
		if (out.len != lsp_doc_len(d) || memcmp(out.buf, lsp_doc_text(d), out.len)) {
			struct json_object *e = json_object_new_object();
			json_object_object_add(e, "range", lsp_doc_range(d, 0, lsp_doc_len(d)));
			json_object_object_add(e, "newText",
					       json_object_new_string_len(out.buf, (int)out.len));
			json_object_array_add(r, e);
		}
	}
	strbuf_release(&out);
	return r;
}

/* ---- dispatch ------------------------------------------------------------- */

typedef struct json_object *(*lsp_server_fn)(struct lsp_server *, struct json_object *,
					      struct lsp_server_fail *);

static const struct {
	const char *method;
	bool request; /* answered; else a notification */
	lsp_server_fn fn;
} lsp_server_methods[] = {
	{ "initialize", true, lsp_server_initialize },
	{ "shutdown", true, lsp_server_shutdown },
	{ "textDocument/hover", true, lsp_server_hover },
	{ "textDocument/definition", true, lsp_server_definition },
	{ "textDocument/completion", true, lsp_server_completion },
	{ "textDocument/formatting", true, lsp_server_formatting },
	{ "textDocument/didOpen", false, lsp_server_did_open },
	{ "textDocument/didChange", false, lsp_server_did_change },
	{ "textDocument/didClose", false, lsp_server_did_close },
};

static void lsp_server_reply_error(struct lsp_server *s, struct json_object *id, int code,
				   const char *msg)
{
	struct json_object *m = lsp_rpc_error(id, code, msg);
	lsp_rpc_send(s->out, m);
	json_object_put(m);
}

/* Runs method (known to be a method name) for a message with id (NULL:
 * a notification). */
static void lsp_server_call(struct lsp_server *s, const char *method, struct json_object *id,
			    struct json_object *params)
{
	size_t i = 0, n = sizeof(lsp_server_methods) / sizeof(lsp_server_methods[0]);
	while (i < n && strcmp(lsp_server_methods[i].method, method))
		i++;
	if (i == n) {
		if (id) /* unknown notifications, $/cancelRequest among them, are dropped */
			lsp_server_reply_error(s, id, LSP_RPC_METHOD_NOT_FOUND, "unknown method");
		return;
	}
	if (!s->initialized && strcmp(method, "initialize")) {
		if (id)
			lsp_server_reply_error(s, id, LSP_RPC_NOT_INITIALIZED, "initialize first");
		return;
	}
	if (s->shutdown && id) {
		lsp_server_reply_error(s, id, LSP_RPC_INVALID_REQUEST, "the server is shut down");
		return;
	}
	struct lsp_server_fail f = { 0, "" };
	struct json_object *result = lsp_server_methods[i].fn(s, params, &f);
	if (f.code && id)
		lsp_server_reply_error(s, id, f.code, f.msg);
	else if (f.code)
		lsp_server_log(s, f.msg);
	else if (id) {
		struct json_object *m = lsp_rpc_result(id, result);
		lsp_rpc_send(s->out, m);
		json_object_put(m);
		return;
	}
	json_object_put(result);
}

/* One message's bytes: false after exit. */
static bool lsp_server_message(struct lsp_server *s, const char *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	/* the NUL after the body ends a bare number ("42") that the tokener
	 * would otherwise wait to see continued */
	struct json_object *msg = json_tokener_parse_ex(tok, body, (int)len + 1);
	bool parsed = msg && json_tokener_get_error(tok) == json_tokener_success &&
		      json_tokener_get_parse_end(tok) >= len && !memchr(body, '\0', len);
	json_tokener_free(tok);
	if (!parsed) {
		json_object_put(msg);
		lsp_server_reply_error(s, NULL, LSP_RPC_PARSE_ERROR, "the message is not JSON");
		return true;
	}
	struct json_object *id = NULL, *method = lsp_server_get(msg, "method", json_type_string);
	bool has_id = json_object_is_type(msg, json_type_object) &&
		      json_object_object_get_ex(msg, "id", &id);
	bool id_ok = !has_id || !id || json_object_is_type(id, json_type_int) ||
		     json_object_is_type(id, json_type_string);
	struct json_object *version = lsp_server_get(msg, "jsonrpc", json_type_string);
	bool keep = true;
	if (!method || !id_ok || !version || strcmp(json_object_get_string(version), "2.0")) {
		/* a client's answer to a request of ours: none is sent */
		bool answer = has_id && (json_object_object_get_ex(msg, "result", NULL) ||
					 json_object_object_get_ex(msg, "error", NULL));
		if (!answer)
			lsp_server_reply_error(s, id_ok ? id : NULL, LSP_RPC_INVALID_REQUEST,
					       "not a JSON-RPC 2.0 request or notification");
	} else if (!strcmp(json_object_get_string(method), "exit")) {
		keep = false;
	} else {
		struct json_object *params = NULL;
		json_object_object_get_ex(msg, "params", &params);
		lsp_server_call(s, json_object_get_string(method), has_id ? id : NULL, params);
	}
	json_object_put(msg);
	return keep;
}

int lsp_server_run(FILE *in, FILE *out)
{
	struct lsp_server s = { .out = out };
	struct strbuf body = STRBUF_INIT;
	struct error err = ERROR_INIT;
	bool exited = false;
	for (;;) {
		enum lsp_rpc_status st = lsp_rpc_read(in, &body, &err);
		if (st == LSP_RPC_EOF)
			break;
		if (st == LSP_RPC_BAD) {
			lsp_server_reply_error(&s, NULL, LSP_RPC_PARSE_ERROR, err.msg);
			error_release(&err);
			continue;
		}
		if (!lsp_server_message(&s, body.buf, body.len)) {
			exited = true;
			break;
		}
	}
	strbuf_release(&body);
	for (size_t i = 0; i < s.ndocs; i++) {
		lsp_doc_release(s.docs[i]);
		free(s.docs[i]);
	}
	free(s.docs);
	return exited && s.shutdown ? 0 : 1;
}
