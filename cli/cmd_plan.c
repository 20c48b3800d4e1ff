#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "digest.h"
#include "emit.h"
#include "plan.h"
#include "state.h"
#include "units.h"

static const char plan_usage[] =
	"usage: infrac plan FILE [--phase P | --at DATE] [--json] [--out PLAN] [--debug]\n"
	"\n"
	"Compares what FILE wants in one phase with what exists in the Hetzner\n"
	"project (found by the label infrac/project) and says what apply would\n"
	"create, change, replace or destroy, and why.  Without HCLOUD_TOKEN it\n"
	"plans against an empty project.\n"
	"\n"
	"  --phase P   plan phase P (default: the phase running today)\n"
	"  --at DATE   plan the phase running on DATE (YYYY-MM-DD or YYYY-MM)\n"
	"  --json      the plan as JSON on stdout\n"
	"  --out PLAN  also save the plan, for apply to check it is not stale\n"
	"  --debug     trace API requests on stderr (the token redacted)\n"
	"\n"
	"Environment: HCLOUD_TOKEN, HCLOUD_ENDPOINT (default\n"
	"https://api.hetzner.cloud/v1), INFRAC_TODAY=YYYY-MM-DD.\n"
	"\n"
	"Exit status: 0 no changes, 2 changes, 1 errors.\n";

#define DEFAULT_ENDPOINT "https://api.hetzner.cloud/v1"

int cmd_plan(int argc, char **argv)
{
	bool json = false, debug = false;
	const char *file, *phase_name = NULL, *at = NULL, *out_path = NULL;
	int rc;
	const struct cli_opt opts[] = {
		{ "--json", false, NULL, &json },
		{ "--debug", false, NULL, &debug },
		{ "--phase", true, &phase_name, NULL },
		{ "--at", true, &at, NULL },
		{ "--out", true, &out_path, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, plan_usage, &rc))
		return rc;
	if (phase_name && at) {
		fprintf(stderr, "infrac plan: --phase and --at exclude each other\n%s", plan_usage);
		return CLI_USAGE;
	}

	struct compilation c;
	if (!cli_compile(&c, file, json)) {
		compile_release(&c);
		return CLI_ERRORS;
	}
	const struct mdl_project *p = c.project;
	struct arena *a = &c.arena;
	const struct mdl_phase *ph = cli_pick_phase(p, phase_name, at, "plan");
	if (!ph) {
		compile_release(&c);
		return CLI_ERRORS;
	}
	/* the artefacts apply would deploy: their hash labels each server, and
	 * a phase that cannot be built cannot be planned */
	struct emit_output art;
	struct diag_list edl; /* the check's warnings are printed already */
	diag_list_init(&edl, a);
	if (!emit_build(a, &edl, p, ph, &art)) {
		if (json)
			diag_print_json(&edl, stdout);
		else
			diag_print(&edl, stderr, cli_color(stderr));
		diag_list_release(&edl);
		compile_release(&c);
		return CLI_ERRORS;
	}
	diag_list_release(&edl);
	struct plan_desired want;
	plan_desired(a, p, ph, &art, &want);

	const char *token = getenv("HCLOUD_TOKEN");
	const char *endpoint = getenv("HCLOUD_ENDPOINT");
	bool online = token && *token;
	struct state st;
	struct http_client hc;
	bool client = false;
	rc = CLI_ERRORS;
	if (online) {
		char err[512];
		if (!http_client_init(&hc, endpoint && *endpoint ? endpoint : DEFAULT_ENDPOINT, token,
				      err, sizeof(err))) {
			fprintf(stderr, "infrac plan: error: %s\n", err);
			goto out;
		}
		client = true;
		hc.trace = debug ? stderr : NULL;
		struct hc_error e;
		if (!cli_fetch_state(&hc, a, p->name, &want, &st, &e)) {
			fprintf(stderr, "infrac plan: error: cannot read the project from the API: %s\n",
				e.message);
			goto out;
		}
		if (debug)
			fprintf(stderr, "debug: %ld HTTP requests\n", hc.requests);
	} else {
		state_offline(&st);
	}

	struct plan plan;
	plan_diff(a, &want, &st, &plan);
	const char *fname = cli_base_name(file);
	char src_sha[DIGEST_HEX], fp[DIGEST_HEX];
	digest_sha256_hex(c.src.text, c.src.len, src_sha);
	state_fingerprint(&st, fp);
	if (json) {
		json_object *j = plan_json(&plan, fname, NULL, NULL);
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		if (!online)
			puts("infrac plan: offline: HCLOUD_TOKEN is not set, planning against an "
			     "empty project");
		else
			printf("infrac plan: %zu server%s, %zu firewall%s and %zu ssh key%s labelled "
			       "%s=%s\n",
			       st.nservers, st.nservers == 1 ? "" : "s", st.nfirewalls,
			       st.nfirewalls == 1 ? "" : "s", st.nkeys, st.nkeys == 1 ? "" : "s",
			       STATE_LABEL_PROJECT, p->name);
		plan_text(&plan, fname, stdout);
	}
	fflush(stdout);
	for (size_t i = 0; i < plan.nerrors; i++)
		fprintf(stderr, "infrac plan: error: %s\n", plan.errors[i]);
	if (plan.nerrors) {
		fprintf(stderr, "infrac plan: %zu pre-flight error%s: apply would fail%s\n",
			plan.nerrors, plan.nerrors == 1 ? "" : "s", out_path ? ", plan not saved" : "");
		goto out;
	}
	if (out_path) {
		json_object *j = plan_json(&plan, fname, src_sha, fp);
		/* apply PLANFILE compiles the file again from here */
		char *abs = realpath(file, NULL);
		json_object_object_add(j, "source", json_object_new_string(abs ? abs : file));
		free(abs);
		bool saved = plan_save(j, out_path);
		json_object_put(j);
		if (!saved) {
			fprintf(stderr, "infrac plan: error: cannot write %s: %s\n", out_path,
				strerror(errno));
			goto out;
		}
	}
	rc = plan_has_changes(&plan) ? CLI_CHANGES : CLI_OK;
out:
	if (client)
		http_client_release(&hc);
	compile_release(&c);
	return rc;
}
