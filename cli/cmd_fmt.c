#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fileio.h"
#include "fmt.h"
#include "udiff.h"
#include "usage.h"
#include "xalloc.h"

/* what fmt reads at most: the offsets of the syntax tree are 32 bits */
#define CMD_FMT_MAX ((size_t)UINT32_MAX - 2)

struct cmd_fmt_opts {
	bool check, diff;
};

/* Standard input, whole. */
static bool cmd_fmt_read_stdin(struct strbuf *text, struct error *err)
{
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		if (text->len + n > CMD_FMT_MAX)
			return error_set(err, "standard input is larger than 4 GiB");
		strbuf_add(text, buf, n);
	}
	return ferror(stdin) ? error_set(err, "cannot read standard input: %s", strerror(errno))
			     : true;
}

/* Replaces path (or the file a link at path names) with data, keeping
 * its permissions. */
static bool cmd_fmt_write(const char *path, const struct strbuf *data, struct error *err)
{
	char *real = realpath(path, NULL);
	struct stat st;
	bool ok = real && stat(real, &st) == 0;
	if (!ok)
		error_set(err, "cannot write %s: %s", path, strerror(errno));
	else
		ok = fileio_write_atomic(real, data->buf, data->len, st.st_mode & 07777, err);
	free(real);
	return ok;
}

/* What fmt does with a formatted text that differs from what was read. */
static int cmd_fmt_changed(const char *path, const char *name, const struct strbuf *text,
			   const struct strbuf *out, const struct cmd_fmt_opts *o)
{
	if (o->check)
		printf("%s\n", name);
	if (o->diff) {
		struct strbuf d = STRBUF_INIT;
		udiff_unified(text->buf, text->len, out->buf, out->len, name, name, &d);
		fwrite(d.buf, 1, d.len, stdout);
		strbuf_release(&d);
	}
	if (o->check || o->diff || !path)
		return o->check ? CLI_ERRORS : CLI_OK;
	struct error err = ERROR_INIT;
	if (!cmd_fmt_write(path, out, &err)) {
		cli_error("fmt", &err);
		error_release(&err);
		return CLI_ERRORS;
	}
	printf("%s\n", name);
	return CLI_OK;
}

/* Formats path ("-": standard input to standard output); the exit code. */
static int cmd_fmt_one(const char *path, const struct cmd_fmt_opts *o)
{
	bool in = !strcmp(path, "-");
	const char *name = in ? "<stdin>" : path;
	struct strbuf text = STRBUF_INIT, out = STRBUF_INIT;
	struct error err = ERROR_INIT;
	int rc = CLI_ERRORS;
	if (!(in ? cmd_fmt_read_stdin(&text, &err) : fileio_read(path, CMD_FMT_MAX, &text, &err))) {
		if (!in)
			error_wrap(&err, "cannot read %s", path);
		cli_error("fmt", &err);
		goto out;
	}
	struct compilation c;
	enum fmt_status st = fmt_buffer(&c, name, text.buf, text.len, &out);
	if (st == FMT_SYNTAX)
		diag_print(&c.diags, stderr, cli_color(stderr));
	else if (st == FMT_MEANING)
		fprintf(stderr, "infrac fmt: error: %s: the new layout would change the meaning; "
			"left as it is (a bug of fmt's: please report it)\n", name);
	compile_release(&c);
	if (st != FMT_OK)
		goto out;
	bool same = out.len == text.len && !memcmp(out.buf, text.buf, text.len);
	if (in && !o->check && !o->diff)
		fwrite(out.buf, 1, out.len, stdout);
	rc = same ? CLI_OK : cmd_fmt_changed(in ? NULL : path, name, &text, &out, o);
out:
	error_release(&err);
	strbuf_release(&text);
	strbuf_release(&out);
	return rc;
}

int cmd_fmt(int argc, char **argv)
{
	struct cmd_fmt_opts o = { false, false };
	const struct cli_opt opts[] = {
		{ "--check", false, NULL, &o.check },
		{ "--diff", false, NULL, &o.diff },
		{ NULL, false, NULL, NULL },
	};
	/* no FILE is standard input, as "-" is */
	char **args = xcalloc((size_t)argc + 2, sizeof(*args));
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	bool files = false;
	for (int i = 1; i < argc; i++)
		files = files || argv[i][0] != '-' || !argv[i][1];
	if (!files)
		args[argc++] = (char *)"-";
	const char *first;
	struct cli_words rest = { xcalloc((size_t)argc, sizeof(char *)), 0 };
	int rc = CLI_OK;
	if (cli_parse_words(argc, args, opts, &first, &rest, usage_text("fmt"), &rc)) {
		rc = cmd_fmt_one(first, &o);
		for (size_t i = 0; i < rest.n; i++) {
			int one = cmd_fmt_one(rest.words[i], &o);
			rc = one > rc ? one : rc;
		}
	}
	free(rest.words);
	free(args);
	fflush(stdout);
	return rc;
}
