#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_fleet.h"
#include "session.h"
#include "xalloc.h"

static const char cmd_ssh_usage[] =
	"usage: infrac ssh FILE SERVER [-t] [--phase P | --at DATE] [--debug] [--] [CMD...]\n"
	"\n"
	"Opens a shell on SERVER (the file's name for it), or runs CMD there, with\n"
	"the ssh settings of apply: its user and identity, the project's\n"
	"known_hosts (the host key apply recorded is required), and your\n"
	"~/.ssh/config for everything else (see docs/day2.md).  The words of CMD\n"
	"are joined by spaces for the server's shell, as ssh does.\n"
	"\n"
	"  -t          a terminal for CMD too (a shell gets one on a terminal)\n"
	"  --phase P   the servers of phase P (default: the phase running today)\n"
	"  --at DATE   the phase running on DATE (YYYY-MM-DD or YYYY-MM)\n"
	"  --debug     trace API requests on stderr (the token redacted)\n"
	"\n"
	"Environment: as `infrac logs`.\n"
	"\n"
	"Exit status: the shell's or CMD's; 1 errors (no such server, not at\n"
	"Hetzner, ssh failed); 2 usage.\n";

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
	if (!cli_fleet_args(argc, argv, opts, cmd_ssh_usage, "SERVER", &file, &rest, &rc))
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
