/*
 * test_vm.c - the VM's run-time semantics, each rule asserted with the
 * exact value and end reason Linux gives (x86-64; the alu.*, jump.*, ret.*,
 * load.*, window.* and ext.* entries of docs/linux-semantics.md):
 * all 49 opcodes at edge values, shifts by X masked to 5 bits, div/mod by
 * X = 0, every load window and failure, IND wrap-around, the 16 extensions
 * with and without a context, nla/nlan over crafted netlink attributes, poff
 * "auto" over IPv4/IPv6 frames, the seccomp profile, the fused
 * superinstructions against their plain forms, one VM from 4 threads, and
 * random valid programs against a plain reference interpreter. Every
 * expectation holds for the native code (the default where there is some)
 * and for the interpreter (CBPF_VM_NO_JIT); test_vm_jit.c compares the two.
 */
#include "check.h"

#include <errno.h>
#include <pthread.h>

#include "cbpf/insn.h"
#include "cbpf/opcode.h"
#include "cbpf/validate.h"
#include "cbpf/vm.h"
#include "randinput.h"
#include "randprog.h"

/* Instruction builders (bpf_asm spelling in the names). */
#define LDK(k)        cbpf_stmt(CBPF_LD | CBPF_IMM, (k))
#define LDXK(k)       cbpf_stmt(CBPF_LDX | CBPF_IMM, (k))
#define LDLEN         cbpf_stmt(CBPF_LD | CBPF_LEN, 0)
#define LDXLEN        cbpf_stmt(CBPF_LDX | CBPF_LEN, 0)
#define LDM(k)        cbpf_stmt(CBPF_LD | CBPF_MEM, (k))
#define LDXM(k)       cbpf_stmt(CBPF_LDX | CBPF_MEM, (k))
#define ST(k)         cbpf_stmt(CBPF_ST, (k))
#define STX(k)        cbpf_stmt(CBPF_STX, (k))
#define LDABS(sz, k)  cbpf_stmt(CBPF_LD | (sz) | CBPF_ABS, (uint32_t)(k))
#define LDIND(sz, k)  cbpf_stmt(CBPF_LD | (sz) | CBPF_IND, (uint32_t)(k))
#define MSH(k)        cbpf_stmt(CBPF_LDX | CBPF_B | CBPF_MSH, (uint32_t)(k))
#define EXT(sz, e)    cbpf_stmt(CBPF_LD | (sz) | CBPF_ABS, cbpf_ext_k(e))
#define ALUK(op, k)   cbpf_stmt(CBPF_ALU | (op) | CBPF_K, (k))
#define ALUX(op)      cbpf_stmt(CBPF_ALU | (op) | CBPF_X, 0)
#define NEG           cbpf_stmt(CBPF_ALU | CBPF_NEG, 0)
#define JA(k)         cbpf_stmt(CBPF_JMP | CBPF_JA, (k))
#define JK(op, k, t, f) cbpf_jump(CBPF_JMP | (op) | CBPF_K, (k), (t), (f))
#define JX(op, t, f)  cbpf_jump(CBPF_JMP | (op) | CBPF_X, 0, (t), (f))
#define RETK(k)       cbpf_stmt(CBPF_RET | CBPF_K, (k))
#define RETA          cbpf_stmt(CBPF_RET | CBPF_RET_A, 0)
#define TAX           cbpf_stmt(CBPF_MISC | CBPF_TAX, 0)
#define TXA           cbpf_stmt(CBPF_MISC | CBPF_TXA, 0)

#define NET(o) ((uint32_t)CBPF_SKF_NET_OFF + (uint32_t)(o))
#define LL(o)  ((uint32_t)CBPF_SKF_LL_OFF + (uint32_t)(o))

#define PROG(...) ((const struct cbpf_insn[]){ __VA_ARGS__ }), \
	(sizeof((const struct cbpf_insn[]){ __VA_ARGS__ }) / sizeof(struct cbpf_insn))

#define RET CBPF_END_RET
#define LOADF CBPF_ABORT_LOAD
#define DIV0 CBPF_ABORT_DIV0
#define NODEV CBPF_ABORT_NODEV

/* The probe packet of the measured values: 100 bytes, P[i] = i + 5. */
static uint8_t P100[100];

/* Build with flags and run once; false (reported) when the build fails. */
static bool run_once(int line, const struct cbpf_insn *p, size_t n, enum cbpf_profile prof,
		     unsigned flags, const uint8_t *pkt, size_t len, const struct cbpf_ctx *ctx,
		     struct cbpf_result *r)
{
	struct cbpf_vm *vm = NULL;
	struct cbpf_diag prob = { 0 };
	int err = cbpf_vm_create(p, n, prof, flags, &vm, &prob);

	if (err != 0) {
		CHECK_REPORT_("test_vm.c:%d: cbpf_vm_create failed: %d (insn %ld: %s)\n", line,
			      err, prob.insn, prob.msg);
		return false;
	}
	*r = cbpf_vm_run(vm, pkt, len, ctx);
	cbpf_vm_free(vm);
	return true;
}

/* The expected result, from the native code (where there is some) and
 * from the interpreter alike. */
static void expect_at(int line, const struct cbpf_insn *p, size_t n, enum cbpf_profile prof,
		      const uint8_t *pkt, size_t len, const struct cbpf_ctx *ctx,
		      uint32_t verdict, enum cbpf_abort end)
{
	static const unsigned modes[] = { 0, CBPF_VM_NO_JIT };

	for (size_t m = 0; m < 2; m++) {
		struct cbpf_result r;

		check_count++;
		if (!run_once(line, p, n, prof, modes[m], pkt, len, ctx, &r))
			return;
		if (r.verdict != verdict || r.end != end)
			CHECK_REPORT_("test_vm.c:%d (%s): got 0x%" PRIx32 " (%s), want 0x%" PRIx32
				      " (%s)\n", line, m == 0 ? "default" : "interpreter",
				      r.verdict, cbpf_abort_name(r.end), verdict,
				      cbpf_abort_name(end));
	}
}

/* Run on the probe packet with the default context. */
#define EXPECT(v, end, ...) \
	expect_at(__LINE__, PROG(__VA_ARGS__), CBPF_PROFILE_LINUX, P100, sizeof(P100), NULL, v, end)
/* Run on a given packet and context. */
#define EXPECT_ON(pkt, len, ctx, v, end, ...) \
	expect_at(__LINE__, PROG(__VA_ARGS__), CBPF_PROFILE_LINUX, pkt, len, ctx, v, end)

static int create_err(const struct cbpf_insn *p, size_t n, enum cbpf_profile prof)
{
	struct cbpf_vm *vm = NULL;
	int err = cbpf_vm_create(p, n, prof, 0, &vm, NULL);

	cbpf_vm_free(vm);
	return err;
}

/* ---- ALU, all 20 ALU opcodes and neg over edge values ---- */

static const uint32_t edges[] = { 0, 1, 0x7fffffff, 0x80000000, 0xffffffff };
#define NEDGES (sizeof(edges) / sizeof(edges[0]))

/* u32 reference with the kernel's shift-by-X rule (& 31). */
static uint32_t alu_ref(unsigned op, uint32_t a, uint32_t b)
{
	switch (op) {
	case CBPF_ADD: return a + b;
	case CBPF_SUB: return a - b;
	case CBPF_MUL: return a * b;
	case CBPF_DIV: return a / b;
	case CBPF_MOD: return a % b;
	case CBPF_AND: return a & b;
	case CBPF_OR:  return a | b;
	case CBPF_XOR: return a ^ b;
	case CBPF_LSH: return a << (b & 31);
	case CBPF_RSH: return a >> (b & 31);
	}
	return 0;
}

static void test_alu_grid(void)
{
	static const unsigned ops[] = { CBPF_ADD, CBPF_SUB, CBPF_MUL, CBPF_DIV, CBPF_MOD,
					CBPF_AND, CBPF_OR,  CBPF_XOR, CBPF_LSH, CBPF_RSH };
	static const uint32_t shift_x[] = { 0, 1, 31, 32, 33, 0xffffffff };
	static const uint32_t shift_k[] = { 0, 1, 31 };

	for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
		unsigned op = ops[o];
		bool shift = op == CBPF_LSH || op == CBPF_RSH;
		bool div = op == CBPF_DIV || op == CBPF_MOD;
		const uint32_t *bs = shift ? shift_x : edges;
		size_t nb = shift ? 6 : NEDGES;

		for (size_t i = 0; i < NEDGES; i++) {
			uint32_t a = edges[i];
			for (size_t j = 0; j < nb; j++) {
				uint32_t b = bs[j];
				/* A op X */
				if (div && b == 0)
					EXPECT(0, DIV0, LDK(a), LDXK(b), ALUX(op), RETK(9));
				else
					EXPECT(alu_ref(op, a, b), RET, LDK(a), LDXK(b), ALUX(op), RETA);
			}
			for (size_t j = 0; j < (shift ? 3 : NEDGES); j++) {
				uint32_t b = shift ? shift_k[j] : edges[j];
				if (div && b == 0)
					continue; /* rejected at load: see test_validation */
				EXPECT(alu_ref(op, a, b), RET, LDK(a), ALUK(op, b), RETA);
			}
		}
	}
	for (size_t i = 0; i < NEDGES; i++)
		EXPECT(0u - edges[i], RET, LDK(edges[i]), NEG, RETA);
}

