/* The diff: desired state of a phase against hand-made observed states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compile.h"
#include "emit.h"
#include "plan.h"
#include "plan_report.h"
#include "rotate.h"

static const char infra[] =
	"project shop {\n"
	"  provider = hetzner\n"
	"  location = \"nbg1\"\n"
	"  start = 2026-01\n"
	"  horizon = 12 months\n"
	"}\n"
	"ssh_key ops {\n"
	"  public_key = \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP0oZp1lH3OHbNgwHnhQpDPhhE7dPanMDKWPahOPVtCy ops\"\n"
	"}\n"
	"server web_1 {\n"
	"  type = cpx22\n"
	"  image = \"ubuntu-24.04\"\n"
	"  ssh_keys = [ops]\n"
	"}\n"
	"service app {\n"
	"  image = \"nginx:1.27\"\n"
	"  ram = 0.5 GB\n"
	"  publish = 8080\n"
	"  env {\n"
	"    TOKEN = secret(\"APP_TOKEN\")\n"
	"  }\n"
	"}\n"
	"phase one {\n"
	"  start = 2026-01\n"
	"  months = 6\n"
	"  run on web_1 { app }\n"
	"}\n"
	"phase two {\n"
	"  start = 2026-07\n"
	"  months = 6\n"
	"  server web_1 {\n"
	"    type = cpx32\n"
	"  }\n"
	"  run on web_1 { app }\n"
	"}\n";

struct fixture {
	struct compilation c;
	struct desired want;
	struct state st;
	struct plan plan;
	char path[64];
};

static int setup(void **st)
{
	struct fixture *f = calloc(1, sizeof(*f));
	setenv("APP_TOKEN", "first-token", 1);
	snprintf(f->path, sizeof(f->path), "/tmp/infrac-test-plan-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, infra, sizeof(infra) - 1), (ssize_t)(sizeof(infra) - 1));
	close(fd);
	if (!compile_path(&f->c, f->path)) {
		diag_print(&f->c.diags, stderr, false);
		fail();
	}
	*st = f;
	return 0;
}

static int teardown(void **st)
{
	struct fixture *f = *st;
	compile_release(&f->c);
	unlink(f->path);
	free(f);
	return 0;
}

static void build_phase(struct fixture *f, const struct mdl_phase *ph, struct emit_output *art)
{
	struct diag_list dl;
	diag_list_init(&dl, &f->c.arena);
	assert_true(emit_build(&f->c.arena, &dl, f->c.project, ph, art));
	diag_list_release(&dl);
}

static void want_phase(struct fixture *f, const char *phase)
{
	const struct mdl_phase *ph = model_phase(f->c.project, phase);
	assert_non_null(ph);
	struct emit_output art;
	build_phase(f, ph, &art);
	desired_build(&f->c.arena, f->c.project, ph, &art, &f->want);
}

/* n labels, the first of them from kv (room for n, kv holds up to 4) */
static struct hc_labels labels(struct arena *a, size_t n, const char *const *kv)
{
	struct hc_labels l = { arena_calloc(a, n, sizeof(char *)), arena_calloc(a, n, sizeof(char *)), n };
	for (size_t i = 0; i < n && i < 4; i++) {
		l.keys[i] = kv[2 * i];
		l.vals[i] = kv[2 * i + 1];
	}
	return l;
}

