/*
 * test_kernel_inline.c - the inline `ret a` rewrite (verdict_rewrite.c)
 * against the live kernel: every inline variant loads exactly when the
 * original does, including where check_load_and_stores decides (a `ret`
 * passes its written cells on, a `ja` does not, so the older epilogue
 * rewrite would load programs the kernel rejects); the oracle's load
 * answer is the kernel's answer to the original; and its verdicts agree
 * with plain observation of the original (min(v, len), 0 drops).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/filter.h>

#include "attach.h"
#include "cbpf/validate.h"
#include "check.h"
#include "envrec.h"
#include "randprog.h"
#include "unix_fixture.h"
#include "unix_oracle.h"
#include "verdict_rewrite.h"

#define S(code, k) cbpf_stmt((code), (k))
#define J(code, k, jt, jf) cbpf_jump((code), (k), (jt), (jf))
#define RET_A S(0x16, 0)
#define RET_K(k) S(0x06, (k))
#define LD_IMM(k) S(0x00, (k))
#define LDX_IMM(k) S(0x01, (k))
#define ST(k) S(0x02, (k))
#define LD_MEM(k) S(0x60, (k))
#define JEQ(k, jt, jf) J(0x15, (k), (jt), (jf))

static struct kc_unix *oracle;
static uint8_t pkt[200];

/* The variant of p as kc_variant_build writes it, inline or not. */
static size_t variant(const struct kc_variant *v, const struct cbpf_insn *p, size_t n,
		      bool allow_inline, struct cbpf_insn *out, bool *was_inline)
{
	struct kc_shape s;
	size_t len;

	*was_inline = false;
	if (kc_shape_init(&s, p, n) != 0 || (allow_inline && kc_shape_allow_inline(&s, p) != 0))
		return 0;
	*was_inline = kc_variant_inline(v, &s);
	len = kc_variant_build(v, &s, p, out);
	kc_shape_free(&s);
	return len;
}

/* Plain observation of the original on a fresh pair (raw syscalls): -1
 * dropped, else the delivered length; -2 when it cannot be asked. */
static long plain_observe(const struct cbpf_insn *p, size_t n, size_t len)
{
	struct sock_fprog fp = { (unsigned short)n, (struct sock_filter *)(void *)p };
	int sv[2];
	uint8_t byte;
	long r = -2;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -2;
	if (setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) == 0 &&
	    send(sv[0], pkt, len, 0) == (ssize_t)len)
		r = recv(sv[1], &byte, 1, MSG_DONTWAIT | MSG_TRUNC);
	close(sv[0]);
	close(sv[1]);
	return r;
}

/* The three ways the oracle's first attach is planned: a hint (verify),
 * none at a roomy alphabet (ids), and a 1-byte packet with constants
 * (+1 slice). Each must give the kernel's answer to the original. */
static void check_oracle_load(const struct cbpf_insn *p, size_t n, int want)
{
	struct kc_hint hint = { true, 10, false };
	struct kc_load l;

	kc_unix_load_for(oracle, p, n, pkt, 100, &hint, &l);
	CHECK_EQ(l.errnum, want);
	kc_unix_load_for(oracle, p, n, pkt, 100, NULL, &l);
	CHECK_EQ(l.errnum, want);
	kc_unix_load_for(oracle, p, n, pkt, 1, NULL, &l);
	CHECK_EQ(l.errnum, want);
}

/* A scratch read after a `ret a`, never written on the way there: the
 * kernel rejects it, the epilogue rewrite (a ja) would load, the inline
 * one is rejected like the original, and so is the oracle's load. */
static void check_scratch_rejected(const struct cbpf_insn *p, size_t n)
{
	struct kc_variant ids = { .kind = KC_VAR_IDS, .base = 1, .span = 50 };
	struct cbpf_insn buf[64];
	bool inl;
	size_t len;

	CHECK_EQ(kc_try_attach(p, n), EINVAL);
	len = variant(&ids, p, n, false, buf, &inl);
	CHECK(!inl);
	CHECK_EQ(kc_try_attach(buf, len), 0); /* why the ja rewrite was never used here */
	len = variant(&ids, p, n, true, buf, &inl);
	CHECK(inl);
	CHECK_EQ(kc_try_attach(buf, len), EINVAL);
	check_oracle_load(p, n, EINVAL);
}