/* Hand-computed values (linux-semantics: alu.u32, alu.unsigned-div-mod, alu.neg). */
static void test_alu_values(void)
{
	EXPECT(0, RET, LDK(0xffffffff), ALUK(CBPF_ADD, 1), RETA);
	EXPECT(0xffffffff, RET, LDK(0), ALUK(CBPF_SUB, 1), RETA);
	EXPECT(1, RET, LDK(0xffffffff), LDXK(0xffffffff), ALUX(CBPF_MUL), RETA);
	EXPECT(0, RET, LDK(0x80000000), ALUK(CBPF_MUL, 2), RETA);
	EXPECT(1, RET, LDK(0xfffffff9), ALUK(CBPF_MOD, 4), RETA);          /* unsigned mod */
	EXPECT(0, RET, LDK(0x80000000), ALUK(CBPF_DIV, 0xffffffff), RETA);  /* unsigned div */
	EXPECT(0xffffffff, RET, LDK(0xffffffff), ALUK(CBPF_DIV, 1), RETA);
	EXPECT(5, RET, LDK(5), ALUK(CBPF_MOD, 0xffffffff), RETA);
	EXPECT(0, RET, LDK(0xffffffff), ALUK(CBPF_MOD, 1), RETA);
	EXPECT(0x7fffffff, RET, LDK(0xffffffff), ALUK(CBPF_RSH, 1), RETA);  /* logical */
	EXPECT(0x80000000, RET, LDK(1), ALUK(CBPF_LSH, 31), RETA);
	EXPECT(0xfffffffb, RET, LDK(5), NEG, RETA);                        /* neg = 0 - A */
	EXPECT(0x80000000, RET, LDK(0x80000000), NEG, RETA);
	/* shift by X: A << (X & 31), measured 3 << 33 = 6 on 6.18
	 * (linux-semantics: alu.shift-x-masked) */
	EXPECT(6, RET, LDK(3), LDXK(33), ALUX(CBPF_LSH), RETA);
	EXPECT(3, RET, LDK(6), LDXK(33), ALUX(CBPF_RSH), RETA);
	EXPECT(3, RET, LDK(3), LDXK(32), ALUX(CBPF_LSH), RETA);
	EXPECT(1, RET, LDK(0x80000000), LDXK(0xffffffff), ALUX(CBPF_RSH), RETA);
	EXPECT(0x80000000, RET, LDK(1), LDXK(0xffffffff), ALUX(CBPF_LSH), RETA);
	/* div/mod by X = 0 ends the whole program returning 0
	 * (linux-semantics: alu.div-x-zero) */
	EXPECT(0, DIV0, LDK(7), LDXK(0), ALUX(CBPF_DIV), RETK(9));
	EXPECT(0, DIV0, LDK(7), LDXK(0), ALUX(CBPF_MOD), RETK(77));
	EXPECT(7, RET, LDK(7), LDXK(1), ALUX(CBPF_DIV), RETA);
	EXPECT(0, RET, LDK(7), LDXK(0xffffffff), ALUX(CBPF_DIV), RETA);
	EXPECT(7, RET, LDK(7), LDXK(0xffffffff), ALUX(CBPF_MOD), RETA);
	EXPECT(0, RET, LDK(7), LDXK(1), ALUX(CBPF_MOD), RETA);
	EXPECT(0xf0f0, RET, LDK(0xf000), ALUK(CBPF_OR, 0x00f0), RETA);
	EXPECT(0x0f00, RET, LDK(0xff00), ALUK(CBPF_AND, 0x0ff0), RETA);
	EXPECT(0xf00f, RET, LDK(0xff0f), LDXK(0x0f00), ALUX(CBPF_XOR), RETA);
}

/* ---- registers, scratch memory, len ---- */

static void test_registers(void)
{
	/* tax/txa in Linux's direction, gVisor has them swapped (linux-semantics:
	 * alu.tax-txa) */
	EXPECT(7, RET, LDK(7), TAX, LDK(0), TXA, RETA);
	EXPECT(0, RET, LDXK(5), LDK(0), TAX, TXA, RETA);
	/* initial state A = X = 0 (linux-semantics: alu.initial-state) */
	EXPECT(0, RET, RETA);
	EXPECT(0, RET, TXA, RETA);
	/* scratch: every cell, st and stx, ld and ldx */
	EXPECT(0x80000000, RET, LDK(0x80000000), ST(15), LDK(0), LDM(15), RETA);
	EXPECT(0xffffffff, RET, LDXK(0xffffffff), STX(0), LDXM(0), TXA, RETA);
	EXPECT(3, RET, LDK(1), ST(1), LDK(2), ST(2), LDM(1), TAX, LDM(2), ALUX(CBPF_ADD), RETA);
	/* ld #len / ldx #len: the packet length, or ctx.len (skb->len;
	 * linux-semantics: load.len) */
	EXPECT(100, RET, LDLEN, RETA);
	EXPECT(100, RET, LDXLEN, TXA, RETA);
	EXPECT(0, RET, LDXLEN, RETA); /* ldx #len does not touch A */
	struct cbpf_ctx c;
	cbpf_ctx_init(&c);
	c.len = 70000;
	EXPECT_ON(P100, 100, &c, 70000, RET, LDLEN, RETA);
	EXPECT_ON(P100, 0, NULL, 0, RET, LDLEN, RETA);
	/* ret k / ret a return the u32 (linux-semantics: ret.value) */
	EXPECT(0xffffffff, RET, RETK(0xffffffff));
	EXPECT(0, RET, RETK(0));
	EXPECT(0xdeadbeef, RET, LDK(0xdeadbeef), RETA);
}

/* ---- jumps ---- */

static bool jump_ref(unsigned op, uint32_t a, uint32_t b)
{
	switch (op) {
	case CBPF_JEQ: return a == b;
	case CBPF_JGT: return a > b;
	case CBPF_JGE: return a >= b;
	case CBPF_JSET: return (a & b) != 0;
	}
	return false;
}

static void test_jumps(void)
{
	static const unsigned ops[] = { CBPF_JEQ, CBPF_JGT, CBPF_JGE, CBPF_JSET };

	for (size_t o = 0; o < 4; o++) {
		for (size_t i = 0; i < NEDGES; i++) {
			for (size_t j = 0; j < NEDGES; j++) {
				uint32_t a = edges[i], b = edges[j];
				uint32_t want = jump_ref(ops[o], a, b) ? 1 : 2;
				EXPECT(want, RET, LDK(a), JK(ops[o], b, 0, 1), RETK(1), RETK(2));
				EXPECT(want, RET, LDK(a), LDXK(b), JX(ops[o], 0, 1), RETK(1), RETK(2));
			}
		}
	}
	/* unsigned compares: jgt #0x80000000 (linux-semantics: jump.unsigned) */
	EXPECT(1, RET, LDK(0xffffffff), JK(CBPF_JGT, 0x80000000, 0, 1), RETK(1), RETK(2));
	EXPECT(2, RET, LDK(1), JK(CBPF_JGT, 0x80000000, 0, 1), RETK(1), RETK(2));
	EXPECT(2, RET, LDK(0xffffffff), JK(CBPF_JSET, 0, 0, 1), RETK(1), RETK(2));
	/* ja k skips k instructions; jt/jf of ja are ignored (linux-semantics:
	 * jump.ja) */
	EXPECT(3, RET, JA(2), RETK(1), RETK(2), RETK(3));
	EXPECT(1, RET, cbpf_jump(CBPF_JMP | CBPF_JA, 0, 7, 9), RETK(1), RETK(2));
	/* long jumps: jt = 255 */
	struct cbpf_insn p[260];
	for (size_t i = 0; i < 260; i++)
		p[i] = RETK((uint32_t)i);
	p[0] = JK(CBPF_JEQ, 0, 255, 0);
	expect_at(__LINE__, p, 260, CBPF_PROFILE_LINUX, P100, 100, NULL, 256, RET);
	p[0] = JA(258);
	expect_at(__LINE__, p, 260, CBPF_PROFILE_LINUX, P100, 100, NULL, 259, RET);
}

/* ---- packet loads ---- */

static void test_abs_loads(void)
{
	/* big-endian at any alignment */
	EXPECT(0x05060708, RET, LDABS(CBPF_W, 0), RETA);
	EXPECT(0x06070809, RET, LDABS(CBPF_W, 1), RETA);
	EXPECT(0x0607, RET, LDABS(CBPF_H, 1), RETA);
	EXPECT(0x68, RET, LDABS(CBPF_B, 99), RETA);
	/* the last bytes, then straddling the end: returns 0 at once
	 * (linux-semantics: load.bounds, load.failure-returns-0) */
	EXPECT(0x65666768, RET, LDABS(CBPF_W, 96), RETA);
	EXPECT(0, LOADF, LDABS(CBPF_W, 97), RETK(5));
	EXPECT(0x6768, RET, LDABS(CBPF_H, 98), RETA);
	EXPECT(0, LOADF, LDABS(CBPF_H, 99), RETK(5));
	EXPECT(0, LOADF, LDABS(CBPF_B, 100), RETK(5));
	EXPECT(0, LOADF, LDABS(CBPF_W, 0x7fffffff), RETK(5));
	EXPECT(0, LOADF, LDABS(CBPF_B, 0x7ffffffc), RETK(5));
	/* empty packet: every load fails */
	EXPECT_ON(P100, 0, NULL, 0, LOADF, LDABS(CBPF_B, 0), RETK(5));
	EXPECT_ON(NULL, 0, NULL, 0, LOADF, LDABS(CBPF_B, 0), RETK(5));
	EXPECT_ON(P100, 1, NULL, 5, RET, LDABS(CBPF_B, 0), RETA);
	EXPECT_ON(P100, 1, NULL, 0, LOADF, LDABS(CBPF_H, 0), RETA);
	/* a failed load after a matched branch still drops */
	EXPECT(0, LOADF, LDABS(CBPF_B, 0), JK(CBPF_JEQ, 5, 0, 1), LDABS(CBPF_W, 200), RETK(1));
}

