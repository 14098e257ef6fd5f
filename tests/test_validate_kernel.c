/*
 * test_validate_kernel.c - the validator against the live kernel: every
 * program here is both validated by cbpf_validate() and attached with
 * SO_ATTACH_FILTER to a fresh AF_UNIX socket (seccomp: installed in a
 * forked child), and the two answers must agree exactly.
 *
 *   opcodes     all 65536 codes, three ways (bare, with a written M[1]
 *               and a sensible k, with junk jt/jf/k)
 *   generators  >= 100,000 programs built to sit on each rule's edge
 *   optmem      programs whose bpf_prog_size is within a few instructions
 *               of optmem_max (ENOMEM predicted exactly)
 *   sizes       the exact bpf_prog_size of every instruction kind and of
 *               random programs, from optmem_max thresholds
 *   seccomp     a few thousand programs through seccomp_check_filter
 *
 * When the test can create its own network namespace it raises
 * optmem_max there, so that big programs near the s16 jump limit attach
 * cleanly (otherwise they are predicted to fail with ENOMEM). ENOMEM
 * that the prediction does not expect is retried once on a fresh socket
 * and then counted separately, not as a mismatch.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attach.h"
#include "cbpf/opcode.h"
#include "cbpf/validate.h"
#include "check.h"
#include "envrec.h"
#include "rng.h"
#include "validate/ebpf_expand.h"

#define MAXPROG 4100
#define OPTMEM_RAISED (1L << 24)
#define SHOW_MISMATCHES 5

/* the generators' random numbers (testsupport/rng.h; CBPF_SEED sets the seed) */
static struct ts_rng rng = { 0x9e3779b97f4a7c15ull };

/* ---- the environment ---- */

static long optmem_max;      /* in effect for the sockets we create */
static long optmem_default;  /* the machine's (initial namespace) value */
static bool own_netns;

static bool set_optmem(long v)
{
	FILE *f = fopen("/proc/sys/net/core/optmem_max", "w");
	bool ok;

	if (f == NULL)
		return false;
	ok = fprintf(f, "%ld\n", v) > 0;
	ok = (fclose(f) == 0) && ok;
	if (ok)
		optmem_max = v;
	return ok;
}

/* ---- comparing one program ---- */

struct tally {
	const char *name;
	long programs, accepted, rejected, enomem_predicted, enomem_unexpected, mismatches;
};

static void dump_program(const struct cbpf_insn *p, size_t n)
{
	fprintf(stderr, "    [");
	for (size_t i = 0; i < n && i < 48; i++)
		fprintf(stderr, "%s[%u,%u,%u,%u]", i ? "," : "", p[i].code, p[i].jt, p[i].jf, p[i].k);
	fprintf(stderr, "%s]\n", n > 48 ? ",..." : "");
}

static void show_mismatch(const struct tally *t, const struct cbpf_insn *p, size_t n, int got,
			  int want, enum cbpf_profile prof)
{
	static struct cbpf_diag probs[4]; /* static: gcc 12 -O2 sees a dangling pointer */
	size_t count = 0;

	if (t->mismatches > SHOW_MISMATCHES)
		return;
	cbpf_validate(p, n, prof, probs, 4, &count);
	fprintf(stderr, "  MISMATCH %s: n=%zu kernel=%d predicted=%d", t->name, n, got, want);
	if (count > 0)
		fprintf(stderr, " (insn %ld %s: %s)", probs[0].insn, probs[0].rule, probs[0].msg);
	fprintf(stderr, "\n");
	dump_program(p, n);
}

/* The kernel's expected answer: the validator's errno, else ENOMEM when
 * the converted program is too big for optmem_max (__sk_filter_charge
 * needs bpf_prog_size < optmem_max on a fresh socket), else 0. */
static int predict_attach(const struct cbpf_insn *p, size_t n)
{
	struct cbpf_load_prediction pr;
	int v = cbpf_validate(p, n, CBPF_PROFILE_LINUX, NULL, 0, NULL);

	if (v != 0)
		return v;
	cbpf_predict_load(p, n, CBPF_PROFILE_LINUX, &pr);
	return (long)pr.prog_bytes >= optmem_max ? ENOMEM : 0;
}

