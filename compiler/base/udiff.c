#include "udiff.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct udiff_line {
	const char *s;
	size_t n; /* with its '\n', when it has one */
	uint64_t hash;
};

struct udiff_side {
	struct udiff_line *lines;
	size_t n;
	bool *matched; /* in the common subsequence */
};

struct udiff {
	struct udiff_side a, b;
	ptrdiff_t *vf, *vb; /* furthest x on each diagonal, forward and backward */
	ptrdiff_t off;      /* index of diagonal 0 in them */
};

static void udiff_split(struct udiff_side *side, const char *t, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += t[i] == '\n';
	n += len && t[len - 1] != '\n';
	side->lines = xcalloc(n ? n : 1, sizeof(*side->lines));
	side->matched = xcalloc(n ? n : 1, sizeof(*side->matched));
	side->n = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(t + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - t) + 1 : len;
		struct udiff_line *l = &side->lines[side->n++];
		l->s = t + i;
		l->n = end - i;
		l->hash = 1469598103934665603u; /* FNV-1a */
		for (size_t k = i; k < end; k++)
			l->hash = (l->hash ^ (unsigned char)t[k]) * 1099511628211u;
		i = end;
	}
}

static bool udiff_eq(const struct udiff *d, size_t i, size_t j)
{
	const struct udiff_line *x = &d->a.lines[i], *y = &d->b.lines[j];
	return x->hash == y->hash && x->n == y->n && !memcmp(x->s, y->s, x->n);
}

/* The middle snake of a[a0..a0+n) and b[b0..b0+m), which differ: the
 * diagonal run (s[0],s[1]) -> (s[2],s[3]) (relative) in the middle of a
 * shortest edit script; returns that script's length. */
static ptrdiff_t udiff_snake(struct udiff *d, size_t a0, size_t b0, ptrdiff_t n, ptrdiff_t m,
			     ptrdiff_t s[4])
{
	ptrdiff_t delta = n - m, *vf = d->vf + d->off, *vb = d->vb + d->off;
	bool odd = delta & 1;
	vf[1] = vb[1] = 0;
	for (ptrdiff_t e = 0; e <= (n + m + 1) / 2; e++) {
		for (ptrdiff_t k = -e; k <= e; k += 2) {
			ptrdiff_t x = k == -e || (k != e && vf[k - 1] < vf[k + 1]) ? vf[k + 1]
										  : vf[k - 1] + 1;
			ptrdiff_t y = x - k, x0 = x, y0 = y;
			while (x < n && y < m && udiff_eq(d, a0 + (size_t)x, b0 + (size_t)y))
				x++, y++;
			vf[k] = x;
			if (odd && delta - k >= -(e - 1) && delta - k <= e - 1 &&
			    vf[k] + vb[delta - k] >= n) {
				s[0] = x0, s[1] = y0, s[2] = x, s[3] = y;
				return 2 * e - 1;
			}
		}
		for (ptrdiff_t k = -e; k <= e; k += 2) {
			ptrdiff_t x = k == -e || (k != e && vb[k - 1] < vb[k + 1]) ? vb[k + 1]
										  : vb[k - 1] + 1;
			ptrdiff_t y = x - k, x0 = x, y0 = y;
			while (x < n && y < m &&
			       udiff_eq(d, a0 + (size_t)(n - 1 - x), b0 + (size_t)(m - 1 - y)))
				x++, y++;
			vb[k] = x;
			if (!odd && delta - k >= -e && delta - k <= e && vb[k] + vf[delta - k] >= n) {
				s[0] = n - x, s[1] = m - y, s[2] = n - x0, s[3] = m - y0;
				return 2 * e;
			}
		}
	}
	return -1; /* not reached: the two searches always meet */
}

static void udiff_match(struct udiff *d, size_t i, size_t j)
{
	d->a.matched[i] = d->b.matched[j] = true;
}

/* Marks a longest common subsequence of a[a0..a1) and b[b0..b1). */
static void udiff_lcs(struct udiff *d, size_t a0, size_t a1, size_t b0, size_t b1)
{
	while (a0 < a1 && b0 < b1 && udiff_eq(d, a0, b0))
		udiff_match(d, a0++, b0++);
	while (a0 < a1 && b0 < b1 && udiff_eq(d, a1 - 1, b1 - 1))
		udiff_match(d, --a1, --b1);
	if (a0 == a1 || b0 == b1)
		return;
	ptrdiff_t s[4] = { 0, 0, 0, 0 };
	ptrdiff_t e = udiff_snake(d, a0, b0, (ptrdiff_t)(a1 - a0), (ptrdiff_t)(b1 - b0), s);
	for (ptrdiff_t x = s[0], y = s[1]; x < s[2]; x++, y++)
		udiff_match(d, a0 + (size_t)x, b0 + (size_t)y);
	if (e <= 1)
		return; /* one line more on one side: nothing else is common */
	udiff_lcs(d, a0, a0 + (size_t)s[0], b0, b0 + (size_t)s[1]);
	udiff_lcs(d, a0 + (size_t)s[2], a1, b0 + (size_t)s[3], b1);
}

