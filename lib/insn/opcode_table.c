/*
 * insn/opcode_table.c - the 49 opcodes of Linux's chk_code_allowed(), keyed by
 * code with designated initialisers, plus the extension name tables.
 */
#include "cbpf/opcode.h"

#include <stdbool.h>

#define U_K  CBPF_USES_K
#define U_J  (CBPF_USES_JT | CBPF_USES_JF)

#define LD(c, kd, r, sz, an, pn, u, sc) \
	[c] = { .code = c, .kind = kd, .reg = r, .size = sz, .asm_name = an, \
		.pcap_name = pn, .uses = u, .seccomp = sc }
#define ALU(c, op, s, an, sc) \
	[c] = { .code = c, .kind = CBPF_KIND_ALU, .alu = op, .src = s, \
		.asm_name = an, .pcap_name = an, .uses = (s) == CBPF_SRC_K ? U_K : 0, \
		.seccomp = sc }
#define JC(c, op, s, an) \
	[c] = { .code = c, .kind = CBPF_KIND_JCOND, .jmp = op, .src = s, \
		.asm_name = an, .pcap_name = an, \
		.uses = U_J | ((s) == CBPF_SRC_K ? U_K : 0), .seccomp = 1 }

enum { TABLE_SIZE = 0xb2 }; /* the kernel's codes[] array size */

static const struct cbpf_opinfo op_table[TABLE_SIZE] = {
	/* Loads into A. */
	LD(0x00, CBPF_KIND_LD_IMM, CBPF_REG_A, CBPF_SIZE_W, "ld", "ld", U_K, 1),
	LD(0x20, CBPF_KIND_LD_ABS, CBPF_REG_A, CBPF_SIZE_W, "ld", "ld", U_K, 1),
	LD(0x28, CBPF_KIND_LD_ABS, CBPF_REG_A, CBPF_SIZE_H, "ldh", "ldh", U_K, 0),
	LD(0x30, CBPF_KIND_LD_ABS, CBPF_REG_A, CBPF_SIZE_B, "ldb", "ldb", U_K, 0),
	LD(0x40, CBPF_KIND_LD_IND, CBPF_REG_A, CBPF_SIZE_W, "ld", "ld", U_K, 0),
	LD(0x48, CBPF_KIND_LD_IND, CBPF_REG_A, CBPF_SIZE_H, "ldh", "ldh", U_K, 0),
	LD(0x50, CBPF_KIND_LD_IND, CBPF_REG_A, CBPF_SIZE_B, "ldb", "ldb", U_K, 0),
	LD(0x60, CBPF_KIND_LD_MEM, CBPF_REG_A, CBPF_SIZE_W, "ld", "ld", U_K, 1),
	LD(0x80, CBPF_KIND_LD_LEN, CBPF_REG_A, CBPF_SIZE_W, "ld", "ld", 0, 1),
	/* Loads into X. */
	LD(0x01, CBPF_KIND_LD_IMM, CBPF_REG_X, CBPF_SIZE_W, "ldx", "ldx", U_K, 1),
	LD(0x61, CBPF_KIND_LD_MEM, CBPF_REG_X, CBPF_SIZE_W, "ldx", "ldx", U_K, 1),
	LD(0x81, CBPF_KIND_LD_LEN, CBPF_REG_X, CBPF_SIZE_W, "ldx", "ldx", 0, 1),
	LD(0xb1, CBPF_KIND_LD_MSH, CBPF_REG_X, CBPF_SIZE_B, "ldxb", "ldxb", U_K, 0),
	/* Stores. */
	LD(0x02, CBPF_KIND_ST, CBPF_REG_A, CBPF_SIZE_W, "st", "st", U_K, 1),
	LD(0x03, CBPF_KIND_ST, CBPF_REG_X, CBPF_SIZE_W, "stx", "stx", U_K, 1),
	/* ALU. Seccomp forbids mod (seccomp_check_filter has no case for it). */
	ALU(0x04, CBPF_ALU_ADD, CBPF_SRC_K, "add", 1), ALU(0x0c, CBPF_ALU_ADD, CBPF_SRC_X, "add", 1),
	ALU(0x14, CBPF_ALU_SUB, CBPF_SRC_K, "sub", 1), ALU(0x1c, CBPF_ALU_SUB, CBPF_SRC_X, "sub", 1),
	ALU(0x24, CBPF_ALU_MUL, CBPF_SRC_K, "mul", 1), ALU(0x2c, CBPF_ALU_MUL, CBPF_SRC_X, "mul", 1),
	ALU(0x34, CBPF_ALU_DIV, CBPF_SRC_K, "div", 1), ALU(0x3c, CBPF_ALU_DIV, CBPF_SRC_X, "div", 1),
	ALU(0x44, CBPF_ALU_OR, CBPF_SRC_K, "or", 1),   ALU(0x4c, CBPF_ALU_OR, CBPF_SRC_X, "or", 1),
	ALU(0x54, CBPF_ALU_AND, CBPF_SRC_K, "and", 1), ALU(0x5c, CBPF_ALU_AND, CBPF_SRC_X, "and", 1),
	ALU(0x64, CBPF_ALU_LSH, CBPF_SRC_K, "lsh", 1), ALU(0x6c, CBPF_ALU_LSH, CBPF_SRC_X, "lsh", 1),
	ALU(0x74, CBPF_ALU_RSH, CBPF_SRC_K, "rsh", 1), ALU(0x7c, CBPF_ALU_RSH, CBPF_SRC_X, "rsh", 1),
	ALU(0x94, CBPF_ALU_MOD, CBPF_SRC_K, "mod", 0), ALU(0x9c, CBPF_ALU_MOD, CBPF_SRC_X, "mod", 0),
	ALU(0xa4, CBPF_ALU_XOR, CBPF_SRC_K, "xor", 1), ALU(0xac, CBPF_ALU_XOR, CBPF_SRC_X, "xor", 1),
	[0x84] = { .code = 0x84, .kind = CBPF_KIND_NEG, .asm_name = "neg", .pcap_name = "neg",
		   .seccomp = 1 },
	/* Jumps. */
	[0x05] = { .code = 0x05, .kind = CBPF_KIND_JA, .asm_name = "ja", .pcap_name = "ja",
		   .uses = U_K, .seccomp = 1 },
	JC(0x15, CBPF_JMP_JEQ, CBPF_SRC_K, "jeq"),   JC(0x1d, CBPF_JMP_JEQ, CBPF_SRC_X, "jeq"),
	JC(0x25, CBPF_JMP_JGT, CBPF_SRC_K, "jgt"),   JC(0x2d, CBPF_JMP_JGT, CBPF_SRC_X, "jgt"),
	JC(0x35, CBPF_JMP_JGE, CBPF_SRC_K, "jge"),   JC(0x3d, CBPF_JMP_JGE, CBPF_SRC_X, "jge"),
	JC(0x45, CBPF_JMP_JSET, CBPF_SRC_K, "jset"), JC(0x4d, CBPF_JMP_JSET, CBPF_SRC_X, "jset"),
	/* Returns. 0x0e (ret x) is not accepted by Linux. */
	[0x06] = { .code = 0x06, .kind = CBPF_KIND_RET, .src = CBPF_SRC_K, .asm_name = "ret",
		   .pcap_name = "ret", .uses = U_K, .seccomp = 1 },
	[0x16] = { .code = 0x16, .kind = CBPF_KIND_RET, .src = CBPF_SRC_A, .asm_name = "ret",
		   .pcap_name = "ret", .seccomp = 1 },
	/* Register transfers. */
	[0x07] = { .code = 0x07, .kind = CBPF_KIND_TAX, .asm_name = "tax", .pcap_name = "tax",
		   .seccomp = 1 },
	[0x87] = { .code = 0x87, .kind = CBPF_KIND_TXA, .asm_name = "txa", .pcap_name = "txa",
		   .seccomp = 1 },
};

