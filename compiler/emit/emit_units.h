/*
 * emit_units: the systemd units of a server, files of every release.
 *
 *   infrac-PROJECT.service        the stack: at every boot, compose up in
 *                                 the release `current` points at
 *   infrac-PROJECT-certs.service  certs.sh (emit_certs), when the proxy
 *   infrac-PROJECT-certs.timer    gets certificates: every hour
 *
 * They travel in the release like the other artefacts, and both the first
 * boot (cloud-init) and each deploy install them into /etc/systemd/system,
 * so a server created by an older release of the file, or one whose phase
 * starts needing certificates, runs the units of the release it runs.
 */
#ifndef INFRAC_EMIT_UNITS_H
#define INFRAC_EMIT_UNITS_H

#include "emit.h"

/* What the server's image needs to run compose: the package cloud-init
 * installs and the command the unit runs. */
struct emit_units_os {
	const char *image;
	const char *compose_package;
	const char *compose;
};

/* The entry for image, or NULL for an image infrac does not know (the
 * caller warns, W1004, and uses emit_units_os_default). */
const struct emit_units_os *emit_units_os(const char *image);
const struct emit_units_os *emit_units_os_default(void);

/* Adds the units of t to files (room for 3 more), as release files named
 * as they are installed; returns how many it added. */
size_t emit_units(struct arena *a, const struct emit_target *t, struct emit_file *files);

/* The names emit_units uses, for installing them. */
const char *emit_units_stack_name(struct arena *a, const struct emit_target *t);

#endif