static void test_ind_loads(void)
{
	/* [x+k]: (int32)(X + k mod 2^32) (linux-semantics: load.ind-offset) */
	EXPECT(6, RET, LDXK(0xffffffff), LDIND(CBPF_B, 2), RETA);       /* 2^32 + 1 = 1 */
	EXPECT(5, RET, LDXK(0xffffffff), LDIND(CBPF_B, 1), RETA);       /* doc: 5 */
	EXPECT(6, RET, LDXK(0x11), LDIND(CBPF_B, 0xfffffff0), RETA);    /* doc: 6 */
	EXPECT(6, RET, LDXK(0x80000000), LDIND(CBPF_B, 0x80000001), RETA);
	EXPECT(0, LOADF, LDXK(1), LDIND(CBPF_B, 0xfffffffe), RETK(5));  /* -1 < SKF_LL_OFF */
	EXPECT(0x0708, RET, LDXK(2), LDIND(CBPF_H, 0), RETA);
	EXPECT(0x65666768, RET, LDXK(90), LDIND(CBPF_W, 6), RETA);
	EXPECT(0, LOADF, LDXK(90), LDIND(CBPF_W, 7), RETK(5));
	EXPECT(0, LOADF, LDXK(0x7fffffff), LDIND(CBPF_B, 0), RETK(5));
	/* an IND offset in the ancillary range is a NET offset, never an
	 * extension: ldx #0; ld [x+SKF_AD_OFF] is accepted and drops */
	EXPECT(0, LOADF, LDXK(0), LDIND(CBPF_W, cbpf_ext_k(CBPF_EXT_PROTOCOL)), RETK(5));
	/* IND into the NET window: X + k = SKF_NET_OFF + 3 reads P[3] */
	EXPECT(8, RET, LDXK(3), LDIND(CBPF_B, NET(0)), RETA);
	EXPECT(0, LOADF, LDXK(3), LDIND(CBPF_B, LL(0)), RETK(5));
}

static void test_msh(void)
{
	/* ldxb 4*([k]&0xf): P[14] = 19 = 0x13, X = 12; A is kept
	 * (linux-semantics: load.msh) */
	EXPECT(77, RET, LDK(77), MSH(14), RETA);
	EXPECT(12, RET, LDK(77), MSH(14), TXA, RETA);
	EXPECT(0x20, RET, MSH(99), TXA, RETA);                          /* 0x68 & 0xf = 8 */
	EXPECT(0, LOADF, LDK(77), MSH(100), RETA);                      /* fails: returns 0 */
	EXPECT(20, RET, MSH(NET(0)), TXA, RETA);                        /* P[0] = 5 */
	EXPECT(0, LOADF, MSH(LL(0)), RETK(5));
	/* k in the ancillary range is a NET offset for ldxb, not an extension */
	EXPECT(0, LOADF, MSH(cbpf_ext_k(CBPF_EXT_PROTOCOL)), RETK(5));
}

/* The negative windows, at every edge (linux-semantics: window.net,
 * window.ll, window.below-ll, window.no-headroom). */
static void test_windows(void)
{
	struct cbpf_ctx c;

	/* AF_UNIX defaults: network header = data, mac header unset */
	EXPECT(5, RET, LDABS(CBPF_B, NET(0)), RETA);
	EXPECT(0x68, RET, LDABS(CBPF_B, NET(99)), RETA);
	EXPECT(0, LOADF, LDABS(CBPF_B, NET(100)), RETK(5));
	EXPECT(0, LOADF, LDABS(CBPF_H, NET(99)), RETK(5));
	EXPECT(0, LOADF, LDABS(CBPF_B, LL(0)), RETK(5));
	EXPECT(0, LOADF, LDABS(CBPF_B, NET(0) - 1), RETK(5)); /* = LL window top */
	EXPECT(0, LOADF, LDABS(CBPF_B, LL(0) - 1), RETK(5));  /* below SKF_LL_OFF */
	EXPECT(0, LOADF, LDABS(CBPF_B, 0x80000000), RETK(5));
	/* the top of the NET window (just below SKF_AD_OFF) */
	EXPECT(0, LOADF, LDABS(CBPF_B, (uint32_t)CBPF_SKF_AD_OFF - 1), RETK(5));

	/* AF_PACKET-like: mac at 0, network at 14 */
	cbpf_ctx_init(&c);
	c.mac_off = 0;
	c.net_off = 14;
	EXPECT_ON(P100, 100, &c, 19, RET, LDABS(CBPF_B, NET(0)), RETA);
	EXPECT_ON(P100, 100, &c, 5, RET, LDABS(CBPF_B, LL(0)), RETA);
	EXPECT_ON(P100, 100, &c, 0x1112, RET, LDABS(CBPF_H, LL(12)), RETA);
	EXPECT_ON(P100, 100, &c, 0x68, RET, LDABS(CBPF_B, LL(99)), RETA);
	EXPECT_ON(P100, 100, &c, 0, LOADF, LDABS(CBPF_B, LL(100)), RETK(5));
	EXPECT_ON(P100, 100, &c, 0x68, RET, LDABS(CBPF_B, NET(85)), RETA);
	EXPECT_ON(P100, 100, &c, 0, LOADF, LDABS(CBPF_B, NET(86)), RETK(5));
	/* the top of the LL window is 0xfffff past the mac header */
	EXPECT_ON(P100, 100, &c, 0, LOADF, LDABS(CBPF_B, NET(0) - 1), RETK(5));
	/* a header before the packet start: no bytes there, the load fails */
	c.net_off = -28;
	c.mac_off = -42;
	EXPECT_ON(P100, 100, &c, 0, LOADF, LDABS(CBPF_B, NET(0)), RETK(5));
	EXPECT_ON(P100, 100, &c, 5, RET, LDABS(CBPF_B, NET(28)), RETA);
	EXPECT_ON(P100, 100, &c, 0, LOADF, LDABS(CBPF_B, LL(41)), RETK(5));
	EXPECT_ON(P100, 100, &c, 5, RET, LDABS(CBPF_B, LL(42)), RETA);
	EXPECT_ON(P100, 100, &c, 0x0506, RET, LDABS(CBPF_H, LL(42)), RETA);
	EXPECT_ON(P100, 100, &c, 0, LOADF, LDABS(CBPF_H, LL(41)), RETK(5));
	/* a network header past the end */
	c.net_off = 1000;
	EXPECT_ON(P100, 100, &c, 0, LOADF, LDABS(CBPF_B, NET(0)), RETK(5));
}

/* The fused superinstructions must equal their plain forms, including when
 * a jump lands between the two halves and when the load fails. */
