/*
 * deploy: the request checks, the remote script's quoting (run for real
 * with sh and a stub docker, so hostile names and values must stay data),
 * redaction and the resolution of secrets from the environment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deploy.h"
#include "release.h"
#include "script.h"

static const struct script_paths default_paths = { NULL, NULL, NULL };

static struct deploy_request base_request(void)
{
	static const unsigned char compose[] = "services: {}\n";
	static struct deploy_file files[1];
	files[0] = (struct deploy_file){ "docker-compose.yml", compose, sizeof compose - 1, 0644 };
	return (struct deploy_request){
		.project = "becker", .release = "abc123", .files = files, .nfiles = 1,
		.health_timeout = 1,
	};
}

/* Asserts rq is refused, with an error that does not quote `secret`. */
static void assert_refused(const struct deploy_request *rq, const char *secret)
{
	struct error err = ERROR_INIT;
	char *s = script_build(rq, &default_paths, "n", &err);
	assert_null(s);
	assert_non_null(err.msg);
	if (secret)
		assert_null(strstr(err.msg, secret));
	error_release(&err);
}

static void test_refuses_bad_requests(void **state)
{
	(void)state;
	const char *projects[] = { "Becker", "../x", "a/b", "", "-x", "x y" };
	for (size_t i = 0; i < sizeof projects / sizeof *projects; i++) {
		struct deploy_request rq = base_request();
		rq.project = projects[i];
		assert_refused(&rq, NULL);
	}
	const char *releases[] = { "r;1", ".hidden", "..", "a/b", "", "$(id)",
		"0123456789012345678901234567890123456789012345678901234567890123456789" };
	for (size_t i = 0; i < sizeof releases / sizeof *releases; i++) {
		struct deploy_request rq = base_request();
		rq.release = releases[i];
		assert_refused(&rq, NULL);
	}
	const char *names[] = { "../etc/passwd", "/etc/passwd", "a/./b", "a//b", ".env", "a\nb",
				"a/..", "" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		struct deploy_request rq = base_request();
		struct deploy_file f = { names[i], (const unsigned char *)"x", 1, 0644 };
		rq.files = &f;
		assert_refused(&rq, NULL);
	}
	const char *values[] = { "it's", "two\nlines", "", "cr\r" };
	for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
		struct deploy_request rq = base_request();
		struct secret e = { "PG_PASSWORD", values[i] };
		rq.env = &e;
		rq.nenv = 1;
		assert_refused(&rq, values[i][0] ? values[i] : NULL);
	}
	struct deploy_request rq = base_request();
	struct secret e = { "1BAD", "v" };
	rq.env = &e;
	rq.nenv = 1;
	assert_refused(&rq, NULL);
}

static void test_script_never_holds_a_secret_in_clear(void **state)
{
	(void)state;
	struct deploy_request rq = base_request();
	struct secret e = { "TOKEN", "hunter2-$(reboot)-`id`-\"x\"" };
	rq.env = &e;
	rq.nenv = 1;
	struct error err = ERROR_INIT;
	char *s = script_build(&rq, &default_paths, "n", &err);
	assert_non_null(s);
	assert_null(strstr(s, "hunter2"));
	assert_null(strstr(s, "TOKEN"));
	free(s);
}

/* Runs script with sh in dir, a stub docker first on PATH; returns the
 * exit status.  Output goes to dir/out. */
