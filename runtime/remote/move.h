/*
 * move: a stateful service's volumes, from the server that held them to
 * the one that runs the service now, through this machine.
 *
 * move_volumes runs three kinds of ssh session (ssh.h):
 *
 *   1. look    on the new server: every volume is absent, empty, or
 *              one an earlier move from the same server made (labelled
 *              infrac.moved-from); else nothing is touched and the move
 *              fails, unless overwrite (apply --allow-data-loss)
 *   2. stop    on the old server: the service's containers stopped, so
 *              that its files stay as they are while they are read
 *   3. copy    one volume at a time: `tar -c` of the volume's folder on
 *              the old server, its standard output carried by this
 *              process into `tar -x` on the new one, into the compose
 *              volume PROJECT_VOLUME (made with compose's labels and
 *              infrac.moved-from=OLD when missing, emptied first), then
 *              synced to disk
 *
 * The old server keeps its copy: what removes the service's containers
 * there is that server's deploy, and its volumes stay until the server
 * goes.  A failed copy leaves the service stopped on the old server and
 * not started on the new one; run again, it copies anew (step 1 lets a
 * volume its own earlier attempt made be emptied and filled again).
 *
 * Volumes are read and written at the folder the engine keeps them in
 * (`docker volume inspect`), with tar's numeric owners and modes: the
 * ssh user must be root, as for every deploy.
 */
#ifndef INFRAC_MOVE_H
#define INFRAC_MOVE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "ssh.h"

struct move_request {
	const char *project;     /* [a-z0-9][a-z0-9_-]*: the compose project */
	const char *service;     /* the compose service */
	const char *from;        /* the old server's name, for the label and messages */
	const char *const *volumes; /* the service's volumes, compose names */
	size_t nvolumes;
	bool overwrite;          /* a volume of other data on the new server is emptied */
	int idle_seconds;        /* a copy that moves no byte this long fails; 0 = 120 */
};

/* Moves rq's volumes from src to dst.  *bytes: what was carried.  false
 * with err saying which step failed and what the server said. */
bool move_volumes(const struct ssh_target *src, const struct ssh_target *dst,
		  const struct move_request *rq, int64_t *bytes, struct error *err);

#endif
