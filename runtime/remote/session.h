/*
 * session: the SSH sessions of the day-two commands (status, logs, exec,
 * ssh), through the client and settings deploy uses (ssh.h, sshenv.h).
 *
 * session_fanout runs one batch session per server, up to a cap at
 * once, and reads them all in one poll loop: status collects each
 * server's output, logs prints lines as they come.  session_attach hands the user's terminal
 * (or standard streams) to one session, for exec and ssh.
 */
#ifndef INFRAC_SESSION_H
#define INFRAC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "ssh.h"
#include "strbuf.h"

struct session_job {
	struct ssh_target target;  /* must pass ssh_target_check */
	const char *command;
	/* filled by session_fanout: */
	struct strbuf out;         /* what it printed, when no line callback */
	int status;                /* ssh's exit status (255: ssh failed), or -1 and err */
	struct error err;
	/* session_fanout's own */
	pid_t pid;
	int fd;
	struct strbuf partial;     /* a line not yet ended */
};

/* Called with each line (without its newline) job printed. */
typedef void session_line_fn(void *ctx, size_t job, const char *line, size_t len);

/*
 * Runs the jobs, at most most of them at once (0: all), each started as
 * another ends, their standard input closed; returns when all ended.  A
 * job still running seconds after it started (0: no limit) is stopped
 * (status -1, err "ran out of time").  With on_line each line goes there
 * as it comes (and the last one, unended, at the end), else into out.
 * Only target and command are read; everything else of a job is set
 * here.  Release each job with session_job_release after.
 */
void session_fanout(struct session_job *jobs, size_t n, size_t most, int seconds,
		    session_line_fn *on_line, void *ctx);

/* Frees what session_fanout put in job. */
void session_job_release(struct session_job *job);

/*
 * Runs command on t (NULL: a login shell) with infrac's own standard
 * streams, on a terminal of its own when tty; infrac ignores SIGINT and
 * SIGQUIT meanwhile (they are the session's).  Returns ssh's exit status
 * (the command's, or 255 when ssh failed), or -1 with err set.
 */
int session_attach(const struct ssh_target *t, const char *command, bool tty,
		   struct error *err);

#endif
