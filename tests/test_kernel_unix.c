/*
 * test_kernel_unix.c - the socket-pair oracle against verdicts the kernel
 * is known to give (measured on 6.18, docs/linux-semantics.md), its exact
 * 32-bit rewrite against plain observation, abort detection, hints,
 * read-back.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/filter.h>

#include "cbpf/validate.h"
#include "check.h"
#include "randprog.h"
#include "verdict_rewrite.h"
#include "attach.h"
#include "unix_fixture.h"
#include "unix_oracle.h"

#define S(code, k) cbpf_stmt((code), (k))
#define J(code, k, jt, jf) cbpf_jump((code), (k), (jt), (jf))
#define RET_A S(0x16, 0)
#define RET_K(k) S(0x06, (k))
#define LD_IMM(k) S(0x00, (k))
#define LDX_IMM(k) S(0x01, (k))
#define AD(n) ((uint32_t)CBPF_SKF_AD_OFF + (n))

static uint8_t pkt100[100];
static struct kc_unix *oracle;

/* Load prog, run it on len bytes of pattern (pkt[i] = i + 5). */
static struct kc_verdict run(const struct cbpf_insn *p, size_t n, size_t len, int *load_err)
{
	static uint8_t *big;
	struct kc_verdict v;
	struct kc_load l;

	if (big == NULL) {
		big = malloc(CBPF_MAX_PACKET);
		for (size_t i = 0; i < CBPF_MAX_PACKET; i++)
			big[i] = (uint8_t)(i + 5);
	}
	memset(&v, 0, sizeof(v));
	kc_unix_load(oracle, p, n, &l);
	*load_err = l.errnum;
	CHECK(l.errnum != 0 || l.readback_ok);
	if (l.errnum == 0)
		kc_unix_verdict(oracle, big, len, NULL, &v);
	return v;
}

#define EXPECT_VERDICT(len, want, want_abort, ...)                              \
	do {                                                                   \
		const struct cbpf_insn p_[] = { __VA_ARGS__ };                 \
		int e_;                                                        \
		struct kc_verdict v_ = run(p_, sizeof(p_) / sizeof(p_[0]), (len), &e_); \
		CHECK_EQ(e_, 0);                                               \
		CHECK_EQ(v_.error, 0);                                         \
		CHECK(v_.exact);                                               \
		CHECK_EQ(v_.verdict, (want));                                  \
		CHECK(v_.abort_known);                                         \
		CHECK_EQ(v_.abort, (want_abort));                              \
	} while (0)

#define EXPECT_LOAD_ERR(err, ...)                                               \
	do {                                                                   \
		const struct cbpf_insn p_[] = { __VA_ARGS__ };                 \
		int e_;                                                        \
		run(p_, sizeof(p_) / sizeof(p_[0]), 100, &e_);                 \
		CHECK_EQ(e_, (err));                                           \
	} while (0)

/* Verdicts measured on Linux 6.18 (pkt = 100 bytes, pkt[i] = i+5), the
 * probes peers are compared on (linux-semantics: alu.shift-x-masked,
 * load.ind-offset, window.net, window.ll, validate.opcode, ext.size-ignored). */
