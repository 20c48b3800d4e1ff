/*
 * status: what runs on the servers of a phase, beside what the file
 * wants (`infrac status`).
 *
 * status_gather asks every server of the phase that exists at Hetzner
 * what runs there (probe.h), one SSH session per server, a few at once,
 * and compares: the server (there, running, its type, the artefacts it
 * last got), and each service (a container, running, healthy, its
 * image) and each container of a service the server should not run.
 * Every difference is one line of drift, in the file's order.
 */
#ifndef INFRAC_STATUS_H
#define INFRAC_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "fleet.h"
#include "probe.h"
#include "sshenv.h"

struct status_server {
	struct fleet_server fs;
	/* the server's answer; reached false: not asked (not at Hetzner, no
	 * address) or the session failed, and why in unreachable */
	bool reached;
	struct probe probe;
	const char *unreachable;
};

struct status_report {
	struct status_server *servers;  /* the phase's, in the file's order */
	size_t nservers;
	const char **drift;             /* "server main: ...", in order */
	size_t ndrift;
};

/*
 * Fills r for the phase of pl (after fleet_open), through the settings
 * of se, with at most most sessions at once, each given at most seconds.
 * Everything is in pl's arena.  A server that cannot be reached is
 * reported in r, not as a failure; false with err set only when se is
 * not usable.
 */
bool status_gather(struct pipeline *pl, const struct sshenv *se, size_t most, int seconds,
		   struct status_report *r, struct error *err);

#endif
