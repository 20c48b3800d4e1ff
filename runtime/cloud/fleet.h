/*
 * fleet: the servers of a phase as the day-two commands (status, logs,
 * exec, ssh) reach them: the file's server beside the one at Hetzner,
 * and the address to open an SSH session to.
 *
 * fleet_open runs the pipeline's stages they need (phase, artefacts,
 * desired, connect, state) after pipeline_compile; nothing is changed
 * at Hetzner or on a server.
 */
#ifndef INFRAC_FLEET_H
#define INFRAC_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "pipeline.h"

struct fleet_server {
	const struct desired_server *want;
	const struct hc_server *have;  /* NULL: not at Hetzner */
};

/*
 * The stages after compile, for phase (NULL: at, else today's), with the
 * token of HCLOUD_TOKEN at HCLOUD_ENDPOINT; trace: --debug or NULL.
 * false with err set, or with err empty when the artefacts have errors
 * (in pl->art_diags).
 */
bool fleet_open(struct pipeline *pl, const char *phase, const char *at, FILE *trace,
		struct error *err);

/* Every server of the phase, in the file's order, into out (room for
 * pl->want.nservers); their count. */
size_t fleet_all(const struct pipeline *pl, struct fleet_server *out);

/* The server the file calls name in the phase; false with err set (the
 * servers of the phase named, a near name suggested). */
bool fleet_server(const struct pipeline *pl, const char *name, struct fleet_server *out,
		  struct error *err);

/* The servers of the phase that run service, into out (room for
 * pl->want.nservers); their count, or 0 with err set as fleet_server. */
size_t fleet_runs(const struct pipeline *pl, const char *service, struct fleet_server *out,
		  struct error *err);

/* The address of fs's server; NULL with err set when it is not at
 * Hetzner or has no public IPv4. */
const char *fleet_address(const struct fleet_server *fs, struct error *err);

/* Sets err for a session on fs that ran a container.h command for
 * service and exited status (not 0): no container of it there, ssh
 * failed (255), or the command's own status. */
void fleet_failed(const struct fleet_server *fs, const char *service, int status,
		  struct error *err);

#endif
