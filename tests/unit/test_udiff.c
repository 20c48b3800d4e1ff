/* udiff: the diff of random texts, applied as patch applies it, gives
 * the second text; its changed lines are as few as a longest common
 * subsequence allows; the marks of diff -u (ranges, no final newline). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strbuf.h"
#include "udiff.h"

/* The lines of t: pointers to their starts, n of them. */
static size_t split(const char *t, const char **lines, size_t max)
{
	size_t n = 0;
	for (const char *p = t; *p && n < max; n++) {
		lines[n] = p;
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	return n;
}

static size_t line_len(const char *l)
{
	const char *nl = strchr(l, '\n');
	return nl ? (size_t)(nl - l) + 1 : strlen(l);
}

/* Applies diff d to a as patch would; checks the hunks' line counts and
 * counts the lines changed. */
static void apply(const char *a, const char *d, struct strbuf *out, size_t *changed)
{
	const char *al[512], *dl[2048];
	size_t na = split(a, al, 512), nd = split(d, dl, 2048), ai = 0;
	*changed = 0;
	assert_true(nd == 0 || (!strncmp(dl[0], "--- ", 4) && !strncmp(dl[1], "+++ ", 4)));
	for (size_t i = 2; i < nd;) {
		unsigned long s1 = 0, c1 = 1, s2 = 0, c2 = 1;
		const char *h = dl[i++];
		assert_true(sscanf(h, "@@ -%lu,%lu +%lu,%lu @@", &s1, &c1, &s2, &c2) == 4 ||
			    sscanf(h, "@@ -%lu +%lu,%lu @@", &s1, &s2, &c2) == 3 ||
			    sscanf(h, "@@ -%lu,%lu +%lu @@", &s1, &c1, &s2) == 3 ||
			    sscanf(h, "@@ -%lu +%lu @@", &s1, &s2) == 2);
		size_t start = c1 ? s1 - 1 : s1;
		assert_true(start >= ai);
		for (; ai < start; ai++)
			strbuf_add(out, al[ai], line_len(al[ai]));
		unsigned long seen1 = 0, seen2 = 0;
		for (; i < nd && dl[i][0] != '@'; i++) {
			size_t n = line_len(dl[i]) - 1;
			if (dl[i][0] == '\\') { /* the line before ends without '\n' */
				if (dl[i - 1][0] != '-')
					strbuf_setlen(out, out->len - 1);
				continue;
			}
			if (dl[i][0] != '+') {
				assert_true(ai < na && !strncmp(al[ai], dl[i] + 1, n - 1));
				ai++, seen1++;
			}
			if (dl[i][0] != '-') {
				strbuf_add(out, dl[i] + 1, n);
				seen2++;
			}
			*changed += dl[i][0] != ' ';
		}
		assert_int_equal(seen1, c1);
		assert_int_equal(seen2, c2);
	}
	for (; ai < na; ai++)
		strbuf_add(out, al[ai], line_len(al[ai]));
}

/* Length of a longest common subsequence of the lines, by the table. */
static size_t lcs(const char *a, const char *b)
{
	const char *al[512], *bl[512];
	size_t na = split(a, al, 512), nb = split(b, bl, 512);
	size_t *t = calloc((na + 1) * (nb + 1), sizeof(*t));
	assert_non_null(t);
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;) {
			size_t *c = &t[i * (nb + 1) + j];
			if (line_len(al[i]) == line_len(bl[j]) && !memcmp(al[i], bl[j], line_len(al[i])))
				*c = 1 + t[(i + 1) * (nb + 1) + j + 1];
			else
				*c = t[(i + 1) * (nb + 1) + j] > t[i * (nb + 1) + j + 1]
					     ? t[(i + 1) * (nb + 1) + j]
					     : t[i * (nb + 1) + j + 1];
		}
	size_t r = t[0];
	free(t);
	return r;
}

static void random_text(struct strbuf *sb, unsigned *seed, size_t lines, int alphabet)
{
	for (size_t i = 0; i < lines; i++)
		strbuf_addf(sb, "line %d\n", rand_r(seed) % alphabet);
	if (lines && rand_r(seed) % 4 == 0)
		strbuf_setlen(sb, sb->len - 1); /* no newline at the end */
}

static void test_random_texts(void **state)
{
	(void)state;
	unsigned seed = 16;
	for (int round = 0; round < 400; round++) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, d = STRBUF_INIT, got = STRBUF_INIT;
		random_text(&a, &seed, (size_t)(rand_r(&seed) % 60), 2 + round % 8);
		random_text(&b, &seed, (size_t)(rand_r(&seed) % 60), 2 + round % 8);
		udiff_unified(a.buf, a.len, b.buf, b.len, "a", "b", &d);
		size_t changed;
		apply(a.buf, d.buf, &got, &changed);
		assert_string_equal(got.buf, b.buf);
		size_t na = split(a.buf, (const char *[512]){ 0 }, 512);
		size_t nb = split(b.buf, (const char *[512]){ 0 }, 512);
		assert_int_equal(changed, na + nb - 2 * lcs(a.buf, b.buf));
		strbuf_release(&a);
		strbuf_release(&b);
		strbuf_release(&d);
		strbuf_release(&got);
	}
}

static void test_format(void **state)
{
	(void)state;
	struct strbuf d = STRBUF_INIT;
	udiff_unified("a\nb\n", 4, "a\nb\n", 4, "x", "y", &d);
	assert_int_equal(d.len, 0);
	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
	const char *b = "1\n2\n3\n4\nfive\n6\n7\n8\n9";
	udiff_unified(a, strlen(a), b, strlen(b), "f.infra", "f.infra", &d);
	assert_string_equal(d.buf, "--- f.infra\n+++ f.infra\n"
				   "@@ -2,8 +2,8 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
				   "-9\n+9\n\\ No newline at end of file\n");
	strbuf_reset(&d);
	udiff_unified("", 0, "x\n", 2, "a", "b", &d);
	assert_string_equal(d.buf, "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
	strbuf_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_texts),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
