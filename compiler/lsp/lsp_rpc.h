/*
 * lsp_rpc: the wire of the language server.  Messages are JSON-RPC 2.0
 * objects, each framed by a "Content-Length: N" header and a blank line
 * (the Language Server Protocol's base protocol).  lsp_rpc_read takes one
 * body off the input; lsp_rpc_send frames and writes one message.
 *
 * A malformed frame (no or a bad Content-Length, a header line that never
 * ends, a body larger than the limit) is reported and skipped so that the
 * next message is read again: a client's mistake never stops the server.
 */
#ifndef INFRAC_LSP_RPC_H
#define INFRAC_LSP_RPC_H

#include <stdio.h>

#include "error.h"
#include "strbuf.h"

/* the largest body read: a 10,000-line file is under 1 MiB */
#define LSP_RPC_MAX_BODY ((size_t)64 << 20)

/* JSON-RPC 2.0 and LSP error codes */
#define LSP_RPC_PARSE_ERROR (-32700)
#define LSP_RPC_INVALID_REQUEST (-32600)
#define LSP_RPC_METHOD_NOT_FOUND (-32601)
#define LSP_RPC_INVALID_PARAMS (-32602)
#define LSP_RPC_NOT_INITIALIZED (-32002)

enum lsp_rpc_status {
	LSP_RPC_MSG, /* body holds one message's bytes */
	LSP_RPC_BAD, /* a malformed frame, skipped; err says what */
	LSP_RPC_EOF, /* the input ended (or broke) */
};

/* Reads the next frame of in into body (reset first).  err is filled only
 * for LSP_RPC_BAD and is the caller's to release. */
enum lsp_rpc_status lsp_rpc_read(FILE *in, struct strbuf *body, struct error *err);

struct json_object;
/* Writes msg framed to out and flushes; msg stays the caller's. */
void lsp_rpc_send(FILE *out, struct json_object *msg);

/* {"jsonrpc":"2.0","id":ID,"result":RESULT}: takes result (NULL: null),
 * copies id (NULL: null); the caller owns the message. */
struct json_object *lsp_rpc_result(struct json_object *id, struct json_object *result);
/* {"jsonrpc":"2.0","id":ID,"error":{"code":CODE,"message":MSG}}: copies
 * id; the caller owns the message. */
struct json_object *lsp_rpc_error(struct json_object *id, int code, const char *msg);
/* {"jsonrpc":"2.0","method":METHOD,"params":PARAMS}: takes params; the
 * caller owns the message. */
struct json_object *lsp_rpc_notification(const char *method, struct json_object *params);

#endif
