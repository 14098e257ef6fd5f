/*
 * vm_exec.c - cbpf_vm_run(): the VM's run loop over the pre-decoded program
 * (vm.c).
 *
 * Dispatch is direct-threaded with GCC/Clang labels as values (each slot
 * holds the address of its handler), or a switch elsewhere. A run keeps A,
 * X and M[] in locals and allocates nothing, so one VM serves any number of
 * threads. Every handler states its semantics in one line; all arithmetic
 * is on u32 and wraps, divisions and comparisons are unsigned.
 *
 * How a run ends (Linux, x86-64, after bpf_convert_filter()):
 *   ret            the u32 operand
 *   failed load    returns 0 at once (the rest of the program never runs)
 *   div/mod X = 0  returns 0 at once
 *   ifidx/hatype   without a device: returns the current A at once
 */
#include <stdatomic.h>
#include <string.h>

#include "vm_internal.h"

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

/* The kernel's int view of a u32 offset, without implementation-defined
 * conversions. */
static inline int32_t as_s32(uint32_t v)
{
	return v <= INT32_MAX ? (int32_t)v : (int32_t)(v - 0x80000000u) - INT32_MAX - 1;
}

/* An IND offset o = X + k (mod 2^32) is on the fast path when, read as the
 * kernel's int, it is >= 0 and the size bytes lie inside the packet. */
static inline bool ind_in_packet(uint32_t o, unsigned size, size_t len)
{
	return o <= INT32_MAX && (uint64_t)o + size <= len;
}

static inline struct cbpf_result result(uint32_t v, enum cbpf_abort end)
{
	struct cbpf_result r = { v, end };
	return r;
}

#ifdef VM_THREADED
#define OP(name) L_##name
#define GOTO(p) do { ip = (p); goto *ip->handler; } while (0)
#else
#define OP(name) case VM_##name
#define GOTO(p) do { ip = (p); goto dispatch; } while (0)
#endif
#define NEXT() GOTO(ip + 1)
#define NEXT2() GOTO(ip + 2)
#define BRANCH(cond) GOTO((cond) ? ip->jt : ip->jf)

/* dst <- P[off:size] through the windows; a failure ends the run. */
#define LOAD_SLOW(off, size, dst)                                                       \
	do {                                                                            \
		int64_t v_ = cbpf_vm_load(pkt, len, ctx, as_s32(off), (size));          \
		if (v_ < 0)                                                             \
			goto fail_load;                                                 \
		(dst) = (uint32_t)v_;                                                   \
	} while (0)

/* A <- P[ip->k - size : size] for ABS k >= 0 (ip->k = k + size). */
#define LOAD_ABS(rd, size)                                                              \
	do {                                                                            \
		if (ip->k > len)                                                        \
			goto fail_load;                                                 \
		A = rd(pkt + ip->k - (size));                                           \
	} while (0)

/* A <- P[X+kk : size]; the slow path handles the windows and failures. */
#define LOAD_IND(rd, size, kk)                                                          \
	do {                                                                            \
		uint32_t o_ = X + (kk);                                                 \
		if (ind_in_packet(o_, (size), len))                                     \
			A = rd(pkt + o_);                                               \
		else                                                                    \
			LOAD_SLOW(o_, (size), A);                                       \
	} while (0)

static inline uint32_t rd8(const uint8_t *p)
{
	return p[0];
}

/* X <- 4*(P[k:1]&0xf) for k >= 0 (ip->k = k + 1); A is kept. */
#define LOAD_MSH()                                                                      \
	do {                                                                            \
		if (ip->k > len)                                                        \
			goto fail_load;                                                 \
		X = (uint32_t)(pkt[ip->k - 1] & 0xf) << 2;                              \
	} while (0)

/* ld #len: skb->len, the packet length unless the context says. */
static inline uint32_t len_value(const struct cbpf_ctx *ctx, size_t len)
{
	if (ctx == NULL || ctx->len == CBPF_CTX_UNSET)
		return (uint32_t)len;
	return (uint32_t)ctx->len;
}

static _Atomic(const void *const *) published_handlers;

#if defined(__GNUC__) && !defined(__clang__)
#define VM_RUN_ATTR __attribute__((noinline, noclone))
#elif defined(__GNUC__)
#define VM_RUN_ATTR __attribute__((noinline))
#else
#define VM_RUN_ATTR
#endif

/*
 * The run loop. Its label addresses must be those of this one function
 * (never inlined or cloned), because slots store them; a call with vm ==
 * NULL publishes them for cbpf_vm_handlers().
 */
