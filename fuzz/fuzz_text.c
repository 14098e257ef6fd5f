/*
 * fuzz_text.c - target 3: the other text parsers (tcpdump -d listing,
 * tcpdump -dd and -ddd, bpf_asm's bytecode line, C array, JSON, and
 * format detection). The first byte picks the format, the rest is the
 * text. A parse either fails with a diagnostic (leaving the program empty)
 * or gives a program that prints in the same format and parses back to
 * the same instructions, and likewise in one of the formats that spell
 * every field (the selector byte's upper part picks it).
 * Two more selectors read the text as a run context (cbpf/ctx_json.h), as
 * a JSON object or as one KEY=VALUE string: a failure leaves the context as
 * it was, a success prints as JSON that reads back to the same context. A
 * failed parse of any kind renders its diagnostic as one non-empty line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/ctx_json.h"
#include "cbpf/format.h"
#include "fz_input.h"
#include "fz_mutator.h"
#include "fz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The structure-aware mutator edits the program a text spells and prints
 * it again (fz_text_mutator.c); 16 instructions of a listing fit max_len. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_mutator_opts = (struct fz_mutator_opts){ .text = true, .max_insns = 16 };
	return 0;
}

static const enum cbpf_format formats[] = FZ_TEXT_FORMATS;
#define NFORMATS FZ_TEXT_NFORMATS
#define NSELECTORS FZ_TEXT_NSELECTORS
_Static_assert(sizeof(formats) / sizeof(formats[0]) == NFORMATS, "FZ_TEXT_NFORMATS");
/* The formats that spell every field of every instruction: a program parsed
 * from any format must also print and parse back unchanged in one of them
 * (picked by the selector byte's upper part), so a parser that refuses what
 * its own printer writes for other programs (a field limit, a count) is
 * caught even when no input of its own format reaches that value. */
static const enum cbpf_format lossless[] = {
	CBPF_FMT_DD, CBPF_FMT_DDD, CBPF_FMT_BYTECODE, CBPF_FMT_C, CBPF_FMT_JSON,
};
#define NLOSSLESS (sizeof(lossless) / sizeof(lossless[0]))

static void finding(const struct cbpf_insn *insns, size_t n, enum cbpf_format f,
		    const char *why)
{
	char note[160];
	struct fz_finding r = { "text", "roundtrip", CBPF_PROFILE_LINUX, insns, n,
				(const uint8_t *)"", 0, NULL, NULL, 0, note };

	snprintf(note, sizeof(note), "%s: %s", cbpf_format_name(f), why);
	fz_report(&r);
}

/* A failed parse's diagnostic renders as one non-empty line. */
static void check_diag(const struct cbpf_diag *d, const char *what)
{
	char *line = cbpf_diag_format(d, "in");

	if (!line)
		return;
	if (d->code == CBPF_OK || d->msg[0] == '\0' || strchr(line, '\n'))
		finding(NULL, 0, CBPF_FMT_AUTO, what);
	free(line);
}

static void ctx_finding(const struct cbpf_ctx *ctx, const char *why)
{
	struct fz_finding r = { "text", "roundtrip", CBPF_PROFILE_LINUX, NULL, 0,
				(const uint8_t *)"", 0, ctx, NULL, 0, why };

	fz_report(&r);
}

/* The text as a context: JSON (kv = 0) or one KEY=VALUE string (kv = 1). */
static void check_ctx(const uint8_t *text, size_t len, int kv)
{
	struct cbpf_ctx ctx, back;
	struct cbpf_diag d = { .code = CBPF_OK };
	char *before, *js, *again;
	int rc;

	cbpf_ctx_init(&ctx);
	before = cbpf_ctx_to_json(&ctx);
	if (kv) {
		char *s = strndup((const char *)text, len);

		rc = s ? cbpf_ctx_set(s, &ctx, &d) : 0;
		free(s);
	} else {
		rc = cbpf_ctx_from_json((const char *)text, len, &ctx, &d);
	}
	js = cbpf_ctx_to_json(&ctx);
	if (before && js && rc != 0 && strcmp(before, js) != 0)
		ctx_finding(&ctx, "ctx: a failed parse changed the context");
	if (rc != 0)
		check_diag(&d, "ctx: a failed parse's diagnostic is not one line");
	if (rc == 0 && js) {
		cbpf_ctx_init(&back);
		if (cbpf_ctx_from_json(js, strlen(js), &back, &d) != 0)
			ctx_finding(&ctx, "ctx: printed context does not parse");
		again = cbpf_ctx_to_json(&back);
		if (again && strcmp(again, js) != 0)
			ctx_finding(&ctx, "ctx: print then parse changed the context");
		free(again);
	}
	free(before);
	free(js);
}

static void check_roundtrip(enum cbpf_format f, const struct cbpf_prog *prog)
{
	struct cbpf_prog back = { 0 };
	struct cbpf_diag d = { .code = CBPF_OK };
	size_t len = 0;
	char *text = cbpf_print(f, prog->insns, prog->len, &len);

	if (!text)
		return;
	if (cbpf_parse(f, text, len, &back, &d) != 0)
		finding(prog->insns, prog->len, f, "printed program does not parse");
	if (back.len != prog->len ||
	    (back.len && memcmp(back.insns, prog->insns, back.len * sizeof(*back.insns)) != 0))
		finding(prog->insns, prog->len, f, "print then parse changed the program");
	free(text);
	cbpf_prog_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cbpf_prog prog = { 0 };
	struct cbpf_diag d = { .code = CBPF_OK };
	enum cbpf_format f;

	if (size < 1)
		return 0;
	if (data[0] % NSELECTORS >= NFORMATS) {
		check_ctx(data + 1, size - 1, data[0] % NSELECTORS - NFORMATS);
		return 0;
	}
	f = formats[data[0] % NSELECTORS];
	if (f == CBPF_FMT_AUTO)
		f = cbpf_format_detect(data + 1, size - 1);
	if (cbpf_parse(f, data + 1, size - 1, &prog, &d) != 0) {
		if (prog.len)
			finding(prog.insns, prog.len, f, "failed parse left instructions in *out");
		check_diag(&d, "a failed parse's diagnostic is not one line");
		return 0;
	}
	if (f != CBPF_FMT_RAW && prog.len <= 4096) {
		check_roundtrip(f, &prog);
		if (prog.len > 0)
			check_roundtrip(lossless[data[0] / NFORMATS % NLOSSLESS], &prog);
	}
	cbpf_prog_free(&prog);
	return 0;
}
