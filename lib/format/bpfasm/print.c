/*
 * format/bpfasm/print.c - fmt_bpfasm_print(): a program as bpf_asm text, one
 * instruction per line, jump targets as labels `L<index>:`. What it prints
 * assembles (fmt_bpfasm_parse) to the identical bytes for every program:
 *   - an opcode Linux rejects prints as `.insn code, jt, jf, k`
 *     (except 0x0e, which bpf_asm spells `ret x`);
 *   - a nonzero field the opcode ignores prints as `{jt=.., jf=.., k=..}`;
 *   - a jump target outside the program prints as `+offset`.
 * The opcode table says what each code is and which fields it reads.
 */
#include "cbpf/format.h"
#include "format/formats.h"
#include "cbpf/opcode.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "support/strbuf.h"

/* is_target lives on the stack for programs up to this length. */
enum { SMALL_PROG = 256 };

struct printer {
	struct strbuf *sb;
	const struct cbpf_insn *insns;
	size_t n;
	unsigned char *is_target; /* is_target[i]: some printed jump names L<i> */
};

/* ---- numbers ---- */

/* Digits are written backwards from the end of a local buffer. */
static void put_dec(struct strbuf *b, uint64_t v)
{
	char buf[20];
	char *end = buf + sizeof(buf), *q = end;

	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	sb_putn(b, q, (size_t)(end - q));
}

static void put_hex(struct strbuf *b, uint32_t v)
{
	char buf[10];
	char *end = buf + sizeof(buf), *q = end;

	do {
		*--q = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v != 0);
	*--q = 'x';
	*--q = '0';
	sb_putn(b, q, (size_t)(end - q));
}

/* Offsets, counts and return values: decimal while small, else hex. */
static void put_num(struct strbuf *b, uint32_t v)
{
	if (v < 0x10000)
		put_dec(b, v);
	else
		put_hex(b, v);
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
		pr->is_target[dest] = 1;
}

