/*
 * insn/opcode_table.c - the opcode table, keyed by code with designated
 * initialisers, and the operation and extension names: all expanded from
 * the lists of cbpf/opcode_list.h, the one source of opcode facts.
 */
#include "cbpf/opcode.h"
#include "opcode_index.h"

#include <stdbool.h>

/* Column values of CBPF_OPCODE_LIST, mapped to the typed model. */
#define OPT_REG_A CBPF_REG_A
#define OPT_REG_X CBPF_REG_X
#define OPT_SIZE_W CBPF_SIZE_W
#define OPT_SIZE_H CBPF_SIZE_H
#define OPT_SIZE_B CBPF_SIZE_B
#define OPT_SIZE_NA 0
#define OPT_SRC_K CBPF_SRC_K
#define OPT_SRC_X CBPF_SRC_X
#define OPT_SRC_A CBPF_SRC_A
#define OPT_USES_NONE 0u
#define OPT_USES_K CBPF_USES_K
#define OPT_USES_J (CBPF_USES_JT | CBPF_USES_JF)
#define OPT_USES_KJ (CBPF_USES_K | CBPF_USES_JT | CBPF_USES_JF)

enum { TABLE_SIZE = 0xb2 }; /* the kernel's codes[] array size */

#define OPT_ENTRY(c, kd, r, sz, a, j, s, mn, u, sc) \
	[c] = { .code = (c), .kind = CBPF_KIND_##kd, .reg = OPT_REG_##r, \
		.size = (enum cbpf_size)OPT_SIZE_##sz, .alu = CBPF_ALU_##a, .jmp = CBPF_JMP_##j, \
		.src = OPT_SRC_##s, .asm_name = mn, .pcap_name = mn, .uses = OPT_USES_##u, \
		.seccomp = sc },
static const struct cbpf_opinfo op_table[TABLE_SIZE] = { CBPF_OPCODE_LIST(OPT_ENTRY) };
#undef OPT_ENTRY

/* The codes in the list's (ascending) order. */
#define OPT_CODE(c, ...) (c),
static const uint8_t op_order[] = { CBPF_OPCODE_LIST(OPT_CODE) };
#undef OPT_CODE
_Static_assert(sizeof(op_order) == CBPF_NOPCODES, "CBPF_OPCODE_LIST has CBPF_NOPCODES entries");

const struct cbpf_opinfo *cbpf_opinfo(uint16_t code)
{
	if (code >= TABLE_SIZE || op_table[code].asm_name == NULL)
		return NULL;
	return &op_table[code];
}

const struct cbpf_opinfo *cbpf_opinfo_at(size_t i)
{
	if (i >= CBPF_NOPCODES)
		return NULL;
	return &op_table[op_order[i]];
}

#define OPT_NAME(name, field, mnemonic) mnemonic,
static const char *const alu_names[CBPF_ALU_COUNT] = { CBPF_ALU_OP_LIST(OPT_NAME) };
static const char *const jmp_names[CBPF_JMP_COUNT] = { CBPF_JMP_OP_LIST(OPT_NAME) };
#undef OPT_NAME

const char *cbpf_alu_name(enum cbpf_alu_op op)
{
	return (unsigned)op < CBPF_ALU_COUNT ? alu_names[op] : "?";
}

const char *cbpf_jmp_name(enum cbpf_jmp_op op)
{
	return (unsigned)op < CBPF_JMP_COUNT ? jmp_names[op] : "?";
}

/*
 * The reverse index: the code of a typed combination. Each kind reads only
 * its own fields (cbpf/insn.h, struct cbpf_typed), folded into one slot;
 * two entries in the same slot would be a duplicate designated initialiser,
 * which -Wextra (-Woverride-init) rejects, so the list is proved unambiguous
 * at compile time. Codes are stored + 1 (0: no opcode).
 */
#define OPT_SIZE_SLOT(sz) ((sz) == CBPF_SIZE_W ? 0 : (sz) == CBPF_SIZE_H ? 1 : 2)
#define OPT_SLOT(kd, r, sz, a, j, s) \
	((kd) == CBPF_KIND_ALU ? (int)(a) * 2 + ((s) == CBPF_SRC_X) : \
	 (kd) == CBPF_KIND_JCOND ? (int)(j) * 2 + ((s) == CBPF_SRC_X) : \
	 (kd) == CBPF_KIND_RET ? ((s) == CBPF_SRC_A) : \
	 (kd) == CBPF_KIND_LD_ABS || (kd) == CBPF_KIND_LD_IND ? OPT_SIZE_SLOT(sz) : \
	 (kd) == CBPF_KIND_LD_IMM || (kd) == CBPF_KIND_LD_LEN || (kd) == CBPF_KIND_LD_MEM || \
	 (kd) == CBPF_KIND_ST ? (int)(r) : 0)
