/*
 * lock: one apply per project and machine at a time.
 *
 * The lock is flock(LOCK_EX) on $XDG_STATE_HOME/infrac/locks/PROJECT.lock
 * (default ~/.local/state/infrac/locks/PROJECT.lock), held until
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
#include <stddef.h>

struct lock {
	int fd;          /* -1 when not held */
	char path[4096];
};

/*
 * Takes the lock of project for command (e.g. "infrac apply becker.infra",
 * which must hold no secret).  On failure returns false with msg saying
 * who holds it ("apply of becker is running: pid 1234 (root@box) since
 * 2026-11-27T03:42:14Z: infrac apply becker.infra") or what went wrong.
 * On success msg is empty, or tells that a lock left by a crashed holder
 * was taken over.
 */
bool lock_acquire(struct lock *l, const char *project, const char *command,
		  char *msg, size_t msgsz);

/* Empties the record and unlocks; harmless when not held. */
void lock_release(struct lock *l);

/* The lock file's path for project ("" when there is no home). */
void lock_path(const char *project, char *out, size_t outsz);

#endif