static void test_peers_table(void)
{
	/* shifts by X mask the count to 5 bits (x86-64 JIT) */
	EXPECT_VERDICT(100, 6, false, LD_IMM(3), LDX_IMM(33), S(0x6c, 0), RET_A);
	EXPECT_VERDICT(100, 3, false, LD_IMM(6), LDX_IMM(33), S(0x7c, 0), RET_A);
	EXPECT_VERDICT(100, 3, false, LD_IMM(3), LDX_IMM(32), S(0x6c, 0), RET_A);
	EXPECT_LOAD_ERR(EINVAL, LD_IMM(3), S(0x64, 32), RET_A);
	/* IND offsets wrap at 32 bits */
	EXPECT_VERDICT(100, 5, false, LDX_IMM(0xffffffff), S(0x50, 1), RET_A);
	EXPECT_VERDICT(100, 6, false, LDX_IMM(0x11), S(0x50, 0xfffffff0), RET_A);
	/* AF_UNIX: network header = data start, mac header unset */
	EXPECT_VERDICT(100, 5, false, S(0x30, (uint32_t)CBPF_SKF_NET_OFF), RET_A);
	EXPECT_VERDICT(100, 0, true, S(0x30, (uint32_t)CBPF_SKF_LL_OFF), RET_A);
	EXPECT_LOAD_ERR(EINVAL, S(0x30, 0xffffffff), RET_A);
	EXPECT_LOAD_ERR(EINVAL, S(0x60, 3), RET_A);            /* M[3] never stored */
	EXPECT_LOAD_ERR(EINVAL, S(0x05, 0xffffffff), RET_A);   /* ja -1 */
	EXPECT_LOAD_ERR(EINVAL, S(0x0f, 0), RET_A);
	EXPECT_LOAD_ERR(EINVAL, S(0x0e, 0));                   /* ret x */
	EXPECT_LOAD_ERR(EINVAL, S(0x08, 1), RET_A);
	EXPECT_LOAD_ERR(EINVAL, S(0x21, 1), RET_A);
	/* div/mod by X == 0 end the whole program returning 0 */
	EXPECT_VERDICT(100, 0, true, LD_IMM(7), S(0x3c, 0), RET_K(9));
	EXPECT_VERDICT(100, 0, true, LD_IMM(7), S(0x9c, 0), RET_K(9));
	EXPECT_VERDICT(100, 0xfffffffb, false, LD_IMM(5), S(0x84, 0), RET_A);
	EXPECT_VERDICT(100, 7, false, LD_IMM(7), S(0x07, 0), LD_IMM(0), S(0x87, 0), RET_A);
	/* extension loads ignore the size bits: ldb [xor_x] is A ^= X */
	EXPECT_VERDICT(100, 9, false, LD_IMM(10), LDX_IMM(3), S(0x30, AD(40)), RET_A);
	EXPECT_LOAD_ERR(EINVAL, S(0x20, AD(64)), RET_A);
	EXPECT_LOAD_ERR(EINVAL, S(0x20, AD(2)), RET_A);
	EXPECT_VERDICT(100, 0, true, LDX_IMM(0), S(0x40, AD(0)), RET_A);
}

/* linux-semantics: validate.length, attach.get-filter */
static void test_lengths(void)
{
	struct cbpf_insn big[4097];
	int e;

	for (size_t i = 0; i < 4097; i++)
		big[i] = RET_K(1);
	run(big, 4097, 100, &e);
	CHECK_EQ(e, EINVAL);
	run(big, 0, 100, &e);
	CHECK_EQ(e, EINVAL);
	/* 4096 instructions with `ret a`: no room for the epilogue, so the
	 * verdict is observed plainly: exact below len, inexact at len. */
	for (size_t i = 0; i < 4095; i++)
		big[i] = LD_IMM(40);
	big[4095] = RET_A;
	{
		struct kc_verdict v = run(big, 4096, 100, &e);
		CHECK_EQ(e, 0);
		CHECK(v.exact);
		CHECK_EQ(v.verdict, 40);
		CHECK(v.abort_known && !v.abort); /* 40 != 0: no abort */
		big[4094] = LD_IMM(0x12345678);
		v = run(big, 4096, 100, &e);
		CHECK(!v.exact);
		CHECK_EQ(v.verdict, 100);
		CHECK(strstr(v.note, "4096") != NULL);
	}
}

/* On AF_UNIX every skb field is 0, and ifidx/hatype without a device end
 * the program returning A (linux-semantics: hook.unix-ctx, ext.nodev,
 * ext.cpu, ext.random). */
static void test_extensions(void)
{
	static const int zero_exts[] = { 0, 4, 20, 24, 32, 44, 48, 52, 60 };

	for (size_t i = 0; i < sizeof(zero_exts) / sizeof(zero_exts[0]); i++)
		EXPECT_VERDICT(100, 0, false, LD_IMM(99), S(0x20, AD(zero_exts[i])), RET_A);
	{
		const struct cbpf_insn p[] = { LD_IMM(77), S(0x20, AD(8)), RET_K(5) };
		int e;
		struct kc_verdict v = run(p, 3, 100, &e);
		CHECK_EQ(v.verdict, 77);
		CHECK(v.exact);
		const struct cbpf_insn q[] = { LD_IMM(1000), S(0x20, AD(28)), RET_K(5) };
		v = run(q, 3, 100, &e);
		CHECK(!v.exact); /* raw A exit, A >= len: only ">= 100" is known */
		CHECK_EQ(v.verdict, 100);
	}
	{
		/* cpu: the sender is pinned; the verdict is the ctx's cpu */
		const struct cbpf_insn p[] = { S(0x20, AD(36)), RET_A };
		int e;
		struct kc_verdict v = run(p, 2, 100, &e);
		CHECK(v.exact);
		CHECK_EQ(v.verdict, v.ctx.cpu);
	}
	{
		/* random: one plain observation, flagged */
		const struct cbpf_insn p[] = { S(0x20, AD(56)), S(0x54, 63), S(0x04, 1), RET_A };
		int e;
		struct kc_verdict v = run(p, 4, 100, &e);
		CHECK(v.random);
		CHECK(v.verdict >= 1 && v.verdict <= 64);
	}
}

