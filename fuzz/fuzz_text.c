/*
 * fuzz_text.c - target 3: the other text parsers (tcpdump -d listing,
 * tcpdump -dd and -ddd, bpf_asm's bytecode line, C array, JSON, and
 * format detection). The first byte picks the format, the rest is the
 * text. A parse either fails with a diagnostic (leaving the program empty)
 * or gives a program that prints in the same format and parses back to
 * the same instructions, and likewise in one of the formats that spell
 * every field (the selector byte's upper part picks it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/format.h"
#include "fz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum cbpf_format formats[] = {
	CBPF_FMT_TCPDUMP, CBPF_FMT_DD, CBPF_FMT_DDD, CBPF_FMT_BYTECODE,
	CBPF_FMT_C, CBPF_FMT_JSON, CBPF_FMT_AUTO,
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))
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

static void check_roundtrip(enum cbpf_format f, const struct cbpf_prog *prog)
{
	struct cbpf_prog back = { 0 };
	struct cbpf_diag d;
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
	struct cbpf_diag d;
	enum cbpf_format f;

	if (size < 1)
		return 0;
	f = formats[data[0] % NFORMATS];
	if (f == CBPF_FMT_AUTO)
		f = cbpf_format_detect(data + 1, size - 1);
	if (cbpf_parse(f, data + 1, size - 1, &prog, &d) != 0) {
		if (prog.len)
			finding(prog.insns, prog.len, f, "failed parse left instructions in *out");
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
