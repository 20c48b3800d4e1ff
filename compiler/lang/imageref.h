/*
 * imageref: a container image reference as Docker reads it,
 * [REGISTRY/]PATH[:TAG][@DIGEST] ("nginx:1.27", "ghcr.io/acme/shop:1.4",
 * "odoo@sha256:..."): the one grammar check proves an image by and the
 * registry lookups split one by.
 */
#ifndef INFRAC_IMAGEREF_H
#define INFRAC_IMAGEREF_H

#include <stdbool.h>
#include <stddef.h>

/* NULL when ref is a reference docker accepts; else what is wrong with it,
 * a static phrase that follows the reference in a message ("has no valid
 * tag after ':'"). */
const char *imageref_check(const char *ref);

/* Is d a digest as a registry gives one: "sha256:" and 64 lower-case hex
 * digits, or "sha512:" and 128? */
bool imageref_digest_ok(const char *d);

/* Docker's rule for the first component, s[0..n), of a name with a '/':
 * it names a registry when it holds a '.' or a ':', is localhost, or has
 * an upper-case letter. */
bool imageref_is_domain(const char *s, size_t n);

#endif
