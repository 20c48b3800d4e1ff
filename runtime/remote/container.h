/*
 * container: the sh commands, run through ssh, that reach the container
 * of one compose service of the project on a server (logs and exec).
 *
 * The container is found by the labels compose gives it (project,
 * service, not a one-off), the newest first, as deploy's script finds
 * them; a handover's second container is the newer one.  Everything the
 * caller gives reaches the command as quoted data.  When the server has
 * no such container the command says so on standard error and exits
 * CONTAINER_NONE.
 */
#ifndef INFRAC_CONTAINER_H
#define INFRAC_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* The exit status of a command that found no container (docker's own
 * "the docker command failed" status). */
#define CONTAINER_NONE 125

struct container_logs {
	bool follow;
	const char *since;   /* docker logs --since: "10m", a date; NULL = all */
	const char *tail;    /* a count or "all"; NULL = all */
};

/* Appends to out the command printing service's log (its container's
 * standard output and error, in one stream). */
void container_logs_command(struct strbuf *out, const char *project, const char *service,
			    const struct container_logs *o);

/* Appends to out the command running argv[0..argc) (none: sh) in the
 * running container of service, its standard input attached, on a
 * terminal when tty. */
void container_exec_command(struct strbuf *out, const char *project, const char *service,
			    bool tty, const char *const *argv, size_t argc);

#endif
