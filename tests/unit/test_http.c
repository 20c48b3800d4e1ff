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
	struct http_retry r = { 5, 500, 10000, 60000 };
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
	http_retry_default(&r);
	assert_int_equal(r.max_tries, 5);
	assert_int_equal(r.base_ms, 500);
	assert_int_equal(r.cap_ms, 10000);
	assert_int_equal(r.budget_ms, 60000);
	setenv("INFRAC_HTTP_BACKOFF_MS", "20", 1);
	http_retry_default(&r);
	assert_int_equal(r.base_ms, 20);
	setenv("INFRAC_HTTP_BACKOFF_MS", "junk", 1);
	http_retry_default(&r);
	assert_int_equal(r.base_ms, 500);
	unsetenv("INFRAC_HTTP_BACKOFF_MS");
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
	assert_true(http_url_allowed("https://api.hetzner.cloud/v1"));
	assert_true(http_url_allowed("http://127.0.0.1:8080/v1"));
	assert_true(http_url_allowed("http://localhost/v1"));
	assert_true(http_url_allowed("http://[::1]:9000/v1"));
	assert_false(http_url_allowed("http://api.hetzner.cloud/v1"));
	assert_false(http_url_allowed("http://127.0.0.1.evil.com/v1"));
	assert_false(http_url_allowed("http://localhost.evil.com/v1"));
	assert_false(http_url_allowed("ftp://127.0.0.1/"));
	assert_false(http_url_allowed("https://"));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff), cmocka_unit_test(test_backoff_env),
		cmocka_unit_test(test_pace),    cmocka_unit_test(test_retryable),
		cmocka_unit_test(test_urls),    cmocka_unit_test(test_redact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
