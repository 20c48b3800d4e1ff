/*
 * ssh: runs a command on a server through the OpenSSH client.
 *
 * ssh_run starts `ssh` (posix_spawnp, argv, no local shell) with the
 * project's own known_hosts and identity, writes `input` to the remote
 * command's standard input while it collects standard output and error
 * (one stream, in order), and stops ssh when the time is up.  Only a few
 * variables of infrac's environment reach ssh (PATH, HOME, the agent's
 * socket, locale): the environment holds the API token and the secrets.
 */
#ifndef INFRAC_SSH_H
#define INFRAC_SSH_H

#include <stdbool.h>

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
