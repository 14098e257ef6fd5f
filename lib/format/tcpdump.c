/*
 * format/tcpdump.c - the libpcap bpf_image() listing, as `tcpdump -d` prints
 * it, written and read back.
 *
 * One line per instruction:
 *   (NNN) mnem     operand                          plain instructions
 *   (NNN) jeq      #0x800           jt 2	jf 5      conditional jumps
 * with "(%03d) %-8s %s" and "(%03d) %-8s %-16s jt %d\tjf %d", jump targets
 * absolute (n+1+jt), `ja` printing its absolute target n+1+k as %d (u_int
 * arithmetic, so a backward ja, as libpcap's protochain code has, prints
 * a target at or before itself, and k = 0xffffffff at 0 prints "ja 0";
 * linux-semantics: pcap.line-format).
 *
 * Matches Debian 12's libpcap 1.10.3 byte for byte except in two places,
 * both as libpcap master does (tests/test_tcpdump_listing.c checks all of
 * it against the linked bpf_image()):
 *   - no trailing blanks after operand-less instructions (1.10.3 prints
 *     "tax      "; master 3d142fa6 drops them);
 *   - 0x81 prints as "ldx      #pktlen" (1.10.3 prints "unimp    0x81";
 *     master 324e001f added the case), because a listing that cannot be
 *     read back helps nobody (linux-semantics: pcap.trailing-blanks,
 *     pcap.unimp).
 *
 * What the printer writes the parser reads back: the same program, except
 * that the fields an opcode does not use read back as 0 (the listing does
 * not show them, and the kernel ignores them), and that `unimp` lines
 * (an invalid opcode, whose jt, jf and k the listing does not show) are
 * refused with "an 'unimp' line cannot be read back". Every ja target
 * reads back to its k (see ja_offset); a jt/jf target must be after its
 * line, as every printed one is. The one unimp exception is 1.10.3's
 * "unimp 0x81": ldx #pktlen uses no field, so it is read back as 0x81 like
 * our own "ldx #pktlen". tests/test_formats.c checks this over random
 * programs of any instructions.
 */
#include "cbpf/format.h"
#include "formats.h"
#include "cbpf/opcode.h"
#include "cursor.h"
#include "support/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* How an opcode's operand is spelled (derived from the opcode table's
 * kind and source; this file keeps no list of opcodes). */
enum operand_shape {
	OPD_NONE,    /* tax, txa, neg, ret (a) */
	OPD_IMM,     /* #0x%x or #%d */
	OPD_PKTLEN,  /* #pktlen */
	OPD_ABS,     /* [%d], or [name] for an extension */
	OPD_IND,     /* [x + %d] */
	OPD_MEM,     /* M[%d] */
	OPD_MSH,     /* 4*([%d]&0xf) */
	OPD_X,       /* x */
	OPD_TARGET,  /* ja: the absolute target, %d */
	OPD_EXT,     /* (parsed only) [name] */
	OPD_BARE_HEX /* (parsed only) unimp's 0x%x */
};

static enum operand_shape shape_of(const struct cbpf_opinfo *o)
{
	switch (o->kind) {
	case CBPF_KIND_LD_IMM: return OPD_IMM;
	case CBPF_KIND_LD_LEN: return OPD_PKTLEN;
	case CBPF_KIND_LD_MEM:
	case CBPF_KIND_ST: return OPD_MEM;
	case CBPF_KIND_LD_ABS:
	case CBPF_KIND_LD_EXT: return OPD_ABS;
	case CBPF_KIND_LD_IND: return OPD_IND;
	case CBPF_KIND_LD_MSH: return OPD_MSH;
	case CBPF_KIND_ALU:
	case CBPF_KIND_JCOND: return o->src == CBPF_SRC_K ? OPD_IMM : OPD_X;
	case CBPF_KIND_RET: return o->src == CBPF_SRC_K ? OPD_IMM : OPD_NONE;
	case CBPF_KIND_JA: return OPD_TARGET;
	case CBPF_KIND_NEG:
	case CBPF_KIND_TAX:
	case CBPF_KIND_TXA:
	case CBPF_KIND_INVALID:
	case CBPF_KIND_COUNT:
		break;
	}
	return OPD_NONE;
}

