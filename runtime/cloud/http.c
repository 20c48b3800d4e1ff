#include "http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "xalloc.h"

#define HTTP_MAX_BODY ((size_t)64 << 20)
#define HTTP_MAX_HEADERS ((size_t)64 << 10) /* kept of an answer's headers */

/* The environment's value of name in [min, max] milliseconds, else def:
 * tests make faults fast with these. */
static int64_t http_env_ms(const char *name, int64_t def, int64_t min, int64_t max)
{
	const char *env = getenv(name);
	if (!env || !*env)
		return def;
	char *end;
	long long v = strtoll(env, &end, 10);
	return !*end && v >= min && v <= max ? v : def;
}

void http_retry_default(struct http_retry *r)
{
	r->max_tries = 5;
	r->base_ms = http_env_ms("INFRAC_HTTP_BACKOFF_MS", 500, 0, 60000);
	r->cap_ms = 10000;
	r->deadline_ms = http_env_ms("INFRAC_HTTP_DEADLINE_MS", 40000, 1, 600000);
}

static int64_t http_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pthread_once_t http_curl_once = PTHREAD_ONCE_INIT;
static bool http_curl_ok;

/* curl_global_init, once for the process: libcurl wants it once, and it is
 * never undone (clients come and go on several threads). */
static void http_curl_global(void)
{
	http_curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/* libcurl set up; false with err (may be NULL) set when it could not be. */
static bool http_curl_ready(struct error *err)
{
	pthread_once(&http_curl_once, http_curl_global);
	if (http_curl_ok)
		return true;
	if (err)
		error_set(err, "libcurl failed to initialise");
	return false;
}

/* Is host, as curl's parser gives it, one curl connects to on this
 * machine: 127.0.0.0/8 (curl has already turned 127.1 and 2130706433
 * into dotted quads), [::1] or localhost, which curl resolves itself. */
static bool http_host_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	size_t n = strlen(host);
	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n < 3 || host[0] != '[' || host[n - 1] != ']' || n - 2 >= INET6_ADDRSTRLEN)
		return false;
	char bare[INET6_ADDRSTRLEN];
	memcpy(bare, host + 1, n - 2);
	bare[n - 2] = '\0';
	return inet_pton(AF_INET6, bare, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* Is part absent from h (curl_url_get says so)? */
static bool http_url_lacks(CURLU *h, CURLUPart part)
{
	char *v = NULL;
	CURLUcode rc = curl_url_get(h, part, &v, 0);
	curl_free(v);
	return rc != CURLUE_OK;
}

/*
 * The decision is taken on curl's own parse of the URL, the one it
 * connects by: a hand-made parser disagrees with curl about
 * "http://127.0.0.1:80@evil.example/" and sends the token to evil.example.
 * On success norm (may be NULL) gets curl's rendering of the URL.
 */
static bool http_url_check(const char *url, struct strbuf *norm)
{
	if (!http_curl_ready(NULL))
		return false;
	CURLU *h = curl_url();
	if (!h)
		xalloc_die();
	char *scheme = NULL, *host = NULL, *full = NULL;
	bool ok = curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		  curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK && *host &&
		  /* userinfo travels to the server and hides the host from a reader;
		   * a query or fragment would swallow the paths appended to the base */
		  http_url_lacks(h, CURLUPART_USER) && http_url_lacks(h, CURLUPART_PASSWORD) &&
		  http_url_lacks(h, CURLUPART_OPTIONS) && http_url_lacks(h, CURLUPART_ZONEID) &&
		  http_url_lacks(h, CURLUPART_QUERY) && http_url_lacks(h, CURLUPART_FRAGMENT) &&
		  (!strcmp(scheme, "https") || (!strcmp(scheme, "http") && http_host_loopback(host))) &&
		  curl_url_get(h, CURLUPART_URL, &full, 0) == CURLUE_OK;
	if (ok && norm)
		strbuf_addstr(norm, full);
	curl_free(scheme);
	curl_free(host);
	curl_free(full);
	curl_url_cleanup(h);
	return ok;
}

bool http_url_allowed(const char *url)
{
	return http_url_check(url, NULL);
}

/*
 * The jitter's seed.  Time and pid are the same for every client of one
 * apply made in the same millisecond, so its retry workers backed off in
 * step; the kernel's generator is not.  Never 0: xorshift stays at 0.
 */
static unsigned http_seed(void)
{
	unsigned seed = 0;
	ssize_t n;
	do
		n = getrandom(&seed, sizeof(seed), GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(seed)) {
		/* no entropy yet (early boot): still differ from the last client */
		static _Atomic unsigned counter;
		seed = (unsigned)clock_mono_ms() ^ ((unsigned)getpid() << 16) ^
		       (++counter * 2654435761u);
	}
	return seed ? seed : 2463534242u;
}

/* A control character in the token would end the header it travels in. */
static bool http_token_ok(const char *token, struct error *err)
{
	for (const char *t = token; t && *t; t++)
		if ((unsigned char)*t <= ' ' || *t == 0x7f)
			return error_set(err, "the token holds a space or a control character");
	return true;
}

/* Frees the token, wiped: it does not lie about in freed memory. */
static void http_token_drop(struct http_client *c)
{
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
		c->token = NULL;
	}
}

