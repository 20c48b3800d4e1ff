#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_fleet.h"
#include "session.h"
#include "usage.h"
#include "xalloc.h"

static int cmd_ssh_run(struct cli_fleet *f, const char *server, bool tty, const char *cmd)
{
	struct fleet_server fs;
	if (!fleet_server(&f->pl, server, &fs, &f->err))
		return -1;
	const char *ip = fleet_address(&fs, &f->err);
	if (!ip)
		return -1;
	struct ssh_target t = sshenv_target(&f->se, ip);
	int st = session_attach(&t, cmd, tty, &f->err);
	if (st == 255)
		error_set(&f->err, "ssh to server %s (%s) failed (status 255, its message above)",
			  server, ip);
	return st;
}

int cmd_ssh(int argc, char **argv)
{
	bool debug = false, tty = false;
	const char *file, *phase = NULL, *at = NULL;
	int rc;
	struct cli_words rest = { NULL, 0 };
	struct strbuf cmd = STRBUF_INIT;
	const struct cli_opt opts[] = {
		{ "-t", false, NULL, &tty },        { "--debug", false, NULL, &debug },
		{ "--phase", true, &phase, NULL },  { "--at", true, &at, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_fleet_args(argc, argv, opts, usage_text("ssh"), "SERVER", &file, &rest, &rc))
		goto out;
	for (size_t i = 1; i < rest.n; i++)
		strbuf_addf(&cmd, "%s%s", i > 1 ? " " : "", rest.words[i]);
	tty = isatty(STDIN_FILENO) && (tty || rest.n == 1);
	struct cli_fleet f;
	rc = CLI_ERRORS;
	if (cli_fleet_open(&f, file, phase, at, debug, false)) {
		int st = cmd_ssh_run(&f, rest.words[0], tty, rest.n > 1 ? cmd.buf : NULL);
		rc = st < 0 ? CLI_ERRORS : st;
	}
	rc = cli_fleet_close(&f, "ssh", rc);
out:
	strbuf_release(&cmd);
	free(rest.words);
	return rc;
}
