/*
 * deploy: one release of one server's artefacts, over SSH.
 *
 * deploy_release runs the OpenSSH client (ssh.h) and sends a POSIX sh
 * script (script.h) on its standard input; the files and the .env travel
 * inside that script, never on a command line.  On the server, under
 * ROOT/PROJECT (layout.h; ROOT is LAYOUT_ROOT, or $INFRAC_REMOTE_ROOT for
 * tests):
 *
 *   1. upload   files and .env (mode 0600) into releases/.ID.tmp, with
 *               the release's .release (layout.h: time, source, phase,
 *               what changed against current), sync, rename to
 *               releases/ID (a release with that id is replaced); for a
 *               rollback (kept) the step is "stage": releases/ID copied
 *               to releases/.ID.tmp and its .env written anew
 *   2. pull     docker compose pull, in the new release's directory
 *   3. switch   current -> releases/ID (symlink written aside, mv -T); the
 *               release's nginx.conf to proxy/nginx.conf
 *   4. up       docker compose up -d --remove-orphans, but for the
 *               `switched` services whose container changes: those stay
 *   5. handover each of those: a new container beside the running one
 *               (sharing its volumes), healthy within health_timeout, the
 *               proxy pinned to it and reloaded, the old one drained and
 *               stopped (no request is refused meanwhile)
 *   6. reload   nginx -t and nginx -s reload in the proxy service
 *   7. health   every container running (and healthy where it has a
 *               health check), waiting at most health_timeout seconds
 *   8. domains  each domain answers over its scheme (https with SNI when
 *               it has TLS, accepting the proxy's stand-in certificate),
 *               with a status below 400 that the service itself gave,
 *               in the same wait
 *   9. host     the release's systemd units (files named *.service and
 *               *.timer) installed where systemd reads them (enabled
 *               when systemd runs), and root's authorized_keys brought to
 *               the request's keys
 *
 * A failure in steps 3-9 switches current back to the release it
 * pointed at before (when there was one), runs up -d --remove-orphans
 * there and reloads nginx; a failure in 1-2 changes nothing that runs.
 * Releases beyond `keep` (oldest first, never current) are pruned after
 * success.
 *
 * Contract with apply: set the server's labels (the artefacts hash, the
 * keys hash, the fingerprints of secrets and images) only after
 * deploy_release returned true.  A false return leaves them alone, so
 * the next plan sees the server as not yet deployed and apply converges
 * by running the same deploy again.
 *
 * Secret values (the .env entries) never leave this module except in
 * the script on ssh's stdin: error text and output tails have every
 * value replaced by "[redacted]".  The script's progress lines are read
 * by progress.h.
 *
 * Tests point the script elsewhere with $INFRAC_REMOTE_ROOT (which also
 * moves the units to ROOT/systemd and the keys to ROOT/authorized_keys,
 * so a test never touches the host it runs on), $INFRAC_REMOTE_UNITS
 * (where units go instead of /etc/systemd/system; systemctl is then not
 * run) and $INFRAC_REMOTE_AUTHORIZED_KEYS.
 */
#ifndef INFRAC_DEPLOY_H
#define INFRAC_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "progress.h"
#include "secrets.h"
#include "ssh.h"
#include "strbuf.h"

struct deploy_file {
	const char *name;        /* relative path, e.g. "nginx/nginx.conf" */
	const unsigned char *data;
	size_t len;
	unsigned mode;           /* e.g. 0644 */
};

/* A domain the proxy serves, and whether it does so over https. */
struct deploy_domain {
	const char *name;
	bool https;
};

/* A service the proxy sends a domain's requests to, on this port. */
struct deploy_backend {
	const char *service;
	int port;
};

struct deploy_request {
	const char *project;     /* [a-z0-9][a-z0-9_-]*: directory and compose project */
	/* [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes; the same artefacts
	 * must give the same id (e.g. their hash), so a rerun replaces the
	 * release it left instead of adding one */
	const char *release;
	const struct deploy_file *files;
	size_t nfiles;
	const struct secret *env; /* the lines of .env, in this order */
	size_t nenv;
	const char *proxy;       /* compose service running nginx; NULL = none */
	const struct deploy_domain *domains;
	size_t ndomains;
	/* sh command run on the server for each domain, the domain in $1 and
	 * its scheme in $2; NULL = the check of step 8 (curl) */
	const char *domain_check;
	/* services behind the proxy that are handed over without downtime
	 * (step 5); the others are recreated in place when they change */
	const struct deploy_backend *switched;
	size_t nswitched;
	/* services recreated even when nothing of theirs changed (apply
	 * --redeploy): those named, or all with recreate_all */
	const char *const *recreate;
	size_t nrecreate;
	bool recreate_all;
	/* the public keys (one line each) of root's authorized_keys that the
	 * project manages, in one marked block; NULL = leave the file alone.
	 * revoked: keys the project placed before that go, also outside the
	 * block (where the server's creation put them) */
	const char *authorized_keys;
	const char *const *revoked;
	size_t nrevoked;
	/* a rollback: the release's files are those kept on the server in
	 * releases/ID, copied aside with only the .env written anew (files,
	 * nfiles and authorized_keys must be empty).  It fails at step
	 * stage, nothing touched, when no release ID is kept, and at step
	 * pull when an image of it can neither be pulled nor is on the
	 * server; its .release stays as its deploy wrote it. */
	bool kept;
	/* recorded in a new release's .release (layout.h): the SHA-256 of
	 * the source file and the phase, words; NULL = not recorded */
	const char *source;
	const char *phase;
	int health_timeout;      /* seconds; 0 = 120 */
	int keep;                /* releases kept; 0 = 5 */
	/* seconds for the whole ssh session; 0 = 3600.  When it runs out
	 * ssh is stopped and the deploy fails at step "connect": the server
	 * may be between steps, and a rerun converges. */
	int timeout;
	/* called with the name of each step ("upload", "health", ...) as the
	 * server begins it, from the calling thread; NULL = not told.  For
	 * progress displays: the name is all it gets. */
	void (*on_step)(void *ctx, const char *step);
	void *step_ctx;
};

struct deploy_result {
	enum progress_step failed; /* PROGRESS_NONE on success */
	bool rolled_back;        /* current points at the previous release again */
	char *previous;          /* malloc'd: the release current pointed at before; NULL = none */
};

/*
 * True when the release is live and healthy.  Otherwise false with err
 * saying what failed, what was done about it and the tail of the failed
 * step's output, secret values redacted; res says which step and whether
 * the previous release runs again.  Release res with
 * deploy_result_release either way.
 */
bool deploy_release(const struct ssh_target *t, const struct deploy_request *rq,
		    struct deploy_result *res, struct error *err);
/* Frees res->previous. */
void deploy_result_release(struct deploy_result *res);

/* Replaces every occurrence of each non-empty value in s by "[redacted]". */
void deploy_redact(struct strbuf *s, const struct secret *env, size_t nenv);

#endif
