#include "view.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "strbuf.h"
#include "xalloc.h"

#define VIEW_REDRAW_MS 250 /* four redraws a second at most */

struct view_slot {
	bool on;
	char kind[16];
	char name[128];
	char what[96];
	int64_t t0;
};

struct view {
	FILE *out;
	bool live, bold;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t printer;
	bool printing, closing;
	struct view_slot *slots;
	int nslots;
	int servers, servers_done;
	struct strbuf pending;       /* live: event lines not written yet */
	int drawn;                   /* lines of the block on the screen */
};

bool view_live_ok(FILE *f)
{
	const char *term = getenv("TERM");
	return isatty(fileno(f)) && term && *term && strcmp(term, "dumb");
}

static int view_cmp_slot(const void *a, const void *b)
{
	const struct view_slot *x = *(const struct view_slot *const *)a, *y = *(const struct view_slot *const *)b;
	return x->t0 < y->t0 ? -1 : x->t0 > y->t0 ? 1 : strcmp(x->name, y->name);
}

/* One line of the block, cut to the width so that it never wraps: the
 * erase counts lines. */
static void view_block_line(struct view *v, int width, const char *text, bool bold)
{
	size_t n = strlen(text);
	if (width > 1 && n > (size_t)width - 1)
		n = (size_t)width - 1;
	if (bold)
		strbuf_addstr(&v->pending, "\033[1m");
	strbuf_add(&v->pending, text, n);
	if (bold)
		strbuf_addstr(&v->pending, "\033[0m");
	strbuf_addch(&v->pending, '\n');
	v->drawn++;
}

/* Under mu: the block erased, the pending lines, and the block again
 * unless final; one write. */
static void view_redraw(struct view *v, bool final)
{
	struct strbuf lines = v->pending;
	strbuf_init(&v->pending, lines.len + 256);
	if (v->drawn)
		strbuf_addf(&v->pending, "\033[%dA\r\033[J", v->drawn);
	v->drawn = 0;
	strbuf_add(&v->pending, lines.buf, lines.len);
	strbuf_release(&lines);
	int on = 0;
	for (int i = 0; i < v->nslots; i++)
		on += v->slots[i].on;
	if (!final && (on || v->servers)) {
		struct winsize ws;
		int width = 80, height = 24;
		if (ioctl(fileno(v->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
			width = ws.ws_col, height = ws.ws_row;
		char text[512];
		if (v->servers) {
			snprintf(text, sizeof(text), "  %d/%d servers done, %d in progress",
				 v->servers_done, v->servers, on);
			view_block_line(v, width, text, v->bold);
		}
		const struct view_slot **act = xcalloc((size_t)v->nslots, sizeof(*act));
		int n = 0;
		for (int i = 0; i < v->nslots; i++)
			if (v->slots[i].on)
				act[n++] = &v->slots[i];
		qsort(act, (size_t)n, sizeof(*act), view_cmp_slot);
		int room = height - 3 < 2 ? 2 : height - 3;
		int64_t now = clock_mono_ms();
		for (int i = 0; i < n; i++) {
			if (i == room - 1 && n > room) {
				snprintf(text, sizeof(text), "    ... and %d more", n - i);
				view_block_line(v, width, text, false);
				break;
			}
			int64_t d = now - act[i]->t0;
			snprintf(text, sizeof(text), "    %s %s: %lld.%lld s%s%s", act[i]->kind,
				 act[i]->name, (long long)(d / 1000), (long long)(d % 1000 / 100),
				 act[i]->what[0] ? ", waiting for " : "", act[i]->what);
			view_block_line(v, width, text, false);
		}
		free(act);
	}
	fwrite(v->pending.buf, 1, v->pending.len, v->out);
	fflush(v->out);
	strbuf_reset(&v->pending);
}

static void *view_printer_main(void *arg)
{
	struct view *v = arg;
	pthread_mutex_lock(&v->mu);
	while (!v->closing) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += VIEW_REDRAW_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&v->cv, &v->mu, &ts);
		if (!v->closing)
			view_redraw(v, false);
	}
	view_redraw(v, true);
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

struct view *view_open(FILE *out, bool live, int slots, int servers, bool bold)
{
	struct view *v = xcalloc(1, sizeof(*v));
	strbuf_init(&v->pending, 0);
	v->out = out;
	v->bold = bold;
	v->nslots = slots > 0 ? slots : 1;
	v->servers = servers;
	v->slots = xcalloc((size_t)v->nslots, sizeof(*v->slots));
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	v->live = live && v->slots;
	if (v->live && pthread_create(&v->printer, NULL, view_printer_main, v) == 0)
		v->printing = true;
	v->live = v->printing;
	return v;
}

void view_line(struct view *v, const char *line)
{
	pthread_mutex_lock(&v->mu);
	if (v->live) {
		strbuf_addstr(&v->pending, line);
		strbuf_addch(&v->pending, '\n');
	} else {
		fprintf(v->out, "%s\n", line);
		fflush(v->out);
	}
	pthread_mutex_unlock(&v->mu);
}

void view_begin(struct view *v, int slot, const char *kind, const char *name)
{
	if (slot < 0 || slot >= v->nslots || !v->slots)
		return;
	pthread_mutex_lock(&v->mu);
	struct view_slot *s = &v->slots[slot];
	s->on = true;
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->what[0] = '\0';
	s->t0 = clock_mono_ms();
	pthread_mutex_unlock(&v->mu);
}

void view_waiting(struct view *v, int slot, const char *what)
{
	if (slot < 0 || slot >= v->nslots || !v->slots)
		return;
	pthread_mutex_lock(&v->mu);
	snprintf(v->slots[slot].what, sizeof(v->slots[slot].what), "%s", what);
	pthread_mutex_unlock(&v->mu);
}

void view_end(struct view *v, int slot, bool server)
{
	pthread_mutex_lock(&v->mu);
	if (slot >= 0 && slot < v->nslots && v->slots)
		v->slots[slot].on = false;
	v->servers_done += server;
	pthread_mutex_unlock(&v->mu);
}

void view_close(struct view *v)
{
	if (!v)
		return;
	if (v->printing) {
		pthread_mutex_lock(&v->mu);
		v->closing = true;
		pthread_cond_signal(&v->cv);
		pthread_mutex_unlock(&v->mu);
		pthread_join(v->printer, NULL);
	}
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	strbuf_release(&v->pending);
	free(v->slots);
	free(v);
}