static void test_fused(void)
{
	static const uint32_t sizes[] = { CBPF_W, CBPF_H, CBPF_B };
	static const unsigned ops[] = { CBPF_JEQ, CBPF_JGT, CBPF_JGE, CBPF_JSET };

	for (size_t s = 0; s < 3; s++) {
		for (size_t o = 0; o < 4; o++) {
			for (uint32_t k = 0; k < 100; k += 33) {
				struct cbpf_insn plain[] = { LDABS(sizes[s], k), RETA };
				struct cbpf_vm *vm;
				uint32_t a;
				if (cbpf_vm_create(plain, 2, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0) {
					CHECK(0);
					continue;
				}
				struct cbpf_result r = cbpf_vm_run(vm, P100, 100, NULL);
				cbpf_vm_free(vm);
				a = r.verdict;
				for (size_t v = 0; v < 3; v++) {
					uint32_t cmp = v == 0 ? a : v == 1 ? a - 1 : a + 1;
					uint32_t want = jump_ref(ops[o], a, cmp) ? 1 : 2;
					bool fails = r.end != RET;
					EXPECT(fails ? 0 : want, fails ? LOADF : RET,
					       LDABS(sizes[s], k), JK(ops[o], cmp, 0, 1), RETK(1), RETK(2));
					EXPECT(fails ? 0 : want, fails ? LOADF : RET, LDXK(k / 2),
					       LDIND(sizes[s], k - k / 2), JK(ops[o], cmp, 0, 1), RETK(1),
					       RETK(2));
				}
			}
		}
	}
	/* a jump into the second half of a fused pair runs the plain jeq */
	EXPECT(1, RET, LDK(0x800), JA(1), LDABS(CBPF_H, 0), JK(CBPF_JEQ, 0x800, 0, 1), RETK(1),
	       RETK(2));
	EXPECT(2, RET, LDK(0x800), JA(0), LDABS(CBPF_H, 0), JK(CBPF_JEQ, 0x800, 0, 1), RETK(1),
	       RETK(2));
	/* fused IND whose offset leaves the fast path (NET window, failure) */
	EXPECT(1, RET, LDXK(2), LDIND(CBPF_B, NET(0)), JK(CBPF_JEQ, 7, 0, 1), RETK(1), RETK(2));
	EXPECT(0, LOADF, LDXK(2), LDIND(CBPF_B, LL(0)), JK(CBPF_JEQ, 7, 0, 1), RETK(1), RETK(2));
	/* and #k + jump */
	EXPECT(1, RET, LDK(0x1234), ALUK(CBPF_AND, 0xff00), JK(CBPF_JEQ, 0x1200, 0, 1), RETK(1),
	       RETK(2));
	EXPECT(0x1200, RET, LDK(0x1234), ALUK(CBPF_AND, 0xff00), JK(CBPF_JSET, 0x200, 0, 1), RETA,
	       RETK(2));
	EXPECT(2, RET, LDK(0x1234), ALUK(CBPF_AND, 0xff00), JK(CBPF_JGT, 0x1200, 0, 1), RETK(1),
	       RETK(2));
	/* ldxb + [x+k]: X = 12 from P[14], then P[12 + k] */
	EXPECT(0x1516, RET, MSH(14), LDIND(CBPF_H, 4), RETA);
	EXPECT(0x11121314, RET, MSH(14), LDIND(CBPF_W, 0), RETA);
	EXPECT(0x68, RET, MSH(14), LDIND(CBPF_B, 87), RETA);
	EXPECT(0, LOADF, MSH(14), LDIND(CBPF_B, 88), RETA);
	EXPECT(0, LOADF, MSH(100), LDIND(CBPF_B, 0), RETA);
	EXPECT(12, RET, MSH(14), LDIND(CBPF_B, 0), TXA, RETA);
	/* a jump to the ldx [x+k] of a fused pair uses the old X */
	EXPECT(0x06, RET, LDXK(1), JA(1), MSH(14), LDIND(CBPF_B, 0), RETA);
	/* ldxb + [x+k] + jump, as one fused triple */
	EXPECT(1, RET, MSH(14), LDIND(CBPF_H, 4), JK(CBPF_JEQ, 0x1516, 0, 1), RETK(1), RETK(2));
	EXPECT(2, RET, MSH(14), LDIND(CBPF_B, 4), JK(CBPF_JGT, 0x15, 0, 1), RETK(1), RETK(2));
	EXPECT(1, RET, MSH(14), LDIND(CBPF_W, 0), JK(CBPF_JGE, 0x11121314, 0, 1), RETK(1),
	       RETK(2));
	EXPECT(1, RET, MSH(14), LDIND(CBPF_B, 0), JK(CBPF_JSET, 1, 0, 1), RETK(1), RETK(2));
	EXPECT(0x11, RET, MSH(14), LDIND(CBPF_B, 0), JK(CBPF_JSET, 2, 1, 0), RETA, RETK(2));
	EXPECT(0, LOADF, MSH(14), LDIND(CBPF_H, 87), JK(CBPF_JEQ, 0, 0, 1), RETK(1), RETK(2));
	EXPECT(0, LOADF, MSH(100), LDIND(CBPF_B, 0), JK(CBPF_JEQ, 0, 0, 1), RETK(1), RETK(2));
	EXPECT(1, RET, MSH(14), LDIND(CBPF_B, NET(0)), JK(CBPF_JEQ, 17, 0, 1), RETK(1), RETK(2));
	/* jumps into the middle of the triple run the plain forms */
	EXPECT(1, RET, LDXK(1), JA(1), MSH(14), LDIND(CBPF_B, 0), JK(CBPF_JEQ, 6, 0, 1), RETK(1),
	       RETK(2));
	EXPECT(1, RET, LDK(6), JA(2), MSH(14), LDIND(CBPF_B, 0), JK(CBPF_JEQ, 6, 0, 1), RETK(1),
	       RETK(2));
	EXPECT(12, RET, LDK(6), JA(0), MSH(14), LDIND(CBPF_B, 0), JK(CBPF_JEQ, 6, 0, 1), RETK(1),
	       TXA, RETA);
}

/* A jeq whose false edge lands on a plain jeq runs as one chained
 * operation after every kind of A producer; the results must be those of
 * the two jumps. */
static void test_jeq_chains(void)
{
	const struct { struct cbpf_insn p[2]; size_t n; } prefixes[] = {
		{ { LDK(0x1112) }, 1 },
		{ { LDK(0x1234), ALUK(CBPF_AND, 0xff00) }, 2 },
		{ { LDABS(CBPF_W, 12) }, 1 },
		{ { LDABS(CBPF_H, 12) }, 1 },
		{ { LDABS(CBPF_B, 12) }, 1 },
		{ { LDXK(2), LDIND(CBPF_W, 10) }, 2 },
		{ { LDXK(2), LDIND(CBPF_H, 10) }, 2 },
		{ { LDXK(2), LDIND(CBPF_B, 10) }, 2 },
		{ { MSH(14), LDIND(CBPF_W, 0) }, 2 },
		{ { MSH(14), LDIND(CBPF_H, 0) }, 2 },
		{ { MSH(14), LDIND(CBPF_B, 0) }, 2 },
		{ { LDABS(CBPF_H, 99) }, 1 },          /* the load fails */
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		struct cbpf_insn p[8];
		size_t n = prefixes[i].n;
		struct cbpf_vm *vm;
		struct cbpf_result plain;

		memcpy(p, prefixes[i].p, n * sizeof(p[0]));
		p[n] = RETA;
		if (cbpf_vm_create(p, n + 1, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0) {
			CHECK(0);
			continue;
		}
		plain = cbpf_vm_run(vm, P100, 100, NULL);
		cbpf_vm_free(vm);
		uint32_t a = plain.verdict;
		const uint32_t pairs[4][3] = {
			{ a, a + 1, 1 }, { a + 1, a, 2 }, { a + 1, a + 2, 3 }, { a, a, 1 },
		};
		for (size_t j = 0; j < 4; j++) {
			p[n] = JK(CBPF_JEQ, pairs[j][0], 1, 0);
			p[n + 1] = JK(CBPF_JEQ, pairs[j][1], 1, 2);
			p[n + 2] = RETK(1);
			p[n + 3] = RETK(2);
			p[n + 4] = RETK(3);
			expect_at(__LINE__ + (int)i * 1000, p, n + 5, CBPF_PROFILE_LINUX, P100, 100,
				  NULL, plain.end == RET ? pairs[j][2] : 0, plain.end);
		}
	}
	/* a chain of three: the middle jeq is itself chained */
	for (uint32_t v = 0; v < 4; v++)
		EXPECT(v == 3 ? 4 : v + 1, RET, LDK(v), JK(CBPF_JEQ, 0, 2, 0), JK(CBPF_JEQ, 1, 2, 0),
		       JK(CBPF_JEQ, 2, 2, 3), RETK(1), RETK(2), RETK(3), RETK(4));
}

/* ---- extensions ---- */

static void test_extensions_default(void)
{
	/* AF_UNIX values, every size (linux-semantics: hook.unix-ctx,
	 * ext.size-ignored) */
	static const uint32_t sizes[] = { CBPF_W, CBPF_H, CBPF_B };

	for (size_t s = 0; s < 3; s++) {
		uint32_t sz = sizes[s];
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_PROTOCOL), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_PKTTYPE), RETA);
		/* linux-semantics: ext.nodev */
		EXPECT(77, NODEV, LDK(77), EXT(sz, CBPF_EXT_IFINDEX), RETK(5));
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_NLATTR), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_NLATTR_NEST), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_MARK), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_QUEUE), RETA);
		EXPECT(78, NODEV, LDK(78), EXT(sz, CBPF_EXT_HATYPE), RETK(5));
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_RXHASH), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_CPU), RETA);
		EXPECT(9, RET, LDK(10), LDXK(3), EXT(sz, CBPF_EXT_ALU_XOR_X), RETA);
		EXPECT(0x101ff, RET, LDK(0x10000), LDXK(0x1ff), EXT(sz, CBPF_EXT_ALU_XOR_X), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_VLAN_TAG), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_VLAN_TAG_PRESENT), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_PAY_OFFSET), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_RANDOM), RETA);
		EXPECT(0, RET, LDK(9), EXT(sz, CBPF_EXT_VLAN_TPID), RETA);
	}
	/* ifidx with A = 0 and no device ends returning 0 */
	EXPECT(0, NODEV, EXT(CBPF_W, CBPF_EXT_IFINDEX), RETK(5));
	/* NULL ctx and cbpf_ctx_init() are the same defaults */
	struct cbpf_ctx c;
	cbpf_ctx_init(&c);
	CHECK_EQ(c.len, CBPF_CTX_UNSET);
	CHECK_EQ(c.has_dev, false);
	CHECK_EQ(c.net_off, 0);
	CHECK_EQ(c.mac_off, CBPF_CTX_UNSET);
	CHECK_EQ(c.headlen, CBPF_CTX_UNSET);
	CHECK_EQ(c.poff, CBPF_POFF_AUTO);
	CHECK_EQ(c.protocol | c.pkttype | c.ifindex | c.hatype | c.mark | c.queue | c.rxhash |
		 c.cpu | c.vlan_tci | c.vlan_avail | c.vlan_tpid | c.random, 0);
	EXPECT_ON(P100, 100, &c, 33, NODEV, LDK(33), EXT(CBPF_B, CBPF_EXT_HATYPE), RETK(5));
}

