/*
 * vm/internal.h - (library-private) the VM's pre-decoded program form and
 * the contracts between its parts:
 *   vm.c           validates and pre-decodes a program (fusing pairs)
 *   vm/exec.c      the interpreter (head.run when there is no native
 *                  code): the threaded run loop; cbpf_vm_run_batch()
 *   vm/jit/x86_64.c the native code generator (vm/jit/jit.h)
 *   vm/load.c      packet loads off the fast path: negative-offset windows
 *   vm/ext.c       the SKF_AD_* ancillary loads
 *   flow_dissect.c poff "auto": the kernel's skb_get_poff()
 *   ctx.c          the default context
 */
#ifndef CBPF_VM_INTERNAL_H
#define CBPF_VM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/vm.h"

#include "vm/jit/jit.h"

/*
 * Shifts by X use only the low five bits of X: `A << (X & 31)`. This is
 * what Linux computes on x86-64 (the JIT's `shl r32, cl` / `shlx` mask the
 * count to 5 bits) and in the interpreter (kernel/bpf/core.c masks
 * explicitly). Shifts by K never need it: the validator rejects k >= 32.
 * linux-semantics: alu.shift-x-masked, validate.shift-range
 */
#define CBPF_SHIFT_MASK_X86 31u

/*
 * Operations of the pre-decoded form. Each cBPF instruction at pc i becomes
 * the operation in slot i; a FUSED operation performs instruction i and
 * i+1 at once (slot i+1 keeps its own plain form for jumps that land on
 * it). VM_OP_LIST is an X-macro so that the run loop's label table and the
 * enum can never disagree.
 */
#define VM_OP_LIST(X)                                                                    \
	/* loads of constants and registers */                                          \
	X(LD_IMM) X(LDX_IMM) X(LD_LEN) X(LDX_LEN) X(LD_MEM) X(LDX_MEM)                   \
	X(ST) X(STX) X(TAX) X(TXA)                                                       \
	/* packet loads: ABS k >= 0 (k holds the end bound k+size), IND, MSH */         \
	X(LDABS_W) X(LDABS_H) X(LDABS_B)                                                 \
	X(LDIND_W) X(LDIND_H) X(LDIND_B)                                                 \
	X(LDX_MSH)                                                                       \
	/* loads that always take the slow path: negative ABS/MSH offsets */            \
	X(LD_SLOW) X(LDX_MSH_SLOW)                                                       \
	/* ancillary loads, and seccomp_data loads */                                    \
	X(LD_EXT) X(LD_SECCOMP)                                                          \
	/* ALU */                                                                        \
	X(ADD_K) X(ADD_X) X(SUB_K) X(SUB_X) X(MUL_K) X(MUL_X) X(DIV_K) X(DIV_X)          \
	X(MOD_K) X(MOD_X) X(AND_K) X(AND_X) X(OR_K) X(OR_X) X(XOR_K) X(XOR_X)            \
	X(LSH_K) X(LSH_X) X(RSH_K) X(RSH_X) X(NEG)                                       \
	/* jumps and returns */                                                          \
	X(JA) X(JEQ_K) X(JEQ_X) X(JGT_K) X(JGT_X) X(JGE_K) X(JGE_X) X(JSET_K) X(JSET_X)  \
	X(RET_K) X(RET_A)                                                                \
	/* fused: ABS load + conditional jump on k2 */                                   \
	X(LDABS_W_JEQ) X(LDABS_W_JGT) X(LDABS_W_JGE) X(LDABS_W_JSET)                     \
	X(LDABS_H_JEQ) X(LDABS_H_JGT) X(LDABS_H_JGE) X(LDABS_H_JSET)                     \
	X(LDABS_B_JEQ) X(LDABS_B_JGT) X(LDABS_B_JGE) X(LDABS_B_JSET)                     \
	/* fused: IND load + conditional jump on k2 */                                   \
	X(LDIND_W_JEQ) X(LDIND_W_JGT) X(LDIND_W_JGE) X(LDIND_W_JSET)                     \
	X(LDIND_H_JEQ) X(LDIND_H_JGT) X(LDIND_H_JGE) X(LDIND_H_JSET)                     \
	X(LDIND_B_JEQ) X(LDIND_B_JGT) X(LDIND_B_JGE) X(LDIND_B_JSET)                     \
	/* fused: and #k + conditional jump on k2 */                                     \
	X(AND_JEQ) X(AND_JGT) X(AND_JGE) X(AND_JSET)                                     \
	/* fused: ldxb 4*([k]&0xf) (k >= 0) + IND load at k2 */                          \
	X(MSH_LDIND_W) X(MSH_LDIND_H) X(MSH_LDIND_B)                                     \
	/* fused: ldxb 4*([k]&0xf) + IND load at k2 + conditional jump on k3 */          \
	X(MSH_LDIND_W_JEQ) X(MSH_LDIND_W_JGT) X(MSH_LDIND_W_JGE) X(MSH_LDIND_W_JSET)     \
	X(MSH_LDIND_H_JEQ) X(MSH_LDIND_H_JGT) X(MSH_LDIND_H_JGE) X(MSH_LDIND_H_JSET)     \
	X(MSH_LDIND_B_JEQ) X(MSH_LDIND_B_JGT) X(MSH_LDIND_B_JGE) X(MSH_LDIND_B_JSET)     \
	/* chained: a jeq whose false edge is a plain jeq #k4 on the same A */           \
	X(JEQ_K_JEQ) X(AND_JEQ_JEQ)                                                      \
	X(LDABS_W_JEQ_JEQ) X(LDABS_H_JEQ_JEQ) X(LDABS_B_JEQ_JEQ)                         \
	X(LDIND_W_JEQ_JEQ) X(LDIND_H_JEQ_JEQ) X(LDIND_B_JEQ_JEQ)                         \
	X(MSH_LDIND_W_JEQ_JEQ) X(MSH_LDIND_H_JEQ_JEQ) X(MSH_LDIND_B_JEQ_JEQ)

