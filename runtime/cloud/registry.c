#include "registry.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "clock.h"
#include "digest.h"
#include "imageref.h"
#include "xalloc.h"

/* What docker pulls: a multi-platform index first, then one manifest. */
#define REGISTRY_ACCEPT                                                      \
	"application/vnd.oci.image.index.v1+json, "                          \
	"application/vnd.docker.distribution.manifest.list.v2+json, "        \
	"application/vnd.docker.distribution.manifest.v2+json, "             \
	"application/vnd.oci.image.manifest.v1+json"

/* One registry or token realm asked in a session, by its base URL. */
struct registry_conn {
	char *base;                  /* as given; owned */
	struct http_client c;        /* set up when ok */
	bool ok;
	char *failed;                /* owned: why every lookup here fails; NULL: none */
	char *realm, *service;       /* owned: its Bearer challenge, once seen */
};

/* ---- references ------------------------------------------------------------ */

bool registry_digest_ok(const char *d)
{
	return imageref_digest_ok(d);
}

bool registry_parse(struct arena *a, const char *ref, struct registry_ref *out,
		    struct error *err)
{
	memset(out, 0, sizeof(*out));
	const char *why = imageref_check(ref);
	if (why)
		return error_set(err, "'%s' %s", ref, why);
	const char *at = strchr(ref, '@');
	char *name = arena_strndup(a, ref, at ? (size_t)(at - ref) : strlen(ref));
	if (at)
		out->digest = arena_strdup(a, at + 1);
	char *slash = strrchr(name, '/'), *colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		out->tag = colon + 1;
	} else if (!out->digest) {
		out->tag = "latest";
	}
	size_t first = strcspn(name, "/");
	const char *path = name;
	out->domain = REGISTRY_DOCKER_HUB;
	if (name[first] == '/' && imageref_is_domain(name, first)) {
		out->domain = arena_strndup(a, name, first);
		path = name + first + 1;
		if (!strcmp(out->domain, "index.docker.io"))
			out->domain = REGISTRY_DOCKER_HUB;
	}
	if (!strcmp(out->domain, REGISTRY_DOCKER_HUB) && !strchr(path, '/'))
		path = arena_printf(a, "library/%s", path);
	out->path = path;
	return true;
}

/* ---- challenges ------------------------------------------------------------ */

/* One auth-param value at *p (quoted, with backslash escapes, or a token)
 * into a; *p moves past it. */
static const char *registry_param_value(struct arena *a, const char **p)
{
	struct strbuf v = STRBUF_INIT;
	const char *s = *p;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			strbuf_addch(&v, *s);
		}
		if (*s == '"')
			s++;
	} else {
		size_t n = strcspn(s, ", \t");
		strbuf_add(&v, s, n);
		s += n;
	}
	*p = s;
	return arena_take(a, &v);
}

bool registry_challenge_parse(struct arena *a, const char *value,
			      struct registry_challenge *out)
{
	memset(out, 0, sizeof(*out));
	const char *p = value + strspn(value, " \t");
	if (strncasecmp(p, "Bearer", 6) || (p[6] != ' ' && p[6] != '\t'))
		return false;
	for (p += 6; *p;) {
		p += strspn(p, " \t,");
		size_t kn = strcspn(p, "= \t,");
		if (!kn || p[kn] != '=')
			break;
		const char *key = p;
		p += kn + 1;
		const char *val = registry_param_value(a, &p);
		if (kn == 5 && !strncasecmp(key, "realm", 5))
			out->realm = val;
		else if (kn == 7 && !strncasecmp(key, "service", 7))
			out->service = val;
	}
	return out->realm && *out->realm;
}

/* ---- connections ----------------------------------------------------------- */

void registry_init(struct registry *r, struct arena *a, const char *mirror, FILE *trace,
		   int64_t budget_ms)
{
	memset(r, 0, sizeof(*r));
	r->a = a;
	r->mirror = mirror && *mirror ? mirror : NULL;
	r->trace = trace;
	r->deadline = clock_mono_ms() + budget_ms;
}

void registry_release(struct registry *r)
{
	for (size_t i = 0; i < r->nconns; i++) {
		struct registry_conn *k = r->conns[i];
		if (k->ok) {
			r->requests += k->c.requests;
			http_client_release(&k->c);
		}
		free(k->base);
		free(k->failed);
		free(k->realm);
		free(k->service);
		free(k);
	}
	free(r->conns);
	r->conns = NULL;
	r->nconns = 0;
}

/* The host of a base URL, for messages: what follows "://". */
static const char *registry_host(const char *base)
{
	const char *s = strstr(base, "://");
	return s ? s + 3 : base;
}

/* The session's client for base, made on first use: a registry's is
 * bounded tighter than the API's (a lookup is worth a few seconds of a
 * plan, not 40).  NULL with err when base is refused. */