/* EAGAIN from a rewritten program is an abort, never `ret #0`
 * (linux-semantics: hook.unix-drop, load.failure-returns-0). */
static void test_abort_detection(void)
{
	EXPECT_VERDICT(100, 0, false, RET_K(0));
	EXPECT_VERDICT(100, 0, false, LD_IMM(0), RET_A);
	EXPECT_VERDICT(100, 0, true, S(0x20, 1000), RET_K(0));
	EXPECT_VERDICT(100, 0, true, S(0x20, 97), RET_A);      /* straddles the end */
	EXPECT_VERDICT(100, 0, true, S(0xb1, 100), RET_K(1));  /* ldxb past the end */
	EXPECT_VERDICT(0, 0, true, S(0x30, 0), RET_K(7));
	EXPECT_VERDICT(0, 7, false, RET_K(7));
	EXPECT_VERDICT(0, 0, false, S(0x80, 0), RET_A);
	EXPECT_VERDICT(1, 0xdeadbeef, false, LD_IMM(0xdeadbeef), RET_A);
	EXPECT_VERDICT(1, 0, true, LD_IMM(0xdeadbeef), S(0x20, 0), RET_A);
}

/* linux-semantics: ret.value, load.frags, hook.unix-linear */
static void test_wide_values(void)
{
	/* big constants come back through the ids variant in one run */
	EXPECT_VERDICT(100, 0xdeadbeef, false, RET_K(0xdeadbeef));
	EXPECT_VERDICT(2, 0x80000001, false, LD_IMM(1), J(0x15, 1, 0, 1), RET_K(0x80000001),
		       RET_K(0x7fffffff));
	/* A through slices, at several alphabet sizes */
	EXPECT_VERDICT(100, 0x12345678, false, LD_IMM(0x12345678), RET_A);
	EXPECT_VERDICT(3, 0x12345678, false, LD_IMM(0x12345678), RET_A);
	EXPECT_VERDICT(70000, 0x12345678, false, LD_IMM(0x12345678), RET_A);
	EXPECT_VERDICT(100, 0xffffffff, false, LD_IMM(0), S(0x14, 1), RET_A);
	/* skb_copy_bits over frags: a 70000-byte datagram is not linear */
	EXPECT_VERDICT(70000, ((69996u + 5) & 0xff) << 24 | ((69997u + 5) & 0xff) << 16 |
				      ((69998u + 5) & 0xff) << 8 | ((69999u + 5) & 0xff),
		       false, S(0x20, 69996), RET_A);
	EXPECT_VERDICT(70000, 70000, false, S(0x80, 0), RET_A);
}

/* Replacing a filter charges old and new together (linux-semantics:
 * attach.replace-charges-both, attach.optmem-charge); the oracle
 * detaches first when both would not fit, so a program that fits a fresh
 * socket loads on a reused one too. A program too big for optmem_max is
 * ENOMEM on a fresh socket as well: an environment limit. */
static void test_optmem(void)
{
	static struct cbpf_insn p[4096];
	struct kc_load l;

	for (size_t i = 0; i < 2500; i++)
		p[i] = S(0x20, AD(8)); /* ld ifidx: 4 eBPF instructions */
	p[2499] = RET_K(1);
	for (int round = 0; round < 3; round++) {
		CHECK_EQ(kc_unix_load(oracle, p, 2500, &l), 0);
		CHECK_EQ(l.errnum, 0);
	}
	for (size_t i = 0; i < 4095; i++)
		p[i] = S(0x40, 1); /* ld [x+1]: 9 eBPF instructions */
	p[4095] = RET_A;
	CHECK_EQ(kc_unix_load(oracle, p, 4096, &l), -1);
	CHECK_EQ(l.errnum, ENOMEM);
	CHECK(l.env_limit);
	CHECK(strstr(l.msg, "optmem_max") != NULL);
}

