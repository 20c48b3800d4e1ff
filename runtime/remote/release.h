/*
 * release: the releases a server keeps, read over SSH.
 *
 * release_list asks the server for ROOT/PROJECT/releases (layout.h; ROOT
 * is LAYOUT_ROOT, or $INFRAC_REMOTE_ROOT as for deploy.h): each release
 * folder, its modification time, the .release its deploy wrote, and the
 * one current points at.  How many are kept is the deploy's `keep`
 * (deploy.h): the rest are pruned after each successful deploy.
 */
#ifndef INFRAC_RELEASE_H
#define INFRAC_RELEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "ssh.h"

/* One kept release; every string malloc'd, NULL when not recorded. */
struct release {
	char *id;
	/* "YYYY-MM-DDTHH:MM:SSZ": its deploy's time, else (a release without
	 * .release, the boot release) the folder's modification time */
	char *time;
	char *source;     /* SHA-256 of the file it was built from */
	char *phase;
	char *previous;   /* the release current pointed at when it was deployed */
	char *changed;    /* one line: what changed against previous */
	char *failed;     /* the step its deploy failed at (it never ran) */
	bool recorded;    /* it has a .release */
	bool current;
};

/* Newest first (by time; within a second, a release before the one it
 * was deployed over; then by id). */
struct release_list {
	struct release *v;
	size_t n;
	char *current;    /* malloc'd: what current points at; NULL = nothing */
};

/*
 * The releases of project on t, within seconds (0 = 60).  false with err
 * set when ssh fails or the answer stops short; a server without
 * releases gives an empty list.  Release l with release_list_release
 * either way.
 */
bool release_list(const struct ssh_target *t, const char *project, int seconds,
		  struct release_list *l, struct error *err);
void release_list_release(struct release_list *l);

/* The release of l called id, or NULL; owned by l. */
const struct release *release_find(const struct release_list *l, const char *id);

/* Where a rollback goes by default: the newest release older than the
 * current one whose deploy did not fail; owned by l, NULL when there is
 * none (or no current). */
const struct release *release_previous(const struct release_list *l);

/* Reads a listing's answer (what the server printed) into l; false
 * when it is not whole.  For tests; release_list uses it. */
bool release_parse(const char *out, struct release_list *l);

#endif
