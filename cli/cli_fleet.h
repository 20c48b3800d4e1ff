/*
 * cli_fleet: what the commands that read the project at Hetzner share
 * (status, logs, exec, ssh, releases, rollback, and output without ssh):
 * the file compiled, the phase's servers read from Hetzner (fleet.h),
 * the ssh settings (sshenv.h) for those that reach servers, and the
 * ending.
 */
#ifndef INFRAC_CLI_FLEET_H
#define INFRAC_CLI_FLEET_H

#include <stdbool.h>

#include "cli.h"
#include "error.h"
#include "fleet.h"
#include "sshenv.h"

struct cli_fleet {
	struct pipeline pl;
	struct sshenv se;
	struct error err;
};

/*
 * The command line of such a command: cli_parse_words on the words
 * before a "--", then every word after it added to rest as it is.
 * rest->words is allocated here (the caller frees it, also on false).
 * false with *rc set on --help or a mistake, also when FILE or the first
 * word (what: "SERVICE") is missing.
 */
bool cli_fleet_args(int argc, char **argv, const struct cli_opt *opts, const char *usage,
		    const char *what, const char **file, struct cli_words *rest, int *rc);

/*
 * The command line of such a command that takes FILE and at most one
 * word after it (what: "SERVER", "RELEASE"): *word is that word (in
 * argv), or NULL.  false with *rc set on --help or a mistake, also on a
 * second word.
 */
bool cli_fleet_arg(int argc, char **argv, const struct cli_opt *opts, const char *usage,
		   const char *what, const char **file, const char **word, int *rc);

/*
 * Compiles file and opens the phase (fleet_open), f->se left empty;
 * false when that failed, with the diagnostics printed (as JSON with
 * json) or f->err set.  Either way end with cli_fleet_close.
 */
bool cli_fleet_read(struct cli_fleet *f, const char *file, const char *phase, const char *at,
		    bool debug, bool json);

/* cli_fleet_read, then the ssh settings loaded into f->se; false also
 * when they are not usable (f->err set).  End with cli_fleet_close. */
bool cli_fleet_open(struct cli_fleet *f, const char *file, const char *phase, const char *at,
		    bool debug, bool json);

/* Prints f->err (as cmd's) when set, frees f; rc, or CLI_ERRORS when
 * f->err was set. */
int cli_fleet_close(struct cli_fleet *f, const char *cmd, int rc);

#endif
