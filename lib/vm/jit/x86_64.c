/*
 * vm/jit/x86_64.c - the VM's native code generator for x86-64 (GCC/Clang):
 * a scan of a validated cBPF program (what the prologue needs; the length
 * every path to each pc has proved, and what it knows of X), then one pass
 * in pc order emits one function (vm/jit/jit.h has its contract),
 * out-of-line tails last and rel32 jumps patched at the end. A program with several bounds checks on ABS
 * loads gets its body twice: one compare at entry (len >= the largest
 * k + size) picks the copy without those checks, else the checked copy. The code is copied into a fresh mapping that
 * is made read+execute (never writable and executable at once).
 *
 * The function has cbpf_vm_run()'s signature (vm, pkt, len, ctx) and
 * returns its struct in rax: the verdict in eax, the end code (enum
 * cbpf_abort) in the upper half. Registers, all caller-saved; the
 * arguments stay where the SysV ABI puts them, ready for an escape:
 *   rdi  vm                rsi  packet
 *   rdx  packet length (<= INT32_MAX, vm/jit/jit.h; saved around div)
 *   rcx  ctx (saved around shifts by X, which need cl)
 *   eax  A                 r8d  X
 *   r10d value of ld #len  r9, r11  scratch
 * A and X are only written by 32-bit instructions, so the upper half of
 * rax is 0 and `ret` returns A with end code 0 (CBPF_END_RET). A program
 * that uses M[] keeps it in a 16-byte aligned frame (struct
 * vm_jit_state at rsp, zeroed on entry); the others build that frame
 * only to escape.
 *
 * Semantics are Linux's (x86-64): u32 arithmetic, unsigned div/mod and
 * compares, div/mod by X = 0 returns 0 (abort div0), shifts by X use
 * X & 31 (the CPU masks cl), a failed load returns 0 (abort load). What
 * is rare or needs a call (windows, extensions) escapes to the
 * interpreter at its pc, with A and X saved in the state. Decisions
 * between rets, and chains of short blocks ending in them, are
 * if-converted (cmov, no branch: emit_speculate).
 */
#include "jit.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cbpf/insn.h"
#include "cbpf/opcode.h"
#include "cbpf/vm.h"
#include "wire_order.h"
#include "x86_64_enc.h"

enum {
	REG_VM = X86_RDI, REG_PKT = X86_RSI, REG_LEN = X86_RDX, REG_CTX = X86_RCX,
	REG_A = X86_RAX, REG_X = X86_R8, REG_LENV = X86_R10, REG_T = X86_R9,
	REG_T2 = X86_R11
};

/* The frame: struct vm_jit_state, rounded so that rsp stays 16-byte
 * aligned at calls (rsp is 8 mod 16 on entry). */
#define FRAME_SIZE ((int32_t)((sizeof(struct vm_jit_state) + 8 + 15) / 16 * 16 - 8))

/* Where a rel32 jump goes. */
enum jit_label { LBL_PC, LBL_FAIL, LBL_DIV0, LBL_ESC, LBL_IND_SLOW, LBL_LONG, LBL_DONE };

struct jit_fixup {
	size_t pos;            /* the rel32 field */
	enum jit_label label;
	uint32_t pc;           /* LBL_PC: target pc; LBL_IND_SLOW: the load's pc */
	unsigned version;      /* LBL_PC: in which copy of the body (jit.version) */
};

/* What every path to a pc says about X: an upper bound of its value
 * (UINT32_MAX: none), and whether it was written (else it is the 0 of
 * entry); reached: some path gets there. */
struct jit_x {
	uint32_t max;
	bool written;
	bool reached;
};

struct jit {
	struct x86_buf b;
	struct jit_fixup *fix;
	size_t nfix, capfix;
	size_t *pc_pos;        /* code offset of each pc, per version (2n) */
	uint64_t *known;       /* per pc: len is at least this on every path */
	struct jit_x *x;       /* per pc: what is known of X */
	uint8_t *wire;         /* per pc: loads kept in wire order (wire_order.h) */
	/* Bounds-check versioning: with max_end > 0 the body is emitted
	 * twice. Version 0 runs when len >= max_end (one compare at entry),
	 * which proves every ABS/MSH load at k >= 0 in bounds, so it has no
	 * such checks; version 1, the checked body, runs otherwise. */
	uint64_t max_end;
	unsigned version;      /* the body being emitted */
	const struct cbpf_insn *insns;
	size_t n;
	bool frame;            /* the program uses M[]: a frame from entry */
	bool uses_len;         /* the program reads ld #len */
	bool reads_input;      /* some load, ld #len or escape reads pkt/len */
	bool long_len;         /* some load assumes len <= VM_JIT_MAX_LEN */
	bool reads_x;          /* X may be read (or saved by an escape) */
	bool writes_a_first;   /* pc 0 sets A without reading it or escaping */
	size_t ctx_len_jcc;    /* uses_len: the prologue's jump to the ctx->len tail */
	size_t ctx_len_back;   /* and where that tail returns */
	bool fail;             /* out of memory or an unexpected instruction */
};

static void add_fixup(struct jit *j, size_t pos, enum jit_label label, uint32_t pc,
		      unsigned version)
{
	if (j->nfix == j->capfix) {
		size_t cap = j->capfix == 0 ? 64 : 2 * j->capfix;
		struct jit_fixup *f = realloc(j->fix, cap * sizeof(*f));

		if (f == NULL) {
			j->fail = true;
			return;
		}
		j->fix = f;
		j->capfix = cap;
	}
	j->fix[j->nfix++] = (struct jit_fixup){ pos, label, pc, version };
}

static void jcc_to(struct jit *j, enum x86_cc cc, enum jit_label label, uint32_t pc)
{
	add_fixup(j, x86_jcc(&j->b, cc), label, pc, j->version);
}

static void jmp_to(struct jit *j, enum jit_label label, uint32_t pc)
{
	add_fixup(j, x86_jmp(&j->b), label, pc, j->version);
}

/* Continue in the interpreter at pc: r11d <- pc, then the shared escape. */
static void emit_escape(struct jit *j, uint32_t pc)
{
	x86_mov_ri(&j->b, REG_T2, pc);
	jmp_to(j, LBL_ESC, 0);
}

/* The load opcode for size bytes: mov r32 / movzx r32, m16 / movzx r32, m8. */
static const uint8_t *load_op(unsigned size, size_t *nop)
{
	static const uint8_t mov[] = { 0x8b }, movzx16[] = { 0x0f, 0xb7 },
			     movzx8[] = { 0x0f, 0xb6 };

	*nop = size == 4 ? 1 : 2;
	return size == 4 ? mov : size == 2 ? movzx16 : movzx8;
}

/* Big-endian: swap the bytes of the value just loaded into dst. */
static void emit_to_host(struct jit *j, unsigned dst, unsigned size)
{
	if (size == 4)
		x86_bswap(&j->b, dst);
	else if (size == 2)
		x86_swap16(&j->b, dst);
}