/* What apply would leave behind for the desired state: an exact match. */
static void state_matching(struct fixture *f)
{
	struct arena *a = &f->c.arena;
	struct state *s = &f->st;
	memset(s, 0, sizeof(*s));
	s->online = true;
	static struct hc_location loc = { 2, "nbg1" };
	s->locations = &loc;
	s->nlocations = 1;
	static struct hc_type_loc tl22 = { .location = "nbg1", .monthly = 599, .listed = true,
					   .available = true };
	static struct hc_type_loc tl32 = { .location = "nbg1", .monthly = 1049, .listed = true,
					   .available = true };
	s->types = arena_calloc(a, 2, sizeof(*s->types));
	s->types[0] = (struct hc_server_type){ .id = 104, .name = "cpx22", .cores = 2,
						.memory_mib = 4096, .disk_gb = 80, .locs = &tl22,
						.nlocs = 1 };
	s->types[1] = (struct hc_server_type){ .id = 105, .name = "cpx32", .cores = 4,
						.memory_mib = 8192, .disk_gb = 160, .locs = &tl32,
						.nlocs = 1 };
	s->ntypes = 2;
	static struct hc_image img = { 1, "ubuntu-24.04", "x86", "available", false };
	s->images = &img;
	s->nimages = 1;
	const struct desired_server *w = &f->want.servers[0];
	s->servers = arena_calloc(a, 2, sizeof(*s->servers));
	const char *kv[] = { STATE_LABEL_ARTEFACTS, w->artefacts, STATE_LABEL_PROJECT, "shop",
			     STATE_LABEL_SERVER, "web_1", STATE_LABEL_SSH_KEYS, w->keys_hash };
	struct hc_labels l = labels(a, 4 + rotate_nlabels(w), kv);
	l.n = 4 + rotate_labels(a, &f->want, w, "0123456789abcdef", NULL, l.keys + 4, l.vals + 4);
	s->servers[0] = (struct hc_server){ 100001, "shop-web-1", "running", w->type, w->image,
					    "nbg1", "192.0.2.1", l, false, false, NULL, NULL, 0 };
	s->nservers = 1;
	const char *kk[] = { STATE_LABEL_KEY, "ops", STATE_LABEL_PROJECT, "shop" };
	s->keys = arena_calloc(a, 1, sizeof(*s->keys));
	s->keys[0] = (struct hc_ssh_key){ 200001, "shop-ops", "aa:bb", f->want.keys[0].public_key,
					  labels(a, 2, kk) };
	s->nkeys = 1;
	const struct desired_firewall *fw = &f->want.firewalls[0];
	s->firewalls = arena_calloc(a, 1, sizeof(*s->firewalls));
	s->nfirewalls = 1;
	struct hc_firewall *h = &s->firewalls[0];
	const char *fk[] = { STATE_LABEL_PROJECT, "shop", STATE_LABEL_SERVER, "web_1" };
	*h = (struct hc_firewall){ 300001, "shop-web-1", labels(a, 2, fk), NULL, 0, NULL, 0 };
	h->rules = arena_calloc(a, fw->nports, sizeof(*h->rules));
	static const char *any[] = { "0.0.0.0/0", "::/0" };
	for (size_t i = 0; i < fw->nports; i++)
		h->rules[h->nrules++] = (struct hc_rule){ "in", "tcp",
							  arena_printf(a, "%d", fw->ports[i]), any, 2 };
	h->servers = arena_calloc(a, 1, sizeof(int64_t));
	h->servers[h->nservers++] = 100001;
}

static void diff(struct fixture *f)
{
	plan_diff(&f->c.arena, &f->want, &f->st, &f->plan);
	if (getenv("VERBOSE"))
		plan_report_text(&f->plan, "test.infra", stderr);
}

static const struct plan_action *find(const struct plan *p, enum plan_kind k, const char *name)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].kind == k && !strcmp(p->actions[i].name, name))
			return &p->actions[i];
	return NULL;
}

static void test_create_offline(void **st)
{
	struct fixture *f = *st;
	want_phase(f, "one");
	state_offline(&f->st);
	diff(f);
	assert_int_equal(f->plan.nactions, 3);
	assert_int_equal(f->plan.add, 3);
	const struct plan_action *x = find(&f->plan, PLAN_SERVER, "shop-web-1");
	assert_non_null(x);
	assert_int_equal(x->op, PLAN_CREATE);
	assert_string_equal(x->summary, "(cpx22, ubuntu-24.04, nbg1)");
	x = find(&f->plan, PLAN_FIREWALL, "shop-web-1");
	assert_string_equal(x->reason, "create: inbound 22, 8080/tcp");
	assert_non_null(find(&f->plan, PLAN_SSH_KEY, "shop-ops"));
	/* the order: keys, firewalls, servers */
	assert_int_equal(f->plan.actions[0].kind, PLAN_SSH_KEY);
	assert_int_equal(f->plan.actions[2].kind, PLAN_SERVER);
	assert_int_equal(f->plan.cost_before, 0);
	assert_int_equal(f->plan.cost_after, 599); /* the built-in price offline */
	assert_int_equal(f->plan.nerrors, 0);
}