bool http_client_set_token(struct http_client *c, const char *token, struct error *err)
{
	if (!http_token_ok(token, err))
		return false;
	http_token_drop(c);
	c->token = token ? xstrdup(token) : NULL;
	return true;
}

bool http_client_init(struct http_client *c, const char *base, const char *token,
		      struct error *err)
{
	memset(c, 0, sizeof(*c));
	struct strbuf norm = STRBUF_INIT;
	if (!http_curl_ready(err))
		return false;
	if (!http_url_check(base, &norm))
		return error_set(err, "endpoint '%s' refused: only https, or plain http to a "
				 "loopback address, without user, query or fragment", base);
	if (!http_token_ok(token, err)) {
		strbuf_release(&norm);
		return false;
	}
	c->curl = curl_easy_init();
	if (!c->curl) {
		strbuf_release(&norm);
		return error_set(err, "cannot set up the HTTP client (libcurl)");
	}
	/* the URL as curl parsed and rendered it: requests go where it was checked */
	while (norm.len && norm.buf[norm.len - 1] == '/')
		strbuf_setlen(&norm, norm.len - 1);
	c->base = strbuf_detach(&norm, NULL);
	c->token = token ? xstrdup(token) : NULL;
	c->timeout_ms = http_env_ms("INFRAC_HTTP_TIMEOUT_MS", 15000, 1, 600000);
	c->connect_timeout_ms = c->timeout_ms < 10000 ? c->timeout_ms : 10000;
	http_retry_default(&c->retry);
	c->rl_limit = c->rl_remaining = -1;
	c->rl_reset = -1;
	c->rng = http_seed();
	return true;
}

void http_client_release(struct http_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	http_token_drop(c);
	free(c->base);
	memset(c, 0, sizeof(*c));
}

int64_t http_backoff_ms(const struct http_retry *r, int retry, unsigned rnd)
{
	int64_t ceil = r->base_ms;
	for (int i = 1; i < retry && ceil < r->cap_ms; i++)
		ceil *= 2;
	if (ceil > r->cap_ms)
		ceil = r->cap_ms;
	if (ceil <= 0)
		return 0;
	return (int64_t)(rnd % (unsigned)(ceil + 1));
}

int64_t http_pace_ms(const struct http_client *c, int64_t now)
{
	if (c->rl_limit <= 0 || c->rl_remaining < 0 || c->rl_reset < 0)
		return 0;
	if (c->rl_remaining >= 10 && c->rl_remaining * 20 >= c->rl_limit)
		return 0;
	/* the bucket refills by rl_limit an hour: wait for the one token this
	 * request takes, so the bucket stops draining; never past the reset */
	int64_t per = 3600000 / c->rl_limit;
	int64_t left = c->rl_reset * 1000 - now;
	if (left <= 0)
		return 0;
	if (per > left)
		per = left;
	return per > 10000 ? 10000 : per;
}

bool http_retryable(long status, const char *code)
{
	if (status == 0 || status == 429 || status == 502 || status == 503 || status == 504)
		return true;
	if (code && !strcmp(code, "timeout"))
		return true;
	return status == 409 && code && !strcmp(code, "conflict");
}

/* ---- redaction ------------------------------------------------------------ */

