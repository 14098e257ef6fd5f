/*
 * vm/exec.c - the interpreter, cbpf_vm_interp_run(): the VM's run loop over
 * the pre-decoded program (vm.c), the VM's entry (cbpf_vm_run() in
 * cbpf/vm.h calls it) when there is no native code (vm/jit/jit.h); and
 * cbpf_vm_run_batch().
 *
 * Two loops share the handlers of vm/exec_ops.h:
 *   - the fast loop, direct-threaded with GCC/Clang labels as values (each
 *     slot holds the address of its handler). It makes no calls, so it
 *     needs no callee-saved registers and no per-run setup beyond A = X = 0;
 *   - the general loop, a switch over enum vm_op, which the fast loop
 *     enters (for the rest of the run) at the first operation that needs a
 *     call: loads through the SKF_NET_OFF/SKF_LL_OFF windows or failing IND
 *     loads, and ancillary loads. Without labels as values it runs alone.
 * A run keeps A, X and M[] in locals and allocates nothing, so one VM
 * serves any number of threads. All arithmetic is on u32 and wraps;
 * divisions and comparisons are unsigned (linux-semantics: alu.u32,
 * alu.unsigned-div-mod, jump.unsigned).
 *
 * How a run ends (Linux, x86-64, after bpf_convert_filter()):
 *   ret            the u32 operand (linux-semantics: ret.value)
 *   failed load    returns 0 at once, the rest of the program never runs
 *                  (linux-semantics: load.failure-returns-0)
 *   div/mod X = 0  returns 0 at once (linux-semantics: alu.div-x-zero)
 *   ifidx/hatype   without a device: returns the current A at once
 *                  (linux-semantics: ext.nodev)
 */
#include <stdatomic.h>
#include <string.h>

#include "internal.h"

#if defined(__GNUC__) && !defined(CBPF_VM_SWITCH_DISPATCH)
#define VM_THREADED 1
#endif

/* Big-endian reads at any alignment. */
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static inline uint32_t rd8(const uint8_t *p)
{
	return p[0];
}

/* The kernel's int view of a u32 offset, without implementation-defined
 * conversions. */
static inline int32_t as_s32(uint32_t v)
{
	return v <= INT32_MAX ? (int32_t)v : (int32_t)(v - 0x80000000u) - INT32_MAX - 1;
}

/* An IND offset o = X + k (mod 2^32) is on the fast path when, read as the
 * kernel's int, it is >= 0 and the size bytes lie inside the packet
 * (linux-semantics: load.ind-offset). */
static inline bool ind_in_packet(uint32_t o, unsigned size, size_t len)
{
	return o <= INT32_MAX && (uint64_t)o + size <= len;
}

/* ld #len: skb->len, the packet length unless the context says. */
static inline uint32_t len_value(const struct cbpf_ctx *ctx, size_t len)
{
	if (ctx == NULL || ctx->len == CBPF_CTX_UNSET)
		return (uint32_t)len;
	return (uint32_t)ctx->len;
}

static inline struct cbpf_result result(uint32_t v, enum cbpf_abort end)
{
	struct cbpf_result r = { v, end };
	return r;
}

/* dst <- P[off:size] through the windows; a failure ends the run. */
#define LOAD_SLOW(off, size, dst)                                                       \
	do {                                                                            \
		int64_t v_ = cbpf_vm_load(pkt, len, ctx, as_s32(off), (size));          \
		if (v_ < 0)                                                             \
			goto fail_load;                                                 \
		(dst) = (uint32_t)v_;                                                   \
	} while (0)

/* A <- ancillary k; ifidx/hatype without a device end returning A. */
#define LOAD_EXT()                                                                      \
	do {                                                                            \
		int64_t v_ = cbpf_vm_ext(ip->k, A, X, pkt, len, ctx);                   \
		if (v_ < 0)                                                             \
			return result(A, CBPF_ABORT_NODEV);                             \
		A = (uint32_t)v_;                                                       \
	} while (0)

/* The general loop: runs from slot ip with the given state to the end. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static struct cbpf_result vm_run_general(const struct vm_insn *ip, uint32_t A, uint32_t X,
					 uint32_t *M, const uint8_t *pkt, size_t len,
					 const struct cbpf_ctx *ctx)
{
#define OP(name) case VM_##name
#define GOTO(p) do { ip = (p); goto dispatch; } while (0)
#define ESCAPE_OR(code) do { code; } while (0)
dispatch:
	switch ((enum vm_op)ip->op) {
#include "exec_ops.h"
	case VM_OP_COUNT:
		break;
	}
	return result(0, CBPF_ABORT_LOAD); /* unreachable: no such slot */
