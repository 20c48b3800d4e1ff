/* Backoff schedule, rate-limit pacing, retry rules, URL policy, redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

static void test_backoff(void **st)
{
	(void)st;
	struct http_retry r = { 5, 500, 10000, 40000 };
	/* the ceiling doubles and is capped; the wait is rnd mod (ceiling + 1) */
	assert_int_equal(http_backoff_ms(&r, 1, 500), 500);
	assert_int_equal(http_backoff_ms(&r, 1, 501), 0);
	assert_int_equal(http_backoff_ms(&r, 2, 1000), 1000);
	assert_int_equal(http_backoff_ms(&r, 3, 2000), 2000);
	assert_int_equal(http_backoff_ms(&r, 5, 8000), 8000);
	assert_int_equal(http_backoff_ms(&r, 6, 10000), 10000);
	assert_int_equal(http_backoff_ms(&r, 30, 10000), 10000);
	assert_int_equal(http_backoff_ms(&r, 30, 10001), 0);
	for (unsigned x = 0; x < 100000; x += 7)
		assert_true(http_backoff_ms(&r, 4, x) <= 4000);
	r.base_ms = 0;
	assert_int_equal(http_backoff_ms(&r, 3, 12345), 0);
}

static void test_backoff_env(void **st)
{
	(void)st;
	struct http_retry r;
	unsetenv("INFRAC_HTTP_BACKOFF_MS");
	unsetenv("INFRAC_HTTP_DEADLINE_MS");
	http_retry_default(&r);
	assert_int_equal(r.max_tries, 5);
	assert_int_equal(r.base_ms, 500);
	assert_int_equal(r.cap_ms, 10000);
	assert_int_equal(r.deadline_ms, 40000);
	setenv("INFRAC_HTTP_BACKOFF_MS", "20", 1);
	setenv("INFRAC_HTTP_DEADLINE_MS", "3000", 1);
	http_retry_default(&r);
	assert_int_equal(r.base_ms, 20);
	assert_int_equal(r.deadline_ms, 3000);
	setenv("INFRAC_HTTP_BACKOFF_MS", "junk", 1);
	setenv("INFRAC_HTTP_DEADLINE_MS", "0", 1);
	http_retry_default(&r);
	assert_int_equal(r.base_ms, 500);
	assert_int_equal(r.deadline_ms, 40000);
	unsetenv("INFRAC_HTTP_BACKOFF_MS");
	unsetenv("INFRAC_HTTP_DEADLINE_MS");
}

/* A dead endpoint (no connection, or one that never answers) costs at
 * most the deadline, well within a minute, and each try fits in it. */
static void test_timeouts(void **st)
{
	(void)st;
	struct http_client c;
	struct error err = ERROR_INIT;
	unsetenv("INFRAC_HTTP_TIMEOUT_MS");
	assert_true(http_client_init(&c, "http://127.0.0.1:9/v1", NULL, &err));
	assert_true(c.retry.deadline_ms <= 45000);
	assert_true(c.timeout_ms < c.retry.deadline_ms);
	assert_true(c.connect_timeout_ms <= c.timeout_ms);
	http_client_release(&c);
	setenv("INFRAC_HTTP_TIMEOUT_MS", "1500", 1);
	assert_true(http_client_init(&c, "http://127.0.0.1:9/v1", NULL, &err));
	assert_int_equal(c.timeout_ms, 1500);
	assert_int_equal(c.connect_timeout_ms, 1500);
	http_client_release(&c);
	unsetenv("INFRAC_HTTP_TIMEOUT_MS");
}

