/*
 * naming: the names the file gives things, as Hetzner Cloud and the
 * generated files will carry them, checked before anything is built or
 * ordered.
 *
 *   - the project: lower-case letters, digits, '-' and '_', starting with
 *     a letter, ending with a letter or digit, at most 63 characters (a
 *     label value at Hetzner, the project's folder and compose project on
 *     every server)
 *   - servers and ssh keys: a letter first, a letter or digit last, at
 *     most 63 characters (label values); at Hetzner they are named
 *     PROJECT-NAME in lower case with '_' as '-' (naming_cloud), which must
 *     be unique and (a server's, its host name) at most 63 characters
 *   - services and proxies: a letter first, at most 64 characters (the
 *     deploy names them to compose)
 *   - volumes: unique among all the services of one server in one phase
 *     (compose has one namespace of volumes per file)
 */
#ifndef INFRAC_NAMING_H
#define INFRAC_NAMING_H

#include "arena.h"
#include "diag.h"
#include "model.h"

/* A name at Hetzner: "PROJECT-NAME" in lower case with '_' as '-', in a. */
const char *naming_cloud(struct arena *a, const char *project, const char *name);

/* E0109 for a name Hetzner or the server would refuse, E0104 for two
 * servers or keys of one name at Hetzner, E1003 for a volume name taken
 * twice on a server in a phase. */
void naming_check(struct diag_list *dl, const struct mdl_project *p);

#endif
