/*
 * plan: what apply would change, and why.
 *
 * plan_desired turns one phase of the model into the Hetzner resources
 * it needs (names, types, images, firewall ports, labels, DNS names);
 * plan_diff compares them with the observed state and lists the actions,
 * the pre-flight findings and the monthly cost before and after.  The
 * renderers print that as text (sorted, golden-testable) or JSON, and
 * plan_save writes the JSON a later apply checks against.
 *
 * Names: a server `main` of project `becker` is the Hetzner server, and
 * firewall, `becker-main` (RFC 1123: `_` becomes `-`); an ssh_key `ops`
 * is the Hetzner ssh key `becker-ops`.
 */
#ifndef INFRAC_PLAN_H
#define INFRAC_PLAN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "digest.h"
#include "emit.h"
#include "model.h"
#include "state.h"

#define PLAN_FORMAT 1
#define PLAN_HASH_LEN 12 /* hex digits of a label hash */

struct plan_want_key {
	const char *name;          /* Hetzner name */
	const char *key;           /* the file's name */
	const char *public_key;
};

struct plan_want_firewall {
	const char *name;
	const char *server;        /* the file's name */
	int *ports;                /* inbound tcp from anywhere, sorted, unique */
	size_t nports;
};

struct plan_want_server {
	const char *name;
	const char *server;        /* the file's name */
	const char *type;
	const char *image;
	const char *location;
	const char **keys;         /* Hetzner ssh key names, sorted */
	size_t nkeys;
	const char *firewall;
	char artefacts[PLAN_HASH_LEN + 1];
	char keys_hash[PLAN_HASH_LEN + 1];
	int64_t price;             /* the file's, cents per month */
};

struct plan_want_dns {
	const char *domain;
	const char *server;        /* Hetzner server name */
};

struct plan_desired {
	const char *project;
	const struct mdl_phase *phase;
	const char *location;      /* the project's */
	struct plan_want_key *keys;
	size_t nkeys;
	struct plan_want_firewall *firewalls;
	size_t nfirewalls;
	struct plan_want_server *servers;
	size_t nservers;
	struct plan_want_dns *dns;
	size_t ndns;
};

enum plan_op { PLAN_CREATE, PLAN_UPDATE, PLAN_CHANGE_TYPE, PLAN_REPLACE, PLAN_DESTROY };
enum plan_kind { PLAN_SSH_KEY, PLAN_FIREWALL, PLAN_SERVER, PLAN_RRSET };

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
};

struct plan {
	const struct plan_desired *want;
	const struct state *state;
	struct plan_action *actions; /* sorted: kind, then name */
	size_t nactions, cap;
	const char **warnings;
	size_t nwarnings;
	const char **errors;       /* pre-flight: apply would fail */
	size_t nerrors;
	int add, change, replace, destroy;
	int64_t cost_before, cost_after; /* cents per month */
};

/* Resource name: PROJECT-NAME, `_` -> `-`. */
const char *plan_resource_name(struct arena *a, const char *project, const char *name);

/*
 * The short hash of what apply deploys on a server in a phase, the value
 * of the infrac/artefacts label: the generated files of PHASE/SERVER in
 * art (emit_build), but for cloud-init.yaml, which only matters when the
 * server is created.  It changes exactly when those bytes change.
 */
void plan_artefact_hash(const struct emit_output *art, const char *phase,
			const char *server, char out[PLAN_HASH_LEN + 1]);

/* art: the artefacts of phase ph, from emit_build */
void plan_desired(struct arena *a, const struct mdl_project *p, const struct mdl_phase *ph,
		  const struct emit_output *art, struct plan_desired *out);

void plan_diff(struct arena *a, const struct plan_desired *want, const struct state *s,
	       struct plan *out);

bool plan_has_changes(const struct plan *p);

/* file: how the plan names the infra file ("becker.infra"). */
void plan_text(const struct plan *p, const char *file, FILE *out);

/* The plan as data; source_sha and fingerprint may be NULL (left out). */
json_object *plan_json(const struct plan *p, const char *file, const char *source_sha,
		       const char *fingerprint);

/* Writes json to path atomically with mode 0600; false with errno set. */
bool plan_save(json_object *json, const char *path);

#endif