static void test_extensions_ctx(void)
{
	struct cbpf_ctx c;

	cbpf_ctx_init(&c);
	c.protocol = 0x0800;
	c.pkttype = 4;
	c.has_dev = true;
	c.ifindex = 7;
	c.hatype = 772;
	c.mark = 0x2a;
	c.queue = 3;
	c.rxhash = 0xdeadbeef;
	c.cpu = 1;
	c.vlan_tci = 0x1005;
	c.vlan_avail = 1;
	c.vlan_tpid = 0x88a8;
	c.poff = 1234;
	c.random = 0x12345678;
#define EXT_IS(e, v) EXPECT_ON(P100, 100, &c, v, RET, LDK(9), EXT(CBPF_H, e), RETA)
	EXT_IS(CBPF_EXT_PROTOCOL, 0x0800);
	EXT_IS(CBPF_EXT_PKTTYPE, 4);
	EXT_IS(CBPF_EXT_IFINDEX, 7);
	EXT_IS(CBPF_EXT_MARK, 0x2a);
	EXT_IS(CBPF_EXT_QUEUE, 3);
	EXT_IS(CBPF_EXT_HATYPE, 772);
	EXT_IS(CBPF_EXT_RXHASH, 0xdeadbeef); /* full value through ldh */
	EXT_IS(CBPF_EXT_CPU, 1);
	EXT_IS(CBPF_EXT_VLAN_TAG, 0x1005);
	EXT_IS(CBPF_EXT_VLAN_TAG_PRESENT, 1);
	EXT_IS(CBPF_EXT_PAY_OFFSET, 1234);
	EXT_IS(CBPF_EXT_RANDOM, 0x12345678);
	EXT_IS(CBPF_EXT_VLAN_TPID, 0x88a8);
#undef EXT_IS
	/* with a device, ifidx continues */
	EXPECT_ON(P100, 100, &c, 8, RET, EXT(CBPF_B, CBPF_EXT_IFINDEX), ALUK(CBPF_ADD, 1), RETA);
}

/* nla/nlan (linux-semantics: ext.nla, ext.nlan): attribute headers in host
 * byte order, NLA_ALIGN steps, 0 for "absent" and for "found at offset 0". */
static size_t put_nla(uint8_t *p, size_t at, uint16_t len, uint16_t type)
{
	memcpy(p + at, &len, 2);
	memcpy(p + at + 2, &type, 2);
	return at + ((len + 3u) & ~3u);
}

static void test_nla(void)
{
	uint8_t p[32] = { 0 };
	struct cbpf_ctx c;

	put_nla(p, 0, 8, 1);       /* 0: type 1, payload holds a nested attr */
	put_nla(p, 4, 4, 9);       /*   4: nested type 9 (inside attr 0's payload) */
	put_nla(p, 8, 6, 2);       /* 8: type 2, length 6 -> next at 16 */
	put_nla(p, 16, 12, 0x8003); /* 16: type 3 | NLA_F_NESTED */
	put_nla(p, 20, 8, 5);      /*   20: nested type 5 */
	put_nla(p, 28, 4, 4);      /* 28: type 4, empty */
#define NLA(a, x, v) EXPECT_ON(p, 32, NULL, v, RET, LDK(a), LDXK(x), \
			       EXT(CBPF_W, CBPF_EXT_NLATTR), RETA)
#define NLAN(a, x, v) EXPECT_ON(p, 32, NULL, v, RET, LDK(a), LDXK(x), \
				EXT(CBPF_W, CBPF_EXT_NLATTR_NEST), RETA)
	NLA(0, 1, 0);     /* found at offset 0: indistinguishable from absent */
	NLA(0, 2, 8);
	NLA(0, 3, 16);    /* the type is compared without the flag bits */
	NLA(0, 0x8003, 0);
	NLA(0, 4, 28);
	NLA(0, 5, 0);     /* nested attributes are not top-level */
	NLA(0, 9, 0);
	NLA(8, 1, 0);     /* the walk starts at data + A */
	NLA(8, 4, 28);
	NLA(28, 4, 28);
	NLA(29, 4, 0);    /* A > len - 4 */
	NLA(0xffffffff, 4, 0);
	NLA(4, 9, 4);     /* starting inside attr 0: 4 -> 8 -> 16 -> 28 */
	NLA(4, 2, 8);
	NLAN(0, 9, 4);
	NLAN(16, 5, 20);
	NLAN(16, 1, 0);
	NLAN(8, 2, 0);
	NLAN(28, 4, 0);   /* empty payload */
	NLAN(29, 5, 0);
	/* non-linear skb: both are 0 */
	cbpf_ctx_init(&c);
	c.headlen = 16;
	EXPECT_ON(p, 32, &c, 0, RET, LDK(0), LDXK(2), EXT(CBPF_W, CBPF_EXT_NLATTR), RETA);
	EXPECT_ON(p, 32, &c, 0, RET, LDK(16), LDXK(5), EXT(CBPF_W, CBPF_EXT_NLATTR_NEST), RETA);
	c.headlen = 32;
	EXPECT_ON(p, 32, &c, 8, RET, LDK(0), LDXK(2), EXT(CBPF_W, CBPF_EXT_NLATTR), RETA);
	/* packets shorter than a header */
	EXPECT_ON(p, 3, NULL, 0, RET, LDK(0), LDXK(1), EXT(CBPF_W, CBPF_EXT_NLATTR), RETA);
	EXPECT_ON(p, 0, NULL, 0, RET, LDK(0), LDXK(1), EXT(CBPF_W, CBPF_EXT_NLATTR_NEST), RETA);
	/* nla_len < 4 stops the walk; nla_len > remaining stops it too */
	put_nla(p, 8, 2, 2);
	NLA(0, 2, 0);
	NLA(0, 4, 0);
	put_nla(p, 8, 25, 2);
	NLA(0, 2, 0);     /* 25 > 32 - 8: the walk stops */
	put_nla(p, 8, 24, 2);
	NLA(0, 2, 8);     /* 24 <= 24 */
	/* nlan: the outer attribute must pass nla_ok(nla, len - A) */
	put_nla(p, 16, 3, 0x8003);
	NLAN(16, 5, 0);   /* nla_len < 4 */
	put_nla(p, 16, 17, 0x8003);
	NLAN(16, 5, 0);   /* 17 > 32 - 16 */
	put_nla(p, 16, 16, 0x8003);
	NLAN(16, 5, 20);  /* 16 <= 16: payload 20..32 */
	NLAN(16, 4, 28);
#undef NLA
#undef NLAN
}

/* ---- poff "auto" (skb_get_poff) ---- */

