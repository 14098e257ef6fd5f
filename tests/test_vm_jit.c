/*
 * test_vm_jit.c - the VM's native code (lib/vm/jit/x86_64.c) against its
 * interpreter, the same program built twice (default and CBPF_VM_NO_JIT):
 * the verdict and the end reason must be equal on
 *   - 120,000 random valid programs of up to 48 instructions
 *     (testsupport/randprog.h, TS_SHAPE_OPCODES: every opcode, edge
 *     operands, the NET/LL windows, the extensions, div/mod by X = 0,
 *     failing loads) on random packets and contexts, 4 runs each;
 *   - 300 random programs of up to 4096 instructions (long jumps, large
 *     code);
 *   - 100,000 programs shaped like libpcap's (TS_SHAPE_LIBPCAP: loads,
 *     jumps to two final rets) on packets of bytes 0..2, 8 runs each: the
 *     bounds-check
 *     elimination, the cmov selects and the if-converted blocks;
 *   - targeted escapes: a window or extension load after M[] was written,
 *     in the middle of fused sequences, with X and A live.
 * It also checks when native code is used: the LINUX profile by default
 * on x86-64, never for SECCOMP, never with the flag or CBPF_VM_NO_JIT=1,
 * and not when executable memory is refused (a seccomp filter in a child
 * stands in for SELinux execmem): the VM then interprets.
 * The public head: each VM's first member is its entry (native code or the
 * interpreter), which the inline cbpf_vm_run() calls.
 * (test_vm.c runs each of its expectations in both modes too.)
 */
#include "check.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cbpf/insn.h"
#include "cbpf/opcode.h"
#include "cbpf/vm.h"
#include "randinput.h"
#include "randprog.h"

static bool native_expected(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	return true;
#else
	return false;
#endif
}

struct pair {
	struct cbpf_vm *jit;
	struct cbpf_vm *interp;
};

/* Build the program both ways; false when the validator refuses it. */
static bool pair_create(const struct cbpf_insn *p, size_t n, struct pair *out)
{
	if (cbpf_vm_create(p, n, CBPF_PROFILE_LINUX, 0, &out->jit, NULL) != 0)
		return false;
	if (cbpf_vm_create(p, n, CBPF_PROFILE_LINUX, CBPF_VM_NO_JIT, &out->interp, NULL) !=
	    0) {
		cbpf_vm_free(out->jit);
		CHECK(0); /* the flag never changes what is accepted */
		return false;
	}
	CHECK_EQ(cbpf_vm_is_native(out->jit), native_expected());
	CHECK(!cbpf_vm_is_native(out->interp));
	return true;
}

static void pair_free(struct pair *p)
{
	cbpf_vm_free(p->jit);
	cbpf_vm_free(p->interp);
}

static long mismatches;

static void report(const struct cbpf_insn *p, size_t n, size_t len, struct cbpf_result got,
		   struct cbpf_result want)
{
	if (++mismatches > 5)
		return;
	fprintf(stderr, "mismatch: len %zu native 0x%x/%s interpreter 0x%x/%s:", len, got.verdict,
		cbpf_abort_name(got.end), want.verdict, cbpf_abort_name(want.end));
	for (size_t j = 0; j < n && j < 64; j++)
		fprintf(stderr, " {0x%x,%u,%u,0x%x}", p[j].code, p[j].jt, p[j].jf, p[j].k);
	fprintf(stderr, "%s\n", n > 64 ? " ..." : "");
}

/* One run of both; counts the end reasons seen. */
static void compare(const struct pair *vms, const struct cbpf_insn *p, size_t n,
		    const uint8_t *pkt, size_t len, const struct cbpf_ctx *ctx, long ends[4])
{
	struct cbpf_result got = cbpf_vm_run(vms->jit, pkt, len, ctx);
	struct cbpf_result want = cbpf_vm_run(vms->interp, pkt, len, ctx);

	if (got.verdict != want.verdict || got.end != want.end)
		report(p, n, len, got, want);
	if ((unsigned)want.end < 4)
		ends[want.end]++;
}

/* An input for a program of this shape: for libpcap-shaped programs up to
 * 80 bytes of 0..2 (so that their compares on constants hit), for the
 * others up to 600 random bytes. The context, or NULL for the default. */
static const struct cbpf_ctx *draw_input(struct ts_rng *r, enum ts_shape shape, uint8_t *pkt,
					 size_t *len, struct cbpf_ctx *c)
{
	if (shape == TS_SHAPE_LIBPCAP) {
		*len = ts_below(r, 81);
		for (size_t b = 0; b < *len; b++)
			pkt[b] = (uint8_t)ts_below(r, 3);
	} else {
		*len = ts_chance(r, 90) ? ts_below(r, 120) : ts_below(r, 600);
		ts_packet(r, pkt, *len);
	}
	ts_ctx(r, c, *len);
	return ts_chance(r, shape == TS_SHAPE_LIBPCAP ? 50 : 10) ? NULL : c;
}

/* want_programs programs the validator accepts, each run both ways on
 * runs random inputs. */
