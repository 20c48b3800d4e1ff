/*
 * teamlock: the apply lock of a project, kept in the Hetzner project.
 *
 * runtime/remote/lock.h keeps one apply per project on one machine (an
 * flock); operators on different machines (or with different HOMEs) do
 * not share that file.  This lock lives where they all meet: an empty
 * placement group named PROJECT-lock.  Placement groups cost nothing,
 * and their names are unique per Hetzner project, so POST
 * /placement_groups is an atomic test-and-set: the one create that
 * succeeds holds the lock, every other gets 409 uniqueness_error.  The
 * group's labels say who holds it:
 *
 *   infrac/project      the project
 *   infrac/lock-holder  the user          infrac/lock-pid    the process id
 *   infrac/lock-host    the host name     infrac/lock-since  Unix seconds
 *   infrac/lock-boot    this boot of the machine (/proc/sys/kernel/random/boot_id)
 *
 * each made a valid label value (teamlock_label_value).  A lock whose
 * host and boot are this machine's and whose process no longer runs was
 * left by a crashed or killed apply here: it is taken over, as the flock
 * is.  Any other lock is reported with its holder and age, and only
 * `infrac unlock` (teamlock_remove) removes it.  The lock is deleted by
 * its id, never by its name, so a holder that lost its lock to an unlock
 * never removes the next holder's.  plan reads no placement group, so
 * the lock is no resource the plan could destroy.
 */
#ifndef INFRAC_TEAMLOCK_H
#define INFRAC_TEAMLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "hcloud.h"
#include "http.h"
#include "strbuf.h"

#define TEAMLOCK_LABEL_HOLDER "infrac/lock-holder"
#define TEAMLOCK_LABEL_HOST "infrac/lock-host"
#define TEAMLOCK_LABEL_BOOT "infrac/lock-boot"
#define TEAMLOCK_LABEL_PID "infrac/lock-pid"
#define TEAMLOCK_LABEL_SINCE "infrac/lock-since"

/* Where the holder of a lock runs, seen from this process. */
enum teamlock_where {
	TEAMLOCK_ELSEWHERE,   /* another machine (or one that cannot tell) */
	TEAMLOCK_RUNNING,     /* this machine, its process runs */
	TEAMLOCK_GONE,        /* this machine, its process is gone */
	TEAMLOCK_MINE,        /* this process */
};

/* A lock as read from the project; strings in the caller's arena. */
struct teamlock_holder {
	int64_t id;              /* the placement group */
	const char *name;
	bool infrac;             /* carries infrac's lock labels; else a group of someone's */
	const char *user, *host; /* "?" when missing */
	long pid;                /* 0 when missing */
	int64_t since;           /* Unix seconds; -1 when missing */
	enum teamlock_where where;
};

struct teamlock {
	int64_t id;              /* the placement group held; 0: none */
	char name[160];          /* its name, for messages */
};

#define TEAMLOCK_INIT { 0, "" }

/* The lock's name for project: "PROJECT-lock"; in a. */
const char *teamlock_name(struct arena *a, const char *project);

/*
 * Takes the lock of project through c.  hint is the command that removes
 * a lock left behind ("infrac unlock becker.infra"), named in the
 * message when the lock is held.  false with err: "apply of becker is
 * running: held by alice on box (pid 1234) since 2026-11-27T03:42:14Z
 * (age 12 min); if that apply is gone, run `HINT`", or the API's error;
 * l then holds nothing.  On success *notice gets a line when a lock left
 * by a process gone from this machine was taken over (or one this
 * process made through an answer it never got), and l must be released.
 */
bool teamlock_acquire(struct teamlock *l, struct http_client *c, const char *project,
		      const char *hint, struct strbuf *notice, struct error *err);

/* Deletes the lock l holds (harmless when none); a lock that is gone
 * counts as deleted.  false with err when the API keeps failing: the
 * lock is then left for `infrac unlock`. */
bool teamlock_release(struct teamlock *l, struct http_client *c, struct error *err);

/* Reads the lock of project: *held false when there is none, else h
 * filled (in a).  false with err when the API fails. */
bool teamlock_read(struct http_client *c, struct arena *a, const char *project,
		   struct teamlock_holder *h, bool *held, struct error *err);

/* Appends "alice on box (pid 1234) since 2026-11-27T03:42:14Z (age 12 min)"
 * for a holder read at Unix time now. */
void teamlock_describe(const struct teamlock_holder *h, int64_t now, struct strbuf *out);

/* Deletes the lock h names, by its id (`infrac unlock`); *gone true when
 * it was gone already.  false with err set. */
bool teamlock_remove(struct http_client *c, const struct teamlock_holder *h, bool *gone,
		     struct error *err);

/* in as a label value: [A-Za-z0-9] at both ends, [-_.A-Za-z0-9] inside,
 * at most 63 bytes; anything else becomes '-', and "unknown" when
 * nothing is left. */
void teamlock_label_value(const char *in, char out[64]);

/*
 * While the lock is held: on SIGINT, SIGTERM or SIGHUP a thread of its
 * own deletes it through a client of its own (for endpoint and token),
 * says so on stderr after prefix ("infrac apply"), and the process then
 * dies of the signal as it would have.  A second signal kills at once.
 * A signal ignored when the guard starts (nohup's SIGHUP) stays ignored.
 * teamlock_guard_stop puts the handlers back (after teamlock_release:
 * a signal between the two then finds the lock gone).  One guard per
 * process.  false with err when it cannot start; nothing to stop then.
 */
bool teamlock_guard_start(const struct teamlock *l, const char *endpoint, const char *token,
			  const char *prefix, struct error *err);
void teamlock_guard_stop(void);

#endif
