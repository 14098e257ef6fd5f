/*
 * insn_codec.c - lossless conversion between raw instructions and the typed
 * model. The opcode table says what each code means; this file only maps
 * fields. Nothing is canonicalised: jt, jf and k travel verbatim.
 */
#include "cbpf/insn.h"
#include "cbpf/opcode.h"

static int size_bits(enum cbpf_size s)
{
	switch (s) {
	case CBPF_SIZE_W: return CBPF_W;
	case CBPF_SIZE_H: return CBPF_H;
	case CBPF_SIZE_B: return CBPF_B;
	}
	return -1;
}

struct cbpf_typed cbpf_decode(struct cbpf_insn in)
{
	struct cbpf_typed t = {
		.kind = CBPF_KIND_INVALID, .size = CBPF_SIZE_W, .raw_code = in.code,
		.jt = in.jt, .jf = in.jf, .k = in.k,
	};
	const struct cbpf_opinfo *o = cbpf_opinfo(in.code);

	if (o == NULL)
		return t;
	t.kind = o->kind;
	t.reg = o->reg;
	t.size = o->size;
	t.alu = o->alu;
	t.jmp = o->jmp;
	t.src = o->src;
	if (o->kind == CBPF_KIND_LD_ABS) {
		int e = cbpf_ext_from_k(in.k);
		if (e >= 0) {
			t.kind = CBPF_KIND_LD_EXT;
			t.ext = (enum cbpf_ext)e;
		}
	}
	return t;
}

/* The opcode of a typed instruction, or -1 when its fields name none of the
 * 49 accepted opcodes. */
static int typed_code(const struct cbpf_typed *t)
{
	int sz = size_bits(t->size);
	int x = t->reg == CBPF_REG_X;
	int reg_ok = t->reg == CBPF_REG_A || x;

	switch (t->kind) {
	case CBPF_KIND_LD_IMM: return !reg_ok ? -1 : x ? 0x01 : 0x00;
	case CBPF_KIND_LD_LEN: return !reg_ok ? -1 : x ? 0x81 : 0x80;
	case CBPF_KIND_LD_MEM: return !reg_ok ? -1 : x ? 0x61 : 0x60;
	case CBPF_KIND_LD_ABS:
	case CBPF_KIND_LD_EXT: return sz < 0 ? -1 : CBPF_LD | CBPF_ABS | sz;
	case CBPF_KIND_LD_IND: return sz < 0 ? -1 : CBPF_LD | CBPF_IND | sz;
	case CBPF_KIND_LD_MSH: return 0xb1;
	case CBPF_KIND_ST: return !reg_ok ? -1 : x ? 0x03 : 0x02;
	case CBPF_KIND_ALU: return cbpf_code_for_alu(t->alu, t->src);
	case CBPF_KIND_NEG: return 0x84;
	case CBPF_KIND_JA: return 0x05;
	case CBPF_KIND_JCOND: return cbpf_code_for_jmp(t->jmp, t->src);
	case CBPF_KIND_RET:
		if (t->src == CBPF_SRC_K)
			return 0x06;
		return t->src == CBPF_SRC_A ? 0x16 : -1;
	case CBPF_KIND_TAX: return 0x07;
	case CBPF_KIND_TXA: return 0x87;
	case CBPF_KIND_INVALID:
	case CBPF_KIND_COUNT:
		break;
	}
	return -1;
}

struct cbpf_insn cbpf_encode(const struct cbpf_typed *t)
{
	struct cbpf_insn out = { t->raw_code, t->jt, t->jf, t->k };
	int code = typed_code(t);

	if (code < 0)
		return out;
	out.code = (uint16_t)code;
	if (t->kind == CBPF_KIND_LD_EXT && (unsigned)t->ext < CBPF_EXT_COUNT)
		out.k = cbpf_ext_k(t->ext);
	return out;
}
