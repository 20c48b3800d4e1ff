/*
 * probe: what runs on a server, as `infrac status` asks it over SSH.
 *
 * probe_command is a POSIX sh program, run as the ssh command, that
 * prints one tab-separated record a line, and nothing else:
 *
 *   now       SECONDS                      the server's clock
 *   release   ID SECONDS                   what current points at, and
 *                                          when it was switched (the
 *                                          symlink's mtime: layout.h)
 *   container SERVICE NAME STATE HEALTH RESTARTS STARTED IMAGE
 *                                          each of the project's compose
 *                                          containers, from the engine
 *   error     MESSAGE                      docker could not be asked
 *
 * probe_parse reads it back; a line it does not know is skipped, so a
 * login banner or a newer server cannot break it.
 */
#ifndef INFRAC_PROBE_H
#define INFRAC_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "strbuf.h"

struct probe_container {
	const char *service;  /* compose service */
	const char *name;     /* container name */
	const char *state;    /* running, exited, restarting, ... */
	const char *health;   /* healthy, unhealthy, starting; "" = no check */
	long restarts;
	int64_t started;      /* seconds since the epoch; 0 = never */
	const char *image;    /* as the container was created with */
};

struct probe {
	int64_t now;          /* the server's clock; 0 = not said */
	const char *release;  /* NULL = no current release */
	int64_t deployed;     /* when current was switched; 0 = unknown */
	const char *error;    /* docker's complaint, or NULL */
	struct probe_container *containers; /* sorted by service, then name */
	size_t ncontainers;
};

/* The program for project (its folder under $INFRAC_REMOTE_ROOT, else
 * LAYOUT_ROOT), appended to out. */
void probe_command(struct strbuf *out, const char *project);

/* Reads the program's output into p; strings and arrays in a. */
void probe_parse(struct probe *p, const char *text, struct arena *a);

#endif
