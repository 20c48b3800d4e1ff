#include "digest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * SHA-256 as FIPS 180-4 defines it.  The hashes name content (artefacts,
 * sources, observed state); they guard against change, not against an
 * attacker, and a few lines here spare every command loading libcrypto.
 * tests/unit/test_digest.c checks it against the standard's examples.
 */
static const uint32_t digest_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t digest_rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* One 64-byte block into the state h. */
static void digest_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64];
	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
		       (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = digest_rotr(w[t - 15], 7) ^ digest_rotr(w[t - 15], 18) ^
			      (w[t - 15] >> 3);
		uint32_t s1 = digest_rotr(w[t - 2], 17) ^ digest_rotr(w[t - 2], 19) ^
			      (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
	for (int t = 0; t < 64; t++) {
		uint32_t t1 = k + (digest_rotr(e, 6) ^ digest_rotr(e, 11) ^ digest_rotr(e, 25)) +
			      ((e & f) ^ (~e & g)) + digest_k[t] + w[t];
		uint32_t t2 = (digest_rotr(a, 2) ^ digest_rotr(a, 13) ^ digest_rotr(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += k;
}

/* SHA-256 of len bytes at data, the 32 bytes of it into out. */
static void digest_sha256(const void *data, size_t len, unsigned char out[32])
{
	uint32_t h[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	const unsigned char *p = data;
	size_t left = len;
	for (; left >= 64; p += 64, left -= 64)
		digest_block(h, p);
	/* the tail, a 1 bit, zeros, and the length in bits (big-endian) */
	unsigned char last[128] = { 0 };
	if (left)
		memcpy(last, p, left);
	last[left] = 0x80;
	size_t n = left < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		last[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	digest_block(h, last);
	if (n == 128)
		digest_block(h, last + 64);
	explicit_bzero(last, sizeof(last));
	for (int i = 0; i < 32; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static void digest_hex(const unsigned char d[32], char out[DIGEST_HEX])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX])
{
	unsigned char d[32];
	digest_sha256(data, len, d);
	digest_hex(d, out);
}

void digest_hmac_sha256_hex(const void *key, size_t klen, const void *msg, size_t mlen,
			    char out[DIGEST_HEX])
{
	unsigned char k[64] = { 0 }, inner[32];
	if (klen > 64)
		digest_sha256(key, klen, k);
	else if (klen)
		memcpy(k, key, klen);
	/* (K ^ ipad) || msg, then (K ^ opad) || H(inner) */
	struct strbuf b = STRBUF_INIT;
	for (int i = 0; i < 64; i++)
		strbuf_addch(&b, (char)(k[i] ^ 0x36));
	strbuf_add(&b, msg, mlen);
	digest_sha256(b.buf, b.len, inner);
	strbuf_wipe(&b);
	for (int i = 0; i < 64; i++)
		strbuf_addch(&b, (char)(k[i] ^ 0x5c));
	strbuf_add(&b, inner, sizeof(inner));
	digest_sha256(b.buf, b.len, inner);
	strbuf_wipe(&b);
	explicit_bzero(k, sizeof(k));
	digest_hex(inner, out);
}

void digest_put(struct strbuf *d, const char *s)
{
	/* an absent field (NULL) differs from an empty one */
	strbuf_addstr(d, s ? s : "\x1e");
	strbuf_addch(d, '\x1f');
}

void digest_put_int(struct strbuf *d, long long v)
{
	strbuf_addf(d, "%lld", v);
	strbuf_addch(d, '\x1f');
}

void digest_finish(struct strbuf *d, char out[DIGEST_HEX])
{
	digest_sha256_hex(d->buf, d->len, out);
	strbuf_release(d);
}