static void count_outcome(struct tally *t, int got)
{
	if (got == 0)
		t->accepted++;
	else if (got == ENOMEM)
		t->enomem_predicted++;
	else
		t->rejected++;
}

static void compare_attach(struct tally *t, const struct cbpf_insn *p, size_t n)
{
	int want = predict_attach(p, n);
	int got = kc_try_attach(p, n);

	if (got == ENOMEM && want != ENOMEM)
		got = kc_try_attach(p, n); /* once more, on a fresh socket */
	t->programs++;
	if (got == ENOMEM && want != ENOMEM) {
		t->enomem_unexpected++;
		return;
	}
	if (got != want) {
		t->mismatches++;
		show_mismatch(t, p, n, got, want, CBPF_PROFILE_LINUX);
		return;
	}
	count_outcome(t, got);
}

static void compare_seccomp(struct tally *t, const struct cbpf_insn *p, size_t n)
{
	int want = cbpf_validate(p, n, CBPF_PROFILE_SECCOMP, NULL, 0, NULL);
	int got = kc_try_seccomp_load(p, n);

	t->programs++;
	if (got < 0) {
		CHECK(got >= 0); /* the probe itself failed (fork) */
		return;
	}
	if (got != want) {
		t->mismatches++;
		show_mismatch(t, p, n, got, want, CBPF_PROFILE_SECCOMP);
		return;
	}
	count_outcome(t, got);
}

static struct tally total = { "TOTAL", 0, 0, 0, 0, 0, 0 };

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double phase_start;

static void print_tally(const struct tally *t)
{
	double now = seconds();

	printf("%-14s %8ld %8ld %8ld %8ld %8ld %8ld %6.1fs\n", t->name, t->programs, t->accepted,
	       t->rejected, t->enomem_predicted, t->enomem_unexpected, t->mismatches,
	       now - phase_start);
	phase_start = now;
}

static void finish(struct tally *t)
{
	print_tally(t);
	fflush(stdout);
	CHECK_EQ(t->mismatches, 0);
	total.programs += t->programs;
	total.accepted += t->accepted;
	total.rejected += t->rejected;
	total.enomem_predicted += t->enomem_predicted;
	total.enomem_unexpected += t->enomem_unexpected;
	total.mismatches += t->mismatches;
}

/* ---- building blocks ---- */

static struct cbpf_insn P[MAXPROG];

static uint32_t some_k(void)
{
	if (ts_chance(&rng, 60))
		return ts_edge(&rng);
	return ts_chance(&rng, 50) ? ts_below(&rng, 100) : (uint32_t)ts_next(&rng);
}

static uint32_t ext_k(void)
{
	return 0xfffff000u + 4 * ts_below(&rng, CBPF_EXT_COUNT);
}

/* A valid instruction that does not jump, read M[] or end the program,
 * drawn from every kind the converter expands differently. */
static struct cbpf_insn filler(void)
{
	static const uint16_t alu_k[] = { 0x04, 0x14, 0x24, 0x44, 0x54, 0xa4 };
	static const uint16_t alu_x[] = { 0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c,
					  0x9c, 0xac };

	uint16_t code = 0x84;
	uint32_t k = 0;

	/* one random draw per statement: reproducible whatever order a
	 * compiler evaluates function arguments in */
	switch (ts_below(&rng, 14)) {
	case 0: code = 0x00; k = (uint32_t)ts_next(&rng); break;
	case 1: code = 0x01; k = (uint32_t)ts_next(&rng); break;
	case 2: code = alu_k[ts_below(&rng, 6)]; k = (uint32_t)ts_next(&rng); break;
	case 3: code = alu_x[ts_below(&rng, 10)]; break;
	case 4: code = ts_chance(&rng, 50) ? 0x64 : 0x74; k = ts_below(&rng, 32); break;
	case 5: code = ts_chance(&rng, 50) ? 0x34 : 0x94; k = 1 + ts_below(&rng, 1000); break;
	case 6: code = (uint16_t)(0x20 + 8 * ts_below(&rng, 3));
		k = ts_chance(&rng, 70) ? ts_below(&rng, 100) : some_k() & 0x7fffffff; break;
	case 7: code = (uint16_t)(0x40 + 8 * ts_below(&rng, 3));
		k = ts_chance(&rng, 50) ? 0 : some_k(); break;
	case 8: code = 0xb1; k = ts_chance(&rng, 70) ? ts_below(&rng, 64) : some_k(); break;
	case 9: code = (uint16_t)(0x20 + 8 * ts_below(&rng, 3)); k = ext_k(); break;
	case 10: code = ts_chance(&rng, 50) ? 0x02 : 0x03; k = ts_below(&rng, 16); break;
	case 11: code = ts_chance(&rng, 50) ? 0x80 : 0x81; break;
	case 12: code = ts_chance(&rng, 50) ? 0x07 : 0x87; break;
	default: break;
	}
	return cbpf_stmt(code, k);
}

