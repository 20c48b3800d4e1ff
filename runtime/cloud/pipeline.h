/*
 * pipeline: one run of build, plan or apply, stage by stage.
 *
 *   compile -> phase -> artefacts -> desired -> state -> images -> plan
 *
 * Each stage is a function that fills its part of struct pipeline from
 * the stages before it; a command calls the ones it needs in this order
 * and prints what they report (diagnostics in c.diags and art_diags,
 * everything else as a struct error).  The pipeline owns all it holds
 * (the compilation's arena, the API client) until pipeline_release.
 */
#ifndef INFRAC_PIPELINE_H
#define INFRAC_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>

#include "compile.h"
#include "desired.h"
#include "digest.h"
#include "emit.h"
#include "error.h"
#include "http.h"
#include "plan.h"
#include "state.h"

struct pipeline {
	struct compilation c;
	const struct mdl_phase *phase;  /* NULL: every phase (build) */
	struct emit_output art;
	struct diag_list art_diags;     /* the build's own; check's are in c.diags */
	struct desired want;
	struct http_client hc;
	bool online;                    /* hc is set up: state comes from the API */
	struct state state;
	/* images: the warning naming the images whose digest is not known,
	 * and why (the plan gets it); NULL: none */
	const char *images_warning;
	struct plan plan;
	char src_sha[DIGEST_HEX];       /* of the source text */
	char fingerprint[DIGEST_HEX];   /* of the state read */
};

/* compile: the file at path.  false when it has errors (in c.diags). */
bool pipeline_compile(struct pipeline *pl, const char *path);

/*
 * phase: the one named, else the one running at DATE (YYYY-MM[-DD]),
 * else on INFRAC_TODAY or today.  false with err naming the phases.
 */
bool pipeline_phase(struct pipeline *pl, const char *name, const char *at, struct error *err);

/* artefacts: what build writes for the phase (or every phase); false
 * when there is an error (in art_diags). */
bool pipeline_artefacts(struct pipeline *pl);

/* desired: the resources the phase wants at Hetzner. */
void pipeline_desire(struct pipeline *pl);

/* The API client for token at endpoint (NULL: the public API); trace:
 * --debug, or NULL.  false with err set. */
bool pipeline_connect(struct pipeline *pl, const char *token, const char *endpoint,
		      FILE *trace, struct error *err);

/* state: read from the API when connected (with the snapshot price when
 * the desired state allows data loss), else an empty project
 * (offline); then its fingerprint.  false with err set. */
bool pipeline_observe(struct pipeline *pl, struct error *err);

/*
 * images: the digest each distinct image of the phase's services points
 * to now, asked of its registry once (registry.h), into the services'
 * digest.  Online only (offline plans skip it), and not when
 * INFRAC_REGISTRY=off; INFRAC_REGISTRY_MIRROR is asked for Docker Hub
 * images.  Never fails: an image that cannot be looked up keeps digest
 * NULL and is named in images_warning, with why.
 */
void pipeline_images(struct pipeline *pl);

/* plan: the diff of desired and state, with images_warning among its
 * warnings. */
void pipeline_plan(struct pipeline *pl);

/* plan, for infrac destroy (teardown.h): every resource of the project,
 * or (only_phase) what only the phase has. */
void pipeline_teardown(struct pipeline *pl, bool only_phase);

/* Frees all the stages made (the client, the compilation and its arena,
 * where every stage's data lives). */
void pipeline_release(struct pipeline *pl);

#endif