/* bpf_image prints immediates of loads, jumps and the bitwise ALU ops in
 * hex, the arithmetic ones and ret in signed decimal (linux-semantics:
 * pcap.operands). */
static int imm_is_hex(const struct cbpf_opinfo *o)
{
	if (o->kind == CBPF_KIND_ALU)
		return o->alu == CBPF_ALU_AND || o->alu == CBPF_ALU_OR || o->alu == CBPF_ALU_XOR;
	return o->kind == CBPF_KIND_LD_IMM || o->kind == CBPF_KIND_JCOND;
}

/* k as C's %d prints an int holding it (libpcap passes u_int k to %d). */
static long long as_signed(uint32_t k)
{
	return k > INT32_MAX ? (long long)k - 4294967296LL : (long long)k;
}

static void format_operand(char *out, size_t outlen, const struct cbpf_opinfo *o,
			   struct cbpf_insn in, size_t n)
{
	int ext;

	out[0] = '\0';
	switch (shape_of(o)) {
	case OPD_IMM:
		if (imm_is_hex(o))
			snprintf(out, outlen, "#0x%x", (unsigned)in.k);
		else
			snprintf(out, outlen, "#%lld", as_signed(in.k));
		return;
	case OPD_PKTLEN: snprintf(out, outlen, "#pktlen"); return;
	case OPD_ABS:
		ext = cbpf_ext_from_k(in.k);
		if (ext >= 0)
			snprintf(out, outlen, "[%s]", cbpf_ext_pcap_name((enum cbpf_ext)ext));
		else
			snprintf(out, outlen, "[%lld]", as_signed(in.k));
		return;
	case OPD_IND: snprintf(out, outlen, "[x + %lld]", as_signed(in.k)); return;
	case OPD_MEM: snprintf(out, outlen, "M[%lld]", as_signed(in.k)); return;
	case OPD_MSH: snprintf(out, outlen, "4*([%lld]&0xf)", as_signed(in.k)); return;
	case OPD_X: snprintf(out, outlen, "x"); return;
	case OPD_TARGET:
		/* u_int arithmetic n + 1 + k, printed with %d */
		snprintf(out, outlen, "%lld", as_signed((uint32_t)(n + 1) + in.k));
		return;
	case OPD_NONE:
	case OPD_EXT:
	case OPD_BARE_HEX:
		return;
	}
}

/* bpf_image() adds the jt/jf targets to every JMP-class code but ja, even
 * to an unknown one ("unimp    0x5d             jt 2\tjf 3"). */
static int shows_targets(uint16_t code)
{
	return CBPF_CLASS(code) == CBPF_JMP && CBPF_OP(code) != CBPF_JA;
}

static void print_one(struct strbuf *b, struct cbpf_insn in, size_t n)
{
	const struct cbpf_opinfo *o = cbpf_opinfo(in.code);
	const char *name = o != NULL ? o->pcap_name : "unimp";
	char operand[64];

	if (o != NULL)
		format_operand(operand, sizeof(operand), o, in, n);
	else
		snprintf(operand, sizeof(operand), "0x%x", (unsigned)in.code);
	if (shows_targets(in.code))
		sb_printf(b, "(%03zu) %-8s %-16s jt %zu\tjf %zu\n", n, name, operand,
			  n + 1 + in.jt, n + 1 + in.jf);
	else if (operand[0] == '\0')
		sb_printf(b, "(%03zu) %s\n", n, name);
	else
		sb_printf(b, "(%03zu) %-8s %s\n", n, name, operand);
}

char *fmt_tcpdump_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < n; i++)
		print_one(&b, insns[i], i);
	return sb_finish(&b, outlen);
}

/* ---- parser ---- */

/* One listing line, split into its parts. */
struct listing_line {
	unsigned line;
	unsigned mnem_col, operand_col, jt_col, jf_col;
	const char *mnem;
	size_t mnem_len;
	enum operand_shape shape;
	uint32_t k;        /* the operand's number (or extension k) */
	int has_jumps;
	uint64_t jt_target, jf_target;
	uint64_t target;   /* OPD_TARGET */
	int target_neg;
};

