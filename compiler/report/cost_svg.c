#include "cost_svg.h"

#include "units.h"

#define SVG_W 900
#define SVG_LEFT 90
#define SVG_RIGHT 870
#define SVG_BOTTOM 540    /* of the plot, unless the legend pushes it down */
#define SVG_PLOT_MIN 300  /* the plot's least height */
#define SVG_BELOW 60      /* month labels and the price source */
#define SVG_LEGEND_TOP 52
#define SVG_LEGEND_LINE 18
#define SVG_TICKS 8

static const char *const svg_colors[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
	"#9467bd", "#8c564b", "#e377c2", "#17becf",
};
#define SVG_NCOLORS (sizeof(svg_colors) / sizeof(svg_colors[0]))

/* Text content and attribute values: names are identifiers, but titles
 * and paths are the user's strings. */
static void svg_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* A grid step of 1, 2 or 5 x 10^k cents giving at most SVG_TICKS lines. */
static int64_t svg_step(int64_t max)
{
	int64_t pow = 1;
	for (;;) {
		static const int64_t mult[] = { 1, 2, 5 };
		for (int i = 0; i < 3; i++)
			if (max / (mult[i] * pow) <= SVG_TICKS)
				return mult[i] * pow;
		if (pow > INT64_MAX / 100)
			return max;
		pow *= 10;
	}
}

/* whole euros without ".00": the grid steps are round */
static const char *svg_eur(char *buf, int64_t cents)
{
	if (cents % 100) {
		units_fmt_money(buf, cents);
	} else {
		snprintf(buf, UNITS_BUF, "%lld", (long long)(cents / 100));
	}
	return buf;
}

struct svg_frame {
	int top, bottom;
	int64_t ymax; /* cents at the top of the plot */
	int months;
};

static int64_t svg_x(const struct svg_frame *f, int i)
{
	return SVG_LEFT + (int64_t)i * (SVG_RIGHT - SVG_LEFT) / f->months;
}

static int64_t svg_y(const struct svg_frame *f, int64_t cents)
{
	__extension__ __int128 span = (__int128)(f->bottom - f->top) * cents;
	return f->bottom - (int64_t)(span / f->ymax);
}

static void svg_axes(const struct mdl_project *p, const struct svg_frame *f, FILE *out)
{
	char b[UNITS_BUF];
	int64_t step = svg_step(f->ymax);
	fputs("<g stroke=\"#dddddd\" stroke-width=\"1\">\n", out);
	for (int64_t v = step; v <= f->ymax; v += step)
		fprintf(out, "<line x1=\"%d\" y1=\"%lld\" x2=\"%d\" y2=\"%lld\"/>\n", SVG_LEFT,
			(long long)svg_y(f, v), SVG_RIGHT, (long long)svg_y(f, v));
	fputs("</g>\n<g font-size=\"12\" fill=\"#333333\" text-anchor=\"end\">\n", out);
	for (int64_t v = 0; v <= f->ymax; v += step)
		fprintf(out, "<text x=\"%d\" y=\"%lld\">%s EUR</text>\n", SVG_LEFT - 6,
			(long long)svg_y(f, v) + 4, svg_eur(b, v));
	fputs("</g>\n<g font-size=\"12\" fill=\"#333333\" text-anchor=\"middle\">\n", out);
	/* the first month, then every January */
	for (int i = 0; i <= f->months; i++) {
		int m = p->start + i;
		/* a January close to the first label would overlap it */
		if (i != 0 && (m % 12 != 0 || i < 3))
			continue;
		fprintf(out, "<text x=\"%lld\" y=\"%d\">%s</text>\n", (long long)svg_x(f, i),
			f->bottom + 18, units_fmt_month(b, m));
	}
	fputs("</g>\n", out);
	fprintf(out, "<path d=\"M%d %d V%d H%d\" fill=\"none\" stroke=\"#333333\" "
		"stroke-width=\"1\"/>\n", SVG_LEFT, f->top, f->bottom, SVG_RIGHT);
}