/* Verdict v (< 100) with each plan, the needed variant attached first. */
static void check_inline_verdict(const struct cbpf_insn *p, size_t n, uint32_t want)
{
	struct kc_hint right = { true, want, false }, wrong = { true, want + 1, false };
	const struct kc_hint *hints[3] = { &right, &wrong, NULL };
	struct kc_verdict v;
	struct kc_load l;

	for (int h = 0; h < 3; h++) {
		CHECK_EQ(kc_unix_load_for(oracle, p, n, pkt, 100, hints[h], &l), 0);
		CHECK(l.readback_ok);
		kc_unix_verdict(oracle, pkt, 100, hints[h], &v);
		CHECK(v.exact);
		CHECK_EQ(v.verdict, want);
		CHECK(v.abort_known && !v.abort);
		/* right hint or none: the load attached the one variant needed */
		CHECK_EQ(v.attaches, h == 1 ? 1 : 0);
		CHECK_EQ(v.runs, h == 1 ? 2 : 1);
	}
}

/* Where check_load_and_stores decides (linux-semantics: validate.scratch-uninit). */
static void test_scratch_cases(void)
{
	/* ret a passes memvalid = 0 on; M[0] is read with nothing written */
	const struct cbpf_insn a[] = { RET_A, LD_MEM(0), RET_A };
	/* both edges of the jeq carry no cell into 3 and 2; 2 writes M[2],
	 * the ret a at 3 passes only what both edges carry: nothing */
	const struct cbpf_insn b[] = { LDX_IMM(5), JEQ(0, 1, 0), ST(2), RET_A, LD_MEM(2), RET_A };
	/* the same with ret #k before it and a jump over the ret a */
	const struct cbpf_insn c[] = { JEQ(1, 2, 0), ST(0), RET_K(3), RET_A, LD_MEM(0), RET_A };
	/* loads: M[0] written before the ret a reaches the read through it */
	const struct cbpf_insn d[] = { LD_IMM(7), ST(0), RET_A, LD_MEM(0), RET_A };
	/* loads: the jump over the ret a carries M[1] (relocated jt) */
	const struct cbpf_insn e[] = { LD_IMM(9), ST(1), JEQ(9, 1, 0), RET_A, LD_MEM(1),
				       S(0x04, 1), RET_A };

	check_scratch_rejected(a, 3);
	check_scratch_rejected(b, 6);
	check_scratch_rejected(c, 6);
	CHECK_EQ(kc_try_attach(d, 5), 0);
	check_inline_verdict(d, 5, 7);
	CHECK_EQ(kc_try_attach(e, 7), 0);
	check_inline_verdict(e, 7, 10);
}

/* Not inline: a jt that would no longer fit 8 bits, a jump out of range
 * (rejected, and the original is what the oracle asks), over 1000. */
static void test_inline_limits(void)
{
	static struct cbpf_insn p[1100];
	struct kc_shape s;
	struct kc_load l;

	for (size_t i = 0; i < 300; i++)
		p[i] = RET_A;
	p[0] = JEQ(0, 250, 0); /* 250 `ret a`s lie in between: 250 + 3 * 250 > 255 */
	kc_shape_init(&s, p, 300);
	CHECK_EQ(kc_shape_allow_inline(&s, p), 0);
	CHECK(!s.inline_ok);
	kc_shape_free(&s);
	p[0] = JEQ(0, 60, 0); /* 60 + 3 * 60 = 240 fits */
	kc_shape_init(&s, p, 300);
	CHECK_EQ(kc_shape_allow_inline(&s, p), 0);
	CHECK(s.inline_ok);
	kc_shape_free(&s);
	check_inline_verdict(p, 300, 0);
	p[0] = JEQ(0, 0, 255); /* 0 + 1 + 255 >= 200: out of range */
	kc_shape_init(&s, p, 200);
	CHECK_EQ(kc_shape_allow_inline(&s, p), 0);
	CHECK(!s.inline_ok);
	kc_shape_free(&s);
	check_oracle_load(p, 200, EINVAL);
	for (size_t i = 0; i < 1001; i++)
		p[i] = i % 2 ? LD_IMM(3) : RET_A;
	kc_shape_init(&s, p, 1001);
	CHECK_EQ(kc_shape_allow_inline(&s, p), 0);
	CHECK(!s.inline_ok);
	kc_shape_free(&s);
	CHECK_EQ(kc_unix_load_for(oracle, p, 1001, pkt, 100, NULL, &l), 0);
}

