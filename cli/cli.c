#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"


/* --no-color, which every command takes */
static bool cli_no_color;

bool cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	if (cli_no_color || (nc && *nc) || (term && !strcmp(term, "dumb")))
		return false;
	return isatty(fileno(f));
}

/* After a usage mistake: the synopsis line and where the rest is. */
static void cli_usage_hint(const char *cmd, const char *usage)
{
	fprintf(stderr, "%.*s\nTry 'infrac %s --help' for more.\n",
		(int)strcspn(usage, "\n"), usage, cmd);
}

bool cli_parse(int argc, char **argv, const struct cli_opt *opts,
	       const char **file, const char *usage, int *exit_code)
{
	return cli_parse_words(argc, argv, opts, file, NULL, usage, exit_code);
}

bool cli_parse_words(int argc, char **argv, const struct cli_opt *opts, const char **file,
		     struct cli_words *rest, const char *usage, int *exit_code)
{
	*file = NULL;
	if (rest)
		rest->n = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			fputs(usage, stdout);
			*exit_code = CLI_OK;
			return false;
		}
		if (!strcmp(arg, "--no-color")) {
			cli_no_color = true;
			continue;
		}
		if (arg[0] == '-' && arg[1]) {
			const struct cli_opt *o = opts;
			size_t len = strcspn(arg, "=");
			while (o && o->name && (strlen(o->name) != len || strncmp(o->name, arg, len)))
				o++;
			if (!o || !o->name) {
				struct diag_suggest sg;
				diag_suggest_init(&sg, arg);
				for (o = opts; o && o->name; o++)
					diag_suggest_try(&sg, o->name);
				const char *best = diag_suggest_result(&sg);
				fprintf(stderr, "infrac %s: unknown option '%s'%s%s%s\n", argv[0], arg,
					best ? " (did you mean " : "", best ? best : "",
					best ? "?)" : "");
				cli_usage_hint(argv[0], usage);
				*exit_code = CLI_USAGE;
				return false;
			}
			if (!o->takes_value) {
				if (arg[len]) {
					fprintf(stderr, "infrac %s: %s takes no value\n", argv[0], o->name);
					*exit_code = CLI_USAGE;
					return false;
				}
				*o->flag = true;
				continue;
			}
			if (arg[len] == '=') {
				*o->value = arg + len + 1;
			} else if (i + 1 < argc) {
				*o->value = argv[++i];
			} else {
				fprintf(stderr, "infrac %s: %s needs a value\n", argv[0], o->name);
				cli_usage_hint(argv[0], usage);
				*exit_code = CLI_USAGE;
				return false;
			}
			continue;
		}
		if (*file && rest) {
			rest->words[rest->n++] = arg;
			continue;
		}
		if (*file) {
			fprintf(stderr, "infrac %s: one FILE only ('%s' and '%s')\n", argv[0],
				*file, arg);
			cli_usage_hint(argv[0], usage);
			*exit_code = CLI_USAGE;
			return false;
		}
		*file = arg;
	}
	if (!*file) {
		fprintf(stderr, "infrac %s: no FILE given\n", argv[0]);
		cli_usage_hint(argv[0], usage);
		*exit_code = CLI_USAGE;
		return false;
	}
	return true;
}

void cli_diags(const struct diag_list *dl, bool json)
{
	if (json)
		diag_print_json(dl, stdout);
	else
		diag_print(dl, stderr, cli_color(stderr));
}

bool cli_compiled(const struct compilation *c, bool ok, bool json)
{
	if (!ok && json)
		diag_print_json(&c->diags, stdout);
	else
		diag_print(&c->diags, stderr, cli_color(stderr));
	return ok;
}

bool cli_compile_checked(struct compilation *c, const char *file,
			 const struct compile_prices *pr)
{
	return compile_path_priced(c, file, pr) && emit_check(&c->arena, &c->diags, c->project);
}

void cli_error(const char *cmd, const struct error *e)
{
	struct strbuf m = STRBUF_INIT;
	error_format(e, &m);
	fprintf(stderr, "infrac %s: error: %s\n", cmd, m.buf);
	strbuf_release(&m);
}

bool cli_compile_costable(struct compilation *c, const char *file, const struct compile_prices *pr,
			  bool json, bool *errors)
{
	*errors = !cli_compile_checked(c, file, pr);
	bool usable = c->project != NULL;
	for (size_t i = 0; usable && i < c->diags.n; i++) {
		enum diag_code code = c->diags.items[i]->code;
		usable = diag_code_severity(code) != DIAG_ERROR || code == DIAG_E0301 ||
			 code == DIAG_E0302 || code == DIAG_E0303 || code == DIAG_E0304 ||
			 code == DIAG_E0801;
	}
	if (!usable && json)
		diag_print_json(&c->diags, stdout);
	else if (!json)
		diag_print(&c->diags, stderr, cli_color(stderr));
	return usable;
}

bool cli_confirm(const char *question)
{
	printf("\n%s Only 'yes' will be accepted: ", question);
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcmp(line, "yes");
}

const char *cli_base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ---- settings from the environment ---------------------------------------- */

long cli_env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	char *end;
	long n = v && *v ? strtol(v, &end, 10) : -1;
	return v && *v && !*end && n >= 0 ? n : dflt;
}

bool cli_env_off(const char *name)
{
	const char *v = getenv(name);
	return v && !strcmp(v, "off");
}

bool cli_parallelism(const char *cmd, const char *value, const char *usage, long *out)
{
	char *end;
	long n = value && *value ? strtol(value, &end, 10) : 0;
	*out = CLI_PARALLELISM;
	if (!value)
		return true;
	if (n >= 1 && n <= 100 && !*end) {
		*out = n;
		return true;
	}
	fprintf(stderr, "infrac %s: --parallelism takes 1..100\n%s", cmd, usage);
	return false;
}