static void svg_phases(const struct mdl_project *p, const struct svg_frame *f, FILE *out)
{
	fputs("<g font-size=\"12\" fill=\"#555555\">\n", out);
	for (size_t i = 0; i < p->nphases; i++) {
		const struct mdl_phase *ph = &p->phases[i];
		int at = ph->start - p->start;
		if (at < 0 || at >= f->months)
			continue;
		int64_t x = svg_x(f, at);
		fprintf(out, "<line x1=\"%lld\" y1=\"%d\" x2=\"%lld\" y2=\"%d\" stroke=\"#888888\" "
			"stroke-width=\"1\" stroke-dasharray=\"4 4\"/>\n",
			(long long)x, f->top, (long long)x, f->bottom);
		fprintf(out, "<text x=\"%lld\" y=\"%d\">", (long long)x + 4, f->top + 14);
		svg_text(out, ph->name);
		fputs("</text>\n", out);
	}
	fputs("</g>\n", out);
}

static void svg_option(const struct svg_frame *f, const struct cost_option *o, size_t j,
		       FILE *out)
{
	char b[UNITS_BUF];
	const char *color = svg_colors[j % SVG_NCOLORS];
	const char *dash = cost_feasible(o) ? "" : " stroke-dasharray=\"10 6\"";
	fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s points=\"%d,%d",
		color, dash, SVG_LEFT, f->bottom);
	int64_t sum = 0;
	for (int i = 0; i < f->months; i++) {
		sum = units_add_sat(sum, o->monthly[i]);
		fprintf(out, " %lld,%lld", (long long)svg_x(f, i + 1), (long long)svg_y(f, sum));
	}
	fputs("\"/>\n", out);

	int y = SVG_LEGEND_TOP + (int)j * SVG_LEGEND_LINE;
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		"stroke-width=\"2.5\"%s/>\n", SVG_LEFT, y - 4, SVG_LEFT + 30, y - 4, color, dash);
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"13\">", SVG_LEFT + 38, y);
	svg_text(out, o->name);
	fprintf(out, ": %s EUR", units_fmt_money(b, o->total));
	if (!o->complete || !o->fits)
		fputs(", does not fit", out);
	if (o->over_first >= 0)
		fprintf(out, ", over budget from %s", units_fmt_month(b, o->over_first));
	fputs("</text>\n", out);
}

void cost_svg_write(const struct mdl_project *p, const struct cost_table *t, FILE *out)
{
	char b[UNITS_BUF], c[UNITS_BUF];
	struct svg_frame f = {
		.top = SVG_LEGEND_TOP + (int)t->n * SVG_LEGEND_LINE + 8,
		.ymax = 1,
		.months = p->horizon > 0 ? p->horizon : 1,
	};
	f.bottom = f.top + SVG_PLOT_MIN > SVG_BOTTOM ? f.top + SVG_PLOT_MIN : SVG_BOTTOM;
	int height = f.bottom + SVG_BELOW;
	for (size_t j = 0; j < t->n; j++)
		if (t->options[j].total > f.ymax)
			f.ymax = t->options[j].total;
	int64_t step = svg_step(f.ymax);
	f.ymax = (f.ymax + step - 1) / step * step;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
		SVG_W, height, SVG_W, height);
	fputs("<title>", out);
	svg_text(out, p->name);
	fputs(": cumulative cost</title>\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		SVG_W, height);
	fprintf(out, "<text x=\"%d\" y=\"30\" font-size=\"17\" font-weight=\"bold\">", SVG_LEFT);
	svg_text(out, p->name);
	fprintf(out, ": cumulative cost, %s .. %s (%d months)</text>\n",
		units_fmt_month(b, p->start), units_fmt_month(c, p->start + p->horizon - 1),
		p->horizon);
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555555\">", SVG_LEFT,
		height - 12);
	svg_text(out, p->price_source);
	fputs("; dashed: does not pass every check</text>\n", out);
	svg_axes(p, &f, out);
	svg_phases(p, &f, out);
	for (size_t j = 0; j < t->n; j++)
		svg_option(&f, &t->options[j], j, out);
	fputs("</svg>\n", out);
}