static void test_noop(void **st)
{
	struct fixture *f = *st;
	want_phase(f, "one");
	state_matching(f);
	diff(f);
	assert_int_equal(f->plan.nactions, 0);
	assert_false(plan_has_changes(&f->plan));
	assert_int_equal(f->plan.cost_before, 599);
	assert_int_equal(f->plan.cost_after, 599);
	assert_int_equal(f->plan.nwarnings, 0);
}

static void test_change_type(void **st)
{
	struct fixture *f = *st;
	want_phase(f, "one");
	state_matching(f);
	want_phase(f, "two"); /* same services, bigger type */
	diff(f);
	assert_int_equal(f->plan.nactions, 1);
	const struct plan_action *x = find(&f->plan, PLAN_SERVER, "shop-web-1");
	assert_int_equal(x->op, PLAN_CHANGE_TYPE);
	/* the artefacts name their phase in their first line, so a phase
	 * switch redeploys them too (compose then restarts nothing) */
	const struct hc_labels *l = &f->st.servers[0].labels;
	const char *before = NULL;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->keys[i], STATE_LABEL_ARTEFACTS))
			before = l->vals[i];
	assert_non_null(before);
	assert_string_not_equal(before, f->want.servers[0].artefacts);
	char *want = arena_printf(&f->c.arena, "update: change type cpx22 -> cpx32: poweroff, "
				  "change_type, poweron (downtime); redeploy artefacts (%s -> %s)",
				  before, f->want.servers[0].artefacts);
	assert_string_equal(x->reason, want);
	assert_int_equal(f->plan.change, 1);
	assert_int_equal(f->plan.cost_after, 1049);
}

static void test_replace(void **st)
{
	struct fixture *f = *st;
	want_phase(f, "one");
	state_matching(f);
	f->st.servers[0].image = "debian-12";
	diff(f);
	const struct plan_action *x = find(&f->plan, PLAN_SERVER, "shop-web-1");
	assert_int_equal(x->op, PLAN_REPLACE);
	assert_non_null(strstr(x->reason, "image debian-12 -> ubuntu-24.04 forces a new server"));

	state_matching(f);
	f->st.servers[0].location = "fsn1";
	diff(f);
	x = find(&f->plan, PLAN_SERVER, "shop-web-1");
	assert_int_equal(x->op, PLAN_REPLACE);
	assert_non_null(strstr(x->reason, "location fsn1 -> nbg1"));

	/* every difference is listed, the forcing ones marked */
	state_matching(f);
	f->st.servers[0].location = "fsn1";
	f->st.servers[0].type = "cpx32";
	diff(f);
	x = find(&f->plan, PLAN_SERVER, "shop-web-1");
	assert_int_equal(x->op, PLAN_REPLACE);
	assert_int_equal(x->ndetails, 2);
	assert_string_equal(x->details[0].subject, "location");
	assert_true(x->details[0].forces);
	assert_string_equal(x->details[1].subject, "type");
	assert_false(x->details[1].forces);
	assert_int_equal(f->plan.replace, 1);

	/* other keys: authorized_keys over SSH, the server stays */
	state_matching(f);
	f->st.servers[0].labels.vals[3] = "000000000000"; /* infrac/ssh-keys */
	diff(f);
	x = find(&f->plan, PLAN_SERVER, "shop-web-1");
	assert_int_equal(x->op, PLAN_UPDATE);
	assert_true(x->deploy);
	assert_non_null(strstr(x->reason, "update ssh keys over SSH (the server stays)"));
	assert_int_equal(f->plan.replace, 0);

	/* a new public key under the same name replaces the key */
	state_matching(f);
	f->st.keys[0].public_key = "ssh-ed25519 AAAAother ops";
	diff(f);
	x = find(&f->plan, PLAN_SSH_KEY, "shop-ops");
	assert_int_equal(x->op, PLAN_REPLACE);
	/* only the comment differs: the same key */
	state_matching(f);
	f->st.keys[0].public_key =
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP0oZp1lH3OHbNgwHnhQpDPhhE7dPanMDKWPahOPVtCy other";
	diff(f);
	assert_int_equal(f->plan.nactions, 0);
}

