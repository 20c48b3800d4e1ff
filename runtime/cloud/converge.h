/*
 * converge: the steps that make one resource of a plan true at Hetzner,
 * for apply's workers (apply.c schedules them).
 *
 * Each step is idempotent: it looks before it creates where an
 * interrupted apply may have acted already, and takes what it finds.
 * Private to runtime/cloud: apply.c and converge.c share the run's state
 * through this header, and apply.c offers the steps its reporting
 * (apply_say, apply_count, apply_wait, apply_firewall_done).
 */
#ifndef INFRAC_CONVERGE_H
#define INFRAC_CONVERGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "apply.h"
#include "error.h"
#include "hcloud.h"
#include "view.h"

/* One action of the plan, carried out by a worker. */
struct apply_job {
	const struct plan_action *x;
	int64_t id;                  /* firewalls: the id it has; servers: the
				      * firewall to attach on create (0 = none) */
	char ip[64];                 /* servers: the address */
	bool ok;
	/* A server's own firewall, carried out by the server's worker just
	 * before the server (bound then), so that no slot idles between the
	 * two; its actions are waited for with the server's first ones. */
	struct apply_job *fw;
	bool bound;
	bool server_new;             /* bound firewall: its server is created */
	struct hc_actions fw_pending; /* the firewall's actions not waited for yet */
	bool fw_reported;
	int64_t fw_t0;
	int64_t t0;                  /* when it started (its firewall done) */
	/* servers: what the API stage leaves to the deploy stage */
	int64_t sid;                 /* the server's id */
	bool deploy;                 /* the plan, or its artefacts label, says deploy */
	bool accept_new;             /* a new host key may be recorded */
	struct hc_labels have;       /* the labels it had (rotate.h reads the salt) */
	bool protected;              /* delete and rebuild protection are on */
	/* servers: how many servers it waits for, one after the other, that
	 * run what its services need over the network; 0 for the rest */
	int tier;
};

/* The whole apply: shared by every worker, under mu. */
struct apply_ctx {
	const struct plan *p;
	const struct apply_config *cfg;
	struct apply_result *r;
	pthread_mutex_t mu;          /* out, r, next, the deploy queue */
	struct apply_job *jobs;            /* every action, in plan order */
	size_t njobs;
	/* the phase running: its jobs are those of kind and destroy or not */
	enum plan_kind kind;
	bool destroys;
	size_t next;
	struct view *view;           /* all output goes through it; a slot per job */
	/* The deploy queue of the server phase: servers whose API stage is
	 * done, in the order it finished, for the deploy workers.  feeders:
	 * the workers that may still add to it; deployers: the deploy
	 * workers running (none: each worker deploys its own servers). */
	pthread_cond_t cv;
	struct apply_job **queue;
	size_t qhead, qtail;
	int feeders, deployers;
	int64_t network_id;          /* the phase's network, once made; 0 = none */
	int tier;                    /* the servers of this tier run now */
};

/* A thread of the pool: its own client (a curl handle is not
 * thread-safe) and arena. */
struct apply_worker {
	struct apply_ctx *run;
	struct http_client c;
	struct arena a;
	int slot;                    /* the live view's line of its job (the job's index) */
};


/* ---- offered by apply.c ------------------------------------------------ */

/* One progress line: "  server becker-main: created (3.2 s)" (since < 0:
 * no time). */
void apply_say(struct apply_ctx *run, const char *kind, const char *name, int64_t since,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Counts a finished resource of op in the result. */
void apply_count(struct apply_ctx *run, enum plan_op op, bool ok);
/* Waits for acts, telling the live view what it waits for; false with e. */
bool apply_wait(struct apply_worker *wk, const struct hc_actions *acts, struct error *e);
/* Reports the server's own firewall once its actions are done: ok and
 * fe say how waiting for them went (or the firewall step itself). */
void apply_firewall_done(struct apply_worker *wk, struct apply_job *j, bool ok,
			 const struct error *fe);

/* ---- the steps (converge.c); each false with e set ------------------------ */

/* The placement of server (the file's name) in the plan's phase. */
const struct mdl_placement *converge_placement(const struct plan *p, const char *server);
bool converge_key(struct apply_worker *wk, struct apply_job *j, struct error *e);
/* The firewall of j, created when missing; j->id gets its id.  defer (may
 * be NULL) takes the actions of a new firewall instead of waiting. */
bool converge_firewall(struct apply_worker *wk, struct apply_job *j, struct hc_actions *defer,
		       struct error *e);
/* A server's API stage: created, replaced, type changed or powered on as
 * the plan says; j->ip, j->sid, j->deploy and j->accept_new filled. */
/* The network of a PLAN_NETWORK action: created (with its subnet),
 * given a missing subnet or labels, or replaced (servers detached,
 * deleted, created); j->id gets its id. */
bool converge_network(struct apply_worker *wk, struct apply_job *j, struct error *e);
bool converge_server(struct apply_worker *wk, struct apply_job *j, struct error *e);
/* A server's deploy stage: the deploy when its artefacts changed, then
 * its labels (the artefacts hash only after a deploy succeeded). */
bool converge_server_finish(struct apply_worker *wk, struct apply_job *j, struct error *e);
bool converge_rrset(struct apply_worker *wk, struct apply_job *j, struct error *e);
bool converge_destroy(struct apply_worker *wk, struct apply_job *j, struct error *e);

#endif
