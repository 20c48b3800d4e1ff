/*
 * fileio: whole files in and out.
 */
#ifndef INFRAC_FILEIO_H
#define INFRAC_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "strbuf.h"

/* Appends the bytes of path to out.  Only a regular file is read: a
 * directory, a FIFO or a device is refused without blocking.  false with
 * err saying why in a few words (strerror's, "it is a directory", "it is
 * a FIFO, not a regular file", "larger than 64 KiB") when it cannot be
 * opened or read, is not a regular file, or holds more than max bytes;
 * out may then hold part of it. */
bool fileio_read(const char *path, size_t max, struct strbuf *out, struct error *err);

/* Appends what the standard input holds, up to its end, to out: a pipe,
 * a terminal or a redirected file alike, at most max bytes (more is an
 * error, found after max + 1 bytes, so /dev/zero ends too).  false with
 * err as fileio_read sets it; out may then hold part of it. */
bool fileio_read_stdin(size_t max, struct strbuf *out, struct error *err);

/* Writes data to path as a whole or not at all: into PATH.tmpPID with
 * mode, synced, then renamed over path.  false with err set, path
 * untouched and the temporary file removed. */
bool fileio_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
			 struct error *err);

/* Appends infrac's own state directory: $XDG_STATE_HOME/infrac, else
 * ~/.local/state/infrac (a relative XDG_STATE_HOME is ignored, as the
 * XDG spec says).  false when neither variable is set. */
bool fileio_state_dir(struct strbuf *out);

/* mkdir -p of path's directory (not path itself), each made with mode;
 * false with err set. */
bool fileio_make_parents(const char *path, unsigned mode, struct error *err);

#endif
