/*
 * sshenv: the SSH settings every command that reaches a server shares
 * (apply's deploys, status, logs, exec, ssh), from the environment:
 *
 *   INFRAC_SSH_USER      the user (root)
 *   INFRAC_SSH_PORT      the port (22)
 *   INFRAC_SSH_IDENTITY  the private key (~/.ssh/id_ed25519, id_ecdsa or
 *                        id_rsa, the first readable)
 *   the project's known_hosts: STATE/known_hosts/PROJECT (fileio.h's
 *   state directory), where apply records a new server's host key
 *
 * INFRAC_SSH_CONFIG (the ssh_config read) is ssh.h's.
 */
#ifndef INFRAC_SSHENV_H
#define INFRAC_SSHENV_H

#include <stdbool.h>

#include "error.h"
#include "ssh.h"

struct sshenv {
	const char *user;    /* the environment's or "root" */
	int port;
	char *identity;      /* malloc'd; NULL: none found */
	char *known_hosts;   /* malloc'd; NULL: no state directory to keep it in */
};

/* Reads the settings for project, making known_hosts' directory. */
void sshenv_load(struct sshenv *s, const char *project);

/* false with err set when the identity or the known_hosts file is
 * missing (what a session needs). */
bool sshenv_usable(const struct sshenv *s, struct error *err);

/* A target on host with these settings (the strings stay s's and
 * host's); a known host key is required. */
struct ssh_target sshenv_target(const struct sshenv *s, const char *host);

/* Frees what s holds. */
void sshenv_release(struct sshenv *s);

#endif
