#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "emit.h"

static const char build_usage[] =
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

static void build_unknown_phase(const struct mdl_project *p, const char *file,
				const char *phase)
{
	struct diag_suggest s;
	diag_suggest_init(&s, phase);
	for (size_t i = 0; i < p->nphases; i++)
		diag_suggest_try(&s, p->phases[i].name);
	const char *best = diag_suggest_result(&s);
	fprintf(stderr, "infrac build: %s has no phase '%s'", file, phase);
	if (best)
		fprintf(stderr, "; did you mean '%s'?", best);
	fputs("\nphases:", stderr);
	for (size_t i = 0; i < p->nphases; i++)
		fprintf(stderr, " %s", p->phases[i].name);
	fputc('\n', stderr);
}

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
	if (!cli_parse(argc, argv, opts, &file, build_usage, &rc))
		return rc;
	if (!dir || !*dir) {
		fprintf(stderr, "infrac build: -o DIR is required\n%s", build_usage);
		return CLI_USAGE;
	}

	struct compilation c;
	if (!cli_compile(&c, file, json)) {
		compile_release(&c);
		return CLI_ERRORS;
	}
	const struct mdl_phase *only = NULL;
	if (phase && !(only = model_phase(c.project, phase))) {
		build_unknown_phase(c.project, file, phase);
		compile_release(&c);
		return CLI_USAGE;
	}

	/* the check's warnings are printed already; these are the build's own */
	struct diag_list dl;
	struct emit_output out;
	diag_list_init(&dl, &c.arena);
	bool ok = emit_build(&c.arena, &dl, c.project, only, &out);
	char err[512];
	if (ok && !emit_write(&out, dir, err, sizeof(err))) {
		fprintf(stderr, "infrac build: %s\n", err);
		ok = false;
	}
	if (!ok)
		out.n = 0;
	if (json) {
		emit_print_json(&out, dir, &dl, stdout);
	} else {
		diag_print(&dl, stderr, cli_color(stderr));
		for (size_t i = 0; i < out.n; i++)
			printf("wrote %s/%s (%zu bytes)\n", dir, out.files[i].path,
			       out.files[i].len);
	}
	diag_list_release(&dl);
	compile_release(&c);
	return ok ? CLI_OK : CLI_ERRORS;
}
