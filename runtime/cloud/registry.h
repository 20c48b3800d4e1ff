/*
 * registry: the digest an image's tag points to now, asked of its
 * registry, so that plan sees a tag pushed again (`odoo:17` pointing to
 * a new image) although the file did not change (rotate.h compares it
 * with the digest the server's labels recorded at the last deploy).
 *
 * The Docker Registry HTTP API v2 (the OCI distribution spec): HEAD
 * /v2/NAME/manifests/TAG, with the manifest types docker pulls in
 * Accept (OCI image index, Docker manifest list, Docker manifest v2, OCI
 * manifest); the digest is the answer's Docker-Content-Digest, or the
 * SHA-256 of the manifest a GET returns when the header is missing.  A
 * registry that answers 401 with a Bearer challenge (`WWW-Authenticate:
 * Bearer realm=...,service=...`) gets an anonymous token from the realm,
 * for pulling NAME only, and is asked again.  No credentials are ever
 * sent: an image whose registry wants them (a private image) is not
 * looked up, and the lookup fails saying so.  The Hetzner token is never
 * near this file: its clients are its own, without one.
 *
 * References are read as docker reads them: no registry host means
 * Docker Hub (docker.io, asked at registry-1.docker.io, or at a mirror),
 * an official image lives under library/, the tag defaults to latest;
 * a reference that holds @sha256:... is its own digest and is not asked.
 * A registry on a loopback address is asked over plain http, every other
 * one over https with verification (http_url_allowed decides).
 */
#ifndef INFRAC_REGISTRY_H
#define INFRAC_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "error.h"
#include "http.h"

#define REGISTRY_DOCKER_HUB "docker.io"
#define REGISTRY_DOCKER_HUB_URL "https://registry-1.docker.io"

/* An image reference, normalised; every string in the caller's arena. */
struct registry_ref {
	const char *domain;  /* "docker.io", "ghcr.io", "127.0.0.1:5000" */
	const char *path;    /* "library/nginx", "acme/shop" */
	const char *tag;     /* "1.27"; "latest" when none; NULL with a digest */
	const char *digest;  /* "sha256:<64 hex>" the reference holds, else NULL */
};

/*
 * Reads ref ("nginx:1.27", "ghcr.io/acme/shop:1.4", "odoo@sha256:...")
 * into out, strings in a.  false with err when ref is not a reference
 * docker would accept (upper case in the name, an empty component, a bad
 * tag or digest).
 */
bool registry_parse(struct arena *a, const char *ref, struct registry_ref *out,
		    struct error *err);

/* A Bearer challenge of a WWW-Authenticate header; strings in a. */
struct registry_challenge {
	const char *realm;   /* the token endpoint */
	const char *service; /* NULL when the challenge names none */
};

/* Reads a WWW-Authenticate value; true for a Bearer challenge with a
 * realm, false for anything else (Basic, junk). */
bool registry_challenge_parse(struct arena *a, const char *value,
			      struct registry_challenge *out);

/* Is d a digest as a registry gives one: "sha256:" and 64 lower-case hex
 * digits, or "sha512:" and 128? */
bool registry_digest_ok(const char *d);

struct registry_conn;

/*
 * A lookup session: one keep-alive client per registry and token realm
 * it asked, what each one's challenge was (later images of that registry
 * ask the realm first), and the registries that gave no answer at all
 * (not asked again in this session).  Owns its clients until
 * registry_release; results live in the arena.
 */
struct registry {
	struct arena *a;
	const char *mirror;            /* base URL asked for docker.io images; NULL: none */
	FILE *trace;                   /* --debug; NULL: off */
	int64_t deadline;              /* clock_mono_ms: no lookup starts after it */
	struct registry_conn **conns;  /* owned */
	size_t nconns;
	long requests;                 /* HTTP requests, retries included */
};

/* Starts a session whose lookups allocate in a; mirror (may be NULL or
 * "") as INFRAC_REGISTRY_MIRROR gives it; trace may be NULL.  Lookups
 * that would start more than budget_ms later fail at once. */
void registry_init(struct registry *r, struct arena *a, const char *mirror, FILE *trace,
		   int64_t budget_ms);

/*
 * The digest ref's tag points to now ("sha256:...", in r->a), or the
 * one ref holds.  NULL with err when it cannot be known: err names the
 * registry asked and why, in one line without the image (not found,
 * needs credentials, HTTP status, no answer), so that images failing
 * alike can be named together.
 */
const char *registry_digest(struct registry *r, const char *ref, struct error *err);

/* Closes the session's connections and frees its clients (their tokens
 * wiped). */
void registry_release(struct registry *r);

#endif
