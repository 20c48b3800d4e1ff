#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_fleet.h"
#include "release.h"
#include "usage.h"
#include "xalloc.h"

/* "server main (becker-main, 203.0.113.7)" */
static const char *cmd_releases_name(struct pipeline *pl, const struct fleet_server *fs,
				     const char *host)
{
	return arena_printf(&pl->c.arena, "server %s (%s%s%s)", fs->want->server, fs->want->name,
			    host ? ", " : "", host ? host : "");
}

/* One server's releases; false with err set when they cannot be read. */
static bool cmd_releases_server(struct cli_fleet *f, const struct fleet_server *fs,
				struct error *err)
{
	const char *host = fleet_address(fs, err);
	if (!host)
		return false;
	const char *name = cmd_releases_name(&f->pl, fs, host);
	struct ssh_target t = sshenv_target(&f->se, host);
	struct release_list l;
	bool ok = release_list(&t, f->pl.want.project, 0, &l, err);
	if (ok && !l.n) {
		printf("%s: no releases\n", name);
	} else if (ok) {
		const struct release *mine = release_find(&l, fs->want->artefacts);
		printf("%s: %zu release%s kept, current %s; the file's release %s%s\n", name, l.n,
		       l.n == 1 ? "" : "s", l.current ? l.current : "none", fs->want->artefacts,
		       mine ? (mine->current ? " runs" : " is kept") : " is not deployed");
		for (size_t i = 0; i < l.n; i++) {
			const struct release *x = &l.v[i];
			printf("  %c %-12s  %s  %-10s  %s%s%s%s\n", x->current ? '*' : ' ', x->id,
			       x->time, x->phase ? x->phase : "-", x->failed ? "FAILED at step " : "",
			       x->failed ? x->failed : "", x->failed ? "; " : "",
			       x->changed ? x->changed
					  : x->recorded ? "-" : "(not recorded: the first boot's, "
								"or an earlier version's)");
		}
	} else {
		error_wrap(err, "%s", name);
	}
	release_list_release(&l);
	return ok;
}

int cmd_releases(int argc, char **argv)
{
	bool debug = false;
	const char *file, *phase = NULL, *at = NULL, *server;
	int rc;
	const struct cli_opt opts[] = {
		{ "--debug", false, NULL, &debug },
		{ "--phase", true, &phase, NULL },
		{ "--at", true, &at, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_fleet_arg(argc, argv, opts, usage_text("releases"), "SERVER", &file, &server, &rc))
		return rc;
	struct cli_fleet f;
	rc = CLI_ERRORS;
	if (cli_fleet_open(&f, file, phase, at, debug, false)) {
		struct fleet_server *fs = xcalloc(f.pl.want.nservers + 1, sizeof(*fs));
		size_t n = server ? fleet_server(&f.pl, server, fs, &f.err)
			 : fleet_all(&f.pl, fs);
		rc = n ? CLI_OK : CLI_ERRORS;
		for (size_t i = 0; i < n; i++) {
			struct error err = ERROR_INIT;
			if (!cmd_releases_server(&f, &fs[i], &err)) {
				cli_error("releases", &err);
				rc = CLI_ERRORS;
			}
			error_release(&err);
		}
		free(fs);
	}
	return cli_fleet_close(&f, "releases", rc);
}