static void udiff_put(struct strbuf *out, char mark, const struct udiff_line *l)
{
	strbuf_addch(out, mark);
	strbuf_add(out, l->s, l->n);
	if (!l->n || l->s[l->n - 1] != '\n')
		strbuf_addstr(out, "\n\\ No newline at end of file\n");
}

/* "-start,count" as diff -u writes it: the line before an empty range */
static void udiff_range(struct strbuf *out, char sign, size_t start, size_t count)
{
	strbuf_addf(out, "%c%zu", sign, count ? start + 1 : start);
	if (count != 1)
		strbuf_addf(out, ",%zu", count);
}

/* The hunk from lines i, j up to i1, j1 (context included). */
static void udiff_hunk(const struct udiff *d, struct strbuf *out, size_t i, size_t j, size_t i1,
		       size_t j1)
{
	strbuf_addstr(out, "@@ ");
	udiff_range(out, '-', i, i1 - i);
	strbuf_addch(out, ' ');
	udiff_range(out, '+', j, j1 - j);
	strbuf_addstr(out, " @@\n");
	while (i < i1 || j < j1) {
		if (i < i1 && j < j1 && d->a.matched[i] && d->b.matched[j]) {
			udiff_put(out, ' ', &d->a.lines[i++]);
			j++;
		} else if (i < i1 && !d->a.matched[i]) {
			udiff_put(out, '-', &d->a.lines[i++]);
		} else {
			udiff_put(out, '+', &d->b.lines[j++]);
		}
	}
}

/* From i, j (both at a common line or at the end): the next change, and
 * where its hunk ends, context and nearby changes included. */
static void udiff_hunks(const struct udiff *d, struct strbuf *out)
{
	size_t i = 0, j = 0;
	for (;;) {
		size_t ci = i, cj = j;
		while (ci < d->a.n && cj < d->b.n && d->a.matched[ci] && d->b.matched[cj])
			ci++, cj++;
		if (ci == d->a.n && cj == d->b.n)
			return;
		size_t back = ci - i < UDIFF_CONTEXT ? ci - i : UDIFF_CONTEXT;
		size_t hi = ci - back, hj = cj - back, ei = ci, ej = cj;
		for (;;) { /* past this change; joined with the next when close */
			while (ei < d->a.n && !d->a.matched[ei])
				ei++;
			while (ej < d->b.n && !d->b.matched[ej])
				ej++;
			size_t same = 0;
			while (ei + same < d->a.n && ej + same < d->b.n && same <= 2 * UDIFF_CONTEXT &&
			       d->a.matched[ei + same] && d->b.matched[ej + same])
				same++;
			bool end = ei + same == d->a.n && ej + same == d->b.n;
			if (same > 2 * UDIFF_CONTEXT || end) {
				size_t ctx = same < UDIFF_CONTEXT ? same : UDIFF_CONTEXT;
				udiff_hunk(d, out, hi, hj, ei + ctx, ej + ctx);
				i = ei + ctx, j = ej + ctx;
				break;
			}
			ei += same, ej += same;
		}
	}
}

void udiff_unified(const char *a, size_t alen, const char *b, size_t blen, const char *la,
		   const char *lb, struct strbuf *out)
{
	if (alen == blen && !memcmp(a, b, alen))
		return;
	struct udiff d;
	memset(&d, 0, sizeof(d));
	udiff_split(&d.a, a, alen);
	udiff_split(&d.b, b, blen);
	d.off = (ptrdiff_t)(d.a.n + d.b.n) + 2;
	d.vf = xcalloc(2 * (size_t)d.off + 1, sizeof(*d.vf));
	d.vb = xcalloc(2 * (size_t)d.off + 1, sizeof(*d.vb));
	udiff_lcs(&d, 0, d.a.n, 0, d.b.n);
	strbuf_addf(out, "--- %s\n+++ %s\n", la, lb);
	udiff_hunks(&d, out);
	free(d.vf);
	free(d.vb);
	free(d.a.lines);
	free(d.a.matched);
	free(d.b.lines);
	free(d.b.matched);
}
