#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

bool fileio_read(const char *path, size_t max, struct strbuf *out, struct error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return error_set(err, "%s", strerror(errno));
	size_t start = out->len;
	bool failed = false, big = false;
	for (;;) {
		strbuf_grow(out, 1 << 16);
		size_t n = fread(out->buf + out->len, 1, out->alloc - out->len - 1, f);
		out->len += n;
		out->buf[out->len] = '\0';
		if ((big = out->len - start > max) || n == 0)
			break;
	}
	failed = ferror(f);
	fclose(f);
	if (big && max % 1024 == 0)
		return error_set(err, "larger than %zu KiB", max / 1024);
	if (big)
		return error_set(err, "larger than %zu bytes", max);
	if (failed)
		return error_set(err, "%s", strerror(EIO));
	return true;
}

/* Writes all of data to fd, through interruptions. */
static bool fileio_write_all(int fd, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += (size_t)w;
	}
	return true;
}

bool fileio_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
			 struct error *err)
{
	struct strbuf tmp = STRBUF_INIT;
	strbuf_addf(&tmp, "%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		error_set(err, "cannot write %s: %s", path, strerror(errno));
		strbuf_release(&tmp);
		return false;
	}
	bool ok = fileio_write_all(fd, data, len) && fsync(fd) == 0;
	int saved = errno;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp.buf, path) != 0) {
		saved = errno;
		ok = false;
	}
	if (!ok) {
		unlink(tmp.buf);
		error_set(err, "cannot write %s: %s", path, strerror(saved));
	}
	strbuf_release(&tmp);
	return ok;
}

bool fileio_state_dir(struct strbuf *out)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (state && state[0] == '/')
		strbuf_addf(out, "%s/infrac", state);
	else if (home && home[0])
		strbuf_addf(out, "%s/.local/state/infrac", home);
	else
		return false;
	return true;
}

bool fileio_make_parents(const char *path, unsigned mode, struct error *err)
{
	struct strbuf dir = STRBUF_INIT;
	strbuf_addstr(&dir, path);
	bool ok = true;
	for (char *p = dir.buf + 1; ok && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir.buf, mode) < 0 && errno != EEXIST)
			ok = error_set(err, "cannot make %s: %s", dir.buf, strerror(errno));
		*p = '/';
	}
	strbuf_release(&dir);
	return ok;
}
