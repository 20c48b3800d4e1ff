/*
 * teamlock: the apply lock as a placement group of the project.  See teamlock.h.
 */
#include "teamlock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ascii.h"
#include "fileio.h"

/* create, look, take over: a bounded number of rounds against racing applies */
#define TEAMLOCK_ROUNDS 3

void teamlock_label_value(const char *in, char out[64])
{
	size_t n = 0;
	for (const char *p = in ? in : ""; *p && n < 63; p++) {
		unsigned char ch = (unsigned char)*p;
		if (!n && !ascii_alnum(ch))
			continue; /* a value starts with a letter or digit */
		out[n++] = ascii_alnum(ch) || ch == '-' || ch == '_' || ch == '.' ? (char)ch : '-';
	}
	while (n && !ascii_alnum((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
	if (!n)
		snprintf(out, 64, "unknown");
}

const char *teamlock_name(struct arena *a, const char *project)
{
	return arena_printf(a, "%s-lock", project);
}

/* This machine and process, as the labels say them. */
struct teamlock_self {
	char user[64], host[64], boot[64], pid[24];
};

static void teamlock_self(struct teamlock_self *me)
{
	const struct passwd *pw = getpwuid(geteuid());
	const char *user = pw ? pw->pw_name : getenv("USER");
	teamlock_label_value(user, me->user);
	char host[256] = "";
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	teamlock_label_value(host, me->host);
	/* the boot id tells a host name shared by two machines from one machine */
	struct strbuf boot = STRBUF_INIT;
	struct error err = ERROR_INIT;
	size_t w = 0;
	if (fileio_read("/proc/sys/kernel/random/boot_id", 64, &boot, &err))
		for (size_t i = 0; i < boot.len; i++)
			if (ascii_alnum((unsigned char)boot.buf[i]))
				boot.buf[w++] = boot.buf[i];
	strbuf_setlen(&boot, w);
	teamlock_label_value(boot.buf, me->boot);
	error_release(&err);
	strbuf_release(&boot);
	snprintf(me->pid, sizeof(me->pid), "%ld", (long)getpid());
}

/* The labels of a new lock: keys sorted, as struct hc_labels has them. */
static void teamlock_labels(struct arena *a, const char *project, const struct teamlock_self *me,
			    struct hc_labels *l)
{
	char proj[64];
	teamlock_label_value(project, proj);
	static const char *const keys[] = { "infrac/lock-boot", "infrac/lock-holder",
					     "infrac/lock-host", "infrac/lock-pid",
					     "infrac/lock-since", "infrac/project" };
	const char *vals[] = { me->boot, me->user, me->host, me->pid,
			       arena_printf(a, "%lld", (long long)time(NULL)), proj };
	l->n = sizeof(keys) / sizeof(*keys);
	l->keys = arena_calloc(a, l->n, sizeof(*l->keys));
	l->vals = arena_calloc(a, l->n, sizeof(*l->vals));
	for (size_t i = 0; i < l->n; i++) {
		l->keys[i] = keys[i];
		l->vals[i] = arena_strdup(a, vals[i]);
	}
}

static int64_t teamlock_number(const struct hc_labels *l, const char *key, int64_t dflt)
{
	const char *v = hcloud_label(l, key);
	char *end;
	long long n = v && *v ? strtoll(v, &end, 10) : 0;
	return v && *v && !*end && n >= 0 ? (int64_t)n : dflt;
}

/* h from a placement group, and where its holder runs. */
static void teamlock_holder(const struct hc_placement_group *pg, const struct teamlock_self *me,
			    struct teamlock_holder *h)
{
	const struct hc_labels *l = &pg->labels;
	const char *user = hcloud_label(l, TEAMLOCK_LABEL_HOLDER);
	const char *host = hcloud_label(l, TEAMLOCK_LABEL_HOST);
	const char *boot = hcloud_label(l, TEAMLOCK_LABEL_BOOT);
	*h = (struct teamlock_holder){
		.id = pg->id,
		.name = pg->name,
		.infrac = user != NULL,
		.user = user ? user : "?",
		.host = host ? host : "?",
		.pid = (long)teamlock_number(l, TEAMLOCK_LABEL_PID, 0),
		.since = teamlock_number(l, TEAMLOCK_LABEL_SINCE, -1),
		.where = TEAMLOCK_ELSEWHERE,
	};
	/* only a known boot of this host can say a process is gone */
	if (!host || !boot || strcmp(host, me->host) || strcmp(boot, me->boot) ||
	    !strcmp(boot, "unknown") || h->pid <= 0)
		return;
	if (h->pid == (long)getpid())
		h->where = TEAMLOCK_MINE;
	else if (kill((pid_t)h->pid, 0) < 0 && errno == ESRCH)
		h->where = TEAMLOCK_GONE;
	else
		h->where = TEAMLOCK_RUNNING;
}

static bool teamlock_look(struct http_client *c, struct arena *a, const char *name,
			  const struct teamlock_self *me, struct teamlock_holder *h, bool *held,
			  struct error *err)
{
	struct hc_placement_group pg;
	if (!hcloud_find_placement_group(c, a, name, &pg, held, err))
		return error_wrap(err, "cannot read the apply lock %s", name);
	if (*held)
		teamlock_holder(&pg, me, h);
	return true;
}

bool teamlock_read(struct http_client *c, struct arena *a, const char *project,
		   struct teamlock_holder *h, bool *held, struct error *err)
{
	struct teamlock_self me;
	teamlock_self(&me);
	return teamlock_look(c, a, teamlock_name(a, project), &me, h, held, err);
}

static void teamlock_age(int64_t seconds, struct strbuf *out)
{
	if (seconds < 120)
		strbuf_addf(out, "%lld s", (long long)seconds);
	else if (seconds < 2 * 3600)
		strbuf_addf(out, "%lld min", (long long)(seconds / 60));
	else if (seconds < 2 * 86400)
		strbuf_addf(out, "%lld h %lld min", (long long)(seconds / 3600),
			    (long long)(seconds % 3600 / 60));
	else
		strbuf_addf(out, "%lld days", (long long)(seconds / 86400));
}

void teamlock_describe(const struct teamlock_holder *h, int64_t now, struct strbuf *out)
{
	strbuf_addf(out, "%s on %s", h->user, h->host);
	if (h->pid > 0)
		strbuf_addf(out, " (pid %ld)", h->pid);
	time_t t = (time_t)h->since;
	struct tm tm;
	char when[32];
	if (h->since < 0 || !gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		strbuf_addstr(out, " since an unknown time");
		return;
	}
	strbuf_addf(out, " since %s (age ", when);
	teamlock_age(now > h->since ? now - h->since : 0, out);
	strbuf_addch(out, ')');
}

/* The error for a lock held by another apply, or by something not infrac's. */
static bool teamlock_refuse(const struct teamlock_holder *h, const char *project,
			    const char *hint, struct error *err)
{
	if (!h->infrac)
		return error_set(err, "the apply lock's name %s is taken by a placement group "
				 "infrac did not make (id %lld); rename or delete it",
				 h->name, (long long)h->id);
	struct strbuf m = STRBUF_INIT;
	teamlock_describe(h, (int64_t)time(NULL), &m);
	error_set(err, "apply of %s is running: held by %s; if that apply is gone, run `%s`",
		  project, m.buf, hint);
	strbuf_release(&m);
	return false;
}

/* One round: create; on any failure look, and take the lock when it is
 * this process's, report it when it is someone's, or delete it when its
 * process is gone from this machine (*again: try the next round). */
static bool teamlock_round(struct teamlock *l, struct http_client *c, struct arena *a,
			   const char *project, const char *hint, struct strbuf *notice,
			   bool *again, struct error *err)
{
	struct teamlock_self me;
	teamlock_self(&me);
	struct hc_labels labels;
	teamlock_labels(a, project, &me, &labels);
	struct hc_placement_group pg;
	struct hc_actions acts;
	*again = false;
	if (hcloud_create_placement_group(c, a, l->name, &labels, &pg, &acts, err)) {
		l->id = pg.id;
		return true;
	}
	/* a create whose answer failed may have taken effect: look before judging */
	struct error look = ERROR_INIT;
	struct teamlock_holder h;
	bool held;
	if (!teamlock_look(c, a, l->name, &me, &h, &held, &look)) {
		error_release(&look);
		return error_wrap(err, "cannot take the apply lock %s", l->name);
	}
	if (!held) {
		*again = error_code_is(err, "uniqueness_error"); /* released meanwhile */
		return *again || error_wrap(err, "cannot take the apply lock %s", l->name);
	}
	error_release(err);
	if (h.where == TEAMLOCK_MINE) {
		l->id = h.id;
		return true;
	}
	if (!h.infrac || h.where != TEAMLOCK_GONE)
		return teamlock_refuse(&h, project, hint, err);
	struct strbuf who = STRBUF_INIT;
	teamlock_describe(&h, (int64_t)time(NULL), &who);
	strbuf_addf(notice, "%stook over the apply lock of %s left by %s, which did not finish",
		    notice->len ? "; " : "", project, who.buf);
	strbuf_release(&who);
	bool gone;
	*again = teamlock_remove(c, &h, &gone, err);
	return *again;
}

bool teamlock_acquire(struct teamlock *l, struct http_client *c, const char *project,
		      const char *hint, struct strbuf *notice, struct error *err)
{
	struct arena a;
	arena_init(&a);
	l->id = 0;
	snprintf(l->name, sizeof(l->name), "%s", teamlock_name(&a, project));
	size_t said = notice->len;
	bool ok = false, again = true;
	for (int round = 0; !ok && again && round < TEAMLOCK_ROUNDS; round++) {
		error_release(err);
		ok = teamlock_round(l, c, &a, project, hint, notice, &again, err);
	}
	if (!ok && again)
		error_set(err, "cannot take the apply lock %s: it changed hands %d times while "
			  "trying", l->name, TEAMLOCK_ROUNDS);
	if (!ok)
		strbuf_setlen(notice, said); /* no takeover to report when nothing was taken */
	arena_release(&a);
	return ok;
}

bool teamlock_remove(struct http_client *c, const struct teamlock_holder *h, bool *gone,
		     struct error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/placement_groups/%lld", (long long)h->id);
	*gone = false;
	if (hcloud_call(c, "DELETE", path, NULL, NULL, NULL, err))
		return true;
	if (error_status(err) == 404) {
		error_release(err);
		*gone = true;
		return true;
	}
	/* the answer may be what failed: a lock that is gone is removed */
	struct arena a;
	arena_init(&a);
	struct hc_placement_group pg;
	struct error look = ERROR_INIT;
	bool there = hcloud_get_placement_group(c, &a, h->id, &pg, &look);
	bool absent = !there && error_status(&look) == 404;
	error_release(&look);
	arena_release(&a);
	if (absent)
		error_release(err);
	return absent || error_wrap(err, "cannot remove the apply lock %s", h->name);
}

bool teamlock_release(struct teamlock *l, struct http_client *c, struct error *err)
{
	if (!l->id)
		return true;
	struct teamlock_holder h = { .id = l->id, .name = l->name };
	bool gone;
	if (!teamlock_remove(c, &h, &gone, err))
		return false;
	l->id = 0;
	return true;
}

/* ---- the guard: the lock released on SIGINT, SIGTERM, SIGHUP ------------------ */

static const int teamlock_guard_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define TEAMLOCK_GUARD_NSIG (sizeof(teamlock_guard_signals) / sizeof(*teamlock_guard_signals))

static struct {
	bool running;
	int pipe[2];                 /* the handler writes the signal's number */
	pthread_t thread;
	struct http_client hc;       /* the thread's own: curl handles are not shared */
	struct teamlock lock;
	char prefix[64];
	/* a signal ignored when the guard started (nohup's SIGHUP) stays ignored */
	bool caught[TEAMLOCK_GUARD_NSIG];
	struct sigaction old[TEAMLOCK_GUARD_NSIG];
} teamlock_guard;

static void teamlock_guard_default(void)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (size_t i = 0; i < TEAMLOCK_GUARD_NSIG; i++)
		if (teamlock_guard.caught[i])
			sigaction(teamlock_guard_signals[i], &dfl, NULL);
}

/* async-signal-safe: a byte into the pipe; the next signal kills */
static void teamlock_guard_on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	teamlock_guard_default();
	if (write(teamlock_guard.pipe[1], &b, 1) < 0) {
	}
	errno = saved;
}

static void *teamlock_guard_main(void *arg)
{
	(void)arg;
	unsigned char b = 0;
	ssize_t n;
	while ((n = read(teamlock_guard.pipe[0], &b, 1)) < 0 && errno == EINTR)
		;
	if (n != 1 || b == 0)
		return NULL; /* stopped */
	struct error err = ERROR_INIT;
	if (teamlock_release(&teamlock_guard.lock, &teamlock_guard.hc, &err)) {
		fprintf(stderr, "%s: interrupted: removed the apply lock %s\n", teamlock_guard.prefix,
			teamlock_guard.lock.name);
	} else {
		struct strbuf m = STRBUF_INIT;
		error_format(&err, &m);
		fprintf(stderr, "%s: interrupted: %s\n", teamlock_guard.prefix, m.buf);
		strbuf_release(&m);
	}
	error_release(&err);
	fflush(stderr);
	raise(b);
	_exit(128 + b);
}

bool teamlock_guard_start(const struct teamlock *l, const char *endpoint, const char *token,
			  const char *prefix, struct error *err)
{
	if (teamlock_guard.running)
		return error_set(err, "the apply lock's guard runs already");
	if (!http_client_init(&teamlock_guard.hc, endpoint, token, err))
		return false;
	/* a release on the way out must not wait a minute of retries */
	teamlock_guard.hc.retry.max_tries = 2;
	teamlock_guard.hc.timeout_ms = 10000;
	if (pipe2(teamlock_guard.pipe, O_CLOEXEC) < 0) {
		http_client_release(&teamlock_guard.hc);
		return error_set(err, "cannot guard the apply lock: %s", strerror(errno));
	}
	teamlock_guard.lock = *l;
	snprintf(teamlock_guard.prefix, sizeof(teamlock_guard.prefix), "%s", prefix);
	if (pthread_create(&teamlock_guard.thread, NULL, teamlock_guard_main, NULL)) {
		close(teamlock_guard.pipe[0]);
		close(teamlock_guard.pipe[1]);
		http_client_release(&teamlock_guard.hc);
		return error_set(err, "cannot guard the apply lock: no thread");
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = teamlock_guard_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < TEAMLOCK_GUARD_NSIG; i++) {
		int sig = teamlock_guard_signals[i];
		teamlock_guard.caught[i] = sigaction(sig, NULL, &teamlock_guard.old[i]) == 0 &&
					   teamlock_guard.old[i].sa_handler != SIG_IGN &&
					   sigaction(sig, &sa, NULL) == 0;
	}
	teamlock_guard.running = true;
	return true;
}

void teamlock_guard_stop(void)
{
	if (!teamlock_guard.running)
		return;
	for (size_t i = 0; i < TEAMLOCK_GUARD_NSIG; i++)
		if (teamlock_guard.caught[i])
			sigaction(teamlock_guard_signals[i], &teamlock_guard.old[i], NULL);
	unsigned char stop = 0;
	if (write(teamlock_guard.pipe[1], &stop, 1) < 0) {
	}
	pthread_join(teamlock_guard.thread, NULL);
	close(teamlock_guard.pipe[0]);
	close(teamlock_guard.pipe[1]);
	http_client_release(&teamlock_guard.hc);
	teamlock_guard.running = false;
}