static struct cbpf_insn ret_insn(void)
{
	return ts_chance(&rng, 50) ? cbpf_stmt(0x06, (uint32_t)ts_next(&rng)) : cbpf_stmt(0x16, 0);
}

static uint8_t byte_below(size_t n)
{
	return (uint8_t)ts_below(&rng, n > 256 ? 256 : (uint32_t)n);
}

/* ---- generators: each fills P and returns the length ---- */

/* Random, mostly valid-looking programs: the 49 opcodes with edge-biased
 * fields, a few near-miss and random codes, junk in unused fields. */
static size_t gen_random(void)
{
	size_t n = 1 + ts_below(&rng, ts_chance(&rng, 20) ? 300 : 40);
	bool clean = ts_chance(&rng, 50); /* half the programs break rules only rarely */

	for (size_t pc = 0; pc < n; pc++) {
		size_t rest = n - pc - 1;
		struct cbpf_insn in = { 0, 0, 0, 0 };
		const struct cbpf_opinfo *op;

		if (clean ? ts_below(&rng, 1000) < 997 : ts_chance(&rng, 93))
			in.code = cbpf_opinfo_at(ts_below(&rng, CBPF_NOPCODES))->code;
		else if (ts_chance(&rng, 60)) {
			in.code = cbpf_opinfo_at(ts_below(&rng, CBPF_NOPCODES))->code;
			in.code ^= (uint16_t)(1u << ts_below(&rng, 16));
		}
		else
			in.code = (uint16_t)ts_next(&rng);
		op = cbpf_opinfo(in.code);
		in.k = some_k();
		if (clean && op != NULL && op->kind == CBPF_KIND_ALU && ts_chance(&rng, 95))
			in.k = 1 + ts_below(&rng, 31);
		if (ts_chance(&rng, 30)) {
			in.jt = (uint8_t)ts_next(&rng);
			in.jf = (uint8_t)ts_next(&rng);
		}
		if (op != NULL && op->kind == CBPF_KIND_JCOND && (clean || ts_chance(&rng, 85))) {
			in.jt = byte_below(rest + !clean);
			in.jf = byte_below(rest + !clean);
		}
		if (op != NULL && op->kind == CBPF_KIND_JA && (clean || ts_chance(&rng, 85)))
			in.k = ts_below(&rng, (uint32_t)rest + !clean);
		if (op != NULL && (op->kind == CBPF_KIND_LD_MEM || op->kind == CBPF_KIND_ST))
			in.k = ts_below(&rng, clean ? 16 : 18);
		if (clean && op != NULL && op->kind == CBPF_KIND_LD_MEM && ts_chance(&rng, 70))
			in.code = (uint16_t)(0x02 | (in.code & 1)); /* mostly stores */
		P[pc] = in;
	}
	if (clean || ts_chance(&rng, 90))
		P[n - 1] = ret_insn();
	return n;
}

/* Lengths 0..2 and 4094..4097 (and one far beyond), sometimes with one
 * broken instruction somewhere. */
static size_t gen_length(void)
{
	static const size_t lens[] = { 1, 2, 4094, 4095, 4096, 4096, 4097, 4097, 4200, 65535 };
	size_t n = lens[ts_below(&rng, sizeof(lens) / sizeof(lens[0]))];

	for (size_t pc = 0; pc + 1 < n && pc < MAXPROG; pc++)
		P[pc] = filler();
	if (n > MAXPROG)
		return n; /* never read: the kernel checks the length first */
	P[n - 1] = ret_insn();
	if (ts_chance(&rng, 25)) {
		size_t at = ts_below(&rng, (uint32_t)n);
		uint16_t code = (uint16_t)ts_next(&rng);
		P[at] = cbpf_stmt(code, (uint32_t)ts_next(&rng));
	}
	return n;
}

