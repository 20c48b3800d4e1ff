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

void lock_path(const char *project, char *out, size_t outsz)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	/* the XDG spec says a relative XDG_STATE_HOME is to be ignored */
	if (state && state[0] == '/')
		snprintf(out, outsz, "%s/infrac/locks/%s.lock", state, project);
	else if (home && home[0])
		snprintf(out, outsz, "%s/.local/state/infrac/locks/%s.lock", home, project);
	else if (outsz)
		out[0] = '\0';
}

/* mkdir -p of path's directory, private to the user */
static bool make_parents(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return false;
		*p = '/';
	}
	return true;
}

/* The record's fields on one line: "pid 1234 (root@box) since T: command" */
static void describe(const char *rec, char *out, size_t outsz)
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
	snprintf(out, outsz, "pid %s (%s) since %s%s", pid, who, since, cmd);
}

static void read_record(int fd, char *rec, size_t recsz)
{
	ssize_t n = pread(fd, rec, recsz - 1, 0);
	rec[n > 0 ? n : 0] = '\0';
}

bool lock_acquire(struct lock *l, const char *project, const char *command,
		  char *msg, size_t msgsz)
{
	l->fd = -1;
	msg[0] = '\0';
	if (!project || !project[0] || project[0] == '.' || strchr(project, '/')) {
		snprintf(msg, msgsz, "cannot lock: '%s' is not a project name",
			 project ? project : "");
		return false;
	}
	lock_path(project, l->path, sizeof l->path);
	if (!l->path[0]) {
		snprintf(msg, msgsz, "cannot lock: neither XDG_STATE_HOME nor HOME is set");
		return false;
	}
	int fd;
	if (!make_parents(l->path) ||
	    (fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		snprintf(msg, msgsz, "cannot lock %s: %s", l->path, strerror(errno));
		return false;
	}
	char rec[2048], who[1600];
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (e == EWOULDBLOCK) {
			read_record(fd, rec, sizeof rec);
			if (rec[0])
				describe(rec, who, sizeof who);
			else
				snprintf(who, sizeof who, "a process that is just starting");
			snprintf(msg, msgsz, "apply of %s is running: %s (lock %s)", project,
				 who, l->path);
		} else {
			snprintf(msg, msgsz, "cannot lock %s: %s", l->path, strerror(e));
		}
		close(fd);
		return false;
	}
	read_record(fd, rec, sizeof rec);
	if (rec[0]) {
		describe(rec, who, sizeof who);
		snprintf(msg, msgsz, "took over the lock of %s left by %s, which did not "
			 "finish", project, who);
	}

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
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s", command ? command : "");
	for (char *p = cmd; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	char line[2048];
	int n = snprintf(line, sizeof line, "pid=%ld\nholder=%s@%s\nsince=%s\ncommand=%s\n",
			 (long)getpid(), pw ? pw->pw_name : "?", host, since, cmd);
	if (n < 0 || (size_t)n >= sizeof line)
		n = (int)strlen(line);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n) {
		snprintf(msg, msgsz, "cannot write %s: %s", l->path, strerror(errno));
		close(fd);
		return false;
	}
	l->fd = fd;
	return true;
}

void lock_release(struct lock *l)
{
	if (l->fd < 0)
		return;
	/* empty means "released cleanly" to the next holder */
	if (ftruncate(l->fd, 0) < 0) {
		/* the next holder then reports a takeover, which is harmless */
	}
	close(l->fd);
	l->fd = -1;
}