/* linux-semantics: hook.unix-max-datagram */
static void test_max_packet(void)
{
	size_t max = kc_unix_max_packet(oracle);

	if (max < CBPF_MAX_PACKET) {
		fprintf(stderr, "note: largest datagram here is %zu bytes\n", max);
		EXPECT_VERDICT(max, (uint32_t)max, false, S(0x80, 0), RET_A);
		return;
	}
	EXPECT_VERDICT(CBPF_MAX_PACKET, CBPF_MAX_PACKET, false, S(0x80, 0), RET_A);
}

/* A packet the socket cannot carry is an environment error, not a verdict. */
static void test_too_big(void)
{
	const struct cbpf_insn p[] = { RET_K(1) };
	static uint8_t byte;
	struct kc_verdict v;
	struct kc_load l;

	if (kc_unix_max_packet(oracle) >= 64u << 20)
		return;
	kc_unix_load(oracle, p, 1, &l);
	kc_unix_verdict(oracle, &byte, 64u << 20, NULL, &v); /* never read: too big */
	CHECK_EQ(v.error, EMSGSIZE);
	CHECK(strstr(v.note, "largest datagram") != NULL);
}

/* The original program attached as it is, one send: -1 dropped, else the
 * delivered length (written with raw syscalls, independent of the oracle). */
static long plain_observe(const struct cbpf_insn *p, size_t n, const uint8_t *pkt, size_t len)
{
	struct sock_fprog fp = { (unsigned short)n, (struct sock_filter *)(void *)p };
	int sv[2], big = 1 << 20;
	uint8_t byte;
	long r;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -2;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) != 0 ||
	    send(sv[0], pkt, len, 0) != (ssize_t)len)
		r = -2;
	else
		r = recv(sv[1], &byte, 1, MSG_DONTWAIT | MSG_TRUNC);
	close(sv[0]);
	close(sv[1]);
	return r;
}

/* The exact verdict agrees with plain observation (min(v, len), 0 drops)
 * wherever both apply; with a right hint it costs one run, with a wrong
 * one the kernel's value still comes back. */
static void test_random_vs_plain(void)
{
	static uint8_t pkt[70001];
	struct cbpf_insn prog[64];
	struct ts_rng rng;
	unsigned compared = 0, exact = 0;

	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 7 + 3);
	ts_seed(&rng, 4242);
	for (int iter = 0; iter < 400; iter++) {
		size_t len = iter % 4 == 0 ? ts_below(&rng, 70001) : ts_below(&rng, 130);
		struct ts_prog_opts o = { .max_len = 24, .pkt_hint = (uint32_t)(len ? len : 1),
					   .det = iter % 5 == 0 ? TS_DET_ANY : TS_DET_NO_DEVICE,
					   .valid = true, .scratch_mix = true };
		size_t n = ts_randprog(&rng, &o, prog);
		struct kc_verdict v, h, w;
		struct kc_load l;
		struct kc_hint hint;

		CHECK_EQ(kc_unix_load(oracle, prog, n, &l), 0);
		kc_unix_verdict(oracle, pkt, len, NULL, &v);
		CHECK_EQ(v.error, 0);
		if (v.random)
			continue;
		if (v.exact) {
			exact++;
			/* right hint: confirmed with the same answer */
			hint.valid = true;
			hint.verdict = v.verdict;
			hint.abort = v.abort_known && v.abort;
			kc_unix_verdict(oracle, pkt, len, &hint, &h);
			CHECK(h.exact);
			CHECK_EQ(h.verdict, v.verdict);
			CHECK_EQ(h.abort, v.abort);
			/* wrong hint: discovered anyway */
			hint.verdict = v.verdict ^ 0x10000;
			hint.abort = false;
			kc_unix_verdict(oracle, pkt, len, &hint, &w);
			CHECK(w.exact);
			CHECK_EQ(w.verdict, v.verdict);
		}
		{
			/* compare with what the original shows by itself */
			long r = plain_observe(prog, n, pkt, len);
			long want = v.verdict == 0 ? -1 : v.verdict < len ? (long)v.verdict : (long)len;
			if (v.exact)
				CHECK_EQ(r, want);
			else
				CHECK_EQ(r, v.verdict >= len ? (long)len : (long)v.verdict);
			compared++;
		}
	}
	fprintf(stderr, "random vs plain: %u compared, %u exact\n", compared, exact);
	CHECK(exact > 300);
}