/* dst <- big-endian size bytes at [base + disp] (32-bit). */
static void emit_read_be(struct jit *j, unsigned dst, unsigned base, int32_t disp,
			 unsigned size)
{
	size_t nop;
	const uint8_t *op = load_op(size, &nop);

	x86_op_rm(&j->b, false, op, nop, dst, base, disp);
	emit_to_host(j, dst, size);
}

/* What len is known to be at least at pc in the body being emitted. */
static uint64_t known_len(const struct jit *j, uint32_t pc)
{
	if (j->version == 0 && j->max_end > j->known[pc])
		return j->max_end;
	return j->known[pc];
}

/* Fail the run unless k + size <= len (k >= 0 as an int); nothing when
 * every path to pc already proved it. */
static void emit_abs_check(struct jit *j, uint32_t pc, uint32_t k, unsigned size)
{
	uint64_t end = (uint64_t)k + size;

	if (end <= known_len(j, pc))
		return;
	if (end > VM_JIT_MAX_LEN) {
		jmp_to(j, LBL_FAIL, 0); /* past any packet the JIT runs on */
		return;
	}
	x86_alu_ri(&j->b, true, X86_CMP, REG_LEN, (uint32_t)end);
	jcc_to(j, X86_CC_B, LBL_FAIL, 0);
}

/* A <- P[k:size] for ABS k >= 0 (left in wire order where only
 * compares on constants read it); negative k (the windows) escapes. */
static void emit_ld_abs(struct jit *j, uint32_t pc, uint32_t k, unsigned size)
{
	size_t nop;
	const uint8_t *op = load_op(size, &nop);

	if (k > INT32_MAX) {
		emit_escape(j, pc);
		return;
	}
	emit_abs_check(j, pc, k, size);
	x86_op_rm(&j->b, false, op, nop, REG_A, REG_PKT, (int32_t)k);
	if (j->wire[pc] == 0)
		emit_to_host(j, REG_A, size);
}

/* IND loads whose offset X + k is never negative as an int: X below this
 * on every path (ldxb 4*([k]&0xf) gives at most 60) and k below
 * IND_BOUNDED_K. */
#define IND_BOUNDED_X 0xffffu
#define IND_BOUNDED_K (0x7fffffffu - 0x20000u)

/*
 * A <- P[X+k:size] when X <= IND_BOUNDED_X and k < IND_BOUNDED_K: the
 * offset is a non-negative int (no window, no wrap), so the load reads
 * [pkt + X + k] and one compare of X + k + size against len fails it;
 * none when every path proved len >= max X + k + size.
 */
static void emit_ld_ind_bounded(struct jit *j, uint32_t pc, uint32_t k, unsigned size)
{
	size_t nop;
	const uint8_t *op = load_op(size, &nop);

	if ((uint64_t)j->x[pc].max + k + size > known_len(j, pc)) {
		x86_lea(&j->b, false, REG_T2, REG_X, (int32_t)(k + size));
		x86_alu_rr(&j->b, true, X86_CMP, REG_T2, REG_LEN);
		jcc_to(j, X86_CC_A, LBL_FAIL, 0);
	}
	x86_op_rmid(&j->b, op, nop, REG_A, REG_PKT, REG_X, (int32_t)k);
	if (j->wire[pc] == 0)
		emit_to_host(j, REG_A, size);
}

/* A <- P[X+k:size]: o = X + k (mod 2^32) in r9d; o + size > len goes to a
 * stub that fails the load, or escapes when o is negative as an int. */
static void emit_ld_ind(struct jit *j, uint32_t pc, uint32_t k, unsigned size)
{
	size_t nop;
	const uint8_t *op = load_op(size, &nop);
	int32_t disp = (int32_t)(k <= INT32_MAX ? (int64_t)k : (int64_t)k - 0x100000000ll);

	if (j->x[pc].reached && j->x[pc].max <= IND_BOUNDED_X && k < IND_BOUNDED_K) {
		emit_ld_ind_bounded(j, pc, k, size);
		return;
	}

	x86_lea(&j->b, false, REG_T, REG_X, disp);
	x86_lea(&j->b, true, REG_T2, REG_T, (int32_t)size);
	x86_alu_rr(&j->b, true, X86_CMP, REG_T2, REG_LEN);
	jcc_to(j, X86_CC_A, LBL_IND_SLOW, pc);
	x86_op_rmi(&j->b, op, nop, REG_A, REG_PKT, REG_T);
	if (j->wire[pc] == 0)
		emit_to_host(j, REG_A, size);
}

/* X <- 4*(P[k:1]&0xf) for k >= 0; negative k escapes. */
static void emit_ld_msh(struct jit *j, uint32_t pc, uint32_t k)
{
	if (k > INT32_MAX) {
		emit_escape(j, pc);
		return;
	}
	emit_abs_check(j, pc, k, 1);
	emit_read_be(j, REG_X, REG_PKT, (int32_t)k, 1);
	x86_alu_ri(&j->b, false, X86_AND, REG_X, 0xf);
	x86_shift_ri(&j->b, false, X86_SHL, REG_X, 2);
}

/* dst <- k, len, or M[k]; M[k] <- src; X <- A; A <- X. */
static void emit_move(struct jit *j, const struct cbpf_typed *t)
{
	static const uint8_t load[] = { 0x8b }, store[] = { 0x89 };
	unsigned r = t->reg == CBPF_REG_X ? REG_X : REG_A;
	int32_t slot = (int32_t)(offsetof(struct vm_jit_state, M) + 4 * (t->k % CBPF_MEMWORDS));

	switch (t->kind) {
	case CBPF_KIND_LD_IMM: x86_mov_ri(&j->b, r, t->k); break;           /* r <- k */
	case CBPF_KIND_LD_LEN: x86_mov_rr(&j->b, false, r, REG_LENV); break; /* r <- len */
	case CBPF_KIND_LD_MEM: x86_op_rm(&j->b, false, load, 1, r, X86_RSP, slot); break;
	case CBPF_KIND_ST: x86_op_rm(&j->b, false, store, 1, r, X86_RSP, slot); break;
	case CBPF_KIND_TAX: x86_mov_rr(&j->b, false, REG_X, REG_A); break;   /* X <- A */
	case CBPF_KIND_TXA: x86_mov_rr(&j->b, false, REG_A, REG_X); break;   /* A <- X */
	default: j->fail = true; break;
	}
}

static bool is_pow2(uint32_t k)
{
	return k != 0 && (k & (k - 1)) == 0;
}

static uint8_t log2_u32(uint32_t k)
{
	uint8_t s = 0;

	while (k > 1) {
		k >>= 1;
		s++;
	}
	return s;
}