static struct registry_conn *registry_conn(struct registry *r, const char *base,
					   struct error *err)
{
	for (size_t i = 0; i < r->nconns; i++) {
		struct registry_conn *k = r->conns[i];
		if (strcmp(k->base, base))
			continue;
		if (!k->ok) {
			error_set(err, "%s", k->failed);
			return NULL;
		}
		return k;
	}
	struct registry_conn *k = xcalloc(1, sizeof(*k));
	k->base = xstrdup(base);
	r->conns = xrealloc(r->conns, (r->nconns + 1) * sizeof(*r->conns));
	r->conns[r->nconns++] = k;
	k->ok = http_client_init(&k->c, base, NULL, err);
	if (!k->ok) {
		struct strbuf m = STRBUF_INIT;
		error_format(err, &m);
		k->failed = strbuf_detach(&m, NULL);
		return NULL;
	}
	k->c.trace = r->trace;
	k->c.retry.max_tries = 3;
	if (k->c.retry.deadline_ms > 15000)
		k->c.retry.deadline_ms = 15000;
	if (k->c.timeout_ms > 10000)
		k->c.timeout_ms = 10000;
	if (k->c.connect_timeout_ms > 5000)
		k->c.connect_timeout_ms = 5000;
	return k;
}

/* The base URL a reference's registry is asked at. */
static const char *registry_base(struct registry *r, const struct registry_ref *rf)
{
	if (!strcmp(rf->domain, REGISTRY_DOCKER_HUB))
		return r->mirror ? r->mirror : REGISTRY_DOCKER_HUB_URL;
	/* docker, too, speaks plain http to a registry on this machine */
	const char *host = rf->domain;
	bool loopback = !strncmp(host, "localhost", 9) || !strncmp(host, "127.", 4) ||
			!strncmp(host, "[::1]", 5);
	return arena_printf(r->a, "%s://%s", loopback ? "http" : "https", host);
}

/* ---- tokens ---------------------------------------------------------------- */

/* s percent-encoded for a query, RFC 3986's unreserved characters kept. */
static void registry_escape(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (ascii_alnum(*s) || strchr("-._~", *s))
			strbuf_addch(out, *s);
		else
			strbuf_addf(out, "%%%02X", (unsigned char)*s);
	}
}

/* The token of a realm's answer ("token", else "access_token"), into tok. */
static bool registry_token_of(const char *body, struct strbuf *tok)
{
	json_object *o = json_tokener_parse(body), *v;
	bool ok = false;
	if (o && ((json_object_object_get_ex(o, "token", &v) &&
		   json_object_is_type(v, json_type_string) && json_object_get_string_len(v)) ||
		  (json_object_object_get_ex(o, "access_token", &v) &&
		   json_object_is_type(v, json_type_string) && json_object_get_string_len(v)))) {
		strbuf_addstr(tok, json_object_get_string(v));
		ok = true;
	}
	json_object_put(o);
	return ok;
}

/*
 * An anonymous token for pulling path from the realm of k's challenge,
 * set on k's client.  The realm is asked like any endpoint
 * (http_url_allowed: https, or plain http on this machine only), and
 * over https when the registry was.
 */
static bool registry_token(struct registry *r, struct registry_conn *k, const char *path,
			   struct error *err)
{
	/* a registry met over https does not send infrac to plain http, even
	 * on this machine */
	if (!strncmp(k->base, "https:", 6) && strncmp(k->realm, "https:", 6))
		return error_set(err, "%s: token realm is not https", registry_host(k->base));
	struct registry_conn *realm = registry_conn(r, k->realm, err);
	if (!realm)
		return error_wrap(err, "%s: token realm", registry_host(k->base));
	struct strbuf q = STRBUF_INIT, tok = STRBUF_INIT;
	char sep = '?';
	if (k->service) {
		strbuf_addstr(&q, "?service=");
		registry_escape(&q, k->service);
		sep = '&';
	}
	strbuf_addf(&q, "%cscope=", sep);
	registry_escape(&q, arena_printf(r->a, "repository:%s:pull", path));
	struct http_response resp;
	bool ok = http_request(&realm->c, "GET", q.buf, NULL, &resp, err);
	if (!ok)
		error_wrap(err, "%s: token realm %s", registry_host(k->base), registry_host(k->realm));
	/* an answer is about this repository only (a private one among public
	 * ones): error_http, so the registry is asked for the next images */
	else if (resp.status != 200)
		ok = error_http(err, resp.status, NULL, "%s: no anonymous token (HTTP %ld): needs "
				"credentials, which infrac does not send", registry_host(k->base),
				resp.status);
	else if (!registry_token_of(resp.body.buf, &tok))
		ok = error_http(err, resp.status, NULL, "%s: the token realm's answer holds no token",
				registry_host(k->base));
	else
		ok = http_client_set_token(&k->c, tok.buf, err);
	strbuf_wipe(&resp.body);
	http_response_release(&resp);
	strbuf_wipe(&tok);
	strbuf_release(&q);
	return ok;
}