/* Jumps whose targets are exactly the last instruction, one past it, or
 * far beyond (unsigned wrap-around included). */
static size_t gen_jump_edge(void)
{
	size_t n = 2 + ts_below(&rng, ts_chance(&rng, 10) ? 4095 : 120);
	unsigned jumps = 1 + ts_below(&rng, 3);

	for (size_t pc = 0; pc + 1 < n; pc++)
		P[pc] = filler();
	P[n - 1] = ts_chance(&rng, 95) ? ret_insn() : filler();
	for (unsigned j = 0; j < jumps; j++) {
		/* distance to the end */
		size_t d = ts_below(&rng, ts_chance(&rng, 50) ? 4 : (uint32_t)n - 1);
		size_t pc = n - 2 - (d > n - 2 ? n - 2 : d);
		size_t rest = n - pc - 1;
		int32_t delta = (int32_t)ts_below(&rng, 4) - 2; /* -2..1 around rest */

		if (ts_chance(&rng, 40)) {
			uint32_t k = (uint32_t)((int64_t)rest + delta);
			if (ts_chance(&rng, 10))
				k = ts_chance(&rng, 50) ? 0xffffffffu : 0xffffffffu - (uint32_t)pc;
			P[pc] = cbpf_stmt(0x05, k);
		} else {
			static const uint16_t jc[] = { 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d };
			int64_t edge = (int64_t)rest + delta;
			uint8_t e = (uint8_t)(edge < 0 ? 0 : edge > 255 ? 255 : edge);
			uint8_t other = byte_below(rest);
			bool t_edge = ts_chance(&rng, 50);
			uint16_t code = jc[ts_below(&rng, 8)];
			uint32_t k = (uint32_t)ts_next(&rng);

			P[pc] = cbpf_jump(code, k, t_edge ? e : other, t_edge ? other : e);
		}
	}
	return n;
}

/* Constant operands on both sides of their limits: shifts 31/32, div and
 * mod by 0/1, scratch cells 15/16, with and without a prior store. */
static size_t gen_k_edge(void)
{
	static const uint32_t ks[] = { 0, 1, 15, 16, 17, 31, 32, 33, 0x80000000, 0xffffffff,
				       0x10010 };
	static const uint16_t codes[] = { 0x64, 0x74, 0x34, 0x94, 0x60, 0x61, 0x02, 0x03,
					  0x6c, 0x7c, 0x3c, 0x9c };
	size_t n = 0, extra = ts_below(&rng, 4);
	uint32_t k = ks[ts_below(&rng, sizeof(ks) / sizeof(ks[0]))];
	uint16_t code = codes[ts_below(&rng, sizeof(codes) / sizeof(codes[0]))];

	for (size_t i = 0; i < extra; i++)
		P[n++] = filler();
	if ((code == 0x60 || code == 0x61) && ts_chance(&rng, 60)) {
		uint16_t st = ts_chance(&rng, 50) ? 0x02 : 0x03;
		P[n++] = cbpf_stmt(st, ts_chance(&rng, 80) ? k : ts_below(&rng, 16));
	}
	P[n++] = cbpf_stmt(code, k);
	if (ts_chance(&rng, 50))
		P[n++] = filler();
	P[n++] = ret_insn();
	return n;
}

/* Loads around the 16 extension offsets (k = SKF_AD_OFF + 4e + d), for
 * every absolute, indirect and ldxb load size. */
