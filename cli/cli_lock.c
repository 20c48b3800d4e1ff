#include "cli_lock.h"

#include <stdio.h>

#include "cli.h"

bool cli_lock_local(struct cli_lock *lk, struct pipeline *pl, const char *file,
		    struct error *err)
{
	struct strbuf notice = STRBUF_INIT;
	const char *command = arena_printf(&pl->c.arena, "infrac %s %s", lk->cmd,
					   cli_base_name(file));
	bool ok = lock_acquire(&lk->local, pl->c.project->name, command, &notice, err);
	if (notice.len)
		fprintf(stderr, "infrac %s: %s\n", lk->cmd, notice.buf);
	strbuf_release(&notice);
	return ok;
}

bool cli_lock_project(struct cli_lock *lk, struct pipeline *pl, const char *file,
		      struct error *err)
{
	struct strbuf notice = STRBUF_INIT;
	const char *hint = arena_printf(&pl->c.arena, "infrac unlock %s", file);
	const char *prefix = arena_printf(&pl->c.arena, "infrac %s", lk->cmd);
	bool ok = teamlock_acquire(&lk->team, &pl->hc, pl->c.project->name, hint, &notice, err);
	if (notice.len)
		fprintf(stderr, "%s: %s\n", prefix, notice.buf);
	strbuf_release(&notice);
	if (ok && teamlock_guard_start(&lk->team, pl->hc.base, pl->hc.token, prefix, err))
		lk->guarded = true;
	return ok && lk->guarded;
}

void cli_lock_release(struct cli_lock *lk, struct pipeline *pl, const char *file)
{
	struct error err = ERROR_INIT;
	if (lk->team.id && !teamlock_release(&lk->team, &pl->hc, &err)) {
		struct strbuf m = STRBUF_INIT;
		error_format(&err, &m);
		fprintf(stderr, "infrac %s: warning: %s; remove it with `infrac unlock %s`\n",
			lk->cmd, m.buf, file);
		strbuf_release(&m);
	}
	error_release(&err);
	if (lk->guarded)
		teamlock_guard_stop();
	lk->guarded = false;
	lock_release(&lk->local);
}