/* vm.c relies on the order within each group above (W, H, B; jeq, jgt, jge,
 * jset) to map plain and fused forms by offset. */
#define VM_OP_ENUM(name) VM_##name,
enum vm_op { VM_OP_LIST(VM_OP_ENUM) VM_OP_COUNT };
#undef VM_OP_ENUM

/*
 * One pre-decoded instruction. `handler` is the run loop's label for `op`
 * (direct threading) when the compiler supports labels as values.
 *   k    operand; for LDABS_*, LDX_MSH*: the end bound (offset + size);
 *        for LD_SLOW/LDX_MSH_SLOW: the offset; LD_EXT: the extension
 *   k2   second operand of a fused pair (compare value, IND offset); for
 *        LD_SLOW the load size
 *   k3   third operand of a fused triple (compare value)
 *   k4   *_JEQ_JEQ: the chained jeq's value
 *   jt   next instruction when a condition holds (or JA's target)
 *   jf   next instruction otherwise (*_JEQ_JEQ: when both jeqs fail)
 *   jt2  *_JEQ_JEQ: next instruction when the chained jeq holds
 */
struct vm_insn {
	const void *handler;
	uint32_t op;
	uint32_t k;
	uint32_t k2;
	uint32_t k3;
	uint32_t k4;
	const struct vm_insn *jt;
	const struct vm_insn *jf;
	const struct vm_insn *jt2;
};

/* head comes first (include/cbpf/vm.h: the public head, part of the ABI):
 * head.run is jit.fn when there is native code, else cbpf_vm_interp_run. */
struct cbpf_vm {
	struct cbpf_vm_head head;
	enum cbpf_profile profile;
	bool uses_mem;      /* some instruction reads or writes M[] */
	struct vm_jit jit;  /* native code (jit.fn NULL: interpret) */
	size_t n;
	struct vm_insn insns[];
};

/* The context used when the caller passes NULL (AF_UNIX defaults). */
extern const struct cbpf_ctx cbpf_vm_default_ctx;

/*
 * The run loop's label table, indexed by enum vm_op (direct threading), or
 * NULL when the compiler has no labels as values. cbpf_vm_interp_run(NULL,
 * ...) publishes it; this asks for it once and caches it.
 */
const void *const *cbpf_vm_handlers(void);

/*
 * A packet load as the kernel's bpf_skb_load_helper_{8,16,32}() does it
 * after the int conversion of the offset: resolve the SKF_NET_OFF /
 * SKF_LL_OFF windows against ctx (NULL = defaults), then read size (1, 2,
 * 4) bytes big-endian entirely inside the packet. Returns the value, or -1
 * when the load fails (the program then returns 0).
 */
int64_t cbpf_vm_load(const uint8_t *pkt, size_t len, const struct cbpf_ctx *ctx, int32_t off,
		     unsigned size);

/*
 * The ancillary load `ext` (any but alu_xor_x, decoded as VM_XOR_X) with
 * registers a and x (ctx NULL = defaults).
 * Returns the value, or -1 when the program ends returning a
 * (ifindex/hatype without a device).
 */
int64_t cbpf_vm_ext(unsigned ext, uint32_t a, uint32_t x, const uint8_t *pkt, size_t len,
		    const struct cbpf_ctx *ctx);

/*
 * skb_get_poff() for a packet whose network header is at net_off, with
 * skb->protocol = protocol (host order) and the hardware VLAN tag fields of
 * ctx. Returns 0 when dissection fails. See flow_dissect.c for coverage.
 */
uint32_t cbpf_flow_poff(const uint8_t *pkt, size_t len, const struct cbpf_ctx *ctx);

#endif