/* [%d], [name], [x + %d] after the '['. */
static int parse_bracket(struct fmt_cursor *c, struct listing_line *l)
{
	struct fc_number num;
	size_t id;

	fc_skip_blanks(c);
	if (fc_accept_word(c, "x")) {
		fc_skip_blanks(c);
		if (fc_expect(c, '+', "'+' after 'x'") < 0)
			return -1;
		fc_skip_blanks(c);
		l->shape = OPD_IND;
	} else if ((id = fc_ident_len(c)) > 0) {
		int found = -1;
		for (int e = 0; e < CBPF_EXT_COUNT; e++) {
			const char *name = cbpf_ext_pcap_name((enum cbpf_ext)e);
			if (strlen(name) == id && memcmp(name, c->p, id) == 0)
				found = e;
		}
		if (found < 0)
			return fc_error(c, "unknown extension '%.*s'", (int)id, c->p);
		c->p += id;
		l->shape = OPD_EXT;
		l->k = cbpf_ext_k((enum cbpf_ext)found);
		fc_skip_blanks(c);
		return fc_expect(c, ']', "']'");
	} else {
		l->shape = OPD_ABS;
	}
	if (fc_number(c, FC_DEC | FC_HEX | FC_MINUS, &num) < 0 ||
	    fc_to_u32_signed(c, &num, "offset", &l->k) < 0)
		return -1;
	fc_skip_blanks(c);
	return fc_expect(c, ']', "']'");
}

/* M[%d] after the 'M'. */
static int parse_mem(struct fmt_cursor *c, struct listing_line *l)
{
	struct fc_number num;

	fc_skip_blanks(c);
	if (fc_expect(c, '[', "'[' after 'M'") < 0)
		return -1;
	fc_skip_blanks(c);
	if (fc_number(c, FC_DEC | FC_HEX | FC_MINUS, &num) < 0 ||
	    fc_to_u32_signed(c, &num, "scratch index", &l->k) < 0)
		return -1;
	fc_skip_blanks(c);
	l->shape = OPD_MEM;
	return fc_expect(c, ']', "']'");
}

/* 4*([%d]&0xf) after the "4*(". */
static int parse_msh(struct fmt_cursor *c, struct listing_line *l)
{
	struct fc_number num;

	fc_skip_blanks(c);
	if (fc_expect(c, '[', "'['") < 0)
		return -1;
	fc_skip_blanks(c);
	if (fc_number(c, FC_DEC | FC_HEX | FC_MINUS, &num) < 0 ||
	    fc_to_u32_signed(c, &num, "offset", &l->k) < 0)
		return -1;
	fc_skip_blanks(c);
	if (fc_expect(c, ']', "']'") < 0)
		return -1;
	fc_skip_blanks(c);
	if (fc_expect(c, '&', "'&0xf)'") < 0)
		return -1;
	fc_skip_blanks(c);
	if (!fc_accept_word(c, "0xf") && !fc_accept_word(c, "0xF"))
		return fc_error(c, "expected '0xf' in 4*([k]&0xf)");
	fc_skip_blanks(c);
	l->shape = OPD_MSH;
	return fc_expect(c, ')', "')'");
}

static int parse_operand(struct fmt_cursor *c, struct listing_line *l)
{
	struct fc_number num;
	char tmp[16];
	int ch = fc_peek(c);

	l->operand_col = fc_col(c);
	if (ch == '#') {
		c->p++;
		if (fc_accept_word(c, "pktlen")) {
			l->shape = OPD_PKTLEN;
			return 0;
		}
		l->shape = OPD_IMM;
		if (fc_number(c, FC_DEC | FC_HEX | FC_MINUS, &num) < 0)
			return -1;
		return fc_to_u32_signed(c, &num, "immediate", &l->k);
	}
	if (ch == '[') {
		c->p++;
		return parse_bracket(c, l);
	}
	if (fc_accept_word(c, "M"))
		return parse_mem(c, l);
	if (fc_accept_word(c, "x")) {
		l->shape = OPD_X;
		return 0;
	}
	if (fc_accept(c, "4*("))
		return parse_msh(c, l);
	if (ch == '-' || (ch >= '0' && ch <= '9')) {
		int hex = ch == '0' && c->end - c->p > 1 && (c->p[1] == 'x' || c->p[1] == 'X');
		if (fc_number(c, FC_DEC | FC_HEX | FC_MINUS, &num) < 0)
			return -1;
		l->shape = hex ? OPD_BARE_HEX : OPD_TARGET;
		l->target = num.mag;
		l->target_neg = num.neg;
		return 0;
	}
	return fc_error(c, "unexpected %s in operand", fc_describe(c, tmp, sizeof(tmp)));
}

