#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "cli_lock.h"
#include "pipeline.h"
#include "sshenv.h"
#include "plan_report.h"
#include "usage.h"
#include "view.h"
#include "xalloc.h"

/* A saved plan: what apply checks before using it. */
struct cmd_apply_saved {
	json_object *root;
	const char *source, *sha, *fingerprint, *phase;
	bool allow_data_loss;
};

static const char *cmd_apply_jget(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Is path a saved plan?  true and filled when it is; *bad on a saved plan
 * apply cannot use. */
static bool cmd_apply_saved_read(const char *path, struct cmd_apply_saved *sv, bool *bad)
{
	memset(sv, 0, sizeof(*sv));
	*bad = false;
	if (!strcmp(path, COMPILE_STDIN))
		return false; /* the infra file, read from the standard input */
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
	sv->source = cmd_apply_jget(sv->root, "source");
	sv->sha = cmd_apply_jget(sv->root, "source_sha256");
	sv->fingerprint = cmd_apply_jget(sv->root, "state_fingerprint");
	sv->phase = cmd_apply_jget(ph, "name");
	json_object *loss;
	sv->allow_data_loss = json_object_object_get_ex(sv->root, "allow_data_loss", &loss) &&
			      json_object_get_boolean(loss);
	*bad = !sv->source || !sv->sha || !sv->fingerprint || !sv->phase;
	return true;
}

/* The command line's choices. */
struct cmd_apply_opts {
	const char *name;            /* "apply" or "destroy" */
	bool destroy;
	bool yes, debug, redeploy, allow_loss;
	struct cli_words services;   /* of --redeploy */
	const char *phase, *at;
	long parallelism;
	struct cmd_apply_saved saved;
	bool is_saved;
};

/* --redeploy's services into the desired state; each must run in the
 * phase. */
static bool cmd_apply_redeploy(struct pipeline *pl, const struct cli_words *services,
			       struct error *err)
{
	struct desired *w = &pl->want;
	w->redeploy_all = services->n == 0;
	w->redeploy = services->words;
	w->nredeploy = services->n;
	for (size_t i = 0; i < services->n; i++) {
		bool runs = false;
		for (size_t s = 0; s < w->nservers; s++)
			for (size_t k = 0; k < w->servers[s].nservices; k++)
				runs |= !strcmp(w->servers[s].services[k].name, services->words[i]);
		if (!runs)
			return error_set(err, "--redeploy %s: no service of that name runs in phase %s",
					 services->words[i], pl->phase->name);
	}
	return true;
}

/*
 * compile -> phase -> artefacts -> desired, under the locks -> state ->
 * plan, each checked against a saved plan; the plan printed.  false after
 * saying why on stderr.
 */
static bool cmd_apply_prepare(struct pipeline *pl, const char *file,
			      const struct cmd_apply_opts *o, struct cli_lock *lk,
			      struct error *err)
{
	const struct cmd_apply_saved *sv = &o->saved;
	if (!cli_compiled(&pl->c, pipeline_compile(pl, file), false))
		return false;
	if (o->is_saved && strcmp(pl->src_sha, sv->sha))
		return error_set(err, "%s changed since the plan was saved; plan again",
				 cli_base_name(pl->c.src.path));
	if (!pipeline_phase(pl, o->is_saved ? sv->phase : o->phase, o->at, err))
		return false;
	if (!pipeline_artefacts(pl)) {
		cli_diags(&pl->art_diags, false);
		return false;
	}
	pipeline_desire(pl);
	pl->want.allow_data_loss = o->is_saved ? sv->allow_data_loss : o->allow_loss;
	if (o->redeploy && !cmd_apply_redeploy(pl, &o->services, err))
		return false;
	const char *token = getenv("HCLOUD_TOKEN");
	if (!token || !*token)
		return error_set(err, "HCLOUD_TOKEN is not set (a read-write API token of the "
				 "Hetzner project)");
	/* the locks first, so that the state read below is not stale when we act */
	if (!cli_lock_local(lk, pl, file, err) ||
	    !pipeline_connect(pl, token, getenv("HCLOUD_ENDPOINT"), o->debug ? stderr : NULL,
			      err) ||
	    !cli_lock_project(lk, pl, file, err) || !pipeline_observe(pl, err))
		return false;
	if (o->is_saved && strcmp(pl->fingerprint, sv->fingerprint))
		return error_set(err, "the project changed since the plan was saved; plan again");
	if (o->destroy) {
		pipeline_teardown(pl, o->phase || o->at);
	} else {
		/* what each image's tag points to now: a tag pushed again redeploys */
		pipeline_images(pl);
		pipeline_plan(pl);
	}
	plan_report_text(&pl->plan, cli_base_name(file), stdout);
	fflush(stdout);
	return true;
}

/* Pre-flight errors, secrets and the operator's yes, before anything
 * changes; false after saying why. */
static bool cmd_apply_ready(struct pipeline *pl, const struct cmd_apply_opts *o,
			    struct error *err)
{
	const struct plan *p = &pl->plan;
	for (size_t i = 0; i < p->nerrors; i++)
		fprintf(stderr, "infrac %s: error: %s\n", o->name, p->errors[i]);
	if (p->nerrors) {
		fprintf(stderr, "infrac %s: %zu pre-flight error%s, nothing changed\n", o->name,
			p->nerrors, p->nerrors == 1 ? "" : "s");
		return false;
	}
	if (!apply_check_secrets(&pl->c.arena, p, err)) {
		struct strbuf m = STRBUF_INIT;
		error_format(err, &m);
		error_set(err, "%s; nothing changed", m.buf);
		strbuf_release(&m);
		return false;
	}
	if (!plan_has_changes(p) || o->is_saved || o->yes)
		return true;
	if (!isatty(STDIN_FILENO))
		return error_set(err, "no terminal to confirm on: review the plan and pass --yes, "
				 "or apply a plan saved with `infrac plan --out`");
	if (!cli_confirm(o->destroy ? "Do you really want to destroy all of this?"
				    : "Do you want to apply this plan?")) {
		puts(o->destroy ? "Destroy cancelled." : "Apply cancelled.");
		return false;
	}
	return true;
}

/* What apply_run needs besides the plan; false with err when an ssh
 * setting is missing and a server will be deployed. */
static bool cmd_apply_config(struct pipeline *pl, const struct cmd_apply_opts *o,
			     struct apply_config *cfg, struct error *err)
{
	struct arena *a = &pl->c.arena;
	struct sshenv se;
	sshenv_load(&se, pl->c.project->name);
	const char *kh = se.known_hosts ? arena_printf(a, "%s", se.known_hosts) : NULL;
	const char *identity = se.identity ? arena_printf(a, "%s", se.identity) : NULL;
	const char *user = se.user;
	int port = se.port;
	bool deploys = false;
	for (size_t i = 0; i < pl->plan.nactions; i++)
		deploys |= pl->plan.actions[i].kind == PLAN_SERVER &&
			   pl->plan.actions[i].op != PLAN_DESTROY;
	bool usable = !deploys || sshenv_usable(&se, err);
	sshenv_release(&se);
	if (!usable)
		return false;
	*cfg = (struct apply_config){
		.project = pl->c.project->name,
		.endpoint = pl->hc.base,
		.token = pl->hc.token,
		.hc = &pl->hc,
		.parallelism = (int)o->parallelism,
		.poll_ms = cli_env_long("INFRAC_ACTION_POLL_MS", 500),
		.action_timeout_s = 600,
		.art = &pl->art,
		.model = pl->c.project,
		.ssh_user = user,
		.ssh_port = port,
		.ssh_identity = identity,
		.known_hosts = kh,
		.health_timeout = (int)cli_env_long("INFRAC_HEALTH_TIMEOUT", 0),
		.no_handover = cli_env_off("INFRAC_HANDOVER"),
		.out = stdout,
		/* --debug writes to the terminal from every worker: no block then */
		.live = view_live_ok(stdout) && !o->debug,
		.bold = cli_color(stdout),
		.trace = pl->hc.trace,
	};
	return true;
}

/* Options and the saved plan; false with *rc set after a usage error. */
static bool cmd_apply_options(int argc, char **argv, bool destroy, struct cmd_apply_opts *o,
			      const char **arg, int *rc)
{
	const char *par = NULL;
	memset(o, 0, sizeof(*o));
	o->destroy = destroy;
	o->name = destroy ? "destroy" : "apply";
	const char *usage = usage_text(o->name);
	const struct cli_opt opts[] = {
		{ "--yes", false, NULL, &o->yes },
		{ "--allow-data-loss", false, NULL, &o->allow_loss },
		{ "--debug", false, NULL, &o->debug },
		{ "--phase", true, &o->phase, NULL },
		{ "--at", true, &o->at, NULL },
		{ "--parallelism", true, &par, NULL },
		/* destroy ends the list here: it takes no --redeploy */
		{ destroy ? NULL : "--redeploy", false, NULL, &o->redeploy },
		{ NULL, false, NULL, NULL },
	};
	o->services.words = xcalloc((size_t)argc + 1, sizeof(*o->services.words));
	if (!cli_parse_words(argc, argv, opts, arg, &o->services, usage, rc))
		return false;
	*rc = CLI_USAGE;
	if (o->services.n && !o->redeploy) {
		fprintf(stderr, "infrac %s: one FILE only ('%s' and '%s')\n%s", o->name, *arg,
			o->services.words[0], usage);
		return false;
	}
	if (!cli_parallelism(o->name, par, usage, &o->parallelism))
		return false;
	if (o->phase && o->at) {
		fprintf(stderr, "infrac %s: --phase and --at exclude each other\n%s", o->name, usage);
		return false;
	}
	bool bad;
	o->is_saved = !destroy && cmd_apply_saved_read(*arg, &o->saved, &bad);
	if (o->is_saved && bad) {
		fprintf(stderr, "infrac apply: error: %s is not a plan saved by `infrac plan --out`\n",
			*arg);
		*rc = CLI_ERRORS;
		return false;
	}
	if (o->is_saved && (o->phase || o->at || o->redeploy || o->allow_loss)) {
		fprintf(stderr, "infrac apply: a saved plan has its phase and its changes; --phase, "
				"--at, --redeploy and --allow-data-loss do not apply\n");
		return false;
	}
	return true;
}

/* The end of a run, as the command says it. */
static void cmd_apply_said(const struct cmd_apply_opts *o, bool ok, const struct apply_result *r)
{
	if (o->destroy && ok)
		printf("\nDestroy complete! Resources: %d destroyed.\n", r->destroyed);
	else if (ok)
		printf("\nApply complete! Resources: %d added, %d changed, %d replaced, %d "
		       "destroyed.\n", r->added, r->changed, r->replaced, r->destroyed);
	else
		printf("\n%s failed. Resources: %d added, %d changed, %d replaced, %d destroyed, "
		       "%d failed.\n", o->destroy ? "Destroy" : "Apply", r->added, r->changed,
		       r->replaced, r->destroyed, r->failed);
	if (!ok)
		fprintf(stderr, "infrac %s: error: %s did not finish; run it again to converge "
				"(see docs/apply.md)\n", o->name, o->name);
}

/* apply, or destroy: the same run on a plan that only destroys. */
static int cmd_apply_run(int argc, char **argv, bool destroy)
{
	struct cmd_apply_opts o;
	const char *arg;
	int rc;
	if (!cmd_apply_options(argc, argv, destroy, &o, &arg, &rc)) {
		json_object_put(o.saved.root);
		free(o.services.words);
		return rc;
	}
	const char *file = o.is_saved ? o.saved.source : arg;
	struct pipeline pl;
	struct cli_lock lk = CLI_LOCK_INIT(o.name);
	struct error err = ERROR_INIT;
	struct apply_config cfg;
	rc = CLI_ERRORS;
	if (!cmd_apply_prepare(&pl, file, &o, &lk, &err) || !cmd_apply_ready(&pl, &o, &err) ||
	    !cmd_apply_config(&pl, &o, &cfg, &err)) {
		if (error_failed(&err))
			cli_error(o.name, &err);
		goto out;
	}
	if (plan_has_changes(&pl.plan))
		puts("");
	struct apply_result r;
	bool ok = apply_run(&pl.plan, &cfg, &r);
	if (o.debug)
		fprintf(stderr, "debug: %ld HTTP requests\n", pl.hc.requests);
	cmd_apply_said(&o, ok, &r);
	rc = ok ? CLI_OK : CLI_ERRORS;
out:
	cli_lock_release(&lk, &pl, file);
	error_release(&err);
	pipeline_release(&pl);
	json_object_put(o.saved.root);
	free(o.services.words);
	return rc;
}

int cmd_apply(int argc, char **argv)
{
	return cmd_apply_run(argc, argv, false);
}

int cmd_destroy(int argc, char **argv)
{
	return cmd_apply_run(argc, argv, true);
}
