#include "session.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "xalloc.h"

/* Starts every job; those that cannot start get status -1 and err. */
static void session_start_all(struct session_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct session_job *j = &jobs[i];
		int in = -1;
		j->fd = -1;
		j->pid = -1;
		j->status = -1;
		j->partial = (struct strbuf)STRBUF_INIT;
		j->out = (struct strbuf)STRBUF_INIT;
		j->err = (struct error)ERROR_INIT;
		if (!ssh_target_check(&j->target, &j->err))
			continue;
		j->pid = ssh_start(&j->target, j->command, &in, &j->fd, NULL, &j->err);
		if (j->pid > 0)
			close(in);
	}
}

/* Hands the ended lines of what job k read to on_line (or keeps it). */
static void session_take(struct session_job *j, size_t k, const char *data, size_t len,
			 session_line_fn *on_line, void *ctx)
{
	if (!on_line) {
		strbuf_add(&j->out, data, len);
		return;
	}
	strbuf_add(&j->partial, data, len);
	size_t start = 0;
	for (size_t i = 0; i < j->partial.len; i++) {
		if (j->partial.buf[i] != '\n')
			continue;
		on_line(ctx, k, j->partial.buf + start, i - start);
		start = i + 1;
	}
	memmove(j->partial.buf, j->partial.buf + start, j->partial.len - start);
	strbuf_setlen(&j->partial, j->partial.len - start);
}

/* Reads whatever is ready; false when job k's output ended. */
static bool session_read(struct session_job *j, size_t k, session_line_fn *on_line, void *ctx)
{
	char chunk[4096];
	ssize_t r = read(j->fd, chunk, sizeof(chunk));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (r <= 0)
		return false;
	session_take(j, k, chunk, (size_t)r, on_line, ctx);
	return true;
}

/* One poll over the jobs still open; false when none is. */
static bool session_poll(struct session_job *jobs, size_t n, int timeout_ms,
			 session_line_fn *on_line, void *ctx)
{
	struct pollfd *fds = xcalloc(n, sizeof(*fds));
	size_t open = 0;
	for (size_t i = 0; i < n; i++) {
		fds[i] = (struct pollfd){ jobs[i].fd, POLLIN, 0 };
		open += jobs[i].fd >= 0;
	}
	if (open && poll(fds, n, timeout_ms) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			if (!session_read(&jobs[i], i, on_line, ctx)) {
				close(jobs[i].fd);
				jobs[i].fd = -1;
			}
		}
	}
	free(fds);
	return open > 0;
}

/* Waits for job j's ssh; stops it first when timed_out. */
static void session_reap(struct session_job *j, size_t k, bool timed_out, int seconds,
			 session_line_fn *on_line, void *ctx)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	if (on_line && j->partial.len)
		on_line(ctx, k, j->partial.buf, j->partial.len);
	strbuf_release(&j->partial);
	if (j->pid <= 0)
		return;
	if (timed_out)
		kill(j->pid, SIGTERM);
	int st;
	while (waitpid(j->pid, &st, 0) < 0)
		if (errno != EINTR) {
			error_set(&j->err, "cannot wait for ssh: %s", strerror(errno));
			return;
		}
	if (timed_out)
		error_set(&j->err, "ssh ran out of time after %d s", seconds);
	else if (WIFEXITED(st))
		j->status = WEXITSTATUS(st);
	else
		error_set(&j->err, "ssh ended by signal %d", WTERMSIG(st));
}

/* Reaps the started jobs whose output ended, and stops those past their
 * end; the number still running, and in *wait_ms the time to the next
 * end (60 s at most). */
static size_t session_sweep(struct session_job *jobs, size_t started, const int64_t *end,
			    int seconds, int *wait_ms, session_line_fn *on_line, void *ctx)
{
	size_t running = 0;
	int64_t now = clock_mono_ms();
	*wait_ms = 60000;
	for (size_t i = 0; i < started; i++) {
		struct session_job *j = &jobs[i];
		bool late = seconds && now >= end[i];
		if (j->pid <= 0)
			continue;
		if (j->fd < 0 || late) {
			session_reap(j, i, late && j->fd >= 0, seconds, on_line, ctx);
			j->pid = 0;
			continue;
		}
		running++;
		if (seconds && end[i] - now < *wait_ms)
			*wait_ms = (int)(end[i] - now);
	}
	return running;
}

void session_fanout(struct session_job *jobs, size_t n, size_t most, int seconds,
		    session_line_fn *on_line, void *ctx)
{
	int64_t *end = xcalloc(n + 1, sizeof(*end));
	size_t started = 0;
	most = most ? most : n;
	for (;;) {
		int wait_ms;
		size_t running = session_sweep(jobs, started, end, seconds, &wait_ms, on_line, ctx);
		if (running < most && started < n) {
			session_start_all(&jobs[started], 1);
			end[started++] = clock_mono_ms() + (int64_t)seconds * 1000;
		} else if (running) {
			session_poll(jobs, started, wait_ms, on_line, ctx);
		} else {
			break;
		}
	}
	free(end);
}

void session_job_release(struct session_job *job)
{
	strbuf_release(&job->out);
	strbuf_release(&job->partial);
	error_release(&job->err);
}

/* posix_spawnp of argv with infrac's streams and default signals. */
static int session_spawn(pid_t *pid, const char *const *argv)
{
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	int rc = posix_spawnattr_init(&attr);
	if (rc)
		return rc;
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGQUIT);
	char **envp = ssh_environment();
	if (!(rc = posix_spawnattr_setsigmask(&attr, &none)) &&
	    !(rc = posix_spawnattr_setsigdefault(&attr, &dflt)) &&
	    !(rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))
		rc = posix_spawnp(pid, "ssh", NULL, &attr, (char *const *)argv, envp);
	free(envp);
	posix_spawnattr_destroy(&attr);
	return rc;
}

int session_attach(const struct ssh_target *t, const char *command, bool tty,
		   struct error *err)
{
	if (!ssh_target_check(t, err))
		return -1;
	struct ssh_argv a;
	ssh_argv_build(&a, t, tty ? SSH_MODE_TTY : SSH_MODE_PLAIN, command);
	struct sigaction ign = { .sa_handler = SIG_IGN }, oint, oquit;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	pid_t pid;
	int rc = session_spawn(&pid, a.argv), st = 0;
	ssh_argv_release(&a);
	if (rc)
		error_set(err, "cannot run ssh: %s", strerror(rc));
	while (!rc && waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			rc = errno;
			error_set(err, "cannot wait for ssh: %s", strerror(errno));
		}
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (rc)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