/* A <- A / d or A % d for d in r (edx:eax / r, unsigned; mod from edx;
 * rdx, the length, is kept in r11 meanwhile). */
static void emit_divide(struct jit *j, unsigned r, bool mod)
{
	x86_mov_rr(&j->b, true, REG_T2, X86_RDX);
	x86_alu_rr(&j->b, false, X86_XOR, X86_RDX, X86_RDX);
	x86_unary(&j->b, X86_DIV, r);
	if (mod)
		x86_mov_rr(&j->b, false, REG_A, X86_RDX);
	x86_mov_rr(&j->b, true, X86_RDX, REG_T2);
}

/* A <- A << (X & 31) or A >> (X & 31): the CPU masks cl to 5 bits; rcx,
 * the context, is kept in r11 meanwhile. */
static void emit_shift_x(struct jit *j, unsigned digit)
{
	x86_mov_rr(&j->b, true, REG_T2, X86_RCX);
	x86_mov_rr(&j->b, false, X86_RCX, REG_X);
	x86_shift_cl(&j->b, digit, REG_A);
	x86_mov_rr(&j->b, true, X86_RCX, REG_T2);
}

/* A <- A op k (k != 0 for div/mod, k < 32 for shifts: the validator). */
static void emit_alu_k(struct jit *j, enum cbpf_alu_op op, uint32_t k)
{
	static const enum x86_alu simple[CBPF_ALU_COUNT] = {
		[CBPF_ALU_ADD] = X86_ADD, [CBPF_ALU_SUB] = X86_SUB, [CBPF_ALU_AND] = X86_AND,
		[CBPF_ALU_OR] = X86_OR, [CBPF_ALU_XOR] = X86_XOR,
	};

	switch (op) {
	case CBPF_ALU_MUL: x86_imul_rri(&j->b, REG_A, REG_A, k); return; /* low 32 bits */
	case CBPF_ALU_DIV:
	case CBPF_ALU_MOD:
		if (is_pow2(k)) { /* unsigned: A / 2^s = A >> s, A % 2^s = A & (2^s - 1) */
			if (op == CBPF_ALU_MOD)
				x86_alu_ri(&j->b, false, X86_AND, REG_A, k - 1);
			else if (k > 1)
				x86_shift_ri(&j->b, false, X86_SHR, REG_A, log2_u32(k));
			return;
		}
		x86_mov_ri(&j->b, REG_T, k);
		emit_divide(j, REG_T, op == CBPF_ALU_MOD);
		return;
	case CBPF_ALU_LSH:
	case CBPF_ALU_RSH:
		if ((k & 31) != 0)
			x86_shift_ri(&j->b, false, op == CBPF_ALU_LSH ? X86_SHL : X86_SHR, REG_A,
				     (uint8_t)(k & 31));
		return;
	default:
		x86_alu_ri(&j->b, false, simple[op], REG_A, k);
		return;
	}
}

/* A <- A op X: div/mod by X = 0 returns 0; shifts use X & 31. */
static void emit_alu_x(struct jit *j, enum cbpf_alu_op op)
{
	static const enum x86_alu simple[CBPF_ALU_COUNT] = {
		[CBPF_ALU_ADD] = X86_ADD, [CBPF_ALU_SUB] = X86_SUB, [CBPF_ALU_AND] = X86_AND,
		[CBPF_ALU_OR] = X86_OR, [CBPF_ALU_XOR] = X86_XOR,
	};

	switch (op) {
	case CBPF_ALU_MUL: x86_imul_rr(&j->b, REG_A, REG_X); return;
	case CBPF_ALU_DIV:
	case CBPF_ALU_MOD:
		x86_test_rr(&j->b, REG_X, REG_X);
		jcc_to(j, X86_CC_E, LBL_DIV0, 0);
		emit_divide(j, REG_X, op == CBPF_ALU_MOD);
		return;
	case CBPF_ALU_LSH: emit_shift_x(j, X86_SHL); return;
	case CBPF_ALU_RSH: emit_shift_x(j, X86_SHR); return;
	default: x86_alu_rr(&j->b, false, simple[op], REG_A, REG_X); return;
	}
}

static void emit_exit(struct jit *j);

/* eax <- cc ? ret(rt) : ret(rf) for two ret instructions, tmp a scratch
 * register (A is eax; mov keeps the flags). */
static void emit_select_value(struct jit *j, enum x86_cc cc, const struct cbpf_typed *rt,
			      const struct cbpf_typed *rf, unsigned tmp)
{
	bool at = rt->src == CBPF_SRC_A, af = rf->src == CBPF_SRC_A;

	if (at && !af) {          /* A stays when cc holds, else kf */
		x86_mov_ri(&j->b, tmp, rf->k);
		x86_cmov(&j->b, (enum x86_cc)(cc ^ 1), REG_A, tmp);
	} else if (!at && af) {   /* kt when cc holds, else A stays */
		x86_mov_ri(&j->b, tmp, rt->k);
		x86_cmov(&j->b, cc, REG_A, tmp);
	} else if (!at && !af) {  /* kt or kf */
		x86_mov_ri(&j->b, tmp, rt->k);
		x86_mov_ri(&j->b, REG_A, rf->k);
		x86_cmov(&j->b, cc, REG_A, tmp);
	}
}

/*
 * return cc ? ret(tt) : ret(tf) when both targets are ret instructions:
 * a conditional move instead of a branch, which the shuffled packets of
 * real traffic would often mispredict (the final match decision of
 * compiled filters). False when a target is not a ret.
 */
static bool emit_select_ret(struct jit *j, enum x86_cc cc, uint32_t tt, uint32_t tf)
{
	struct cbpf_typed rt = cbpf_decode(j->insns[tt]), rf = cbpf_decode(j->insns[tf]);

	if (rt.kind != CBPF_KIND_RET || rf.kind != CBPF_KIND_RET)
		return false;
	emit_select_value(j, cc, &rt, &rf, REG_T);
	emit_exit(j);
	return true;
}

/* Flags for the jump t on the value in ra (A, or a copy of it). */
static void emit_compare(struct jit *j, const struct cbpf_typed *t, unsigned ra)
{
	if (t->jmp == CBPF_JMP_JSET) {
		if (t->src == CBPF_SRC_X)
			x86_test_rr(&j->b, ra, REG_X);
		else
			x86_test_ri(&j->b, ra, t->k);
	} else if (t->src == CBPF_SRC_X) {
		x86_alu_rr(&j->b, false, X86_CMP, ra, REG_X);
	} else if (t->k == 0 && t->jmp == CBPF_JMP_JEQ) {
		x86_test_rr(&j->b, ra, ra);
	} else {
		x86_alu_ri(&j->b, false, X86_CMP, ra, t->k);
	}
}

static const enum x86_cc jump_cc[CBPF_JMP_COUNT] = {
	[CBPF_JMP_JEQ] = X86_CC_E, [CBPF_JMP_JGT] = X86_CC_A,
	[CBPF_JMP_JGE] = X86_CC_AE, [CBPF_JMP_JSET] = X86_CC_NE,
};

