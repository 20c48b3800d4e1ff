#include "rotate.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "ascii.h"
#include "digest.h"

#define ROTATE_FP_LEN 12

bool rotate_salt(char out[ROTATE_SALT_LEN + 1])
{
	unsigned char r[ROTATE_SALT_LEN / 2];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return false;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return true;
}

/* "infrac/KIND.NAME", or "infrac/KIND.h-HASH" for a name a label key
 * cannot hold. */
static const char *rotate_key(struct arena *a, const char *kind, const char *name)
{
	size_t n = strlen(name);
	bool fits = n > 0 && n + strlen(kind) + 1 <= 63 && ascii_alnum(name[n - 1]);
	for (size_t i = 0; fits && i < n; i++)
		fits = ascii_alnum(name[i]) || name[i] == '_' || name[i] == '-' || name[i] == '.';
	if (fits)
		return arena_printf(a, "infrac/%s.%s", kind, name);
	char hex[DIGEST_HEX];
	digest_sha256_hex(name, n, hex);
	return arena_printf(a, "infrac/%s.h-%.*s", kind, ROTATE_FP_LEN, hex);
}

/* The salted fingerprint of a value, as 12 hex digits in a. */
static const char *rotate_fingerprint(struct arena *a, const char *salt, const char *kind,
				      const char *name, const char *value)
{
	struct strbuf m = STRBUF_INIT;
	digest_put(&m, kind);
	digest_put(&m, name);
	digest_put(&m, value);
	char hex[DIGEST_HEX];
	digest_hmac_sha256_hex(salt, strlen(salt), m.buf, m.len, hex);
	strbuf_wipe(&m);
	return arena_strndup(a, hex, ROTATE_FP_LEN);
}

/* The 12 hex digits after "sha256:" of a digest. */
static const char *rotate_digest_short(struct arena *a, const char *digest)
{
	const char *colon = strchr(digest, ':');
	return arena_strndup(a, colon ? colon + 1 : digest, ROTATE_FP_LEN);
}

size_t rotate_nlabels(const struct desired_server *w)
{
	size_t n = 1;
	for (size_t i = 0; i < w->nservices; i++)
		n += 2 + w->services[i].nsecrets + w->services[i].nenvs;
	return n;
}

/* Adds key=val unless key is there already (secrets several services read). */
static void rotate_put(const char **keys, const char **vals, size_t *n, const char *key,
		       const char *val)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(keys[i], key))
			return;
	keys[*n] = key;
	vals[(*n)++] = val;
}

size_t rotate_labels(struct arena *a, const struct desired *want, const struct desired_server *w,
		     const char *salt, const struct hc_labels *have, const char **keys,
		     const char **vals)
{
	size_t n = 0;
	if (salt)
		rotate_put(keys, vals, &n, ROTATE_LABEL_SALT, salt);
	for (size_t i = 0; i < w->nservices; i++) {
		const struct desired_service *d = &w->services[i];
		if (d->definition[0])
			rotate_put(keys, vals, &n, rotate_key(a, "def", d->name), d->definition);
		const char *ik = rotate_key(a, "image", d->name);
		const char *iv = d->digest ? rotate_digest_short(a, d->digest)
					   : have ? hcloud_label(have, ik) : NULL;
		if (iv)
			rotate_put(keys, vals, &n, ik, iv);
		if (!salt)
			continue;
		for (size_t j = 0; j < d->nsecrets; j++) {
			const char *v = desired_secret(want, d->secrets[j]);
			if (v)
				rotate_put(keys, vals, &n, rotate_key(a, "secret", d->secrets[j]),
					   rotate_fingerprint(a, salt, "secret", d->secrets[j], v));
		}
		for (size_t j = 0; j < d->nenvs; j++)
			if (d->envs[j].value)
				rotate_put(keys, vals, &n, rotate_key(a, "env", d->envs[j].name),
					   rotate_fingerprint(a, salt, "env", d->envs[j].name,
							      d->envs[j].value));
	}
	return n;
}

/* Appends "; part" to a list of reasons. */
static const char *rotate_join(struct arena *a, const char *acc, const char *part)
{
	return acc ? arena_printf(a, "%s; %s", acc, part) : part;
}

