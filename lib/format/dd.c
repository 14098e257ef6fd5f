/*
 * format/dd.c - `tcpdump -dd` (C initialisers "{ 0x%x, %d, %d, 0x%08x },")
 * and `tcpdump -ddd` (the instruction count on the first line, then
 * "%u %u %u %u" per instruction), as libpcap's bpf_dump() prints them.
 * Both are lossless: every field is printed. Both read C comments (slash-
 * star and double-slash) wherever blanks may be, like the -dd and
 * bpf_asm -c arrays they sit next to in C sources; -ddd also reads `#` to
 * the end of the line (shell-style notes): before the count, after any
 * line, as the last lines.
 */
#include "cbpf/format.h"
#include "formats.h"
#include "brace.h"
#include "cursor.h"

char *fmt_dd_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	static const struct fmt_numeric dd = { NULL, "{ 0x%x, %u, %u, 0x%08x },\n", "" };
	return fmt_numeric_print(insns, n, &dd, outlen);
}

int fmt_dd_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	return fmt_brace_parse(buf, len, out, d);
}

char *fmt_ddd_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	static const struct fmt_numeric ddd = { "%zu\n", "%u %u %u %u\n", "" };
	return fmt_numeric_print(insns, n, &ddd, outlen);
}

/* A decimal field in [0, max], followed by blanks (not a newline). */
static int ddd_field(struct fmt_cursor *c, uint64_t max, const char *what, uint64_t *out)
{
	struct fc_number num;

	if (fc_number(c, FC_DEC, &num) < 0 || fc_to_unsigned(c, &num, max, what, out) < 0)
		return -1;
	fc_skip_blanks(c);
	return 0;
}

/* Blanks, newlines and comments: C ones and `#` to the end of the line. */
static int ddd_skip_space(struct fmt_cursor *c)
{
	for (;;) {
		if (fc_skip_space_comments(c) < 0)
			return -1;
		if (fc_peek(c) != '#')
			return 0;
		while (!fc_at_end(c) && fc_peek(c) != '\n')
			c->p++;
	}
}

/* The end of a -ddd line: blanks and comments, then a newline or the end
 * of the input (consumed up to the newline). */
static int ddd_line_end(struct fmt_cursor *c, const char *after)
{
	char tmp[16];
	unsigned line = c->line;

	fc_skip_blanks(c);
	if ((fc_peek(c) == '/' || fc_peek(c) == '#') && ddd_skip_space(c) < 0)
		return -1;
	if (c->line != line || fc_at_eol(c))
		return 0;
	return fc_error(c, "unexpected %s after %s", fc_describe(c, tmp, sizeof(tmp)), after);
}

/* "code jt jf k" on one line. */
static int ddd_record(struct fmt_cursor *c, struct cbpf_insn *in)
{
	if (fc_record_fields(c, ddd_field, NULL, in) < 0)
		return -1;
	return ddd_line_end(c, "the 4 fields code jt jf k");
}

static int ddd_parse(struct fmt_cursor *c, struct cbpf_prog *out)
{
	uint64_t count;
	unsigned count_line;

	if (ddd_skip_space(c) < 0)
		return -1;
	count_line = c->line;
	if (ddd_field(c, CBPF_PARSE_MAXINSNS, "instruction count", &count) < 0 ||
	    ddd_line_end(c, "the instruction count") < 0)
		return -1;
	for (;;) {
		struct cbpf_insn in;
		unsigned line;

		if (ddd_skip_space(c) < 0)
			return -1;
		if (fc_at_end(c))
			break;
		line = c->line;
		if (out->len == count)
			return fc_error(c, "more instructions than the count %llu (line %u)",
					(unsigned long long)count, count_line);
		if (ddd_record(c, &in) < 0 || fc_push(c, out, in, line, 1) < 0)
			return -1;
	}
	if (out->len != count)
		return fc_error(c, "the count (line %u) says %llu instructions, found %zu",
				count_line, (unsigned long long)count, out->len);
	return 0;
}

int fmt_ddd_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	return fc_parse_all(buf, len, out, d, ddd_parse);
}
