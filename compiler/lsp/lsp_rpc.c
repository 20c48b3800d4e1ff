#include "lsp_rpc.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LSP_RPC_MAX_LINE 1024   /* a header line */
#define LSP_RPC_MAX_HEADERS 32  /* header lines of one frame */

/* One header line, its CR LF removed, into line.  A line longer than
 * the buffer is read to its end and marked too long.  False when the
 * input ended before a newline. */
static bool lsp_rpc_line(FILE *in, char *line, size_t size, bool *too_long)
{
	size_t n = 0;
	int ch;
	*too_long = false;
	while ((ch = getc(in)) != EOF && ch != '\n') {
		if (n + 1 < size)
			line[n++] = (char)ch;
		else
			*too_long = true;
	}
	if (n && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return ch != EOF;
}

/* The value of a Content-Length header anywhere in line (a body sent
 * without a header runs into the next frame's first line), or -1 when
 * there is none, -2 when it is not a number of bytes we take. */
static long long lsp_rpc_length(const char *line)
{
	static const char key[] = "content-length:";
	const char *p = strcasestr(line, key);
	if (!p)
		return -1;
	p += sizeof(key) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	long long v = 0;
	if (*p < '0' || *p > '9')
		return -2;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > (long long)LSP_RPC_MAX_BODY)
			return -2;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return *p ? -2 : v;
}

/* Reads bytes of in up to the blank line that ends a frame's header:
 * the body's length, or a negative value with err set. */
static long long lsp_rpc_header(FILE *in, struct error *err, bool *eof)
{
	char line[LSP_RPC_MAX_LINE];
	long long len = -1;
	const char *bad = NULL;
	size_t lines = 0;
	for (;;) {
		bool too_long;
		bool more = lsp_rpc_line(in, line, sizeof(line), &too_long);
		if (!more) {
			*eof = true;
			return -1;
		}
		if (!line[0] && !too_long && lines)
			break;
		if (!line[0] && !too_long)
			continue; /* blank lines between frames */
		lines++;
		long long v = too_long ? -2 : lsp_rpc_length(line);
		if (v == -2)
			bad = too_long ? "a header line is too long" : "a Content-Length that is not "
				"a number of bytes up to 64 MiB";
		else if (v >= 0)
			len = v;
		if (lines > LSP_RPC_MAX_HEADERS)
			bad = "too many header lines";
	}
	if (!bad && len < 0)
		bad = "a message without a Content-Length header";
	if (bad) {
		error_set(err, "malformed frame: %s", bad);
		return -1;
	}
	return len;
}

enum lsp_rpc_status lsp_rpc_read(FILE *in, struct strbuf *body, struct error *err)
{
	bool eof = false;
	strbuf_reset(body);
	long long len = lsp_rpc_header(in, err, &eof);
	if (eof) {
		error_release(err);
		return LSP_RPC_EOF;
	}
	if (len < 0)
		return LSP_RPC_BAD;
	strbuf_grow(body, (size_t)len);
	char chunk[1 << 14];
	for (size_t left = (size_t)len; left;) {
		size_t got = fread(chunk, 1, left < sizeof(chunk) ? left : sizeof(chunk), in);
		if (!got)
			return LSP_RPC_EOF;
		strbuf_add(body, chunk, got);
		left -= got;
	}
	return LSP_RPC_MSG;
}

/* The length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t lsp_rpc_utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
		     : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	unsigned cp = len == 3 ? (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6
		      : len == 4 ? (s[0] & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 : 0x80;
	bool bad = (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		   (len == 4 && (cp < 0x10000 || cp > 0x10FFFF));
	return bad ? 0 : len;
}

void lsp_rpc_send(FILE *out, struct json_object *msg)
{
	size_t len;
	const char *s = json_object_to_json_string_length(
		msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	/* json-c passes a string's bytes through as they are: what is not
	 * UTF-8 (a lone surrogate a client escaped into a document) becomes
	 * U+FFFD, so that the client can read the message */
	struct strbuf body = STRBUF_INIT;
	strbuf_grow(&body, len);
	for (size_t i = 0; i < len;) {
		size_t n = lsp_rpc_utf8_len((const unsigned char *)s + i, len - i);
		if (n)
			strbuf_add(&body, s + i, n);
		else
			strbuf_addstr(&body, "\xEF\xBF\xBD");
		i += n ? n : 1;
	}
	fprintf(out, "Content-Length: %zu\r\n\r\n", body.len);
	fwrite(body.buf, 1, body.len, out);
	fflush(out);
	strbuf_release(&body);
}

static struct json_object *lsp_rpc_message(struct json_object *id)
{
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "id", id ? json_object_get(id) : NULL);
	return m;
}

struct json_object *lsp_rpc_result(struct json_object *id, struct json_object *result)
{
	struct json_object *m = lsp_rpc_message(id);
	json_object_object_add(m, "result", result);
	return m;
}

struct json_object *lsp_rpc_error(struct json_object *id, int code, const char *msg)
{
	struct json_object *m = lsp_rpc_message(id);
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(m, "error", e);
	return m;
}

struct json_object *lsp_rpc_notification(const char *method, struct json_object *params)
{
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "method", json_object_new_string(method));
	json_object_object_add(m, "params", params);
	return m;
}
