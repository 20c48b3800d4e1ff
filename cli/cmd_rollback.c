#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_fleet.h"
#include "cli_lock.h"
#include "deploy.h"
#include "release.h"
#include "usage.h"
#include "xalloc.h"

static void cmd_rollback_step(void *ctx, const char *step)
{
	(void)ctx;
	printf("  %s\n", step);
	fflush(stdout);
}

/* The release the server at t goes back to, from what it keeps; NULL
 * with err set. */
static char *cmd_rollback_target(const struct ssh_target *t, const char *name,
				 const char *release, const char *project, struct error *err)
{
	struct release_list l;
	if (!release_list(t, project, 0, &l, err)) {
		release_list_release(&l);
		error_wrap(err, "%s", name);
		return NULL;
	}
	const struct release *to = release ? release_find(&l, release) : release_previous(&l);
	struct strbuf kept = STRBUF_INIT;
	for (size_t i = 0; i < l.n; i++)
		strbuf_addf(&kept, "%s%s%s", i ? ", " : "", l.v[i].id, l.v[i].current ? " (current)" : "");
	if (!to && release)
		error_set(err, "release %s is not kept on %s (kept: %s); `infrac releases` lists "
			  "them", release, name, kept.len ? kept.buf : "none");
	else if (!to)
		error_set(err, "%s keeps no release older than the current one (kept: %s)", name,
			  kept.len ? kept.buf : "none");
	else
		printf("Rolling back %s from release %s to %s (deployed %s).\n", name,
		       l.current ? l.current : "none", to->id, to->time);
	char *id = to ? xstrdup(to->id) : NULL;
	strbuf_release(&kept);
	release_list_release(&l);
	return id;
}

/* The server's labels say what runs: release id, rolled back to. */
static bool cmd_rollback_label(struct pipeline *pl, const struct hc_server *h, const char *id,
			       struct error *err)
{
	struct arena *a = &pl->c.arena;
	const char **k = arena_calloc(a, h->labels.n + 2, sizeof(*k));
	const char **v = arena_calloc(a, h->labels.n + 2, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < h->labels.n; i++)
		if (strcmp(h->labels.keys[i], STATE_LABEL_ARTEFACTS) &&
		    strcmp(h->labels.keys[i], STATE_LABEL_ROLLED_BACK))
			k[n] = h->labels.keys[i], v[n++] = h->labels.vals[i];
	k[n] = STATE_LABEL_ARTEFACTS, v[n++] = id;
	k[n] = STATE_LABEL_ROLLED_BACK, v[n++] = id;
	struct hc_labels l = { k, v, n };
	const char *path = arena_printf(a, "/servers/%lld", (long long)h->id);
	return hcloud_update(&pl->hc, path, NULL, &l, err) ||
	       error_wrap(err, "the server runs release %s, but its labels could not say so", id);
}

static bool cmd_rollback_server(struct cli_fleet *f, const struct fleet_server *fs,
				const char *release, struct error *err)
{
	const char *host = fleet_address(fs, err);
	if (!host)
		return false;
	const char *name = arena_printf(&f->pl.c.arena, "server %s (%s)", fs->want->server, host);
	struct ssh_target t = sshenv_target(&f->se, host);
	struct deploy_request rq;
	if (!desired_deploy_request(&f->pl.c.arena, &f->pl.want, fs->want,
				    cli_env_off("INFRAC_HANDOVER"), &rq, err))
		return false;
	char *id = cmd_rollback_target(&t, name, release, f->pl.want.project, err);
	if (!id)
		return false;
	rq.kept = true;
	rq.release = id;
	rq.health_timeout = (int)cli_env_long("INFRAC_HEALTH_TIMEOUT", 0);
	rq.on_step = cmd_rollback_step;
	struct deploy_result res;
	bool ok = deploy_release(&t, &rq, &res, err) && cmd_rollback_label(&f->pl, fs->have, id, err);
	if (ok)
		printf("Rolled back %s to release %s: its containers are healthy and its domains "
		       "answer.\n`infrac apply` deploys the file's release %s again.\n", name, id,
		       fs->want->artefacts);
	deploy_result_release(&res);
	free(id);
	return ok;
}

/* The locks taken once the file names its project, then the state read
 * again under them; the one server to roll back into fs.  false with
 * f->err set. */
static bool cmd_rollback_open(struct cli_fleet *f, struct cli_lock *lk, const char *file,
			      const char *server, struct fleet_server *fs)
{
	if (!cli_lock_local(lk, &f->pl, file, &f->err) ||
	    !cli_lock_project(lk, &f->pl, file, &f->err) || !pipeline_observe(&f->pl, &f->err))
		return false;
	if (server)
		return fleet_server(&f->pl, server, fs, &f->err);
	if (f->pl.want.nservers != 1)
		return error_set(&f->err, "phase %s runs %zu servers: name one with --server",
				 f->pl.phase->name, f->pl.want.nservers);
	return fleet_all(&f->pl, fs) == 1;
}

int cmd_rollback(int argc, char **argv)
{
	bool debug = false;
	const char *file, *phase = NULL, *at = NULL, *server = NULL, *release;
	int rc;
	const struct cli_opt opts[] = {
		{ "--debug", false, NULL, &debug }, { "--server", true, &server, NULL },
		{ "--phase", true, &phase, NULL },  { "--at", true, &at, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_fleet_arg(argc, argv, opts, usage_text("rollback"), "RELEASE", &file, &release, &rc))
		return rc;
	struct cli_fleet f;
	struct cli_lock lk = CLI_LOCK_INIT("rollback");
	struct fleet_server fs;
	rc = CLI_ERRORS;
	if (cli_fleet_open(&f, file, phase, at, debug, false) &&
	    cmd_rollback_open(&f, &lk, file, server, &fs) &&
	    cmd_rollback_server(&f, &fs, release, &f.err))
		rc = CLI_OK;
	cli_lock_release(&lk, &f.pl, file);
	return cli_fleet_close(&f, "rollback", rc);
}