static size_t put_eth(uint8_t *f, uint16_t type)
{
	memset(f, 0, 12);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

static size_t put_ipv4(uint8_t *f, unsigned ihl, uint8_t proto, uint16_t frag)
{
	memset(f, 0, ihl * 4);
	f[0] = (uint8_t)(0x40 | ihl);
	f[6] = (uint8_t)(frag >> 8);
	f[7] = (uint8_t)frag;
	f[9] = proto;
	return ihl * 4;
}

static size_t put_ipv6(uint8_t *f, uint8_t next)
{
	memset(f, 0, 40);
	f[0] = 0x60;
	f[6] = next;
	return 40;
}

static size_t put_tcp(uint8_t *f, unsigned doff)
{
	memset(f, 0, doff * 4 > 20 ? doff * 4 : 20);
	f[12] = (uint8_t)(doff << 4);
	return doff * 4 > 20 ? doff * 4 : 20;
}

static uint32_t poff_of(const uint8_t *f, size_t len, uint32_t protocol, int64_t net_off)
{
	struct cbpf_insn p[] = { EXT(CBPF_W, CBPF_EXT_PAY_OFFSET), RETA };
	struct cbpf_ctx c;
	struct cbpf_vm *vm;
	struct cbpf_result r;

	cbpf_ctx_init(&c);
	c.protocol = protocol;
	c.net_off = net_off;
	if (cbpf_vm_create(p, 2, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0)
		return 0xdead;
	r = cbpf_vm_run(vm, f, len, &c);
	cbpf_vm_free(vm);
	return r.verdict;
}

static void test_poff(void)
{
	static uint8_t f[70000];
	size_t n;

	/* linux-semantics: ext.poff */
	/* IPv4 TCP (doff 5, 8), UDP, ICMP at the Ethernet offset */
	n = put_eth(f, 0x0800);
	n += put_ipv4(f + n, 5, 6, 0);
	n += put_tcp(f + n, 5);
	CHECK_EQ(poff_of(f, n + 10, 0x0800, 14), 54);
	put_tcp(f + 34, 8);
	CHECK_EQ(poff_of(f, 34 + 32, 0x0800, 14), 66);
	put_tcp(f + 34, 2);                              /* doff < 5 counts as 20 */
	CHECK_EQ(poff_of(f, 54, 0x0800, 14), 54);
	CHECK_EQ(poff_of(f, 46, 0x0800, 14), 34);        /* doff byte missing: thoff */
	CHECK_EQ(poff_of(f, 47, 0x0800, 14), 54);        /* doff byte present */
	put_ipv4(f + 14, 5, 17, 0);
	CHECK_EQ(poff_of(f, 60, 0x0800, 14), 42);        /* measured 42 on lo */
	CHECK_EQ(poff_of(f, 34, 0x0800, 14), 42);        /* UDP header need not be there */
	CHECK_EQ(poff_of(f, 33, 0x0800, 14), 0);         /* IPv4 header truncated */
	put_ipv4(f + 14, 5, 1, 0);
	CHECK_EQ(poff_of(f, 60, 0x0800, 14), 42);        /* ICMP */
	put_ipv4(f + 14, 6, 6, 0);                       /* ihl 6 */
	put_tcp(f + 38, 5);
	CHECK_EQ(poff_of(f, 60, 0x0800, 14), 58);
	put_ipv4(f + 14, 4, 6, 0);                       /* ihl < 5: dissection fails */
	CHECK_EQ(poff_of(f, 60, 0x0800, 14), 0);
	/* IPv4 fragments: the first still adds the L4 header, later ones not */
	put_ipv4(f + 14, 5, 6, 0x2000);
	put_tcp(f + 34, 5);
	CHECK_EQ(poff_of(f, 60, 0x0800, 14), 54);
	put_ipv4(f + 14, 5, 6, 0x0001);
	CHECK_EQ(poff_of(f, 60, 0x0800, 14), 34);
	/* no Ethernet header: IPv4 at offset 0 (AF_UNIX-like net_off 0) */
	put_ipv4(f, 5, 17, 0);
	CHECK_EQ(poff_of(f, 28, 0x0800, 0), 28);
	/* unknown or absent L3 protocol: 0 (AF_UNIX protocol is 0) */
	CHECK_EQ(poff_of(f, 28, 0, 0), 0);
	CHECK_EQ(poff_of(f, 28, 0x1234, 0), 0);
	/* the network header before the packet: 0 (no headroom) */
	CHECK_EQ(poff_of(f, 28, 0x0800, -1), 0);

	/* IPv6 TCP, UDP, ICMPv6, with extension headers and fragments */
	n = put_eth(f, 0x86dd);
	n += put_ipv6(f + n, 6);
	put_tcp(f + n, 5);
	CHECK_EQ(poff_of(f, 100, 0x86dd, 14), 74);
	f[14 + 6] = 17;
	CHECK_EQ(poff_of(f, 100, 0x86dd, 14), 62);
	f[14 + 6] = 58;
	CHECK_EQ(poff_of(f, 100, 0x86dd, 14), 62);
	CHECK_EQ(poff_of(f, 53, 0x86dd, 14), 0);         /* IPv6 header truncated */
	f[14 + 6] = 0;                                   /* hop-by-hop, 8 bytes, then UDP */
	f[54] = 17;
	f[55] = 0;
	CHECK_EQ(poff_of(f, 100, 0x86dd, 14), 70);
	f[55] = 1;                                       /* 16 bytes of options */
	CHECK_EQ(poff_of(f, 100, 0x86dd, 14), 78);
	f[14 + 6] = 44;                                  /* fragment header, first fragment */
	memset(f + 54, 0, 8);
	f[54] = 6;
	put_tcp(f + 62, 6);
	CHECK_EQ(poff_of(f, 100, 0x86dd, 14), 62 + 24);
	f[57] = 0x08;                                    /* offset 1: later fragment */
	CHECK_EQ(poff_of(f, 100, 0x86dd, 14), 62);
	f[57] = 0x01;                                    /* only M set: first fragment */
	CHECK_EQ(poff_of(f, 100, 0x86dd, 14), 86);

	/* 802.1Q in the frame, and a hardware tag from the context */
	n = put_eth(f, 0x8100);
	f[14] = 0; f[15] = 5; f[16] = 0x08; f[17] = 0x00;
	put_ipv4(f + 18, 5, 17, 0);
	CHECK_EQ(poff_of(f, 60, 0x8100, 14), 46);
	{
		struct cbpf_insn p[] = { EXT(CBPF_W, CBPF_EXT_PAY_OFFSET), RETA };
		struct cbpf_ctx c;
		cbpf_ctx_init(&c);
		put_eth(f, 0x0800);
		put_ipv4(f + 14, 5, 17, 0);
		c.protocol = 0x0800;
		c.net_off = 14;
		c.vlan_avail = 1;
		c.vlan_tpid = 0x8100;
		c.vlan_tci = 5;
		expect_at(__LINE__, p, 2, CBPF_PROFILE_LINUX, f, 60, &c, 42, RET);
		c.vlan_tpid = 0x1234; /* a present tag with an odd TPID: unknown L3 */
		expect_at(__LINE__, p, 2, CBPF_PROFILE_LINUX, f, 60, &c, 0, RET);
	}
	/* IPIP: outer IPv4 protocol 4, inner IPv4 UDP */
	put_eth(f, 0x0800);
	put_ipv4(f + 14, 5, 4, 0);
	put_ipv4(f + 34, 5, 17, 0);
	CHECK_EQ(poff_of(f, 80, 0x0800, 14), 62);
	/* GRE version 0 carrying IPv4 TCP, with key and sequence number */
	put_ipv4(f + 14, 5, 47, 0);
	f[34] = 0x30; f[35] = 0x00; f[36] = 0x08; f[37] = 0x00;
	memset(f + 38, 0, 8);
	put_ipv4(f + 46, 5, 6, 0);
	put_tcp(f + 66, 5);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 86);
	/* GRE with transparent Ethernet bridging: an inner Ethernet header */
	f[34] = 0x00; f[35] = 0x00; f[36] = 0x65; f[37] = 0x58;
	put_eth(f + 38, 0x0800);
	put_ipv4(f + 52, 5, 17, 0);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 80);
	CHECK_EQ(poff_of(f, 51, 0x0800, 14), 0);         /* inner Ethernet truncated */
	/* GRE version 1 (PPTP, key required) carrying PPP IPv4 UDP */
	f[34] = 0x20; f[35] = 0x01; f[36] = 0x88; f[37] = 0x0b;
	memset(f + 38, 0, 4);
	f[42] = 0xff; f[43] = 0x03; f[44] = 0x00; f[45] = 0x21;
	put_ipv4(f + 46, 5, 17, 0);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 74);
	f[34] = 0x00;                                    /* version 1 without a key: stop */
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 34);
	f[34] = 0x40; f[35] = 0x00;                      /* routing present: stop */
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 34);
	f[34] = 0x00; f[35] = 0x02;                      /* version 2: stop */
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 34);
	/* IPv6 in IPv4, MPLS in IPv4 */
	put_ipv4(f + 14, 5, 41, 0);
	put_ipv6(f + 34, 17);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 82);
	put_ipv4(f + 14, 5, 137, 0);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 38);
	/* the L4 header lengths of __skb_get_poff() */
	put_ipv4(f + 14, 5, 33, 0);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 50);       /* DCCP */
	put_ipv4(f + 14, 5, 132, 0);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 46);       /* SCTP */
	put_ipv4(f + 14, 5, 2, 0);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 42);       /* IGMP */
	put_ipv4(f + 14, 5, 136, 0);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 42);       /* UDP-Lite */
	put_ipv4(f + 14, 5, 50, 0);
	CHECK_EQ(poff_of(f, 100, 0x0800, 14), 34);       /* ESP: no L4 length */
	/* ARP stops at the ARP header; MPLS skips one label */
	CHECK_EQ(poff_of(f, 60, 0x0806, 14), 14);
	CHECK_EQ(poff_of(f, 60, 0x8035, 14), 14);
	CHECK_EQ(poff_of(f, 60, 0x8847, 14), 18);
	CHECK_EQ(poff_of(f, 60, 0x8848, 14), 18);
	/* at most 15 re-dissections: 20 stacked 802.1Q tags stop after 16 */
	for (int i = 0; i < 20; i++) {
		f[4 * i] = 0;
		f[4 * i + 1] = 1;
		f[4 * i + 2] = 0x81;
		f[4 * i + 3] = 0x00;
	}
	CHECK_EQ(poff_of(f, 100, 0x8100, 0), 64);
	/* QinQ with the outer tag in hardware: only the first tag comes from
	 * the context, the next one from the frame */
	{
		struct cbpf_insn p[] = { EXT(CBPF_W, CBPF_EXT_PAY_OFFSET), RETA };
		struct cbpf_ctx c;
		cbpf_ctx_init(&c);
		f[14] = 0; f[15] = 7; f[16] = 0x08; f[17] = 0x00;
		put_ipv4(f + 18, 5, 17, 0);
		c.protocol = 0x8100;
		c.net_off = 14;
		c.vlan_avail = 1;
		c.vlan_tpid = 0x88a8;
		expect_at(__LINE__, p, 2, CBPF_PROFILE_LINUX, f, 60, &c, 46, RET);
	}
	/* >= 64 KiB: thoff = min((u16)nhoff, (u16)len); measured 21 for a
	 * 65549-byte UDP frame on lo */
	memset(f, 0, sizeof(f));
	put_eth(f, 0x0800);
	put_ipv4(f + 14, 5, 17, 0);
	CHECK_EQ(poff_of(f, 65549, 0x0800, 14), 21);
	CHECK_EQ(poff_of(f, 70000, 0x0800, 14), 42);
}

/* ---- seccomp profile ---- */