VM_RUN_ATTR
struct cbpf_result cbpf_vm_run(const struct cbpf_vm *vm, const uint8_t *pkt, size_t len,
			       const struct cbpf_ctx *ctx)
{
#ifdef VM_THREADED
#define VM_LABEL_ADDR(name) [VM_##name] = &&L_##name,
	static const void *const labels[VM_OP_COUNT] = { VM_OP_LIST(VM_LABEL_ADDR) };
#undef VM_LABEL_ADDR
#endif
	const struct vm_insn *ip;
	uint32_t A = 0, X = 0;
	uint32_t M[CBPF_MEMWORDS];
	int64_t v;

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
	ip = vm->insns;
#ifdef VM_THREADED
	goto *ip->handler;
#else
dispatch:
	switch ((enum vm_op)ip->op) {
	default:
		return result(0, CBPF_ABORT_LOAD); /* unreachable */
#endif

	/* Constants, registers, scratch memory. */
	OP(LD_IMM):  A = ip->k; NEXT();                 /* A <- k */
	OP(LDX_IMM): X = ip->k; NEXT();                 /* X <- k */
	OP(LD_LEN):  A = len_value(ctx, len); NEXT();   /* A <- len */
	OP(LDX_LEN): X = len_value(ctx, len); NEXT();   /* X <- len */
	OP(LD_MEM):  A = M[ip->k]; NEXT();              /* A <- M[k] */
	OP(LDX_MEM): X = M[ip->k]; NEXT();              /* X <- M[k] */
	OP(ST):      M[ip->k] = A; NEXT();              /* M[k] <- A */
	OP(STX):     M[ip->k] = X; NEXT();              /* M[k] <- X */
	OP(TAX):     X = A; NEXT();                     /* X <- A */
	OP(TXA):     A = X; NEXT();                     /* A <- X */

	/* Packet loads. */
	OP(LDABS_W): LOAD_ABS(rd32, 4); NEXT();         /* A <- P[k:4] */
	OP(LDABS_H): LOAD_ABS(rd16, 2); NEXT();         /* A <- P[k:2] */
	OP(LDABS_B): LOAD_ABS(rd8, 1); NEXT();          /* A <- P[k:1] */
	OP(LDIND_W): LOAD_IND(rd32, 4, ip->k); NEXT();  /* A <- P[X+k:4] */
	OP(LDIND_H): LOAD_IND(rd16, 2, ip->k); NEXT();  /* A <- P[X+k:2] */
	OP(LDIND_B): LOAD_IND(rd8, 1, ip->k); NEXT();   /* A <- P[X+k:1] */
	OP(LDX_MSH): LOAD_MSH(); NEXT();                /* X <- 4*(P[k:1]&0xf), A kept */
	OP(LD_SLOW):                                    /* A <- P[k:size], k < 0 */
		LOAD_SLOW(ip->k, ip->k2, A);
		NEXT();
	OP(LDX_MSH_SLOW):                               /* X <- 4*(P[k:1]&0xf), k < 0 */
		LOAD_SLOW(ip->k, 1, X);
		X = (X & 0xf) << 2;
		NEXT();
	OP(LD_EXT):                                     /* A <- ancillary k */
		v = cbpf_vm_ext(ip->k, A, X, pkt, len, ctx);
		if (v < 0)
			return result(A, CBPF_ABORT_NODEV);
		A = (uint32_t)v;
		NEXT();
	OP(LD_SECCOMP):                                 /* A <- host-order u32 at k */
		if ((uint64_t)ip->k + 4 > len)
			goto fail_load;
		memcpy(&A, pkt + ip->k, sizeof(A));
		NEXT();

	/* ALU. */
	OP(ADD_K): A += ip->k; NEXT();                  /* A <- A + k */
	OP(ADD_X): A += X; NEXT();                      /* A <- A + X */
	OP(SUB_K): A -= ip->k; NEXT();                  /* A <- A - k */
	OP(SUB_X): A -= X; NEXT();                      /* A <- A - X */
	OP(MUL_K): A *= ip->k; NEXT();                  /* A <- A * k (low 32 bits) */
	OP(MUL_X): A *= X; NEXT();                      /* A <- A * X */
	OP(DIV_K): A /= ip->k; NEXT();                  /* A <- A / k, k != 0 */
	OP(DIV_X):                                      /* A <- A / X; X = 0 returns 0 */
		if (X == 0)
			return result(0, CBPF_ABORT_DIV0);
		A /= X;
		NEXT();
	OP(MOD_K): A %= ip->k; NEXT();                  /* A <- A % k, k != 0 */
	OP(MOD_X):                                      /* A <- A % X; X = 0 returns 0 */
		if (X == 0)
			return result(0, CBPF_ABORT_DIV0);
		A %= X;
		NEXT();
	OP(AND_K): A &= ip->k; NEXT();                  /* A <- A & k */
	OP(AND_X): A &= X; NEXT();                      /* A <- A & X */
	OP(OR_K):  A |= ip->k; NEXT();                  /* A <- A | k */
	OP(OR_X):  A |= X; NEXT();                      /* A <- A | X */
	OP(XOR_K): A ^= ip->k; NEXT();                  /* A <- A ^ k */
	OP(XOR_X): A ^= X; NEXT();                      /* A <- A ^ X (also xor_x) */
	OP(LSH_K): A <<= ip->k; NEXT();                 /* A <- A << k, k < 32 */
	OP(LSH_X): A <<= X & CBPF_SHIFT_MASK_X86; NEXT(); /* A <- A << (X & 31) */
	OP(RSH_K): A >>= ip->k; NEXT();                 /* A <- A >> k, k < 32 */
	OP(RSH_X): A >>= X & CBPF_SHIFT_MASK_X86; NEXT(); /* A <- A >> (X & 31) */
	OP(NEG):   A = 0u - A; NEXT();                  /* A <- 0 - A */

	/* Jumps and returns. */
	OP(JA):     GOTO(ip->jt);                       /* pc <- pc + 1 + k */
	OP(JEQ_K):  BRANCH(A == ip->k);                 /* A == k ? jt : jf */
	OP(JEQ_X):  BRANCH(A == X);
	OP(JGT_K):  BRANCH(A > ip->k);                  /* unsigned */
	OP(JGT_X):  BRANCH(A > X);
	OP(JGE_K):  BRANCH(A >= ip->k);
	OP(JGE_X):  BRANCH(A >= X);
	OP(JSET_K): BRANCH((A & ip->k) != 0);
	OP(JSET_X): BRANCH((A & X) != 0);
	OP(RET_K):  return result(ip->k, CBPF_END_RET); /* return k */
	OP(RET_A):  return result(A, CBPF_END_RET);     /* return A */

	/* Fused: A <- P[k:size]; then A op k2 ? jt : jf. */
	OP(LDABS_W_JEQ):  LOAD_ABS(rd32, 4); BRANCH(A == ip->k2);
	OP(LDABS_W_JGT):  LOAD_ABS(rd32, 4); BRANCH(A > ip->k2);
	OP(LDABS_W_JGE):  LOAD_ABS(rd32, 4); BRANCH(A >= ip->k2);
	OP(LDABS_W_JSET): LOAD_ABS(rd32, 4); BRANCH((A & ip->k2) != 0);
	OP(LDABS_H_JEQ):  LOAD_ABS(rd16, 2); BRANCH(A == ip->k2);
	OP(LDABS_H_JGT):  LOAD_ABS(rd16, 2); BRANCH(A > ip->k2);
	OP(LDABS_H_JGE):  LOAD_ABS(rd16, 2); BRANCH(A >= ip->k2);
	OP(LDABS_H_JSET): LOAD_ABS(rd16, 2); BRANCH((A & ip->k2) != 0);
	OP(LDABS_B_JEQ):  LOAD_ABS(rd8, 1); BRANCH(A == ip->k2);
	OP(LDABS_B_JGT):  LOAD_ABS(rd8, 1); BRANCH(A > ip->k2);
	OP(LDABS_B_JGE):  LOAD_ABS(rd8, 1); BRANCH(A >= ip->k2);
	OP(LDABS_B_JSET): LOAD_ABS(rd8, 1); BRANCH((A & ip->k2) != 0);

	/* Fused: A <- P[X+k:size]; then A op k2 ? jt : jf. */
	OP(LDIND_W_JEQ):  LOAD_IND(rd32, 4, ip->k); BRANCH(A == ip->k2);
	OP(LDIND_W_JGT):  LOAD_IND(rd32, 4, ip->k); BRANCH(A > ip->k2);
	OP(LDIND_W_JGE):  LOAD_IND(rd32, 4, ip->k); BRANCH(A >= ip->k2);
	OP(LDIND_W_JSET): LOAD_IND(rd32, 4, ip->k); BRANCH((A & ip->k2) != 0);
	OP(LDIND_H_JEQ):  LOAD_IND(rd16, 2, ip->k); BRANCH(A == ip->k2);
	OP(LDIND_H_JGT):  LOAD_IND(rd16, 2, ip->k); BRANCH(A > ip->k2);
	OP(LDIND_H_JGE):  LOAD_IND(rd16, 2, ip->k); BRANCH(A >= ip->k2);
	OP(LDIND_H_JSET): LOAD_IND(rd16, 2, ip->k); BRANCH((A & ip->k2) != 0);
	OP(LDIND_B_JEQ):  LOAD_IND(rd8, 1, ip->k); BRANCH(A == ip->k2);
	OP(LDIND_B_JGT):  LOAD_IND(rd8, 1, ip->k); BRANCH(A > ip->k2);
	OP(LDIND_B_JGE):  LOAD_IND(rd8, 1, ip->k); BRANCH(A >= ip->k2);
	OP(LDIND_B_JSET): LOAD_IND(rd8, 1, ip->k); BRANCH((A & ip->k2) != 0);

	/* Fused: A <- A & k; then A op k2 ? jt : jf. */
	OP(AND_JEQ):  A &= ip->k; BRANCH(A == ip->k2);
	OP(AND_JGT):  A &= ip->k; BRANCH(A > ip->k2);
	OP(AND_JGE):  A &= ip->k; BRANCH(A >= ip->k2);
	OP(AND_JSET): A &= ip->k; BRANCH((A & ip->k2) != 0);

	/* Fused: X <- 4*(P[k:1]&0xf); then A <- P[X+k2:size]. */
	OP(MSH_LDIND_W): LOAD_MSH(); LOAD_IND(rd32, 4, ip->k2); NEXT2();
	OP(MSH_LDIND_H): LOAD_MSH(); LOAD_IND(rd16, 2, ip->k2); NEXT2();
	OP(MSH_LDIND_B): LOAD_MSH(); LOAD_IND(rd8, 1, ip->k2); NEXT2();

	/* Fused: X <- 4*(P[k:1]&0xf); A <- P[X+k2:size]; A op k3 ? jt : jf. */
	OP(MSH_LDIND_W_JEQ):  LOAD_MSH(); LOAD_IND(rd32, 4, ip->k2); BRANCH(A == ip->k3);
	OP(MSH_LDIND_W_JGT):  LOAD_MSH(); LOAD_IND(rd32, 4, ip->k2); BRANCH(A > ip->k3);
	OP(MSH_LDIND_W_JGE):  LOAD_MSH(); LOAD_IND(rd32, 4, ip->k2); BRANCH(A >= ip->k3);
	OP(MSH_LDIND_W_JSET): LOAD_MSH(); LOAD_IND(rd32, 4, ip->k2); BRANCH((A & ip->k3) != 0);
	OP(MSH_LDIND_H_JEQ):  LOAD_MSH(); LOAD_IND(rd16, 2, ip->k2); BRANCH(A == ip->k3);
	OP(MSH_LDIND_H_JGT):  LOAD_MSH(); LOAD_IND(rd16, 2, ip->k2); BRANCH(A > ip->k3);
	OP(MSH_LDIND_H_JGE):  LOAD_MSH(); LOAD_IND(rd16, 2, ip->k2); BRANCH(A >= ip->k3);
	OP(MSH_LDIND_H_JSET): LOAD_MSH(); LOAD_IND(rd16, 2, ip->k2); BRANCH((A & ip->k3) != 0);
	OP(MSH_LDIND_B_JEQ):  LOAD_MSH(); LOAD_IND(rd8, 1, ip->k2); BRANCH(A == ip->k3);
	OP(MSH_LDIND_B_JGT):  LOAD_MSH(); LOAD_IND(rd8, 1, ip->k2); BRANCH(A > ip->k3);
	OP(MSH_LDIND_B_JGE):  LOAD_MSH(); LOAD_IND(rd8, 1, ip->k2); BRANCH(A >= ip->k3);
	OP(MSH_LDIND_B_JSET): LOAD_MSH(); LOAD_IND(rd8, 1, ip->k2); BRANCH((A & ip->k3) != 0);
#ifndef VM_THREADED
	}
#endif

fail_load:
	return result(0, CBPF_ABORT_LOAD);
}

const void *const *cbpf_vm_handlers(void)
{
	const void *const *h = atomic_load_explicit(&published_handlers, memory_order_acquire);

	if (h == NULL) {
		cbpf_vm_run(NULL, NULL, 0, NULL);
		h = atomic_load_explicit(&published_handlers, memory_order_acquire);
	}
	return h;
}