/* An inline variant is longer, so it can exceed optmem_max where the
 * original fits (linux-semantics: attach.optmem-charge). The oracle then
 * asks about the original: it loads, and its verdict is still exact (a
 * small A shows through as it is). */
static void test_inline_optmem(void)
{
	static struct cbpf_insn p[1000], buf[4000];
	struct kc_variant verify = { .kind = KC_VAR_VERIFY, .expect = 7, .match = 2, .mismatch = 1 };
	struct cbpf_load_prediction orig, var;
	struct kc_hint hint = { true, 7, false };
	struct kc_verdict v;
	struct kc_load l;
	struct kc_env env;
	size_t len;
	bool inl;

	p[0] = LD_IMM(7);
	for (size_t i = 1; i < 851; i++)
		p[i] = S(0xb1, 14); /* ldxb 4*([14]&0xf): 19 eBPF instructions */
	for (size_t i = 851; i < 1000; i++)
		p[i] = RET_A;
	len = variant(&verify, p, 1000, true, buf, &inl);
	CHECK(inl);
	cbpf_predict_load(p, 1000, CBPF_PROFILE_LINUX, &orig);
	cbpf_predict_load(buf, len, CBPF_PROFILE_LINUX, &var);
	kc_env_collect(&env);
	if (!((long)orig.prog_bytes < env.optmem_max - 64 && (long)var.prog_bytes > env.optmem_max)) {
		fprintf(stderr, "note: optmem_max %ld does not separate %zu and %zu bytes; "
			"inline optmem test skipped\n", env.optmem_max, orig.prog_bytes,
			var.prog_bytes);
		return;
	}
	CHECK_EQ(kc_try_attach(buf, len), ENOMEM);
	CHECK_EQ(kc_try_attach(p, 1000), 0);
	CHECK_EQ(kc_unix_load_for(oracle, p, 1000, pkt, 100, &hint, &l), 0);
	CHECK_EQ(l.errnum, 0);
	CHECK(!l.env_limit);
	CHECK(l.readback_ok);
	kc_unix_verdict(oracle, pkt, 100, &hint, &v);
	CHECK(v.exact);
	CHECK_EQ(v.verdict, 7);
	CHECK_EQ(v.attaches, 0); /* the original is attached: one send */
}

/* A random program from a palette where scratch cells, rets and jumps
 * meet, unvalidated: jumps stay in range, so inline applies. */
static size_t scratch_prog(struct ts_rng *r, struct cbpf_insn *p)
{
	size_t n = 3 + ts_below(r, 18);

	for (size_t i = 0; i + 1 < n; i++) {
		uint32_t room = (uint32_t)(n - i - 2), cell = ts_below(r, 3);
		switch (ts_below(r, 9)) {
		case 0: p[i] = ST(cell); break;
		case 1: p[i] = S(0x03, cell); break; /* stx */
		case 2: p[i] = LD_MEM(cell); break;
		case 3: p[i] = S(0x61, cell); break; /* ldx M[] */
		case 4: p[i] = RET_A; break;
		case 5: p[i] = RET_K(ts_below(r, 5)); break;
		case 6:
			p[i] = J(0x15 + 0x10 * (uint16_t)ts_below(r, 4), ts_below(r, 3),
				 (uint8_t)ts_below(r, room + 1), (uint8_t)ts_below(r, room + 1));
			break;
		case 7: p[i] = S(0x05, ts_below(r, room + 1)); break;
		default: p[i] = ts_below(r, 2) ? LD_IMM(ts_below(r, 4)) : S(0x04, 1); break;
		}
	}
	p[n - 1] = ts_below(r, 3) ? RET_A : RET_K(ts_below(r, 5));
	return n;
}

/* The rewrite's theorem on the kernel: for 4000 palette programs, every
 * inline variant kind loads exactly when the original does, and so does
 * the oracle; many are programs where the ja rewrite would not. */
