/*
 * cbpf/insn.h - the classic BPF instruction: raw encoding and typed model.
 *
 * A raw instruction is {u16 code; u8 jt; u8 jf; u32 k}, byte for byte the
 * layout of Linux's `struct sock_filter` (and libpcap's `struct bpf_insn`).
 *
 * The typed model (struct cbpf_typed) names what an instruction means:
 * its kind, register, size, operation and operand source. Decoding never
 * canonicalises: fields the opcode ignores are kept verbatim, and an opcode
 * Linux does not accept decodes to CBPF_KIND_INVALID carrying its raw code,
 * so cbpf_encode(cbpf_decode(x)) == x for every one of the 2^64 possible
 * instructions.
 */
#ifndef CBPF_INSN_H
#define CBPF_INSN_H

#include "cbpf/api.h"
#include "cbpf/opcode_list.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One raw instruction; layout-compatible with struct sock_filter. */
struct cbpf_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/* Opcode fields (the values of linux/bpf_common.h, prefixed). */
#define CBPF_CLASS(code) ((code) & 0x07)
#define CBPF_LD   0x00
#define CBPF_LDX  0x01
#define CBPF_ST   0x02
#define CBPF_STX  0x03
#define CBPF_ALU  0x04
#define CBPF_JMP  0x05
#define CBPF_RET  0x06
#define CBPF_MISC 0x07

#define CBPF_SIZE(code) ((code) & 0x18)
#define CBPF_W 0x00
#define CBPF_H 0x08
#define CBPF_B 0x10

#define CBPF_MODE(code) ((code) & 0xe0)
#define CBPF_IMM 0x00
#define CBPF_ABS 0x20
#define CBPF_IND 0x40
#define CBPF_MEM 0x60
#define CBPF_LEN 0x80
#define CBPF_MSH 0xa0

#define CBPF_OP(code) ((code) & 0xf0)
#define CBPF_ADD 0x00
#define CBPF_SUB 0x10
#define CBPF_MUL 0x20
#define CBPF_DIV 0x30
#define CBPF_OR  0x40
#define CBPF_AND 0x50
#define CBPF_LSH 0x60
#define CBPF_RSH 0x70
#define CBPF_NEG 0x80
#define CBPF_MOD 0x90
#define CBPF_XOR 0xa0

#define CBPF_JA   0x00
#define CBPF_JEQ  0x10
#define CBPF_JGT  0x20
#define CBPF_JGE  0x30
#define CBPF_JSET 0x40

#define CBPF_SRC(code) ((code) & 0x08)
#define CBPF_K 0x00
#define CBPF_X 0x08

#define CBPF_RVAL(code) ((code) & 0x18)
#define CBPF_RET_K 0x00
#define CBPF_RET_X 0x08
#define CBPF_RET_A 0x10

#define CBPF_MISCOP(code) ((code) & 0xf8)
#define CBPF_TAX 0x00
#define CBPF_TXA 0x80

/* Program limits and the negative-offset windows (linux/filter.h). */
#define CBPF_MAXINSNS 4096
#define CBPF_MEMWORDS 16
#define CBPF_SKF_AD_OFF  (-0x1000)
#define CBPF_SKF_NET_OFF (-0x100000)
#define CBPF_SKF_LL_OFF  (-0x200000)

/* The 16 ancillary loads: k = SKF_AD_OFF + 4 * ext (cbpf/opcode_list.h). */
enum cbpf_ext {
#define CBPF_X_EXT(name, n, asm_name, pcap_name) CBPF_EXT_##name = n,
	CBPF_EXT_LIST(CBPF_X_EXT)
#undef CBPF_X_EXT
	CBPF_EXT_COUNT
};

/* k of an extension load, and the reverse (-1 when k names none). */
static inline uint32_t cbpf_ext_k(enum cbpf_ext e)
{
	return (uint32_t)CBPF_SKF_AD_OFF + 4u * (uint32_t)e;
}
CBPF_API int cbpf_ext_from_k(uint32_t k);

/* Names: bpf_asm's (`vlan_avail`, `rand`; cbpf adds `xor_x`) and libpcap's
 * bpf_image names (`vlanp`, `random`, `xor_x`). */
CBPF_API const char *cbpf_ext_asm_name(enum cbpf_ext e);
CBPF_API const char *cbpf_ext_pcap_name(enum cbpf_ext e);