static bool is_ret(const struct jit *j, uint32_t pc)
{
	return pc < j->n && cbpf_decode(j->insns[pc]).kind == CBPF_KIND_RET;
}

enum { SPEC_MAX = 4 };   /* instructions of a block run speculatively */
enum { SPEC_DEPTH = 4 }; /* nested if-converted jumps (spec_chain) */

/* Where each level of a chain keeps A at its jump (nothing runs after a
 * chain, so the len value, ctx and vm registers are free; the chains with
 * one level that count failed loads use rcx and r10, and only r9). */
static const unsigned spec_save[SPEC_DEPTH] = { REG_T, REG_LENV, X86_RCX, X86_RDI };

/*
 * Whether the block at b can run speculatively, branch-free: straight
 * line ld #k, ABS loads at k >= 0 and ALU on constants other than div/mod,
 * ending (within SPEC_MAX) in a conditional jump on a constant. Sets
 * *last to that jump.
 */
static bool spec_block(const struct jit *j, uint32_t b, uint32_t *last)
{
	for (uint32_t pc = b; pc < j->n && pc < b + SPEC_MAX; pc++) {
		struct cbpf_typed t = cbpf_decode(j->insns[pc]);

		switch (t.kind) {
		case CBPF_KIND_JCOND:
			*last = pc;
			return t.src == CBPF_SRC_K;
		case CBPF_KIND_LD_ABS:
			if (t.k > INT32_MAX)
				return false;
			break;
		case CBPF_KIND_LD_IMM:
			if (t.reg != CBPF_REG_A)
				return false;
			break;
		case CBPF_KIND_ALU:
			if (t.src != CBPF_SRC_K || t.alu == CBPF_ALU_DIV || t.alu == CBPF_ALU_MOD)
				return false;
			break;
		default:
			return false;
		}
	}
	return false;
}

/* For the jump t at pc: when one target is a ret and the other is not,
 * *b <- the other, *r <- the ret, *r_taken <- whether the ret is the
 * target when the condition holds. */
static bool spec_target(const struct jit *j, uint32_t pc, const struct cbpf_typed *t,
			uint32_t *b, uint32_t *r, bool *r_taken)
{
	uint32_t tt = pc + 1 + t->jt, tf = pc + 1 + t->jf;

	if (is_ret(j, tf) && !is_ret(j, tt)) {
		*b = tt;
		*r = tf;
		*r_taken = false;
		return true;
	}
	if (is_ret(j, tt) && !is_ret(j, tf)) {
		*b = tf;
		*r = tt;
		*r_taken = true;
		return true;
	}
	return false;
}

/* Whether the ABS load P[k:size] of a block speculated at pc may fail
 * (its bound is not proved on every path to pc). */
static bool spec_may_fail(const struct jit *j, uint32_t pc, uint32_t k, unsigned size)
{
	return (uint64_t)k + size > known_len(j, pc);
}

/* A <- P[k:size] (at pc `at`, speculated at pc) without a branch: from
 * the packet when it holds the bytes, else (ecx counts the failure) from
 * [rsp], which is always mapped; the value is then never used. r10 holds
 * rsp. A load only compared by jeq/jset #k stays in wire order. */
static void emit_spec_load(struct jit *j, uint32_t pc, uint32_t at, uint32_t k, unsigned size)
{
	uint64_t end = (uint64_t)k + size;
	size_t nop;
	const uint8_t *op = load_op(size, &nop);

	if (!spec_may_fail(j, pc, k, size)) {
		x86_op_rm(&j->b, false, op, nop, REG_A, REG_PKT, (int32_t)k);
		if (j->wire[at] == 0)
			emit_to_host(j, REG_A, size);
		return;
	}
	if (end > VM_JIT_MAX_LEN) {               /* always fails */
		x86_mov_ri(&j->b, X86_RCX, 1);
		return;
	}
	x86_lea(&j->b, true, REG_T2, REG_PKT, (int32_t)k);
	x86_alu_ri(&j->b, true, X86_CMP, REG_LEN, (uint32_t)end);
	x86_cmov_w(&j->b, true, X86_CC_B, REG_T2, REG_LENV);
	x86_alu_ri(&j->b, false, X86_ADC, X86_RCX, 0);
	x86_op_rm(&j->b, false, op, nop, REG_A, REG_T2, 0);
	if (j->wire[at] == 0)
		emit_to_host(j, REG_A, size);
}

/* Whether some load of the block [b, last) may fail when speculated at pc:
 * only then does the block count failures (ecx) and select them. */
static bool spec_block_may_fail(const struct jit *j, uint32_t pc, uint32_t b, uint32_t last)
{
	for (uint32_t i = b; i < last; i++) {
		struct cbpf_typed s = cbpf_decode(j->insns[i]);

		if (s.kind == CBPF_KIND_LD_ABS && spec_may_fail(j, pc, s.k, (unsigned)s.size))
			return true;
	}
	return false;
}

/*
 * The chain of blocks starting at b, speculated at the jump `top`: a block
 * (spec_block) whose jump goes to two rets, or to a ret and the next
 * block of the chain (up to SPEC_DEPTH blocks, and only when no load of
 * any of them can fail: all proved, as in the unchecked body). These are
 * the conjunctions of compiled filters ("IPv6, and TCP, and port 443").
 * Returns how many blocks, 0 when b starts none; *last is b's jump.
 */
static unsigned spec_chain(const struct jit *j, uint32_t top, uint32_t b, unsigned depth,
			   uint32_t *last)
{
	struct cbpf_typed ft;
	uint32_t next, next_last, r;
	bool r_taken;
	unsigned inner;

	if (!spec_block(j, b, last))
		return 0;
	ft = cbpf_decode(j->insns[*last]);
	if (is_ret(j, *last + 1 + ft.jt) && is_ret(j, *last + 1 + ft.jf))
		return 1;
	if (depth + 1 >= SPEC_DEPTH || spec_block_may_fail(j, top, b, *last) ||
	    !spec_target(j, *last, &ft, &next, &r, &r_taken))
		return 0;
	inner = spec_chain(j, top, next, depth + 1, &next_last);
	if (inner == 0 || (inner == 1 && spec_block_may_fail(j, top, next, next_last)))
		return 0;
	return inner + 1;
}

/*
 * One level of an if-converted chain (spec_chain), for the jump t at pc
 * (condition cc) in the chain that starts at the jump `top`: A at the
 * jump saved in spec_save[depth], the block computed, its own jump
 * decided (two rets: cmov; else the next level), then rax <- R when the
 * jump goes to its ret R. With may_fail (one level only), the block's
 * failed loads (ecx) select a failed load.
 */