static const uint8_t op_order[CBPF_NOPCODES] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x14, 0x15, 0x16, 0x1c, 0x1d,
	0x20, 0x24, 0x25, 0x28, 0x2c, 0x2d, 0x30, 0x34, 0x35, 0x3c, 0x3d, 0x40, 0x44, 0x45,
	0x48, 0x4c, 0x4d, 0x50, 0x54, 0x5c, 0x60, 0x61, 0x64, 0x6c, 0x74, 0x7c, 0x80, 0x81,
	0x84, 0x87, 0x94, 0x9c, 0xa4, 0xac, 0xb1,
};

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

static const char *const alu_names[CBPF_ALU_COUNT] = {
	[CBPF_ALU_ADD] = "add", [CBPF_ALU_SUB] = "sub", [CBPF_ALU_MUL] = "mul",
	[CBPF_ALU_DIV] = "div", [CBPF_ALU_MOD] = "mod", [CBPF_ALU_AND] = "and",
	[CBPF_ALU_OR] = "or",   [CBPF_ALU_XOR] = "xor", [CBPF_ALU_LSH] = "lsh",
	[CBPF_ALU_RSH] = "rsh",
};

static const char *const jmp_names[CBPF_JMP_COUNT] = {
	[CBPF_JMP_JEQ] = "jeq", [CBPF_JMP_JGT] = "jgt", [CBPF_JMP_JGE] = "jge",
	[CBPF_JMP_JSET] = "jset",
};

const char *cbpf_alu_name(enum cbpf_alu_op op)
{
	return (unsigned)op < CBPF_ALU_COUNT ? alu_names[op] : "?";
}

const char *cbpf_jmp_name(enum cbpf_jmp_op op)
{
	return (unsigned)op < CBPF_JMP_COUNT ? jmp_names[op] : "?";
}

int cbpf_code_for_alu(enum cbpf_alu_op op, enum cbpf_src src)
{
	for (size_t i = 0; i < CBPF_NOPCODES; i++) {
		const struct cbpf_opinfo *o = &op_table[op_order[i]];
		if (o->kind == CBPF_KIND_ALU && o->alu == op && o->src == src)
			return o->code;
	}
	return -1;
}

int cbpf_code_for_jmp(enum cbpf_jmp_op op, enum cbpf_src src)
{
	for (size_t i = 0; i < CBPF_NOPCODES; i++) {
		const struct cbpf_opinfo *o = &op_table[op_order[i]];
		if (o->kind == CBPF_KIND_JCOND && o->jmp == op && o->src == src)
			return o->code;
	}
	return -1;
}

/* Extension names. bpf_asm has no name for ALU_XOR_X; cbpf spells it
 * `xor_x` like libpcap. */
static const char *const ext_asm[CBPF_EXT_COUNT] = {
	"proto", "type", "ifidx", "nla", "nlan", "mark", "queue", "hatype",
	"rxhash", "cpu", "xor_x", "vlan_tci", "vlan_avail", "poff", "rand", "vlan_tpid",
};

static const char *const ext_pcap[CBPF_EXT_COUNT] = {
	"proto", "type", "ifidx", "nla", "nlan", "mark", "queue", "hatype",
	"rxhash", "cpu", "xor_x", "vlan_tci", "vlanp", "poff", "random", "vlan_tpid",
};

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
