/*
 * tool_fuzz: the fuzz target of check and build.  One input is an infra
 * file; it is compiled (parse, resolve, check, and what check proves of
 * the artefacts), its diagnostics printed as text and as JSON, and when
 * it is valid its artefacts built in memory.  Beyond what the sanitizers
 * catch, an input fails when:
 *   - the diagnostics write a control character other than newline and
 *     tab, or bytes that are not UTF-8 (text or JSON), or more than
 *     TOOL_FUZZ_OUT_MAX bytes;
 *   - check passes a file that build refuses;
 *   - the user data of a server is larger than emit_bound says.
 *
 * Built with libFuzzer (`make fuzz`, INFRAC_LIBFUZZER defined) it is
 * driven by clang's fuzzer; built as a test tool it has its own main,
 * which runs each file named on the command line once (tests/fuzz/run.sh
 * replays the corpus so).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "compile.h"
#include "emit.h"
#include "emit_bound.h"

/* 20 diagnostics of at most 400 characters, escaped, with their notes,
 * quoted lines and carets: far less than this */
#define TOOL_FUZZ_OUT_MAX (512 * 1024)

static const char tool_fuzz_key[] =
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops\n";

/* file("...") finds a public key for any path ending in .pub. */
static bool tool_fuzz_read(void *ctx, const char *path, size_t max, struct strbuf *out,
			   struct error *err)
{
	(void)ctx;
	size_t n = strlen(path);
	if (n < 4 || strcmp(path + n - 4, ".pub"))
		return error_set(err, "No such file or directory");
	if (sizeof(tool_fuzz_key) - 1 > max)
		return error_set(err, "too large");
	strbuf_addstr(out, tool_fuzz_key);
	return true;
}

static void tool_fuzz_fail(const char *what, const char *text, size_t len)
{
	fprintf(stderr, "tool_fuzz: %s\n", what);
	fwrite(text, 1, len < 4000 ? len : 4000, stderr);
	abort();
}

/* What the diagnostics print must be safe on a terminal and bounded. */
static void tool_fuzz_output(const struct diag_list *dl, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	if (json)
		diag_print_json(dl, f);
	else
		diag_print(dl, f, false);
	fclose(f);
	if (len > TOOL_FUZZ_OUT_MAX)
		tool_fuzz_fail("diagnostics larger than their bound", buf, len);
	for (size_t i = 0; i < len;) {
		size_t n = ascii_utf8_len((const unsigned char *)buf + i, len - i);
		if (!n || (n == 1 && ascii_cntrl(buf[i]) && buf[i] != '\n' && buf[i] != '\t'))
			tool_fuzz_fail("diagnostics hold a control byte or no UTF-8", buf + i,
				       len - i);
		i += n;
	}
	free(buf);
}

/* A valid file builds, and no server's user data exceeds its bound. */
static void tool_fuzz_build(struct compilation *c)
{
	struct diag_list dl;
	struct emit_output out;
	diag_list_init(&dl, &c->arena);
	bool built = emit_build(&c->arena, &dl, c->project, NULL, &out);
	for (size_t i = 0; i < dl.n; i++)
		if (diag_code_severity(dl.items[i]->code) == DIAG_ERROR &&
		    dl.items[i]->code != DIAG_E1002) /* env() unset: the build's environment */
			tool_fuzz_fail("check passed a file build refuses", dl.items[i]->msg,
				       strlen(dl.items[i]->msg));
	const struct mdl_project *p = c->project;
	for (size_t i = 0; built && i < p->nphases; i++)
		for (size_t j = 0; j < p->phases[i].nplacements; j++) {
			struct emit_target t = { p, &p->phases[i], &p->phases[i].placements[j],
						 NULL, "fuzz.infra" };
			char *path = arena_printf(&c->arena, "%s/%s/cloud-init.yaml",
						  t.phase->name, t.pl->server->name);
			size_t bound = emit_bound_user_data(&t, NULL);
			for (size_t k = 0; k < out.n; k++)
				if (!strcmp(out.files[k].path, path) && out.files[k].len > bound)
					tool_fuzz_fail("user data larger than its bound", path,
						       strlen(path));
		}
	diag_list_release(&dl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf text = STRBUF_INIT;
	strbuf_add(&text, data, size);
	struct compilation c;
	struct compile_reader rd = { tool_fuzz_read, NULL };
	bool ok = compile_source(&c, "fuzz.infra", &text, &rd) &&
		  emit_check(&c.arena, &c.diags, c.project);
	tool_fuzz_output(&c.diags, false);
	tool_fuzz_output(&c.diags, true);
	if (ok)
		tool_fuzz_build(&c);
	compile_release(&c);
	strbuf_release(&text);
	return 0;
}

#ifndef INFRAC_LIBFUZZER
/* Each file once; exit 0 when every one ran (a failure aborts). */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct strbuf in = STRBUF_INIT;
		FILE *f = fopen(argv[i], "rb");
		char chunk[65536];
		size_t n;
		if (!f) {
			fprintf(stderr, "tool_fuzz: cannot read %s\n", argv[i]);
			return 2;
		}
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			strbuf_add(&in, chunk, n);
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)in.buf, in.len);
		strbuf_release(&in);
	}
	printf("tool_fuzz: %d inputs\n", argc - 1);
	return 0;
}
#endif
