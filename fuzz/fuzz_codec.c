/*
 * fuzz_codec.c - target 1: raw bytes -> instructions -> bytes is exact.
 * Every 8-byte record decodes to a typed instruction that encodes back to
 * the same record, the raw format parses whole records (and refuses a
 * trailing partial one), and printing the parsed program as raw gives the
 * input back byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/format.h"
#include "fz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void finding(const struct cbpf_insn *insns, size_t n, const char *note)
{
	struct fz_finding f = { "codec", "roundtrip", CBPF_PROFILE_LINUX, insns, n,
				(const uint8_t *)"", 0, NULL, NULL, 0, note };
	fz_report(&f);
}

static void check_insn(struct cbpf_insn in)
{
	struct cbpf_typed t = cbpf_decode(in);
	struct cbpf_insn back = cbpf_encode(&t);

	if (memcmp(&in, &back, sizeof(in)) != 0)
		finding(&in, 1, "cbpf_encode(cbpf_decode(x)) != x");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cbpf_prog prog = { 0 };
	struct cbpf_diag d;
	size_t outlen = 0;
	char *out;
	int rc = cbpf_parse(CBPF_FMT_RAW, data, size, &prog, &d);

	if (size % sizeof(struct cbpf_insn) != 0 || size / sizeof(struct cbpf_insn) > CBPF_PARSE_MAXINSNS) {
		if (rc == 0)
			finding(prog.insns, prog.len, "raw parse accepted a partial record");
		return 0;
	}
	if (rc != 0) {
		struct cbpf_insn none = { 0, 0, 0, 0 };
		finding(&none, 0, d.msg);
	}
	for (size_t i = 0; i < prog.len; i++)
		check_insn(prog.insns[i]);
	out = cbpf_print(CBPF_FMT_RAW, prog.insns, prog.len, &outlen);
	if (!out || outlen != size || (size && memcmp(out, data, size) != 0))
		finding(prog.insns, prog.len, "raw print(parse(bytes)) != bytes");
	free(out);
	cbpf_prog_free(&prog);
	return 0;
}