static void random_programs(const char *what, const struct ts_prog_opts *opts, uint64_t seed,
			    long want_programs, int runs)
{
	static uint8_t pkt[600];
	static struct cbpf_insn prog[CBPF_MAXINSNS];
	long programs = 0, tries = 0, ends[4] = { 0 };
	struct ts_rng r;

	ts_seed(&r, seed);
	while (programs < want_programs && tries < 40 * want_programs) {
		size_t n = ts_randprog(&r, opts, prog);
		struct pair vms;

		tries++;
		if (!pair_create(prog, n, &vms))
			continue;
		programs++;
		for (int i = 0; i < runs; i++) {
			struct cbpf_ctx c;
			size_t len;
			const struct cbpf_ctx *ctx = draw_input(&r, opts->shape, pkt, &len, &c);

			compare(&vms, prog, n, pkt, len, ctx, ends);
		}
		pair_free(&vms);
	}
	fprintf(stderr,
		"%s (max %zu insns): %ld programs of %ld drawn, %ld runs (ret %ld, load %ld, "
		"div0 %ld, nodev %ld), %ld mismatches so far\n",
		what, opts->max_len, programs, tries, programs * runs, ends[0], ends[1], ends[2],
		ends[3], mismatches);
	CHECK_EQ(programs, want_programs);
	/* the mix reaches every way a run can end (libpcap's shape: ret and load) */
	CHECK(ends[0] > 0 && ends[1] > 0);
	if (opts->shape == TS_SHAPE_OPCODES)
		CHECK(ends[2] > 0 && ends[3] > 0);
}

#define PROG(...) ((const struct cbpf_insn[]){ __VA_ARGS__ }), \
	(sizeof((const struct cbpf_insn[]){ __VA_ARGS__ }) / sizeof(struct cbpf_insn))

/* Both modes on one program over several packets and contexts. */
static void both_at(const struct cbpf_insn *p, size_t n)
{
	static uint8_t pkt[128];
	struct ts_rng r;
	struct pair vms;
	long ends[4] = { 0 };

	ts_seed(&r, 7);
	if (!pair_create(p, n, &vms)) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < 200; i++) {
		size_t len = ts_below(&r, sizeof(pkt));
		struct cbpf_ctx c;

		ts_packet(&r, pkt, len);
		ts_ctx(&r, &c, len);
		check_count++;
		compare(&vms, p, n, pkt, len, &c, ends);
	}
	pair_free(&vms);
}

#define BOTH(...) both_at(PROG(__VA_ARGS__))
#define S(code, k) cbpf_stmt((code), (uint32_t)(k))
#define J(code, k, t, f) cbpf_jump((code), (uint32_t)(k), (t), (f))

/* Escapes carry A, X and M[] into the interpreter at the right pc. */
static void test_escapes(void)
{
	const uint32_t net = (uint32_t)CBPF_SKF_NET_OFF, ll = (uint32_t)CBPF_SKF_LL_OFF;
	const uint32_t mark = cbpf_ext_k(CBPF_EXT_MARK), ifidx = cbpf_ext_k(CBPF_EXT_IFINDEX);

	/* M[] written in native code, read after a window load */
	BOTH(S(CBPF_LD | CBPF_IMM, 0x1234), S(CBPF_ST, 3), S(CBPF_LDX | CBPF_IMM, 9),
	     S(CBPF_LD | CBPF_B | CBPF_ABS, net + 2), S(CBPF_ALU | CBPF_ADD | CBPF_X, 0),
	     S(CBPF_LDX | CBPF_MEM, 3), S(CBPF_ALU | CBPF_ADD | CBPF_X, 0),
	     S(CBPF_RET | CBPF_RET_A, 0));
	/* an extension between a load and its jump; ifidx may end with A */
	BOTH(S(CBPF_LD | CBPF_H | CBPF_ABS, 12), S(CBPF_ST, 0), S(CBPF_LD | CBPF_W | CBPF_ABS, mark),
	     J(CBPF_JMP | CBPF_JEQ | CBPF_K, 0, 0, 2), S(CBPF_LD | CBPF_ABS | CBPF_W, ifidx),
	     S(CBPF_RET | CBPF_RET_A, 0), S(CBPF_LD | CBPF_MEM, 0), S(CBPF_RET | CBPF_RET_A, 0));
	/* IND loads whose offset lands in the windows, before the packet, past
	 * the end, or wraps to the start */
	for (uint32_t k = 0; k < 6; k++) {
		static const uint32_t xs[] = { 0, 0xfff00000, 0xffe00000, 0x80000000, 0xffffffff,
					       0x7ffffffe };
		BOTH(S(CBPF_LDX | CBPF_IMM, xs[k]), S(CBPF_ST, 1), S(CBPF_LD | CBPF_IMM, 77),
		     S(CBPF_LD | CBPF_H | CBPF_IND, 3), S(CBPF_ALU | CBPF_ADD | CBPF_X, 0),
		     S(CBPF_LD | CBPF_B | CBPF_IND, 0x100 + k),
		     J(CBPF_JMP | CBPF_JGT | CBPF_K, 0x80, 0, 1), S(CBPF_LD | CBPF_MEM, 1),
		     S(CBPF_RET | CBPF_RET_A, 0));
	}
	/* MSH through the LL window, then an IND load with the new X */
	BOTH(S(CBPF_LDX | CBPF_B | CBPF_MSH, ll + 14), S(CBPF_LD | CBPF_H | CBPF_IND, 2),
	     S(CBPF_RET | CBPF_RET_A, 0));
	/* div by X after an escape, with X from a window */
	BOTH(S(CBPF_LD | CBPF_B | CBPF_ABS, net), S(CBPF_MISC | CBPF_TAX, 0),
	     S(CBPF_LD | CBPF_LEN, 0), S(CBPF_ALU | CBPF_DIV | CBPF_X, 0),
	     S(CBPF_ALU | CBPF_MOD | CBPF_K, 7), S(CBPF_RET | CBPF_RET_A, 0));
}

