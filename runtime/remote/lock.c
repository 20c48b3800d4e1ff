/*
 * lock: flock on a per-project file that names its holder.  See lock.h.
 */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ascii.h"
#include "fileio.h"

bool lock_path(const char *project, struct strbuf *out)
{
	if (!fileio_state_dir(out))
		return false;
	strbuf_addf(out, "/locks/%s.lock", project);
	return true;
}

/* The record's fields on one line: "pid 1234 (root@box) since T: command" */
static void lock_describe(const char *rec, struct strbuf *out)
{
	char pid[32] = "?", who[320] = "?", since[64] = "?", cmd[1024] = "";
	for (const char *line = rec; line && *line;) {
		const char *nl = strchr(line, '\n');
		int n = nl ? (int)(nl - line) : (int)strlen(line);
		if (!strncmp(line, "pid=", 4))
			snprintf(pid, sizeof pid, "%.*s", n - 4, line + 4);
		else if (!strncmp(line, "holder=", 7))
			snprintf(who, sizeof who, "%.*s", n - 7, line + 7);
		else if (!strncmp(line, "since=", 6))
			snprintf(since, sizeof since, "%.*s", n - 6, line + 6);
		else if (!strncmp(line, "command=", 8))
			snprintf(cmd, sizeof cmd, ": %.*s", n - 8, line + 8);
		line = nl ? nl + 1 : NULL;
	}
	strbuf_addf(out, "pid %s (%s) since %s%s", pid, who, since, cmd);
}

static void lock_read_record(int fd, char *rec, size_t recsz)
{
	ssize_t n = pread(fd, rec, recsz - 1, 0);
	rec[n > 0 ? n : 0] = '\0';
}

/* "pid=..\nholder=user@host\nsince=..\ncommand=..\n" written over fd. */
static bool lock_write_record(int fd, const char *command)
{
	char host[256] = "?", since[32] = "?";
	if (gethostname(host, sizeof host) < 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	const struct passwd *pw = getpwuid(geteuid());
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* one line each: a newline in the command would forge a field */
	struct strbuf rec = STRBUF_INIT;
	strbuf_addf(&rec, "pid=%ld\nholder=%s@%s\nsince=%s\ncommand=", (long)getpid(),
		    pw ? pw->pw_name : "?", host, since);
	for (const char *p = command ? command : ""; *p && rec.len < 1900; p++)
		strbuf_addch(&rec, ascii_cntrl((unsigned char)*p) ? ' ' : *p);
	strbuf_addch(&rec, '\n');
	bool ok = ftruncate(fd, 0) == 0 && pwrite(fd, rec.buf, rec.len, 0) == (ssize_t)rec.len;
	strbuf_release(&rec);
	return ok;
}

/* lock_acquire but for the path it leaves behind on failure */
static bool lock_take(struct lock *l, const char *project, const char *command,
		      struct strbuf *notice, struct error *err)
{
	if (!project || !project[0] || project[0] == '.' || strchr(project, '/'))
		return error_set(err, "cannot lock: '%s' is not a project name",
				 project ? project : "");
	if (!lock_path(project, &l->path))
		return error_set(err, "cannot lock: neither XDG_STATE_HOME nor HOME is set");
	int fd;
	if (!fileio_make_parents(l->path.buf, 0700, err))
		return error_wrap(err, "cannot lock %s", l->path.buf);
	if ((fd = open(l->path.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return error_set(err, "cannot lock %s: %s", l->path.buf, strerror(errno));
	char rec[2048];
	struct strbuf who = STRBUF_INIT;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		lock_read_record(fd, rec, sizeof rec);
		if (rec[0])
			lock_describe(rec, &who);
		else
			strbuf_addstr(&who, "a process that is just starting");
		if (e == EWOULDBLOCK)
			error_set(err, "apply of %s is running: %s (lock %s)", project, who.buf,
				  l->path.buf);
		else
			error_set(err, "cannot lock %s: %s", l->path.buf, strerror(e));
		strbuf_release(&who);
		close(fd);
		return false;
	}
	lock_read_record(fd, rec, sizeof rec);
	if (rec[0]) {
		lock_describe(rec, &who);
		strbuf_addf(notice, "took over the lock of %s left by %s, which did not finish",
			    project, who.buf);
	}
	strbuf_release(&who);
	if (!lock_write_record(fd, command)) {
		error_set(err, "cannot write %s: %s", l->path.buf, strerror(errno));
		close(fd);
		return false;
	}
	l->fd = fd;
	return true;
}

bool lock_acquire(struct lock *l, const char *project, const char *command,
		  struct strbuf *notice, struct error *err)
{
	l->fd = -1;
	strbuf_init(&l->path, 0);
	if (lock_take(l, project, command, notice, err))
		return true;
	strbuf_release(&l->path);
	return false;
}

void lock_release(struct lock *l)
{
	if (l->fd >= 0) {
		/* empty means "released cleanly" to the next holder; when that
		 * fails the next holder reports a takeover, which is harmless */
		if (ftruncate(l->fd, 0) < 0) {
		}
		close(l->fd);
		l->fd = -1;
	}
	strbuf_release(&l->path);
}
