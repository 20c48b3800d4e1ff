#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "pipeline.h"
#include "plan_report.h"
#include "teamlock.h"
#include "usage.h"

/* The plan on stdout: JSON, or text after a line on where the state came from. */
static void cmd_plan_print(const struct pipeline *pl, const char *file, bool json)
{
	const struct state *st = &pl->state;
	if (json) {
		plan_report_print_json(&pl->plan, file, stdout);
	} else if (!st->online) {
		puts("infrac plan: offline: HCLOUD_TOKEN is not set, planning against an "
		     "empty project");
	} else {
		char nets[48] = "";
		if (st->nnetworks)
			snprintf(nets, sizeof(nets), ", %zu network%s", st->nnetworks,
				 st->nnetworks == 1 ? "" : "s");
		printf("infrac plan: %zu server%s, %zu firewall%s%s and %zu ssh key%s labelled %s=%s\n",
		       st->nservers, st->nservers == 1 ? "" : "s", st->nfirewalls,
		       st->nfirewalls == 1 ? "" : "s", nets, st->nkeys, st->nkeys == 1 ? "" : "s",
		       STATE_LABEL_PROJECT, pl->c.project->name);
	}
	if (!json)
		plan_report_text(&pl->plan, cli_base_name(file), stdout);
	fflush(stdout);
}

/* A note on stderr when an apply holds the project's lock: the project may
 * change under the plan.  plan takes no lock, and a failed look is no
 * reason to fail the plan. */
static void cmd_plan_lock_note(struct pipeline *pl)
{
	struct teamlock_holder h;
	struct error err = ERROR_INIT;
	bool held;
	if (teamlock_read(&pl->hc, &pl->c.arena, pl->c.project->name, &h, &held, &err) && held &&
	    h.infrac) {
		struct strbuf m = STRBUF_INIT;
		teamlock_describe(&h, (int64_t)time(NULL), &m);
		fprintf(stderr, "infrac plan: note: apply of %s is running (held by %s); the project "
			"may change under this plan\n", pl->c.project->name, m.buf);
		strbuf_release(&m);
	}
	error_release(&err);
}

/* The pre-flight errors on stderr; false when there are any. */
static bool cmd_plan_preflight(const struct plan *p, bool saving)
{
	for (size_t i = 0; i < p->nerrors; i++)
		fprintf(stderr, "infrac plan: error: %s\n", p->errors[i]);
	if (p->nerrors)
		fprintf(stderr, "infrac plan: %zu pre-flight error%s: apply would fail%s\n",
			p->nerrors, p->nerrors == 1 ? "" : "s", saving ? ", plan not saved" : "");
	return !p->nerrors;
}

/* --out: the plan with what apply checks before using it. */
static bool cmd_plan_save(const struct pipeline *pl, const char *file, const char *out,
		      struct error *err)
{
	json_object *j = plan_report_json(&pl->plan, file, pl->src_sha,
					  pl->fingerprint);
	/* apply PLANFILE compiles the file again from here */
	char *abs = realpath(file, NULL);
	json_object_object_add(j, "source", json_object_new_string(abs ? abs : file));
	json_object_object_add(j, "allow_data_loss",
			       json_object_new_boolean(pl->want.allow_data_loss));
	free(abs);
	bool ok = plan_report_save(j, out, err);
	json_object_put(j);
	return ok;
}

int cmd_plan(int argc, char **argv)
{
	bool json = false, debug = false, allow_loss = false, destroy = false;
	const char *file, *phase_name = NULL, *at = NULL, *out_path = NULL;
	int rc;
	const struct cli_opt opts[] = {
		{ "--json", false, NULL, &json },
		{ "--debug", false, NULL, &debug },
		{ "--phase", true, &phase_name, NULL },
		{ "--at", true, &at, NULL },
		{ "--out", true, &out_path, NULL },
		{ "--allow-data-loss", false, NULL, &allow_loss },
		{ "--destroy", false, NULL, &destroy },
		{ NULL, false, NULL, NULL },
	};
	/* a usage error is 1 here: 2 says "changes", as Terraform's plan does */
	if (!cli_parse(argc, argv, opts, &file, usage_text("plan"), &rc))
		return rc == CLI_USAGE ? CLI_ERRORS : rc;
	if (phase_name && at) {
		fprintf(stderr, "infrac plan: --phase and --at exclude each other\n%s", usage_text("plan"));
		return CLI_ERRORS;
	}
	if (destroy && out_path) {
		fprintf(stderr, "infrac plan: --destroy and --out exclude each other\n%s",
			usage_text("plan"));
		return CLI_ERRORS;
	}
	struct pipeline pl;
	struct error err = ERROR_INIT;
	const char *token = getenv("HCLOUD_TOKEN");
	rc = CLI_ERRORS;
	if (!cli_compiled(&pl.c, pipeline_compile(&pl, file), json))
		goto out;
	if (!pipeline_phase(&pl, phase_name, at, &err))
		goto fail;
	/* the artefacts apply would deploy: their hash labels each server, and
	 * a phase that cannot be built cannot be planned */
	if (!pipeline_artefacts(&pl)) {
		cli_diags(&pl.art_diags, json);
		goto out;
	}
	pipeline_desire(&pl);
	pl.want.allow_data_loss = allow_loss;
	if (token && *token &&
	    !pipeline_connect(&pl, token, getenv("HCLOUD_ENDPOINT"), debug ? stderr : NULL, &err))
		goto fail;
	if (!pipeline_observe(&pl, &err))
		goto fail;
	if (pl.online)
		cmd_plan_lock_note(&pl);
	if (debug && pl.online)
		fprintf(stderr, "debug: %ld HTTP requests\n", pl.hc.requests);
	if (destroy) {
		pipeline_teardown(&pl, phase_name || at);
	} else {
		/* what each image's tag points to now: a tag pushed again redeploys */
		pipeline_images(&pl);
		pipeline_plan(&pl);
	}
	cmd_plan_print(&pl, file, json);
	if (!cmd_plan_preflight(&pl.plan, out_path))
		goto out;
	if (out_path && !cmd_plan_save(&pl, file, out_path, &err))
		goto fail;
	rc = plan_has_changes(&pl.plan) ? CLI_CHANGES : CLI_OK;
	goto out;
fail:
	cli_error("plan", &err);
out:
	error_release(&err);
	pipeline_release(&pl);
	return rc;
}