/* Load parity: whatever variant the oracle attaches first (ids, verify
 * or the original), its load answer is the kernel's answer to the
 * original program (kc_try_attach on a fresh pair), and the validator
 * (with cbpf_predict_load for the s16 rule) predicts it. Programs are
 * random valid ones with one field corrupted, to reach the rules the
 * rewrite could disturb: last-ret, jump range, scratch reads after ret. */
static void test_load_parity(void)
{
	struct cbpf_insn p[24];
	struct ts_rng rng;
	int refused = 0, agree = 0;

	ts_seed(&rng, 77);
	for (int iter = 0; iter < 3000; iter++) {
		struct ts_prog_opts o = { .max_len = 24, .pkt_hint = 64, .det = TS_DET_NO_DEVICE,
					   .valid = true, .scratch_mix = true };
		size_t n = ts_randprog(&rng, &o, p), at = ts_below(&rng, (uint32_t)n);
		struct kc_hint hint = { iter % 2 == 0, (uint32_t)ts_next(&rng), false };
		struct kc_load l;
		int raw, want;

		switch (ts_below(&rng, 6)) {
		case 0: p[at].code = (uint16_t)ts_below(&rng, 0xb8); break;
		case 1: p[at].jt = (uint8_t)ts_next(&rng); break;
		case 2: p[at].k = (uint32_t)ts_below(&rng, 40); break;
		case 3: p[at] = S(0x60, ts_below(&rng, 4)); break; /* ld M[k] */
		case 4: p[n - 1] = S(0x04, 1); break;                  /* last is not ret */
		default: break;
		}
		raw = kc_try_attach(p, n);
		kc_unix_load_for(oracle, p, n, pkt100, 64, &hint, &l);
		CHECK_EQ(l.errnum, raw);
		want = cbpf_validate(p, n, CBPF_PROFILE_LINUX, NULL, 0, NULL);
		CHECK_EQ(want, raw);
		agree += want == raw;
		refused += raw != 0;
	}
	fprintf(stderr, "load parity: %d/3000 agree, %d refused\n", agree, refused);
	CHECK(refused > 500);
}

/* A program that reads `cpu` pins the sending thread once, on the CPU
 * it is on, for the oracle's lifetime: later verdicts see the same CPU,
 * and kc_unix_close gives the thread its affinity back. */
static void test_pin_once(void)
{
	const struct cbpf_insn p[] = { S(0x20, AD(36)), RET_A };
	cpu_set_t before, during, after;
	struct kc_unix *u;
	struct kc_error err;
	struct kc_verdict v, w;
	struct kc_load l;

	CHECK_EQ(sched_getaffinity(0, sizeof(before), &before), 0);
	CHECK_EQ(kc_unix_open(&u, &err), 0);
	CHECK_EQ(kc_unix_load(u, p, 2, &l), 0);
	kc_unix_verdict(u, pkt100, 100, NULL, &v);
	CHECK(v.exact);
	CHECK_EQ(v.verdict, v.ctx.cpu);
	CHECK_EQ(sched_getaffinity(0, sizeof(during), &during), 0);
	CHECK_EQ(CPU_COUNT(&during), 1);
	CHECK(CPU_ISSET(v.ctx.cpu, &during));
	CHECK_EQ(kc_unix_load(u, p, 2, &l), 0);
	kc_unix_verdict(u, pkt100, 100, NULL, &w);
	CHECK_EQ(w.verdict, v.verdict);
	kc_unix_close(u);
	CHECK_EQ(sched_getaffinity(0, sizeof(after), &after), 0);
	CHECK(CPU_EQUAL(&after, &before));
}

/* After kc_unix_unload no verdict is given until the next load. */
static void test_unload(void)
{
	const struct cbpf_insn p[] = { S(0x06, 77) };
	struct kc_verdict v;
	struct kc_load l;

	CHECK_EQ(kc_unix_load(oracle, p, 1, &l), 0);
	kc_unix_unload(oracle);
	kc_unix_unload(oracle); /* twice is harmless */
	kc_unix_verdict(oracle, pkt100, 100, NULL, &v);
	CHECK(v.error != 0);
	CHECK(strstr(v.note, "no program is loaded") != NULL);
	CHECK_EQ(kc_unix_load(oracle, p, 1, &l), 0);
	kc_unix_verdict(oracle, pkt100, 100, NULL, &v);
	CHECK_EQ(v.error, 0);
	CHECK_EQ(v.verdict, 77);
}

