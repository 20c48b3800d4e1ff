/*
 * tool_deploy: drives runtime/remote/deploy and runtime/remote/lock from the deploy
 * suite, the way apply will.
 *
 *   tool_deploy lock PROJECT SECONDS
 *       takes the lock, prints "locked", holds it SECONDS, releases it
 *   tool_deploy deploy --host H --port N --user U --identity F
 *           --known-hosts F [--accept-new] --project P --release ID
 *           [--file NAME MODE LOCALPATH]... [--secret NAME]...
 *           [--secrets-of INFRA PHASE SERVER] [--proxy S] [--domain D]...
 *           [--https-domain D]...
 *           [--check CMD] [--wait SECONDS] [--keep N] [--timeout SECONDS]
 *       --secret takes NAME's value from the environment; --secrets-of
 *       resolves the secrets of SERVER's services in PHASE as apply does
 *       (and stops before any connection when one is missing)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "deploy.h"
#include "release.h"
#include "lock.h"

static int do_lock(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	struct lock l = LOCK_INIT;
	struct strbuf notice = STRBUF_INIT;
	struct error err = ERROR_INIT;
	bool ok = lock_acquire(&l, argv[2], "infrac apply test.infra", &notice, &err);
	if (notice.len)
		fprintf(stderr, "infrac: %s\n", notice.buf);
	if (!ok)
		fprintf(stderr, "infrac: %s\n", err.msg);
	strbuf_release(&notice);
	error_release(&err);
	if (!ok)
		return 1;
	printf("locked\n");
	fflush(stdout);
	sleep((unsigned)atoi(argv[3]));
	lock_release(&l);
	return 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *d = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			d = realloc(d, cap);
			if (!d)
				exit(1);
		}
		r = fread(d + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return d;
}

#define MAXN 64

/* each step as deploy_release reports it, in order */
static void print_step(void *ctx, const char *step)
{
	(void)ctx;
	printf("step %s\n", step);
	fflush(stdout);
}

/* --list: the releases as release_list reads them, a line each. */
static int list_releases(const struct ssh_target *t, const char *project)
{
	struct release_list l;
	struct error err = ERROR_INIT;
	bool ok = release_list(t, project, 0, &l, &err);
	if (!ok)
		fprintf(stderr, "infrac: %s\n", err.msg);
	for (size_t i = 0; i < l.n; i++)
		printf("%c %s %s %s %s | %s\n", l.v[i].current ? '*' : '-', l.v[i].id, l.v[i].time,
		       l.v[i].phase ? l.v[i].phase : "-", l.v[i].source ? l.v[i].source : "-",
		       l.v[i].changed ? l.v[i].changed : "-");
	const struct release *prev = release_previous(&l);
	printf("previous %s\n", prev ? prev->id : "none");
	release_list_release(&l);
	error_release(&err);
	return ok ? 0 : 1;
}