static void test_pace(void **st)
{
	(void)st;
	struct http_client c;
	memset(&c, 0, sizeof(c));
	c.rl_limit = 3600;
	c.rl_remaining = 3000;
	c.rl_reset = 1000; /* seconds */
	assert_int_equal(http_pace_ms(&c, 400 * 1000), 0); /* plenty left */
	/* 5 left of 3600 an hour: one request a second */
	c.rl_remaining = 5;
	assert_int_equal(http_pace_ms(&c, (1000 - 3595) * 1000LL), 1000);
	/* 150 left is under 5 % of 3600 */
	c.rl_remaining = 150;
	assert_int_equal(http_pace_ms(&c, 0), 1000);
	/* never past the reset */
	c.rl_remaining = 9;
	assert_int_equal(http_pace_ms(&c, 1000 * 1000 - 300), 300);
	assert_int_equal(http_pace_ms(&c, 1000 * 1000 + 5), 0);
	c.rl_limit = 36000; /* ten a second */
	assert_int_equal(http_pace_ms(&c, 0), 100);
	c.rl_limit = 60; /* one a minute: capped */
	assert_int_equal(http_pace_ms(&c, 0), 10000);
	c.rl_remaining = -1; /* no headers seen */
	assert_int_equal(http_pace_ms(&c, 0), 0);
}

static void test_retryable(void **st)
{
	(void)st;
	assert_true(http_retryable(0, NULL));
	assert_true(http_retryable(429, "rate_limit_exceeded"));
	assert_true(http_retryable(502, NULL));
	assert_true(http_retryable(503, "unavailable"));
	assert_true(http_retryable(504, "timeout"));
	assert_true(http_retryable(409, "conflict"));
	assert_false(http_retryable(409, "uniqueness_error"));
	assert_false(http_retryable(422, "invalid_input"));
	assert_false(http_retryable(401, "unauthorized"));
	assert_false(http_retryable(500, "server_error"));
	assert_false(http_retryable(404, "not_found"));
}

static void test_urls(void **st)
{
	(void)st;
	static const char *const allowed[] = {
		"https://api.hetzner.cloud/v1",
		"HTTPS://api.hetzner.cloud/v1",
		"http://127.0.0.1:8080/v1",
		"http://127.0.0.1",
		"http://127.1.2.3/v1",
		"http://localhost/v1",
		"http://LOCALHOST:8080/v1",
		"HTTP://127.0.0.1/v1",
		"http://[::1]:9000/v1",
		"http://[::1]:80/",
		"http://[0:0:0:0:0:0:0:1]/",
		"http://127.1/",      /* curl connects to 127.0.0.1 */
		"http://2130706433/", /* so it does here */
		NULL,
	};
	static const char *const refused[] = {
		/* the reported one: user 127.0.0.1, password 80, host evil.example */
		"http://127.0.0.1:80@evil.example/v1",
		"http://localhost:80@evil.example/v1",
		"http://[::1]:80@evil.example/v1",
		"http://127.0.0.1\\@evil.example/v1",
		"http://127.0.0.1;x@evil.example/v1",
		"http://127.0.0.1%2f@evil.example/v1",
		/* userinfo at all, even toward a loopback host or over https */
		"http://user@127.0.0.1/v1",
		"http://user:pw@localhost/v1",
		"http://@127.0.0.1/v1",
		"https://user:pw@api.hetzner.cloud/v1",
		/* loopback-looking names that are not */
		"http://localhost.evil.example/v1",
		"http://127.0.0.1.evil.example/v1",
		"http://localhost./v1",
		"http://foo.localhost/v1",
		"http://127.0.0.256/v1",
		"http://[::ffff:127.0.0.1]/v1",
		"http://[::1%25lo]/v1",
		/* a query or fragment would swallow the paths; the host is fine */
		"http://127.0.0.1:80#@evil.example/v1",
		"http://127.0.0.1?@evil.example/v1",
		"https://api.hetzner.cloud/v1?x=1",
		"http://api.hetzner.cloud/v1",
		"http://example.com/v1",
		"ftp://127.0.0.1/",
		"file:///etc/passwd",
		"127.0.0.1/v1",
		"https://",
		"http://",
		"",
		NULL,
	};
	for (const char *const *u = refused; *u; u++)
		if (http_url_allowed(*u))
			fail_msg("allowed: %s", *u);
	for (const char *const *u = allowed; *u; u++)
		if (!http_url_allowed(*u))
			fail_msg("refused: %s", *u);
}