static size_t gen_ext_edge(void)
{
	static const uint16_t codes[] = { 0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1 };
	static const uint32_t far[] = { 0xffffffff, 0xffffefff, 0xffefffff, 0xfff00000,
					0xffe00000, 0x80000000, 0xfffff040, 0xfffff03f };
	size_t n = 0;
	uint32_t k;

	if (ts_chance(&rng, 85)) {
		k = 0xfffff000u + 4 * ts_below(&rng, CBPF_EXT_COUNT + 1);
		k += (uint32_t)((int32_t)ts_below(&rng, 9) - 4);
	} else
		k = far[ts_below(&rng, sizeof(far) / sizeof(far[0]))];
	if (ts_chance(&rng, 50))
		P[n++] = cbpf_stmt(0x01, (uint32_t)ts_next(&rng));
	P[n++] = cbpf_stmt(codes[ts_below(&rng, sizeof(codes) / sizeof(codes[0]))], k);
	P[n++] = ret_insn();
	return n;
}

/* Random control-flow graphs over four scratch cells: the kernel's
 * path-insensitive check_load_and_stores() decides. */
static size_t gen_scratch_cfg(void)
{
	static const uint16_t jc[] = { 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d };
	size_t n = 3 + ts_below(&rng, 38);

	for (size_t pc = 0; pc + 1 < n; pc++) {
		size_t rest = n - pc - 1;
		unsigned r = ts_below(&rng, 100);

		uint16_t code = 0;
		uint32_t k = 0;

		if (r < 30) {
			code = ts_chance(&rng, 50) ? 0x02 : 0x03;
			P[pc] = cbpf_stmt(code, ts_below(&rng, 4));
		} else if (r < 55) {
			code = ts_chance(&rng, 50) ? 0x60 : 0x61;
			P[pc] = cbpf_stmt(code, ts_below(&rng, 4));
		} else if (r < 75) {
			uint8_t jt;
			code = jc[ts_below(&rng, 8)];
			k = (uint32_t)ts_next(&rng);
			jt = byte_below(rest);
			P[pc] = cbpf_jump(code, k, jt, byte_below(rest));
		} else if (r < 85)
			P[pc] = cbpf_stmt(0x05, ts_below(&rng, (uint32_t)rest));
		else if (r < 90)
			P[pc] = ret_insn();
		else
			P[pc] = cbpf_stmt(0x00, (uint32_t)ts_next(&rng));
	}
	P[n - 1] = ret_insn();
	return n;
}

/* ---- big expansions: the s16 limit on eBPF jump offsets ---- */

/* The number of eBPF instructions an instruction becomes (the model the
 * header test and the s16-edge parity check hold to the kernel). */
static unsigned ebpf_len(const struct cbpf_insn *in)
{
	return cbpf_ebpf_insn_count(in, false);
}

/* A heavy filler (a packet load: 8 to 21 eBPF instructions). */
static struct cbpf_insn heavy(void)
{
	uint16_t code = 0x3c;
	uint32_t k = 0;

	switch (ts_below(&rng, 4)) {
	case 0: code = 0xb1; k = ts_chance(&rng, 80) ? 14 : some_k(); break;
	case 1: code = (uint16_t)(0x20 + 8 * ts_below(&rng, 3));
		k = ts_chance(&rng, 50) ? ts_below(&rng, 40000) : 0x80000000u; break;
	case 2: code = (uint16_t)(0x40 + 8 * ts_below(&rng, 3)); k = ts_below(&rng, 3); break;
	default: break;
	}
	return cbpf_stmt(code, k);
}

/* Append fillers to P[*n] until their eBPF length reaches want exactly
 * (heavy ones first, then single-instruction `ld #k`). */
static bool fill_to(size_t *n, long want, size_t limit)
{
	long have = 0;

	while (have < want - 40 && *n < limit) {
		struct cbpf_insn h = heavy();
		have += ebpf_len(&h);
		P[(*n)++] = h;
	}
	while (have < want && *n < limit) {
		P[(*n)++] = cbpf_stmt(0x00, (uint32_t)ts_next(&rng));
		have++;
	}
	return have == want;
}

/* A ja whose eBPF offset is 32767 + d, or a jump emitted at eBPF index
 * 32768 + d (refused by the converter's first pass), for d in -3..3. */
