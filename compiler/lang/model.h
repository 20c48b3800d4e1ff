/*
 * model: the meaning of an infra file, as the later stages use it.
 *
 * resolve.c builds it from the AST (names bound, units converted, phase
 * overrides applied); check.c proves its rules on it; report, cost and
 * the emitters read it.  Everything lives in the compilation's arena.
 *
 * Units are those of units.h: memory in 1/1000 MiB, money in cents,
 * vCPUs in 1/1000, percentages in basis points, months as calendar month
 * indexes (units_month_index).
 */
#ifndef INFRAC_MODEL_H
#define INFRAC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prices.h"
#include "source.h"

/* A line of the syntax tree, opaque here: the model does not show the
 * tree to the stages after the front end (model_service_loc reads it). */
struct ast_item;

struct mdl_type {
	const char *name;
	int64_t vcpu;    /* 1/1000 vCPU */
	int64_t ram;     /* 1/1000 MiB */
	int64_t disk;
	int64_t traffic;
	int64_t price;   /* cents per month */
	/* "built-in" or the file position of the server_type block that
	 * added or overrode it, for reports that must name their prices */
	bool builtin;
	struct loc loc;
	unsigned arch;          /* one PRICES_AMD64 / PRICES_ARM64 bit */
	bool dedicated;         /* dedicated vCPUs, else shared */
	/* its row in the price table (prices in other locations, included
	 * traffic, where it can be ordered); NULL for a type that only a
	 * server_type block declares */
	const struct prices_type *listed;
	bool block_price;       /* a server_type block sets its price */
	/* the table's price at the project's location where a block sets
	 * another one (the block wins; reports say so); -1 otherwise */
	int64_t table_price;
	/* a figure of it was an error (reported): nothing is checked against
	 * it, so that no error follows from that one */
	bool broken;
};

struct mdl_ssh_key {
	const char *name;
	const char *public_key; /* one line, trailing newline removed */
	struct loc loc;
};

struct mdl_volume {
	const char *name;
	const char *path;
	int64_t size;    /* at first use */
	int64_t growth;  /* per month */
	struct loc loc;
	/* storage = hetzner_volume: meant for a Hetzner Volume, billed per
	 * GB a month.  Apply does not create Volumes yet, so it stays on the
	 * server's disk (and is checked there) and costs nothing more. */
	bool hetzner;
	struct loc storage_loc;
};

enum mdl_env_kind {
	MDL_ENV_LITERAL, /* value is the text */
	MDL_ENV_SECRET,  /* secret("NAME"): value is NAME, the value comes at apply time */
	MDL_ENV_HOST,    /* env("NAME"): value is NAME, read from the environment at build */
};

struct mdl_env {
	const char *key;
	enum mdl_env_kind kind;
	const char *value;
	struct loc loc;
};

/* `publish = 8070:8069`: host port 8070 reaches the container's 8069; a
 * bare number is the same port on both sides. */
struct mdl_port {
	int host;
	int container;
};

enum mdl_restart {
	MDL_RESTART_UNLESS_STOPPED, /* the default */
	MDL_RESTART_NO,
	MDL_RESTART_ALWAYS,
	MDL_RESTART_ON_FAILURE,
};

enum mdl_tls {
	MDL_TLS_NONE,
	MDL_TLS_LETSENCRYPT,
};