static void emit_spec_level(struct jit *j, uint32_t top, uint32_t pc,
			    const struct cbpf_typed *t, enum x86_cc cc, unsigned depth,
			    bool may_fail)
{
	uint32_t b = 0, r_pc = 0, last = 0;
	bool r_taken = false;
	unsigned save = spec_save[depth];
	struct cbpf_typed r, ft, rt, rf;
	enum x86_cc cc_r;

	(void)spec_target(j, pc, t, &b, &r_pc, &r_taken); /* spec_chain said so */
	(void)spec_block(j, b, &last);
	r = cbpf_decode(j->insns[r_pc]);
	x86_mov_rr(&j->b, false, save, REG_A);
	for (uint32_t i = b; i < last; i++) {
		struct cbpf_typed s = cbpf_decode(j->insns[i]);

		if (s.kind == CBPF_KIND_LD_ABS)
			emit_spec_load(j, top, i, s.k, (unsigned)s.size);
		else if (s.kind == CBPF_KIND_LD_IMM)
			x86_mov_ri(&j->b, REG_A, s.k);
		else
			emit_alu_k(j, s.alu, s.k);
	}
	ft = cbpf_decode(j->insns[last]);
	if (j->wire[last] != 0) /* A (from before or the block's load) in wire order */
		ft.k = cbpf_jit_wire_k(ft.k, j->wire[last], ft.jmp == CBPF_JMP_JSET);
	if (is_ret(j, last + 1 + ft.jt) && is_ret(j, last + 1 + ft.jf)) {
		rt = cbpf_decode(j->insns[last + 1 + ft.jt]);
		rf = cbpf_decode(j->insns[last + 1 + ft.jf]);
		emit_compare(j, &ft, REG_A);
		emit_select_value(j, jump_cc[ft.jmp], &rt, &rf, REG_T2); /* the block's ret */
	} else {
		emit_spec_level(j, top, last, &ft, jump_cc[ft.jmp], depth + 1, false);
	}
	if (may_fail) {
		x86_test_rr(&j->b, X86_RCX, X86_RCX);
		x86_mov_ri64(&j->b, REG_T2, (uint64_t)CBPF_ABORT_LOAD << 32);
		x86_cmov_w(&j->b, true, X86_CC_NE, REG_A, REG_T2); /* or a failed load */
	}
	emit_compare(j, t, save);
	cc_r = r_taken ? cc : (enum x86_cc)(cc ^ 1);
	if (r.src == CBPF_SRC_A) {
		x86_cmov_w(&j->b, true, cc_r, REG_A, save);      /* R: ret A */
	} else {
		x86_mov_ri(&j->b, REG_T2, r.k);
		x86_cmov_w(&j->b, true, cc_r, REG_A, REG_T2);    /* R: ret k */
	}
}

/*
 * If-conversion of `A op c ? tt : tf` where one target is a ret R and the
 * other starts a chain that spec_chain() accepts: every block is
 * computed and the result selected with cmovs, so the run takes no
 * branch here. A one-block chain's loads that may fail set ecx; then its
 * result is a failed load (0, abort load); a block whose loads are all
 * proved in bounds (the unchecked body) has none of that. Nothing runs
 * after. Returns false when the pattern does not apply.
 */
static bool emit_speculate(struct jit *j, uint32_t pc, const struct cbpf_typed *t,
			   enum x86_cc cc)
{
	uint32_t b, r, last;
	bool r_taken, may_fail;
	unsigned levels;

	if (!spec_target(j, pc, t, &b, &r, &r_taken))
		return false;
	levels = spec_chain(j, pc, b, 0, &last);
	if (levels == 0)
		return false;
	may_fail = levels == 1 && spec_block_may_fail(j, pc, b, last);
	if (may_fail) {
		x86_alu_rr(&j->b, false, X86_XOR, X86_RCX, X86_RCX); /* no failed load */
		x86_mov_rr(&j->b, true, REG_LENV, X86_RSP);
	}
	emit_spec_level(j, pc, pc, t, cc, 0, may_fail);
	emit_exit(j);
	return true;
}

/* pc <- A op (k|X) ? pc+1+jt : pc+1+jf (unsigned compares); no jump
 * where the target is the next pc. */
static void emit_jcond(struct jit *j, uint32_t pc, const struct cbpf_typed *t)
{
	uint32_t tt = pc + 1 + t->jt, tf = pc + 1 + t->jf;
	enum x86_cc cc = jump_cc[t->jmp];

	if (tt == tf) {
		if (tt != pc + 1)
			jmp_to(j, LBL_PC, tt);
		return;
	}
	if (emit_speculate(j, pc, t, cc))
		return;
	emit_compare(j, t, REG_A);
	if (tt < j->n && tf < j->n && emit_select_ret(j, cc, tt, tf))
		return;
	if (tt == pc + 1) {
		jcc_to(j, (enum x86_cc)(cc ^ 1), LBL_PC, tf); /* cc ^ 1 negates */
	} else {
		jcc_to(j, cc, LBL_PC, tt);
		if (tf != pc + 1)
			jmp_to(j, LBL_PC, tf);
	}
}

/* Leave: drop the frame, return rax. */
static void emit_exit(struct jit *j)
{
	if (j->frame)
		x86_alu_ri(&j->b, true, X86_ADD, X86_RSP, (uint32_t)FRAME_SIZE);
	x86_ret(&j->b);
}

/* return k | A (A is eax with the upper half 0: end code CBPF_END_RET). */
static void emit_ret(struct jit *j, const struct cbpf_typed *t)
{
	if (t->src != CBPF_SRC_A)
		x86_mov_ri(&j->b, REG_A, t->k);
	emit_exit(j);
}

static void emit_insn(struct jit *j, uint32_t pc, const struct cbpf_typed *t)
{
	switch (t->kind) {
	case CBPF_KIND_LD_ABS: emit_ld_abs(j, pc, t->k, (unsigned)t->size); break;
	case CBPF_KIND_LD_IND: emit_ld_ind(j, pc, t->k, (unsigned)t->size); break;
	case CBPF_KIND_LD_MSH: emit_ld_msh(j, pc, t->k); break;
	case CBPF_KIND_LD_EXT:
		if (t->ext == CBPF_EXT_ALU_XOR_X)
			x86_alu_rr(&j->b, false, X86_XOR, REG_A, REG_X); /* A <- A ^ X */
		else
			emit_escape(j, pc); /* A <- ancillary k, in the interpreter */
		break;
	case CBPF_KIND_ALU:
		if (t->src == CBPF_SRC_X)
			emit_alu_x(j, t->alu);
		else
			emit_alu_k(j, t->alu, t->k);
		break;
	case CBPF_KIND_NEG: x86_unary(&j->b, X86_NEG, REG_A); break; /* A <- 0 - A */
	case CBPF_KIND_JA:                                          /* pc <- pc + 1 + k */
		if (t->k != 0)
			jmp_to(j, LBL_PC, pc + 1 + t->k);
		break;
	case CBPF_KIND_JCOND:
		if (j->wire[pc] != 0) { /* A is in wire order: compare with k swapped */
			struct cbpf_typed w = *t;

			w.k = cbpf_jit_wire_k(t->k, j->wire[pc], t->jmp == CBPF_JMP_JSET);
			emit_jcond(j, pc, &w);
		} else {
			emit_jcond(j, pc, t);
		}
		break;
	case CBPF_KIND_RET: emit_ret(j, t); break;
	default: emit_move(j, t); break;
	}
}

