/*
 * digest: SHA-256 as lowercase hex, for the artefact labels,
 * the saved plan's source hash and the state fingerprint.
 *
 * A digest_buf collects a canonical dump, field by field: each field is
 * followed by a separator byte no name holds, so ("ab","c") and
 * ("a","bc") hash differently.
 */
#ifndef INFRAC_DIGEST_H
#define INFRAC_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX 65 /* 64 hex digits and the NUL */

void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX]);

struct digest_buf {
	char *p;
	size_t len, cap;
};

/* s may be NULL (a field that is absent, distinct from ""). */
void digest_put(struct digest_buf *d, const char *s);
void digest_put_int(struct digest_buf *d, long long v);
/* Hashes what was put and frees the buffer. */
void digest_finish(struct digest_buf *d, char out[DIGEST_HEX]);

#endif