/* A rotated secret redeploys the service that reads it, never naming
 * the value; an unset one is not compared. */
static void test_rotation(void **st)
{
	struct fixture *f = *st;
	want_phase(f, "one");
	state_matching(f);
	setenv("APP_TOKEN", "second-token", 1);
	want_phase(f, "one");
	diff(f);
	const struct plan_action *x = find(&f->plan, PLAN_SERVER, "shop-web-1");
	assert_non_null(x);
	assert_true(x->deploy);
	assert_string_equal(x->reason, "update: redeploy: 1 service changes");
	assert_int_equal(x->ndetails, 1);
	assert_string_equal(x->details[0].subject, "app");
	assert_string_equal(x->details[0].change, "restarts: secret APP_TOKEN rotated");
	for (size_t i = 0; i < x->nlabels; i++)
		assert_null(strstr(x->labels_vals[i], "second"));
	unsetenv("APP_TOKEN");
	want_phase(f, "one");
	diff(f);
	assert_null(find(&f->plan, PLAN_SERVER, "shop-web-1"));
	setenv("APP_TOKEN", "first-token", 1);
}

/* A server `infrac rollback` switched to an older release: plan says so,
 * and apply deploys the file's release again, even when it is the same. */
static void test_rolled_back(void **st)
{
	struct fixture *f = *st;
	want_phase(f, "one");
	const char *ids[] = { "bbbbbbbbbbbb", f->want.servers[0].artefacts };
	for (size_t i = 0; i < 2; i++) {
		state_matching(f);
		struct hc_labels *l = &f->st.servers[0].labels;
		const char **k = arena_calloc(&f->c.arena, l->n + 1, sizeof(*k));
		const char **v = arena_calloc(&f->c.arena, l->n + 1, sizeof(*v));
		memcpy(k, l->keys, l->n * sizeof(*k));
		memcpy(v, l->vals, l->n * sizeof(*v));
		v[0] = ids[i];
		k[l->n] = STATE_LABEL_ROLLED_BACK, v[l->n] = ids[i];
		*l = (struct hc_labels){ k, v, l->n + 1 };
		diff(f);
		const struct plan_action *x = find(&f->plan, PLAN_SERVER, "shop-web-1");
		assert_int_equal(x->op, PLAN_UPDATE);
		char *want = arena_printf(&f->c.arena, "rolled back to %s; apply redeploys %s", ids[i],
					  f->want.servers[0].artefacts);
		assert_non_null(strstr(x->reason, want));
		assert_null(strstr(x->reason, "redeploy artefacts"));
	}
}

static void test_destroy_and_labels(void **st)
{
	struct fixture *f = *st;
	want_phase(f, "one");
	state_matching(f);
	const char *kv[] = { STATE_LABEL_PROJECT, "shop" };
	f->st.servers[1] = (struct hc_server){ 100002, "shop-old", "running", "cpx32", "ubuntu-24.04",
					       "nbg1", NULL, labels(&f->c.arena, 1, kv), false, false,
					       NULL, NULL, 0 };
	f->st.nservers = 2;
	diff(f);
	assert_int_equal(f->plan.nactions, 1);
	const struct plan_action *x = find(&f->plan, PLAN_SERVER, "shop-old");
	assert_int_equal(x->op, PLAN_DESTROY);
	assert_string_equal(x->reason, "destroy: labelled infrac/project=shop but not in the file");
	assert_int_equal(f->plan.cost_before, 599 + 1049);
	assert_int_equal(f->plan.cost_after, 599);

	/* artefacts label changed: redeploy in place */
	state_matching(f);
	f->st.servers[0].labels.vals[0] = "aaaaaaaaaaaa";
	diff(f);
	x = find(&f->plan, PLAN_SERVER, "shop-web-1");
	assert_int_equal(x->op, PLAN_UPDATE);
	assert_non_null(strstr(x->reason, "redeploy artefacts (aaaaaaaaaaaa -> "));

	/* a firewall rule added by hand and one missing */
	state_matching(f);
	f->st.firewalls[0].rules[1].port = "9999";
	diff(f);
	x = find(&f->plan, PLAN_FIREWALL, "shop-web-1");
	assert_int_equal(x->op, PLAN_UPDATE);
	assert_string_equal(x->reason, "update: rules +8080/tcp, -9999/tcp");

	/* the firewall is no longer applied to the server */
	state_matching(f);
	f->st.firewalls[0].nservers = 0;
	diff(f);
	x = find(&f->plan, PLAN_FIREWALL, "shop-web-1");
	assert_string_equal(x->reason, "update: apply to server shop-web-1");
}

