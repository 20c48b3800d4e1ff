/*
 * rotate: what makes a deployed server out of date although its files
 * are the same: a rotated secret, an image tag that now points to
 * another image, a forced redeploy; and, per service, whether its
 * containers restart, are handed over without downtime, start or stop.
 *
 * What a server runs is recorded in its Hetzner labels after each
 * deploy (apply sets them only after the deploy succeeded):
 *
 *   infrac/salt            16 random hex digits, made at the first deploy
 *   infrac/secret.NAME     HMAC-SHA-256 under the salt of NAME and the
 *                          secret's value, 12 hex digits
 *   infrac/env.NAME        the same for the value of an env("NAME")
 *   infrac/def.SERVICE     SHA-256 of the service's compose entry
 *   infrac/image.SERVICE   the image's registry digest, 12 hex digits
 *
 * No secret value, and no unsalted hash of one, leaves the operator's
 * machine: the fingerprints are salted per server and cut to 48 bits.
 * A NAME or SERVICE that a label key cannot hold (over 56 characters, or
 * ending in '_') is keyed by a hash of it.
 */
#ifndef INFRAC_ROTATE_H
#define INFRAC_ROTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "desired.h"
#include "hcloud.h"

#define ROTATE_LABEL_SALT "infrac/salt"
#define ROTATE_SALT_LEN 16

/* One service whose containers change, and why. */
struct rotate_change {
	const char *service;
	const char *effect;   /* "restarts", "is handed over without downtime", ... */
	const char *why;      /* "secret PG_PASSWORD rotated; image ..." */
};

/* A fresh salt: ROTATE_SALT_LEN hex digits.  false when the system has
 * no random bytes to give. */
bool rotate_salt(char out[ROTATE_SALT_LEN + 1]);

/* At most how many labels rotate_labels adds for w. */
size_t rotate_nlabels(const struct desired_server *w);

/*
 * Adds the labels that record what w runs under salt to keys/vals (room
 * for rotate_nlabels(w)), in a; returns how many.  An image whose digest
 * is not known keeps the label it had in have (may be NULL).  salt NULL:
 * only the labels that hold nothing of a secret or env() value (def and
 * image), as a plan shows them.
 */
size_t rotate_labels(struct arena *a, const struct desired *want, const struct desired_server *w,
		     const char *salt, const struct hc_labels *have, const char **keys,
		     const char **vals);

/*
 * The services of w (deployed, with labels have) whose containers a
 * deploy changes, in a; *stale is set when have records no service (a
 * server deployed by an earlier version, which gets a deploy to be
 * sure).  Secrets and env()s are compared only where have holds a salt,
 * and a secret with no value in want not at all.
 */
size_t rotate_diff(struct arena *a, const struct desired *want, const struct desired_server *w,
		   const struct hc_labels *have, struct rotate_change **out, bool *stale);

/* The services of m that the labels have record as running (their
 * infrac/def label), in a. */
size_t rotate_recorded(struct arena *a, const struct hc_labels *have, const struct mdl_project *m,
		       const struct mdl_service ***out);

#endif