static bool http_secret_key(const char *k)
{
	static const char *const keys[] = { "user_data", "root_password", "token", "password",
					    "tsig_key", NULL };
	for (const char *const *s = keys; *s; s++)
		if (!strcmp(k, *s))
			return true;
	return false;
}

static void http_redact_json(json_object *o)
{
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			if (http_secret_key(k) && !json_object_is_type(v, json_type_null))
				json_object_object_add(o, k, json_object_new_string("<redacted>"));
			else
				http_redact_json(v);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			http_redact_json(json_object_array_get_idx(o, i));
	}
}

void http_redact_body(const char *text, const char *secret, struct strbuf *out)
{
	json_object *o = json_tokener_parse(text);
	const char *src = text;
	if (o) {
		http_redact_json(o);
		src = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE);
	}
	http_redact_secret(src, secret, out);
	if (o)
		json_object_put(o);
}

void http_redact_secret(const char *text, const char *secret, struct strbuf *out)
{
	size_t sl = secret ? strlen(secret) : 0;
	const char *hit;
	while (sl && (hit = strstr(text, secret))) {
		strbuf_add(out, text, (size_t)(hit - text));
		strbuf_addstr(out, "<redacted>");
		text = hit + sl;
	}
	strbuf_addstr(out, text);
}

/* ---- requests ------------------------------------------------------------- */

/* The answer's body, refused past HTTP_MAX_BODY. */
struct http_body {
	struct strbuf *sb;
	bool too_big;
};

static size_t http_on_body(char *data, size_t size, size_t n, void *ud)
{
	struct http_body *b = ud;
	size_t add = size * n;
	if (b->sb->len + add + 1 > HTTP_MAX_BODY) {
		b->too_big = true;
		return 0;
	}
	strbuf_add(b->sb, data, add);
	return add;
}

struct http_hdrs {
	long limit, remaining, retry_after;
	int64_t reset;
	struct strbuf *raw;   /* the answer's header lines (resp->headers) */
};

static bool http_header_is(const char *line, size_t len, const char *name, long long *val)
{
	size_t n = strlen(name);
	if (len <= n + 1 || strncasecmp(line, name, n) || line[n] != ':')
		return false;
	char tmp[32];
	size_t vl = len - n - 1;
	if (vl >= sizeof(tmp))
		vl = sizeof(tmp) - 1;
	memcpy(tmp, line + n + 1, vl);
	tmp[vl] = '\0';
	char *end;
	long long v = strtoll(tmp, &end, 10);
	if (end == tmp)
		return false;
	*val = v;
	return true;
}

static size_t http_on_header(char *data, size_t size, size_t n, void *ud)
{
	struct http_hdrs *h = ud;
	size_t len = size * n;
	long long v;
	/* a status line starts an answer: an interim one's headers are dropped */
	if (len > 5 && !strncmp(data, "HTTP/", 5))
		strbuf_reset(h->raw);
	if (h->raw->len + len <= HTTP_MAX_HEADERS)
		strbuf_add(h->raw, data, len);
	if (http_header_is(data, len, "RateLimit-Limit", &v))
		h->limit = (long)v;
	else if (http_header_is(data, len, "RateLimit-Remaining", &v))
		h->remaining = (long)v;
	else if (http_header_is(data, len, "RateLimit-Reset", &v))
		h->reset = v;
	else if (http_header_is(data, len, "Retry-After", &v))
		h->retry_after = (long)v;
	return len;
}

static unsigned http_next_rand(struct http_client *c)
{
	/* xorshift32: jitter only, not security */
	unsigned x = c->rng ? c->rng : 2463534242u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	c->rng = x;
	return x;
}

static char *http_error_code(const char *body)
{
	json_object *o = body ? json_tokener_parse(body) : NULL, *e, *code;
	char *r = NULL;
	if (o && json_object_object_get_ex(o, "error", &e) &&
	    json_object_object_get_ex(e, "code", &code) &&
	    json_object_is_type(code, json_type_string))
		r = strdup(json_object_get_string(code));
	if (o)
		json_object_put(o);
	return r;
}

static void http_trace_request(struct http_client *c, const char *method, const char *url,
			  const char *body, int attempt)
{
	if (!c->trace)
		return;
	fprintf(c->trace, "debug: %s %s%s\n", method, url, attempt > 1 ? " (retry)" : "");
	if (c->token)
		fputs("debug:   Authorization: Bearer <redacted>\n", c->trace);
	if (body) {
		struct strbuf red = STRBUF_INIT;
		http_redact_body(body, c->token, &red);
		fprintf(c->trace, "debug:   body: %s\n", red.buf);
		strbuf_release(&red);
	}
}

