/*
 * plan: what apply would change, and why.
 *
 * plan_diff compares what a phase wants (desired.h) with the observed
 * state (state.h) and lists the actions, the pre-flight findings and the
 * monthly cost before and after.  plan_report.h prints a plan for people
 * and as JSON.
 */
#ifndef INFRAC_PLAN_H
#define INFRAC_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "desired.h"
#include "error.h"
#include "jsondoc.h"
#include "state.h"

/* a saved plan is a JSON document of the one schema (docs/json.md) */
#define PLAN_FORMAT JSONDOC_FORMAT

enum plan_op { PLAN_CREATE, PLAN_UPDATE, PLAN_CHANGE_TYPE, PLAN_REPLACE, PLAN_DESTROY };
enum plan_kind { PLAN_SSH_KEY, PLAN_FIREWALL, PLAN_NETWORK, PLAN_SERVER, PLAN_RRSET };

/* One differing attribute of a resource, or one service whose
 * containers a deploy changes. */
struct plan_detail {
	const char *subject;       /* "location", "ssh keys", "odoo_prod" */
	const char *change;        /* "fsn1 -> nbg1", "restarts: secret X rotated" */
	bool forces;               /* forces a new resource */
	bool service;              /* subject is a service */
	bool aside;                /* said here only, not in the action's reason */
};

/* A stateful service that the phase runs on another server than the
 * one whose disk holds its volumes: apply copies them (move.h) before
 * it deploys the new server. */
struct plan_move {
	const char *service;
	const char *from;          /* the old server's Hetzner name */
	const char *from_ip;       /* its public IPv4 */
	const char **volumes;      /* compose names */
	size_t nvolumes;
};

struct plan_action {
	enum plan_op op;
	enum plan_kind kind;
	const char *name;          /* Hetzner name; rrsets: the domain */
	const char *summary;       /* "(cpx42, ubuntu-24.04, nbg1)" or NULL */
	const char *reason;        /* "create: not in the project" */
	int64_t id;                /* the existing resource; 0 = none */
	const char *zone;          /* rrsets */
	const char *value;         /* rrsets: the address, NULL = known after apply */
	const void *want;          /* plan_want_*; NULL for destroy */
	/* every difference found (servers), the forcing ones marked */
	const struct plan_detail *details;
	size_t ndetails;
	bool deploy;               /* servers: apply deploys over SSH */
	bool protect;              /* servers: apply sets delete and rebuild protection */
	/* servers replaced or destroyed with data on their disk (allowed by
	 * --allow-data-loss): apply snapshots the disk first; its price per
	 * month in cents, -1 when not known */
	bool snapshot;
	int64_t snapshot_cents;
	/* servers: the services whose volumes come from another server */
	const struct plan_move *moves;
	size_t nmoves;
	/* servers: labels recording what runs, as far as the plan knows them
	 * (rotate.h: the service definitions and image digests) */
	const char **labels_keys, **labels_vals;
	size_t nlabels;
};

struct plan {
	const struct desired *want;
	const struct state *state;
	struct plan_action *actions; /* sorted: kind, then name */
	size_t nactions, cap;
	const char **warnings;
	size_t nwarnings;
	const char **errors;       /* pre-flight: apply would fail */
	size_t nerrors;
	int add, change, replace, destroy;
	int64_t cost_before, cost_after; /* cents per month */
	/* a plan of infrac destroy (teardown.h): what it removes, "every
	 * resource of project P" or "what only phase P has"; else NULL */
	const char *teardown;
};

/* The actions that make state match want, sorted by kind and name; out
 * points into want and s and lives in a.  Never fails: what apply could
 * not do is a pre-flight error of the plan. */
void plan_diff(struct arena *a, const struct desired *want, const struct state *s,
	       struct plan *out);

/* Does the plan hold an action? */
bool plan_has_changes(const struct plan *p);

#endif
