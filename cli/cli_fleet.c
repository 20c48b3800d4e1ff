#include "cli_fleet.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

bool cli_fleet_args(int argc, char **argv, const struct cli_opt *opts, const char *usage,
		    const char *what, const char **file, struct cli_words *rest, int *rc)
{
	*file = NULL;
	int dash = argc;
	for (int i = 1; i < argc && dash == argc; i++)
		dash = !strcmp(argv[i], "--") ? i : dash;
	rest->words = xcalloc((size_t)argc + 1, sizeof(*rest->words));
	if (!cli_parse_words(dash, argv, opts, file, rest, usage, rc))
		return false;
	for (int i = dash + 1; i < argc; i++)
		rest->words[rest->n++] = argv[i];
	if (*file && rest->n)
		return true;
	fprintf(stderr, "infrac %s: FILE and %s are needed\nTry 'infrac %s --help' for more.\n",
		argv[0], what, argv[0]);
	*rc = CLI_USAGE;
	return false;
}

bool cli_fleet_arg(int argc, char **argv, const struct cli_opt *opts, const char *usage,
		   const char *what, const char **file, const char **word, int *rc)
{
	struct cli_words rest = { xcalloc((size_t)argc + 1, sizeof(*rest.words)), 0 };
	bool ok = cli_parse_words(argc, argv, opts, file, &rest, usage, rc);
	if (ok && rest.n > 1) {
		fprintf(stderr, "infrac %s: one %s only\n%s", argv[0], what, usage);
		*rc = CLI_USAGE;
		ok = false;
	}
	*word = ok && rest.n ? rest.words[0] : NULL;
	free(rest.words);
	return ok;
}

bool cli_fleet_read(struct cli_fleet *f, const char *file, const char *phase, const char *at,
		    bool debug, bool json)
{
	f->err = (struct error)ERROR_INIT;
	f->se = (struct sshenv){ 0 };
	if (!cli_compiled(&f->pl.c, pipeline_compile(&f->pl, file), json))
		return false;
	if (fleet_open(&f->pl, phase, at, debug ? stderr : NULL, &f->err))
		return true;
	if (!error_failed(&f->err))
		cli_diags(&f->pl.art_diags, json);
	return false;
}

bool cli_fleet_open(struct cli_fleet *f, const char *file, const char *phase, const char *at,
		    bool debug, bool json)
{
	if (!cli_fleet_read(f, file, phase, at, debug, json))
		return false;
	sshenv_load(&f->se, f->pl.c.project->name);
	return sshenv_usable(&f->se, &f->err);
}

int cli_fleet_close(struct cli_fleet *f, const char *cmd, int rc)
{
	if (error_failed(&f->err)) {
		cli_error(cmd, &f->err);
		rc = CLI_ERRORS;
	}
	sshenv_release(&f->se);
	error_release(&f->err);
	pipeline_release(&f->pl);
	return rc;
}