/* The answer's line of the trace; code comes from the answer, so it is
 * shown like any text of the API: the token removed, one line. */
static void http_trace_answer(struct http_client *c, long status, const char *code,
			      const struct error *err, int64_t ms)
{
	if (!c->trace)
		return;
	struct strbuf red = STRBUF_INIT, line = STRBUF_INIT;
	if (status) {
		strbuf_addf(&line, "debug:   -> %ld", status);
		if (code) {
			http_redact_secret(code, c->token, &red);
			strbuf_addch(&line, ' ');
			strbuf_add_escaped(&line, red.buf, red.len);
		}
		strbuf_addf(&line, " in %lld ms", (long long)ms);
	} else {
		strbuf_addf(&line, "debug:   -> no answer: %s", err->msg);
	}
	fprintf(c->trace, "%s\n", line.buf);
	strbuf_release(&red);
	strbuf_release(&line);
}

/* The request's headers; auth holds the Authorization line (wiped by
 * the caller once the request is done). */
static struct curl_slist *http_headers(const struct http_client *c, const char *body,
				       struct strbuf *auth)
{
	struct curl_slist *hl = NULL;
	struct strbuf accept = STRBUF_INIT;
	strbuf_addf(&accept, "Accept: %s", c->accept ? c->accept : "application/json");
	hl = curl_slist_append(hl, accept.buf);
	strbuf_release(&accept);
	hl = curl_slist_append(hl, "User-Agent: infrac");
	if (body)
		hl = curl_slist_append(hl, "Content-Type: application/json");
	if (c->token) {
		strbuf_addf(auth, "Authorization: Bearer %s", c->token);
		hl = curl_slist_append(hl, auth->buf);
	}
	return hl;
}

/* One attempt: status 0 on a transport error, with err set.  Returns
 * false when another try cannot help: the answer was too large (it
 * would be downloaded again, to be refused again). */