/* The end codes: rax <- end << 32 (verdict 0). */
static void emit_end(struct jit *j, unsigned end)
{
	x86_mov_ri(&j->b, REG_A, end);
	x86_shift_ri(&j->b, true, X86_SHL, REG_A, 32);
	emit_exit(j);
}

/* The escape (r11d = pc): A, X, pc into the frame (built now if the
 * program has none), then
 * rax <- cbpf_vm_jit_resume(vm, pkt, len, ctx, rsp). */
static void emit_escape_tail(struct jit *j)
{
	static const uint8_t store[] = { 0x89 };
	uint64_t resume = (uint64_t)(uintptr_t)&cbpf_vm_jit_resume;

	if (!j->frame)
		x86_alu_ri(&j->b, true, X86_SUB, X86_RSP, (uint32_t)FRAME_SIZE);
	x86_op_rm(&j->b, false, store, 1, REG_A, X86_RSP,
		  (int32_t)offsetof(struct vm_jit_state, A));
	x86_op_rm(&j->b, false, store, 1, REG_X, X86_RSP,
		  (int32_t)offsetof(struct vm_jit_state, X));
	x86_op_rm(&j->b, false, store, 1, REG_T2, X86_RSP,
		  (int32_t)offsetof(struct vm_jit_state, pc));
	x86_mov_rr(&j->b, true, X86_R8, X86_RSP); /* rdi, rsi, rdx, rcx are in place */
	x86_mov_ri64(&j->b, X86_RAX, resume);
	x86_call_r(&j->b, X86_RAX);
	x86_alu_ri(&j->b, true, X86_ADD, X86_RSP, (uint32_t)FRAME_SIZE);
	x86_ret(&j->b);
}

/* r10d <- ld #len: the packet length when ctx is NULL (falling
 * through, the capture loop's case), else the out-of-line tail
 * (emit_ctx_len_tail) reads ctx->len. */
static void emit_len_value(struct jit *j)
{
	x86_mov_rr(&j->b, false, REG_LENV, REG_LEN);
	x86_test_rr64(&j->b, REG_CTX, REG_CTX);
	j->ctx_len_jcc = x86_jcc(&j->b, X86_CC_NE);
	j->ctx_len_back = j->b.len;
}

/* With a ctx: r10d <- ctx->len unless it is unset, then back. */
static void emit_ctx_len_tail(struct jit *j)
{
	static const uint8_t load64[] = { 0x8b };

	x86_patch_rel32(&j->b, j->ctx_len_jcc, j->b.len);
	x86_op_rm(&j->b, true, load64, 1, REG_T2, REG_CTX, (int32_t)offsetof(struct cbpf_ctx, len));
	x86_mov_ri64(&j->b, REG_T, (uint64_t)CBPF_CTX_UNSET);
	x86_alu_rr(&j->b, true, X86_CMP, REG_T2, REG_T);
	x86_patch_rel32(&j->b, x86_jcc(&j->b, X86_CC_E), j->ctx_len_back);
	x86_mov_rr(&j->b, false, REG_LENV, REG_T2);
	x86_patch_rel32(&j->b, x86_jmp(&j->b), j->ctx_len_back);
}

/*
 * The out-of-line tails: per IND load, the slow path (o in r9d: negative as
 * an int escapes to the windows, else the load fails); then the shared
 * failed load, div0, and escape (r11d = pc).
 */
static void emit_tails(struct jit *j, size_t *fail, size_t *div0, size_t *esc,
		       size_t *lng)
{
	size_t nbody = j->nfix;

	for (size_t i = 0; i < nbody; i++) {
		if (j->fix[i].label != LBL_IND_SLOW)
			continue;
		x86_patch_rel32(&j->b, j->fix[i].pos, j->b.len);
		j->fix[i].label = LBL_DONE;
		x86_test_rr(&j->b, REG_T, REG_T);
		jcc_to(j, X86_CC_NS, LBL_FAIL, 0);
		emit_escape(j, j->fix[i].pc);
	}
	if (j->uses_len)
		emit_ctx_len_tail(j);
	*fail = j->b.len;
	emit_end(j, CBPF_ABORT_LOAD);
	*div0 = j->b.len;
	emit_end(j, CBPF_ABORT_DIV0);
	*esc = j->b.len;
	emit_escape_tail(j);
	/* len > VM_JIT_MAX_LEN: the whole run in the interpreter (nothing has
	 * changed rdi, rsi, rdx, rcx yet); a tail call. */
	*lng = j->b.len;
	x86_mov_ri64(&j->b, X86_RAX, (uint64_t)(uintptr_t)&cbpf_vm_interp_run);
	x86_jmp_r(&j->b, X86_RAX);
}

static void resolve(struct jit *j, size_t fail, size_t div0, size_t esc, size_t lng)
{
	for (size_t i = 0; i < j->nfix; i++) {
		const struct jit_fixup *f = &j->fix[i];
		size_t to;

		switch (f->label) {
		case LBL_PC:
			if (f->pc >= j->n) {
				j->fail = true;
				return;
			}
			to = j->pc_pos[(size_t)f->version * j->n + f->pc];
			break;
		case LBL_FAIL: to = fail; break;
		case LBL_DIV0: to = div0; break;
		case LBL_ESC: to = esc; break;
		case LBL_LONG: to = lng; break;
		default: continue;
		}
		x86_patch_rel32(&j->b, f->pos, to);
	}
}

/*
 * Prologue: a NULL packet reads as no bytes (len <- 0, as the interpreter
 * does); lengths past VM_JIT_MAX_LEN go to the interpreter when a load
 * relies on the bound; then the len value and the zeroed frame when the
 * program needs them, and A = X = 0 where the program could see them.
 */
