/*
 * asm_print.c - cbpf_asm_print(): a program as bpf_asm text, one
 * instruction per line, jump targets as labels `L<index>:`. What it prints
 * assembles (cbpf_asm_parse) to the identical bytes for every program:
 *   - an opcode Linux rejects prints as `.insn code, jt, jf, k`
 *     (except 0x0e, which bpf_asm spells `ret x`);
 *   - a nonzero field the opcode ignores prints as `{jt=.., jf=.., k=..}`;
 *   - a jump target outside the program prints as `+offset`.
 * The opcode table says what each code is and which fields it reads.
 */
#include "cbpf/format.h"
#include "cbpf/opcode.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "strbuf.h"

struct printer {
	struct strbuf sb;
	const struct cbpf_insn *insns;
	size_t n;
	bool *is_target; /* is_target[i]: some printed jump names L<i> */
};

/* ---- numbers ---- */

static void put_dec(struct strbuf *sb, uint64_t v)
{
	char buf[24];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	sb_putn(sb, buf + i, sizeof(buf) - i);
}

static void put_hex(struct strbuf *sb, uint32_t v)
{
	char buf[12];
	size_t i = sizeof(buf);

	do {
		buf[--i] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v != 0);
	buf[--i] = 'x';
	buf[--i] = '0';
	sb_putn(sb, buf + i, sizeof(buf) - i);
}

/* Offsets, counts and return values: decimal while small, else hex. */
static void put_num(struct strbuf *sb, uint32_t v)
{
	if (v < 0x10000)
		put_dec(sb, v);
	else
		put_hex(sb, v);
}

/* ---- jumps ---- */

/* The spelling of a conditional jump whose true branch is the next
 * instruction (jt == 0): bpf_asm's virtual jumps, target in jf. */
static const char *const negated_jump[CBPF_JMP_COUNT] = {
	[CBPF_JMP_JEQ] = "jne",
	[CBPF_JMP_JGT] = "jle",
	[CBPF_JMP_JGE] = "jlt",
};

/* Which targets a conditional jump prints: `j Lt` when jf == 0 (jf
 * omitted means 0), `jne Lf` when jt == 0 and a negated form exists,
 * `j Lt, Lf` otherwise. */
struct jcond_form {
	const char *name;
	bool show_jt;
	bool show_jf;
};

static struct jcond_form jcond_form(const struct cbpf_typed *t)
{
	if (t->jf == 0)
		return (struct jcond_form){ cbpf_jmp_name(t->jmp), true, false };
	if (t->jt == 0 && negated_jump[t->jmp] != NULL)
		return (struct jcond_form){ negated_jump[t->jmp], false, true };
	return (struct jcond_form){ cbpf_jmp_name(t->jmp), true, true };
}

/* The instruction a jump at i with offset off lands on (may be >= n). */
static uint64_t jump_dest(size_t i, uint32_t off)
{
	return (uint64_t)i + 1 + off;
}

static void mark(struct printer *pr, size_t i, uint32_t off)
{
	uint64_t dest = jump_dest(i, off);

	if (dest < pr->n)
		pr->is_target[dest] = true;
}

static void mark_targets(struct printer *pr)
{
	for (size_t i = 0; i < pr->n; i++) {
		struct cbpf_typed t = cbpf_decode(pr->insns[i]);
		if (t.kind == CBPF_KIND_JA) {
			mark(pr, i, t.k);
		} else if (t.kind == CBPF_KIND_JCOND) {
			struct jcond_form f = jcond_form(&t);
			if (f.show_jt)
				mark(pr, i, t.jt);
			if (f.show_jf)
				mark(pr, i, t.jf);
		}
	}
}

/* A label for a target inside the program, else the raw offset `+N`. */
static void put_target(struct printer *pr, size_t i, uint32_t off)
{
	uint64_t dest = jump_dest(i, off);

	if (dest < pr->n) {
		sb_putc(&pr->sb, 'L');
		put_dec(&pr->sb, dest);
	} else {
		sb_putc(&pr->sb, '+');
		put_dec(&pr->sb, off);
	}
}

/* ---- instructions ---- */

/* ` {jt=.., jf=.., k=..}` for the nonzero fields the opcode ignores. */
static void put_annotation(struct strbuf *sb, struct cbpf_insn in, unsigned uses)
{
	bool jt = !(uses & CBPF_USES_JT) && in.jt != 0;
	bool jf = !(uses & CBPF_USES_JF) && in.jf != 0;
	bool k = !(uses & CBPF_USES_K) && in.k != 0;
	const char *sep = " {";

	if (!jt && !jf && !k)
		return;
	if (jt) {
		sb_puts(sb, " {jt=");
		put_dec(sb, in.jt);
		sep = ", ";
	}
	if (jf) {
		sb_puts(sb, sep);
		sb_puts(sb, "jf=");
		put_dec(sb, in.jf);
		sep = ", ";
	}
	if (k) {
		sb_puts(sb, sep);
		sb_puts(sb, "k=");
		put_hex(sb, in.k);
	}
	sb_putc(sb, '}');
}

/* A code Linux rejects: `ret x` for 0x0e (bpf_asm's spelling; all its
 * fields are ignored), `.insn code, jt, jf, k` for the rest. */
