/*
 * view: what apply shows while it runs.
 *
 * Every event is one line ("  server becker-main: created (3.2 s)").
 * Off a terminal (or with a dumb one) the lines are written as they come,
 * and that is all: logs and tests read them.
 *
 * Live, on a terminal, the same lines scroll, and below them a status
 * block is redrawn in place (ANSI cursor-up and erase), four times a
 * second, by one thread that alone writes to the output: the resources
 * in progress, each with its elapsed seconds and what it waits for (an
 * action, the ssh deploy, the health check), and a counter "12/100
 * servers done".  view_close erases the block for good, so the screen
 * ends with the event lines only.
 *
 * The block shows resource names, action commands and deploy steps: no
 * value of the file's secrets ever reaches it.  Safe to call from any
 * thread.
 */
#ifndef INFRAC_VIEW_H
#define INFRAC_VIEW_H

#include <stdbool.h>
#include <stdio.h>

struct view;

/* A view on out; live shows the status block (the caller decides: see
 * view_live_ok).  slots: how many resources can be in progress at once
 * (apply gives each of its jobs a slot of its own, so that a server keeps
 * its line when it passes from one worker to another); servers: how many
 * servers the counter counts to (0 = no counter).  bold: the counter in
 * bold (colour allowed). */
struct view *view_open(FILE *out, bool live, int slots, int servers, bool bold);

/* Should output to f be live: a terminal, and TERM set and not "dumb"? */
bool view_live_ok(FILE *f);

/* One event line (without the newline). */
void view_line(struct view *v, const char *line);

/* Resource kind/name starts in slot (0..slots-1), now. */
void view_begin(struct view *v, int slot, const char *kind, const char *name);
/* What the resource in slot waits for now ("action create_server"). */
void view_waiting(struct view *v, int slot, const char *what);
/* It is done; a server counts towards the counter. */
void view_end(struct view *v, int slot, bool server);

/* Erases the block, writes what is left, frees v. */
void view_close(struct view *v);

#endif