/* prog on pkt in both modes gives want (verdict, ret). */
static void expect_both(const struct cbpf_insn *p, size_t n, const uint8_t *pkt, size_t len,
			uint32_t want, int line)
{
	struct pair vms;

	if (!pair_create(p, n, &vms)) {
		CHECK(0);
		return;
	}
	for (int mode = 0; mode < 2; mode++) {
		struct cbpf_result r = cbpf_vm_run(mode ? vms.interp : vms.jit, pkt, len, NULL);

		if (r.verdict != want || r.end != CBPF_END_RET)
			fprintf(stderr, "line %d (%s): got 0x%x, want 0x%x\n", line,
				mode ? "interpreter" : "native", r.verdict, want);
		CHECK_EQ(r.verdict, want);
		CHECK_EQ(r.end, CBPF_END_RET);
	}
	pair_free(&vms);
}

#define EXPECT_BOTH(pkt, want, ...) expect_both(PROG(__VA_ARGS__), pkt, sizeof(pkt), want, __LINE__)

/*
 * Loads left in wire order (lib/vm/jit/wire_order.c) compare exactly:
 * jeq and jset on 16 and 32 bits, constants above 16 bits, chains of
 * compares, a chain ending in an if-converted jset (the case the random
 * programs found), and a load whose A is used afterwards (host order).
 */
static void test_wire_order(void)
{
	static const uint8_t p[24] = { [12] = 0x08, [13] = 0x06, [16] = 0x01, [17] = 0x01,
				       [18] = 0x02, [22] = 0x02 };
	const uint16_t ldh = CBPF_LD | CBPF_H | CBPF_ABS, ldw = CBPF_LD | CBPF_W | CBPF_ABS;
	const uint16_t jeq = CBPF_JMP | CBPF_JEQ | CBPF_K, jset = CBPF_JMP | CBPF_JSET | CBPF_K;
	const uint16_t retk = CBPF_RET | CBPF_K;

	EXPECT_BOTH(p, 1, S(ldh, 12), J(jeq, 0x806, 0, 1), S(retk, 1), S(retk, 2));
	EXPECT_BOTH(p, 2, S(ldh, 12), J(jeq, 0x608, 0, 1), S(retk, 1), S(retk, 2));
	EXPECT_BOTH(p, 2, S(ldh, 12), J(jeq, 0x10806, 0, 1), S(retk, 1), S(retk, 2));
	EXPECT_BOTH(p, 1, S(ldh, 18), J(jset, 0x10200, 0, 1), S(retk, 1), S(retk, 2));
	EXPECT_BOTH(p, 2, S(ldh, 18), J(jset, 0x10000, 0, 1), S(retk, 1), S(retk, 2));
	EXPECT_BOTH(p, 3, S(ldh, 12), J(jeq, 0x800, 1, 0), J(jeq, 0x806, 1, 2), S(retk, 1),
		    S(retk, 3), S(retk, 2));
	EXPECT_BOTH(p, 1, S(ldw, 14), J(jeq, 0x101, 0, 1), S(retk, 1), S(retk, 2));
	EXPECT_BOTH(p, 1, S(ldw, 14), J(jset, 0x100, 0, 1), S(retk, 1), S(retk, 2));
	/* [18..21] = 0x02000000: jeq fails, jset holds (if-converted) */
	EXPECT_BOTH(p, 2, S(ldw, 18), J(jeq, 0x101, 2, 0), J(jset, 0x2000000, 1, 0),
		    S(retk, 0x40000), S(retk, 2));
	EXPECT_BOTH(p, 0x40000, S(ldw, 19), J(jeq, 0x101, 2, 0), J(jset, 0x200, 1, 0),
		    S(retk, 0x40000), S(retk, 2));
	EXPECT_BOTH(p, 0x806, S(ldh, 12), J(jeq, 0x806, 0, 0), S(CBPF_RET | CBPF_RET_A, 0));
	EXPECT_BOTH(p, 0x806, S(ldh, 12), J(jeq, 0x806, 0, 1), S(CBPF_RET | CBPF_RET_A, 0),
		    S(retk, 2));
}

/*
 * An if-converted block whose load stays in wire order (only its jeq/jset
 * reads it): `ldh [12]; jeq #0x800; ld{h,w} [16]; j{eq,set} #k; ret; ret`
 * has two ABS checks, so two bodies: len >= 18 (or 20) runs the one whose
 * block load is proved (no failure select), shorter packets the checked
 * one, where the block's load fails. Every length 0..24, both modes.
 */