static void test_seccomp(void)
{
	struct cbpf_seccomp_data d = { .nr = 59, .arch = 0xc000003e,
				       .instruction_pointer = 0x1122334455667788ull,
				       .args = { 0xaabbccdd00000001ull, 2, 3, 4, 5, 0xffffffffull } };
	const uint8_t *p = (const uint8_t *)&d;
#define SC(v, end, ...) expect_at(__LINE__, PROG(__VA_ARGS__), CBPF_PROFILE_SECCOMP, p, \
				  sizeof(d), NULL, v, end)
	/* ld [k]: host-order u32 of struct seccomp_data (linux-semantics:
	 * seccomp.data) */
	SC(59, RET, LDABS(CBPF_W, 0), RETA);
	SC(0xc000003e, RET, LDABS(CBPF_W, 4), RETA);
	SC(0x55667788, RET, LDABS(CBPF_W, 8), RETA);
	SC(0x11223344, RET, LDABS(CBPF_W, 12), RETA);
	SC(1, RET, LDABS(CBPF_W, 16), RETA);
	SC(0xaabbccdd, RET, LDABS(CBPF_W, 20), RETA);
	SC(0xffffffff, RET, LDABS(CBPF_W, 56), RETA);
	SC(0, RET, LDABS(CBPF_W, 60), RETA);
	/* len is sizeof(struct seccomp_data) (linux-semantics: seccomp.len-is-64) */
	SC(64, RET, LDLEN, RETA);
	SC(64, RET, LDXLEN, TXA, RETA);
	/* the same ALU rules: shift by X & 31, div by X = 0 kills (ret 0;
	 * linux-semantics: seccomp.div-zero-kills) */
	SC(6, RET, LDK(3), LDXK(33), ALUX(CBPF_LSH), RETA);
	SC(0, DIV0, LDK(7), LDXK(0), ALUX(CBPF_DIV), RETK(0x7fff0000));
	SC(7, RET, LDK(7), TAX, LDK(0), TXA, RETA);
	SC(0x50006, RET, LDABS(CBPF_W, 0), JK(CBPF_JEQ, 59, 0, 1), RETK(0x50006), RETK(0x7fff0000));
	/* a record shorter than the load: the load fails */
	expect_at(__LINE__, PROG(LDABS(CBPF_W, 16), RETA), CBPF_PROFILE_SECCOMP, p, 8, NULL, 0,
		  LOADF);
	expect_at(__LINE__, PROG(LDLEN, RETA), CBPF_PROFILE_SECCOMP, p, 8, NULL, 64, RET);
#undef SC
	/* what seccomp rejects (measured EINVAL on 6.18) */
	CHECK_EQ(create_err(PROG(LDK(7), ALUK(CBPF_MOD, 3), RETA), CBPF_PROFILE_SECCOMP), EINVAL);
	CHECK_EQ(create_err(PROG(LDABS(CBPF_B, 0), RETA), CBPF_PROFILE_SECCOMP), EINVAL);
	CHECK_EQ(create_err(PROG(LDABS(CBPF_W, 1), RETA), CBPF_PROFILE_SECCOMP), EINVAL);
	CHECK_EQ(create_err(PROG(LDABS(CBPF_W, 64), RETA), CBPF_PROFILE_SECCOMP), EINVAL);
	CHECK_EQ(create_err(PROG(LDIND(CBPF_W, 0), RETA), CBPF_PROFILE_SECCOMP), EINVAL);
	CHECK_EQ(create_err(PROG(MSH(0), RETA), CBPF_PROFILE_SECCOMP), EINVAL);
	CHECK_EQ(create_err(PROG(EXT(CBPF_W, CBPF_EXT_ALU_XOR_X), RETA), CBPF_PROFILE_SECCOMP),
		 EINVAL);
	/* the same program runs in the socket profile with network order */
	expect_at(__LINE__, PROG(LDABS(CBPF_W, 0), RETA), CBPF_PROFILE_LINUX, p, sizeof(d), NULL,
		  0x3b000000, RET);
}

/* ---- a VM exists only for a program the kernel accepts ---- */

static void test_validation(void)
{
	struct cbpf_diag prob;
	struct cbpf_vm *vm = (struct cbpf_vm *)&prob;

	CHECK_EQ(create_err(PROG(cbpf_stmt(0x0e, 0)), CBPF_PROFILE_LINUX), EINVAL); /* ret x */
	CHECK_EQ(create_err(PROG(LDK(1), ALUK(CBPF_LSH, 32), RETA), CBPF_PROFILE_LINUX), EINVAL);
	CHECK_EQ(create_err(PROG(LDK(1), ALUK(CBPF_DIV, 0), RETA), CBPF_PROFILE_LINUX), EINVAL);
	CHECK_EQ(create_err(PROG(LDM(3), RETA), CBPF_PROFILE_LINUX), EINVAL);
	CHECK_EQ(create_err(PROG(JA(0xffffffff), RETA), CBPF_PROFILE_LINUX), EINVAL);
	CHECK_EQ(create_err(PROG(LDABS(CBPF_W, 0xffffffff), RETA), CBPF_PROFILE_LINUX), EINVAL);
	CHECK_EQ(create_err(PROG(LDABS(CBPF_W, (uint32_t)CBPF_SKF_AD_OFF + 64), RETA),
			    CBPF_PROFILE_LINUX), EINVAL);
	CHECK_EQ(create_err(PROG(LDK(1)), CBPF_PROFILE_LINUX), EINVAL);
	CHECK_EQ(create_err(NULL, 0, CBPF_PROFILE_LINUX), EINVAL);
	/* accepted oddities: junk jt/jf/k on non-jumps, dead unstored M[]
	 * (linux-semantics: validate.unchecked, validate.scratch-uninit) */
	CHECK_EQ(create_err(PROG(cbpf_jump(0x00, 5, 3, 4), RETA), CBPF_PROFILE_LINUX), 0);
	CHECK_EQ(create_err(PROG(JA(1), LDM(5), RETA), CBPF_PROFILE_LINUX), 0);
	/* after a ret (no jump), the scratch state carries on: rejected */
	CHECK_EQ(create_err(PROG(RETK(1), LDM(5), RETA), CBPF_PROFILE_LINUX), EINVAL);
	/* the failure leaves *out NULL and names the problem */
	memset(&prob, 0, sizeof(prob));
	CHECK_EQ(cbpf_vm_create(PROG(LDK(1), ALUK(CBPF_LSH, 32), RETA), CBPF_PROFILE_LINUX, 0, &vm,
				&prob), EINVAL);
	CHECK(vm == NULL);
	CHECK_EQ(prob.insn, 1);
	CHECK_EQ(prob.errnum, EINVAL);
	CHECK_EQ(prob.code, CBPF_ERR_REJECTED);
	CHECK_STR(prob.rule, CBPF_RULE_SHIFT_RANGE);
	CHECK_STR(prob.msg, "lsh #32 shifts by 32 or more");
	/* names of the ends */
	CHECK_STR(cbpf_abort_name(CBPF_END_RET), "ret");
	CHECK_STR(cbpf_abort_name(CBPF_ABORT_LOAD), "load");
	CHECK_STR(cbpf_abort_name(CBPF_ABORT_DIV0), "div0");
	CHECK_STR(cbpf_abort_name(CBPF_ABORT_NODEV), "nodev");
	/* a NULL VM gives a defined result */
	struct cbpf_result r = cbpf_vm_run(NULL, P100, 100, NULL);
	CHECK_EQ(r.verdict, 0);
}

/* ---- a plain reference interpreter for the random programs ---- */

struct ref_state {
	const uint8_t *pkt;
	size_t len;
	const struct cbpf_ctx *c;
};

static bool ref_load(const struct ref_state *s, int64_t off, unsigned size, uint32_t *out)
{
	int64_t pos;

	if (off >= 0) {
		pos = off;
	} else if (off >= CBPF_SKF_NET_OFF) {
		pos = s->c->net_off + off + 0x100000;
	} else if (off >= CBPF_SKF_LL_OFF && s->c->mac_off != CBPF_CTX_UNSET) {
		pos = s->c->mac_off + off + 0x200000;
	} else {
		return false;
	}
	if (pos < 0 || pos + (int64_t)size > (int64_t)s->len)
		return false;
	*out = 0;
	for (unsigned i = 0; i < size; i++)
		*out = *out << 8 | s->pkt[pos + i];
	return true;
}

static uint32_t ref_nla(const struct ref_state *s, uint32_t a, uint32_t x, bool nested)
{
	int64_t len = (int64_t)s->len, start, end;
	uint16_t l, t;

	if (s->c->headlen != CBPF_CTX_UNSET && s->c->headlen < len)
		return 0;
	if (len < 4 || (int64_t)a > len - 4)
		return 0;
	start = a;
	end = len;
	if (nested) {
		memcpy(&l, s->pkt + a, 2);
		if (l < 4 || l > len - (int64_t)a)
			return 0;
		start = a + 4;
		end = a + l;
	}
	while (end - start >= 4) {
		memcpy(&l, s->pkt + start, 2);
		memcpy(&t, s->pkt + start + 2, 2);
		if (l < 4 || l > end - start)
			return 0;
		if ((t & 0x3fff) == x)
			return (uint32_t)start;
		start += (l + 3) & ~3;
	}
	return 0;
}

static bool ref_ext(const struct ref_state *s, enum cbpf_ext e, uint32_t *a, uint32_t x)
{
	const struct cbpf_ctx *c = s->c;

	switch (e) {
	case CBPF_EXT_PROTOCOL: *a = c->protocol; return true;
	case CBPF_EXT_PKTTYPE: *a = c->pkttype; return true;
	case CBPF_EXT_IFINDEX: if (!c->has_dev) return false; *a = c->ifindex; return true;
	case CBPF_EXT_NLATTR: *a = ref_nla(s, *a, x, false); return true;
	case CBPF_EXT_NLATTR_NEST: *a = ref_nla(s, *a, x, true); return true;
	case CBPF_EXT_MARK: *a = c->mark; return true;
	case CBPF_EXT_QUEUE: *a = c->queue; return true;
	case CBPF_EXT_HATYPE: if (!c->has_dev) return false; *a = c->hatype; return true;
	case CBPF_EXT_RXHASH: *a = c->rxhash; return true;
	case CBPF_EXT_CPU: *a = c->cpu; return true;
	case CBPF_EXT_ALU_XOR_X: *a ^= x; return true;
	case CBPF_EXT_VLAN_TAG: *a = c->vlan_tci; return true;
	case CBPF_EXT_VLAN_TAG_PRESENT: *a = c->vlan_avail; return true;
	case CBPF_EXT_PAY_OFFSET:
		/* "auto" only with the defaults (protocol 0: nothing dissected) */
		*a = c->poff == CBPF_POFF_AUTO ? 0 : (uint32_t)c->poff;
		return true;
	case CBPF_EXT_RANDOM: *a = c->random; return true;
	case CBPF_EXT_VLAN_TPID: *a = c->vlan_tpid; return true;
	default: return true;
	}
}

