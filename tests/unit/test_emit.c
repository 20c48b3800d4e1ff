/* Unit tests of the emitters' building blocks: memory sizes compose reads
 * exactly, YAML scalars that survive YAML 1.1 readers, health checks of
 * well-known images. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <yaml.h>

#include "emit_compose.h"
#include "emit_yaml.h"
#include "units.h"

static void test_bytes(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(emit_size(buf, sizeof(buf), 2 * UNITS_GIB), "2g");
	assert_string_equal(emit_size(buf, sizeof(buf), 1536 * UNITS_MIB), "1536m");
	/* 0.3 GB = 314572.8 KiB: rounded up, never below the file's limit */
	assert_string_equal(emit_size(buf, sizeof(buf), 307200), "314573k");
	/* 0.1 GB = 104857.6 KiB */
	assert_string_equal(emit_size(buf, sizeof(buf), 102400), "104858k");
	/* 1/1000 MiB is 1.048576 bytes: one KiB, not zero */
	assert_string_equal(emit_size(buf, sizeof(buf), 1), "2k");
	/* 0.976 MiB = 999.424 KiB */
	assert_string_equal(emit_size(buf, sizeof(buf), 976), "1000k");
}

static void test_plain_safe(void **state)
{
	(void)state;
	assert_true(emit_yaml_plain_safe("odoo_dev"));
	assert_true(emit_yaml_plain_safe("POSTGRES_PASSWORD"));
	assert_true(emit_yaml_plain_safe("unless-stopped"));
	const char *traps[] = { "y", "Y", "yes", "No", "ON", "off", "true", "NULL", "8069",
				"8069:8069", "*a", "&a", "!a", "%a", "@a", "a: b", "",
				"-a", ".inf", "a b", NULL };
	for (size_t i = 0; traps[i]; i++)
		assert_false(emit_yaml_plain_safe(traps[i]));
}

/* Emits {key: value} and reads it back with libyaml's parser. */
static void roundtrip(const char *key, const char *value)
{
	struct arena a;
	arena_init(&a);
	struct strbuf b = STRBUF_INIT;
	struct emit_yaml y;
	emit_yaml_begin(&y, &b);
	emit_yaml_map(&y);
	emit_yaml_kv(&y, key, value);
	emit_yaml_map_end(&y);
	assert_true(emit_yaml_end(&y));

	yaml_parser_t p;
	yaml_event_t ev;
	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)b.buf, b.len);
	int scalars = 0;
	for (;;) {
		assert_true(yaml_parser_parse(&p, &ev));
		if (ev.type == YAML_SCALAR_EVENT) {
			const char *s = (const char *)ev.data.scalar.value;
			if (scalars == 0) {
				assert_string_equal(s, key);
				if (!emit_yaml_plain_safe(key))
					assert_int_not_equal(ev.data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
			} else {
				assert_string_equal(s, value);
				/* quoted: no YAML 1.1 reader can type it */
				assert_int_not_equal(ev.data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
			}
			scalars++;
		}
		int done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (done)
			break;
	}
	assert_int_equal(scalars, 2);
	yaml_parser_delete(&p);
	strbuf_release(&b);
	arena_release(&a);
}

static void test_yaml_traps(void **state)
{
	(void)state;
	const char *values[] = { "yes", "no", "on", "off", "8069:8069", "*star", "&anchor",
				 "!tag", "%pct", "@at", "a: b", "one\ntwo\n", "# hash",
				 "  leading", "trailing  ", "\"quoted\"", "tab\there", "ümlaut",
				 "", "~", "0x1F", NULL };
	for (size_t i = 0; values[i]; i++)
		roundtrip("KEY", values[i]);
	roundtrip("Y", "x");
	roundtrip("on", "x");
}

static void test_healthchecks(void **state)
{
	(void)state;
	struct mdl_service s;
	memset(&s, 0, sizeof(s));
	s.image = "postgres:16";
	assert_non_null(strstr(emit_compose_healthcheck(&s), "pg_isready"));
	s.image = "docker.io/library/postgres:16-alpine@sha256:abc";
	assert_non_null(strstr(emit_compose_healthcheck(&s), "pg_isready"));
	s.image = "redis:7";
	assert_non_null(strstr(emit_compose_healthcheck(&s), "redis-cli ping"));
	s.image = "ghcr.io/acme/redis:7"; /* not the image we know */
	assert_null(emit_compose_healthcheck(&s));
	s.image = "acme/postgres:16";
	assert_null(emit_compose_healthcheck(&s));
	s.image = "odoo:17"; /* its own /web/health */
	assert_non_null(strstr(emit_compose_healthcheck(&s), "http://127.0.0.1:8069/web/health"));
	s.image = "busybox:1.36";
	assert_null(emit_compose_healthcheck(&s));
	s.healthcheck = "curl -f http://localhost:8069/web/health";
	assert_string_equal(emit_compose_healthcheck(&s), s.healthcheck);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_plain_safe),
		cmocka_unit_test(test_yaml_traps),
		cmocka_unit_test(test_healthchecks),
	};
	return cmocka_run_group_tests_name("emit", tests, NULL, NULL);
}
