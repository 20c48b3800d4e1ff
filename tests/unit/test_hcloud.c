/* Decoding of API answers shaped like the documented examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hcloud.h"

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);
	assert_non_null(o);
	return o;
}

static void test_server(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	json_object *o = parse(
		"{\"id\": 42, \"name\": \"my-server\", \"status\": \"running\","
		" \"server_type\": {\"id\": 1, \"name\": \"cpx22\"},"
		" \"image\": {\"id\": 4711, \"name\": \"ubuntu-24.04\", \"type\": \"system\"},"
		" \"datacenter\": {\"name\": \"fsn1-dc14\", \"location\": {\"id\": 1, \"name\": \"fsn1\"}},"
		" \"public_net\": {\"ipv4\": {\"ip\": \"1.2.3.4\", \"blocked\": false}, \"ipv6\": null,"
		"   \"firewalls\": [{\"id\": 38, \"status\": \"applied\"}]},"
		" \"labels\": {\"zeta\": \"z\", \"infrac/project\": \"becker\"}}");
	struct hc_server s;
	assert_true(hcloud_decode_server(&a, o, &s));
	assert_int_equal(s.id, 42);
	assert_string_equal(s.name, "my-server");
	assert_string_equal(s.type, "cpx22");
	assert_string_equal(s.image, "ubuntu-24.04");
	assert_string_equal(s.location, "fsn1"); /* from the datacenter when no location */
	assert_string_equal(s.ipv4, "1.2.3.4");
	assert_int_equal(s.labels.n, 2);
	assert_string_equal(s.labels.keys[0], "infrac/project"); /* sorted */
	assert_string_equal(hcloud_label(&s.labels, "zeta"), "z");
	assert_null(hcloud_label(&s.labels, "absent"));
	assert_false(s.protect_delete); /* no protection object: unprotected */
	json_object_put(o);

	o = parse("{\"id\": 8, \"name\": \"db\", \"server_type\": {\"name\": \"cpx32\"},"
		  " \"location\": {\"name\": \"nbg1\"}, \"protection\": {\"delete\": true,"
		  " \"rebuild\": false}}");
	assert_true(hcloud_decode_server(&a, o, &s));
	assert_true(s.protect_delete);
	assert_false(s.protect_rebuild);
	json_object_put(o);

	/* a server whose image was deleted: image null, still a server */
	o = parse("{\"id\": 7, \"name\": \"x\", \"server_type\": {\"name\": \"cpx32\"},"
		  " \"image\": null, \"location\": {\"name\": \"nbg1\"}, \"labels\": {}}");
	assert_true(hcloud_decode_server(&a, o, &s));
	assert_null(s.image);
	assert_null(s.ipv4);
	assert_string_equal(s.location, "nbg1");
	json_object_put(o);

	/* no name: not a server */
	o = parse("{\"id\": 7, \"server_type\": {\"name\": \"cpx32\"}, \"location\": {\"name\": \"nbg1\"}}");
	assert_false(hcloud_decode_server(&a, o, &s));
	json_object_put(o);
	arena_release(&a);
}

static void test_server_type(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	json_object *o = parse(
		"{\"id\": 104, \"name\": \"cpx22\", \"cores\": 2, \"memory\": 4.0, \"deprecated\": false,"
		" \"deprecation\": null,"
		" \"prices\": [{\"location\": \"fsn1\","
		"   \"price_hourly\": {\"net\": \"0.0082000000\", \"gross\": \"0.0097580000000000\"},"
		"   \"price_monthly\": {\"net\": \"5.9900000000\", \"gross\": \"7.1281000000000000\"}},"
		"  {\"location\": \"nbg1\", \"price_monthly\": {\"net\": \"6.4950000000\", \"gross\": \"7.7\"}}],"
		" \"locations\": [{\"id\": 1, \"name\": \"fsn1\", \"deprecation\": null, \"available\": true,"
		"   \"recommended\": true},"
		"  {\"id\": 2, \"name\": \"nbg1\", \"deprecation\": {\"announced\": \"2026-01-01T00:00:00+00:00\","
		"   \"unavailable_after\": \"2026-04-01T00:00:00+00:00\"}, \"available\": false,"
		"   \"recommended\": false}]}");
	struct hc_server_type t;
	assert_true(hcloud_decode_server_type(&a, o, &t));
	assert_string_equal(t.name, "cpx22");
	assert_int_equal(t.cores, 2);
	assert_int_equal(t.memory_mib, 4096);
	assert_string_equal(t.memory, "4.0"); /* as sent, for exact GB */
	assert_null(t.architecture);
	assert_false(t.deprecated);
	assert_int_equal(t.nlocs, 2);
	assert_string_equal(t.locs[0].location, "fsn1");
	assert_int_equal(t.locs[0].monthly, 599);
	assert_true(t.locs[0].available);
	assert_false(t.locs[0].deprecated);
	assert_int_equal(t.locs[1].monthly, 650); /* 6.495 rounds half up */
	assert_false(t.locs[1].available);
	assert_true(t.locs[1].deprecated);
	json_object_put(o);

	/* a price that is not a decimal is refused, not read as 0 */
	o = parse("{\"id\": 1, \"name\": \"x\", \"prices\": [{\"location\": \"fsn1\","
		  " \"price_monthly\": {\"net\": \"five\"}}]}");
	assert_false(hcloud_decode_server_type(&a, o, &t));
	json_object_put(o);
	arena_release(&a);
}

