/*
 * apply: carries out a plan against the Hetzner API and deploys the
 * artefacts over SSH.
 *
 * Order: ssh keys, then the firewalls of no server in the plan; then the
 * servers; then the DNS records of each domain, once its server has an
 * address; destroys last, and only the ones the plan lists.  Each step
 * runs on a pool of up to `parallelism` POSIX threads, each thread with
 * its own http_client (a curl easy handle is not thread-safe) and its
 * own arena.  The servers go through two stages, each on a pool of its
 * own of up to `parallelism` threads: the API stage (its own firewall
 * first, created, its action left running; the server created naming
 * that firewall; one wait for the actions of both; a type change or
 * power on), then the deploy stage (the deploy over SSH, the labels),
 * fed by a queue, so that an API thread takes the next server while the
 * last one deploys.
 *
 * A key is looked up by name before it is created; a firewall or server
 * the plan lists as new (it read the project under the apply lock) is
 * created at once and looked up only when the create fails or its
 * answer is lost: an interrupted apply, or a lost answer, may have
 * created it already, and it is then taken as it is.  A server gets the
 * artefact-hash label only after its deploy succeeded, so a rerun
 * deploys what is missing.
 *
 * Progress goes to `out` through a view (view.h), one line per resource
 * as it starts and when it finishes, with the time it took, and on a
 * terminal a live status block below them.  Secret values never reach it.
 */
#ifndef INFRAC_APPLY_H
#define INFRAC_APPLY_H

#include <stdbool.h>
#include <stdio.h>

#include "emit.h"
#include "error.h"
#include "http.h"
#include "plan.h"

struct apply_config {
	const char *project;
	const char *endpoint;        /* for the workers' own clients */
	const char *token;
	struct http_client *hc;      /* the caller's client: keys, firewalls, DNS, destroys */
	int parallelism;             /* threads per pool (servers: per stage); >= 1 */
	long poll_ms;                /* first wait when polling an action */
	long action_timeout_s;       /* one action at most */
	const struct emit_output *art; /* the artefacts of the plan's phase */
	const struct mdl_project *model;
	/* ssh: user, port (0 = 22), identity file, the project's known_hosts */
	const char *ssh_user;
	int ssh_port;
	const char *ssh_identity;
	const char *known_hosts;
	int health_timeout;          /* seconds; 0 = deploy's default */
	bool no_handover;            /* recreate every changed service in place */
	FILE *out;
	bool live;                   /* out is a terminal: the live view (see view.h) */
	bool bold;                   /* colour allowed on out */
	FILE *trace;                 /* --debug, or NULL */
};

struct apply_result {
	int added, changed, replaced, destroyed;
	int failed;                  /* resources that failed */
};

/*
 * Resolves the secrets of every server apply may deploy to, before
 * anything changes (values in a).  false with err naming every missing
 * variable (never a value).
 */
bool apply_check_secrets(struct arena *a, const struct plan *p, struct error *err);

/* Carries out p.  true when every action succeeded; failures are
 * reported on cfg->out as they happen. */
bool apply_run(const struct plan *p, const struct apply_config *cfg, struct apply_result *r);

#endif
