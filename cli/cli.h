/*
 * cli: argument handling shared by the commands.  Each command is a
 * cmd_NAME(argc, argv) in its own file, returning the process exit code:
 * 0 success, 1 errors in the input or the run, 2 usage errors (plan uses
 * 2 for "changes present", as DESIGN.md says).
 */
#ifndef INFRAC_CLI_H
#define INFRAC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "compile.h"
#include "error.h"

#define CLI_OK 0
#define CLI_ERRORS 1
#define CLI_USAGE 2
#define CLI_CHANGES 2 /* plan: changes present */

struct cli_opt {
	const char *name;    /* "--json" */
	bool takes_value;
	const char **value;  /* where a value goes */
	bool *flag;          /* where a flag goes */
};

/*
 * Parses argv[1..] against opts; the single positional argument goes to
 * *file.  Prints usage (and returns false with *exit_code set) on --help
 * or a mistake.
 */
bool cli_parse(int argc, char **argv, const struct cli_opt *opts,
	       const char **file, const char *usage, int *exit_code);

/* The positional words after FILE, for a command that takes them:
 * words has room for argc of them. */
struct cli_words {
	const char **words;
	size_t n;
};

/* cli_parse, with the words after the first positional one in *rest. */
bool cli_parse_words(int argc, char **argv, const struct cli_opt *opts, const char **file,
		     struct cli_words *rest, const char *usage, int *exit_code);

/* Colour only on a terminal, never with NO_COLOR set, TERM=dumb or after
 * --no-color (which cli_parse takes on every command). */
bool cli_color(FILE *f);

/* Prints the diagnostics of a compilation that returned ok (text on
 * stderr, or JSON on stdout when it failed and json); returns ok. */
bool cli_compiled(const struct compilation *c, bool ok, bool json);
/* compile_path_priced, then what the artefacts need that check proves
 * too (E1001, emit_check), so that check fails where build would; true
 * when both pass.  c is the caller's to release either way. */
bool cli_compile_checked(struct compilation *c, const char *file,
			 const struct compile_prices *pr);
/* Prints the diagnostics of a stage after compile: JSON on stdout with
 * json, else text on stderr. */
void cli_diags(const struct diag_list *dl, bool json);

/*
 * For cost and recommend: like cli_compile with the prices pr says, but
 * true also when the only errors are of fit (E0301..E0304) and budget
 * (E0801), which is what those commands explain; *errors says whether
 * there were any.  With json, diagnostics of a usable model are left for
 * the caller's document.
 */
bool cli_compile_costable(struct compilation *c, const char *file, const struct compile_prices *pr,
			  bool json, bool *errors);

/* "infrac CMD: error: MESSAGE", the error's text escaped, on stderr. */
void cli_error(const char *cmd, const struct error *e);

/* Asks question on stdout ("Do you want to apply this plan?") and reads
 * a line from stdin: true only for "yes".  The caller checks first that
 * stdin is a terminal. */
bool cli_confirm(const char *question);

/* The base name of path, as reports name the file. */
const char *cli_base_name(const char *path);

/* The environment's variable name as a number >= 0, else dflt. */
long cli_env_long(const char *name, long dflt);
/* Whether the environment's variable name is "off". */
bool cli_env_off(const char *name);

/* How many servers apply, destroy, status and logs reach at once when
 * --parallelism does not say. */
#define CLI_PARALLELISM 10

/* --parallelism's value (NULL: CLI_PARALLELISM) as 1..100 in *out; false
 * with the mistake and cmd's usage on stderr. */
bool cli_parallelism(const char *cmd, const char *value, const char *usage, long *out);

/* The commands: argv[0] is the command's name; the exit code. */
int cmd_check(int argc, char **argv);
int cmd_cost(int argc, char **argv);
int cmd_recommend(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_unlock(int argc, char **argv);
int cmd_output(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_lsp(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_ssh(int argc, char **argv);
int cmd_releases(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_prices(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_graph(int argc, char **argv);
/* infrac __complete commands | options CMD | phases FILE | servers FILE | services FILE:
 * words for the shell completion, one a line */
int cmd_complete(int argc, char **argv);
/* infrac __man: the commands as sections of infrac(1), in troff */
int cmd_man(int argc, char **argv);

#endif