/* GET /pricing: the charges, net, in micro-euros and cents. */
static void test_pricing(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	json_object *o = parse(
		"{\"currency\": \"EUR\", \"vat_rate\": \"19.00\","
		" \"image\": {\"price_per_gb_month\": {\"net\": \"0.0143000000\", \"gross\": \"0.017\"}},"
		" \"volume\": {\"price_per_gb_month\": {\"net\": \"0.0440000000\"}},"
		" \"server_backup\": {\"percentage\": \"20.0000000000\"},"
		" \"primary_ips\": [{\"type\": \"ipv6\", \"prices\": []},"
		"  {\"type\": \"ipv4\", \"prices\": [{\"location\": \"fsn1\","
		"   \"price_monthly\": {\"net\": \"0.5000000000\"}}]}]}");
	struct hc_pricing p;
	assert_true(hcloud_decode_pricing(&a, o, &p));
	assert_string_equal(p.currency, "EUR");
	assert_int_equal(p.image_gb, 14300);
	assert_int_equal(p.volume_gb, 44000);
	assert_int_equal(p.backup_bp, 2000);
	assert_int_equal(p.nipv4, 1);
	assert_string_equal(p.ipv4[0].location, "fsn1");
	assert_int_equal(p.ipv4[0].monthly, 50);
	json_object_put(o);
	/* a price that is not a decimal is refused */
	o = parse("{\"currency\": \"EUR\", \"image\": {\"price_per_gb_month\": {\"net\": \"x\"}}}");
	assert_false(hcloud_decode_pricing(&a, o, &p));
	json_object_put(o);
	arena_release(&a);
}

static void test_money(void **st)
{
	(void)st;
	int64_t c;
	assert_true(hcloud_parse_money("19.4900000000", &c));
	assert_int_equal(c, 1949);
	assert_true(hcloud_parse_money("0.005", &c));
	assert_int_equal(c, 1);
	assert_true(hcloud_parse_money("0.0049", &c));
	assert_int_equal(c, 0);
	assert_true(hcloud_parse_money("7", &c));
	assert_int_equal(c, 700);
	assert_false(hcloud_parse_money("", &c));
	assert_false(hcloud_parse_money("1,5", &c));
	assert_false(hcloud_parse_money("-1", &c));
}

static void test_firewall(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	json_object *o = parse(
		"{\"id\": 38, \"name\": \"fw\", \"labels\": {},"
		" \"rules\": [{\"direction\": \"in\", \"protocol\": \"tcp\", \"port\": \"80\","
		"   \"source_ips\": [\"::/0\", \"0.0.0.0/0\"], \"destination_ips\": []},"
		"  {\"direction\": \"out\", \"protocol\": \"icmp\", \"port\": null, \"source_ips\": [],"
		"   \"destination_ips\": [\"10.0.0.0/8\"]}],"
		" \"applied_to\": [{\"type\": \"server\", \"server\": {\"id\": 42}},"
		"  {\"type\": \"label_selector\", \"label_selector\": {\"selector\": \"env=prod\"}}]}");
	struct hc_firewall f;
	assert_true(hcloud_decode_firewall(&a, o, &f));
	assert_int_equal(f.nrules, 2);
	assert_string_equal(f.rules[0].port, "80");
	assert_int_equal(f.rules[0].nips, 2);
	assert_string_equal(f.rules[0].ips[0], "0.0.0.0/0"); /* sorted */
	assert_null(f.rules[1].port);
	assert_string_equal(f.rules[1].ips[0], "10.0.0.0/8"); /* destination for out */
	assert_int_equal(f.nservers, 1);                      /* selectors are not servers */
	assert_int_equal(f.servers[0], 42);
	json_object_put(o);
	arena_release(&a);
}

