/*
 * emit_bound: an upper bound of the cloud-init user data of a server in a
 * phase, computed from the model in a few operations per service, so that
 * `infrac check` can prove every server's user data fits Hetzner's 32 KiB
 * without generating the artefacts (which costs twenty times a check).
 *
 * The bound adds, for every line the emitters can write, the most bytes
 * that line can take once embedded in cloud-init.yaml: its fixed text,
 * its indentation, and each string at its longest quoted and escaped
 * form.  It is an overestimate by design (about a third on becker.infra);
 * only when it exceeds EMIT_USER_DATA_MAX does check run the emitters for
 * that server and phase, whose exact figure then decides (E1001).  The
 * fuzz target and tests/build assert bound >= size on every input they
 * build.
 */
#ifndef INFRAC_EMIT_BOUND_H
#define INFRAC_EMIT_BOUND_H

#include <stddef.h>

#include "emit.h"

/* At least the bytes of the cloud-init.yaml emit_build writes for t
 * (env("NAME") read from the environment now, unset as empty).  cache
 * (NULL: none) has a zeroed element per service of the project, where the
 * bounds of declarations are kept between calls. */
size_t emit_bound_user_data(const struct emit_target *t, size_t *cache);

#endif
