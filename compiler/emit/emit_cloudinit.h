/*
 * emit_cloudinit: the #cloud-config user data that turns a fresh Ubuntu
 * server into one running the phase: Docker and its compose plugin from
 * Ubuntu's packages, the artefacts in LAYOUT_ROOT/PROJECT, and a systemd
 * unit that starts the stack (once .env exists when secrets are needed).
 */
#ifndef INFRAC_EMIT_CLOUDINIT_H
#define INFRAC_EMIT_CLOUDINIT_H

#include "emit.h"

/* files: the artefacts of the first release (name = path in it), among
 * them units, the systemd units to install and start (emit_units).
 * Returns the text, or NULL after E1001 when it exceeds
 * EMIT_USER_DATA_MAX. */
const char *emit_cloudinit_yaml(struct arena *a, struct diag_list *dl,
				const struct emit_target *t,
				const struct emit_file *files, size_t nfiles,
				const struct emit_file *units, size_t nunits);

#endif