static void test_rrset_zone_key(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	json_object *o = parse("{\"id\": \"www/A\", \"name\": \"www\", \"type\": \"A\", \"ttl\": null,"
			       " \"records\": [{\"value\": \"198.51.100.2\", \"comment\": \"\"},"
			       " {\"value\": \"198.51.100.1\"}], \"labels\": {\"a\": \"b\"}}");
	struct hc_rrset r;
	assert_true(hcloud_decode_rrset(&a, o, &r));
	assert_string_equal(r.name, "www");
	assert_int_equal(r.nrecords, 2);
	assert_string_equal(r.records[0], "198.51.100.1");
	json_object_put(o);

	o = parse("{\"id\": 400001, \"name\": \"example.com\", \"mode\": \"primary\"}");
	struct hc_zone z;
	assert_true(hcloud_decode_zone(&a, o, &z));
	assert_int_equal(z.id, 400001);
	json_object_put(o);

	o = parse("{\"id\": 2323, \"name\": \"My ssh key\", \"fingerprint\": "
		  "\"b7:2f:30:a0:2f:6c:58:6c:21:04:58:61:ba:06:3b:2f\", \"public_key\": "
		  "\"ssh-rsa AAAjjk76kgf...Xt\", \"labels\": {}}");
	struct hc_ssh_key k;
	assert_true(hcloud_decode_ssh_key(&a, o, &k));
	assert_string_equal(k.public_key, "ssh-rsa AAAjjk76kgf...Xt");
	json_object_put(o);
	arena_release(&a);
}

static void test_error_envelope(void **st)
{
	(void)st;
	struct error e = ERROR_INIT;
	hcloud_error_decode(422, "{\"error\": {\"code\": \"invalid_input\", \"message\": "
				 "\"invalid input in fields 'server_type', 'image'\", \"details\": "
				 "{\"fields\": [{\"name\": \"server_type\", \"messages\": [\"is required\"]},"
				 " {\"name\": \"image\", \"messages\": [\"not found\", \"bad\"]}]}}}",
			    NULL, &e);
	assert_string_equal(e.code, "invalid_input");
	assert_string_equal(e.msg,
			    "HTTP 422 invalid_input: invalid input in fields 'server_type', 'image' "
			    "(server_type: is required; image: not found, bad)");
	hcloud_error_decode(503, "<html>oops</html>", NULL, &e);
	assert_string_equal(e.code, "");
	assert_string_equal(e.msg, "HTTP 503 (no error envelope in the answer)");
	hcloud_error_decode(429, "{\"error\": {\"code\": \"rate_limit_exceeded\", \"message\": "
				 "\"limit reached\", \"details\": {}}}", NULL, &e);
	assert_string_equal(e.msg, "HTTP 429 rate_limit_exceeded: limit reached");
	assert_int_equal(e.status, 429);
	assert_true(error_code_is(&e, "rate_limit_exceeded"));
	error_release(&e);
}

/* An error answer that echoes the request's Authorization header and
 * holds escape sequences and line breaks: the message is one line,
 * without the token, its control characters escaped. */
static void test_error_hostile(void **st)
{
	(void)st;
	struct error e = ERROR_INIT;
	hcloud_error_decode(401, "{\"error\": {\"code\": \"unauthorized\\u001b[2J\", \"message\": "
				 "\"bad header Authorization: Bearer tok-123-secret\\u001b[2J\\nforged: line\\r\", "
				 "\"details\": {\"fields\": [{\"name\": \"tok-123-secret\\n\", "
				 "\"messages\": [\"tok-123-secret\\u0007\"]}]}}}",
			    "tok-123-secret", &e);
	assert_string_equal(e.msg, "HTTP 401 unauthorized\\x1b[2J: bad header Authorization: Bearer "
				   "<redacted>\\x1b[2J\\nforged: line\\r (<redacted>\\n: <redacted>\\x07)");
	assert_null(strchr(e.msg, '\n'));
	assert_null(strchr(e.msg, '\x1b'));
	/* the code is matched as the API gave it */
	assert_true(error_code_is(&e, "unauthorized\x1b[2J"));
	error_release(&e);
}

