#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

/* What a file that is not a regular one is, for a message. */
static const char *fileio_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

static bool fileio_too_big(size_t max, struct error *err)
{
	if (max % (1024 * 1024) == 0)
		return error_set(err, "larger than %zu MiB", max / (1024 * 1024));
	if (max % 1024 == 0)
		return error_set(err, "larger than %zu KiB", max / 1024);
	return error_set(err, "larger than %zu bytes", max);
}

/* Opens path for reading if it is a regular file: without blocking on a
 * FIFO, which open() would wait on for a writer.  -1 with err set. */
static int fileio_open_regular(const char *path, size_t max, struct error *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_set(err, "%s", strerror(errno)), -1;
	struct stat st;
	if (fstat(fd, &st) != 0)
		error_set(err, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		error_set(err, S_ISDIR(st.st_mode) ? "it is %s" : "it is %s, not a regular file",
			  fileio_kind(st.st_mode));
	else if ((uintmax_t)st.st_size > max)
		fileio_too_big(max, err);
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
		error_set(err, "%s", strerror(errno));
	else
		return fd;
	close(fd);
	return -1;
}

/* Appends what fd holds up to its end to out: at most max bytes, more is
 * an error (the size can change while it is read: the cap holds all the
 * same).  Leaves fd open. */
static bool fileio_read_all(int fd, size_t max, struct strbuf *out, struct error *err)
{
	size_t start = out->len;
	int failed = 0;
	while (out->len - start <= max) {
		strbuf_grow(out, 1 << 16);
		ssize_t n = read(fd, out->buf + out->len, out->alloc - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			failed = n < 0 ? errno : 0;
			break;
		}
		out->len += (size_t)n;
		out->buf[out->len] = '\0';
	}
	if (out->len - start > max)
		return fileio_too_big(max, err);
	if (failed)
		return error_set(err, "%s", strerror(failed));
	return true;
}

bool fileio_read(const char *path, size_t max, struct strbuf *out, struct error *err)
{
	int fd = fileio_open_regular(path, max, err);
	if (fd < 0)
		return false;
	bool ok = fileio_read_all(fd, max, out, err);
	close(fd);
	return ok;
}

bool fileio_read_stdin(size_t max, struct strbuf *out, struct error *err)
{
	struct stat st;
	if (fstat(STDIN_FILENO, &st) != 0)
		return error_set(err, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return error_set(err, "it is %s", fileio_kind(st.st_mode));
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max)
		return fileio_too_big(max, err);
	return fileio_read_all(STDIN_FILENO, max, out, err);
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