static void mark_targets(struct printer *pr)
{
	for (size_t i = 0; i < pr->n; i++) {
		if ((pr->insns[i].code & 0x07) != CBPF_JMP)
			continue; /* only the jump class has targets */
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
static void put_target(const struct printer *pr, size_t i, uint32_t off)
{
	uint64_t dest = jump_dest(i, off);

	if (dest < pr->n) {
		sb_putc(pr->sb, 'L');
		put_dec(pr->sb, dest);
	} else {
		sb_putc(pr->sb, '+');
		put_dec(pr->sb, off);
	}
}

/* ---- instructions ---- */

/* ` {jt=.., jf=.., k=..}` for the nonzero fields the opcode ignores. */
static void put_annotation(struct strbuf *b, struct cbpf_insn in, unsigned uses)
{
	bool jt = !(uses & CBPF_USES_JT) && in.jt != 0;
	bool jf = !(uses & CBPF_USES_JF) && in.jf != 0;
	bool k = !(uses & CBPF_USES_K) && in.k != 0;

	if (!jt && !jf && !k)
		return;
	sb_puts(b, " {");
	if (jt) {
		sb_puts(b, "jt=");
		put_dec(b, in.jt);
	}
	if (jf) {
		sb_puts(b, jt ? ", jf=" : "jf=");
		put_dec(b, in.jf);
	}
	if (k) {
		sb_puts(b, jt || jf ? ", k=" : "k=");
		put_hex(b, in.k);
	}
	sb_putc(b, '}');
}

/* A code Linux rejects: `ret x` for 0x0e (bpf_asm's spelling; all its
 * fields are ignored), `.insn code, jt, jf, k` for the rest. */
static void put_invalid(struct strbuf *b, struct cbpf_insn in)
{
	if (in.code == (CBPF_RET | CBPF_RET_X)) {
		sb_puts(b, "ret x");
		put_annotation(b, in, 0);
		return;
	}
	sb_puts(b, ".insn ");
	put_hex(b, in.code);
	sb_puts(b, ", ");
	put_dec(b, in.jt);
	sb_puts(b, ", ");
	put_dec(b, in.jf);
	sb_puts(b, ", ");
	put_hex(b, in.k);
}

/* ` #k` or ` x`: hex for bitwise operations, decimal-while-small for the
 * arithmetic ones (as tcpdump -d does). */
static void put_alu_src(struct strbuf *b, const struct cbpf_typed *t)
{
	if (t->src == CBPF_SRC_X) {
		sb_puts(b, " x");
		return;
	}
	sb_puts(b, " #");
	switch (t->alu) {
	case CBPF_ALU_AND:
	case CBPF_ALU_OR:
	case CBPF_ALU_XOR:
		put_hex(b, t->k);
		break;
	default:
		put_num(b, t->k);
		break;
	}
}

static void put_jcond(const struct printer *pr, size_t i, const struct cbpf_typed *t)
{
	struct jcond_form f = jcond_form(t);

	sb_puts(pr->sb, f.name);
	if (t->src == CBPF_SRC_X) {
		sb_puts(pr->sb, " x, ");
	} else {
		sb_puts(pr->sb, " #");
		put_hex(pr->sb, t->k);
		sb_puts(pr->sb, ", ");
	}
	if (f.show_jt)
		put_target(pr, i, t->jt);
	if (f.show_jt && f.show_jf)
		sb_puts(pr->sb, ", ");
	if (f.show_jf)
		put_target(pr, i, t->jf);
}

/* `PREFIX<number>SUFFIX`, the number as put_num writes it. */
static void put_bracketed(struct strbuf *b, const char *prefix, uint32_t v, const char *suffix)
{
	sb_puts(b, prefix);
	put_num(b, v);
	sb_puts(b, suffix);
}

/* The mnemonic and operands of a valid opcode (o is its table entry). */
static void put_operation(const struct printer *pr, size_t i, const struct cbpf_opinfo *o,
			  const struct cbpf_typed *t)
{
	struct strbuf *b = pr->sb;

	if (t->kind == CBPF_KIND_JCOND) {
		put_jcond(pr, i, t);
		return;
	}
	sb_puts(b, o->asm_name);
	switch (t->kind) {
	case CBPF_KIND_LD_IMM:  /* A|X <- k */
		sb_puts(b, " #");
		put_hex(b, t->k);
		break;
	case CBPF_KIND_LD_LEN:  /* A|X <- len */
		sb_puts(b, " #len");
		break;
	case CBPF_KIND_LD_MEM:  /* A|X <- M[k] */
	case CBPF_KIND_ST:      /* M[k] <- A|X */
		put_bracketed(b, " M[", t->k, "]");
		break;
	case CBPF_KIND_LD_ABS:  /* A <- P[k:size] */
		put_bracketed(b, " [", t->k, "]");
		break;
	case CBPF_KIND_LD_IND:  /* A <- P[X+k:size] */
		put_bracketed(b, " [x+", t->k, "]");
		break;
	case CBPF_KIND_LD_MSH:  /* X <- 4*(P[k:1]&0xf) */
		put_bracketed(b, " 4*([", t->k, "]&0xf)");
		break;
	case CBPF_KIND_LD_EXT:  /* A <- ancillary; ldh/ldb keep their size bits */
		sb_puts(b, " #");
		sb_puts(b, cbpf_ext_asm_name(t->ext));
		break;
	case CBPF_KIND_ALU:     /* A <- A op (k|X) */
		put_alu_src(b, t);
		break;
	case CBPF_KIND_JA:      /* pc += k */
		sb_putc(b, ' ');
		put_target(pr, i, t->k);
		break;
	case CBPF_KIND_RET:     /* return k | A */
		if (t->src == CBPF_SRC_A)
			sb_puts(b, " a");
		else
			put_bracketed(b, " #", t->k, "");
		break;
	default:                /* neg, tax, txa: no operand */
		break;
	}
}

static void put_insn(const struct printer *pr, size_t i)
{
	struct cbpf_insn in = pr->insns[i];
	const struct cbpf_opinfo *o = cbpf_opinfo(in.code);

	if (pr->is_target[i]) {
		sb_putc(pr->sb, 'L');
		put_dec(pr->sb, i);
		sb_puts(pr->sb, ":\n");
	}
	sb_putc(pr->sb, '\t');
	if (o == NULL) {
		put_invalid(pr->sb, in);
	} else {
		struct cbpf_typed t = cbpf_decode(in);
		put_operation(pr, i, o, &t);
		put_annotation(pr->sb, in, o->uses);
	}
	sb_putc(pr->sb, '\n');
}

char *fmt_bpfasm_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	struct strbuf sb = { 0 };
	struct printer pr = { .sb = &sb, .insns = insns, .n = n };
	unsigned char small[SMALL_PROG] = { 0 };

	if (outlen != NULL)
		*outlen = 0;
	if (insns == NULL && n > 0)
		return NULL;
	pr.is_target = n <= SMALL_PROG ? small : calloc(n, 1);
	if (pr.is_target == NULL)
		return NULL;
	mark_targets(&pr);
	for (size_t i = 0; i < n; i++)
		put_insn(&pr, i);
	if (pr.is_target != small)
		free(pr.is_target);
	return sb_finish(&sb, outlen);
}