struct mdl_service {
	const char *name;
	struct loc loc;          /* the block header */
	bool proxy;              /* declared with `proxy`: owns ports 80/443 */
	const char *image;
	struct loc image_loc;
	int64_t ram_lo, ram_hi;  /* equal unless ram is a range */
	struct loc ram_loc;
	int64_t cpus;            /* 1/1000 vCPU; 0 = not limited */
	int port;                /* port the proxy forwards to; 0 = none */
	struct mdl_port *publish; /* published on the server's public address */
	size_t npublish;
	struct loc publish_loc;
	int64_t max_upload;      /* largest request body through the proxy; 0 = its default */
	struct loc max_upload_loc;
	const char *domain;      /* served through the proxy; NULL = none */
	struct loc domain_loc;
	const struct mdl_service **needs; /* declarations, not phase copies */
	struct loc *needs_locs;
	size_t nneeds;
	struct mdl_volume *volumes;
	size_t nvolumes;
	struct mdl_env *env;     /* sorted by key */
	size_t nenv;
	const char **command;    /* NULL = the image's default */
	size_t ncommand;
	const char *healthcheck; /* shell command; NULL = known default or none */
	enum mdl_restart restart;
	enum mdl_tls tls;        /* proxies */
	const char *email;       /* proxies with tls = letsencrypt */
	unsigned arch;           /* `arch`: PRICES_* bits its image runs on; 0 = the project's */
	/* the declaration this is a copy of (itself for a declaration) */
	const struct mdl_service *decl;
	size_t index;            /* declarations: its place in the project's services */
	/* declarations: first month any phase runs it; -1 when never */
	int first_month;
	/* the month its volumes start growing from: -1 for the declaration's
	 * first_month; set on the entries of a scenario's run blocks, where
	 * the scenario, not the plan, says when the data began */
	int data_since;
	/* a scenario's `new NAME`: an instance of its own on its server,
	 * beside the one the plan runs, with volumes of its own that start
	 * empty in the first phase it runs in */
	bool instance;
	/* `moves_data = true` in a phase's override: the phase runs it on
	 * another server than the phase before, and its volumes go with it */
	bool moves_data;
	struct loc moves_data_loc;
};

enum mdl_cpu {
	MDL_CPU_ANY,       /* unset: shared unless nothing shared carries it */
	MDL_CPU_SHARED,
	MDL_CPU_DEDICATED,
};

struct mdl_server {
	const char *name;
	struct loc loc;
	const struct mdl_type *type;
	const char *image;       /* OS image, e.g. "ubuntu-24.04" */
	const char *location;    /* defaults to the project's */
	int64_t reserve;         /* RAM kept for the OS */
	const struct mdl_ssh_key **ssh_keys;
	size_t nssh_keys;
	/* its place in the project's servers; a server a scenario adds
	 * comes after them, in the scenario's order */
	size_t index;
	enum mdl_cpu cpu;        /* `cpu`: the vCPUs it must have */
	bool backups;            /* `backups = true`: Hetzner's backups, a share of the price */
	bool ipv6_only;          /* `ipv4 = false`: no primary IPv4 */
	struct loc ipv4_loc;
	int64_t traffic;         /* `traffic`: outgoing a month, estimated; -1 = none */
	/* its address on the project's private network, host byte order:
	 * the subnet's base + 2 + its place among the servers as declared */
	uint32_t private_ip;
};

/* One server in one phase: what it is and what it runs. */
struct mdl_placement {
	const struct mdl_server *server;
	const struct mdl_type *type;  /* after the phase's `server` override */
	struct loc type_loc;          /* where that type was chosen */
	int64_t reserve;
	const char *image;
	/* phase copies (overrides applied), in the order of the run block */
	const struct mdl_service **services;
	/* each name's line in the run block, for diagnostics (a pointer,
	 * not a copy of its span: large files have hundreds of thousands);
	 * NULL once the syntax tree is released (compile_drop_tree) */
	const struct ast_item **service_items;
	size_t nservices;
	struct loc loc;               /* `run on NAME` */
	int64_t traffic;              /* after the phase's override; -1 = none */
};

struct mdl_phase {
	const char *name;
	struct loc loc;
	int start;    /* month index */
	int months;
	struct mdl_placement *placements;
	size_t nplacements;
	/* the placement of each server of the project, by its index; NULL
	 * where the phase does not run it (or, for a phase made without it,
	 * a NULL array: model_placement then searches) */
	const struct mdl_placement **by_server;
	/* its length: the project's servers, and in a phase a scenario
	 * places those the scenario adds (indexes after the project's) */
	size_t nby_server;
	/* by the index of a service's declaration: where the phase runs it
	 * (model_phase_index); NULL for a phase made without it */
	struct mdl_phase_use *uses;
	bool broken;  /* its start or months was an error: not checked in time */
};

