#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "emit.h"
#include "pipeline.h"
#include "usage.h"

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
	if (!cli_parse(argc, argv, opts, &file, usage_text("build"), &rc))
		return rc;
	if (!dir || !*dir) {
		fprintf(stderr, "infrac build: -o DIR is required\n%s", usage_text("build"));
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
	/* the check's warnings are printed already; these are the build's own.
	 * The artefacts are written as they are made, not held (emit.h). */
	bool ok = emit_build_write(&pl.c.arena, &pl.art_diags, pl.c.project, pl.phase, dir,
				   &pl.art, &err);
	if (!ok && err.msg) /* an artefact that could not be written */
		cli_error("build", &err);
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
