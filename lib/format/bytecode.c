/*
 * format/bytecode.c - the two outputs of the kernel's tools/bpf/bpf_asm:
 *   bytecode  the default single line "N,code jt jf k,code jt jf k,...,"
 *             in decimal (also what xt_bpf --bytecode, tc and bpf_dbg's
 *             `load bpf` read; iptables-save omits the final comma, so
 *             the parser accepts it with or without);
 *   c         `bpf_asm -c`: "{ %#04x, %2u, %2u, %#010x }," per line. %#x
 *             prints no 0x for zero, so zeros come out as "0000" and
 *             "0000000000" (C octal zeros).
 */
#include "cbpf/format.h"
#include "formats.h"
#include "brace.h"
#include "cursor.h"

char *fmt_bytecode_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	static const struct fmt_numeric bytecode = { "%zu,", "%u %u %u %u,", "\n" };
	return fmt_numeric_print(insns, n, &bytecode, outlen);
}

/* A decimal field in [0, max] and the space after it. */
static int bc_field(struct fmt_cursor *c, uint64_t max, const char *what, uint64_t *out)
{
	struct fc_number num;

	fc_skip_space(c);
	if (fc_number(c, FC_DEC, &num) < 0 || fc_to_unsigned(c, &num, max, what, out) < 0)
		return -1;
	fc_skip_space(c);
	return 0;
}

/* The separator after a record: ',' before the next one; after the last,
 * an optional ',' and then the end. */
static int bc_separator(struct fmt_cursor *c, int last)
{
	char tmp[16];

	if (!last)
		return fc_expect(c, ',', "',' between instructions");
	if (fc_peek(c) == ',')
		c->p++;
	fc_skip_space(c);
	if (!fc_at_end(c))
		return fc_error(c, "unexpected %s after the last instruction",
				fc_describe(c, tmp, sizeof(tmp)));
	return 0;
}

static int bc_parse(struct fmt_cursor *c, struct cbpf_prog *out)
{
	uint64_t count;

	if (bc_field(c, CBPF_PARSE_MAXINSNS, "instruction count", &count) < 0)
		return -1;
	if (count == 0)
		return bc_separator(c, 1);
	if (fc_expect(c, ',', "',' after the instruction count") < 0)
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		struct cbpf_insn in;
		unsigned line, col;

		fc_skip_space(c);
		line = c->line;
		col = fc_col(c);
		if (fc_at_end(c))
			return fc_error(c, "the count says %llu instructions, found %llu",
					(unsigned long long)count, (unsigned long long)i);
		if (fc_record_fields(c, bc_field, NULL, &in) < 0 || fc_push(c, out, in, line, col) < 0 ||
		    bc_separator(c, i + 1 == count) < 0)
			return -1;
	}
	return 0;
}

int fmt_bytecode_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	return fc_parse_all(buf, len, out, d, bc_parse);
}

char *fmt_c_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	static const struct fmt_numeric c = { NULL, "{ %#04x, %2u, %2u, %#010x },\n", "" };
	return fmt_numeric_print(insns, n, &c, outlen);
}

int fmt_c_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	return fmt_brace_parse(buf, len, out, d);
}