#undef OP
#undef GOTO
#undef ESCAPE_OR
fail_load:
	return result(0, CBPF_ABORT_LOAD);
}

/* The rest of a run that native code (vm/jit/jit.h) handed over at st->pc. */
struct cbpf_result cbpf_vm_jit_resume(const struct cbpf_vm *vm, const uint8_t *pkt,
				      size_t len, const struct cbpf_ctx *ctx,
				      const struct vm_jit_state *st)
{
	uint32_t M[CBPF_MEMWORDS];

	if (st->pc >= vm->n)
		return result(0, CBPF_ABORT_LOAD); /* unreachable: no such pc */
	memcpy(M, st->M, sizeof(M));
	return vm_run_general(&vm->insns[st->pc], st->A, st->X, M, pkt, len, ctx);
}

static _Atomic(const void *const *) published_handlers;

/* GCC would merge the identical tails of handlers into one indirect jump
 * ("cross-jumping"), which defeats threading: each handler must keep its
 * own dispatch so that the branch predictor learns per-handler targets. */
#if defined(__GNUC__) && !defined(__clang__)
#define VM_RUN_ATTR __attribute__((noinline, noclone, optimize("no-crossjumping")))
#elif defined(__GNUC__)
#define VM_RUN_ATTR __attribute__((noinline))
#else
#define VM_RUN_ATTR
#endif

/*
 * The fast loop (cbpf_vm_interp_run, internal.h). Its label addresses must
 * be those of this one function (never inlined or cloned), because slots
 * store them; a call with vm == NULL publishes them for cbpf_vm_handlers().
 */
VM_RUN_ATTR
struct cbpf_result cbpf_vm_interp_run(const struct cbpf_vm *vm, const uint8_t *pkt,
				      size_t len, const struct cbpf_ctx *ctx)
{
#ifdef VM_THREADED
#define VM_LABEL_ADDR(name) [VM_##name] = &&L_##name,
	static const void *const labels[VM_OP_COUNT] = { VM_OP_LIST(VM_LABEL_ADDR) };
#undef VM_LABEL_ADDR
	const struct vm_insn *ip;
	uint32_t A = 0, X = 0;
#endif
	uint32_t M[CBPF_MEMWORDS];

	if (vm == NULL) {
#ifdef VM_THREADED
		atomic_store_explicit(&published_handlers, labels, memory_order_release);
#endif
		return result(0, CBPF_END_RET);
	}
	if (pkt == NULL)
		len = 0; /* no bytes: every packet load fails */
	/* The validator proves M[k] is stored before it is read; zeroing
	 * keeps even a wrong proof from reading indeterminate values. */
	if (vm->uses_mem)
		memset(M, 0, sizeof(M));
#ifndef VM_THREADED
	return vm_run_general(vm->insns, 0, 0, M, pkt, len, ctx);
#else
	ip = vm->insns;
	goto *ip->handler;

#define OP(name) L_##name
#define GOTO(p) do { ip = (p); goto *ip->handler; } while (0)
#define ESCAPE_OR(code) return vm_run_general(ip, A, X, M, pkt, len, ctx)
#include "exec_ops.h"
#undef OP
#undef GOTO
#undef ESCAPE_OR

fail_load:
	return result(0, CBPF_ABORT_LOAD);
#endif
}

/* Each packet straight into the VM's entry (the native code, which hands
 * NULL packets and lengths it does not handle to the interpreter itself,
 * or the interpreter): the NULL check of cbpf_vm_run() is made once per
 * batch. */
size_t cbpf_vm_run_batch(const struct cbpf_vm *vm, const uint8_t *const *pkts,
			 const size_t *lens, size_t n, const struct cbpf_ctx *ctx,
			 uint32_t *verdicts)
{
	vm_jit_fn run;
	size_t kept = 0;

	if (vm == NULL) {
		for (size_t i = 0; i < n; i++)
			verdicts[i] = 0;
		return 0;
	}
	run = vm->head.run;
	for (size_t i = 0; i < n; i++) {
		uint32_t v = run(vm, pkts[i], lens[i], ctx).verdict;

		verdicts[i] = v;
		kept += v != 0;
	}
	return kept;
}

const void *const *cbpf_vm_handlers(void)
{
	const void *const *h = atomic_load_explicit(&published_handlers, memory_order_acquire);

	if (h == NULL) {
		cbpf_vm_interp_run(NULL, NULL, 0, NULL);
		h = atomic_load_explicit(&published_handlers, memory_order_acquire);
	}
	return h;
}
