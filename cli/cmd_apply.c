#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "digest.h"
#include "emit.h"
#include "lock.h"
#include "plan.h"
#include "state.h"
#include "view.h"

static const char apply_usage[] =
	"usage: infrac apply FILE [--phase P | --at DATE] [--yes] [--parallelism N] [--debug]\n"
	"                    [--no-color]\n"
	"       infrac apply PLANFILE [--parallelism N] [--debug] [--no-color]\n"
	"\n"
	"Makes the Hetzner project match one phase of FILE: ssh keys and firewalls,\n"
	"then the servers (up to N at once), the artefacts of `infrac build` deployed\n"
	"on each over SSH, the DNS records of each domain, and destroys last.\n"
	"With FILE it shows the plan and asks for `yes` on a terminal; without a\n"
	"terminal it needs --yes.  A PLANFILE saved by `infrac plan --out` is\n"
	"applied without asking, but refused when FILE or the project changed\n"
	"since it was saved.  Safe to interrupt and to run again.\n"
	"\n"
	"  --phase P        apply phase P (default: the phase running today)\n"
	"  --at DATE        apply the phase running on DATE (YYYY-MM-DD or YYYY-MM)\n"
	"  --yes            do not ask\n"
	"  --parallelism N  servers created at once, and deploys at once (default 10)\n"
	"  --debug          trace API requests on stderr (the token redacted)\n"
	"  --no-color       no bold in the live view (also NO_COLOR=1)\n"
	"\n"
	"Environment: HCLOUD_TOKEN (required), HCLOUD_ENDPOINT, the secret(\"NAME\")\n"
	"variables of the file, INFRAC_TODAY; for ssh INFRAC_SSH_USER (root),\n"
	"INFRAC_SSH_PORT (22), INFRAC_SSH_IDENTITY (~/.ssh/id_ed25519, id_ecdsa or\n"
	"id_rsa); for tests INFRAC_REMOTE_ROOT, INFRAC_ACTION_POLL_MS and\n"
	"INFRAC_HEALTH_TIMEOUT.\n"
	"\n"
	"Exit status: 0 success, 1 errors, 2 usage.\n";

#define DEFAULT_ENDPOINT "https://api.hetzner.cloud/v1"

/* A saved plan: what apply checks before using it. */
struct saved {
	json_object *root;
	const char *source, *sha, *fingerprint, *phase;
};

