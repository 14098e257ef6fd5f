/*
 * format/brace.c - reads the "{ code, jt, jf, k }," initialiser lists of
 * `tcpdump -dd` and `bpf_asm -c` (see format/brace.h).
 */
#include "brace.h"

#include "cursor.h"

#define C_LITERAL (FC_DEC | FC_HEX | FC_OCT)

/* One field: a C integer literal in [0, max], then optional space and
 * comments. */
static int field(struct fmt_cursor *c, uint64_t max, const char *what, uint64_t *out)
{
	struct fc_number num;

	if (fc_number(c, C_LITERAL, &num) < 0 || fc_to_unsigned(c, &num, max, what, out) < 0)
		return -1;
	return fc_skip_space_comments(c);
}

/* A comma between fields, with the space and comments after it. */
static int comma(struct fmt_cursor *c)
{
	if (fc_expect(c, ',', "','") < 0)
		return -1;
	return fc_skip_space_comments(c);
}

/* "{ code, jt, jf, k }" with the cursor on the '{'. */
static int record(struct fmt_cursor *c, struct cbpf_insn *in)
{
	if (fc_expect(c, '{', "'{' starting an instruction") < 0 ||
	    fc_skip_space_comments(c) < 0 || fc_record_fields(c, field, comma, in) < 0)
		return -1;
	return fc_expect(c, '}', "'}'");
}

static int parse_records(struct fmt_cursor *c, struct cbpf_prog *out)
{
	for (;;) {
		struct cbpf_insn in;
		unsigned line, col;

		if (fc_skip_space_comments(c) < 0)
			return -1;
		if (fc_at_end(c))
			return 0;
		line = c->line;
		col = fc_col(c);
		if (record(c, &in) < 0 || fc_push(c, out, in, line, col) < 0 ||
		    fc_skip_space_comments(c) < 0)
			return -1;
		if (fc_at_end(c))
			return 0;
		if (fc_expect(c, ',', "',' after '}'") < 0)
			return -1;
	}
}

int fmt_brace_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	return fc_parse_all(buf, len, out, d, parse_records);
}
