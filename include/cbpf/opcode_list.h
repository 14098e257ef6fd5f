/*
 * cbpf/opcode_list.h - the one declarative source of opcode facts. Every
 * table, parser keyword, printer name, fuzz dictionary and the Python
 * harness's view (`cbpf opcodes --json`) is derived from the lists below;
 * nothing else in the tree spells an opcode number.
 *
 * Each list is an X-macro: pass the name of a macro E to expand it for each
 * entry (the parameter is E, not X: X is a column value).
 * Codes are written symbolically from the field values of
 * include/uapi/linux/bpf_common.h (CBPF_LD, CBPF_H, CBPF_ABS... in
 * cbpf/insn.h), as Linux's net/core/filter.c keys its codes[] table.
 */
#ifndef CBPF_OPCODE_LIST_H
#define CBPF_OPCODE_LIST_H

/*
 * The ALU operations: E(NAME, field value, mnemonic), in enum cbpf_alu_op
 * order (the enum is generated from this list).
 */
#define CBPF_ALU_OP_LIST(E) \
	E(ADD, CBPF_ADD, "add") \
	E(SUB, CBPF_SUB, "sub") \
	E(MUL, CBPF_MUL, "mul") \
	E(DIV, CBPF_DIV, "div") \
	E(MOD, CBPF_MOD, "mod") \
	E(AND, CBPF_AND, "and") \
	E(OR, CBPF_OR, "or") \
	E(XOR, CBPF_XOR, "xor") \
	E(LSH, CBPF_LSH, "lsh") \
	E(RSH, CBPF_RSH, "rsh")

/* The conditional jumps: E(NAME, field value, mnemonic). */
#define CBPF_JMP_OP_LIST(E) \
	E(JEQ, CBPF_JEQ, "jeq") \
	E(JGT, CBPF_JGT, "jgt") \
	E(JGE, CBPF_JGE, "jge") \
	E(JSET, CBPF_JSET, "jset")

/*
 * The ancillary loads of include/uapi/linux/filter.h, k = SKF_AD_OFF + 4*n:
 * E(NAME, n, bpf_asm name, libpcap bpf_image name). bpf_asm has no name for
 * ALU_XOR_X; cbpf spells it `xor_x` like libpcap.
 */
#define CBPF_EXT_LIST(E) \
	E(PROTOCOL, 0, "proto", "proto") \
	E(PKTTYPE, 1, "type", "type") \
	E(IFINDEX, 2, "ifidx", "ifidx") \
	E(NLATTR, 3, "nla", "nla") \
	E(NLATTR_NEST, 4, "nlan", "nlan") \
	E(MARK, 5, "mark", "mark") \
	E(QUEUE, 6, "queue", "queue") \
	E(HATYPE, 7, "hatype", "hatype") \
	E(RXHASH, 8, "rxhash", "rxhash") \
	E(CPU, 9, "cpu", "cpu") \
	E(ALU_XOR_X, 10, "xor_x", "xor_x") \
	E(VLAN_TAG, 11, "vlan_tci", "vlan_tci") \
	E(VLAN_TAG_PRESENT, 12, "vlan_avail", "vlanp") \
	E(PAY_OFFSET, 13, "poff", "poff") \
	E(RANDOM, 14, "rand", "random") \
	E(VLAN_TPID, 15, "vlan_tpid", "vlan_tpid")

/*
 * The 49 opcodes of Linux's chk_code_allowed(), in ascending code order:
 * E(code, kind, reg, size, alu, jmp, src, mnemonic, uses, seccomp)
 *   kind     enum cbpf_kind without its prefix
 *   reg      A or X: LD_IMM/LEN/MEM destination, ST source (else A)
 *   size     W, H or B for loads and stores, NA (no size) for the rest
 *   alu/jmp  the operation for ALU / JCOND (else ADD / JEQ, unused)
 *   src      K or X for ALU and JCOND, K or A for RET (else K)
 *   mnemonic as bpf_asm and libpcap's bpf_image both spell it
 *   uses     the raw fields the kernel reads: K, J (jt and jf), KJ, NONE
 *   seccomp  1 when seccomp_check_filter() accepts it: seccomp refuses
 *            mod, ldh/ldb [k], every [x+k] load and ldxb (it has no case
 *            for them), and rewrites ld [k] and ld #len itself.
 */
