/*
 * lock: one apply per project and machine at a time.
 *
 * The lock is flock(LOCK_EX) on STATE/locks/PROJECT.lock (STATE is
 * fileio_state_dir: ~/.local/state/infrac by default), held until
 * lock_release or the end of the process.  The file records the holder
 * (pid, user@host, start time, command) so a second apply can name it.
 * A holder that crashed or was killed loses the flock with its process,
 * so the next apply takes the lock at once and says whose it took over
 * (a clean release empties the file; content found on taking the lock
 * means the previous holder did not finish).  The descriptor is
 * close-on-exec: ssh and other children never keep the lock alive.
 */
#ifndef INFRAC_LOCK_H
#define INFRAC_LOCK_H

#include <stdbool.h>

#include "error.h"
#include "strbuf.h"

struct lock {
	int fd;          /* -1 when not held */
	struct strbuf path;
};

#define LOCK_INIT { -1, STRBUF_INIT }

/*
 * Takes the lock of project for command (e.g. "infrac apply becker.infra",
 * which must hold no secret).  false with err saying who holds it ("apply
 * of becker is running: pid 1234 (root@box) since 2026-11-27T03:42:14Z:
 * infrac apply becker.infra") or what went wrong, and l holding nothing.
 * On success *notice gets a line when a lock left by a crashed holder was
 * taken over, and l must be released.
 */
bool lock_acquire(struct lock *l, const char *project, const char *command,
		  struct strbuf *notice, struct error *err);

/* Empties the record, unlocks and frees l's path; harmless when not held. */
void lock_release(struct lock *l);

/* Appends the lock file's path for project; false when there is no home. */
bool lock_path(const char *project, struct strbuf *out);

#endif
