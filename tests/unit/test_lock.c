/*
 * lock: where the file lives, the holder's record, contention (flock
 * conflicts between two open files even in one process), takeover of a
 * record left behind, and a clean release.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"

static char dir[] = "/tmp/infrac-unit-lock.XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	setenv("XDG_STATE_HOME", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

/* The lock's path for project, as a string the test frees. */
static char *lock_path_of(const char *project)
{
	struct strbuf sb = STRBUF_INIT;
	assert_true(lock_path(project, &sb));
	return strbuf_detach(&sb, NULL);
}

static void test_path(void **state)
{
	(void)state;
	char want[4096];
	char *p = lock_path_of("becker");
	snprintf(want, sizeof want, "%s/infrac/locks/becker.lock", dir);
	assert_string_equal(p, want);
	free(p);

	/* a relative XDG_STATE_HOME is ignored, as the spec says */
	setenv("XDG_STATE_HOME", "relative", 1);
	setenv("HOME", "/home/u", 1);
	p = lock_path_of("becker");
	assert_string_equal(p, "/home/u/.local/state/infrac/locks/becker.lock");
	free(p);
	setenv("XDG_STATE_HOME", dir, 1);
}

static void test_contention_names_the_holder(void **state)
{
	(void)state;
	struct lock a = LOCK_INIT, b = LOCK_INIT, c = LOCK_INIT;
	struct strbuf notice = STRBUF_INIT;
	struct error err = ERROR_INIT;
	assert_true(lock_acquire(&a, "becker", "infrac apply\nbecker.infra", &notice, &err));
	assert_string_equal(notice.buf, "");

	assert_false(lock_acquire(&b, "becker", "infrac apply x", &notice, &err));
	char want[128];
	snprintf(want, sizeof want, "apply of becker is running: pid %ld (", (long)getpid());
	assert_memory_equal(err.msg, want, strlen(want));
	/* the newline in the holder's command did not forge a field */
	assert_non_null(strstr(err.msg, "Z: infrac apply becker.infra (lock "));
	assert_int_equal(b.fd, -1);
	lock_release(&b);

	/* another project is independent */
	assert_true(lock_acquire(&c, "other", "x", &notice, &err));
	lock_release(&c);

	lock_release(&a);
	assert_true(lock_acquire(&b, "becker", "y", &notice, &err));
	assert_string_equal(notice.buf, ""); /* a clean release leaves no record */
	lock_release(&b);
	lock_release(&b); /* harmless twice */
	error_release(&err);
}

static void test_takeover_of_a_record_left_behind(void **state)
{
	(void)state;
	struct lock l = LOCK_INIT;
	struct strbuf notice = STRBUF_INIT;
	struct error err = ERROR_INIT;
	assert_true(lock_acquire(&l, "crashed", "first", &notice, &err));
	/* a holder that dies keeps its record but loses the flock */
	close(l.fd);
	l.fd = -1;
	lock_release(&l);
	assert_true(lock_acquire(&l, "crashed", "second", &notice, &err));
	char want[128];
	snprintf(want, sizeof want, "took over the lock of crashed left by pid %ld (",
		 (long)getpid());
	assert_memory_equal(notice.buf, want, strlen(want));
	assert_non_null(strstr(notice.buf, ": first, which did not finish"));
	lock_release(&l);
	strbuf_release(&notice);
}

static void test_refuses_path_names(void **state)
{
	(void)state;
	struct lock l = LOCK_INIT;
	struct strbuf notice = STRBUF_INIT;
	struct error err = ERROR_INIT;
	assert_false(lock_acquire(&l, "../etc", "x", &notice, &err));
	assert_false(lock_acquire(&l, "a/b", "x", &notice, &err));
	assert_false(lock_acquire(&l, "", "x", &notice, &err));
	assert_non_null(strstr(err.msg, "is not a project name"));
	lock_release(&l);
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_contention_names_the_holder),
		cmocka_unit_test(test_takeover_of_a_record_left_behind),
		cmocka_unit_test(test_refuses_path_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
