#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "units.h"

bool cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
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
	*file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			fputs(usage, stdout);
			*exit_code = CLI_OK;
			return false;
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

bool cli_compile(struct compilation *c, const char *file, bool json)
{
	bool ok = compile_file(c, file);
	if (!ok && json)
		diag_print_json(&c->diags, stdout);
	else
		diag_print(&c->diags, stderr, cli_color(stderr));
	return ok;
}

bool cli_compile_costable(struct compilation *c, const char *file, bool json, bool *errors)
{
	*errors = !compile_file(c, file);
	bool usable = c->project != NULL;
	for (size_t i = 0; usable && i < c->diags.n; i++) {
		enum diag_code code = c->diags.items[i]->code;
		usable = diag_code_severity(code) != DIAG_ERROR || code == DIAG_E0301 ||
			 code == DIAG_E0302 || code == DIAG_E0303 || code == DIAG_E0801;
	}
	if (!usable && json)
		diag_print_json(&c->diags, stdout);
	else if (!json)
		diag_print(&c->diags, stderr, cli_color(stderr));
	return usable;
}

/* "2026-08-15" or "2026-08" -> month index; -1 when malformed. */
static int parse_month(const char *s)
{
	int y, m, d, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && !s[n] && d >= 1 && d <= 31)
		;
	else if (n = 0, sscanf(s, "%4d-%2d%n", &y, &m, &n) == 2 && !s[n])
		;
	else
		return -1;
	if (y < 1970 || m < 1 || m > 12)
		return -1;
	return units_month_index(y, m);
}

const struct mdl_phase *cli_pick_phase(const struct mdl_project *p, const char *name,
				       const char *at, const char *cmd)
{
	if (name) {
		const struct mdl_phase *ph = model_phase(p, name);
		if (!ph) {
			fprintf(stderr, "infrac %s: error: no phase '%s'; phases:", cmd, name);
			for (size_t i = 0; i < p->nphases; i++)
				fprintf(stderr, " %s", p->phases[i].name);
			fputc('\n', stderr);
		}
		return ph;
	}
	const char *today = getenv("INFRAC_TODAY");
	int month;
	if (at) {
		month = parse_month(at);
		if (month < 0) {
			fprintf(stderr, "infrac %s: error: --at '%s' is not a date (YYYY-MM-DD)\n", cmd, at);
			return NULL;
		}
	} else if (today && *today) {
		month = parse_month(today);
		if (month < 0) {
			fprintf(stderr, "infrac %s: error: INFRAC_TODAY '%s' is not a date "
					"(YYYY-MM-DD)\n", cmd, today);
			return NULL;
		}
	} else {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		month = units_month_index(tm.tm_year + 1900, tm.tm_mon + 1);
	}
	const struct mdl_phase *ph = model_phase_at(p, month);
	if (!ph) {
		char b[UNITS_BUF];
		fprintf(stderr, "infrac %s: error: no phase runs in %s; choose one with --phase:", cmd,
			units_fmt_month(b, month));
		for (size_t i = 0; i < p->nphases; i++)
			fprintf(stderr, " %s", p->phases[i].name);
		fputc('\n', stderr);
	}
	return ph;
}

/* The distinct OS images the phase's servers use. */
const char **cli_phase_images(struct arena *a, const struct plan_desired *w, size_t *n)
{
	const char **v = arena_calloc(a, w->nservers ? w->nservers : 1, sizeof(*v));
	*n = 0;
	for (size_t i = 0; i < w->nservers; i++) {
		bool have = false;
		for (size_t j = 0; j < *n; j++)
			have |= !strcmp(v[j], w->servers[i].image);
		if (!have)
			v[(*n)++] = w->servers[i].image;
	}
	return v;
}

const char *cli_base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

bool cli_fetch_state(struct http_client *hc, struct arena *a, const char *project,
		     const struct plan_desired *want, struct state *st, struct hc_error *e)
{
	size_t nimages;
	const char **images = cli_phase_images(a, want, &nimages);
	const char **names = arena_calloc(a, want->nservers ? want->nservers : 1, sizeof(*names));
	for (size_t i = 0; i < want->nservers; i++)
		names[i] = want->servers[i].name;
	return state_fetch(st, a, hc, project, images, nimages, names, want->nservers, e);
}