static int do_deploy(int argc, char **argv)
{
	struct ssh_target t = { 0 };
	struct deploy_request rq = { 0 };
	struct deploy_file files[MAXN];
	struct secret env[MAXN];
	struct deploy_domain domains[MAXN];
	const char *infra = NULL, *phase = NULL, *server = NULL;
	bool list = false;
	const struct { const char *opt; const char **dst; } strs[] = {
		{ "--host", &t.host }, { "--user", &t.user }, { "--identity", &t.identity },
		{ "--known-hosts", &t.known_hosts }, { "--project", &rq.project },
		{ "--release", &rq.release }, { "--proxy", &rq.proxy },
		{ "--check", &rq.domain_check }, { "--source", &rq.source },
		{ "--phase-name", &rq.phase },
	};
	const struct { const char *opt; int *dst; } ints[] = {
		{ "--port", &t.port }, { "--wait", &rq.health_timeout }, { "--keep", &rq.keep },
		{ "--timeout", &rq.timeout },
	};
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc, taken = false;
		for (size_t k = 0; more && !taken && k < sizeof strs / sizeof *strs; k++)
			if ((taken = !strcmp(a, strs[k].opt)))
				*strs[k].dst = argv[++i];
		for (size_t k = 0; more && !taken && k < sizeof ints / sizeof *ints; k++)
			if ((taken = !strcmp(a, ints[k].opt)))
				*ints[k].dst = atoi(argv[++i]);
		if (taken)
			continue;
		if (!strcmp(a, "--accept-new"))
			t.accept_new = true;
		else if (!strcmp(a, "--kept"))
			rq.kept = true;
		else if (!strcmp(a, "--list"))
			list = true;
		else if (!strcmp(a, "--domain") && more && rq.ndomains < MAXN)
			domains[rq.ndomains++] = (struct deploy_domain){ argv[++i], false };
		else if (!strcmp(a, "--https-domain") && more && rq.ndomains < MAXN)
			domains[rq.ndomains++] = (struct deploy_domain){ argv[++i], true };
		else if (!strcmp(a, "--secret") && more && rq.nenv < MAXN) {
			env[rq.nenv].name = argv[++i];
			env[rq.nenv++].value = getenv(argv[i]);
		} else if (!strcmp(a, "--file") && i + 3 < argc && rq.nfiles < MAXN) {
			struct deploy_file *f = &files[rq.nfiles++];
			f->name = argv[i + 1];
			f->mode = (unsigned)strtoul(argv[i + 2], NULL, 8);
			f->data = slurp(argv[i + 3], &f->len);
			if (!f->data) {
				fprintf(stderr, "tool_deploy: cannot read %s\n", argv[i + 3]);
				return 2;
			}
			i += 3;
		} else if (!strcmp(a, "--secrets-of") && i + 3 < argc) {
			infra = argv[i + 1];
			phase = argv[i + 2];
			server = argv[i + 3];
			i += 3;
		} else {
			fprintf(stderr, "tool_deploy: bad argument %s\n", a);
			return 2;
		}
	}
	rq.files = files;
	rq.env = env;
	rq.domains = domains;
	if (list)
		return list_releases(&t, rq.project);

	struct compilation c;
	struct error err = ERROR_INIT;
	bool compiled = false;
	int rc = 1;
	if (infra) {
		compiled = true;
		const struct mdl_phase *ph = NULL;
		const struct mdl_server *srv = NULL;
		const struct mdl_placement *pl = NULL;
		if (compile_path(&c, infra) && (ph = model_phase(c.project, phase)) &&
		    (srv = model_server(c.project, server)))
			pl = model_placement(ph, srv);
		if (!pl) {
			fprintf(stderr, "tool_deploy: no placement of %s in %s\n", server, phase);
			goto out;
		}
		struct secret *se;
		size_t nse;
		if (!secrets_resolve(&c.arena, pl, &se, &nse, &err)) {
			fprintf(stderr, "infrac: %s\n", err.msg);
			goto out;
		}
		rq.env = se;
		rq.nenv = nse;
	}
	rq.on_step = print_step;
	struct deploy_result res;
	if (deploy_release(&t, &rq, &res, &err)) {
		printf("deployed %s (previous: %s)\n", rq.release,
		       res.previous ? res.previous : "none");
		rc = 0;
	} else {
		fprintf(stderr, "infrac: %s\n", err.msg);
		printf("failed step: %s\nrolled back: %s\n", progress_step_name(res.failed),
		       res.rolled_back ? "yes" : "no");
	}
	deploy_result_release(&res);
out:
	error_release(&err);
	for (size_t i = 0; i < rq.nfiles; i++)
		free((void *)files[i].data);
	if (compiled)
		compile_release(&c);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "lock"))
		return do_lock(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "deploy"))
		return do_deploy(argc, argv);
	fputs("usage: tool_deploy lock|deploy ...\n", stderr);
	return 2;
}
