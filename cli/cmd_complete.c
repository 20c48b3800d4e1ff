#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "usage.h"

/*
 * Not listed: what the shell completion (cli/completion/) asks, one word
 * a line, nothing on stderr (a completion must not write on the
 * terminal), exit 0 even when the file cannot be read or parsed.
 */

/* The names of the top-level blocks of the given kinds ("phase",
 * "server"; "service" and "proxy") in path, as far as it parses. */
static void cmd_complete_blocks(const char *path, const char *kind, const char *kind2)
{
	struct strbuf text = STRBUF_INIT;
	struct error err = ERROR_INIT;
	if (!fileio_read(path, UINT32_MAX - 2, &text, &err)) {
		error_release(&err);
		strbuf_release(&text);
		return;
	}
	struct compilation c;
	compile_parse(&c, path, &text);
	for (const struct ast_item *it = c.ast.items; it; it = it->next)
		if (it->kind == AST_BLOCK && it->words && !it->words->next &&
		    (!strcmp(it->name, kind) || (kind2 && !strcmp(it->name, kind2))))
			printf("%s\n", it->words->name);
	compile_release(&c);
	strbuf_release(&text);
}

/* The options of command c (none when c is NULL), then --help, and
 * --no-color, which every command but help and version takes. */
static void cmd_complete_options(const struct usage_cmd *c)
{
	if (!c)
		return;
	bool color = strcmp(c->name, "help") && strcmp(c->name, "version");
	for (const struct usage_opt *o = c->opts; o->spelling; o++) {
		if (o->spelling[0] != '-')
			continue; /* a word of the command line (rollback's RELEASE) */
		printf("%.*s\n", (int)strcspn(o->spelling, " "), o->spelling);
		color = color && strcmp(o->spelling, "--no-color");
	}
	puts("--help");
	if (color)
		puts("--no-color");
}

int cmd_complete(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "commands") && argc == 2) {
		for (size_t i = 0; i < usage_ncmds; i++)
			printf("%s\n", usage_cmds[i].name);
	} else if (!strcmp(what, "options") && argc == 3) {
		cmd_complete_options(usage_find(argv[2]));
	} else if (!strcmp(what, "phases") && argc == 3) {
		cmd_complete_blocks(argv[2], "phase", NULL);
	} else if (!strcmp(what, "servers") && argc == 3) {
		cmd_complete_blocks(argv[2], "server", NULL);
	} else if (!strcmp(what, "services") && argc == 3) {
		cmd_complete_blocks(argv[2], "service", "proxy");
	} else {
		fputs("usage: infrac __complete commands | options COMMAND | phases FILE | "
		      "servers FILE | services FILE\n", stderr);
		return CLI_USAGE;
	}
	return CLI_OK;
}
