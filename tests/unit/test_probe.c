/*
 * probe: what `infrac status` reads back from a server, and the sh
 * commands of logs and exec (container.h), which must carry a service
 * name and a command's words as data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "arena.h"
#include "container.h"
#include "probe.h"

static void test_parse_records(void **state)
{
	(void)state;
	struct arena a;
	struct probe p;
	arena_init(&a);
	probe_parse(&p,
		    "Welcome to the server\n"
		    "now\t1764540000\n"
		    "release\tabc123\t1764530000\n"
		    "container\tredis\t/shop-redis-1\texited\t\t3\t0001-01-01T00:00:00Z\tredis:7\n"
		    "container\tapp\t/shop-app-1\trunning\thealthy\t0\t2025-11-30T20:00:00.5Z\tshop:1\n"
		    "container\tshort\n"
		    "error\tcannot connect to the Docker daemon",
		    &a);
	assert_int_equal(p.now, 1764540000);
	assert_string_equal(p.release, "abc123");
	assert_int_equal(p.deployed, 1764530000);
	assert_string_equal(p.error, "cannot connect to the Docker daemon");
	assert_int_equal(p.ncontainers, 2);
	/* sorted by service; the leading '/' of docker's name dropped */
	assert_string_equal(p.containers[0].service, "app");
	assert_string_equal(p.containers[0].name, "shop-app-1");
	assert_string_equal(p.containers[0].health, "healthy");
	assert_int_equal(p.containers[0].started, 1764532800);
	assert_string_equal(p.containers[1].state, "exited");
	assert_string_equal(p.containers[1].health, "");
	assert_int_equal(p.containers[1].restarts, 3);
	assert_int_equal(p.containers[1].started, 0);
	assert_string_equal(p.containers[1].image, "redis:7");
	arena_release(&a);
}

static void test_parse_nothing(void **state)
{
	(void)state;
	struct arena a;
	struct probe p;
	arena_init(&a);
	probe_parse(&p, "", &a);
	assert_null(p.release);
	assert_null(p.error);
	assert_int_equal(p.ncontainers, 0);
	arena_release(&a);
}

static void test_commands_quote(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	const char *argv[] = { "sh", "-c", "echo 'it''s' $HOME; rm -rf /" };
	container_exec_command(&sb, "shop", "a'b", false, argv, 3);
	assert_non_null(strstr(sb.buf, "S='a'\\''b'"));
	assert_non_null(strstr(sb.buf, "exec docker exec -i \"$c\" 'sh' '-c' "
				       "'echo '\\''it'\\'''\\''s'\\'' $HOME; rm -rf /'\n"));
	strbuf_reset(&sb);
	container_exec_command(&sb, "shop", "app", true, NULL, 0);
	assert_non_null(strstr(sb.buf, "exec docker exec -it \"$c\" sh\n"));
	strbuf_reset(&sb);
	struct container_logs lo = { true, "10m; reboot", "5" };
	container_logs_command(&sb, "shop", "app", &lo);
	assert_non_null(strstr(sb.buf, "docker logs --follow --since '10m; reboot' --tail '5' "));
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_records),
		cmocka_unit_test(test_parse_nothing),
		cmocka_unit_test(test_commands_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