static void spec_case(uint16_t code, uint16_t jmp, uint32_t k, const uint8_t *pkt,
		      uint32_t want)
{
	const unsigned size = code == (CBPF_LD | CBPF_W | CBPF_ABS) ? 4 : 2;
	struct pair vms;

	if (!pair_create(PROG(S(CBPF_LD | CBPF_H | CBPF_ABS, 12),
			      J(CBPF_JMP | CBPF_JEQ | CBPF_K, 0x800, 0, 3), S(code, 16),
			      J(jmp, k, 0, 1), S(CBPF_RET | CBPF_K, 0x40000),
			      S(CBPF_RET | CBPF_K, 2)),
			 &vms)) {
		CHECK(0);
		return;
	}
	for (size_t len = 0; len <= 24; len++) {
		uint32_t v = len < 14 || len < 16 + size ? 0 : want;
		enum cbpf_abort end = len < 16 + size ? CBPF_ABORT_LOAD : CBPF_END_RET;

		for (int mode = 0; mode < 2; mode++) {
			struct cbpf_result r = cbpf_vm_run(mode ? vms.interp : vms.jit, pkt, len, NULL);

			if (r.verdict != v || r.end != end)
				fprintf(stderr, "spec block: len %zu (%s): got 0x%x/%d, want 0x%x/%d\n",
					len, mode ? "interpreter" : "native", r.verdict, (int)r.end, v,
					(int)end);
			CHECK_EQ(r.verdict, v);
			CHECK_EQ(r.end, end);
		}
	}
	pair_free(&vms);
}

static void test_spec_wire(void)
{
	static const uint8_t p[24] = { [12] = 0x08, [16] = 0x01, [17] = 0x01, [19] = 0x80 };
	const uint16_t ldh = CBPF_LD | CBPF_H | CBPF_ABS, ldw = CBPF_LD | CBPF_W | CBPF_ABS;
	const uint16_t jeq = CBPF_JMP | CBPF_JEQ | CBPF_K, jset = CBPF_JMP | CBPF_JSET | CBPF_K;

	spec_case(ldh, jeq, 0x101, p, 0x40000);
	spec_case(ldh, jeq, 0x10101, p, 2);
	spec_case(ldh, jset, 0x100, p, 0x40000);
	spec_case(ldh, jset, 0x10000, p, 2);
	spec_case(ldw, jeq, 0x1010080, p, 0x40000);
	spec_case(ldw, jeq, 0x80, p, 2);
	spec_case(ldw, jset, 0x80, p, 0x40000);
	spec_case(ldw, jset, 0x2, p, 2);
}

/*
 * Nested if-conversion (chains of a jump between a ret and a block, up to
 * 4 blocks): `ip6 and tcp and port`-shaped programs, with ret A and ret #k
 * at every level and a jset inside, on a packet where every condition
 * holds and with each condition broken in turn, at every length 0..40
 * (the unchecked body from 24 bytes, the checked one below). Native and
 * interpreter agree; a few verdicts are checked exactly.
 */
static void chain_case(const struct cbpf_insn *p, size_t n, const uint32_t *want_full)
{
	static const uint8_t good[40] = { [12] = 0x86, [13] = 0xdd, [20] = 6, [22] = 0x01,
					  [23] = 0xbb };
	const size_t flips[] = { 0, 12, 13, 20, 22, 23 };
	struct pair vms;
	long ends[4] = { 0 };

	if (!pair_create(p, n, &vms)) {
		CHECK(0);
		return;
	}
	for (size_t f = 0; f < sizeof(flips) / sizeof(flips[0]); f++) {
		uint8_t pkt[40];

		memcpy(pkt, good, sizeof(pkt));
		if (f > 0)
			pkt[flips[f]] ^= 0x41;
		for (size_t len = 0; len <= sizeof(pkt); len++) {
			check_count++;
			compare(&vms, p, n, pkt, len, NULL, ends);
		}
		if (want_full != NULL)
			CHECK_EQ(cbpf_vm_run(vms.jit, pkt, sizeof(pkt), NULL).verdict, want_full[f]);
	}
	pair_free(&vms);
}

