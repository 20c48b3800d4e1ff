/*
 * cli_lock: the two locks of a command that changes a project (apply,
 * rollback): this machine's flock (lock.h), taken before the API is
 * asked anything, then the project's own at Hetzner (teamlock.h) with
 * its guard against SIGINT, SIGTERM and SIGHUP.
 */
#ifndef INFRAC_CLI_LOCK_H
#define INFRAC_CLI_LOCK_H

#include <stdbool.h>

#include "lock.h"
#include "pipeline.h"
#include "teamlock.h"

struct cli_lock {
	const char *cmd;         /* "apply": what the notices and the holder say */
	struct lock local;
	struct teamlock team;
	bool guarded;            /* the team lock's signal guard runs */
};

#define CLI_LOCK_INIT(cmd) { cmd, LOCK_INIT, TEAMLOCK_INIT, false }

/* This machine's lock of pl's project, for `infrac CMD FILE`; a lock
 * taken over is said on stderr.  false with err naming the holder. */
bool cli_lock_local(struct cli_lock *lk, struct pipeline *pl, const char *file,
		    struct error *err);

/* The project's lock, once pl's client is up, and its guard.  false
 * with err naming the holder (or what failed). */
bool cli_lock_project(struct cli_lock *lk, struct pipeline *pl, const char *file,
		      struct error *err);

/* Both released, the project's first; a lock that stays is said on
 * stderr with how to remove it.  Harmless when none is held. */
void cli_lock_release(struct cli_lock *lk, struct pipeline *pl, const char *file);

#endif
