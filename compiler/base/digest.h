/*
 * digest: SHA-256 as lowercase hex, for the artefact labels,
 * the saved plan's source hash and the state fingerprint; HMAC-SHA-256
 * for the fingerprints of secrets.
 *
 * A canonical dump is collected field by field in a strbuf: each field
 * is followed by a separator byte no name holds, so ("ab","c") and
 * ("a","bc") hash differently.
 */
#ifndef INFRAC_DIGEST_H
#define INFRAC_DIGEST_H

#include <stddef.h>

#include "strbuf.h"

#define DIGEST_HEX 65 /* 64 hex digits and the NUL */

/* SHA-256 of len bytes at data, as 64 lowercase hex digits and a NUL. */
void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX]);

/* HMAC-SHA-256 (RFC 2104) of msg under key, as hex: the salted
 * fingerprints of secret values.  Every intermediate buffer is wiped. */
void digest_hmac_sha256_hex(const void *key, size_t klen, const void *msg, size_t mlen,
			    char out[DIGEST_HEX]);

/* Fields of a canonical dump, collected in a strbuf: each is followed by
 * a separator byte no name holds.  s may be NULL (a field that is absent,
 * distinct from ""). */
void digest_put(struct strbuf *d, const char *s);
void digest_put_int(struct strbuf *d, long long v);
/* Hashes what was put and releases d. */
void digest_finish(struct strbuf *d, char out[DIGEST_HEX]);

#endif
