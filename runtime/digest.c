#include "digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
		n = 0;
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[n ? 64 : 0] = '\0';
}

void digest_put(struct digest_buf *d, const char *s)
{
	if (!s)
		s = "\x1e";
	size_t n = strlen(s);
	if (d->len + n + 2 > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4096;
		while (cap < d->len + n + 2)
			cap *= 2;
		char *p = realloc(d->p, cap);
		if (!p)
			abort();
		d->p = p;
		d->cap = cap;
	}
	memcpy(d->p + d->len, s, n);
	d->len += n;
	d->p[d->len++] = '\x1f';
}

void digest_put_int(struct digest_buf *d, long long v)
{
	char b[32];
	snprintf(b, sizeof(b), "%lld", v);
	digest_put(d, b);
}

void digest_finish(struct digest_buf *d, char out[DIGEST_HEX])
{
	digest_sha256_hex(d->p ? d->p : "", d->len, out);
	free(d->p);
	d->p = NULL;
	d->len = d->cap = 0;
}
