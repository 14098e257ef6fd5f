/*
 * cbpf/opcode.h - the opcode table: the single source of truth for what
 * each of the 49 opcodes Linux accepts means, how it is spelled in bpf_asm
 * and in libpcap's listings, which raw fields it reads, and whether seccomp
 * accepts it. The codec, validator, VM, printers and parsers all read it.
 */
#ifndef CBPF_OPCODE_H
#define CBPF_OPCODE_H

#include "cbpf/api.h"

#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of opcodes in Linux's chk_code_allowed() whitelist. */
#define CBPF_NOPCODES 49

/* Which raw fields an opcode reads (others are ignored by the kernel and
 * kept verbatim by cbpf). */
#define CBPF_USES_K  0x1u
#define CBPF_USES_JT 0x2u
#define CBPF_USES_JF 0x4u

struct cbpf_opinfo {
	uint16_t code;
	enum cbpf_kind kind;     /* LD_ABS for 0x20/0x28/0x30: LD_EXT depends on k */
	enum cbpf_reg reg;       /* LD_IMM/LEN/MEM destination, ST source */
	enum cbpf_size size;     /* LD_ABS/LD_IND (and LD_MSH: B) */
	enum cbpf_alu_op alu;    /* ALU */
	enum cbpf_jmp_op jmp;    /* JCOND */
	enum cbpf_src src;       /* ALU/JCOND: K or X; RET: K or A */
	const char *asm_name;    /* bpf_asm mnemonic */
	const char *pcap_name;   /* libpcap bpf_image() mnemonic */
	uint8_t uses;            /* CBPF_USES_* */
	uint8_t seccomp;         /* opcode allowed by seccomp_check_filter() */
};

/* The entry for `code`, or NULL when Linux rejects the opcode. */
CBPF_API const struct cbpf_opinfo *cbpf_opinfo(uint16_t code);

/* The i-th of the CBPF_NOPCODES entries, in ascending code order
 * (NULL when i is out of range). */
CBPF_API const struct cbpf_opinfo *cbpf_opinfo_at(size_t i);

/* Names of the ALU and jump operations as bpf_asm spells them. */
CBPF_API const char *cbpf_alu_name(enum cbpf_alu_op op);
CBPF_API const char *cbpf_jmp_name(enum cbpf_jmp_op op);

/* The opcode for a typed combination, or -1 if none of the 49 has it. */
CBPF_API int cbpf_code_for_alu(enum cbpf_alu_op op, enum cbpf_src src);
CBPF_API int cbpf_code_for_jmp(enum cbpf_jmp_op op, enum cbpf_src src);

#ifdef __cplusplus
}
#endif

#endif
