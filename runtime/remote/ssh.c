#include "ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "xalloc.h"

extern char **environ;

/* The variables ssh is given; nothing else of infrac's environment, which
 * holds the secrets and the API token: a process's environment can be
 * read by its user (/proc/PID/environ) for as long as it runs. */
static const char *const ssh_keep_env[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR",
	"SSH_AUTH_SOCK", "XDG_RUNTIME_DIR",
};

#define SSH_NKEEP (sizeof ssh_keep_env / sizeof *ssh_keep_env)

char **ssh_environment(void)
{
	char **envp = xcalloc(SSH_NKEEP + 1, sizeof *envp);
	size_t k = 0;
	for (char **e = environ; *e && k < SSH_NKEEP; e++) {
		const char *eq = strchr(*e, '=');
		for (size_t i = 0; eq && i < SSH_NKEEP; i++)
			if (strlen(ssh_keep_env[i]) == (size_t)(eq - *e) &&
			    !strncmp(*e, ssh_keep_env[i], (size_t)(eq - *e)))
				envp[k++] = *e;
	}
	return envp;
}

/* KEY="PATH" with % doubled: ssh splits these options at blanks and
 * expands %-tokens in them.  ssh_target_check refuses paths with '"'. */
static void ssh_path_option(struct strbuf *out, const char *key, const char *path)
{
	strbuf_addf(out, "%s=\"", key);
	for (const char *p = path; *p; p++)
		strbuf_addstr(out, *p == '%' ? "%%" : (char[]){ *p, 0 });
	strbuf_addch(out, '"');
}

bool ssh_target_check(const struct ssh_target *t, struct error *err)
{
	if (!t->host || !t->host[0] || t->host[0] == '-' || !t->user || !t->user[0] ||
	    t->user[0] == '-' || !t->identity || !t->known_hosts || strchr(t->identity, '"') ||
	    strchr(t->known_hosts, '"') || strlen(t->identity) > 2000 ||
	    strlen(t->known_hosts) > 2000)
		return error_set(err, "the target needs a host, a user, an identity file and a "
				 "known_hosts file (paths without '\"')");
	if (!t->accept_new)
		return true;
	int fd = open(t->known_hosts, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, "cannot write the known_hosts file %s: %s", t->known_hosts,
				 strerror(errno));
	close(fd);
	return true;
}

/*
 * Spawns ssh with argv and envp, its stdin on in and its stdout and
 * stderr on out; 0 and *pid, or an errno value.  posix_spawnp rather
 * than fork: the process has threads (apply's workers), after fork only
 * async-signal-safe calls are allowed, and posix_spawnp reports an ssh
 * that cannot be run (not on PATH) by its return value, at once, instead
 * of through a child that prints and exits 255.
 */
