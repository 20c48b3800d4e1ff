/*
 * ssh: runs a command on a server through the OpenSSH client.
 *
 * ssh_run starts `ssh` (posix_spawnp, argv, no local shell) with the
 * project's own known_hosts and identity, writes `input` to the remote
 * command's standard input while it collects standard output and error
 * (one stream, in order), and stops ssh when the time is up.  Only a few
 * variables of infrac's environment reach ssh (PATH, HOME, the agent's
 * socket, locale): the environment holds the API token and the secrets.
 *
 * The user's ssh_config (~/.ssh/config, then /etc/ssh/ssh_config) is
 * read, as ssh reads it, unless $INFRAC_SSH_CONFIG names another file
 * or "none": a jump host, multiplexing or keep-alives set there apply to
 * infrac's sessions too.  What decides whom infrac trusts is forced on
 * the command line, which ssh reads before any config file and where the
 * first value of an option wins: the host, port and user, the identity
 * (IdentitiesOnly), the project's known_hosts as the only one, and
 * StrictHostKeyChecking.  docs/day2.md says more.
 */
#ifndef INFRAC_SSH_H
#define INFRAC_SSH_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "strbuf.h"

struct ssh_target {
	const char *host;
	int port;                /* 0 = 22 */
	const char *user;        /* e.g. "root" */
	const char *identity;    /* private key file */
	const char *known_hosts; /* the project's own file */
	/* Only for a server this apply just created: its first host key is
	 * recorded (StrictHostKeyChecking=accept-new).  Otherwise the key
	 * must already be in known_hosts (StrictHostKeyChecking=yes). */
	bool accept_new;
};

/* How a session runs: BATCH never asks anything (deploy, status, logs);
 * PLAIN and TTY may ask for a passphrase, TTY on a terminal of its own. */
enum ssh_mode { SSH_MODE_BATCH, SSH_MODE_PLAIN, SSH_MODE_TTY };

/* The ssh command line of one session; its strings live in the struct
 * (and in t and the environment) until ssh_argv_release. */
struct ssh_argv {
	const char *argv[48];
	char port[16], hostkey[64];
	struct strbuf khosts, ident;
};

/* Fills a with the command line running command on t (NULL: the login
 * shell) in mode.  t must have passed ssh_target_check. */
void ssh_argv_build(struct ssh_argv *a, const struct ssh_target *t, enum ssh_mode mode,
		    const char *command);
/* Frees what a holds. */
void ssh_argv_release(struct ssh_argv *a);

/* The variables of environ that ssh is given, in a malloc'd array the
 * caller frees (the strings stay environ's). */
char **ssh_environment(void);

/*
 * Starts a batch session running command on t: *in is its standard
 * input (a socket; close it for EOF), *out its standard output, and its
 * standard error too unless errout is given (then *errout), all the
 * caller's to close; the caller waits for the pid.
 * -1 with err set ("cannot run ssh: ...") when nothing was started.
 */
pid_t ssh_start(const struct ssh_target *t, const char *command, int *in, int *out,
		int *errout, struct error *err);

/* Called with the whole output so far each time more arrived. */
typedef void ssh_output_fn(void *ctx, const struct strbuf *out);

/*
 * Checks t: false with err set when a field is missing or unusable, or
 * when accept_new is set and known_hosts cannot be written (ssh would
 * record the key only with a warning, and the next run would refuse the
 * server).
 */
bool ssh_target_check(const struct ssh_target *t, struct error *err);

/*
 * Runs command on t with input on its standard input, at most seconds.
 * out gets everything it printed; on_output (may be NULL) is told as it
 * comes.  Returns ssh's exit status (255: ssh itself failed), or -1 with
 * err set when ssh could not be run ("cannot run ssh: ...", e.g. it is
 * not on PATH; nothing was started) or ran out of time (*timed_out).
 */
int ssh_run(const struct ssh_target *t, const char *command, const char *input, int seconds,
	    ssh_output_fn *on_output, void *ctx, struct strbuf *out, bool *timed_out,
	    struct error *err);

#endif