#define CBPF_OPCODE_LIST(E) \
	E(CBPF_LD  | CBPF_W | CBPF_IMM,   LD_IMM, A, W, ADD, JEQ, K, "ld",   K,    1) \
	E(CBPF_LDX | CBPF_W | CBPF_IMM,   LD_IMM, X, W, ADD, JEQ, K, "ldx",  K,    1) \
	E(CBPF_ST,                        ST,     A, W, ADD, JEQ, K, "st",   K,    1) \
	E(CBPF_STX,                       ST,     X, W, ADD, JEQ, K, "stx",  K,    1) \
	E(CBPF_ALU | CBPF_ADD | CBPF_K,   ALU,    A, NA, ADD, JEQ, K, "add",  K,    1) \
	E(CBPF_JMP | CBPF_JA,             JA,     A, NA, ADD, JEQ, K, "ja",   K,    1) \
	E(CBPF_RET | CBPF_RET_K,          RET,    A, NA, ADD, JEQ, K, "ret",  K,    1) \
	E(CBPF_MISC | CBPF_TAX,           TAX,    A, NA, ADD, JEQ, K, "tax",  NONE, 1) \
	E(CBPF_ALU | CBPF_ADD | CBPF_X,   ALU,    A, NA, ADD, JEQ, X, "add",  NONE, 1) \
	E(CBPF_ALU | CBPF_SUB | CBPF_K,   ALU,    A, NA, SUB, JEQ, K, "sub",  K,    1) \
	E(CBPF_JMP | CBPF_JEQ | CBPF_K,   JCOND,  A, NA, ADD, JEQ, K, "jeq",  KJ,   1) \
	E(CBPF_RET | CBPF_RET_A,          RET,    A, NA, ADD, JEQ, A, "ret",  NONE, 1) \
	E(CBPF_ALU | CBPF_SUB | CBPF_X,   ALU,    A, NA, SUB, JEQ, X, "sub",  NONE, 1) \
	E(CBPF_JMP | CBPF_JEQ | CBPF_X,   JCOND,  A, NA, ADD, JEQ, X, "jeq",  J,    1) \
	E(CBPF_LD  | CBPF_W | CBPF_ABS,   LD_ABS, A, W, ADD, JEQ, K, "ld",   K,    1) \
	E(CBPF_ALU | CBPF_MUL | CBPF_K,   ALU,    A, NA, MUL, JEQ, K, "mul",  K,    1) \
	E(CBPF_JMP | CBPF_JGT | CBPF_K,   JCOND,  A, NA, ADD, JGT, K, "jgt",  KJ,   1) \
	E(CBPF_LD  | CBPF_H | CBPF_ABS,   LD_ABS, A, H, ADD, JEQ, K, "ldh",  K,    0) \
	E(CBPF_ALU | CBPF_MUL | CBPF_X,   ALU,    A, NA, MUL, JEQ, X, "mul",  NONE, 1) \
	E(CBPF_JMP | CBPF_JGT | CBPF_X,   JCOND,  A, NA, ADD, JGT, X, "jgt",  J,    1) \
	E(CBPF_LD  | CBPF_B | CBPF_ABS,   LD_ABS, A, B, ADD, JEQ, K, "ldb",  K,    0) \
	E(CBPF_ALU | CBPF_DIV | CBPF_K,   ALU,    A, NA, DIV, JEQ, K, "div",  K,    1) \
	E(CBPF_JMP | CBPF_JGE | CBPF_K,   JCOND,  A, NA, ADD, JGE, K, "jge",  KJ,   1) \
	E(CBPF_ALU | CBPF_DIV | CBPF_X,   ALU,    A, NA, DIV, JEQ, X, "div",  NONE, 1) \
	E(CBPF_JMP | CBPF_JGE | CBPF_X,   JCOND,  A, NA, ADD, JGE, X, "jge",  J,    1) \
	E(CBPF_LD  | CBPF_W | CBPF_IND,   LD_IND, A, W, ADD, JEQ, K, "ld",   K,    0) \
	E(CBPF_ALU | CBPF_OR | CBPF_K,    ALU,    A, NA, OR,  JEQ, K, "or",   K,    1) \
	E(CBPF_JMP | CBPF_JSET | CBPF_K,  JCOND,  A, NA, ADD, JSET, K, "jset", KJ,  1) \
	E(CBPF_LD  | CBPF_H | CBPF_IND,   LD_IND, A, H, ADD, JEQ, K, "ldh",  K,    0) \
	E(CBPF_ALU | CBPF_OR | CBPF_X,    ALU,    A, NA, OR,  JEQ, X, "or",   NONE, 1) \
	E(CBPF_JMP | CBPF_JSET | CBPF_X,  JCOND,  A, NA, ADD, JSET, X, "jset", J,   1) \
	E(CBPF_LD  | CBPF_B | CBPF_IND,   LD_IND, A, B, ADD, JEQ, K, "ldb",  K,    0) \
	E(CBPF_ALU | CBPF_AND | CBPF_K,   ALU,    A, NA, AND, JEQ, K, "and",  K,    1) \
	E(CBPF_ALU | CBPF_AND | CBPF_X,   ALU,    A, NA, AND, JEQ, X, "and",  NONE, 1) \
	E(CBPF_LD  | CBPF_W | CBPF_MEM,   LD_MEM, A, W, ADD, JEQ, K, "ld",   K,    1) \
	E(CBPF_LDX | CBPF_W | CBPF_MEM,   LD_MEM, X, W, ADD, JEQ, K, "ldx",  K,    1) \
	E(CBPF_ALU | CBPF_LSH | CBPF_K,   ALU,    A, NA, LSH, JEQ, K, "lsh",  K,    1) \
	E(CBPF_ALU | CBPF_LSH | CBPF_X,   ALU,    A, NA, LSH, JEQ, X, "lsh",  NONE, 1) \
	E(CBPF_ALU | CBPF_RSH | CBPF_K,   ALU,    A, NA, RSH, JEQ, K, "rsh",  K,    1) \
	E(CBPF_ALU | CBPF_RSH | CBPF_X,   ALU,    A, NA, RSH, JEQ, X, "rsh",  NONE, 1) \
	E(CBPF_LD  | CBPF_W | CBPF_LEN,   LD_LEN, A, W, ADD, JEQ, K, "ld",   NONE, 1) \
	E(CBPF_LDX | CBPF_W | CBPF_LEN,   LD_LEN, X, W, ADD, JEQ, K, "ldx",  NONE, 1) \
	E(CBPF_ALU | CBPF_NEG,            NEG,    A, NA, ADD, JEQ, K, "neg",  NONE, 1) \
	E(CBPF_MISC | CBPF_TXA,           TXA,    A, NA, ADD, JEQ, K, "txa",  NONE, 1) \
	E(CBPF_ALU | CBPF_MOD | CBPF_K,   ALU,    A, NA, MOD, JEQ, K, "mod",  K,    0) \
	E(CBPF_ALU | CBPF_MOD | CBPF_X,   ALU,    A, NA, MOD, JEQ, X, "mod",  NONE, 0) \
	E(CBPF_ALU | CBPF_XOR | CBPF_K,   ALU,    A, NA, XOR, JEQ, K, "xor",  K,    1) \
	E(CBPF_ALU | CBPF_XOR | CBPF_X,   ALU,    A, NA, XOR, JEQ, X, "xor",  NONE, 1) \
	E(CBPF_LDX | CBPF_B | CBPF_MSH,   LD_MSH, X, B, ADD, JEQ, K, "ldxb", K,    0)

#endif