/* What an instruction is. Exactly the 49 opcodes Linux accepts have a kind
 * other than CBPF_KIND_INVALID. */
enum cbpf_kind {
	CBPF_KIND_INVALID = 0, /* any other code; raw_code keeps it */
	CBPF_KIND_LD_IMM,      /* A|X <- k                       (ld #k, ldx #k) */
	CBPF_KIND_LD_LEN,      /* A|X <- len                     (ld #len) */
	CBPF_KIND_LD_MEM,      /* A|X <- M[k]                    (ld M[k]) */
	CBPF_KIND_LD_ABS,      /* A <- P[k:size]                 (ld [k]) */
	CBPF_KIND_LD_IND,      /* A <- P[X+k:size]               (ld [x+k]) */
	CBPF_KIND_LD_MSH,      /* X <- 4*(P[k:1]&0xf)            (ldxb 4*([k]&0xf)) */
	CBPF_KIND_LD_EXT,      /* A <- ancillary (ABS, k = SKF_AD_OFF+4*ext) */
	CBPF_KIND_ST,          /* M[k] <- A|X                    (st, stx) */
	CBPF_KIND_ALU,         /* A <- A op (k|X) */
	CBPF_KIND_NEG,         /* A <- 0 - A */
	CBPF_KIND_JA,          /* pc += k */
	CBPF_KIND_JCOND,       /* pc += (A op (k|X)) ? jt : jf */
	CBPF_KIND_RET,         /* return k | A */
	CBPF_KIND_TAX,         /* X <- A */
	CBPF_KIND_TXA,         /* A <- X */
	CBPF_KIND_COUNT
};

enum cbpf_reg { CBPF_REG_A = 0, CBPF_REG_X = 1 };
enum cbpf_src { CBPF_SRC_K = 0, CBPF_SRC_X = 1, CBPF_SRC_A = 2 };
enum cbpf_size { CBPF_SIZE_W = 4, CBPF_SIZE_H = 2, CBPF_SIZE_B = 1 };
/* The ALU and jump operations, in cbpf/opcode_list.h's order. */
enum cbpf_alu_op {
#define CBPF_X_OP(name, field, mnemonic) CBPF_ALU_##name,
	CBPF_ALU_OP_LIST(CBPF_X_OP)
#undef CBPF_X_OP
	CBPF_ALU_COUNT
};
enum cbpf_jmp_op {
#define CBPF_X_OP(name, field, mnemonic) CBPF_JMP_##name,
	CBPF_JMP_OP_LIST(CBPF_X_OP)
#undef CBPF_X_OP
	CBPF_JMP_COUNT
};

/*
 * The typed view of one instruction. Which fields mean something depends
 * on `kind`:
 *   reg   LD_IMM LD_LEN LD_MEM (destination), ST (source)
 *   size  LD_ABS LD_IND LD_EXT (the kernel ignores it for LD_EXT, we keep it)
 *   alu   ALU;  jmp  JCOND;  src  ALU JCOND (K or X), RET (K or A)
 *   ext   LD_EXT
 *   raw_code  INVALID only
 * jt, jf and k are always kept exactly as they were in the raw instruction,
 * whether or not the kind uses them.
 */
struct cbpf_typed {
	enum cbpf_kind kind;
	enum cbpf_reg reg;
	enum cbpf_size size;
	enum cbpf_alu_op alu;
	enum cbpf_jmp_op jmp;
	enum cbpf_src src;
	enum cbpf_ext ext;
	uint16_t raw_code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/* Decode one raw instruction. Total: every input has a typed form. */
CBPF_API struct cbpf_typed cbpf_decode(struct cbpf_insn in);

/* Encode a typed instruction; the opcode is rebuilt from the typed fields.
 * A typed value whose fields are out of range encodes as its raw_code. */
CBPF_API struct cbpf_insn cbpf_encode(const struct cbpf_typed *t);

/* Builders in the style of the kernel's BPF_STMT / BPF_JUMP. */
static inline struct cbpf_insn cbpf_stmt(uint16_t code, uint32_t k)
{
	struct cbpf_insn i = { code, 0, 0, k };
	return i;
}

static inline struct cbpf_insn cbpf_jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	struct cbpf_insn i = { code, jt, jf, k };
	return i;
}

#ifdef __cplusplus
}
#endif

#endif