static void emit_prologue(struct jit *j)
{
	static const uint8_t store64[] = { 0x89 };

	if (j->reads_input) {
		x86_test_rr64(&j->b, REG_PKT, REG_PKT);
		x86_cmov_w(&j->b, true, X86_CC_E, REG_LEN, REG_PKT);
	}
	if (j->long_len) {
		x86_alu_ri(&j->b, true, X86_CMP, REG_LEN, (uint32_t)VM_JIT_MAX_LEN);
		jcc_to(j, X86_CC_A, LBL_LONG, 0);
	}
	if (j->uses_len)
		emit_len_value(j);
	if (j->frame) {
		x86_alu_ri(&j->b, true, X86_SUB, X86_RSP, (uint32_t)FRAME_SIZE);
		x86_alu_rr(&j->b, false, X86_XOR, REG_T, REG_T);
		for (int32_t off = 0; off < (int32_t)sizeof(uint32_t[CBPF_MEMWORDS]); off += 8)
			x86_op_rm(&j->b, true, store64, 1, REG_T, X86_RSP, off);
	}
	if (!j->writes_a_first)
		x86_alu_rr(&j->b, false, X86_XOR, REG_A, REG_A);
	if (j->reads_x)
		x86_alu_rr(&j->b, false, X86_XOR, REG_X, REG_X);
}

/* The length an instruction proves when the run goes on past it: a
 * successful ABS or MSH load at k >= 0 means len >= k + size. */
static uint64_t proven_len(const struct cbpf_typed *t, uint64_t before)
{
	uint64_t end = (uint64_t)t->k + (t->kind == CBPF_KIND_LD_MSH ? 1 : (unsigned)t->size);

	if ((t->kind != CBPF_KIND_LD_ABS && t->kind != CBPF_KIND_LD_MSH) || t->k > INT32_MAX)
		return before;
	return end > before ? end : before;
}

/* Give every successor of pc at most `len` as its known length. */
static void flow_len(struct jit *j, size_t pc, const struct cbpf_typed *t, uint64_t len)
{
	size_t to[2] = { pc + 1, pc + 1 };
	size_t nto = 1;

	if (t->kind == CBPF_KIND_RET)
		return;
	if (t->kind == CBPF_KIND_JA) {
		to[0] = pc + 1 + t->k;
	} else if (t->kind == CBPF_KIND_JCOND) {
		to[0] = pc + 1 + t->jt;
		to[1] = pc + 1 + t->jf;
		nto = 2;
	}
	for (size_t i = 0; i < nto; i++)
		if (to[i] < j->n && len < j->known[to[i]])
			j->known[to[i]] = len;
}

/* Whether insn sets A without reading A or X and without escaping (so the
 * prologue need not zero A before it). */
static bool sets_a_only(const struct cbpf_insn *insn)
{
	struct cbpf_typed t = cbpf_decode(*insn);

	switch (t.kind) {
	case CBPF_KIND_LD_IMM:
	case CBPF_KIND_LD_LEN:
	case CBPF_KIND_LD_MEM: return t.reg == CBPF_REG_A;
	case CBPF_KIND_LD_ABS: return t.k <= INT32_MAX;
	default: return false;
	}
}

/* X after t, given what was known before it. */
static struct jit_x x_after(const struct cbpf_typed *t, struct jit_x x)
{
	bool to_x = t->reg == CBPF_REG_X;

	switch (t->kind) {
	case CBPF_KIND_LD_MSH: x.max = 60; break;                 /* 4 * (b & 0xf) */
	case CBPF_KIND_LD_IMM: if (!to_x) return x; x.max = t->k; break;
	case CBPF_KIND_LD_LEN:
	case CBPF_KIND_LD_MEM: if (!to_x) return x; x.max = UINT32_MAX; break;
	case CBPF_KIND_TAX: x.max = UINT32_MAX; break;
	default: return x;
	}
	x.written = true;
	return x;
}

/* Merge x into what pc's other predecessors said. */
static void x_into(struct jit *j, size_t pc, struct jit_x x)
{
	struct jit_x *to;

	if (pc >= j->n)
		return;
	to = &j->x[pc];
	if (!to->reached) {
		*to = x;
		return;
	}
	to->max = x.max > to->max ? x.max : to->max;
	to->written = to->written && x.written;
}

/* Give every successor of pc what X is after it. */
static void flow_x(struct jit *j, size_t pc, const struct cbpf_typed *t)
{
	struct jit_x x = x_after(t, j->x[pc]);

	if (t->kind == CBPF_KIND_RET)
		return;
	if (t->kind == CBPF_KIND_JA) {
		x_into(j, pc + 1 + t->k, x);
	} else if (t->kind == CBPF_KIND_JCOND) {
		x_into(j, pc + 1 + t->jt, x);
		x_into(j, pc + 1 + t->jf, x);
	} else {
		x_into(j, pc + 1, x);
	}
}

/* What the prologue must provide for instruction t: the input (pkt, len),
 * the bound len <= VM_JIT_MAX_LEN, X = 0 (only where X may be read, or
 * saved by an escape, before the program wrote it). An escape (windows,
 * extensions) reads all three in the interpreter. */
static void note_registers(struct jit *j, const struct cbpf_typed *t, bool x_written)
{
	uint64_t end = (uint64_t)t->k + (t->kind == CBPF_KIND_LD_MSH ? 1 : (unsigned)t->size);
	bool escapes = t->kind == CBPF_KIND_LD_EXT ||
		       ((t->kind == CBPF_KIND_LD_ABS || t->kind == CBPF_KIND_LD_MSH) &&
			t->k > INT32_MAX);
	bool load = t->kind == CBPF_KIND_LD_ABS || t->kind == CBPF_KIND_LD_MSH ||
		    t->kind == CBPF_KIND_LD_IND;

	j->reads_input |= load || escapes || t->kind == CBPF_KIND_LD_LEN;
	j->long_len |= escapes || t->kind == CBPF_KIND_LD_IND ||
		       (load && end > VM_JIT_MAX_LEN);
	j->reads_x |= !x_written &&
		      (escapes || t->kind == CBPF_KIND_LD_IND || t->kind == CBPF_KIND_TXA ||
		       (t->kind == CBPF_KIND_ST && t->reg == CBPF_REG_X) ||
		       ((t->kind == CBPF_KIND_ALU || t->kind == CBPF_KIND_JCOND) &&
			t->src == CBPF_SRC_X));
}

/* Versioning applies to programs whose loads all lie in the first 64 KiB
 * (every compiled filter; a longer bound would rarely hold). */
#define VERSION_MAX_END 65535u

/* Count a bounds check the checked body needs (an ABS or MSH load at
 * k >= 0 not already proved by `known`) and the bound it needs. */
static void note_check(const struct cbpf_typed *t, uint64_t known, size_t *checks,
		       uint64_t *max_end)
{
	uint64_t end = (uint64_t)t->k + (t->kind == CBPF_KIND_LD_MSH ? 1 : (unsigned)t->size);

	if ((t->kind != CBPF_KIND_LD_ABS && t->kind != CBPF_KIND_LD_MSH) || t->k > INT32_MAX)
		return;
	if (end > *max_end)
		*max_end = end;
	*checks += end > known;
}

/*
 * What the prologue must prepare, and the bounds already checked: jumps go
 * forward only, so one pass in pc order computes, for each pc, the
 * minimum over all paths of the length their loads proved (0 at entry;
 * an unreachable pc keeps 0, i.e. all checks).
 */