static void test_spec_chain(void)
{
	const uint16_t ldh = CBPF_LD | CBPF_H | CBPF_ABS, ldb = CBPF_LD | CBPF_B | CBPF_ABS;
	const uint16_t jeq = CBPF_JMP | CBPF_JEQ | CBPF_K, jset = CBPF_JMP | CBPF_JSET | CBPF_K;
	const uint16_t retk = CBPF_RET | CBPF_K, reta = CBPF_RET | CBPF_RET_A;
	/* flips: none, [12], [13], [20], [22], [23] */
	static const uint32_t three[] = { 0xffff, 0, 0, 0, 0, 0 };
	static const uint32_t ret_a[] = { 0xffff, 0xc7dd, 0x869c, 0x47, 0x40bb, 0x1fa };

	/* ip6 and tcp dst port 443 */
	chain_case(PROG(S(ldh, 12), J(jeq, 0x86dd, 0, 5), S(ldb, 20), J(jeq, 6, 0, 3), S(ldh, 22),
			J(jeq, 0x1bb, 0, 1), S(retk, 0xffff), S(retk, 0)),
		   three);
	/* ret A where each condition fails, jset last: the A of that level */
	chain_case(PROG(S(ldh, 12), J(jeq, 0x86dd, 0, 5), S(ldb, 20), J(jeq, 6, 0, 4), S(ldh, 22),
			J(jset, 0x100, 0, 1), S(reta, 0), S(retk, 2), S(reta, 0)),
		   NULL);
	/* four levels, an empty block (a jeq on the same A) and ALU in one */
	chain_case(PROG(S(ldh, 12), J(jeq, 0x86dd, 0, 9), S(ldb, 20), J(jeq, 7, 7, 0),
			J(jeq, 6, 0, 6), S(ldh, 22), S(CBPF_ALU | CBPF_AND | CBPF_K, 0xfff),
			J(jeq, 0x1bb, 0, 3), S(ldb, 23), J(jset, 0x80, 0, 2), S(reta, 0),
			S(retk, 0x40000), S(reta, 0)),
		   NULL);
	/* five levels: the outer jump is not converted, the rest is */
	chain_case(PROG(S(ldh, 12), J(jeq, 0x86dd, 0, 9), S(ldb, 20), J(jeq, 6, 0, 7), S(ldb, 22),
			J(jeq, 1, 0, 5), S(ldb, 23), J(jeq, 0xbb, 0, 3), S(ldb, 13),
			J(jeq, 0xdd, 0, 1), S(reta, 0), S(retk, 0)),
		   NULL);
	/* ret A at the outer level only: the ethertype when it is not IPv6 */
	chain_case(PROG(S(ldh, 12), J(jeq, 0x86dd, 0, 5), S(ldb, 20), J(jeq, 6, 0, 3), S(ldh, 22),
			J(jeq, 0x1bb, 0, 1), S(retk, 0xffff), S(reta, 0)),
		   ret_a);
}

/*
 * ld #len: the packet length without a ctx (the fall-through path), with
 * a ctx whose len is unset, and ctx->len itself (the out-of-line tail,
 * truncated to u32), with a NULL packet too (no bytes: 0).
 */
static void test_len_ctx(void)
{
	static const uint8_t pkt[64];
	struct cbpf_ctx c;
	struct pair vms;
	const int64_t lens[] = { CBPF_CTX_UNSET, 0, 999, 1000, 0x1000003e8ll, -1 };
	const uint32_t want[] = { 2, 2, 2, 1, 1, 1 };

	if (!pair_create(PROG(S(CBPF_LD | CBPF_LEN, 0), J(CBPF_JMP | CBPF_JGE | CBPF_K, 1000, 0, 1),
			      S(CBPF_RET | CBPF_K, 1), S(CBPF_RET | CBPF_K, 2)),
			 &vms)) {
		CHECK(0);
		return;
	}
	for (int mode = 0; mode < 2; mode++) {
		const struct cbpf_vm *vm = mode ? vms.interp : vms.jit;

		CHECK_EQ(cbpf_vm_run(vm, pkt, sizeof(pkt), NULL).verdict, 2);
		CHECK_EQ(cbpf_vm_run(vm, pkt, 1000, NULL).verdict, 1);
		CHECK_EQ(cbpf_vm_run(vm, NULL, 1000, NULL).verdict, 2);
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			cbpf_ctx_init(&c);
			c.len = lens[i];
			CHECK_EQ(cbpf_vm_run(vm, pkt, sizeof(pkt), &c).verdict, want[i]);
		}
	}
	pair_free(&vms);
	if (!pair_create(PROG(S(CBPF_LD | CBPF_LEN, 0), S(CBPF_RET | CBPF_RET_A, 0)), &vms)) {
		CHECK(0);
		return;
	}
	cbpf_ctx_init(&c);
	c.len = 0x100000007ll;
	CHECK_EQ(cbpf_vm_run(vms.jit, pkt, sizeof(pkt), &c).verdict, 7);
	c.len = CBPF_CTX_UNSET;
	CHECK_EQ(cbpf_vm_run(vms.jit, pkt, 33, &c).verdict, 33);
	CHECK_EQ(cbpf_vm_run(vms.jit, pkt, 34, NULL).verdict, 34);
	pair_free(&vms);
}

/*
 * What the code knows of X: IND loads after ldxb 4*([k]&0xf) or ldx #k
 * (X small: one compare of X + k + size, no window) fail exactly at the
 * packet's end; after tax (X unbounded) the general form; and X is 0 on
 * a path that never wrote it even when another path did.
 */
