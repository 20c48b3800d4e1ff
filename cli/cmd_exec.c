#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_fleet.h"
#include "container.h"
#include "session.h"
#include "usage.h"
#include "xalloc.h"

/* The one server of the phase running service (or called server). */
static bool cmd_exec_where(const struct pipeline *pl, const char *service, const char *server,
			   struct fleet_server *out, struct error *err)
{
	struct fleet_server *fs = xcalloc(pl->want.nservers + 1, sizeof(*fs));
	size_t n = fleet_runs(pl, service, fs, err), k = n;
	for (size_t i = 0; server && i < n; i++)
		k = !strcmp(fs[i].want->server, server) ? i : k;
	if (n && server && k == n)
		error_set(err, "service %s does not run on server %s in phase %s", service,
			  server, pl->phase->name);
	else if (n > 1 && !server)
		error_set(err, "service %s runs on %zu servers of phase %s: choose one with "
			  "--server", service, n, pl->phase->name);
	else if (n)
		*out = fs[server ? k : 0];
	free(fs);
	return !error_failed(err);
}

/* Runs the command; its exit status, or -1 with err set. */
static int cmd_exec_run(struct cli_fleet *f, const char *service, const char *server, bool tty,
			const char *const *cmd, size_t ncmd)
{
	struct fleet_server fs;
	if (!cmd_exec_where(&f->pl, service, server, &fs, &f->err))
		return -1;
	const char *ip = fleet_address(&fs, &f->err);
	if (!ip)
		return -1;
	struct strbuf line = STRBUF_INIT;
	container_exec_command(&line, f->pl.want.project, service, tty, cmd, ncmd);
	struct ssh_target t = sshenv_target(&f->se, ip);
	int st = session_attach(&t, line.buf, tty, &f->err);
	strbuf_release(&line);
	if (st == CONTAINER_NONE || st == 255)
		fleet_failed(&fs, service, st, &f->err);
	return st;
}

int cmd_exec(int argc, char **argv)
{
	bool debug = false, notty = false;
	const char *file, *phase = NULL, *at = NULL, *server = NULL;
	int rc;
	struct cli_words rest = { NULL, 0 };
	const struct cli_opt opts[] = {
		{ "-T", false, NULL, &notty },      { "--server", true, &server, NULL },
		{ "--debug", false, NULL, &debug }, { "--phase", true, &phase, NULL },
		{ "--at", true, &at, NULL },        { NULL, false, NULL, NULL },
	};
	if (!cli_fleet_args(argc, argv, opts, usage_text("exec"), "SERVICE", &file, &rest, &rc))
		goto out;
	bool tty = !notty && isatty(STDIN_FILENO);
	struct cli_fleet f;
	rc = CLI_ERRORS;
	if (cli_fleet_open(&f, file, phase, at, debug, false)) {
		int st = cmd_exec_run(&f, rest.words[0], server, tty, rest.words + 1, rest.n - 1);
		rc = st < 0 ? CLI_ERRORS : st;
	}
	rc = cli_fleet_close(&f, "exec", rc);
out:
	free(rest.words);
	return rc;
}
