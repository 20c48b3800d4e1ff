/* Image references normalised as docker does; Bearer challenges; digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry.h"

#define D64 "sha256:4f9ee2a1ab1b25f1a76e4a6d0d4f8e4ca4a3b2b9c1f1d9bb2d9b1e0a9c8d7e6f"

static int setup(void **state)
{
	struct arena *a = malloc(sizeof(*a));
	arena_init(a);
	*state = a;
	return 0;
}

static int teardown(void **state)
{
	arena_release(*state);
	free(*state);
	return 0;
}

/* ref reads as domain, path, tag, digest (NULL: absent) */
static void assert_ref(struct arena *a, const char *ref, const char *domain, const char *path,
		       const char *tag, const char *digest)
{
	struct registry_ref r;
	struct error err = ERROR_INIT;
	if (!registry_parse(a, ref, &r, &err))
		fail_msg("%s: %s", ref, err.msg);
	assert_string_equal(r.domain, domain);
	assert_string_equal(r.path, path);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
}

static void test_docker_hub(void **state)
{
	struct arena *a = *state;
	/* official images live under library/, the tag defaults to latest */
	assert_ref(a, "nginx", "docker.io", "library/nginx", "latest", NULL);
	assert_ref(a, "nginx:1.27", "docker.io", "library/nginx", "1.27", NULL);
	assert_ref(a, "bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", NULL);
	assert_ref(a, "docker.io/odoo:17", "docker.io", "library/odoo", "17", NULL);
	assert_ref(a, "index.docker.io/library/odoo:17", "docker.io", "library/odoo", "17", NULL);
	assert_ref(a, "docker.io/acme/shop", "docker.io", "acme/shop", "latest", NULL);
	/* a first component without '.', ':' or upper case is a path */
	assert_ref(a, "acme/team/app:v1_2-rc.3", "docker.io", "acme/team/app", "v1_2-rc.3", NULL);
	assert_ref(a, "my__name/a-b--c:x", "docker.io", "my__name/a-b--c", "x", NULL);
}

static void test_other_registries(void **state)
{
	struct arena *a = *state;
	assert_ref(a, "ghcr.io/acme/shop:1.4", "ghcr.io", "acme/shop", "1.4", NULL);
	assert_ref(a, "registry.example.com:5000/team/app", "registry.example.com:5000", "team/app",
		   "latest", NULL);
	assert_ref(a, "localhost/app:2", "localhost", "app", "2", NULL);
	assert_ref(a, "127.0.0.1:5000/app", "127.0.0.1:5000", "app", "latest", NULL);
	/* only Docker Hub puts official images under library/ */
	assert_ref(a, "quay.io/prometheus:v2", "quay.io", "prometheus", "v2", NULL);
	/* the port's ':' is not a tag */
	assert_ref(a, "localhost:5000/a/b", "localhost:5000", "a/b", "latest", NULL);
}

static void test_digests(void **state)
{
	struct arena *a = *state;
	assert_ref(a, "odoo@" D64, "docker.io", "library/odoo", NULL, D64);
	assert_ref(a, "odoo:17@" D64, "docker.io", "library/odoo", "17", D64);
	assert_ref(a, "ghcr.io/a/b@" D64, "ghcr.io", "a/b", NULL, D64);
	assert_true(registry_digest_ok(D64));
	assert_false(registry_digest_ok("sha256:4f9e"));
	assert_false(registry_digest_ok("sha256:4F9EE2A1AB1B25F1A76E4A6D0D4F8E4CA4A3B2B9C1F1D9BB2D9B1E0A9C8D7E6F"));
	assert_false(registry_digest_ok("md5:d41d8cd98f00b204e9800998ecf8427e"));
	assert_false(registry_digest_ok(D64 "0"));
	assert_false(registry_digest_ok(""));
}

static void test_refused(void **state)
{
	struct arena *a = *state;
	static const char *const bad[] = {
		"", "Nginx", "nginx:", "nginx:-x", "nginx:.x", "a//b", "/a", "a/", "a/-b",
		"a/b.", "a..b", "a___b", "nginx@sha256:12", "nginx@", "odoo:17 ", "odoo:1$",
		"ghcr.io/", "ghcr.io/Acme/x", "ghc?r.io/a", NULL,
	};
	for (const char *const *b = bad; *b; b++) {
		struct registry_ref r;
		struct error err = ERROR_INIT;
		if (registry_parse(a, *b, &r, &err))
			fail_msg("'%s' was taken for a reference", *b);
		assert_non_null(err.msg);
		error_release(&err);
	}
}

static void test_challenge(void **state)
{
	struct arena *a = *state;
	struct registry_challenge ch;
	assert_true(registry_challenge_parse(
		a, "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		   "scope=\"repository:library/odoo:pull\"", &ch));
	assert_string_equal(ch.realm, "https://auth.docker.io/token");
	assert_string_equal(ch.service, "registry.docker.io");
	/* case, blanks, unquoted values, escapes, no service */
	assert_true(registry_challenge_parse(a, "  bearer  Realm=http://127.0.0.1:1/t , x=\"a\\\"b\"",
					     &ch));
	assert_string_equal(ch.realm, "http://127.0.0.1:1/t");
	assert_null(ch.service);
	assert_false(registry_challenge_parse(a, "Basic realm=\"registry\"", &ch));
	assert_false(registry_challenge_parse(a, "Bearer service=\"x\"", &ch));
	assert_false(registry_challenge_parse(a, "Bearer realm=\"\"", &ch));
	assert_false(registry_challenge_parse(a, "Bearerrealm=\"x\"", &ch));
	assert_false(registry_challenge_parse(a, "", &ch));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_docker_hub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_registries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
