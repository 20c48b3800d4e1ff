#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "emit.h"

static const char build_usage[] =
	"usage: infrac build FILE -o DIR [--phase P]\n"
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
	"\n"
	"Exit status: 0 written, 1 errors, 2 usage errors.\n";

int cmd_build(int argc, char **argv)
{
	const char *file, *dir = NULL, *phase = NULL;
	int rc;
	const struct cli_opt opts[] = {
		{ "-o", true, &dir, NULL },
		{ "--phase", true, &phase, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, build_usage, &rc))
		return rc;
	if (!dir || !*dir) {
		fprintf(stderr, "infrac build: -o DIR is required\n%s", build_usage);
		return CLI_USAGE;
	}

	struct compilation c;
	if (!cli_compile(&c, file, false)) {
		compile_release(&c);
		return CLI_ERRORS;
	}
	const struct mdl_phase *only = NULL;
	if (phase) {
		only = model_phase(c.project, phase);
		if (!only) {
			struct diag_suggest s;
			diag_suggest_init(&s, phase);
			for (size_t i = 0; i < c.project->nphases; i++)
				diag_suggest_try(&s, c.project->phases[i].name);
			const char *best = diag_suggest_result(&s);
			fprintf(stderr, "infrac build: %s has no phase '%s'", file, phase);
			if (best)
				fprintf(stderr, "; did you mean '%s'?", best);
			fputs("\nphases:", stderr);
			for (size_t i = 0; i < c.project->nphases; i++)
				fprintf(stderr, " %s", c.project->phases[i].name);
			fputc('\n', stderr);
			compile_release(&c);
			return CLI_USAGE;
		}
	}

	struct emit_output out;
	size_t before = c.diags.n;
	bool ok = emit_build(&c.arena, &c.diags, c.project, only, &out);
	if (c.diags.n > before || !ok)
		diag_print(&c.diags, stderr, cli_color(stderr));
	if (ok) {
		char err[512];
		if (!emit_write(&out, dir, err, sizeof(err))) {
			fprintf(stderr, "infrac build: %s\n", err);
			ok = false;
		} else {
			for (size_t i = 0; i < out.n; i++)
				printf("wrote %s/%s (%zu bytes)\n", dir, out.files[i].path,
				       out.files[i].len);
		}
	}
	compile_release(&c);
	return ok ? CLI_OK : CLI_ERRORS;
}
