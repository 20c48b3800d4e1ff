/*
 * http: the one place that talks HTTP (libcurl).
 *
 * A client holds the base URL, the bearer token, timeouts, the retry
 * policy and what the server last said about its rate limit.  Requests
 * are retried on 429, 409 conflict, 502/503/504, the `timeout` error
 * code and transport errors, with exponential backoff and full jitter,
 * bounded in tries and by a deadline on the whole request (the tries'
 * time counts, not only the waits).  When RateLimit-Remaining runs low
 * the client paces itself until RateLimit-Reset instead of running into
 * 429s.
 *
 * The token never leaves this file except in the Authorization header:
 * the debug trace prints `Bearer <redacted>` and redacts secret fields
 * of bodies (http_redact_body).
 */
#ifndef INFRAC_HTTP_H
#define INFRAC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "strbuf.h"

struct http_retry {
	int max_tries;        /* first try included */
	int64_t base_ms;      /* first backoff; doubles each retry */
	int64_t cap_ms;       /* one backoff never exceeds this */
	int64_t deadline_ms;  /* the whole request: its tries and the waits between */
};

struct http_client {
	char *base;           /* "https://api.hetzner.cloud/v1", no trailing slash */
	char *token;          /* NULL = no Authorization header */
	long connect_timeout_ms; /* one try's; never more than the time left */
	long timeout_ms;         /* one try's; never more than the time left */
	struct http_retry retry;
	FILE *trace;          /* --debug: one line per request, redacted; NULL = off */
	/* rate-limit state, from the last answer's headers; -1 = not seen */
	long rl_limit, rl_remaining;
	int64_t rl_reset;     /* Unix seconds */
	unsigned rng;         /* jitter (xorshift32), seeded from getrandom: never 0 */
	long requests;        /* HTTP requests sent, retries included */
	/* the Accept header's value, not owned; NULL = application/json */
	const char *accept;
	void *curl;           /* the reused easy handle: keep-alive */
};

struct http_response {
	long status;          /* 0 = no answer (transport error) */
	struct strbuf body;   /* owned: http_response_release */
	struct strbuf headers; /* the answer's header lines as they came, up to
				* 64 KiB; owned: http_response_release */
	long retry_after;     /* seconds; -1 = absent */
};

/* The defaults: 5 tries, 500 ms doubling to at most 10 s, 40 s for the
 * whole request.  INFRAC_HTTP_BACKOFF_MS overrides the base and
 * INFRAC_HTTP_DEADLINE_MS the deadline (tests keep fault runs fast). */
void http_retry_default(struct http_retry *r);

/*
 * Sets up a client for base (HCLOUD_ENDPOINT or the public API), each
 * try at most 15 s (INFRAC_HTTP_TIMEOUT_MS overrides it), 10 s of it to
 * connect, and the retry policy of http_retry_default; the
 * client keeps its own copies of base (as curl renders it) and token,
 * released (the token wiped) by http_client_release.  Refuses a base
 * http_url_allowed refuses, and a token that could not travel in a
 * header: false with err set, and nothing to release.
 */
bool http_client_init(struct http_client *c, const char *base, const char *token,
		      struct error *err);
/* Replaces the client's bearer token (NULL: none), the old one wiped; a
 * token that could not travel in a header is refused (false, err set,
 * the old one kept). */
bool http_client_set_token(struct http_client *c, const char *token, struct error *err);
/* Frees the client (wiping the token); c is empty after. */
void http_client_release(struct http_client *c);

/*
 * method "GET"/"HEAD"/"POST"/...; path starts with '/' (or '?', for a
 * base that is a whole endpoint) and may hold a query;
 * body NULL or JSON.  Fills resp, which the caller releases with
 * http_response_release whatever the result.  Returns false only when no
 * answer came at all after the retries (resp->status 0, err says why:
 * "gave up after N tries in S s: " and the last try's failure), at the
 * latest c->retry.deadline_ms after the call; an HTTP error status
 * returns true with that status.
 */
bool http_request(struct http_client *c, const char *method, const char *path,
		  const char *body, struct http_response *resp, struct error *err);
/* Frees the body and the headers. */
void http_response_release(struct http_response *resp);
/* Appends to out the value of the answer's header name (case-insensitive;
 * the last one when it came twice), without surrounding blanks; false
 * when the answer has none. */
bool http_response_header(const struct http_response *resp, const char *name,
			  struct strbuf *out);

/*
 * Is url allowed as the API's base, judged on curl's own parse of it
 * (the host curl connects to): https anywhere; plain http only to
 * 127.0.0.0/8, [::1] or localhost; never with userinfo (user, password,
 * login options), an IPv6 zone, a query or a fragment.
 */
bool http_url_allowed(const char *url);

/*
 * The wait before retry number `retry` (1 = first retry): a uniform
 * random value in [0, min(cap, base * 2^(retry-1))], from rnd.
 */
int64_t http_backoff_ms(const struct http_retry *r, int retry, unsigned rnd);

/*
 * How long to wait before the next request to stay under the rate limit,
 * given the state of c at Unix time now (ms): 0 while plenty is left,
 * else the time the bucket takes to refill by one request (the limit is
 * per hour), at most until the reset and at most 10 s.
 */
int64_t http_pace_ms(const struct http_client *c, int64_t now_ms);

/* Should this answer be tried again?  code is the error envelope's code or NULL. */
bool http_retryable(long status, const char *code);

/*
 * Appends text to out with the value of every secret JSON field
 * ("user_data", "root_password", "token", "password", "tsig_key";
 * "public_key" is not secret) replaced by "<redacted>", and any
 * occurrence of secret (the token; may be NULL) replaced too.
 */
void http_redact_body(const char *text, const char *secret, struct strbuf *out);
/* Appends text to out with every occurrence of secret (may be NULL)
 * replaced by "<redacted>". */
void http_redact_secret(const char *text, const char *secret, struct strbuf *out);

#endif
