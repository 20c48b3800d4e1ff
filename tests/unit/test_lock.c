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

static void test_path(void **state)
{
	(void)state;
	char p[4096], want[4096];
	lock_path("becker", p, sizeof p);
	snprintf(want, sizeof want, "%s/infrac/locks/becker.lock", dir);
	assert_string_equal(p, want);

	/* a relative XDG_STATE_HOME is ignored, as the spec says */
	setenv("XDG_STATE_HOME", "relative", 1);
	setenv("HOME", "/home/u", 1);
	lock_path("becker", p, sizeof p);
	assert_string_equal(p, "/home/u/.local/state/infrac/locks/becker.lock");
	setenv("XDG_STATE_HOME", dir, 1);
}

static void test_contention_names_the_holder(void **state)
{
	(void)state;
	struct lock a, b;
	char msg[4096];
	assert_true(lock_acquire(&a, "becker", "infrac apply\nbecker.infra", msg, sizeof msg));
	assert_string_equal(msg, "");

	assert_false(lock_acquire(&b, "becker", "infrac apply x", msg, sizeof msg));
	char want[128];
	snprintf(want, sizeof want, "apply of becker is running: pid %ld (", (long)getpid());
	assert_memory_equal(msg, want, strlen(want));
	/* the newline in the holder's command did not forge a field */
	assert_non_null(strstr(msg, "Z: infrac apply becker.infra (lock "));
	assert_int_equal(b.fd, -1);

	/* another project is independent */
	struct lock c;
	assert_true(lock_acquire(&c, "other", "x", msg, sizeof msg));
	lock_release(&c);

	lock_release(&a);
	assert_true(lock_acquire(&b, "becker", "y", msg, sizeof msg));
	assert_string_equal(msg, ""); /* a clean release leaves no record */
	lock_release(&b);
	lock_release(&b); /* harmless twice */
}

static void test_takeover_of_a_record_left_behind(void **state)
{
	(void)state;
	char p[4096], msg[4096];
	lock_path("crashed", p, sizeof p);
	struct lock l;
	assert_true(lock_acquire(&l, "crashed", "first", msg, sizeof msg));
	/* a holder that dies keeps its record but loses the flock */
	int fd = l.fd;
	l.fd = -1;
	close(fd);
	assert_true(lock_acquire(&l, "crashed", "second", msg, sizeof msg));
	char want[128];
	snprintf(want, sizeof want, "took over the lock of crashed left by pid %ld (",
		 (long)getpid());
	assert_memory_equal(msg, want, strlen(want));
	assert_non_null(strstr(msg, ": first, which did not finish"));
	lock_release(&l);
}

static void test_refuses_path_names(void **state)
{
	(void)state;
	struct lock l;
	char msg[256];
	assert_false(lock_acquire(&l, "../etc", "x", msg, sizeof msg));
	assert_false(lock_acquire(&l, "a/b", "x", msg, sizeof msg));
	assert_false(lock_acquire(&l, "", "x", msg, sizeof msg));
	assert_non_null(strstr(msg, "is not a project name"));
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