static void test_x_known(void)
{
	uint8_t pkt[96];
	const uint16_t ldxb = CBPF_LDX | CBPF_B | CBPF_MSH, ldh_x = CBPF_LD | CBPF_H | CBPF_IND;
	const uint16_t reta = CBPF_RET | CBPF_RET_A;
	struct pair msh, imm, tax, path;
	long ends[4] = { 0 };

	memset(pkt, 0, sizeof(pkt));
	if (!pair_create(PROG(S(ldxb, 14), S(ldh_x, 14), S(reta, 0)), &msh) ||
	    !pair_create(PROG(S(CBPF_LDX | CBPF_IMM, 0xffff), S(CBPF_LD | CBPF_B | CBPF_IND, 2),
			      S(reta, 0)),
			 &imm) ||
	    !pair_create(PROG(S(CBPF_LD | CBPF_IMM, 0xfffffffe), S(CBPF_MISC | CBPF_TAX, 0),
			      S(ldh_x, 4), S(reta, 0)),
			 &tax) ||
	    !pair_create(PROG(S(CBPF_LD | CBPF_B | CBPF_ABS, 0),
			      J(CBPF_JMP | CBPF_JEQ | CBPF_K, 1, 0, 1), S(CBPF_LDX | CBPF_IMM, 5),
			      S(CBPF_MISC | CBPF_TXA, 0), S(reta, 0)),
			 &path)) {
		CHECK(0);
		return;
	}
	for (int ihl = 5; ihl <= 15; ihl += 10) {
		size_t end = 4 * (size_t)ihl + 14 + 2;

		pkt[14] = (uint8_t)(0x40 | ihl);
		pkt[end - 2] = 0x12;
		pkt[end - 1] = 0x34;
		for (size_t len = 0; len <= sizeof(pkt); len++) {
			check_count++;
			compare(&msh, NULL, 0, pkt, len, NULL, ends);
			compare(&imm, NULL, 0, pkt, len, NULL, ends);
			compare(&tax, NULL, 0, pkt, len, NULL, ends);
		}
		CHECK_EQ(cbpf_vm_run(msh.jit, pkt, end, NULL).verdict, 0x1234);
		CHECK_EQ(cbpf_vm_run(msh.jit, pkt, end - 1, NULL).end, CBPF_ABORT_LOAD);
	}
	CHECK_EQ(cbpf_vm_run(imm.jit, pkt, sizeof(pkt), NULL).end, CBPF_ABORT_LOAD);
	/* X + 4 = 2: the bytes at 2, 3 */
	pkt[2] = 0xab;
	pkt[3] = 0xcd;
	CHECK_EQ(cbpf_vm_run(tax.jit, pkt, sizeof(pkt), NULL).verdict, 0xabcd);
	pkt[0] = 1;
	CHECK_EQ(cbpf_vm_run(path.jit, pkt, 1, NULL).verdict, 5);
	pkt[0] = 2;
	CHECK_EQ(cbpf_vm_run(path.jit, pkt, 1, NULL).verdict, 0);
	pair_free(&msh);
	pair_free(&imm);
	pair_free(&tax);
	pair_free(&path);
}

/* When there is native code, and the env var. */
static void test_modes(void)
{
	struct cbpf_vm *vm;
	const struct cbpf_insn *p = (const struct cbpf_insn[]){ cbpf_stmt(CBPF_RET | CBPF_K, 5) };
	struct cbpf_result r;

	CHECK_EQ(cbpf_vm_create(p, 1, CBPF_PROFILE_SECCOMP, 0, &vm, NULL), 0);
	CHECK(!cbpf_vm_is_native(vm));
	cbpf_vm_free(vm);
	CHECK_EQ(cbpf_vm_create(p, 1, CBPF_PROFILE_LINUX, 0, &vm, NULL), 0);
	CHECK_EQ(cbpf_vm_is_native(vm), native_expected());
	r = cbpf_vm_run(vm, NULL, 0, NULL);
	CHECK_EQ(r.verdict, 5);
	cbpf_vm_free(vm);
	setenv("CBPF_VM_NO_JIT", "1", 1);
	CHECK_EQ(cbpf_vm_create(p, 1, CBPF_PROFILE_LINUX, 0, &vm, NULL), 0);
	CHECK(!cbpf_vm_is_native(vm));
	cbpf_vm_free(vm);
	setenv("CBPF_VM_NO_JIT", "0", 1);
	CHECK_EQ(cbpf_vm_create(p, 1, CBPF_PROFILE_LINUX, 0, &vm, NULL), 0);
	CHECK_EQ(cbpf_vm_is_native(vm), native_expected());
	cbpf_vm_free(vm);
	unsetenv("CBPF_VM_NO_JIT");
	CHECK(!cbpf_vm_is_native(NULL));
	cbpf_vm_free(NULL);
}

/*
 * The public head (cbpf/vm.h): every VM publishes its entry as its first
 * member, the native code when it has some, else the interpreter (one
 * function, the same for every interpreted VM); cbpf_vm_run() is that
 * call, inline, and a NULL vm still gives { 0, ret }.
 */
static void test_entry(void)
{
	const uint8_t pkt[20] = { [12] = 0x08 };
	struct pair vms, other;
	struct cbpf_result a, b;
	cbpf_vm_entry jit_run, interp_run;

	if (!pair_create(PROG(S(CBPF_LD | CBPF_H | CBPF_ABS, 12), S(CBPF_ALU | CBPF_ADD | CBPF_K, 6),
			      S(CBPF_RET | CBPF_RET_A, 0)),
			 &vms) ||
	    !pair_create(PROG(S(CBPF_RET | CBPF_K, 9)), &other)) {
		CHECK(0);
		return;
	}
	jit_run = ((const struct cbpf_vm_head *)(const void *)vms.jit)->run;
	interp_run = ((const struct cbpf_vm_head *)(const void *)vms.interp)->run;
	CHECK(jit_run != NULL);
	CHECK(interp_run != NULL);
	CHECK(interp_run == ((const struct cbpf_vm_head *)(const void *)other.interp)->run);
	CHECK_EQ(jit_run != interp_run, native_expected());
	CHECK_EQ(native_expected(),
		 ((const struct cbpf_vm_head *)(const void *)other.jit)->run != jit_run);
	a = jit_run(vms.jit, pkt, sizeof(pkt), NULL);
	b = interp_run(vms.interp, pkt, sizeof(pkt), NULL);
	CHECK_EQ(a.verdict, 0x806);
	CHECK_EQ(a.end, CBPF_END_RET);
	CHECK_EQ(b.verdict, 0x806);
	a = cbpf_vm_run(vms.jit, pkt, 13, NULL);
	CHECK_EQ(a.verdict, 0);
	CHECK_EQ(a.end, CBPF_ABORT_LOAD);
	a = cbpf_vm_run(other.jit, NULL, 0, NULL);
	CHECK_EQ(a.verdict, 9);
	a = cbpf_vm_run(NULL, pkt, sizeof(pkt), NULL);
	CHECK_EQ(a.verdict, 0);
	CHECK_EQ(a.end, CBPF_END_RET);
	pair_free(&vms);
	pair_free(&other);
}

