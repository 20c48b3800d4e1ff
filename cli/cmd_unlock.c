#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pipeline.h"
#include "teamlock.h"
#include "usage.h"

/* What the operator is asked about: the holder, and whether it still runs. */
static void cmd_unlock_show(const char *project, const struct teamlock_holder *h)
{
	struct strbuf m = STRBUF_INIT;
	teamlock_describe(h, (int64_t)time(NULL), &m);
	printf("The apply lock of %s (placement group %s) is held by %s.\n", project, h->name,
	       m.buf);
	if (h->where == TEAMLOCK_RUNNING)
		printf("Its process %ld still runs on this machine: while it runs, another apply "
		       "could start beside it.\n", h->pid);
	else if (h->where == TEAMLOCK_GONE)
		printf("Its process %ld no longer runs on this machine.\n", h->pid);
	strbuf_release(&m);
	fflush(stdout);
}

/* The lock shown, confirmed and deleted; the exit code. */
static int cmd_unlock_run(struct pipeline *pl, bool yes, struct error *err)
{
	const char *project = pl->c.project->name;
	struct teamlock_holder h;
	bool held, gone;
	if (!teamlock_read(&pl->hc, &pl->c.arena, project, &h, &held, err))
		return CLI_ERRORS;
	if (!held) {
		printf("No apply lock is held for %s.\n", project);
		return CLI_OK;
	}
	if (!h.infrac) {
		error_set(err, "placement group %s (id %lld) was not made by infrac (it has no %s "
			  "label); not removing it", h.name, (long long)h.id, TEAMLOCK_LABEL_HOLDER);
		return CLI_ERRORS;
	}
	cmd_unlock_show(project, &h);
	if (!yes && !isatty(STDIN_FILENO)) {
		error_set(err, "no terminal to confirm on: pass --yes to remove the lock");
		return CLI_ERRORS;
	}
	if (!yes && !cli_confirm("Do you want to remove this lock?")) {
		puts("Unlock cancelled.");
		return CLI_ERRORS;
	}
	if (!teamlock_remove(&pl->hc, &h, &gone, err))
		return CLI_ERRORS;
	printf(gone ? "The lock was gone already.\n" : "Removed the apply lock of %s.\n", project);
	return CLI_OK;
}

int cmd_unlock(int argc, char **argv)
{
	bool yes = false, debug = false;
	const char *file;
	int rc;
	const struct cli_opt opts[] = {
		{ "--yes", false, NULL, &yes },
		{ "--debug", false, NULL, &debug },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, usage_text("unlock"), &rc))
		return rc;
	struct pipeline pl;
	struct error err = ERROR_INIT;
	const char *token = getenv("HCLOUD_TOKEN");
	rc = CLI_ERRORS;
	/* a file with errors still names its project, and a lock may need removing
	 * while the file is being fixed */
	cli_compiled(&pl.c, pipeline_compile(&pl, file), false);
	if (!pl.c.project)
		goto out;
	if (!token || !*token)
		error_set(&err, "HCLOUD_TOKEN is not set (an API token of the Hetzner project)");
	else if (pipeline_connect(&pl, token, getenv("HCLOUD_ENDPOINT"), debug ? stderr : NULL,
				  &err))
		rc = cmd_unlock_run(&pl, yes, &err);
	if (error_failed(&err))
		cli_error("unlock", &err);
out:
	error_release(&err);
	pipeline_release(&pl);
	return rc;
}