static const char *jget(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Is path a saved plan?  true and filled when it is; *bad on a saved plan
 * apply cannot use. */
static bool read_saved(const char *path, struct saved *sv, bool *bad)
{
	memset(sv, 0, sizeof(*sv));
	*bad = false;
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	int c;
	while ((c = fgetc(f)) == ' ' || c == '\n' || c == '\t' || c == '\r')
		;
	fclose(f);
	if (c != '{')
		return false;
	sv->root = json_object_from_file(path);
	json_object *ph, *fmt;
	if (!sv->root || !json_object_object_get_ex(sv->root, "format", &fmt) ||
	    json_object_get_int(fmt) != PLAN_FORMAT ||
	    !json_object_object_get_ex(sv->root, "phase", &ph)) {
		*bad = true;
		return true;
	}
	sv->source = jget(sv->root, "source");
	sv->sha = jget(sv->root, "source_sha256");
	sv->fingerprint = jget(sv->root, "state_fingerprint");
	sv->phase = jget(ph, "name");
	*bad = !sv->source || !sv->sha || !sv->fingerprint || !sv->phase;
	return true;
}

static const char *default_identity(struct arena *a)
{
	const char *env = getenv("INFRAC_SSH_IDENTITY");
	if (env && *env)
		return env;
	const char *home = getenv("HOME");
	static const char *const names[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	for (size_t i = 0; home && i < 3; i++) {
		const char *p = arena_printf(a, "%s/.ssh/%s", home, names[i]);
		if (access(p, R_OK) == 0)
			return p;
	}
	return NULL;
}

/* $XDG_STATE_HOME/infrac/known_hosts/PROJECT, its directory made. */
static const char *known_hosts(struct arena *a, const char *project)
{
	char lp[4096];
	lock_path(project, lp, sizeof(lp));
	char *s = strstr(lp, "/locks/");
	if (!s)
		return NULL;
	*s = '\0';
	const char *dir = arena_printf(a, "%s/known_hosts", lp);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return NULL;
	return arena_printf(a, "%s/%s", dir, project);
}

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	char *end;
	long n = v && *v ? strtol(v, &end, 10) : -1;
	return v && *v && !*end && n >= 0 ? n : dflt;
}

static bool confirm(void)
{
	fputs("\nDo you want to apply this plan? Only 'yes' will be accepted: ", stdout);
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcmp(line, "yes");
}

int cmd_apply(int argc, char **argv)
{
	bool yes = false, debug = false, no_color = false;
	const char *arg, *phase_name = NULL, *at = NULL, *par = NULL;
	int rc;
	const struct cli_opt opts[] = {
		{ "--yes", false, NULL, &yes },
		{ "--debug", false, NULL, &debug },
		{ "--no-color", false, NULL, &no_color },
		{ "--phase", true, &phase_name, NULL },
		{ "--at", true, &at, NULL },
		{ "--parallelism", true, &par, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &arg, apply_usage, &rc))
		return rc;
	long parallelism = 10;
	if (par) {
		char *end;
		parallelism = strtol(par, &end, 10);
		if (*end || parallelism < 1 || parallelism > 100) {
			fprintf(stderr, "infrac apply: --parallelism takes 1..100\n%s", apply_usage);
			return CLI_USAGE;
		}
	}
	if (phase_name && at) {
		fprintf(stderr, "infrac apply: --phase and --at exclude each other\n%s", apply_usage);
		return CLI_USAGE;
	}
	struct saved sv;
	bool bad;
	bool saved = read_saved(arg, &sv, &bad);
	if (saved && bad) {
		fprintf(stderr, "infrac apply: error: %s is not a plan saved by `infrac plan --out`\n",
			arg);
		json_object_put(sv.root);
		return CLI_ERRORS;
	}
	if (saved && (phase_name || at)) {
		fprintf(stderr, "infrac apply: a saved plan has its phase; --phase and --at do not "
				"apply\n");
		json_object_put(sv.root);
		return CLI_USAGE;
	}
	const char *file = saved ? sv.source : arg;

	struct compilation c;
	rc = CLI_ERRORS;
	bool compiled = cli_compile(&c, file, false);
	struct lock lk = { .fd = -1 };
	struct http_client hc;
	bool client = false;
	if (!compiled)
		goto out;
	const struct mdl_project *p = c.project;
	struct arena *a = &c.arena;
	const char *fname = cli_base_name(file);
	char src_sha[DIGEST_HEX];
	digest_sha256_hex(c.src.text, c.src.len, src_sha);
	if (saved && strcmp(src_sha, sv.sha)) {
		fprintf(stderr, "infrac apply: error: %s changed since the plan was saved; plan "
				"again\n", fname);
		goto out;
	}
	const struct mdl_phase *ph = cli_pick_phase(p, saved ? sv.phase : phase_name, at, "apply");
	if (!ph)
		goto out;
	struct emit_output art;
	struct diag_list edl;
	diag_list_init(&edl, a);
	if (!emit_build(a, &edl, p, ph, &art)) {
		diag_print(&edl, stderr, cli_color(stderr));
		diag_list_release(&edl);
		goto out;
	}
	diag_list_release(&edl);
	struct plan_desired want;
	plan_desired(a, p, ph, &art, &want);

	const char *token = getenv("HCLOUD_TOKEN");
	const char *endpoint = getenv("HCLOUD_ENDPOINT");
	endpoint = endpoint && *endpoint ? endpoint : DEFAULT_ENDPOINT;
	if (!token || !*token) {
		fprintf(stderr, "infrac apply: error: HCLOUD_TOKEN is not set (a read-write API "
				"token of the Hetzner project)\n");
		goto out;
	}
	/* the lock first, so that the state read below is not stale when we act */
	char msg[2048];
	const char *command = arena_printf(a, "infrac apply %s", fname);
	if (!lock_acquire(&lk, p->name, command, msg, sizeof(msg))) {
		fprintf(stderr, "infrac apply: error: %s\n", msg);
		goto out;
	}
	if (msg[0])
		fprintf(stderr, "infrac apply: %s\n", msg);
	char err[512];
	if (!http_client_init(&hc, endpoint, token, err, sizeof(err))) {
		fprintf(stderr, "infrac apply: error: %s\n", err);
		goto out;
	}
	client = true;
	hc.trace = debug ? stderr : NULL;
	struct state st;
	struct hc_error e;
	if (!cli_fetch_state(&hc, a, p->name, &want, &st, &e)) {
		fprintf(stderr, "infrac apply: error: cannot read the project from the API: %s\n",
			e.message);
		goto out;
	}
	char fp[DIGEST_HEX];
	state_fingerprint(&st, fp);
	if (saved && strcmp(fp, sv.fingerprint)) {
		fprintf(stderr, "infrac apply: error: the project changed since the plan was saved; "
				"plan again\n");
		goto out;
	}
	struct plan plan;
	plan_diff(a, &want, &st, &plan);
	plan_text(&plan, fname, stdout);
	fflush(stdout);
	for (size_t i = 0; i < plan.nerrors; i++)
		fprintf(stderr, "infrac apply: error: %s\n", plan.errors[i]);
	if (plan.nerrors) {
		fprintf(stderr, "infrac apply: %zu pre-flight error%s, nothing changed\n",
			plan.nerrors, plan.nerrors == 1 ? "" : "s");
		goto out;
	}
	const char *serr;
	if (!apply_check_secrets(a, &plan, &serr)) {
		fprintf(stderr, "infrac apply: error: %s; nothing changed\n", serr);
		goto out;
	}
	if (plan_has_changes(&plan) && !saved && !yes) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "infrac apply: error: no terminal to confirm on: review the plan "
					"and pass --yes, or apply a plan saved with `infrac plan "
					"--out`\n");
			goto out;
		}
		if (!confirm()) {
			puts("Apply cancelled.");
			goto out;
		}
	}
	const char *kh = known_hosts(a, p->name);
	const char *identity = default_identity(a);
	bool deploys = false;
	for (size_t i = 0; i < plan.nactions; i++)
		deploys |= plan.actions[i].kind == PLAN_SERVER && plan.actions[i].op != PLAN_DESTROY;
	if (deploys && (!kh || !identity)) {
		fprintf(stderr, "infrac apply: error: %s\n",
			!kh ? "cannot make the project's known_hosts directory"
			    : "no ssh identity: set INFRAC_SSH_IDENTITY or create ~/.ssh/id_ed25519");
		goto out;
	}
	const char *user = getenv("INFRAC_SSH_USER");
	struct apply_config cfg = {
		.project = p->name,
		.endpoint = endpoint,
		.token = token,
		.hc = &hc,
		.parallelism = (int)parallelism,
		.poll_ms = env_long("INFRAC_ACTION_POLL_MS", 500),
		.action_timeout_s = 600,
		.art = &art,
		.model = p,
		.ssh_user = user && *user ? user : "root",
		.ssh_port = (int)env_long("INFRAC_SSH_PORT", 22),
		.ssh_identity = identity,
		.known_hosts = kh,
		.health_timeout = (int)env_long("INFRAC_HEALTH_TIMEOUT", 0),
		.out = stdout,
		/* --debug writes to the terminal from every worker: no block then */
		.live = view_live_ok(stdout) && !debug,
		.bold = cli_color(stdout) && !no_color,
		.trace = hc.trace,
	};
	if (plan_has_changes(&plan))
		puts("");
	struct apply_result r;
	bool ok = apply_run(&plan, &cfg, &r);
	if (debug)
		fprintf(stderr, "debug: %ld HTTP requests\n", hc.requests);
	if (ok) {
		printf("\nApply complete! Resources: %d added, %d changed, %d replaced, %d "
		       "destroyed.\n",
		       r.added, r.changed, r.replaced, r.destroyed);
		rc = CLI_OK;
	} else {
		printf("\nApply failed. Resources: %d added, %d changed, %d replaced, %d destroyed, "
		       "%d failed.\n",
		       r.added, r.changed, r.replaced, r.destroyed, r.failed);
		fprintf(stderr, "infrac apply: error: apply did not finish; run it again to "
				"converge (see docs/apply.md)\n");
	}
out:
	if (client)
		http_client_release(&hc);
	lock_release(&lk);
	compile_release(&c);
	if (saved)
		json_object_put(sv.root);
	return rc;
}