static bool http_attempt(struct http_client *c, const char *method, const char *url,
			 const char *body, int64_t left_ms, struct http_response *resp,
			 struct http_hdrs *h, struct error *err)
{
	CURL *cu = c->curl;
	struct http_body b = { &resp->body, false };
	struct strbuf auth = STRBUF_INIT;
	char cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hl = http_headers(c, body, &auth);
	curl_easy_reset(cu);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	/* HEAD: the answer has no body, whatever its Content-Length says */
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(cu, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, left_ms < c->connect_timeout_ms
							     ? (long)left_ms : c->connect_timeout_ms);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, left_ms < c->timeout_ms ? (long)left_ms
								   : c->timeout_ms);
	curl_easy_setopt(cu, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
	/* plain http goes to this machine only (http_url_check): never
	 * through a proxy from the environment, which would read the token */
	if (!strncmp(c->base, "http:", 5))
		curl_easy_setopt(cu, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, http_on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, http_on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, cerr);
	/* an announced length is refused before the body comes */
	curl_easy_setopt(cu, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_MAX_BODY);
	/* libcurl sends a request again, unasked, when a reused connection
	 * dies before any answer: the server may have acted on the first
	 * one, so a POST (creating things) goes on a connection of its own */
	if (!strcmp(method, "POST"))
		curl_easy_setopt(cu, CURLOPT_FRESH_CONNECT, 1L);
	if (body) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	c->requests++;
	CURLcode rc = curl_easy_perform(cu);
	curl_slist_free_all(hl);
	strbuf_wipe(&auth);
	resp->status = 0;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &resp->status);
		return true;
	}
	strbuf_release(&resp->body);
	if (b.too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return error_set(err, "answer larger than %zu MiB", HTTP_MAX_BODY >> 20);
	error_set(err, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
	return true;
}

/* The wait before try number try + 1 after an answer resp (status 0:
 * none): the backoff, lengthened by Retry-After and by the rate limit
 * after a 429, at most the cap. */
static int64_t http_retry_wait(struct http_client *c, int try, const struct http_response *resp)
{
	int64_t wait = http_backoff_ms(&c->retry, try, http_next_rand(c));
	if (resp->retry_after > 0 && resp->retry_after * 1000 > wait)
		wait = resp->retry_after * 1000;
	if (resp->status == 429 && c->rl_reset > 0 && c->rl_limit > 0) {
		int64_t per = http_pace_ms(c, http_now_ms());
		if (per > wait)
			wait = per;
	}
	return wait > c->retry.cap_ms ? c->retry.cap_ms : wait;
}

/* Is there time before deadline for another try after waiting ms? */
static bool http_time_after(int64_t ms, int64_t deadline)
{
	return clock_mono_ms() + (ms > 0 ? ms : 0) < deadline;
}

bool http_request(struct http_client *c, const char *method, const char *path,
		  const char *body, struct http_response *resp, struct error *err)
{
	memset(resp, 0, sizeof(*resp));
	strbuf_init(&resp->body, 0);
	strbuf_init(&resp->headers, 0);
	resp->retry_after = -1;
	struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "%s%s", c->base, path);
	/* a transport error after sending a POST may have created something */
	bool idempotent = strcmp(method, "POST") != 0, again = false;
	/* one clock for the tries and the waits between them: a dead endpoint
	 * costs the deadline, not tries times the timeout plus the waits */
	int64_t start = clock_mono_ms(), deadline = start + c->retry.deadline_ms;
	int try;
	for (try = 1;; try++) {
		int64_t pace = http_pace_ms(c, http_now_ms());
		if (pace > 0) {
			if (try > 1 && !http_time_after(pace, deadline))
				break;
			if (c->trace)
				fprintf(c->trace, "debug: rate limit low (%ld of %ld left), waiting %lld ms\n",
					c->rl_remaining, c->rl_limit, (long long)pace);
			clock_sleep_ms(pace);
		}
		struct http_hdrs h = { -1, -1, -1, -1, &resp->headers };
		http_trace_request(c, method, url.buf, body, try);
		int64_t t0 = clock_mono_ms();
		http_response_release(resp);
		error_release(err);
		bool retry_may_help = http_attempt(c, method, url.buf, body,
						   deadline - t0 > 1 ? deadline - t0 : 1, resp, &h, err);
		resp->retry_after = h.retry_after;
		if (h.limit >= 0)
			c->rl_limit = h.limit;
		if (h.remaining >= 0)
			c->rl_remaining = h.remaining;
		if (h.reset >= 0)
			c->rl_reset = h.reset;
		char *code = resp->status >= 400 ? http_error_code(resp->body.buf) : NULL;
		http_trace_answer(c, resp->status, code, err, clock_mono_ms() - t0);
		again = retry_may_help && http_retryable(resp->status, code) &&
			(resp->status || idempotent);
		free(code);
		int64_t wait = again ? http_retry_wait(c, try, resp) : 0;
		if (!again || try >= c->retry.max_tries || !http_time_after(wait, deadline))
			break;
		if (c->trace)
			fprintf(c->trace, "debug:   retrying in %lld ms\n", (long long)wait);
		clock_sleep_ms(wait);
	}
	if (!resp->status && again) {
		int64_t ms = clock_mono_ms() - start;
		error_wrap(err, "gave up after %d %s in %lld.%lld s", try, try == 1 ? "try" : "tries",
			   (long long)(ms / 1000), (long long)(ms % 1000 / 100));
	}
	strbuf_release(&url);
	return resp->status != 0;
}

void http_response_release(struct http_response *resp)
{
	strbuf_release(&resp->body);
	strbuf_release(&resp->headers);
}

bool http_response_header(const struct http_response *resp, const char *name,
			  struct strbuf *out)
{
	size_t n = strlen(name);
	const char *line = resp->headers.buf, *found = NULL, *found_end = NULL;
	while (*line) {
		const char *end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if ((size_t)(end - line) > n && !strncasecmp(line, name, n) && line[n] == ':') {
			found = line + n + 1;
			found_end = end;
		}
		line = *end ? end + 1 : end;
	}
	if (!found)
		return false;
	while (found < found_end && (*found == ' ' || *found == '\t'))
		found++;
	while (found_end > found && (found_end[-1] == '\r' || found_end[-1] == ' ' ||
				     found_end[-1] == '\t'))
		found_end--;
	strbuf_add(out, found, (size_t)(found_end - found));
	return true;
}