static void test_inline_theorem(void)
{
	struct cbpf_insn p[24], buf[128];
	struct ts_rng rng;
	int inlined = 0, rejected = 0, ja_would_differ = 0;

	ts_seed(&rng, 2026);
	for (int iter = 0; iter < 4000; iter++) {
		size_t n = scratch_prog(&rng, p), len;
		struct kc_variant vs[3] = {
			{ .kind = KC_VAR_VERIFY, .expect = ts_below(&rng, 3), .match = 2,
			  .mismatch = 1 },
			{ .kind = KC_VAR_IDS, .base = 1, .span = 1 + ts_below(&rng, 90) },
			{ .kind = KC_VAR_SLICE, .shift = ts_below(&rng, 32), .mask = 63, .add = 1 },
		};
		int want = kc_try_attach(p, n);
		bool inl;

		for (int k = 0; k < 3; k++) {
			len = variant(&vs[k], p, n, true, buf, &inl);
			if (!inl)
				continue;
			CHECK_EQ(kc_try_attach(buf, len), want);
			inlined++;
		}
		rejected += want != 0;
		len = variant(&vs[1], p, n, false, buf, &inl);
		ja_would_differ += len != 0 && kc_try_attach(buf, len) != want;
		if (iter % 4 == 0)
			check_oracle_load(p, n, want);
	}
	fprintf(stderr, "inline theorem: %d variants, %d originals rejected, %d where a ja "
		"rewrite would differ\n", inlined, rejected, ja_would_differ);
	CHECK(inlined > 6000);
	CHECK(ja_would_differ > 100);
}

/* Verdicts of random valid programs with `ret a` (ts_randprog: scratch
 * cells, jumps, rets in the middle), each loaded for its packet so the
 * inline variant is attached first, against plain observation. */
static void test_random_vs_plain(void)
{
	struct cbpf_insn p[40];
	struct ts_rng rng;
	int compared = 0, exact = 0, scratch_after_ret = 0;

	ts_seed(&rng, 99);
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 13 + 1);
	while (compared < 1500) {
		size_t len = ts_below(&rng, 3) ? 64 : 1 + ts_below(&rng, 199);
		struct ts_prog_opts o = { .max_len = 40, .pkt_hint = (uint32_t)len,
					   .det = TS_DET_NO_DEVICE, .valid = true,
					   .scratch_mix = true };
		size_t n = ts_randprog(&rng, &o, p);
		bool has_ret_a = false, seen_ret_a = false, mem_after = false;
		struct kc_hint hint = { true, (uint32_t)ts_below(&rng, 80), false };
		struct kc_verdict v;
		struct kc_load l;
		long got, want;

		for (size_t i = 0; i < n; i++) {
			mem_after |= seen_ret_a && (p[i].code == 0x60 || p[i].code == 0x61);
			seen_ret_a |= p[i].code == 0x16 && i + 1 < n;
			has_ret_a |= p[i].code == 0x16;
		}
		if (!has_ret_a)
			continue;
		scratch_after_ret += mem_after;
		CHECK_EQ(kc_unix_load_for(oracle, p, n, pkt, len, compared % 2 ? &hint : NULL, &l), 0);
		CHECK(l.readback_ok);
		kc_unix_verdict(oracle, pkt, len, compared % 2 ? &hint : NULL, &v);
		CHECK_EQ(v.error, 0);
		got = plain_observe(p, n, len);
		want = v.verdict == 0 ? -1 : v.verdict < len ? (long)v.verdict : (long)len;
		CHECK_EQ(got, want);
		compared++;
		exact += v.exact;
	}
	fprintf(stderr, "random vs plain: %d compared, %d exact, %d read M after a ret a\n",
		compared, exact, scratch_after_ret);
	CHECK_EQ(exact, compared); /* no rand/ifidx/hatype: always exact */
	CHECK(scratch_after_ret > 100);
}

int main(void)
{
	if (!unix_fixture_open(&oracle, pkt, sizeof(pkt)))
		return CHECK_SKIP;
	test_scratch_cases();
	test_inline_limits();
	test_inline_optmem();
	test_inline_theorem();
	test_random_vs_plain();
	kc_unix_close(oracle);
	return CHECK_DONE();
}