/* What a phase does with one service declaration, in four bytes: a
 * large file has a few hundred thousand of them. */
struct mdl_phase_use {
	unsigned first : 29;        /* the first placement running it, + 1; 0: none */
	unsigned several : 1;       /* more than one placement runs it */
	unsigned needed_remote : 1; /* a service of a placement that does not run it needs it */
};

/* `SERVER = TYPE [from PHASE|DATE]` in a scenario */
struct mdl_assign {
	const struct mdl_server *server;
	const struct mdl_type *type;
	int from;                        /* month index it takes effect */
	const struct mdl_phase *from_phase; /* when written `from PHASE` */
	struct loc loc;
};

/*
 * A scenario: type assignments, and optionally a placement of its own.
 * `server NAME { ... }` blocks add servers that only the scenario has;
 * `phase NAME { run on ... }` blocks replace that phase's run blocks
 * (the phase's own overrides still apply, the scenario's on top).
 */
struct mdl_scenario {
	const char *name;
	const char *title;  /* may be NULL */
	struct loc loc;
	struct mdl_assign *assigns;
	size_t nassigns;
	struct mdl_server *servers; /* the servers it adds */
	size_t nservers;
	/* NULL when it changes no placement; else p->nphases entries,
	 * parallel to p->phases: each phase as the scenario runs it, a copy
	 * with the scenario's placements or the plan's phase itself */
	struct mdl_phase *phases;
};

/*
 * The project's private network: one Hetzner network when a phase runs
 * several servers.  `network = "10.0.0.0/16"` in project sets its range
 * (RFC 1918, /8 .. /24); the servers' subnet starts at its base: a /24, or
 * larger when the servers need more addresses (resolve.c).
 */
struct mdl_network {
	uint32_t base;           /* host byte order */
	int prefix;
	uint32_t subnet;         /* the range's base */
	int subnet_prefix;
	struct loc loc;          /* `network = ...`, else the project header */
};

struct mdl_project {
	const struct src *src;
	const char *name;
	struct loc loc;
	const char *provider;
	const char *location;
	int start;          /* month index of the first billed month */
	int horizon;        /* months */
	bool broken_time;   /* start or horizon was an error: phases not checked in time */
	int64_t headroom;   /* basis points of RAM never planned */
	int64_t budget;     /* cents per month; -1 = no budget */
	struct loc budget_loc;
	int64_t cpu_overcommit; /* 1/1000; 1000 = none */
	struct mdl_network net;

	struct mdl_type *types;   /* catalog and file, cheapest first */
	size_t ntypes;
	const char *price_source; /* the catalog's source and date */
	unsigned arch;            /* `arch`: what the images run on (PRICES_* bits) */
	/* the table types, prices and charges come from (the built-in
	 * catalog, the API's, or a snapshot); the file's `prices = "FILE"`
	 * (NULL: none) and where */
	const struct prices *prices;
	const char *prices_pin;
	struct loc prices_loc;
	bool servers_only;        /* charges left out: servers' prices only */
	struct mdl_ssh_key *keys;
	size_t nkeys;
	struct mdl_server *servers;
	size_t nservers;
	struct mdl_service *services; /* declarations, services and proxies */
	size_t nservices;
	struct mdl_phase *phases;     /* sorted by start */
	size_t nphases;
	struct mdl_scenario *scenarios;
	size_t nscenarios;
};

/* A type's monthly price in location: the block's when one sets it, else
 * the price table's there, else its price at the project's location. */
int64_t model_price(const struct mdl_type *t, const char *location);
/* Can the type be ordered in location (as far as the table knows)? */
bool model_orderable(const struct mdl_type *t, const char *location);
/* The architectures every image of pl runs on (PRICES_* bits). */
unsigned model_arch(const struct mdl_project *p, const struct mdl_placement *pl);
/* "amd64", "arm64", "amd64 or arm64", as the file writes them. */
const char *model_arch_name(unsigned arch);

