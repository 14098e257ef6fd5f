/*
 * format/bpfasm/print.c - cbpf_asm_print(): a program as bpf_asm text, one
 * instruction per line, jump targets as labels `L<index>:`. What it prints
 * assembles (cbpf_asm_parse) to the identical bytes for every program:
 *   - an opcode Linux rejects prints as `.insn code, jt, jf, k`
 *     (except 0x0e, which bpf_asm spells `ret x`);
 *   - a nonzero field the opcode ignores prints as `{jt=.., jf=.., k=..}`;
 *   - a jump target outside the program prints as `+offset`.
 * The opcode table says what each code is and which fields it reads.
 *
 * Each instruction is written straight into the output buffer (room for
 * the longest line is made first), by helpers that take the write
 * position and return the new one: the fuzz targets print every program
 * twice, under sanitizer coverage, where each append through the strbuf
 * API costs several comparison callbacks.
 */
#include "cbpf/format.h"
#include "cbpf/opcode.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support/strbuf.h"

/* Room made for one instruction: its label line (`L` and up to 20 digits,
 * `:\n`), a tab, the longest operation (`jset x, L<20 digits>, L<20 digits>`
 * with ` {k=0xffffffff}`, or `.insn 0xffff, 255, 255, 0xffffffff`) and the
 * newline: 94 bytes. */
enum { LINE_ROOM = 128 };

/* is_target lives on the stack for programs up to this length. */
enum { SMALL_PROG = 256 };

struct printer {
	struct strbuf sb;
	const struct cbpf_insn *insns;
	size_t n;
	unsigned char *is_target; /* is_target[i]: some printed jump names L<i> */
};

/* ---- text ---- */

static char *put_mem(char *w, const char *s, size_t n)
{
	memcpy(w, s, n);
	return w + n;
}

/* A string literal. */
#define PUT(w, lit) put_mem(w, lit, sizeof(lit) - 1)

static char *put_str(char *w, const char *s)
{
	return put_mem(w, s, strlen(s));
}

/* ---- numbers ---- */

static char *put_dec(char *w, uint64_t v)
{
	char buf[24];
	char *q = buf + sizeof(buf);

	if (v < 10) {
		w[0] = (char)('0' + v);
		return w + 1;
	}
	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return put_mem(w, q, (size_t)(buf + sizeof(buf) - q));
}

/* The hex digit of d (0..15): (d + 6) >> 4 is 1 exactly from 10 on. */
static char hex_char(uint32_t d)
{
	return (char)('0' + d + ((d + 6) >> 4) * ('a' - '0' - 10));
}

static char *put_hex(char *w, uint32_t v)
{
	char buf[8];
	char *q = buf + sizeof(buf);

	w[0] = '0';
	w[1] = 'x';
	if (v < 16) {
		w[2] = hex_char(v);
		return w + 3;
	}
	do {
		*--q = hex_char(v & 0xf);
		v >>= 4;
	} while (v != 0);
	return put_mem(w + 2, q, (size_t)(buf + sizeof(buf) - q));
}