static void test_preflight(void **st)
{
	struct fixture *f = *st;
	want_phase(f, "one");
	state_matching(f);
	f->st.nservers = 0; /* to be created */
	f->st.types[0].locs[0].available = false;
	f->st.nimages = 0;
	diff(f);
	f->st.types[0].locs[0].available = true;
	assert_int_equal(f->plan.nerrors, 2);
	assert_string_equal(f->plan.errors[0], "image ubuntu-24.04 does not exist at Hetzner");
	assert_string_equal(f->plan.errors[1],
			    "server type cpx22 cannot be ordered in nbg1 (not available there)");

	state_matching(f);
	f->st.types[0].locs[0].monthly = 649;
	diff(f);
	f->st.types[0].locs[0].monthly = 599;
	assert_int_equal(f->plan.nerrors, 0);
	assert_int_equal(f->plan.nwarnings, 1);
	assert_string_equal(f->plan.warnings[0], "server type cpx22 costs 6.49 EUR/month in nbg1 at "
						 "Hetzner, the file says 5.99 EUR/month");
	assert_int_equal(f->plan.cost_after, 649);
}

static void test_artefact_hash(void **st)
{
	struct fixture *f = *st;
	const struct mdl_phase *one = model_phase(f->c.project, "one");
	struct emit_output art;
	build_phase(f, one, &art);
	char h1[DESIRED_HASH_LEN + 1], h2[DESIRED_HASH_LEN + 1];
	desired_artefact_hash(&art, "one", "web_1", h1);
	assert_int_equal(strlen(h1), DESIRED_HASH_LEN);
	assert_int_equal(strspn(h1, "0123456789abcdef"), DESIRED_HASH_LEN);

	/* the label follows the deployed bytes: change the compose file ... */
	for (size_t i = 0; i < art.n; i++)
		if (strstr(art.files[i].path, "docker-compose.yml"))
			art.files[i].len--;
	desired_artefact_hash(&art, "one", "web_1", h2);
	assert_string_not_equal(h1, h2);
	for (size_t i = 0; i < art.n; i++)
		if (strstr(art.files[i].path, "docker-compose.yml"))
			art.files[i].len++;
	/* ... but not cloud-init.yaml, which only a new server reads */
	for (size_t i = 0; i < art.n; i++)
		if (strstr(art.files[i].path, "cloud-init.yaml"))
			art.files[i].len--;
	desired_artefact_hash(&art, "one", "web_1", h2);
	assert_string_equal(h1, h2);
	/* another server's files are not this server's */
	desired_artefact_hash(&art, "one", "web", h2);
	assert_string_not_equal(h1, h2);
}

static void test_fingerprint(void **st)
{
	struct fixture *f = *st;
	want_phase(f, "one");
	char a[DIGEST_HEX], b[DIGEST_HEX], c[DIGEST_HEX], off[DIGEST_HEX];
	state_matching(f);
	state_fingerprint(&f->st, a);
	state_matching(f);
	state_fingerprint(&f->st, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	f->st.servers[0].labels.vals[0] = "aaaaaaaaaaaa";
	state_fingerprint(&f->st, c);
	assert_string_not_equal(a, c);
	state_matching(f);
	f->st.firewalls[0].nservers = 0;
	state_fingerprint(&f->st, c);
	assert_string_not_equal(a, c);
	state_offline(&f->st);
	state_fingerprint(&f->st, off);
	assert_string_not_equal(a, off);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_offline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_and_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rolled_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preflight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_artefact_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
