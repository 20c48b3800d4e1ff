/*
 * move: see move.h.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "move.h"
#include "strbuf.h"
#include "xalloc.h"

/* A short session's time: looking at volumes, stopping containers. */
#define MOVE_SHORT_SECONDS 120

/* The variables every remote command of a move starts with. */
static void move_vars(struct strbuf *b, const struct move_request *rq)
{
	strbuf_addstr(b, "P=");
	strbuf_add_shell_quoted(b, rq->project);
	strbuf_addstr(b, "; S=");
	strbuf_add_shell_quoted(b, rq->service);
	strbuf_addstr(b, "; FROM=");
	strbuf_add_shell_quoted(b, rq->from);
	strbuf_addstr(b, "; VOLS=");
	struct strbuf w = STRBUF_INIT;
	for (size_t i = 0; i < rq->nvolumes; i++)
		strbuf_addf(&w, "%s%s", i ? " " : "", rq->volumes[i]);
	strbuf_add_shell_quoted(b, w.buf);
	strbuf_release(&w);
	strbuf_addf(b, "; OVER=%s; set -f; ", rq->overwrite ? "1" : "");
}

/* $mp: the folder of volume $n, never empty or the root */
#define MOVE_FOLDER                                                              \
	"mp=$(docker volume inspect -f '{{.Mountpoint}}' \"$n\") || exit 1;"       \
	" case $mp in /?*) ;; *) echo \"volume $n has no folder\"; exit 1;; esac;"

/* Step 1, on the new server: may every volume be filled? */
static const char move_look[] =
	"for v in $VOLS; do n=\"${P}_$v\";"
	" docker volume inspect \"$n\" >/dev/null 2>&1 || continue;"
	" from=$(docker volume inspect -f '{{index .Labels \"infrac.moved-from\"}}' \"$n\") || exit 1;"
	" [ \"$from\" != \"$FROM\" ] || continue;"
	" " MOVE_FOLDER
	" [ -n \"$(ls -A \"$mp\")\" ] || continue;"
	" [ -n \"$OVER\" ] && continue;"
	" echo \"volume $n already holds data that did not come from $FROM\"; exit 3; done";

/* Step 2, on the old server: the service stopped; the volumes it has. */
static const char move_stop[] =
	"ids=$(docker ps -q --filter \"label=com.docker.compose.project=$P\""
	" --filter \"label=com.docker.compose.service=$S\") || exit 1;"
	" [ -z \"$ids\" ] || docker stop $ids >/dev/null || exit 1;"
	" for v in $VOLS; do docker volume inspect \"${P}_$v\" >/dev/null 2>&1 && echo \"have $v\"; done; exit 0";

/* Step 3, both ends of one volume's copy ($V). */
static const char move_send[] =
	"n=\"${P}_$V\"; " MOVE_FOLDER " cd \"$mp\" && exec tar --numeric-owner -cf - .";
static const char move_receive[] =
	"n=\"${P}_$V\"; docker volume inspect \"$n\" >/dev/null 2>&1 ||"
	" docker volume create --label \"com.docker.compose.project=$P\""
	" --label \"com.docker.compose.volume=$V\" --label \"infrac.moved-from=$FROM\" \"$n\" >/dev/null"
	" || exit 1; " MOVE_FOLDER
	" find \"$mp\" -mindepth 1 -maxdepth 1 -exec rm -rf {} + || exit 1;"
	" tar --numeric-owner -xpf - -C \"$mp\" || exit 1; sync -f \"$mp\" || sync";

static void move_trim(struct strbuf *s)
{
	while (s->len && (s->buf[s->len - 1] == '\n' || s->buf[s->len - 1] == '\r'))
		strbuf_setlen(s, s->len - 1);
}

/* A short session: step 1 or 2.  Its output in out. */
static bool move_short(const struct ssh_target *t, const struct move_request *rq,
		       const char *body, const char *what, struct strbuf *out, struct error *err)
{
	struct strbuf cmd = STRBUF_INIT;
	move_vars(&cmd, rq);
	strbuf_addstr(&cmd, body);
	bool timed_out;
	struct error e = ERROR_INIT;
	int rc = ssh_run(t, cmd.buf, "", MOVE_SHORT_SECONDS, NULL, NULL, out, &timed_out, &e);
	strbuf_release(&cmd);
	if (rc == 0) {
		error_release(&e);
		return true;
	}
	move_trim(out);
	if (rc < 0)
		error_set(err, "%s on %s: %s", what, t->host, e.msg);
	else
		error_set(err, "%s on %s: %s", what, t->host,
			  out->len ? out->buf : "failed with no message");
	error_release(&e);
	return false;
}

/* The two sessions of one volume's copy, and what passes between them. */
struct move_pipe {
	int src_out, src_err, dst_in, dst_out;
	char buf[65536];
	size_t len, off;
	int64_t bytes;
	struct strbuf src_msg, dst_msg;
};

/* Reads fd into m, or closes it at its end; false at the end. */
static bool move_drain(int *fd, struct strbuf *m)
{
	char chunk[1024];
	ssize_t r = read(*fd, chunk, sizeof chunk);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (r <= 0) {
		close(*fd);
		*fd = -1;
		return false;
	}
	if (m->len < 4096)
		strbuf_add(m, chunk, (size_t)r);
	return true;
}