static struct cbpf_result ref_run(const struct cbpf_insn *prog, size_t n,
				  const struct ref_state *s)
{
	uint32_t A = 0, X = 0, M[16] = { 0 }, v;
	struct cbpf_result fail = { 0, LOADF };

	for (size_t pc = 0; pc < n; pc++) {
		struct cbpf_typed t = cbpf_decode(prog[pc]);
		uint32_t b = t.src == CBPF_SRC_X ? X : t.k;
		switch (t.kind) {
		case CBPF_KIND_LD_IMM: *(t.reg == CBPF_REG_X ? &X : &A) = t.k; break;
		case CBPF_KIND_LD_LEN:
			*(t.reg == CBPF_REG_X ? &X : &A) =
				s->c->len == CBPF_CTX_UNSET ? (uint32_t)s->len : (uint32_t)s->c->len;
			break;
		case CBPF_KIND_LD_MEM: *(t.reg == CBPF_REG_X ? &X : &A) = M[t.k]; break;
		case CBPF_KIND_ST: M[t.k] = t.reg == CBPF_REG_X ? X : A; break;
		case CBPF_KIND_LD_ABS:
			if (!ref_load(s, (int32_t)t.k, t.size, &A))
				return fail;
			break;
		case CBPF_KIND_LD_IND:
			if (!ref_load(s, (int32_t)(X + t.k), t.size, &A))
				return fail;
			break;
		case CBPF_KIND_LD_MSH:
			if (!ref_load(s, (int32_t)t.k, 1, &v))
				return fail;
			X = (v & 15) * 4;
			break;
		case CBPF_KIND_LD_EXT:
			if (!ref_ext(s, t.ext, &A, X)) {
				struct cbpf_result r = { A, NODEV };
				return r;
			}
			break;
		case CBPF_KIND_ALU:
			if ((t.alu == CBPF_ALU_DIV || t.alu == CBPF_ALU_MOD) && b == 0) {
				struct cbpf_result r = { 0, DIV0 };
				return r;
			}
			switch (t.alu) {
			case CBPF_ALU_ADD: A += b; break;
			case CBPF_ALU_SUB: A -= b; break;
			case CBPF_ALU_MUL: A *= b; break;
			case CBPF_ALU_DIV: A /= b; break;
			case CBPF_ALU_MOD: A %= b; break;
			case CBPF_ALU_AND: A &= b; break;
			case CBPF_ALU_OR: A |= b; break;
			case CBPF_ALU_XOR: A ^= b; break;
			case CBPF_ALU_LSH: A <<= b % 32; break;
			case CBPF_ALU_RSH: A >>= b % 32; break;
			default: break;
			}
			break;
		case CBPF_KIND_NEG: A = -A; break;
		case CBPF_KIND_JA: pc += t.k; break;
		case CBPF_KIND_JCOND: {
			bool c = t.jmp == CBPF_JMP_JEQ ? A == b : t.jmp == CBPF_JMP_JGT ? A > b
				 : t.jmp == CBPF_JMP_JGE ? A >= b : (A & b) != 0;
			pc += c ? t.jt : t.jf;
			break;
		}
		case CBPF_KIND_RET: {
			struct cbpf_result r = { t.src == CBPF_SRC_A ? A : t.k, RET };
			return r;
		}
		case CBPF_KIND_TAX: X = A; break;
		case CBPF_KIND_TXA: A = X; break;
		default: return fail;
		}
	}
	return fail;
}

/* Random valid programs on random packets and contexts: never a crash
 * under ASan/UBSan, and always the reference interpreter's answer. */
static void test_random_programs(void)
{
	const struct ts_prog_opts opts = { .max_len = 48, .det = TS_DET_ANY };
	struct ts_rng r;
	static uint8_t pkt[600];
	struct cbpf_insn prog[48];
	long programs = 0, runs = 0, mismatches = 0, tries = 0;

	ts_seed(&r, 0x5eed0001);
	while (programs < 20000 && tries < 400000) {
		size_t n = ts_randprog(&r, &opts, prog);
		struct cbpf_vm *vm;

		tries++;
		if (cbpf_vm_create(prog, n, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0)
			continue;
		programs++;
		for (int i = 0; i < 6; i++) {
			size_t len = ts_chance(&r, 90) ? ts_below(&r, 120) : ts_below(&r, 600);
			struct cbpf_ctx c;
			struct ref_state s = { pkt, len, &c };
			ts_packet(&r, pkt, len);
			ts_ctx(&r, &c, len);
			struct cbpf_result got = cbpf_vm_run(vm, pkt, len, &c);
			struct cbpf_result want = ref_run(prog, n, &s);
			runs++;
			if (got.verdict != want.verdict || got.end != want.end) {
				if (++mismatches <= 5) {
					fprintf(stderr, "mismatch: len %zu got 0x%x/%s want 0x%x/%s:",
						len, got.verdict, cbpf_abort_name(got.end),
						want.verdict, cbpf_abort_name(want.end));
					for (size_t j = 0; j < n; j++)
						fprintf(stderr, " {0x%x,%u,%u,0x%x}", prog[j].code,
							prog[j].jt, prog[j].jf, prog[j].k);
					fprintf(stderr, "\n");
				}
			}
		}
		cbpf_vm_free(vm);
	}
	fprintf(stderr, "random: %ld valid programs of %ld drawn, %ld runs, %ld mismatches\n",
		programs, tries, runs, mismatches);
	CHECK_EQ(programs, 20000);
	CHECK_EQ(mismatches, 0);
}

/* ---- one VM, four threads ---- */

enum { THREAD_PKTS = 64, THREAD_ITERS = 3000 };

struct thread_job {
	const struct cbpf_vm *vm;
	uint8_t (*pkts)[80];
	const struct cbpf_result *want;
	long mismatches;
};

static void *thread_main(void *arg)
{
	struct thread_job *j = arg;

	for (int it = 0; it < THREAD_ITERS; it++) {
		for (int i = 0; i < THREAD_PKTS; i++) {
			struct cbpf_result r = cbpf_vm_run(j->vm, j->pkts[i], 40 + (size_t)i % 40, NULL);
			if (r.verdict != j->want[i].verdict || r.end != j->want[i].end)
				j->mismatches++;
		}
	}
	return NULL;
}

static void test_threads(void)
{
	/* IPv4 TCP port check with scratch memory and a division */
	struct cbpf_insn prog[] = {
		LDABS(CBPF_H, 12), JK(CBPF_JEQ, 0x0800, 0, 9), LDABS(CBPF_B, 23),
		ST(0), MSH(14), LDIND(CBPF_H, 16), ALUK(CBPF_AND, 0xff), TAX, LDM(0),
		ALUX(CBPF_DIV), RETA, RETK(0),
	};
	static uint8_t pkts[THREAD_PKTS][80];
	struct cbpf_result want[THREAD_PKTS];
	struct thread_job jobs[4];
	pthread_t th[4];
	struct cbpf_vm *vm;
	struct ts_rng r;

	if (cbpf_vm_create(prog, sizeof(prog) / sizeof(prog[0]), CBPF_PROFILE_LINUX, 0, &vm,
			   NULL) != 0) {
		CHECK(0);
		return;
	}
	ts_seed(&r, 42);
	for (int i = 0; i < THREAD_PKTS; i++) {
		for (int b = 0; b < 80; b++)
			pkts[i][b] = (uint8_t)ts_next(&r);
		if (i % 3 != 0) {
			pkts[i][12] = 0x08;
			pkts[i][13] = 0x00;
		}
		want[i] = cbpf_vm_run(vm, pkts[i], 40 + (size_t)i % 40, NULL);
	}
	for (int t = 0; t < 4; t++) {
		jobs[t] = (struct thread_job){ vm, pkts, want, 0 };
		CHECK_EQ(pthread_create(&th[t], NULL, thread_main, &jobs[t]), 0);
	}
	for (int t = 0; t < 4; t++) {
		pthread_join(th[t], NULL);
		CHECK_EQ(jobs[t].mismatches, 0);
	}
	/* the mix covers returns, failed loads and div by 0 */
	int ends[4] = { 0 };
	for (int i = 0; i < THREAD_PKTS; i++)
		ends[want[i].end]++;
	CHECK(ends[RET] > 0);
	CHECK(ends[LOADF] + ends[DIV0] > 0);
	cbpf_vm_free(vm);
}

int main(void)
{
	for (int i = 0; i < 100; i++)
		P100[i] = (uint8_t)(i + 5);
	test_alu_grid();
	test_alu_values();
	test_registers();
	test_jumps();
	test_abs_loads();
	test_ind_loads();
	test_msh();
	test_windows();
	test_fused();
	test_jeq_chains();
	test_extensions_default();
	test_extensions_ctx();
	test_nla();
	test_poff();
	test_seccomp();
	test_validation();
	test_random_programs();
	test_threads();
	return CHECK_DONE();
}
