/*
 * usage: what every command says about itself, in one place.
 *
 * `infrac COMMAND --help`, the command list of `infrac --help`, the
 * options shell completion offers (`infrac __complete options CMD`) and
 * the COMMANDS section of the man page infrac(1) (`infrac __man`, built
 * into docs/man/infrac.1.in by the Makefile) are all rendered from this
 * table, so they cannot say different things.
 */
#ifndef INFRAC_USAGE_H
#define INFRAC_USAGE_H

#include <stddef.h>
#include <stdio.h>

#define USAGE_MAX_OPTS 12

struct usage_opt {
	const char *spelling; /* "--phase P" */
	const char *text;     /* what it does; lines '\n' apart as --help wraps them */
};

struct usage_cmd {
	const char *name;
	const char *summary;  /* one line, for the command list */
	/* the forms of the command line, '\n' apart; a line that starts
	 * with spaces continues the form above it */
	const char *synopsis;
	const char *about;    /* paragraphs; a line that starts with two
				 spaces is shown as it is (a table) */
	struct usage_opt opts[USAGE_MAX_OPTS];
	const char *trailer;  /* environment, exit status: paragraphs */
};

/* The commands, in the order `infrac --help` lists them, then help and
 * version, which main answers itself; static. */
extern const struct usage_cmd usage_cmds[];
extern const size_t usage_ncmds;

/* The command called name, or NULL. */
const struct usage_cmd *usage_find(const char *name);

/* The --help text of the command called name (which must exist):
 * rendered once, owned by this module for the life of the process. */
const char *usage_text(const char *name);

/* The commands as sections of a man page (troff, for infrac(1)). */
void usage_troff(FILE *out);

#endif
