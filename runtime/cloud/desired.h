/*
 * desired: what one phase of the model wants at Hetzner.
 *
 * desired_build turns the phase into the resources it needs: an ssh key
 * per key its servers use, a firewall and a server per placement (name,
 * type, image, location, inbound ports, the label hashes), and an A
 * record per domain.  Names: a server `main` of project `becker` is the
 * Hetzner server, and firewall, `becker-main` (RFC 1123: `_` becomes `-`);
 * an ssh_key `ops` is the Hetzner ssh key `becker-ops`.
 *
 * Everything lives in the caller's arena; nothing here fails.
 */
#ifndef INFRAC_DESIRED_H
#define INFRAC_DESIRED_H

#include <stdint.h>

#include "arena.h"
#include "deploy.h"
#include "emit.h"
#include "model.h"
#include "secrets.h"

#define DESIRED_HASH_LEN 12 /* hex digits of a label hash */

struct desired_key {
	const char *name;          /* Hetzner name */
	const char *key;           /* the file's name */
	const char *public_key;
};

struct desired_firewall {
	const char *name;
	const char *server;        /* the file's name */
	int *ports;                /* inbound tcp from anywhere, sorted, unique */
	size_t nports;
};

/* An env("NAME") a service reads, with the value the build wrote. */
struct desired_env {
	const char *name;
	const char *value;         /* NULL when unset */
};

/* A service of a server, as the deploy treats it and as the fingerprints
 * in the server's labels record it (rotate.h). */
struct desired_service {
	const char *name;
	const char *image;
	/* hex of the SHA-256 of its compose entry: what compose recreates its
	 * container for when it changes ("" when the entry cannot be made) */
	char definition[DESIRED_HASH_LEN + 1];
	/* the registry's digest of image ("sha256:..."), when it was asked
	 * (pipeline_images); NULL = not known */
	const char *digest;
	const char **secrets;      /* the secret("NAME")s it reads, sorted, unique */
	size_t nsecrets;
	struct desired_env *envs;  /* its env("NAME")s, sorted, unique */
	size_t nenvs;
	const char **volumes;      /* the names of its volumes: its data */
	size_t nvolumes;
	/* behind the proxy, publishing no host port: a changed container is
	 * handed over without downtime (deploy.h, step 5); the others are
	 * recreated in place */
	bool handover;
	int port;                  /* the port the proxy sends to */
};

/* The project's private network, when the phase runs several servers:
 * named PROJECT-private, its range and the servers' subnet in the
 * network zone of the project's location. */
struct desired_network {
	const char *name;
	const char *ip_range;      /* "10.0.0.0/16" */
	const char *subnet;        /* "10.0.0.0/24" */
	const char *zone;          /* "eu-central" */
};

struct desired_server {
	const char *name;
	const char *server;        /* the file's name */
	const char *type;
	const char *image;
	const char *location;
	const char **keys;         /* Hetzner ssh key names, sorted */
	size_t nkeys;
	const char *firewall;
	char artefacts[DESIRED_HASH_LEN + 1];
	char keys_hash[DESIRED_HASH_LEN + 1];
	int64_t price;             /* the file's, cents per month */
	struct desired_service *services;
	size_t nservices;
	const char *proxy;         /* the proxy service, or NULL */
	bool https;                /* its domains are served over https */
	const char *private_ip;    /* on the network; NULL when there is none */
};

struct desired_dns {
	const char *domain;
	const char *server;        /* Hetzner server name */
};

struct desired {
	const char *project;
	const struct mdl_project *model;
	/* the values of the phase's secrets in the operator's environment,
	 * sorted by name; value NULL when unset or not fit for .env.  Only
	 * ever fingerprinted (rotate.h) or sent to the server's .env. */
	struct secret *secrets;
	size_t nsecrets;
	/* services whose containers apply recreates although nothing of
	 * theirs changed (apply --redeploy) */
	const char *const *redeploy;
	size_t nredeploy;
	bool redeploy_all;
	/* the operator allows a plan that loses data on a server's disk
	 * (--allow-data-loss): apply snapshots such a server first */
	bool allow_data_loss;
	const struct mdl_phase *phase;
	/* SHA-256 (hex) of the source file, recorded with each release;
	 * NULL = not known */
	const char *source;
	const char *location;      /* the project's */
	struct desired_key *keys;
	size_t nkeys;
	struct desired_firewall *firewalls;
	size_t nfirewalls;
	struct desired_server *servers;
	size_t nservers;
	struct desired_dns *dns;
	size_t ndns;
	const struct desired_network *network; /* NULL: one server, no network */
};

/* The value of secret name in want, or NULL when unset. */
const char *desired_secret(const struct desired *want, const char *name);

/* "pgdata, odoo_files" for the volumes of w's services, in a; NULL when
 * it has none (the server holds no data a replace would lose). */
const char *desired_volumes(struct arena *a, const struct desired_server *w);

/* Does want ask for service name to be recreated (apply --redeploy)? */
bool desired_redeploys(const struct desired *want, const char *name);

/*
 * The deploy of w's release (deploy.h) but for its files, its keys and
 * its redeploys, which the caller adds: project, release (the artefacts
 * hash), the .env from the environment (secrets.h), proxy, domains, the
 * services handed over without downtime (none with no_handover), source
 * and phase.  Everything in a; false with e set when a secret is
 * missing.
 */
bool desired_deploy_request(struct arena *a, const struct desired *want,
			    const struct desired_server *w, bool no_handover,
			    struct deploy_request *rq, struct error *e);

/* The network zone of a Hetzner location ("nbg1" -> "eu-central"); NULL
 * when the location is not known. */
const char *desired_network_zone(const char *location);

/* Resource name: PROJECT-NAME, `_` -> `-`, lower case; in a. */
const char *desired_name(struct arena *a, const char *project, const char *name);

/*
 * The short hash of what apply deploys on a server in a phase, the value
 * of the infrac/artefacts label: the generated files of PHASE/SERVER in
 * art (emit_build), but for cloud-init.yaml, which only matters when the
 * server is created.  It changes exactly when those bytes change.
 */
void desired_artefact_hash(const struct emit_output *art, const char *phase,
			   const char *server, char out[DESIRED_HASH_LEN + 1]);

/* The resources phase ph of p wants; art: its artefacts (emit_build).
 * Reads the secrets' and env()s' values from the environment. */
void desired_build(struct arena *a, const struct mdl_project *p, const struct mdl_phase *ph,
		   const struct emit_output *art, struct desired *out);

#endif