static int parse_target(struct fmt_cursor *c, const char *word, unsigned *col, uint64_t *out)
{
	struct fc_number num;

	fc_skip_blanks(c);
	if (!fc_accept_word(c, word))
		return fc_error(c, "expected '%s'", word);
	fc_skip_blanks(c);
	*col = fc_col(c);
	if (fc_number(c, FC_DEC | FC_MINUS, &num) < 0)
		return -1;
	if (num.neg && num.mag != 0)
		return fc_error_at(c, num.line, num.col, "negative jump target");
	*out = num.mag;
	return 0;
}

/* "(NNN) mnem [operand] [jt N jf N]" up to the end of the line. */
static int parse_line(struct fmt_cursor *c, struct listing_line *l, size_t index)
{
	struct fc_number num;
	char tmp[16];

	memset(l, 0, sizeof(*l));
	l->line = c->line;
	if (fc_expect(c, '(', "'(' starting an instruction line") < 0)
		return -1;
	fc_skip_blanks(c);
	if (fc_number(c, FC_DEC, &num) < 0)
		return -1;
	if (num.mag != index)
		return fc_error_at(c, num.line, num.col,
				   "instruction number %llu out of sequence (expected %zu)",
				   (unsigned long long)num.mag, index);
	fc_skip_blanks(c);
	if (fc_expect(c, ')', "')'") < 0)
		return -1;
	fc_skip_blanks(c);
	l->mnem_col = fc_col(c);
	l->mnem_len = fc_ident_len(c);
	if (l->mnem_len == 0)
		return fc_error(c, "expected an instruction name, found %s",
				fc_describe(c, tmp, sizeof(tmp)));
	l->mnem = c->p;
	c->p += l->mnem_len;
	l->shape = OPD_NONE;
	l->operand_col = fc_col(c);
	fc_skip_blanks(c);
	if (!fc_at_eol(c) && !(fc_peek(c) == 'j' && fc_ident_len(c) == 2 &&
			       c->p[1] == 't')) {
		if (parse_operand(c, l) < 0)
			return -1;
		fc_skip_blanks(c);
	}
	if (fc_peek(c) == 'j') {
		l->has_jumps = 1;
		if (parse_target(c, "jt", &l->jt_col, &l->jt_target) < 0 ||
		    parse_target(c, "jf", &l->jf_col, &l->jf_target) < 0)
			return -1;
	}
	if (!fc_at_eol(c))
		return fc_error(c, "unexpected %s after the instruction",
				fc_describe(c, tmp, sizeof(tmp)));
	return 0;
}

static int mnem_is(const struct listing_line *l, const char *name)
{
	return strlen(name) == l->mnem_len && memcmp(name, l->mnem, l->mnem_len) == 0;
}

/* The opcode whose libpcap name and operand shape match the line. */
static const struct cbpf_opinfo *find_opcode(const struct listing_line *l, int *name_known)
{
	enum operand_shape want = l->shape == OPD_EXT ? OPD_ABS : l->shape;

	*name_known = 0;
	for (size_t i = 0; i < CBPF_NOPCODES; i++) {
		const struct cbpf_opinfo *o = cbpf_opinfo_at(i);
		if (!mnem_is(l, o->pcap_name))
			continue;
		*name_known = 1;
		if (shape_of(o) == want)
			return o;
	}
	return NULL;
}

/* target - (index + 1), which must be in [0, max]. */
static int relative(struct fmt_cursor *c, unsigned line, unsigned col, uint64_t target,
		    size_t index, uint64_t max, uint64_t *out)
{
	uint64_t next = (uint64_t)index + 1;

	if (target < next)
		return fc_error_at(c, line, col,
				   "jump target %llu is not after this instruction (the next is %llu)",
				   (unsigned long long)target, (unsigned long long)next);
	if (target - next > max)
		return fc_error_at(c, line, col, "jump target %llu is too far (at most %llu)",
				   (unsigned long long)target, (unsigned long long)(next + max));
	*out = target - next;
	return 0;
}