static void put_invalid(struct strbuf *sb, struct cbpf_insn in)
{
	if (in.code == (CBPF_RET | CBPF_RET_X)) {
		sb_puts(sb, "ret x");
		put_annotation(sb, in, 0);
		return;
	}
	sb_puts(sb, ".insn ");
	put_hex(sb, in.code);
	sb_puts(sb, ", ");
	put_dec(sb, in.jt);
	sb_puts(sb, ", ");
	put_dec(sb, in.jf);
	sb_puts(sb, ", ");
	put_hex(sb, in.k);
}

/* `#k` or `x`: hex for bitwise operations, decimal-while-small for the
 * arithmetic ones (as tcpdump -d does). */
static void put_alu_src(struct strbuf *sb, const struct cbpf_typed *t)
{
	if (t->src == CBPF_SRC_X) {
		sb_putc(sb, 'x');
		return;
	}
	sb_putc(sb, '#');
	if (t->alu == CBPF_ALU_AND || t->alu == CBPF_ALU_OR || t->alu == CBPF_ALU_XOR)
		put_hex(sb, t->k);
	else
		put_num(sb, t->k);
}

static void put_jcond(struct printer *pr, size_t i, const struct cbpf_typed *t)
{
	struct jcond_form f = jcond_form(t);
	struct strbuf *sb = &pr->sb;

	sb_puts(sb, f.name);
	if (t->src == CBPF_SRC_X) {
		sb_puts(sb, " x, ");
	} else {
		sb_puts(sb, " #");
		put_hex(sb, t->k);
		sb_puts(sb, ", ");
	}
	if (f.show_jt)
		put_target(pr, i, t->jt);
	if (f.show_jt && f.show_jf)
		sb_puts(sb, ", ");
	if (f.show_jf)
		put_target(pr, i, t->jf);
}

/* The mnemonic and operands of a valid opcode (o is its table entry). */
static void put_operation(struct printer *pr, size_t i, const struct cbpf_opinfo *o,
			  const struct cbpf_typed *t)
{
	struct strbuf *sb = &pr->sb;

	if (t->kind == CBPF_KIND_JCOND) {
		put_jcond(pr, i, t);
		return;
	}
	sb_puts(sb, o->asm_name);
	switch (t->kind) {
	case CBPF_KIND_LD_IMM:  /* A|X <- k */
		sb_puts(sb, " #");
		put_hex(sb, t->k);
		break;
	case CBPF_KIND_LD_LEN:  /* A|X <- len */
		sb_puts(sb, " #len");
		break;
	case CBPF_KIND_LD_MEM:  /* A|X <- M[k] */
	case CBPF_KIND_ST:      /* M[k] <- A|X */
		sb_puts(sb, " M[");
		put_num(sb, t->k);
		sb_putc(sb, ']');
		break;
	case CBPF_KIND_LD_ABS:  /* A <- P[k:size] */
		sb_puts(sb, " [");
		put_num(sb, t->k);
		sb_putc(sb, ']');
		break;
	case CBPF_KIND_LD_IND:  /* A <- P[X+k:size] */
		sb_puts(sb, " [x+");
		put_num(sb, t->k);
		sb_putc(sb, ']');
		break;
	case CBPF_KIND_LD_MSH:  /* X <- 4*(P[k:1]&0xf) */
		sb_puts(sb, " 4*([");
		put_num(sb, t->k);
		sb_puts(sb, "]&0xf)");
		break;
	case CBPF_KIND_LD_EXT:  /* A <- ancillary; ldh/ldb keep their size bits */
		sb_puts(sb, " #");
		sb_puts(sb, cbpf_ext_asm_name(t->ext));
		break;
	case CBPF_KIND_ALU:     /* A <- A op (k|X) */
		sb_putc(sb, ' ');
		put_alu_src(sb, t);
		break;
	case CBPF_KIND_JA:      /* pc += k */
		sb_putc(sb, ' ');
		put_target(pr, i, t->k);
		break;
	case CBPF_KIND_RET:     /* return k | A */
		if (t->src == CBPF_SRC_A) {
			sb_puts(sb, " a");
		} else {
			sb_puts(sb, " #");
			put_num(sb, t->k);
		}
		break;
	default:                /* neg, tax, txa: no operand */
		break;
	}
}

static void put_insn(struct printer *pr, size_t i)
{
	struct cbpf_insn in = pr->insns[i];
	const struct cbpf_opinfo *o = cbpf_opinfo(in.code);

	if (pr->is_target[i]) {
		sb_putc(&pr->sb, 'L');
		put_dec(&pr->sb, i);
		sb_puts(&pr->sb, ":\n");
	}
	sb_putc(&pr->sb, '\t');
	if (o == NULL) {
		put_invalid(&pr->sb, in);
	} else {
		struct cbpf_typed t = cbpf_decode(in);
		put_operation(pr, i, o, &t);
		put_annotation(&pr->sb, in, o->uses);
	}
	sb_putc(&pr->sb, '\n');
}

char *cbpf_asm_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	struct printer pr = { .insns = insns, .n = n };

	if (outlen != NULL)
		*outlen = 0;
	if (insns == NULL && n > 0)
		return NULL;
	pr.is_target = calloc(n ? n : 1, sizeof(bool));
	if (pr.is_target == NULL)
		return NULL;
	mark_targets(&pr);
	for (size_t i = 0; i < n; i++)
		put_insn(&pr, i);
	free(pr.is_target);
	return sb_finish(&pr.sb, outlen);
}
