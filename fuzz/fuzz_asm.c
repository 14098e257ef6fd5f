/*
 * fuzz_asm.c - target 2: the bpf_asm parser, and disassemble -> assemble
 * as a fixpoint.
 *   - any text: the parser returns a program or a diagnostic (never
 *     crashes); a program it returns prints as bpf_asm text that parses
 *     back to the same instructions, and printing again gives the same
 *     text;
 *   - the same bytes read as raw instructions: their bpf_asm listing
 *     assembles back to exactly those instructions (junk fields and
 *     invalid opcodes included).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/format.h"
#include "fz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAW_MAX 8

static void finding(const struct cbpf_insn *insns, size_t n, const char *note)
{
	struct fz_finding f = { "asm", "roundtrip", CBPF_PROFILE_LINUX, insns, n,
				(const uint8_t *)"", 0, NULL, NULL, 0, note };
	fz_report(&f);
}

static int same(const struct cbpf_prog *a, const struct cbpf_insn *insns, size_t n)
{
	return a->len == n && (!n || memcmp(a->insns, insns, n * sizeof(*insns)) == 0);
}

/* print -> parse gives the same program; print again gives the same text. */
static void check_fixpoint(const struct cbpf_insn *insns, size_t n, const char *what)
{
	struct cbpf_prog back = { 0 };
	struct cbpf_diag d;
	size_t len1 = 0, len2 = 0;
	char *text1 = cbpf_print(CBPF_FMT_BPFASM, insns, n, &len1);
	char *text2;

	if (!text1)
		return;
	if (cbpf_parse(CBPF_FMT_BPFASM, text1, len1, &back, &d) != 0)
		finding(insns, n, what);
	if (!same(&back, insns, n))
		finding(insns, n, what);
	text2 = cbpf_print(CBPF_FMT_BPFASM, back.insns, back.len, &len2);
	if (!text2 || len1 != len2 || memcmp(text1, text2, len1) != 0)
		finding(insns, n, "bpf_asm listing is not a fixpoint of print(parse())");
	free(text1);
	free(text2);
	cbpf_prog_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cbpf_prog prog = { 0 };
	struct cbpf_diag d;
	struct cbpf_insn raw[RAW_MAX];
	size_t nraw = size / sizeof(struct cbpf_insn);

	if (cbpf_parse(CBPF_FMT_BPFASM, (const char *)data, size, &prog, &d) == 0) {
		if (prog.len <= 4096)
			check_fixpoint(prog.insns, prog.len,
				       "assembled program: disassembly does not re-assemble to it");
	} else if (prog.len != 0) {
		finding(prog.insns, prog.len, "asm parse failed but left instructions in *out");
	}
	cbpf_prog_free(&prog);
	if (nraw > RAW_MAX)
		nraw = RAW_MAX;
	memcpy(raw, data, nraw * sizeof(raw[0]));
	check_fixpoint(raw, nraw, "raw program: disassembly does not re-assemble to it");
	return 0;
}