/* The phase running in month m, or NULL. */
const struct mdl_phase *model_phase_at(const struct mdl_project *p, int month);
const struct mdl_type *model_type(const struct mdl_project *p, const char *name);
const struct mdl_server *model_server(const struct mdl_project *p, const char *name);
const struct mdl_phase *model_phase(const struct mdl_project *p, const char *name);
/* The placement of server s in phase ph, or NULL when it does not run. */
const struct mdl_placement *model_placement(const struct mdl_phase *ph,
					    const struct mdl_server *s);
/* Phase i (of p->phases) as scenario sc runs it; sc NULL: the plan's. */
const struct mdl_phase *model_scenario_phase(const struct mdl_project *p,
					     const struct mdl_scenario *sc, size_t i);
/* Does scenario sc lay placements of its own over phase i? */
bool model_scenario_places(const struct mdl_project *p, const struct mdl_scenario *sc,
			   size_t i);
/* Does pl run (an instance of) the declaration of s? */
bool model_runs(const struct mdl_placement *pl, const struct mdl_service *s);
/* Where the placement's j-th service is named in its run block. */
struct loc model_service_loc(const struct mdl_placement *pl, size_t j);
/* Does the proxy of s's server serve s: a domain and a port to forward to. */
bool model_serves_domain(const struct mdl_service *s);
/* Does pl run a proxy that obtains certificates (tls = letsencrypt) for
 * at least one domain?  The server's own certbot then gets them (see
 * emit_certs.h): no container of build's but the services. */
bool model_wants_certificates(const struct mdl_placement *pl);
/* A service's port as the proxy sees it: port, else the first published
 * one's container side. */
int model_service_port(const struct mdl_service *svc);

/* Fills ph->uses (in a) from its placements, once they are all made, so
 * that the questions below take a look-up instead of a search of the
 * phase; nservices: the project's declarations. */
void model_phase_index(struct arena *a, struct mdl_phase *ph, size_t nservices);
/* Does more than one placement of ph run decl? */
bool model_runs_several(const struct mdl_phase *ph, const struct mdl_service *decl);

/* Does phase ph use the private network: more than one server. */
bool model_networked(const struct mdl_phase *ph);
/* The copy of declaration decl that pl runs (the first), or NULL. */
const struct mdl_service *model_copy_on(const struct mdl_placement *pl,
					const struct mdl_service *decl);
/* The placements of ph that run decl, in phase order, into out (room for
 * ph->nplacements); their count. */
size_t model_placements_of(const struct mdl_phase *ph, const struct mdl_service *decl,
			   const struct mdl_placement **out);
/* Where service s of pl reaches a service it needs on another server:
 * the first other placement of ph that runs decl, or NULL when decl runs
 * on pl itself or nowhere in ph. */
const struct mdl_placement *model_remote(const struct mdl_phase *ph,
					 const struct mdl_placement *pl,
					 const struct mdl_service *decl);
/*
 * The port that service s (a copy that pl runs) publishes on pl's private
 * address only, or 0: its `port`, when a service on another server of ph
 * needs it or when it runs on several servers and serves a domain (the
 * proxies balance across them).  0 when it publishes that port publicly.
 */
int model_private_port(const struct mdl_phase *ph, const struct mdl_placement *pl,
		       const struct mdl_service *s);
/* "10.0.0.2" for ip (host byte order), into buf; buf. */
const char *model_fmt_ip(char buf[16], uint32_t ip);
/* "10.0.0.0/16" into buf (room for 19 and a NUL); buf. */
const char *model_fmt_cidr(char buf[20], uint32_t base, int prefix);
/* Parses "A.B.C.D/N" into *base and *prefix; false when malformed. */
bool model_parse_cidr(const char *s, uint32_t *base, int *prefix);

#endif