/* Why the running containers of d differ from what the file wants. */
static const char *rotate_why(struct arena *a, const struct desired *want,
			      const struct desired_service *d, const struct hc_labels *have,
			      const char *salt)
{
	const char *why = NULL;
	const char *def = hcloud_label(have, rotate_key(a, "def", d->name));
	bool env_changed = false;
	for (size_t j = 0; salt && j < d->nenvs; j++) {
		const char *had = hcloud_label(have, rotate_key(a, "env", d->envs[j].name));
		if (had && d->envs[j].value &&
		    strcmp(had, rotate_fingerprint(a, salt, "env", d->envs[j].name, d->envs[j].value))) {
			why = rotate_join(a, why, arena_printf(a, "env(\"%s\") changed", d->envs[j].name));
			env_changed = true;
		}
	}
	if (d->definition[0] && strcmp(def, d->definition) && !env_changed)
		why = rotate_join(a, why, "its definition changed");
	const char *img = hcloud_label(have, rotate_key(a, "image", d->name));
	if (d->digest && img && strcmp(img, rotate_digest_short(a, d->digest)))
		why = rotate_join(a, why, arena_printf(a, "image %s now points to %.19s", d->image,
						       d->digest));
	for (size_t j = 0; salt && j < d->nsecrets; j++) {
		const char *v = desired_secret(want, d->secrets[j]);
		const char *had = hcloud_label(have, rotate_key(a, "secret", d->secrets[j]));
		if (v && (!had || strcmp(had, rotate_fingerprint(a, salt, "secret", d->secrets[j], v))))
			why = rotate_join(a, why, arena_printf(a, "secret %s %s", d->secrets[j],
							       had ? "rotated" : "new"));
	}
	if (desired_redeploys(want, d->name))
		why = rotate_join(a, why, "redeploy asked for");
	return why;
}

/* Services the labels record that w no longer runs. */
static void rotate_gone(struct arena *a, const struct desired_server *w,
			const struct hc_labels *have, struct rotate_change *out, size_t *n)
{
	for (size_t i = 0; i < have->n; i++) {
		if (strncmp(have->keys[i], "infrac/def.", 11))
			continue;
		const char *name = have->keys[i] + 11;
		bool runs = false;
		for (size_t j = 0; j < w->nservices; j++)
			runs |= !strcmp(rotate_key(a, "def", w->services[j].name), have->keys[i]);
		if (!runs)
			out[(*n)++] = (struct rotate_change){ name, "stops", "no longer on this server" };
	}
}

size_t rotate_diff(struct arena *a, const struct desired *want, const struct desired_server *w,
		   const struct hc_labels *have, struct rotate_change **out, bool *stale)
{
	const char *salt = hcloud_label(have, ROTATE_LABEL_SALT);
	*out = arena_calloc(a, w->nservices + have->n + 1, sizeof(**out));
	*stale = true;
	for (size_t i = 0; i < have->n; i++)
		if (!strncmp(have->keys[i], "infrac/def.", 11))
			*stale = false;
	if (*stale)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < w->nservices; i++) {
		const struct desired_service *d = &w->services[i];
		if (!hcloud_label(have, rotate_key(a, "def", d->name))) {
			(*out)[n++] = (struct rotate_change){ d->name, "starts", "new on this server" };
			continue;
		}
		const char *why = rotate_why(a, want, d, have, salt);
		if (why)
			(*out)[n++] = (struct rotate_change){
				d->name, d->handover ? "is handed over without downtime" : "restarts", why
			};
	}
	rotate_gone(a, w, have, *out, &n);
	return n;
}

size_t rotate_recorded(struct arena *a, const struct hc_labels *have, const struct mdl_project *m,
		       const struct mdl_service ***out)
{
	*out = arena_calloc(a, m->nservices + 1, sizeof(**out));
	size_t n = 0;
	for (size_t i = 0; i < m->nservices; i++)
		if (hcloud_label(have, rotate_key(a, "def", m->services[i].name)))
			(*out)[n++] = &m->services[i];
	return n;
}