static int run_script(const char *dir, const char *script)
{
	char path[512], cmd[2048];
	snprintf(path, sizeof path, "%s/bin", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/bin/docker", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\ncase \"$*\" in 'ps -aq '*) echo c1;;\n"
	      "'inspect --format '*) echo 'app|running|healthy|0';; esac\n"
	      "exit 0\n", f);
	fclose(f);
	chmod(path, 0755);
	snprintf(path, sizeof path, "%s/script.sh", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(script, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "cd '%s' && PATH='%s/bin':\"$PATH\" sh script.sh > out 2>&1",
		 dir, dir);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *d = calloc(1, 1 << 16);
	*len = fread(d, 1, (1 << 16) - 1, f);
	fclose(f);
	return d;
}

static void test_script_keeps_hostile_names_and_values_inert(void **state)
{
	(void)state;
	char dir[] = "/tmp/infrac-unit-deploy.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char pwned[600], name[1400], root[600];
	snprintf(pwned, sizeof pwned, "%s/pwned", dir);
	snprintf(root, sizeof root, "%s/root", dir);
	snprintf(name, sizeof name, "sub dir/it's $(touch %s) `touch %s` \"q\" \\ *.txt",
		 pwned, pwned);

	/* every byte value, in sizes around base64's 3-byte groups and
	 * 76-column lines */
	unsigned char bin[300];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(i * 7 + 3);
	const size_t sizes[] = { 0, 1, 2, 3, 56, 57, 58, 300 };
	struct deploy_file files[9];
	char names[8][16];
	for (size_t i = 0; i < 8; i++) {
		snprintf(names[i], sizeof names[i], "bin%zu", sizes[i]);
		files[i] = (struct deploy_file){ names[i], bin, sizes[i], 0640 };
	}
	files[8] = (struct deploy_file){ name, (const unsigned char *)"hello\n", 6, 0600 };
	char value[1400];
	snprintf(value, sizeof value, "p$(touch %s)`touch %s`\"$HOME\\", pwned, pwned);
	struct secret env[2] = { { "A_SECRET", value }, { "B", "INFRAC_EOF" } };
	struct deploy_request rq = base_request();
	rq.files = files;
	rq.nfiles = 9;
	rq.env = env;
	rq.nenv = 2;
	rq.proxy = "nginx";
	const struct deploy_domain domains[] = { { "x.example; touch pwned", true },
						  { "$(touch pwned)", false } };
	rq.domains = domains;
	rq.ndomains = 2;
	rq.domain_check = "[ \"$1\" = 'x.example; touch pwned' ] || [ \"$1\" = '$(touch pwned)' ]";

	struct error err = ERROR_INIT;
	/* authorized_keys: a line of its own stays, the project's block is
	 * written, a revoked key goes (also outside the block) */
	char ak[700], keys[1500];
	snprintf(ak, sizeof ak, "%s/authorized_keys", dir);
	FILE *akf = fopen(ak, "w");
	assert_non_null(akf);
	fputs("ssh-ed25519 AAAAkeep admin\nfrom=\"10.0.0.1\" ssh-rsa AAAAold old@laptop\n", akf);
	fclose(akf);
	snprintf(keys, sizeof keys, "ssh-ed25519 AAAAnew ops $(touch %s) `touch %s`", pwned, pwned);
	rq.authorized_keys = keys;
	const char *revoked[] = { "ssh-rsa AAAAold old" };
	rq.revoked = revoked;
	rq.nrevoked = 1;
	const struct script_paths paths = { root, NULL, ak };
	char *s = script_build(&rq, &paths, "0123abcd", &err);
	assert_non_null(s);
	int rc = run_script(dir, s);
	free(s);
	char out_path[700];
	snprintf(out_path, sizeof out_path, "%s/out", dir);
	size_t n;
	char *out = read_all(out_path, &n);
	assert_non_null(out);
	if (rc != 0)
		fail_msg("script failed: %s", out);
	assert_non_null(strstr(out, "@@0123abcd ok"));
	free(out);
	assert_int_equal(access(pwned, F_OK), -1);
	char p2[800];
	snprintf(p2, sizeof p2, "%s/pwned", root);
	assert_int_equal(access(p2, F_OK), -1);

	char path[2200];
	snprintf(path, sizeof path, "%s/becker/releases/abc123/%s", root, name);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	for (size_t i = 0; i < 8; i++) {
		snprintf(path, sizeof path, "%s/becker/current/%s", root, names[i]);
		char *d = read_all(path, &n);
		assert_non_null(d);
		assert_int_equal(n, sizes[i]);
		assert_memory_equal(d, bin, n);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0640);
		free(d);
	}
	snprintf(path, sizeof path, "%s/becker/current/.env", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	char *d = read_all(path, &n);
	char want[2200];
	snprintf(want, sizeof want, "A_SECRET='%s'\nB='INFRAC_EOF'\n", value);
	assert_string_equal(d, want);
	free(d);

	d = read_all(ak, &n);
	snprintf(want, sizeof want, "ssh-ed25519 AAAAkeep admin\n# infrac becker keys\n%s\n"
		 "# infrac becker keys end\n", keys);
	assert_string_equal(d, want);
	free(d);

	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void test_redact(void **state)
{
	(void)state;
	struct secret env[3] = { { "A", "pw" }, { "B", "" }, { "C", "longer-secret" } };
	struct strbuf s = STRBUF_INIT;
	strbuf_addstr(&s, "pw=pw; longer-secret; pwpw; nothing");
	deploy_redact(&s, env, 3);
	assert_string_equal(s.buf, "[redacted]=[redacted]; [redacted]; [redacted][redacted]; nothing");
	strbuf_reset(&s);
	deploy_redact(&s, env, 3);
	assert_string_equal(s.buf, "");
	strbuf_release(&s);
}

static void test_step_names(void **state)
{
	(void)state;
	assert_string_equal(progress_step_name(PROGRESS_HEALTH), "health");
	assert_string_equal(progress_step_name(PROGRESS_UPLOAD), "upload");
	assert_string_equal(progress_step_name(PROGRESS_HANDOVER), "handover");
	assert_string_equal(progress_step_name(PROGRESS_HOST), "host");
	assert_string_equal(progress_step_name((enum progress_step)99), "?");
}

static void test_secrets_from_the_environment(void **state)
{
	(void)state;
	struct mdl_env e1[2] = { { "DB_PASS", MDL_ENV_SECRET, "ZZ_DB", { 0 } },
				 { "MODE", MDL_ENV_LITERAL, "prod", { 0 } } };
	struct mdl_env e2[2] = { { "KEY", MDL_ENV_SECRET, "AA_KEY", { 0 } },
				 { "PASS", MDL_ENV_SECRET, "ZZ_DB", { 0 } } };
	struct mdl_service s1 = { .name = "db", .env = e1, .nenv = 2 };
	struct mdl_service s2 = { .name = "app", .env = e2, .nenv = 2 };
	const struct mdl_service *svcs[2] = { &s1, &s2 };
	struct mdl_server srv = { .name = "main" };
	struct mdl_placement pl = { .server = &srv, .services = svcs, .nservices = 2 };
	struct arena a;
	arena_init(&a);
	struct secret *env;
	size_t n;
	struct error err = ERROR_INIT;

	unsetenv("ZZ_DB");
	unsetenv("AA_KEY");
	assert_false(secrets_resolve(&a, &pl, &env, &n, &err));
	assert_string_equal(err.msg, "secrets for server main not set in the environment: AA_KEY, ZZ_DB");

	setenv("AA_KEY", "it's", 1);
	assert_false(secrets_resolve(&a, &pl, &env, &n, &err));
	assert_string_equal(err.msg, "secrets for server main not set in the environment: ZZ_DB; "
				 "and holding a quote or a line break: AA_KEY");
	assert_null(strstr(err.msg, "it's"));
	error_release(&err);

	setenv("AA_KEY", "k1", 1);
	setenv("ZZ_DB", "", 1);
	assert_false(secrets_resolve(&a, &pl, &env, &n, &err));
	assert_string_equal(err.msg, "secrets for server main not set in the environment: ZZ_DB");

	setenv("ZZ_DB", "d$b", 1);
	error_release(&err);
	assert_true(secrets_resolve(&a, &pl, &env, &n, &err));
	assert_null(err.msg);
	assert_int_equal(n, 2);
	assert_string_equal(env[0].name, "AA_KEY");
	assert_string_equal(env[0].value, "k1");
	assert_string_equal(env[1].name, "ZZ_DB");
	assert_string_equal(env[1].value, "d$b");
	unsetenv("ZZ_DB");
	unsetenv("AA_KEY");
	arena_release(&a);
}

/* What the server answers a listing with, read: newest first, the
 * current one marked, the default rollback past a failed release, the
 * boot release timed by its folder; an answer cut short is refused. */
static void test_release_listing(void **state)
{
	(void)state;
	const char *out =
		"Welcome to the server\n"
		"@@infrac current c3\n"
		"@@infrac release boot 0\n"
		"@@infrac release c0 5\n"
		"@@infrac meta time=2026-03-01T10:00:00Z\n"
		"@@infrac meta previous=c1\n"
		"@@infrac release c1 5\n"
		"@@infrac meta time=2026-03-01T10:00:00Z\n"
		"@@infrac meta changed=first release\n"
		"@@infrac release c2 5\n"
		"@@infrac meta time=2026-03-02T10:00:00Z\n"
		"@@infrac meta failed=health\n"
		"@@infrac release c3 5\n"
		"@@infrac meta time=2026-03-03T10:00:00Z\n"
		"@@infrac meta phase=production\n"
		"@@infrac meta changed=changed docker-compose.yml\n"
		"@@infrac meta bogus=ignored\n"
		"@@infrac end\n";
	struct release_list l;
	assert_true(release_parse(out, &l));
	assert_int_equal(l.n, 5);
	assert_string_equal(l.v[2].id, "c0"); /* deployed over c1 in the same second */
	assert_string_equal(l.v[0].id, "c3");
	assert_true(l.v[0].current);
	assert_string_equal(l.v[0].phase, "production");
	assert_string_equal(l.v[0].changed, "changed docker-compose.yml");
	assert_string_equal(l.v[1].failed, "health");
	assert_string_equal(l.v[4].id, "boot");
	assert_string_equal(l.v[4].time, "1970-01-01T00:00:00Z");
	assert_false(l.v[4].recorded);
	assert_string_equal(release_previous(&l)->id, "c0");
	assert_non_null(release_find(&l, "c2"));
	assert_null(release_find(&l, "c9"));
	release_list_release(&l);
	assert_false(release_parse("@@infrac current c3\n@@infrac release c3 1\n", &l));
	release_list_release(&l);
	assert_true(release_parse("@@infrac end\n", &l));
	assert_int_equal(l.n, 0);
	assert_null(release_previous(&l));
	release_list_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_bad_requests),
		cmocka_unit_test(test_script_never_holds_a_secret_in_clear),
		cmocka_unit_test(test_script_keeps_hostile_names_and_values_inert),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_step_names),
		cmocka_unit_test(test_release_listing),
		cmocka_unit_test(test_secrets_from_the_environment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
