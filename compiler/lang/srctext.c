#include "srctext.h"

#include <string.h>

#include "ascii.h"

size_t srctext_bom(const struct src *s)
{
	return s->len >= 3 && !memcmp(s->text, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

/* The line and column of byte off, counted as the scanner does. */
static void srctext_place(const struct src *s, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = srctext_bom(s); i < off; i++) {
		unsigned char c = (unsigned char)s->text[i];
		if (c == '\n') {
			(*line)++;
			*col = 1;
		} else if ((c & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static bool srctext_utf16(struct diag_list *dl, const struct src *s)
{
	struct loc none = { 0, 0, 0, 0 };
	struct diag *d = diag_add(dl, DIAG_E0007, s, none,
				  "this is UTF-16 text; infra files are UTF-8");
	diag_help(d, dl, "convert it: iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8");
	return false;
}

bool srctext_check(struct diag_list *dl, const struct src *s)
{
	const unsigned char *p = (const unsigned char *)s->text;
	size_t n = s->len < SRCTEXT_SAMPLE ? s->len : SRCTEXT_SAMPLE;
	if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
		return srctext_utf16(dl, s);
	const unsigned char *nul = memchr(p, 0, n);
	size_t odd = 0;
	for (size_t i = 0; !nul && i < n;) {
		size_t k = ascii_utf8_len(p + i, n - i);
		/* a character cut by the end of the sample is not held against it */
		if (!k && n - i < 4 && n < s->len)
			break;
		if (!k || (ascii_cntrl(p[i]) && !strchr("\t\n\r\f", p[i])))
			odd++;
		i += k ? k : 1;
	}
	if (!nul && odd * 8 <= n)
		return true;
	struct loc none = { 0, 0, 0, 0 };
	struct diag *d = diag_add(dl, DIAG_E0007, s, none,
				  "this looks like a binary file, not infra text");
	if (nul) {
		unsigned line, col;
		srctext_place(s, (size_t)(nul - p), &line, &col);
		diag_note(d, dl, "it holds a NUL byte at line %u, column %u", line, col);
	} else {
		diag_note(d, dl, "%zu of its first %zu bytes are control bytes or not UTF-8",
			  odd, n);
	}
	diag_help(d, dl, "an infra file is UTF-8 text: is this the file you meant?");
	return false;
}
