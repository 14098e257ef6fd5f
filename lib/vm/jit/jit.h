/*
 * vm/jit/jit.h - (library-private) the contract between the VM and its native
 * code generator (vm/jit/x86_64.c, x86-64 with GCC/Clang only).
 *
 * cbpf_vm_jit_compile() turns a program the validator accepted (profile LINUX)
 * into one native function with the signature and result of
 * cbpf_vm_run(), in memory that is never writable and executable at
 * once. It becomes the VM's entry (struct cbpf_vm_head), which
 * cbpf_vm_run() calls straight from the caller, for any packet and length: a NULL
 * packet reads as length 0, and a length past VM_JIT_MAX_LEN, when one of
 * its loads relies on that bound, is handed whole to the interpreter
 * (cbpf_vm_interp_run). It keeps A, X in registers and M[] on its stack,
 * checks every packet load against len, and calls nothing on its fast
 * paths.
 *
 * The rare operations stay exact without native code by escaping to the
 * interpreter: loads through the SKF_NET_OFF/SKF_LL_OFF windows (negative
 * ABS/MSH offsets, IND offsets that are negative as an int) and the
 * ancillary loads other than xor_x. At such a pc (which has changed no
 * state yet) the code stores A, X and the pc next to M[] and calls
 * cbpf_vm_jit_resume(), whose result it returns.
 */
#ifndef CBPF_VM_JIT_H
#define CBPF_VM_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"
#include "cbpf/vm.h"

/* IND loads assume len <= this (so that an offset with bit 31 set is
 * always out of the packet); longer packets run interpreted. */
#define VM_JIT_MAX_LEN ((size_t)INT32_MAX)

/* The native code's frame as cbpf_vm_jit_resume() reads it. */
struct vm_jit_state {
	uint32_t M[CBPF_MEMWORDS];
	uint32_t A;
	uint32_t X;
	uint32_t pc;
};

struct cbpf_vm;
struct cbpf_ctx;
struct cbpf_result;

/* The native function: cbpf_vm_run() for one program, published as the
 * VM's entry (struct cbpf_vm_head, include/cbpf/vm.h). */
typedef cbpf_vm_entry vm_jit_fn;

/* The interpreter's entry (vm/exec.c): cbpf_vm_run() without native code,
 * for any vm but NULL, any packet (NULL reads as no bytes), any length. */
struct cbpf_result cbpf_vm_interp_run(const struct cbpf_vm *vm, const uint8_t *pkt,
				      size_t len, const struct cbpf_ctx *ctx);

/* Finish a run in the interpreter from st->pc with st's A, X, M
 * (vm/exec.c). */
struct cbpf_result cbpf_vm_jit_resume(const struct cbpf_vm *vm, const uint8_t *pkt,
				      size_t len, const struct cbpf_ctx *ctx,
				      const struct vm_jit_state *st);

struct vm_jit {
	vm_jit_fn fn;   /* NULL: no native code, interpret */
	void *mem;      /* the mapping holding fn */
	size_t size;
};

/*
 * Compile insns[0..n) (validated, last instruction a ret) into j. Returns
 * 0, or -1 with j->fn == NULL when there is no code generator for this
 * platform or the memory could not be had (mmap/mprotect refused, e.g.
 * SELinux execmem or a hardened kernel): the VM then interprets.
 */
int cbpf_vm_jit_compile(const struct cbpf_insn *insns, size_t n, struct vm_jit *j);

/* Release the code of j (nothing when j->fn == NULL). */
void cbpf_vm_jit_free(struct vm_jit *j);

#endif