/* ja: bpf_image prints the u_int n + 1 + k with %d, so every int is a
 * target some k prints as (k = target - (n + 1) mod 2^32): forward, back
 * (libpcap's protochain code jumps back), beyond the end or negative. */
static int ja_offset(struct fmt_cursor *c, const struct listing_line *l, size_t index,
		     struct cbpf_insn *in)
{
	uint32_t target;

	if (l->has_jumps)
		return fc_error_at(c, l->line, l->jt_col, "only conditional jumps have jt/jf targets");
	if (l->target > (l->target_neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
		return fc_error_at(c, l->line, l->operand_col,
				   "jump target %s%llu is out of range (libpcap prints an int: "
				   "-2147483648..2147483647)",
				   l->target_neg ? "-" : "", (unsigned long long)l->target);
	target = l->target_neg ? 0u - (uint32_t)l->target : (uint32_t)l->target;
	in->k = target - (uint32_t)(index + 1);
	return 0;
}

static int jump_fields(struct fmt_cursor *c, const struct listing_line *l,
		       const struct cbpf_opinfo *o, size_t index, struct cbpf_insn *in)
{
	uint64_t jt = 0, jf = 0; /* set by relative(); zeroed for -O2 -Wmaybe-uninitialized */

	if (o->kind == CBPF_KIND_JA)
		return ja_offset(c, l, index, in);
	if (o->kind != CBPF_KIND_JCOND) {
		if (l->has_jumps)
			return fc_error_at(c, l->line, l->jt_col,
					   "only conditional jumps have jt/jf targets");
		return 0;
	}
	if (!l->has_jumps)
		return fc_error_at(c, l->line, l->mnem_col, "'%s' needs 'jt N' and 'jf N' targets",
				   o->pcap_name);
	if (relative(c, l->line, l->jt_col, l->jt_target, index, UINT8_MAX, &jt) < 0 ||
	    relative(c, l->line, l->jf_col, l->jf_target, index, UINT8_MAX, &jf) < 0)
		return -1;
	in->jt = (uint8_t)jt;
	in->jf = (uint8_t)jf;
	return 0;
}

/* "unimp 0xCODE": only a known opcode that reads no field (0x81, which
 * libpcap 1.10.3 cannot name) loses nothing in the listing. */
static int unimp_insn(struct fmt_cursor *c, const struct listing_line *l, struct cbpf_insn *in)
{
	const struct cbpf_opinfo *o = NULL;

	if (l->shape == OPD_BARE_HEX && l->target <= UINT16_MAX && !l->has_jumps)
		o = cbpf_opinfo((uint16_t)l->target);
	if (o == NULL || o->uses != 0)
		return fc_error_at(c, l->line, l->mnem_col,
				   "an 'unimp' line cannot be read back (the listing does not show "
				   "its jt, jf and k)");
	memset(in, 0, sizeof(*in));
	in->code = o->code;
	return 0;
}

static int build_insn(struct fmt_cursor *c, const struct listing_line *l, size_t index,
		      struct cbpf_insn *in)
{
	const struct cbpf_opinfo *o;
	int name_known;

	if (mnem_is(l, "unimp"))
		return unimp_insn(c, l, in);
	o = find_opcode(l, &name_known);
	if (o == NULL && !name_known)
		return fc_error_at(c, l->line, l->mnem_col, "unknown instruction '%.*s'",
				   (int)l->mnem_len, l->mnem);
	if (o == NULL)
		return fc_error_at(c, l->line, l->operand_col, "invalid operand for '%.*s'",
				   (int)l->mnem_len, l->mnem);
	memset(in, 0, sizeof(*in));
	in->code = o->code;
	if (o->uses & CBPF_USES_K)
		in->k = l->k;
	return jump_fields(c, l, o, index, in);
}

int fmt_tcpdump_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	struct fmt_cursor c;

	fc_init(&c, buf, len, d);
	for (;;) {
		struct listing_line l;
		struct cbpf_insn in;

		fc_skip_space(&c);
		if (fc_at_end(&c))
			return 0;
		if (parse_line(&c, &l, out->len) < 0 || build_insn(&c, &l, out->len, &in) < 0 ||
		    fc_push(&c, out, in, l.line, 1) < 0) {
			cbpf_prog_free(out);
			return -1;
		}
		fc_newline(&c);
	}
}