/* ---- manifests ------------------------------------------------------------- */

/* The digest of a 200 answer: its header, else the SHA-256 of the
 * manifest a GET returns.  NULL with err. */
static const char *registry_answer_digest(struct registry *r, struct registry_conn *k,
					  const char *path, struct http_response *resp,
					  struct error *err)
{
	struct strbuf d = STRBUF_INIT;
	if (http_response_header(resp, "Docker-Content-Digest", &d) && registry_digest_ok(d.buf))
		return arena_take(r->a, &d);
	strbuf_release(&d);
	http_response_release(resp);
	if (!http_request(&k->c, "GET", path, NULL, resp, err)) {
		error_wrap(err, "%s", registry_host(k->base));
		return NULL;
	}
	if (resp->status != 200) {
		error_set(err, "%s: HTTP %ld", registry_host(k->base), resp->status);
		return NULL;
	}
	char hex[DIGEST_HEX];
	digest_sha256_hex(resp->body.buf, resp->body.len, hex);
	return arena_printf(r->a, "sha256:%s", hex);
}

/* HEAD of path, asking for a token first when k's challenge is known,
 * and once more after a 401 that brings the challenge.  false when no
 * answer came, or no token. */
static bool registry_head(struct registry *r, struct registry_conn *k, const char *repo,
			  const char *path, struct http_response *resp, struct error *err)
{
	memset(resp, 0, sizeof(*resp));
	bool tokened = k->realm != NULL;
	if (tokened ? !registry_token(r, k, repo, err) : !http_client_set_token(&k->c, NULL, err))
		return false;
	if (!http_request(&k->c, "HEAD", path, NULL, resp, err))
		return error_wrap(err, "%s", registry_host(k->base));
	struct strbuf wa = STRBUF_INIT;
	struct registry_challenge ch;
	if (resp->status == 401 && !tokened && http_response_header(resp, "WWW-Authenticate", &wa) &&
	    registry_challenge_parse(r->a, wa.buf, &ch)) {
		k->realm = xstrdup(ch.realm);
		k->service = ch.service ? xstrdup(ch.service) : NULL;
		http_response_release(resp);
		bool ok = registry_token(r, k, repo, err) &&
			  (http_request(&k->c, "HEAD", path, NULL, resp, err) ||
			   error_wrap(err, "%s", registry_host(k->base)));
		strbuf_release(&wa);
		return ok;
	}
	strbuf_release(&wa);
	return true;
}

/* The digest rf's tag points to at k.  NULL with err. */
static const char *registry_manifest(struct registry *r, struct registry_conn *k,
				     const struct registry_ref *rf, struct error *err)
{
	const char *path = arena_printf(r->a, "/v2/%s/manifests/%s", rf->path, rf->tag);
	const char *host = registry_host(k->base);
	struct http_response resp;
	k->c.accept = REGISTRY_ACCEPT;
	const char *digest = NULL;
	if (!registry_head(r, k, rf->path, path, &resp, err)) {
		/* no answer at all (or a realm infrac does not ask): the next
		 * images here would fail the same */
		if (!error_status(err)) {
			struct strbuf m = STRBUF_INIT;
			error_format(err, &m);
			k->failed = strbuf_detach(&m, NULL);
		}
	} else if (resp.status == 200) {
		digest = registry_answer_digest(r, k, path, &resp, err);
	} else if (resp.status == 401) {
		error_set(err, "%s: needs credentials, which infrac does not send", host);
	} else if (resp.status == 404) {
		error_set(err, "%s: not found (HTTP 404)", host);
	} else {
		error_set(err, "%s: HTTP %ld", host, resp.status);
	}
	http_response_release(&resp);
	return digest;
}

const char *registry_digest(struct registry *r, const char *ref, struct error *err)
{
	struct registry_ref rf;
	if (!registry_parse(r->a, ref, &rf, err))
		return NULL;
	if (rf.digest)
		return rf.digest;
	const char *base = registry_base(r, &rf);
	struct registry_conn *k = registry_conn(r, base, err);
	if (!k) {
		if (base == r->mirror)
			error_wrap(err, "INFRAC_REGISTRY_MIRROR");
		return NULL;
	}
	if (k->failed) {
		error_set(err, "%s", k->failed);
		return NULL;
	}
	if (clock_mono_ms() > r->deadline) {
		error_set(err, "%s: not asked, the lookups took too long", registry_host(base));
		return NULL;
	}
	return registry_manifest(r, k, &rf, err);
}
