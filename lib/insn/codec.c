/*
 * insn/codec.c - lossless conversion between raw instructions and the typed
 * model. The opcode table says what each code means; this file only maps
 * fields. Nothing is canonicalised: jt, jf and k travel verbatim.
 *
 * The ALU and jump opcodes are built from two small tables instead of
 * cbpf_code_for_alu/jmp's search of the opcode table (tests/test_codec.c
 * checks that both agree): the fuzz targets encode every instruction.
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
	const struct cbpf_opinfo *entry = cbpf_opinfo(in.code);

	if (entry == NULL)
		return t;
	struct cbpf_opinfo o = *entry; /* one checked read, not one per field */
	t.kind = o.kind;
	t.reg = o.reg;
	t.size = o.size;
	t.alu = o.alu;
	t.jmp = o.jmp;
	t.src = o.src;
	if (o.kind == CBPF_KIND_LD_ABS) {
		int e = cbpf_ext_from_k(in.k);
		if (e >= 0) {
			t.kind = CBPF_KIND_LD_EXT;
			t.ext = (enum cbpf_ext)e;
		}
	}
	return t;
}

/* The K-source opcodes of the ALU operations and conditional jumps; the
 * X-source one adds CBPF_X (0x08). */
static const uint8_t alu_k_code[CBPF_ALU_COUNT] = {
	[CBPF_ALU_ADD] = 0x04, [CBPF_ALU_SUB] = 0x14, [CBPF_ALU_MUL] = 0x24,
	[CBPF_ALU_DIV] = 0x34, [CBPF_ALU_MOD] = 0x94, [CBPF_ALU_AND] = 0x54,
	[CBPF_ALU_OR] = 0x44,  [CBPF_ALU_XOR] = 0xa4, [CBPF_ALU_LSH] = 0x64,
	[CBPF_ALU_RSH] = 0x74,
};

static const uint8_t jmp_k_code[CBPF_JMP_COUNT] = {
	[CBPF_JMP_JEQ] = 0x15, [CBPF_JMP_JGT] = 0x25, [CBPF_JMP_JGE] = 0x35,
	[CBPF_JMP_JSET] = 0x45,
};

/* cbpf_code_for_alu / cbpf_code_for_jmp by table: the K code, | 0x08 for
 * X, -1 for another source or an operation out of range. */
static int code_by_src(const uint8_t *k_codes, unsigned count, unsigned op, enum cbpf_src src)
{
	if (op >= count)
		return -1;
	switch (src) {
	case CBPF_SRC_K:
		return k_codes[op];
	case CBPF_SRC_X:
		return k_codes[op] | 0x08;
	default:
		return -1;
	}
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
	case CBPF_KIND_ALU: return code_by_src(alu_k_code, CBPF_ALU_COUNT, t->alu, t->src);
	case CBPF_KIND_NEG: return 0x84;
	case CBPF_KIND_JA: return 0x05;
	case CBPF_KIND_JCOND: return code_by_src(jmp_k_code, CBPF_JMP_COUNT, t->jmp, t->src);
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

struct cbpf_insn cbpf_encode(const struct cbpf_typed *typed)
{
	struct cbpf_typed t = *typed; /* one checked read, not one per field */
	struct cbpf_insn out = { t.raw_code, t.jt, t.jf, t.k };
	int code = typed_code(&t);

	if (code < 0)
		return out;
	out.code = (uint16_t)code;
	if (t.kind == CBPF_KIND_LD_EXT && (unsigned)t.ext < CBPF_EXT_COUNT)
		out.k = cbpf_ext_k(t.ext);
	return out;
}
