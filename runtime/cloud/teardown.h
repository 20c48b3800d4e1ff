/*
 * teardown: the plan of `infrac destroy`.
 *
 * Either every resource the project labelled (servers, firewalls, ssh
 * keys, the network, A records), or only those of one phase that no other phase of the
 * file has.  The plan is plan_diff's against a phase that wants nothing,
 * on the observed state narrowed to what goes: its actions are destroys
 * only, the data guard (plan.h) holds as in any plan, and the monthly
 * cost goes from the whole project's to what stays.
 */
#ifndef INFRAC_TEARDOWN_H
#define INFRAC_TEARDOWN_H

#include <stdbool.h>

#include "arena.h"
#include "desired.h"
#include "plan.h"
#include "state.h"

/*
 * The destroy plan into out.  want: the phase's desired state;
 * others/nothers: every other phase's, when only what the phase alone
 * has goes; others NULL: everything labelled goes.  out points into
 * want, others and s and lives in a.
 */
void teardown_plan(struct arena *a, const struct desired *want, const struct desired *others,
		   size_t nothers, const struct state *s, struct plan *out);

#endif