/* A NULL packet reads as no bytes; a huge len with a NULL packet too. */
static void test_null_packet(void)
{
	BOTH(S(CBPF_LD | CBPF_LEN, 0), S(CBPF_RET | CBPF_RET_A, 0));
	struct pair vms;

	if (!pair_create(PROG(S(CBPF_LD | CBPF_LEN, 0), S(CBPF_LDX | CBPF_LEN, 0),
			      S(CBPF_LD | CBPF_B | CBPF_ABS, 0), S(CBPF_RET | CBPF_RET_A, 0)),
			 &vms)) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < 3; i++) {
		size_t len = i == 0 ? 0 : i == 1 ? 100 : (size_t)1 << 33;
		struct cbpf_result a = cbpf_vm_run(vms.jit, NULL, len, NULL);
		struct cbpf_result b = cbpf_vm_run(vms.interp, NULL, len, NULL);

		CHECK_EQ(a.verdict, b.verdict);
		CHECK_EQ(a.end, b.end);
		CHECK_EQ(a.end, CBPF_ABORT_LOAD);
	}
	pair_free(&vms);
}

/*
 * Lengths past INT32_MAX: the native code runs programs whose loads do not
 * rely on that bound itself (ABS loads compare the full length; ld #len is
 * its low 32 bits) and hands the others (IND loads: an offset with bit 31
 * set is negative as an int, a window) to the interpreter. The packet is
 * one readable page at the start of 4 GiB of PROT_NONE: a native IND load
 * at X + k = 0x80000010 would fault instead of failing.
 */
static void test_long_length(void)
{
	size_t page = 4096, len = ((size_t)1 << 32) + page;
	uint8_t *pkt = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			    -1, 0);
	struct pair vms;

	if (pkt == MAP_FAILED) {
		fprintf(stderr, "test_long_length: no 4 GiB of address space, skipped\n");
		return;
	}
	CHECK_EQ(mprotect(pkt, page, PROT_READ | PROT_WRITE), 0);
	pkt[5] = 0x42;
	if (pair_create(PROG(S(CBPF_LDX | CBPF_W | CBPF_IMM, 0x80000000),
			     S(CBPF_LD | CBPF_B | CBPF_IND, 16), S(CBPF_RET | CBPF_K, 7)),
			&vms)) {
		struct cbpf_result a = cbpf_vm_run(vms.jit, pkt, len, NULL);

		CHECK_EQ(a.verdict, 0);
		CHECK_EQ(a.end, CBPF_ABORT_LOAD);
		pair_free(&vms);
	}
	/* the same with two ABS checks first (two bodies) */
	if (pair_create(PROG(S(CBPF_LD | CBPF_B | CBPF_ABS, 1), S(CBPF_LD | CBPF_B | CBPF_ABS, 2),
			     S(CBPF_LDX | CBPF_W | CBPF_IMM, 0x80000000),
			     S(CBPF_LD | CBPF_B | CBPF_IND, 16), S(CBPF_RET | CBPF_K, 7)),
			&vms)) {
		struct cbpf_result a = cbpf_vm_run(vms.jit, pkt, len, NULL);

		CHECK_EQ(a.verdict, 0);
		CHECK_EQ(a.end, CBPF_ABORT_LOAD);
		a = cbpf_vm_run(vms.jit, pkt, (size_t)INT32_MAX + 1, NULL);
		CHECK_EQ(a.end, CBPF_ABORT_LOAD);
		a = cbpf_vm_run(vms.jit, pkt, 2, NULL);
		CHECK_EQ(a.end, CBPF_ABORT_LOAD);
		pair_free(&vms);
	}
	if (pair_create(PROG(S(CBPF_LD | CBPF_B | CBPF_ABS, 5), S(CBPF_MISC | CBPF_TAX, 0),
			     S(CBPF_LD | CBPF_LEN, 0), S(CBPF_ALU | CBPF_ADD | CBPF_X, 0),
			     S(CBPF_RET | CBPF_RET_A, 0)),
			&vms)) {
		struct cbpf_result a = cbpf_vm_run(vms.jit, pkt, len, NULL);
		struct cbpf_result b = cbpf_vm_run(vms.interp, pkt, len, NULL);

		CHECK_EQ(a.verdict, 0x42 + (uint32_t)page); /* len mod 2^32 */
		CHECK_EQ(a.end, CBPF_END_RET);
		CHECK_EQ(b.verdict, a.verdict);
		pair_free(&vms);
	}
	munmap(pkt, len);
}