static size_t gen_big(void)
{
	static const uint16_t jc[] = { 0x15, 0x1d, 0x25, 0x35, 0x45, 0x4d };
	long d = (long)ts_below(&rng, 7) - 3;
	size_t n = 0;

	/* a packet load up front fixes the prologue at 7 instructions */
	P[n++] = cbpf_stmt(0x30, 0);
	if (ts_chance(&rng, 50)) {
		size_t at;
		P[n++] = cbpf_stmt(0x05, 0);
		at = n - 1;
		if (!fill_to(&n, 32767 + d, MAXPROG - 2))
			return 0;
		P[at].k = (uint32_t)(n - at - 1);
	} else {
		struct cbpf_insn j = cbpf_stmt(0x05, 0);
		long before = 3 + 4 + ebpf_len(&P[0]);
		long adj; /* where the last emitted jump sits in the expansion */

		if (ts_chance(&rng, 70)) {
			uint16_t code = jc[ts_below(&rng, 6)];
			uint32_t k = (uint32_t)ts_next(&rng) & 0x7fffffff;
			uint8_t jt;

			k |= ts_chance(&rng, 50) ? 0x80000000u : 0;
			jt = (uint8_t)ts_below(&rng, 2);
			j = cbpf_jump(code, k, jt, (uint8_t)ts_below(&rng, 2));
		}
		adj = (long)ebpf_len(&j) - 1;
		if (!fill_to(&n, 32768 + d - before - adj, MAXPROG - 4))
			return 0;
		P[n++] = j;
		P[n++] = ret_insn();
	}
	P[n++] = ret_insn();
	P[n++] = ret_insn();
	return n;
}

/* A program whose bpf_prog_size is optmem_max + 8d (d in -2..2): at the default
 * optmem_max the kernel charges it only when it is strictly smaller. */
static size_t gen_near_optmem(void)
{
	long want = (optmem_default - 96) / 8 + (long)ts_below(&rng, 5) - 2;
	size_t n = 0;

	/* prologue 3 + 4, ldb [0] 12, the fillers, ret #k 2 */
	P[n++] = cbpf_stmt(0x30, 0);
	if (!fill_to(&n, want - 7 - 12 - 2, MAXPROG - 1))
		return 0;
	P[n++] = cbpf_stmt(0x06, (uint32_t)ts_next(&rng)); /* 2 eBPF instructions */
	return n;
}

/* ---- the runs ---- */

static void run_generator(const char *name, size_t (*gen)(void), long count)
{
	struct tally t = { name, 0, 0, 0, 0, 0, 0 };

	for (long i = 0; i < count; i++) {
		size_t n = gen();
		if (n > 0)
			compare_attach(&t, P, n);
	}
	finish(&t);
}

/* Every 16-bit code: bare; after st M[1] with k = 1 (0 for jumps); with
 * random junk in every field. */
static void run_opcodes(void)
{
	struct tally t = { "opcodes", 0, 0, 0, 0, 0, 0 };

	for (uint32_t code = 0; code <= 0xffff; code++) {
		struct cbpf_insn p[3];
		bool jmp = CBPF_CLASS(code) == CBPF_JMP;

		p[0] = cbpf_stmt((uint16_t)code, 0);
		p[1] = cbpf_stmt(0x06, 0);
		compare_attach(&t, p, 2);

		p[0] = cbpf_stmt(0x02, 1);
		p[1] = cbpf_stmt((uint16_t)code, jmp ? 0 : 1);
		p[2] = cbpf_stmt(0x06, 0);
		compare_attach(&t, p, 3);

		{
			uint32_t k = (uint32_t)ts_next(&rng);
			uint8_t jt = (uint8_t)ts_below(&rng, 2);
			p[0] = cbpf_jump((uint16_t)code, k, jt, (uint8_t)ts_below(&rng, 2));
		}
		p[1] = cbpf_stmt(0x06, 0);
		p[2] = cbpf_stmt(0x16, 0);
		compare_attach(&t, p, 3);
	}
	finish(&t);
}