static int ssh_spawn(pid_t *pid, const char *const *argv, char **envp, int in, int out, int err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return rc;
	rc = posix_spawnattr_init(&attr);
	if (rc) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/* ssh must get the SIGTERM that ends it when its time is up, whatever
	 * the spawning thread blocks */
	sigemptyset(&none);
	if (!(rc = posix_spawn_file_actions_adddup2(&fa, in, 0)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, out, 1)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, err, 2)) &&
	    !(rc = posix_spawnattr_setsigmask(&attr, &none)) &&
	    !(rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK)))
		rc = posix_spawnp(pid, "ssh", &fa, &attr, (char *const *)argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

void ssh_argv_build(struct ssh_argv *a, const struct ssh_target *t, enum ssh_mode mode,
		    const char *command)
{
	const char *cfg = getenv("INFRAC_SSH_CONFIG");
	size_t n = 0;
	memset(a, 0, sizeof(*a));
	a->khosts = (struct strbuf)STRBUF_INIT;
	a->ident = (struct strbuf)STRBUF_INIT;
	snprintf(a->port, sizeof(a->port), "%d", t->port ? t->port : 22);
	snprintf(a->hostkey, sizeof(a->hostkey), "StrictHostKeyChecking=%s",
		 t->accept_new ? "accept-new" : "yes");
	ssh_path_option(&a->khosts, "UserKnownHostsFile", t->known_hosts);
	ssh_path_option(&a->ident, "IdentityFile", t->identity);
	a->argv[n++] = "ssh";
	/* the user's ssh_config is read unless INFRAC_SSH_CONFIG names
	 * another file (or "none"); the -o options below come first, and
	 * ssh keeps the first value it gets for an option, so they win */
	if (cfg && *cfg) {
		a->argv[n++] = "-F";
		a->argv[n++] = cfg;
	}
	a->argv[n++] = mode == SSH_MODE_TTY ? "-t" : "-T";
	const char *const fixed[] = {
		"-p", a->port, "-l", t->user,
		"-o", mode == SSH_MODE_BATCH ? "BatchMode=yes" : "BatchMode=no",
		"-o", "ConnectTimeout=15",
		"-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4",
		"-o", a->hostkey, "-o", a->khosts.buf, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "CheckHostIP=no", "-o", "HashKnownHosts=no", "-o", "UpdateHostKeys=no",
		"-o", "IdentitiesOnly=yes", "-o", a->ident.buf, "-o", "LogLevel=ERROR",
		"--", t->host,
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		a->argv[n++] = fixed[i];
	if (command)
		a->argv[n++] = command;
	a->argv[n] = NULL;
}

void ssh_argv_release(struct ssh_argv *a)
{
	strbuf_release(&a->khosts);
	strbuf_release(&a->ident);
}

pid_t ssh_start(const struct ssh_target *t, const char *command, int *in, int *out,
		int *errout, struct error *err)
{
	struct ssh_argv a;
	ssh_argv_build(&a, t, SSH_MODE_BATCH, command);
	const char *const *argv = a.argv;
	int ip[2], op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	pid_t pid = -1;
	/* a socket rather than a pipe, so a write after ssh died is an
	 * error (MSG_NOSIGNAL) instead of SIGPIPE */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ip) < 0) {
		error_set(err, "cannot run ssh: %s", strerror(errno));
		goto out;
	}
	if (pipe2(op, O_CLOEXEC) < 0 || (errout && pipe2(ep, O_CLOEXEC) < 0)) {
		error_set(err, "cannot run ssh: %s", strerror(errno));
		int fds[] = { ip[0], ip[1], op[0], op[1], ep[0], ep[1] };
		for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++)
			if (fds[i] >= 0)
				close(fds[i]);
		goto out;
	}
	char **envp = ssh_environment();
	int rc = ssh_spawn(&pid, argv, envp, ip[1], op[1], errout ? ep[1] : op[1]);
	free(envp);
	close(ip[1]);
	close(op[1]);
	if (errout)
		close(ep[1]);
	if (rc) {
		error_set(err, "cannot run ssh: %s", strerror(rc));
		close(ip[0]), close(op[0]);
		if (errout)
			close(ep[0]);
		pid = -1;
	} else {
		*in = ip[0];
		*out = op[0];
		if (errout)
			*errout = ep[0];
	}
out:
	ssh_argv_release(&a);
	return pid;
}

int ssh_run(const struct ssh_target *t, const char *command, const char *input, int seconds,
	    ssh_output_fn *on_output, void *ctx, struct strbuf *out, bool *timed_out,
	    struct error *err)
{
	int in = -1, outfd = -1;
	*timed_out = false;
	pid_t pid = ssh_start(t, command, &in, &outfd, NULL, err);
	if (pid < 0)
		return -1;
	size_t off = 0, len = strlen(input);
	struct pollfd fds[2] = { { outfd, POLLIN, 0 }, { in, POLLOUT, 0 } };
	int64_t end = clock_mono_ms() + (int64_t)seconds * 1000;
	for (;;) {
		nfds_t nfds = fds[1].fd >= 0 ? 2 : 1;
		int64_t left = end - clock_mono_ms();
		int pr = left > 0 ? poll(fds, nfds, left > 60000 ? 60000 : (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			break;
		if (pr == 0) {
			if (clock_mono_ms() < end)
				continue;
			*timed_out = true;
			kill(pid, SIGTERM);
			break;
		}
		if (nfds == 2 && fds[1].revents) {
			ssize_t w = send(in, input + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == len) {
				close(in);
				fds[1].fd = -1;
			}
		}
		if (fds[0].revents) {
			char chunk[4096];
			ssize_t r = read(outfd, chunk, sizeof chunk);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			strbuf_add(out, chunk, (size_t)r);
			if (on_output)
				on_output(ctx, out);
		}
	}
	if (fds[1].fd >= 0)
		close(in);
	close(outfd);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return error_set(err, "cannot wait for ssh: %s", strerror(errno)), -1;
	if (*timed_out)
		return error_set(err, "ssh ran out of time after %d s", seconds), -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