/* Offsets, counts and return values: decimal while small, else hex. */
static char *put_num(char *w, uint32_t v)
{
	if (v < 0x10000)
		return put_dec(w, v);
	return put_hex(w, v);
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
static char *put_target(const struct printer *pr, char *w, size_t i, uint32_t off)
{
	uint64_t dest = jump_dest(i, off);

	if (dest < pr->n) {
		w[0] = 'L';
		return put_dec(w + 1, dest);
	}
	w[0] = '+';
	return put_dec(w + 1, off);
}

/* ---- instructions ---- */

/* ` {jt=.., jf=.., k=..}` for the nonzero fields the opcode ignores. */
static char *put_annotation(char *w, struct cbpf_insn in, unsigned uses)
{
	bool jt = !(uses & CBPF_USES_JT) && in.jt != 0;
	bool jf = !(uses & CBPF_USES_JF) && in.jf != 0;
	bool k = !(uses & CBPF_USES_K) && in.k != 0;
	bool sep = false;

	if (!jt && !jf && !k)
		return w;
	w = PUT(w, " {");
	if (jt) {
		w = put_dec(PUT(w, "jt="), in.jt);
		sep = true;
	}
	if (jf) {
		if (sep)
			w = PUT(w, ", ");
		w = put_dec(PUT(w, "jf="), in.jf);
		sep = true;
	}
	if (k) {
		if (sep)
			w = PUT(w, ", ");
		w = put_hex(PUT(w, "k="), in.k);
	}
	w[0] = '}';
	return w + 1;
}

/* A code Linux rejects: `ret x` for 0x0e (bpf_asm's spelling; all its
 * fields are ignored), `.insn code, jt, jf, k` for the rest. */
static char *put_invalid(char *w, struct cbpf_insn in)
{
	if (in.code == (CBPF_RET | CBPF_RET_X))
		return put_annotation(PUT(w, "ret x"), in, 0);
	w = put_hex(PUT(w, ".insn "), in.code);
	w = put_dec(PUT(w, ", "), in.jt);
	w = put_dec(PUT(w, ", "), in.jf);
	return put_hex(PUT(w, ", "), in.k);
}

/* `#k` or `x`: hex for bitwise operations, decimal-while-small for the
 * arithmetic ones (as tcpdump -d does). */
static char *put_alu_src(char *w, const struct cbpf_typed *t)
{
	if (t->src == CBPF_SRC_X) {
		w[0] = 'x';
		return w + 1;
	}
	w[0] = '#';
	switch (t->alu) {
	case CBPF_ALU_AND:
	case CBPF_ALU_OR:
	case CBPF_ALU_XOR:
		return put_hex(w + 1, t->k);
	default:
		return put_num(w + 1, t->k);
	}
}

static char *put_jcond(const struct printer *pr, char *w, size_t i, const struct cbpf_typed *t)
{
	struct jcond_form f = jcond_form(t);

	w = put_str(w, f.name);
	if (t->src == CBPF_SRC_X)
		w = PUT(w, " x, ");
	else
		w = PUT(put_hex(PUT(w, " #"), t->k), ", ");
	if (f.show_jt)
		w = put_target(pr, w, i, t->jt);
	if (f.show_jt && f.show_jf)
		w = PUT(w, ", ");
	if (f.show_jf)
		w = put_target(pr, w, i, t->jf);
	return w;
}

/* The mnemonic and operands of a valid opcode (o is its table entry). */
static char *put_operation(const struct printer *pr, char *w, size_t i,
			   const struct cbpf_opinfo *o, const struct cbpf_typed *t)
{
	if (t->kind == CBPF_KIND_JCOND)
		return put_jcond(pr, w, i, t);
	w = put_str(w, o->asm_name);
	switch (t->kind) {
	case CBPF_KIND_LD_IMM:  /* A|X <- k */
		return put_hex(PUT(w, " #"), t->k);
	case CBPF_KIND_LD_LEN:  /* A|X <- len */
		return PUT(w, " #len");
	case CBPF_KIND_LD_MEM:  /* A|X <- M[k] */
	case CBPF_KIND_ST:      /* M[k] <- A|X */
		return PUT(put_num(PUT(w, " M["), t->k), "]");
	case CBPF_KIND_LD_ABS:  /* A <- P[k:size] */
		return PUT(put_num(PUT(w, " ["), t->k), "]");
	case CBPF_KIND_LD_IND:  /* A <- P[X+k:size] */
		return PUT(put_num(PUT(w, " [x+"), t->k), "]");
	case CBPF_KIND_LD_MSH:  /* X <- 4*(P[k:1]&0xf) */
		return PUT(put_num(PUT(w, " 4*(["), t->k), "]&0xf)");
	case CBPF_KIND_LD_EXT:  /* A <- ancillary; ldh/ldb keep their size bits */
		return put_str(PUT(w, " #"), cbpf_ext_asm_name(t->ext));
	case CBPF_KIND_ALU:     /* A <- A op (k|X) */
		return put_alu_src(PUT(w, " "), t);
	case CBPF_KIND_JA:      /* pc += k */
		return put_target(pr, PUT(w, " "), i, t->k);
	case CBPF_KIND_RET:     /* return k | A */
		if (t->src == CBPF_SRC_A)
			return PUT(w, " a");
		return put_num(PUT(w, " #"), t->k);
	default:                /* neg, tax, txa: no operand */
		return w;
	}
}

static char *put_insn(const struct printer *pr, char *w, size_t i)
{
	struct cbpf_insn in = pr->insns[i];
	const struct cbpf_opinfo *o = cbpf_opinfo(in.code);

	if (pr->is_target[i])
		w = PUT(put_dec(PUT(w, "L"), i), ":\n");
	w = PUT(w, "\t");
	if (o == NULL) {
		w = put_invalid(w, in);
	} else {
		struct cbpf_typed t = cbpf_decode(in);
		w = put_annotation(put_operation(pr, w, i, o, &t), in, o->uses);
	}
	return PUT(w, "\n");
}

char *cbpf_asm_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	struct printer pr = { .insns = insns, .n = n };
	unsigned char small[SMALL_PROG] = { 0 };

	if (outlen != NULL)
		*outlen = 0;
	if (insns == NULL && n > 0)
		return NULL;
	pr.is_target = n <= SMALL_PROG ? small : calloc(n, 1);
	if (pr.is_target == NULL)
		return NULL;
	mark_targets(&pr);
	/* A first guess at the size (lines average under 24 bytes), so that
	 * the buffer rarely grows. */
	char *w = sb_room(&pr.sb, (n < 65536 ? n : 65536) * 24 + LINE_ROOM);
	if (w != NULL)
		sb_commit(&pr.sb, w); /* "" for the empty program */
	for (size_t i = 0; i < n && w != NULL; i++) {
		w = sb_room(&pr.sb, LINE_ROOM);
		if (w != NULL)
			sb_commit(&pr.sb, put_insn(&pr, w, i));
	}
	if (pr.is_target != small)
		free(pr.is_target);
	return sb_finish(&pr.sb, outlen);
}