/* The client sends to the base as curl rendered it, not as it was typed. */
static void test_client_base(void **st)
{
	(void)st;
	struct http_client c;
	struct error err = ERROR_INIT;
	assert_true(http_client_init(&c, "HTTP://127.1:8080/v1/", "tok", &err));
	assert_string_equal(c.base, "http://127.0.0.1:8080/v1");
	http_client_release(&c);
	assert_false(http_client_init(&c, "http://127.0.0.1:80@evil.example/v1", "tok", &err));
	assert_non_null(strstr(err.msg, "refused"));
	error_release(&err);
}

/* Clients made back to back (apply makes one per worker before any
 * starts) get their own jitter: the same seed made them retry in step. */
static void test_seeds(void **st)
{
	(void)st;
	enum { N = 16 };
	struct http_client c[N];
	struct error err = ERROR_INIT;
	for (int i = 0; i < N; i++)
		assert_true(http_client_init(&c[i], "http://127.0.0.1:9/v1", NULL, &err));
	for (int i = 0; i < N; i++) {
		assert_int_not_equal(c[i].rng, 0);
		for (int j = 0; j < i; j++)
			if (c[i].rng == c[j].rng)
				fail_msg("clients %d and %d have the same seed %u", j, i, c[i].rng);
	}
	for (int i = 0; i < N; i++)
		http_client_release(&c[i]);
}

static void test_redact(void **st)
{
	(void)st;
	struct strbuf out = STRBUF_INIT;
	http_redact_body("{\"name\": \"web\", \"user_data\": \"#cloud-config\\npassword: x\","
			 " \"nested\": {\"root_password\": \"hunter2\"}, \"note\": \"tok-123 inside\"}",
			 "tok-123", &out);
	assert_null(strstr(out.buf, "cloud-config"));
	assert_null(strstr(out.buf, "hunter2"));
	assert_null(strstr(out.buf, "tok-123"));
	assert_non_null(strstr(out.buf, "\"user_data\":\"<redacted>\""));
	assert_non_null(strstr(out.buf, "\"name\":\"web\""));
	assert_non_null(strstr(out.buf, "<redacted> inside"));
	/* not JSON: the token is still removed */
	strbuf_reset(&out);
	http_redact_body("Bearer tok-123", "tok-123", &out);
	assert_string_equal(out.buf, "Bearer <redacted>");
	strbuf_reset(&out);
	http_redact_body("abcdefgh", NULL, &out);
	assert_string_equal(out.buf, "abcdefgh");
	strbuf_release(&out);
}

/* An answer's header by name, as http_request keeps the lines. */
static void test_response_header(void **state)
{
	(void)state;
	struct http_response r = { 0 };
	strbuf_init(&r.body, 0);
	strbuf_init(&r.headers, 0);
	strbuf_addstr(&r.headers, "HTTP/1.1 200 OK\r\nContent-Type: x\r\n"
				  "docker-content-digest:  sha256:4f9e \r\nX-A: 1\r\nX-A: 2\r\n\r\n");
	struct strbuf v = STRBUF_INIT;
	assert_true(http_response_header(&r, "Docker-Content-Digest", &v));
	assert_string_equal(v.buf, "sha256:4f9e");
	strbuf_reset(&v);
	assert_true(http_response_header(&r, "x-a", &v));
	assert_string_equal(v.buf, "2");
	strbuf_reset(&v);
	assert_false(http_response_header(&r, "Content", &v));
	assert_false(http_response_header(&r, "WWW-Authenticate", &v));
	strbuf_release(&v);
	http_response_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff), cmocka_unit_test(test_backoff_env),
		cmocka_unit_test(test_pace),    cmocka_unit_test(test_retryable),
		cmocka_unit_test(test_urls),    cmocka_unit_test(test_client_base),
		cmocka_unit_test(test_seeds),      cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_redact),   cmocka_unit_test(test_response_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