static void scan(struct jit *j, const struct cbpf_insn *insns)
{
	uint64_t max_end = 0;
	size_t checks = 0;

	for (size_t pc = 0; pc < j->n; pc++) {
		j->known[pc] = pc == 0 ? 0 : UINT64_MAX;
		j->x[pc] = (struct jit_x){ 0, false, pc == 0 };
	}
	for (size_t pc = 0; pc < j->n; pc++) {
		struct cbpf_typed t = cbpf_decode(insns[pc]);

		if (j->known[pc] == UINT64_MAX)
			j->known[pc] = 0;
		if (!j->x[pc].reached) /* dead code: assume nothing */
			j->x[pc] = (struct jit_x){ UINT32_MAX, false, false };
		j->frame |= t.kind == CBPF_KIND_LD_MEM || t.kind == CBPF_KIND_ST;
		j->uses_len |= t.kind == CBPF_KIND_LD_LEN;
		note_registers(j, &t, j->x[pc].written);
		flow_x(j, pc, &t);
		note_check(&t, j->known[pc], &checks, &max_end);
		flow_len(j, pc, &t, proven_len(&t, j->known[pc]));
	}
	j->writes_a_first = sets_a_only(&j->insns[0]);
	/* Two bodies only when that saves a check on some path. */
	j->max_end = checks >= 2 && max_end <= VERSION_MAX_END ? max_end : 0;
}

/* One copy of the program, in pc order (j->version says which). */
static void emit_body(struct jit *j, const struct cbpf_insn *insns)
{
	for (size_t pc = 0; pc < j->n && !j->fail; pc++) {
		struct cbpf_typed t = cbpf_decode(insns[pc]);

		j->pc_pos[(size_t)j->version * j->n + pc] = j->b.len;
		emit_insn(j, (uint32_t)pc, &t);
	}
}

static int generate(struct jit *j, const struct cbpf_insn *insns)
{
	size_t fail, div0, esc, lng;

	j->insns = insns;
	scan(j, insns);
	emit_prologue(j);
	if (j->max_end > 0) {
		/* len >= max_end: the body without ABS/MSH checks; else the
		 * checked one. */
		x86_alu_ri(&j->b, true, X86_CMP, REG_LEN, (uint32_t)j->max_end);
		j->version = 1;
		jcc_to(j, X86_CC_B, LBL_PC, 0);
		j->version = 0;
		emit_body(j, insns);
	}
	j->version = 1;
	emit_body(j, insns);
	emit_tails(j, &fail, &div0, &esc, &lng);
	resolve(j, fail, div0, esc, lng);
	return j->fail || j->b.oom ? -1 : 0;
}

/*
 * Where the code goes: near this library's own code. Measured here (AMD
 * EPYC, bench/README.md "Native code"), a call from a capture loop into
 * code mapped where mmap() puts it by default, terabytes away from the
 * caller, costs about 0.8 ns more per packet than the same bytes within a
 * few hundred MB of it (the branch predictors keep near targets cheaply).
 * So the mapping is asked for (a hint, never MAP_FIXED) in the 1 GB below
 * the library's code, at a moving address; where the kernel puts it
 * elsewhere, that mapping is used as it is.
 */
#define NEAR_SPAN ((uintptr_t)1 << 30)
#define NEAR_TRIES 4

static _Atomic uintptr_t near_next;

static bool is_near(uintptr_t a, uintptr_t anchor)
{
	return a < anchor && anchor - a <= 2 * NEAR_SPAN;
}

static void *map_code(size_t size)
{
	uintptr_t anchor = (uintptr_t)&cbpf_vm_jit_resume & ~(uintptr_t)0xfffff;
	int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *mem = MAP_FAILED;

	if (anchor > NEAR_SPAN) {
		uintptr_t expected = 0;

		atomic_compare_exchange_strong(&near_next, &expected, anchor - NEAR_SPAN);
		for (int i = 0; i < NEAR_TRIES; i++) {
			uintptr_t hint = atomic_fetch_add(&near_next, size);

			if (!is_near(hint, anchor))
				break;
			mem = mmap((void *)hint, size, prot, flags, -1, 0);
			if (mem == MAP_FAILED || is_near((uintptr_t)mem, anchor))
				return mem;
			munmap(mem, size);
			mem = MAP_FAILED;
			atomic_fetch_add(&near_next, (uintptr_t)1 << 20); /* past what is there */
		}
	}
	return mmap(NULL, size, prot, flags, -1, 0);
}

/* Copy the code into a new mapping, then make it read+execute. */
static int install(const struct x86_buf *b, struct vm_jit *out)
{
	size_t page = 4096, size = (b->len + page - 1) / page * page;
	void *mem = map_code(size);

	if (mem == MAP_FAILED)
		return -1;
	memcpy(mem, b->p, b->len);
	if (mprotect(mem, size, PROT_READ | PROT_EXEC) != 0) {
		munmap(mem, size);
		return -1;
	}
	__builtin___clear_cache((char *)mem, (char *)mem + b->len);
	_Static_assert(sizeof(out->fn) == sizeof(mem), "code and data pointers differ");
	memcpy(&out->fn, &mem, sizeof(out->fn)); /* POSIX: object to function pointer */
	out->mem = mem;
	out->size = size;
	return 0;
}

int cbpf_vm_jit_compile(const struct cbpf_insn *insns, size_t n, struct vm_jit *out)
{
	struct jit j = { .n = n };
	int err = -1;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n > CBPF_MAXINSNS)
		return -1;
	j.pc_pos = malloc(2 * n * sizeof(*j.pc_pos));
	j.known = malloc(n * sizeof(*j.known));
	j.x = malloc(n * sizeof(*j.x));
	j.wire = malloc(n);
	if (j.wire != NULL && cbpf_jit_wire_order(insns, n, j.wire) != 0) {
		free(j.wire);
		j.wire = NULL;
	}
	if (j.pc_pos != NULL && j.known != NULL && j.x != NULL && j.wire != NULL &&
	    generate(&j, insns) == 0)
		err = install(&j.b, out);
	free(j.x);
	free(j.wire);
	free(j.known);
	free(j.pc_pos);
	free(j.fix);
	free(j.b.p);
	return err;
}

void cbpf_vm_jit_free(struct vm_jit *j)
{
	if (j->mem != NULL)
		munmap(j->mem, j->size);
	memset(j, 0, sizeof(*j));
}

#else /* no code generator: always interpret */

#include <string.h>

int cbpf_vm_jit_compile(const struct cbpf_insn *insns, size_t n, struct vm_jit *out)
{
	(void)insns;
	(void)n;
	memset(out, 0, sizeof(*out));
	return -1;
}

void cbpf_vm_jit_free(struct vm_jit *j)
{
	(void)j;
}

#endif