/* The smallest optmem_max that accepts the program, by bisection. */
static long min_optmem(const struct cbpf_insn *p, size_t n)
{
	long lo = 0, hi = OPTMEM_RAISED;

	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;
		if (!set_optmem(mid))
			return -1;
		if (kc_try_attach(p, n) == 0)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* One program's exact size, measured against the model; returns the
 * header (measured bytes - 8 * predicted eBPF instructions). */
static long measure_size(const struct cbpf_insn *p, size_t n, long *off)
{
	struct cbpf_load_prediction pr;
	long v;

	cbpf_predict_load(p, n, CBPF_PROFILE_LINUX, &pr);
	v = min_optmem(p, n);
	CHECK_EQ(v - 1, pr.prog_bytes);
	if (v - 1 != (long)pr.prog_bytes && (*off)++ < SHOW_MISMATCHES) {
		fprintf(stderr, "  size: kernel %ld bytes, predicted %zu (%zu eBPF)\n", v - 1,
			pr.prog_bytes, pr.ebpf_insns);
		dump_program(p, n);
	}
	return v - 1 - 8 * (long)pr.ebpf_insns;
}

/* Single instructions of every kind the converter expands differently:
 * every opcode, loads around their k thresholds, all extensions, and
 * every conditional-jump shape (negative k, jt/jf zero or not). */
static size_t size_probe(size_t i, struct cbpf_insn *p)
{
	static const uint32_t load_k[] = { 0, 1, 0x7fff, 0x8000, 0x7fffffff, 0x80000000,
					   0xffe00000, 0xffefffff };
	static const uint16_t loads[] = { 0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1 };
	static const uint16_t jumps[] = { 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d };
	const size_t nloads = sizeof(loads) / sizeof(loads[0]) * 8;
	size_t n = 0;

	p[n++] = cbpf_stmt(0x02, 1); /* so that ld M[1] is valid */
	if (i < CBPF_NOPCODES) {
		uint16_t code = cbpf_opinfo_at(i)->code;
		p[n++] = cbpf_stmt(code, CBPF_CLASS(code) == CBPF_JMP ? 0 : 1);
	} else if ((i -= CBPF_NOPCODES) < nloads) {
		p[n++] = cbpf_stmt(loads[i / 8], load_k[i % 8]);
	} else if ((i -= nloads) < CBPF_EXT_COUNT) {
		p[n++] = cbpf_stmt(0x20 + 8 * (uint16_t)(i % 3), cbpf_ext_k((enum cbpf_ext)i));
	} else if ((i -= CBPF_EXT_COUNT) < 8 * 8) {
		/* code, then bit 2: negative k, bits 0-1: jt, jf nonzero */
		unsigned shape = (unsigned)i % 8;
		p[n++] = cbpf_jump(jumps[i / 8], shape & 4 ? 0xfffffff0 : 5, shape & 1,
				   (shape >> 1) & 1);
		p[n++] = cbpf_stmt(0x06, 1);
	} else {
		return 0;
	}
	p[n++] = cbpf_stmt(0x16, 0);
	return n;
}

/* bpf_prog_size() from the kernel: on a fresh socket the charge succeeds
 * iff size < optmem_max, so the smallest accepting optmem_max is size+1.
 * Measured for every kind of instruction and for random programs: the
 * model must give every size exactly. */
static void run_sizes(void)
{
	struct cbpf_insn p[4];
	long header = -1, programs = 0, off = 0, h;
	size_t n;

	for (size_t i = 0; (n = size_probe(i, p)) > 0; i++) {
		CHECK_EQ(cbpf_validate(p, n, CBPF_PROFILE_LINUX, NULL, 0, NULL), 0);
		h = measure_size(p, n, &off);
		if (header < 0)
			header = h;
		programs++;
	}
	for (int i = 0; i < 4000 && programs < 240; i++) {
		struct cbpf_load_prediction pr;

		n = ts_chance(&rng, 85) ? gen_random() : gen_big();
		if (n == 0 || cbpf_validate(P, n, CBPF_PROFILE_LINUX, NULL, 0, NULL) != 0)
			continue;
		cbpf_predict_load(P, n, CBPF_PROFILE_LINUX, &pr);
		if (pr.jumps_fit) {
			measure_size(P, n, &off);
			programs++;
		}
	}
	printf("bpf_prog_size: %ld programs measured exactly, header %ld bytes, %ld off the"
	       " model (%.1fs)\n", programs, header, off, seconds() - phase_start);
	phase_start = seconds();
	CHECK_EQ(header, 96);
	CHECK(programs >= 230);
	CHECK(set_optmem(OPTMEM_RAISED));
}

/* Programs at the default optmem_max, just under and just over it. */
static void run_near_optmem(void)
{
	long saved = optmem_max;

	if (own_netns)
		CHECK(set_optmem(optmem_default));
	run_generator("optmem-edge", gen_near_optmem, 300);
	if (own_netns)
		CHECK(set_optmem(saved));
}

/* Seccomp: the classic rules, then seccomp_check_filter. */
static size_t gen_seccomp(void)
{
	size_t n;

	if (ts_chance(&rng, 25)) {
		/* one load or opcode of interest, alone */
		uint32_t k = ts_chance(&rng, 70) ? ts_below(&rng, 72) : some_k();
		P[0] = cbpf_stmt(cbpf_opinfo_at(ts_below(&rng, CBPF_NOPCODES))->code, k);
		if (ts_chance(&rng, 50))
			P[0].code = (uint16_t)(0x20 + 8 * ts_below(&rng, 3));
		P[1] = cbpf_stmt(0x06, 0x7fff0000);
		return 2;
	}
	n = ts_chance(&rng, 50) ? gen_random() : gen_scratch_cfg();
	for (size_t i = 0; i < n; i++)
		if (P[i].code == 0x20 && ts_chance(&rng, 80))
			P[i].k = ts_chance(&rng, 80) ? 4 * ts_below(&rng, 17) : ts_below(&rng, 70);
	return n;
}

static void run_seccomp(long count)
{
	struct tally t = { "seccomp", 0, 0, 0, 0, 0, 0 };

	for (uint32_t i = 0; i < CBPF_NOPCODES; i++) {
		struct cbpf_insn p[2] = { cbpf_stmt(cbpf_opinfo_at(i)->code, 1),
					  cbpf_stmt(0x06, 0x7fff0000) };
		compare_seccomp(&t, p, 2);
	}
	for (uint32_t k = 0; k < 72; k++) {
		struct cbpf_insn p[2] = { cbpf_stmt(0x20, k), cbpf_stmt(0x06, 0x7fff0000) };
		compare_seccomp(&t, p, 2);
	}
	for (long i = 0; i < count; i++) {
		size_t n = gen_seccomp();
		compare_seccomp(&t, P, n);
	}
	finish(&t);
}

static bool enter_own_netns(void)
{
	if (unshare(CLONE_NEWNET) != 0)
		return false;
	return set_optmem(OPTMEM_RAISED);
}

int main(void)
{
	static const struct cbpf_insn ret0[1] = { { 0x06, 0, 0, 0 } };
	const char *seed = getenv("CBPF_SEED");
	long jit_harden;
	int err = kc_try_attach(ret0, 1);

	if (err != 0) {
		fprintf(stderr, "skip: SO_ATTACH_FILTER on an AF_UNIX socket fails: %s\n",
			strerror(err));
		return CHECK_SKIP;
	}
	if (seed != NULL)
		ts_seed(&rng, strtoull(seed, NULL, 0));
	optmem_default = kc_sysctl_long("/proc/sys/net/core/optmem_max");
	optmem_max = optmem_default;
	jit_harden = kc_sysctl_long("/proc/sys/net/core/bpf_jit_harden");
	own_netns = enter_own_netns();
	printf("optmem_max %ld (%s), bpf_jit_harden %ld, seed %#llx\n", optmem_max,
	       own_netns ? "raised in a private network namespace" : "machine default",
	       jit_harden, (unsigned long long)rng.s);
	printf("%-14s %8s %8s %8s %8s %8s %8s %7s\n", "generator", "programs", "accepted",
	       "rejected", "enomem", "enomem?", "mismatch", "time");
	phase_start = seconds();

	run_opcodes();
	run_generator("random", gen_random, 40000);
	run_generator("scratch-cfg", gen_scratch_cfg, 30000);
	run_generator("jump-edge", gen_jump_edge, 15000);
	run_generator("k-edge", gen_k_edge, 8000);
	run_generator("ext-edge", gen_ext_edge, 6000);
	run_generator("length", gen_length, 600);
	run_generator("s16-edge", gen_big, 1200);
	run_near_optmem();
	if (own_netns)
		run_sizes();
	run_seccomp(2500);
	print_tally(&total);
	CHECK(total.programs >= 100000 + 3 * 65536);
	return CHECK_DONE();
}