/*
 * cbpf_vm_run_batch() gives, in both modes, the verdicts of one
 * cbpf_vm_run() per packet (NULL packets included) and counts those that
 * are not 0; a NULL vm gives zeros.
 */
static void test_batch(void)
{
	const struct ts_prog_opts opts = { .shape = TS_SHAPE_LIBPCAP, .max_len = 16, .valid = true };
	struct ts_rng r = { 0x1a7e0004 };
	enum { NPKT = 64 };
	static uint8_t bytes[NPKT][80];
	const uint8_t *pkts[NPKT];
	size_t lens[NPKT];
	uint32_t got[NPKT + 1];

	for (int i = 0; i < NPKT; i++) {
		for (size_t b = 0; b < sizeof(bytes[i]); b++)
			bytes[i][b] = (uint8_t)ts_below(&r, 3);
		pkts[i] = i == 7 ? NULL : bytes[i];
		lens[i] = ts_below(&r, sizeof(bytes[i]) + 1);
	}
	for (int prog = 0; prog < 2000; prog++) {
		struct cbpf_insn p[CBPF_MAXINSNS];
		size_t n = ts_randprog(&r, &opts, p);
		struct pair vms;

		if (!pair_create(p, n, &vms))
			continue;
		for (int mode = 0; mode < 2; mode++) {
			const struct cbpf_vm *vm = mode ? vms.interp : vms.jit;
			size_t kept = 0, ret;

			got[NPKT] = 0xdeadbeef;
			ret = cbpf_vm_run_batch(vm, pkts, lens, NPKT, NULL, got);
			for (int i = 0; i < NPKT; i++) {
				uint32_t want = cbpf_vm_run(vm, pkts[i], lens[i], NULL).verdict;

				if (got[i] != want && mismatches++ < 5)
					fprintf(stderr, "batch: packet %d: %u, single run %u\n", i,
						got[i], want);
				kept += want != 0;
			}
			CHECK_EQ(ret, kept);
			CHECK_EQ(got[NPKT], 0xdeadbeef);
		}
		pair_free(&vms);
	}
	got[0] = 5;
	CHECK_EQ(cbpf_vm_run_batch(NULL, pkts, lens, 1, NULL, got), 0);
	CHECK_EQ(got[0], 0);
	CHECK_EQ(cbpf_vm_run_batch(NULL, NULL, NULL, 0, NULL, NULL), 0);
}

/*
 * In a child, refuse every mmap/mprotect asking for PROT_EXEC with EACCES
 * (what SELinux execmem denial looks like): VMs are still created, run in
 * the interpreter, and give the same results. Exit 0 when all holds.
 */
static int child_without_exec(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(f) / sizeof(f[0])), f };
	const struct cbpf_insn p[] = {
		cbpf_stmt(CBPF_LD | CBPF_H | CBPF_ABS, 12),
		cbpf_jump(CBPF_JMP | CBPF_JEQ | CBPF_K, 0x0800, 0, 1),
		cbpf_stmt(CBPF_RET | CBPF_K, 0x40000),
		cbpf_stmt(CBPF_RET | CBPF_K, 0),
	};
	uint8_t pkt[20] = { [12] = 0x08 };
	struct cbpf_vm *vm;
	struct cbpf_result r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return 77;
	if (mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
	    MAP_FAILED)
		return 2; /* the filter does not work here */
	if (cbpf_vm_create(p, 4, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0)
		return 3;
	r = cbpf_vm_run(vm, pkt, sizeof(pkt), NULL);
	if (cbpf_vm_is_native(vm) || r.verdict != 0x40000 || r.end != CBPF_END_RET)
		return 4;
	r = cbpf_vm_run(vm, pkt, 13, NULL);
	cbpf_vm_free(vm);
	return r.verdict == 0 && r.end == CBPF_ABORT_LOAD ? 0 : 5;
}

static void test_exec_refused(void)
{
	int status = 0;
	pid_t pid;

	fflush(stderr);
	pid = fork();
	if (pid == 0)
		_exit(child_without_exec());
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		fprintf(stderr, "exec refusal: seccomp unavailable, not checked\n");
	else
		CHECK_EQ(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct ts_prog_opts short_progs = { .max_len = 48 };
	const struct ts_prog_opts long_progs = { .max_len = CBPF_MAXINSNS };
	const struct ts_prog_opts libpcap_progs = { .shape = TS_SHAPE_LIBPCAP, .max_len = 16 };

	test_modes();
	test_entry();
	test_exec_refused();
	test_null_packet();
	test_long_length();
	test_batch();
	test_wire_order();
	test_spec_wire();
	test_spec_chain();
	test_len_ctx();
	test_x_known();
	test_escapes();
	random_programs("random", &short_progs, 0x1a7e0001, 120000, 4);
	random_programs("random", &long_progs, 0x1a7e0002, 300, 3);
	random_programs("libpcap-shaped", &libpcap_progs, 0x1a7e0003, 100000, 8);
	CHECK_EQ(mismatches, 0);
	return CHECK_DONE();
}
