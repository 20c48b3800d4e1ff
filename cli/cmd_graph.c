#include <stdio.h>

#include "cli.h"
#include "graph.h"
#include "usage.h"

/* The phase called name; says why not as build and plan do (with a
 * suggestion and the phases there are) when there is none. */
static const struct mdl_phase *cmd_graph_phase(const struct mdl_project *p, const char *name)
{
	const struct mdl_phase *ph = model_phase(p, name);
	if (ph)
		return ph;
	struct diag_suggest sg;
	diag_suggest_init(&sg, name);
	for (size_t i = 0; i < p->nphases; i++)
		diag_suggest_try(&sg, p->phases[i].name);
	const char *best = diag_suggest_result(&sg);
	fprintf(stderr, "infrac graph: error: no phase '%s'", name);
	if (best)
		fprintf(stderr, " (did you mean '%s'?)", best);
	fputs("; phases:", stderr);
	for (size_t i = 0; i < p->nphases; i++)
		fprintf(stderr, " %s", p->phases[i].name);
	fputc('\n', stderr);
	return NULL;
}

int cmd_graph(int argc, char **argv)
{
	const char *file, *phase = NULL;
	bool errors;
	int rc;
	const struct cli_opt opts[] = {
		{ "--phase", true, &phase, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_parse(argc, argv, opts, &file, usage_text("graph"), &rc))
		return rc;
	struct compilation c;
	if (!cli_compile_costable(&c, file, NULL, false, &errors)) {
		compile_release(&c);
		return CLI_ERRORS;
	}
	const struct mdl_phase *only = phase ? cmd_graph_phase(c.project, phase) : NULL;
	if (phase && !only) {
		rc = CLI_USAGE;
	} else {
		graph_dot(c.project, only, stdout);
		rc = errors ? CLI_ERRORS : CLI_OK;
	}
	compile_release(&c);
	return rc;
}
