/*
 * lsp_server: `infrac lsp`, a Language Server Protocol server.  It reads
 * JSON-RPC messages on in and answers on out (lsp_rpc frames them):
 *
 *   initialize, initialized, shutdown, exit
 *   textDocument/didOpen, didChange (whole text or ranges), didClose:
 *       the document is compiled and textDocument/publishDiagnostics
 *       sends check's diagnostics, positions in UTF-16 code units
 *   textDocument/hover, definition, completion (lsp_query, lsp_complete)
 *
 * A malformed message gets a JSON-RPC error (or, for a notification, a
 * window/logMessage) and the server reads on.
 */
#ifndef INFRAC_LSP_SERVER_H
#define INFRAC_LSP_SERVER_H

#include <stdio.h>

/* Serves until exit or the end of in: 0 after shutdown then exit, 1
 * when the input ended or exit came without shutdown (the protocol's
 * exit codes).  Owns nothing of in and out. */
int lsp_server_run(FILE *in, FILE *out);

#endif
