/*
 * insn/opcode_index.h - (library-private) the opcode table's reverse index:
 * the code of a typed combination, in constant time. The codec encodes with
 * it; cbpf_code_for_alu/jmp are its public special cases.
 */
#ifndef CBPF_OPCODE_INDEX_H
#define CBPF_OPCODE_INDEX_H

#include "cbpf/insn.h"

/* The code of the one opcode with this kind and these fields (only those
 * the kind reads are looked at; LD_EXT is LD_ABS), or -1 when none of the
 * 49 has them or a field is out of its enum's range. */
int cbpf_opcode_for(enum cbpf_kind kind, enum cbpf_reg reg, enum cbpf_size size,
		    enum cbpf_alu_op alu, enum cbpf_jmp_op jmp, enum cbpf_src src);

#endif