/* One round of the carry loop; false when nothing moved in time. */
static bool move_round(struct move_pipe *mp, int idle_ms)
{
	struct pollfd f[4] = {
		{ mp->len ? -1 : mp->src_out, POLLIN, 0 }, { mp->src_err, POLLIN, 0 },
		{ mp->len ? mp->dst_in : -1, POLLOUT, 0 }, { mp->dst_out, POLLIN, 0 },
	};
	int pr = poll(f, 4, idle_ms);
	if (pr < 0)
		return errno == EINTR;
	if (pr == 0)
		return false;
	if (f[0].revents) {
		ssize_t r = read(mp->src_out, mp->buf, sizeof mp->buf);
		if (r > 0)
			mp->len = (size_t)r, mp->off = 0, mp->bytes += r;
		else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(mp->src_out), mp->src_out = -1;
			shutdown(mp->dst_in, SHUT_WR); /* tar -x sees the archive's end */
		}
	}
	if (f[1].revents)
		move_drain(&mp->src_err, &mp->src_msg);
	if (f[2].revents) {
		ssize_t w = send(mp->dst_in, mp->buf + mp->off, mp->len - mp->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0 && (mp->off += (size_t)w) == mp->len)
			mp->len = 0;
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			/* the receiver is gone: stop reading, let its message tell */
			mp->len = 0;
			close(mp->src_out), mp->src_out = -1;
		}
	}
	if (f[3].revents)
		move_drain(&mp->dst_out, &mp->dst_msg);
	return true;
}

/* The exit status of pid (-1: a signal ended it or it could not be waited for). */
static int move_wait(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Carries one volume from src to dst. */
static bool move_volume(const struct ssh_target *src, const struct ssh_target *dst,
			const struct move_request *rq, const char *vol, int64_t *bytes,
			struct error *err)
{
	struct strbuf sc = STRBUF_INIT, dc = STRBUF_INIT;
	move_vars(&sc, rq);
	move_vars(&dc, rq);
	strbuf_addstr(&sc, "V=");
	strbuf_add_shell_quoted(&sc, vol);
	strbuf_addf(&sc, "; %s", move_send);
	strbuf_addstr(&dc, "V=");
	strbuf_add_shell_quoted(&dc, vol);
	strbuf_addf(&dc, "; %s", move_receive);
	struct move_pipe *mp = xcalloc(1, sizeof(*mp));
	int src_in = -1;
	strbuf_init(&mp->src_msg, 0);
	strbuf_init(&mp->dst_msg, 0);
	pid_t sp = ssh_start(src, sc.buf, &src_in, &mp->src_out, &mp->src_err, err), dp = -1;
	if (sp > 0) {
		close(src_in);
		dp = ssh_start(dst, dc.buf, &mp->dst_in, &mp->dst_out, NULL, err);
	}
	bool idle = false;
	int idle_ms = (rq->idle_seconds > 0 ? rq->idle_seconds : 120) * 1000;
	while (dp > 0 && (mp->src_out >= 0 || mp->src_err >= 0 || mp->dst_out >= 0 || mp->len))
		if (!move_round(mp, idle_ms)) {
			idle = true;
			kill(sp, SIGTERM), kill(dp, SIGTERM);
			break;
		}
	int fds[] = { mp->src_out, mp->src_err, mp->dst_in, mp->dst_out };
	for (size_t i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (sp > 0 && dp <= 0)
		kill(sp, SIGTERM);
	int ss = sp > 0 ? move_wait(sp) : -1, ds = dp > 0 ? move_wait(dp) : -1;
	move_trim(&mp->src_msg);
	move_trim(&mp->dst_msg);
	bool ok = sp > 0 && dp > 0 && !idle && ss == 0 && ds == 0;
	if (dp > 0 && !ok) {
		struct strbuf m = STRBUF_INIT;
		if (idle)
			strbuf_addf(&m, "nothing moved for %d s; ", idle_ms / 1000);
		if (ss)
			strbuf_addf(&m, "reading it failed%s%s; ", mp->src_msg.len ? ": " : "",
				    mp->src_msg.buf);
		if (ds)
			strbuf_addf(&m, "writing it failed%s%s; ", mp->dst_msg.len ? ": " : "",
				    mp->dst_msg.buf);
		if (m.len >= 2)
			strbuf_setlen(&m, m.len - 2);
		error_set(err, "copying volume %s_%s from %s to %s: %s", rq->project, vol, src->host,
			  dst->host, m.buf);
		strbuf_release(&m);
	}
	*bytes += mp->bytes;
	strbuf_release(&mp->src_msg);
	strbuf_release(&mp->dst_msg);
	free(mp);
	strbuf_release(&sc);
	strbuf_release(&dc);
	return ok;
}

bool move_volumes(const struct ssh_target *src, const struct ssh_target *dst,
		  const struct move_request *rq, int64_t *bytes, struct error *err)
{
	struct strbuf out = STRBUF_INIT;
	*bytes = 0;
	bool ok = move_short(dst, rq, move_look, "looking at the volumes", &out, err);
	strbuf_setlen(&out, 0);
	ok = ok && move_short(src, rq, move_stop, "stopping the service", &out, err);
	for (size_t i = 0; ok && i < rq->nvolumes; i++) {
		char have[256];
		snprintf(have, sizeof have, "have %s\n", rq->volumes[i]);
		/* a volume the old server never made: it starts empty */
		if (strstr(out.buf, have))
			ok = move_volume(src, dst, rq, rq->volumes[i], bytes, err);
	}
	strbuf_release(&out);
	return ok;
}