enum { SLOTS = 2 * CBPF_ALU_COUNT };

#define OPT_REV(c, kd, r, sz, a, j, s, mn, u, sc) \
	[CBPF_KIND_##kd][OPT_SLOT(CBPF_KIND_##kd, OPT_REG_##r, OPT_SIZE_##sz, CBPF_ALU_##a, \
				  CBPF_JMP_##j, OPT_SRC_##s)] = (c) + 1,
static const uint8_t code_of_slot[CBPF_KIND_COUNT][SLOTS] = { CBPF_OPCODE_LIST(OPT_REV) };
#undef OPT_REV

/* Whether the fields a kind reads hold values of their enums. */
static bool typed_fields_ok(enum cbpf_kind kind, enum cbpf_reg reg, enum cbpf_size size,
			    enum cbpf_alu_op alu, enum cbpf_jmp_op jmp, enum cbpf_src src)
{
	switch (kind) {
	case CBPF_KIND_ALU: return (unsigned)alu < CBPF_ALU_COUNT && src <= CBPF_SRC_X;
	case CBPF_KIND_JCOND: return (unsigned)jmp < CBPF_JMP_COUNT && src <= CBPF_SRC_X;
	case CBPF_KIND_RET: return src == CBPF_SRC_K || src == CBPF_SRC_A;
	case CBPF_KIND_LD_ABS:
	case CBPF_KIND_LD_IND:
		return size == CBPF_SIZE_W || size == CBPF_SIZE_H || size == CBPF_SIZE_B;
	case CBPF_KIND_LD_IMM:
	case CBPF_KIND_LD_LEN:
	case CBPF_KIND_LD_MEM:
	case CBPF_KIND_ST:
		return reg == CBPF_REG_A || reg == CBPF_REG_X;
	default:
		return (unsigned)kind < CBPF_KIND_COUNT;
	}
}

int cbpf_opcode_for(enum cbpf_kind kind, enum cbpf_reg reg, enum cbpf_size size,
		    enum cbpf_alu_op alu, enum cbpf_jmp_op jmp, enum cbpf_src src)
{
	if (kind == CBPF_KIND_LD_EXT) /* an ancillary load is an absolute one */
		kind = CBPF_KIND_LD_ABS;
	if (!typed_fields_ok(kind, reg, size, alu, jmp, src))
		return -1;
	return (int)code_of_slot[kind][OPT_SLOT(kind, reg, size, alu, jmp, src)] - 1;
}

int cbpf_code_for_alu(enum cbpf_alu_op op, enum cbpf_src src)
{
	return cbpf_opcode_for(CBPF_KIND_ALU, CBPF_REG_A, CBPF_SIZE_W, op, CBPF_JMP_JEQ, src);
}

int cbpf_code_for_jmp(enum cbpf_jmp_op op, enum cbpf_src src)
{
	return cbpf_opcode_for(CBPF_KIND_JCOND, CBPF_REG_A, CBPF_SIZE_W, CBPF_ALU_ADD, op, src);
}

#define OPT_EXT_ASM(name, n, asm_name, pcap_name) [n] = asm_name,
#define OPT_EXT_PCAP(name, n, asm_name, pcap_name) [n] = pcap_name,
static const char *const ext_asm[CBPF_EXT_COUNT] = { CBPF_EXT_LIST(OPT_EXT_ASM) };
static const char *const ext_pcap[CBPF_EXT_COUNT] = { CBPF_EXT_LIST(OPT_EXT_PCAP) };
#undef OPT_EXT_ASM
#undef OPT_EXT_PCAP

const char *cbpf_ext_asm_name(enum cbpf_ext e)
{
	return (unsigned)e < CBPF_EXT_COUNT ? ext_asm[e] : NULL;
}

const char *cbpf_ext_pcap_name(enum cbpf_ext e)
{
	return (unsigned)e < CBPF_EXT_COUNT ? ext_pcap[e] : NULL;
}

int cbpf_ext_from_k(uint32_t k)
{
	uint32_t off = k - (uint32_t)CBPF_SKF_AD_OFF;

	if (k < (uint32_t)CBPF_SKF_AD_OFF || off % 4 != 0 || off / 4 >= CBPF_EXT_COUNT)
		return -1;
	return (int)(off / 4);
}