/* kc_unix_ctx_for gives, before the verdict, the context the kernel
 * reports with it; a hint computed on it is settled in one run, a wrong
 * one (cpu 0 when the sender is on another CPU) costs a discovery. */
static void test_ctx_for(void)
{
	const struct cbpf_insn cpu_prog[] = { S(0x20, AD(36)), RET_A };
	const struct cbpf_insn plain[] = { S(0x20, 36), RET_A };
	cpu_set_t before, during, after;
	struct kc_unix *u;
	struct kc_error err;
	struct cbpf_ctx ctx;
	struct kc_verdict v;
	struct kc_load l;
	struct kc_hint hint = { true, 0, false };

	CHECK(kc_prog_reads_cpu(cpu_prog, 2));
	CHECK(!kc_prog_reads_cpu(plain, 2));
	{
		const struct cbpf_insn h[] = { S(0x28, AD(36)), RET_A };
		const struct cbpf_insn b[] = { S(0x30, AD(36)), RET_A };
		const struct cbpf_insn ind[] = { S(0x40, AD(36)), RET_A };
		CHECK(kc_prog_reads_cpu(h, 2));
		CHECK(kc_prog_reads_cpu(b, 2));
		CHECK(!kc_prog_reads_cpu(ind, 2));
	}
	CHECK_EQ(sched_getaffinity(0, sizeof(before), &before), 0);
	CHECK_EQ(kc_unix_open(&u, &err), 0);
	/* no cpu load: nothing pinned, the AF_UNIX context */
	kc_unix_ctx_for(u, plain, 2, 100, &ctx);
	CHECK_EQ(sched_getaffinity(0, sizeof(during), &during), 0);
	CHECK(CPU_EQUAL(&during, &before));
	CHECK_EQ(ctx.cpu, 0);
	CHECK_EQ(kc_unix_load(u, plain, 2, &l), 0);
	kc_unix_verdict(u, pkt100, 100, NULL, &v);
	CHECK_EQ(memcmp(&ctx, &v.ctx, sizeof(ctx)), 0);
	/* cpu: pinned now, and the verdict's context agrees */
	kc_unix_ctx_for(u, cpu_prog, 2, 100, &ctx);
	CHECK_EQ(sched_getaffinity(0, sizeof(during), &during), 0);
	CHECK_EQ(CPU_COUNT(&during), 1);
	CHECK(CPU_ISSET(ctx.cpu, &during));
	hint.verdict = ctx.cpu;
	CHECK_EQ(kc_unix_load_for(u, cpu_prog, 2, pkt100, 100, &hint, &l), 0);
	kc_unix_verdict(u, pkt100, 100, &hint, &v);
	CHECK(v.exact);
	CHECK_EQ(v.verdict, ctx.cpu);
	CHECK_EQ(memcmp(&ctx, &v.ctx, sizeof(ctx)), 0);
	CHECK_EQ(v.runs, 1);
	/* a wrong hint is still answered exactly, in more runs */
	hint.verdict = ctx.cpu + 1000;
	CHECK_EQ(kc_unix_load_for(u, cpu_prog, 2, pkt100, 100, &hint, &l), 0);
	kc_unix_verdict(u, pkt100, 100, &hint, &v);
	CHECK(v.exact);
	CHECK_EQ(v.verdict, ctx.cpu);
	CHECK(v.runs > 1);
	kc_unix_close(u);
	CHECK_EQ(sched_getaffinity(0, sizeof(after), &after), 0);
	CHECK(CPU_EQUAL(&after, &before));
}

int main(void)
{
	if (!unix_fixture_open(&oracle, pkt100, sizeof(pkt100)))
		return CHECK_SKIP;
	test_peers_table();
	test_lengths();
	test_extensions();
	test_abort_detection();
	test_wide_values();
	test_optmem();
	test_max_packet();
	test_too_big();
	test_random_vs_plain();
	test_load_parity();
	/* Without the SO_GET_FILTER read-back (what fuzz_vm_kernel uses):
	 * the same verdicts, loads still report readback_ok. */
	kc_unix_set_readback(oracle, false);
	test_peers_table();
	test_extensions();
	test_abort_detection();
	test_random_vs_plain();
	kc_unix_set_readback(oracle, true);
	test_peers_table();
	test_unload();
	kc_unix_close(oracle);
	test_pin_once();
	test_ctx_for();
	return CHECK_DONE();
}
