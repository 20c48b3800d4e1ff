#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "emit.h"
#include "pipeline.h"

static const char cmd_build_usage[] =
	"usage: infrac build FILE -o DIR [--phase P] [--json]\n"
	"\n"
	"Checks FILE, then writes what each server runs in each phase:\n"
	"  DIR/PHASE/SERVER/cloud-init.yaml      user data that sets the server up\n"
	"  DIR/PHASE/SERVER/docker-compose.yml   its containers\n"
	"  DIR/PHASE/SERVER/nginx.conf           where a proxy runs\n"
	"  DIR/PHASE/SERVER/.env.example         the names of the secrets it reads\n"
	"No secret value is ever written.  Nothing is written when there is an\n"
	"error; each DIR/PHASE/SERVER folder is replaced whole.\n"
	"\n"
	"  -o DIR      where to write (required)\n"
	"  --phase P   only phase P\n"
	"  --json      the files written, or the diagnostics, as JSON on stdout\n"
	"\n"
	"Exit status: 0 written, 1 errors, 2 usage errors.\n";

int cmd_build(int argc, char **argv)
{
	const char *file, *dir = NULL, *phase = NULL;
	bool json = false;
	int rc;
	const struct cli_opt opts[] = {
		{ "-o", true, &dir, NULL },
		{ "--phase", true, &phase, NULL },
		{ "--json", false, NULL, &json },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, cmd_build_usage, &rc))
		return rc;
	if (!dir || !*dir) {
		fprintf(stderr, "infrac build: -o DIR is required\n%s", cmd_build_usage);
		return CLI_USAGE;
	}

	struct pipeline pl;
	struct error err = ERROR_INIT;
	rc = CLI_ERRORS;
	if (!cli_compiled(&pl.c, pipeline_compile(&pl, file), json))
		goto out;
	if (phase && !pipeline_phase(&pl, phase, NULL, &err)) {
		cli_error("build", &err);
		rc = CLI_USAGE;
		goto out;
	}
	/* the check's warnings are printed already; these are the build's own */
	bool ok = pipeline_artefacts(&pl);
	if (ok && !emit_write(&pl.art, dir, &err)) {
		cli_error("build", &err);
		ok = false;
	}
	if (!ok)
		pl.art.n = 0;
	if (json) {
		emit_print_json(&pl.art, dir, &pl.art_diags, stdout);
	} else {
		diag_print(&pl.art_diags, stderr, cli_color(stderr));
		for (size_t i = 0; i < pl.art.n; i++)
			printf("wrote %s/%s (%zu bytes)\n", dir, pl.art.files[i].path,
			       pl.art.files[i].len);
	}
	rc = ok ? CLI_OK : CLI_ERRORS;
out:
	error_release(&err);
	pipeline_release(&pl);
	return rc;
}
