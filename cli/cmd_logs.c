#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_fleet.h"
#include "container.h"
#include "fleet.h"
#include "session.h"
#include "sshenv.h"
#include "usage.h"
#include "xalloc.h"

/* One session: a service on a server, and the prefix of its lines. */
struct cmd_logs_src {
	struct fleet_server fs;
	const char *service;
	char *prefix;          /* "SERVICE@SERVER", malloc'd */
};

/* What the line callback needs: the sources, their prefixes padded alike
 * (none with one source). */
struct cmd_logs_out {
	const struct cmd_logs_src *src;
	size_t n, width;
};

static void cmd_logs_line(void *ctx, size_t job, const char *line, size_t len)
{
	const struct cmd_logs_out *o = ctx;
	if (o->n > 1)
		printf("%-*s | ", (int)o->width, o->src[job].prefix);
	fwrite(line, 1, len, stdout);
	putchar('\n');
	fflush(stdout);
}

static bool cmd_logs_tail_ok(const char *t)
{
	if (!t || !strcmp(t, "all"))
		return true;
	if (!*t || strlen(t) > 9)
		return false;
	return strspn(t, "0123456789") == strlen(t);
}

/* The sources of the services named; 0 with err set when one runs
 * nowhere in the phase. */
static size_t cmd_logs_sources(const struct pipeline *pl, const struct cli_words *services,
			       struct cmd_logs_src *src, struct error *err)
{
	struct fleet_server *fs = xcalloc(pl->want.nservers + 1, sizeof(*fs));
	size_t n = 0;
	for (size_t i = 0; i < services->n; i++) {
		size_t k = fleet_runs(pl, services->words[i], fs, err);
		if (!k) {
			n = 0;
			break;
		}
		for (size_t j = 0; j < k; j++) {
			struct strbuf p = STRBUF_INIT;
			strbuf_addf(&p, "%s@%s", services->words[i], fs[j].want->server);
			src[n++] = (struct cmd_logs_src){ fs[j], services->words[i],
							  strbuf_detach(&p, NULL) };
		}
	}
	free(fs);
	return n;
}

/* One session a source, most at once; false with err for the first that
 * failed.  Followed sessions never end, so each needs its own place. */
static bool cmd_logs_run(struct cli_fleet *f, struct cmd_logs_src *src, size_t n, size_t most,
			 const struct container_logs *lo)
{
	if (lo->follow && n > most)
		return error_set(&f->err, "--follow keeps a session open for each of the %zu "
				 "services and servers, more than --parallelism %zu: raise it "
				 "(up to 100)", n, most);
	struct session_job *jobs = xcalloc(n + 1, sizeof(*jobs));
	struct strbuf *cmd = xcalloc(n + 1, sizeof(*cmd));
	struct cmd_logs_out o = { src, n, 0 };
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++) {
		const char *ip = fleet_address(&src[i].fs, &f->err);
		ok = ip != NULL;
		container_logs_command(&cmd[i], f->pl.want.project, src[i].service, lo);
		jobs[i] = (struct session_job){ .target = sshenv_target(&f->se, ip),
						.command = cmd[i].buf };
		size_t w = strlen(src[i].prefix);
		o.width = w > o.width ? w : o.width;
	}
	if (ok)
		session_fanout(jobs, n, most, lo->follow ? 0 : 600, cmd_logs_line, &o);
	for (size_t i = 0; ok && i < n; i++) {
		if (error_failed(&jobs[i].err)) {
			error_move(&f->err, &jobs[i].err);
			ok = false;
		} else if (jobs[i].status) {
			fleet_failed(&src[i].fs, src[i].service, jobs[i].status, &f->err);
			ok = false;
		}
	}
	for (size_t i = 0; i < n; i++) {
		session_job_release(&jobs[i]);
		strbuf_release(&cmd[i]);
	}
	free(cmd);
	free(jobs);
	return ok;
}

int cmd_logs(int argc, char **argv)
{
	bool debug = false, follow = false;
	const char *file, *phase = NULL, *at = NULL, *since = NULL, *tail = NULL, *par = NULL;
	struct cli_words rest = { NULL, 0 };
	long most;
	int rc;
	const struct cli_opt opts[] = {
		{ "-f", false, NULL, &follow },    { "--follow", false, NULL, &follow },
		{ "--since", true, &since, NULL }, { "--tail", true, &tail, NULL },
		{ "--debug", false, NULL, &debug }, { "--phase", true, &phase, NULL },
		{ "--at", true, &at, NULL },       { "--parallelism", true, &par, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_fleet_args(argc, argv, opts, usage_text("logs"), "SERVICE", &file, &rest, &rc))
		goto out;
	rc = CLI_USAGE;
	if (!cli_parallelism("logs", par, usage_text("logs"), &most))
		goto out;
	if (!cmd_logs_tail_ok(tail)) {
		fputs("infrac logs: --tail takes a number of lines or `all`\n"
		      "Try 'infrac logs --help' for more.\n", stderr);
		goto out;
	}
	struct cli_fleet f;
	struct container_logs lo = { follow, since, tail };
	rc = CLI_ERRORS;
	struct cmd_logs_src *src = NULL;
	size_t n = 0;
	if (cli_fleet_open(&f, file, phase, at, debug, false)) {
		src = xcalloc(rest.n * f.pl.want.nservers + 1, sizeof(*src));
		n = cmd_logs_sources(&f.pl, &rest, src, &f.err);
		if (n && cmd_logs_run(&f, src, n, (size_t)most, &lo))
			rc = CLI_OK;
	}
	rc = cli_fleet_close(&f, "logs", rc);
	for (size_t i = 0; i < n; i++)
		free(src[i].prefix);
	free(src);
out:
	free(rest.words);
	return rc;
}