static void test_action(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	struct hc_action x;
	json_object *o = parse("{\"id\": 13, \"command\": \"start_server\", \"status\": \"running\","
			       " \"progress\": 40, \"started\": \"2016-01-30T23:55:00Z\", \"finished\": null,"
			       " \"resources\": [{\"id\": 42, \"type\": \"server\"}], \"error\": null}");
	assert_true(hcloud_decode_action(&a, o, &x));
	assert_int_equal(x.id, 13);
	assert_string_equal(x.command, "start_server");
	assert_int_equal(x.status, HC_ACTION_RUNNING);
	assert_int_equal(x.progress, 40);
	assert_null(x.error_code);
	json_object_put(o);
	o = parse("{\"id\": 14, \"command\": \"change_server_type\", \"status\": \"error\","
		  " \"progress\": 100, \"error\": {\"code\": \"action_failed\", \"message\": \"Action failed\"}}");
	assert_true(hcloud_decode_action(&a, o, &x));
	assert_int_equal(x.status, HC_ACTION_ERROR);
	assert_string_equal(x.error_code, "action_failed");
	assert_string_equal(x.error_message, "Action failed");
	json_object_put(o);
	o = parse("{\"id\": 15, \"command\": \"x\", \"status\": \"weird\"}");
	assert_true(hcloud_decode_action(&a, o, &x));
	assert_int_equal(x.status, HC_ACTION_ERROR);
	assert_string_equal(x.error_message, "action ended with status 'weird'");
	json_object_put(o);
	arena_release(&a);
}

/* The documented examples of create_image and of a placement group. */
static void test_snapshot_and_group(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	json_object *o = parse(
		"{\"id\": 4711, \"type\": \"snapshot\", \"status\": \"available\", \"name\": null,"
		" \"description\": \"my image\", \"image_size\": 2.3, \"disk_size\": 10,"
		" \"created\": \"2016-01-30T23:50:00Z\", \"created_from\": {\"id\": 1, \"name\": \"Server\"},"
		" \"bound_to\": null, \"protection\": {\"delete\": true}, \"labels\": {\"key\": \"value\"}}");
	struct hc_snapshot sn;
	assert_true(hcloud_decode_snapshot(&a, o, &sn));
	assert_int_equal(sn.id, 4711);
	assert_int_equal(sn.image_size_mb, 2300);
	assert_int_equal(sn.disk_size_gb, 10);
	assert_int_equal(sn.server, 1);
	assert_string_equal(sn.server_name, "Server");
	assert_string_equal(sn.description, "my image");
	assert_true(sn.protect_delete);
	assert_string_equal(hcloud_label(&sn.labels, "key"), "value");
	json_object_put(o);
	/* still creating: no size yet */
	o = parse("{\"id\": 4712, \"type\": \"snapshot\", \"status\": \"creating\", \"image_size\": null,"
		  " \"disk_size\": 80}");
	assert_true(hcloud_decode_snapshot(&a, o, &sn));
	assert_int_equal(sn.image_size_mb, -1);
	assert_int_equal(sn.server, 0);
	json_object_put(o);
	/* a system image is not a snapshot */
	o = parse("{\"id\": 1, \"type\": \"system\", \"status\": \"available\", \"name\": \"debian-12\"}");
	assert_false(hcloud_decode_snapshot(&a, o, &sn));
	json_object_put(o);

	o = parse("{\"id\": 897, \"name\": \"my Placement Group\", \"labels\": {\"key\": \"value\"},"
		  " \"type\": \"spread\", \"created\": \"2019-01-08T12:10:00Z\", \"servers\": [4711, 4712]}");
	struct hc_placement_group pg;
	assert_true(hcloud_decode_placement_group(&a, o, &pg));
	assert_int_equal(pg.id, 897);
	assert_string_equal(pg.name, "my Placement Group");
	assert_string_equal(pg.type, "spread");
	assert_int_equal(pg.nservers, 2);
	assert_string_equal(hcloud_label(&pg.labels, "key"), "value");
	json_object_put(o);
	o = parse("{\"id\": 898, \"type\": \"spread\"}"); /* no name */
	assert_false(hcloud_decode_placement_group(&a, o, &pg));
	json_object_put(o);
	arena_release(&a);
}

static void test_pagination(void **st)
{
	(void)st;
	json_object *o = parse("{\"servers\": [], \"meta\": {\"pagination\": {\"page\": 1, "
			       "\"per_page\": 50, \"previous_page\": null, \"next_page\": 2, "
			       "\"last_page\": 3, \"total_entries\": 120}}}");
	assert_int_equal(hcloud_next_page(o), 2);
	json_object_put(o);
	o = parse("{\"servers\": [], \"meta\": {\"pagination\": {\"page\": 3, \"next_page\": null}}}");
	assert_int_equal(hcloud_next_page(o), 0);
	json_object_put(o);
	o = parse("{\"servers\": []}"); /* no meta: one page */
	assert_int_equal(hcloud_next_page(o), 0);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server),     cmocka_unit_test(test_server_type),
		cmocka_unit_test(test_money),      cmocka_unit_test(test_firewall),
		cmocka_unit_test(test_pricing),
		cmocka_unit_test(test_rrset_zone_key), cmocka_unit_test(test_error_envelope),
		cmocka_unit_test(test_error_hostile),
		cmocka_unit_test(test_action),     cmocka_unit_test(test_pagination),
		cmocka_unit_test(test_snapshot_and_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
