/*
 * test_validate.c - the validator, rule by rule: each rule of
 * bpf_check_classic(), check_load_and_stores(), seccomp_check_filter()
 * and the eBPF jump-range limit of bpf_convert_filter(), on both sides of
 * its edge, with the exact rule name, instruction index and errno; and
 * the load prediction (eBPF length, bpf_prog_size). Edge values of the
 * expansion model were measured on Linux 6.18 (test_validate_kernel.c
 * re-checks them against the live kernel).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cbpf/opcode.h"
#include "cbpf/validate.h"
#include "check.h"
#include "validate/ebpf_expand.h"

#define LINUX CBPF_PROFILE_LINUX
#define SECCOMP CBPF_PROFILE_SECCOMP

#define S(code, k) cbpf_stmt(code, k)
#define J(code, k, jt, jf) cbpf_jump(code, k, jt, jf)
#define RET0 S(0x06, 0)
#define RETA S(0x16, 0)

/* Expect the first problem at insn with rule (NULL = accepted), EINVAL. */
static void expect_at(int line, const struct cbpf_insn *p, size_t n, enum cbpf_profile prof,
		      long insn, const char *rule)
{
	struct cbpf_diag probs[8];
	size_t count = 99;
	int err = cbpf_validate(p, n, prof, probs, 8, &count);
	int failures = check_failures;

	if (rule == NULL) {
		CHECK_EQ(err, 0);
		CHECK_EQ(count, 0);
	} else {
		CHECK_EQ(err, EINVAL);
		CHECK(count >= 1);
		if (count >= 1) {
			CHECK_STR(probs[0].rule, rule);
			CHECK_EQ(probs[0].insn, insn);
			CHECK_EQ(probs[0].errnum, EINVAL);
			CHECK(probs[0].msg[0] != '\0');
			CHECK_EQ(probs[0].code, CBPF_ERR_REJECTED);
		}
	}
	if (check_failures != failures)
		fprintf(stderr, "  (expectation at line %d: got errno %d, %zu problems%s%s)\n", line,
			err, count, count ? ", first " : "", count ? probs[0].rule : "");
}

#define EXPECT(prof, insn, rule, ...)                                                   \
	do {                                                                            \
		const struct cbpf_insn p_[] = { __VA_ARGS__ };                          \
		expect_at(__LINE__, p_, sizeof(p_) / sizeof(p_[0]), prof, insn, rule);  \
	} while (0)
#define ACCEPT(prof, ...) EXPECT(prof, -1, NULL, __VA_ARGS__)

static struct cbpf_insn big[4200];

/* 1..4096 instructions (bpf_check_basics_ok; linux-semantics: validate.length). */
static void test_length(void)
{
	for (size_t i = 0; i < 4200; i++)
		big[i] = RET0;
	expect_at(__LINE__, big, 0, LINUX, -1, CBPF_RULE_LENGTH);
	expect_at(__LINE__, big, 1, LINUX, -1, NULL);
	expect_at(__LINE__, big, 4095, LINUX, -1, NULL);
	expect_at(__LINE__, big, 4096, LINUX, -1, NULL);
	expect_at(__LINE__, big, 4097, LINUX, -1, CBPF_RULE_LENGTH);
	expect_at(__LINE__, big, 4097, SECCOMP, -1, CBPF_RULE_LENGTH);
	expect_at(__LINE__, NULL, 1, LINUX, -1, CBPF_RULE_LENGTH);
	/* The kernel reads none of the instructions of an over-long program. */
	big[0] = S(0x0e, 0);
	{
		size_t count = 0;
		CHECK_EQ(cbpf_validate(big, 4097, LINUX, NULL, 0, &count), EINVAL);
		CHECK_EQ(count, 1);
	}
	big[0] = RET0;
}

/* Exactly the 49 codes of chk_code_allowed; any high bit is out
 * (linux-semantics: validate.opcode). */
static void test_opcode(void)
{
	EXPECT(LINUX, 0, CBPF_RULE_OPCODE, S(0x0e, 0), RET0);  /* ret x */
	EXPECT(LINUX, 0, CBPF_RULE_OPCODE, S(0x08, 1), RET0);  /* ld #k with size H */
	EXPECT(LINUX, 0, CBPF_RULE_OPCODE, S(0x21, 0), RET0);  /* ldx [k] */
	EXPECT(LINUX, 0, CBPF_RULE_OPCODE, S(0x8c, 0), RET0);  /* neg x */
	EXPECT(LINUX, 0, CBPF_RULE_OPCODE, S(0x70, 0), RET0);  /* ld M[] size B */
	EXPECT(LINUX, 1, CBPF_RULE_OPCODE, S(0x00, 0), S(0x100, 0), RET0); /* high bit */
	EXPECT(LINUX, 0, CBPF_RULE_OPCODE, S(0xffff, 0), RET0);
	EXPECT(LINUX, 0, CBPF_RULE_OPCODE, S(0xb2, 0), RET0);
	ACCEPT(LINUX, S(0xb1, 14), RET0);                       /* the largest code */
	int accepted = 0;
	for (uint32_t code = 0; code <= 0xffff; code++) {
		struct cbpf_insn p[2] = { S((uint16_t)code, 1), RET0 };
		if (CBPF_CLASS(code) == CBPF_JMP)
			p[0].k = 0;
		if ((code & 0xfffe) == 0x60) /* ld/ldx M[1]: needs a prior store */
			continue;
		accepted += cbpf_validate(p, 2, LINUX, NULL, 0, NULL) == 0;
	}
	CHECK_EQ(accepted, 49 - 2);
}

/* div #0 and mod #0 (div x is checked at run time instead;
 * linux-semantics: validate.div-zero). */
static void test_div_zero(void)
{
	EXPECT(LINUX, 1, CBPF_RULE_DIV_ZERO, S(0x00, 7), S(0x34, 0), RETA);
	EXPECT(LINUX, 1, CBPF_RULE_DIV_ZERO, S(0x00, 7), S(0x94, 0), RETA);
	ACCEPT(LINUX, S(0x00, 7), S(0x34, 1), RETA);
	ACCEPT(LINUX, S(0x00, 7), S(0x94, 1), RETA);
	ACCEPT(LINUX, S(0x00, 7), S(0x3c, 0), RETA); /* div x, k ignored */
	ACCEPT(LINUX, S(0x00, 7), S(0x9c, 0), RETA);
	ACCEPT(LINUX, S(0x24, 0), RETA);              /* mul #0 is fine */
}

/* lsh/rsh #k with k >= 32, unsigned (linux-semantics: validate.shift-range). */
static void test_shift_range(void)
{
	ACCEPT(LINUX, S(0x64, 31), RETA);
	EXPECT(LINUX, 0, CBPF_RULE_SHIFT_RANGE, S(0x64, 32), RETA);
	ACCEPT(LINUX, S(0x74, 31), RETA);
	EXPECT(LINUX, 0, CBPF_RULE_SHIFT_RANGE, S(0x74, 32), RETA);
	EXPECT(LINUX, 0, CBPF_RULE_SHIFT_RANGE, S(0x74, 0xffffffff), RETA);
	EXPECT(LINUX, 0, CBPF_RULE_SHIFT_RANGE, S(0x64, 0x80000000), RETA);
	ACCEPT(LINUX, S(0x6c, 99), S(0x7c, 0xffffffff), RETA); /* by X: any k */
}

/* Scratch cells 0..15 for ld/ldx M[], st/stx (linux-semantics:
 * validate.scratch-index). */
static void test_scratch_index(void)
{
	ACCEPT(LINUX, S(0x02, 15), S(0x60, 15), RETA);
	ACCEPT(LINUX, S(0x03, 15), S(0x61, 15), RETA);
	EXPECT(LINUX, 0, CBPF_RULE_SCRATCH_INDEX, S(0x02, 16), RETA);
	EXPECT(LINUX, 0, CBPF_RULE_SCRATCH_INDEX, S(0x03, 16), RETA);
	EXPECT(LINUX, 1, CBPF_RULE_SCRATCH_INDEX, S(0x02, 0), S(0x60, 16), RETA);
	EXPECT(LINUX, 1, CBPF_RULE_SCRATCH_INDEX, S(0x02, 0), S(0x61, 0xffffffff), RETA);
}

/* ja k must satisfy k < len - pc - 1 (unsigned): no wrap-around
 * (linux-semantics: validate.ja-range). */
static void test_ja_range(void)
{
	ACCEPT(LINUX, S(0x05, 2), S(0x00, 0), S(0x00, 0), RET0);  /* lands on the last */
	EXPECT(LINUX, 0, CBPF_RULE_JA_RANGE, S(0x05, 3), S(0x00, 0), S(0x00, 0), RET0);
	EXPECT(LINUX, 1, CBPF_RULE_JA_RANGE, S(0x00, 0), S(0x05, 2), S(0x00, 0), RET0);
	EXPECT(LINUX, 0, CBPF_RULE_JA_RANGE, S(0x05, 0xffffffff), RET0, RET0); /* "ja -1" */
	ACCEPT(LINUX, J(0x05, 0, 200, 200), RET0);                 /* jt/jf of ja ignored */
}

/* Both jt and jf targets inside the program; junk fields elsewhere are
 * ignored (linux-semantics: validate.jump-range, validate.unchecked). */
static void test_jump_range(void)
{
	ACCEPT(LINUX, J(0x15, 0, 2, 1), S(0x00, 0), S(0x00, 0), RET0);
	EXPECT(LINUX, 0, CBPF_RULE_JUMP_RANGE, J(0x15, 0, 3, 0), S(0x00, 0), S(0x00, 0), RET0);
	EXPECT(LINUX, 0, CBPF_RULE_JUMP_RANGE, J(0x4d, 0, 0, 3), S(0x00, 0), S(0x00, 0), RET0);
	EXPECT(LINUX, 2, CBPF_RULE_JUMP_RANGE, S(0x00, 0), S(0x00, 0), J(0x25, 0, 1, 0), RET0);
	ACCEPT(LINUX, S(0x00, 0), S(0x00, 0), J(0x25, 0, 0, 0), RET0);
	/* junk jt/jf on non-jumps is ignored */
	ACCEPT(LINUX, J(0x00, 5, 255, 255), J(0x16, 0, 255, 255));
}

/* LD|ABS k >= SKF_AD_OFF must be one of the 16 extensions
 * (linux-semantics: validate.ancillary, ext.abs-only). */
static void test_ancillary(void)
{
	ACCEPT(LINUX, S(0x20, 0xfffff000), RETA);                /* proto */
	EXPECT(LINUX, 0, CBPF_RULE_ANCILLARY, S(0x20, 0xfffff001), RETA);
	EXPECT(LINUX, 0, CBPF_RULE_ANCILLARY, S(0x28, 0xfffff002), RETA);
	ACCEPT(LINUX, S(0x30, 0xfffff03c), RETA);                /* vlan_tpid, size B */
	EXPECT(LINUX, 0, CBPF_RULE_ANCILLARY, S(0x20, 0xfffff040), RETA); /* SKF_AD_MAX */
	EXPECT(LINUX, 0, CBPF_RULE_ANCILLARY, S(0x30, 0xffffffff), RETA);
	ACCEPT(LINUX, S(0x20, 0xffffefff), RETA);                /* SKF_AD_OFF - 1 */
	ACCEPT(LINUX, S(0x20, 0xffe00000), RETA);                /* SKF_LL_OFF */
	ACCEPT(LINUX, S(0x20, 0x80000000), RETA);
	ACCEPT(LINUX, S(0x40, 0xfffff001), RETA);                /* IND: never an extension */
	ACCEPT(LINUX, S(0xb1, 0xffffffff), RETA);                /* MSH too */
}

/* The last instruction is ret #k or ret a; earlier rets are fine
 * (linux-semantics: validate.last-ret, validate.order). */
static void test_last_ret(void)
{
	EXPECT(LINUX, 1, CBPF_RULE_LAST_RET, RET0, S(0x07, 0));
	EXPECT(LINUX, 0, CBPF_RULE_LAST_RET, S(0x00, 1));
	ACCEPT(LINUX, RET0, RETA);
	ACCEPT(LINUX, J(0x06, 0, 9, 9));
	/* ret x is an opcode problem first (the per-instruction pass runs first) */
	{
		const struct cbpf_insn p[] = { S(0x0e, 0) };
		struct cbpf_diag probs[4];
		size_t count = 0;
		CHECK_EQ(cbpf_validate(p, 1, LINUX, probs, 4, &count), EINVAL);
		CHECK_EQ(count, 2);
		CHECK_STR(probs[0].rule, CBPF_RULE_OPCODE);
		CHECK_STR(probs[1].rule, CBPF_RULE_LAST_RET);
		CHECK_EQ(probs[1].insn, 0);
	}
}

/* check_load_and_stores(), path-insensitive (linux-semantics:
 * validate.scratch-uninit). */
static void test_scratch_uninit(void)
{
	EXPECT(LINUX, 0, CBPF_RULE_SCRATCH_UNINIT, S(0x60, 0), RETA);
	EXPECT(LINUX, 1, CBPF_RULE_SCRATCH_UNINIT, S(0x02, 1), S(0x61, 0), RETA);
	ACCEPT(LINUX, S(0x03, 0), S(0x61, 0), RETA);
	/* one path skips the store */
	EXPECT(LINUX, 2, CBPF_RULE_SCRATCH_UNINIT, J(0x15, 1, 0, 1), S(0x02, 0), S(0x60, 0), RETA);
	/* both paths store: the jump into pc 4 carries M[0] */
	ACCEPT(LINUX, J(0x15, 1, 0, 2), S(0x02, 0), S(0x05, 1), S(0x02, 0), S(0x60, 0), RETA);
	/* the jt path carries only M[1] to pc 3 */
	EXPECT(LINUX, 3, CBPF_RULE_SCRATCH_UNINIT, S(0x02, 1), J(0x15, 0, 1, 0), S(0x02, 2),
	       S(0x60, 2), RETA);
	ACCEPT(LINUX, S(0x02, 1), J(0x15, 0, 1, 0), S(0x02, 2), S(0x60, 1), RETA);
	/* safe at run time (same condition twice) but refused: no path sensitivity */
	EXPECT(LINUX, 4, CBPF_RULE_SCRATCH_UNINIT, S(0x00, 0), J(0x15, 0, 0, 1), S(0x02, 0),
	       J(0x15, 0, 0, 1), S(0x60, 0), RETA);
	/* dead code after a jump is never refused ... */
	ACCEPT(LINUX, S(0x05, 1), S(0x60, 5), RET0);
	/* ... but after a ret the fall-through still carries what was written */
	EXPECT(LINUX, 1, CBPF_RULE_SCRATCH_UNINIT, RET0, S(0x60, 5), RET0);
	/* two jumps into one pc: the intersection counts */
	EXPECT(LINUX, 5, CBPF_RULE_SCRATCH_UNINIT, S(0x02, 3), J(0x15, 0, 3, 0), S(0x02, 4),
	       S(0x00, 0), J(0x15, 0, 0, 0), S(0x60, 4), RETA);
	ACCEPT(LINUX, S(0x02, 3), J(0x15, 0, 3, 0), S(0x02, 4), S(0x00, 0), J(0x15, 0, 0, 0),
	       S(0x60, 3), RETA);
	/* every read is reported, in order */
	{
		const struct cbpf_insn p[] = { S(0x60, 0), S(0x61, 1), S(0x02, 0), S(0x60, 0), RETA };
		struct cbpf_diag probs[4];
		size_t count = 0;
		CHECK_EQ(cbpf_validate(p, 5, LINUX, probs, 4, &count), EINVAL);
		CHECK_EQ(count, 2);
		CHECK_EQ(probs[0].insn, 0);
		CHECK_EQ(probs[1].insn, 1);
	}
}

/* The eBPF jump range and the model behind it (linux-semantics:
 * validate.ebpf-jump-range, expand.ldxb, expand.ld-abs). */
static size_t fill(size_t at, size_t count, struct cbpf_insn in)
{
	for (size_t i = 0; i < count; i++)
		big[at + i] = in;
	return at + count;
}

/* ja over m copies of in (then r `ld #1`) and a ret. */
static size_t ja_over(size_t m, struct cbpf_insn in, size_t r)
{
	size_t n = 1;

	n = fill(n, m, in);
	n = fill(n, r, S(0x00, 1));
	big[0] = S(0x05, (uint32_t)(n - 1));
	big[n++] = RET0;
	return n;
}

static void test_ebpf_jump_range(void)
{
	const struct cbpf_insn ldxb = S(0xb1, 14);
	struct cbpf_diag pr;
	size_t n, count;

	/* Largest accepted m, measured on 6.18 (off = m * size <= 32767). */
	static const struct {
		struct cbpf_insn in;
		size_t max_m;
		unsigned size;
	} kinds[] = {
		{ { 0xb1, 0, 0, 14 }, 1724, 19 },     /* ldxb 4*([14]&0xf) */
		{ { 0xb1, 0, 0, 40000 }, 1560, 21 },  /* k > S16_MAX: 2 more */
		{ { 0x20, 0, 0, 1000 }, 2340, 14 },   /* ld [1000] */
		{ { 0x28, 0, 0, 40000 }, 2047, 16 },  /* ldh [40000] */
		{ { 0x40, 0, 0, 1 }, 3640, 9 },       /* ld [x+1] */
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		CHECK_EQ(cbpf_ebpf_insn_count(&kinds[i].in, false), kinds[i].size);
		n = ja_over(kinds[i].max_m, kinds[i].in, 0);
		expect_at(__LINE__, big, n, LINUX, -1, NULL);
		n = ja_over(kinds[i].max_m + 1, kinds[i].in, 0);
		expect_at(__LINE__, big, n, LINUX, 0, CBPF_RULE_EBPF_JUMP_RANGE);
	}
	/* the offset exactly 32767 (fits) and 32768 (does not) */
	n = ja_over(1724, ldxb, 11);
	expect_at(__LINE__, big, n, LINUX, -1, NULL);
	n = ja_over(1724, ldxb, 12);
	expect_at(__LINE__, big, n, LINUX, 0, CBPF_RULE_EBPF_JUMP_RANGE);
	CHECK_EQ(cbpf_validate(big, n, LINUX, &pr, 1, &count), EINVAL);
	CHECK(strstr(pr.msg, "32768") != NULL);
	/* a ja over 4094 ldxb, the example of linux-semantics: validate.ebpf-jump-range */
	n = ja_over(4094, ldxb, 0);
	CHECK_EQ(n, 4096);
	expect_at(__LINE__, big, n, LINUX, 0, CBPF_RULE_EBPF_JUMP_RANGE);
	/* seccomp expands less: 4094 div x is 20470 eBPF instructions */
	n = ja_over(4094, S(0x3c, 0), 0);
	expect_at(__LINE__, big, n, SECCOMP, -1, NULL);
	expect_at(__LINE__, big, n, LINUX, -1, NULL);
}

/* CBPF_EBPF_MAX_PER_INSN bounds every instruction's expansion (the
 * fast path of the eBPF jump-range check relies on it) and ldxb with
 * k > S16_MAX reaches it (linux-semantics: expand.ldxb). */
static void test_ebpf_max_per_insn(void)
{
	static const uint32_t ks[] = { 0, 1, 14, 32767, 32768, 40000, 0x7fffffff, 0x80000000,
				       0xfffff000, 0xfffff004, 0xfffff03c, 0xffffffff };
	unsigned most = 0;

	for (size_t i = 0; i < CBPF_NOPCODES; i++) {
		uint16_t code = cbpf_opinfo_at(i)->code;
		for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++)
			for (unsigned b = 0; b < 4; b++) {
				struct cbpf_insn in = { code, (uint8_t)(b & 1), (uint8_t)(b >> 1), ks[j] };
				unsigned c0 = cbpf_ebpf_insn_count(&in, false);
				unsigned c1 = cbpf_ebpf_insn_count(&in, true);
				CHECK(c0 <= CBPF_EBPF_MAX_PER_INSN);
				CHECK(c1 <= CBPF_EBPF_MAX_PER_INSN);
				most = c0 > most ? c0 : most;
			}
	}
	CHECK_EQ(most, CBPF_EBPF_MAX_PER_INSN);
}

/* The eBPF jump range by its definition, for programs of ja / single-jump
 * jeq: refused
 * when a jump sits at eBPF index >= 32768 (first pass) or lands more than
 * 32767 ahead (second pass). */
static bool reference_refuses(const struct cbpf_insn *p, size_t n)
{
	size_t at = CBPF_EBPF_PROLOGUE, pos;
	bool skb = false;

	for (size_t i = 0; i < n; i++)
		skb = skb || cbpf_ebpf_loads_packet(&p[i], false);
	at += skb ? CBPF_EBPF_PROLOGUE_SKB : 0;
	for (size_t i = 0; i < n; i++) {
		size_t target = i + 1 + (p[i].code == 0x05 ? p[i].k : p[i].jt);
		size_t to = at;

		pos = at;
		at += cbpf_ebpf_insn_count(&p[i], false);
		if (p[i].code != 0x05 && p[i].code != 0x15)
			continue;
		for (size_t t = i; t < target; t++)
			to += cbpf_ebpf_insn_count(&p[t], false);
		if (pos >= 32768 || to - pos - 1 > 32767)
			return true;
	}
	return false;
}

/* Around the lengths where the fast path (no address table) stops
 * applying, the eBPF jump-range check gives exactly the reference's answer. */
static void test_ebpf_fast_path_edges(void)
{
	size_t checked = 0;

	for (size_t m = 1540; m <= 1566; m += 2)
		for (size_t r = 0; r <= 30; r += 3) {
			size_t n = 1;
			n = fill(n, m, S(0xb1, 40000));
			n = fill(n, r, S(0x00, 1));
			big[0] = S(0x05, (uint32_t)(n - 1));
			big[n++] = J(0x15, 0, 0, 0);
			big[n++] = RET0;
			bool refused = cbpf_validate(big, n, LINUX, NULL, 0, NULL) != 0;
			CHECK_EQ(refused, reference_refuses(big, n));
			checked++;
		}
	CHECK_EQ(checked, 14 * 11);
}

/* The converter's first pass sees every forward target at address 0, so
 * a jump emitted at eBPF index >= 32768 is refused however short
 * (linux-semantics: validate.ebpf-first-pass). */
static void test_first_pass_quirk(void)
{
	struct cbpf_ebpf_jump bad;
	size_t n;

	/* prologue 7 + 1724 * 19 = 32763; then r `ld #1`: the ja sits at 32763 + r */
	for (size_t r = 3; r <= 6; r++) {
		n = fill(fill(0, 1724, S(0xb1, 14)), r, S(0x00, 1));
		big[n++] = S(0x05, 0);
		big[n++] = RET0;
		expect_at(__LINE__, big, n, LINUX, (long)n - 2,
			  r <= 4 ? NULL : CBPF_RULE_EBPF_JUMP_RANGE);
		CHECK_EQ(cbpf_ebpf_find_bad_jump(big, n, false, &bad), r > 4);
		if (r > 4) {
			CHECK_EQ(bad.ebpf_pos, 32763 + r);
			CHECK(bad.first_pass);
		}
	}
	/* jeq #-1 with jt and jf: tmp = k; jeq; ja: the ja sits 2 further */
	for (size_t r = 1; r <= 4; r++) {
		n = fill(fill(0, 1724, S(0xb1, 14)), r, S(0x00, 1));
		big[n++] = J(0x15, 0xffffffff, 1, 0 + 1);
		big[n++] = RET0;
		big[n++] = RET0;
		big[n++] = RET0;
		expect_at(__LINE__, big, n, LINUX, (long)n - 4,
			  r <= 2 ? NULL : CBPF_RULE_EBPF_JUMP_RANGE);
	}
	/* every refused jump is reported, first-pass refusals first (kernel order) */
	{
		struct cbpf_diag probs[4];
		size_t count = 0;

		n = fill(1, 1725, S(0xb1, 14));
		big[0] = S(0x05, 1725);        /* offset 1725 * 19 = 32775 */
		big[n++] = S(0x05, 0);         /* at eBPF index 7 + 1 + 32775 */
		big[n++] = RET0;
		CHECK_EQ(cbpf_validate(big, n, LINUX, probs, 4, &count), EINVAL);
		CHECK_EQ(count, 2);
		CHECK_STR(probs[0].rule, CBPF_RULE_EBPF_JUMP_RANGE);
		CHECK_EQ(probs[0].insn, 1726);
		CHECK(strstr(probs[0].msg, "index 32783") != NULL);
		CHECK_STR(probs[1].rule, CBPF_RULE_EBPF_JUMP_RANGE);
		CHECK_EQ(probs[1].insn, 0);
		CHECK(strstr(probs[1].msg, "offset 32775") != NULL);
	}
	/* a 16k-instruction program without any jump after index 32767 is fine */
	n = fill(0, 1800, S(0xb1, 14));
	big[n++] = RET0;
	expect_at(__LINE__, big, n, LINUX, -1, NULL);
}

/* Seccomp: seccomp_check_filter after the classic rules (linux-semantics:
 * seccomp.classic-first, seccomp.opcode, seccomp.load, expand.seccomp). */
static void test_seccomp(void)
{
	ACCEPT(SECCOMP, S(0x20, 0), S(0x20, 60), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_LOAD, S(0x20, 64), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_LOAD, S(0x20, 1), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_LOAD, S(0x20, 62), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_LOAD, S(0x20, 0xfffff000), RETA); /* ext proto */
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_OPCODE, S(0x30, 0xfffff000), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_OPCODE, S(0x28, 0), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_OPCODE, S(0x30, 0), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_OPCODE, S(0x40, 0), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_OPCODE, S(0xb1, 0), RETA);
	EXPECT(SECCOMP, 1, CBPF_RULE_SECCOMP_OPCODE, S(0x00, 7), S(0x94, 3), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SECCOMP_OPCODE, S(0x9c, 0), RETA);
	ACCEPT(LINUX, S(0x00, 7), S(0x94, 3), RETA);
	ACCEPT(SECCOMP, S(0x80, 0), S(0x81, 0), S(0x3c, 0), S(0x07, 0), S(0x87, 0), RETA);
	/* the classic rules come first */
	EXPECT(SECCOMP, 1, CBPF_RULE_DIV_ZERO, S(0x00, 7), S(0x34, 0), RETA);
	EXPECT(SECCOMP, 0, CBPF_RULE_SCRATCH_UNINIT, S(0x60, 0), RETA);
	/* the seccomp rewrite: ld [k] and #len are one eBPF instruction */
	{
		const struct cbpf_insn p[] = { S(0x20, 4), S(0x80, 0), RETA };
		CHECK_EQ(cbpf_ebpf_prog_count(p, 3, true), 3 + 1 + 1 + 1);
		CHECK_EQ(cbpf_ebpf_prog_count(p, 3, false), 7 + 14 + 1 + 1);
	}
}

/* cbpf_predict_load: eBPF length, bpf_prog_size = 96 + 8n on 6.18
 * (linux-semantics: attach.prog-size, attach.optmem-charge, expand.prologue). */
static void test_predict_load(void)
{
	struct cbpf_load_prediction pr;
	size_t n;

	{
		const struct cbpf_insn p[] = { RET0 };
		cbpf_predict_load(p, 1, CBPF_PROFILE_LINUX, &pr);
		CHECK_EQ(pr.ebpf_insns, 5); /* 3 prologue + mov + exit */
		CHECK_EQ(pr.prog_bytes, 136);
		CHECK(pr.jumps_fit);
		CHECK_EQ(pr.bad_jump_insn, -1);
	}
	{
		const struct cbpf_insn p[] = { S(0x30, 0), RETA };
		cbpf_predict_load(p, 2, CBPF_PROFILE_LINUX, &pr);
		CHECK_EQ(pr.ebpf_insns, 7 + 12 + 1);
	}
	/* The largest attachable programs at optmem_max 131072 (linux-semantics:
	 * attach.optmem-charge): size < 131072 for these lengths, >= for one more. */
	static const struct {
		struct cbpf_insn in;
		size_t largest;
	} rows[] = {
		{ { 0x3c, 0, 0, 0 }, 3274 },
		{ { 0x40, 0, 0, 1 }, 1819 },
		{ { 0x30, 0, 0, 1000 }, 1259 },
		{ { 0x20, 0, 0, 1000 }, 1169 },
		{ { 0xb1, 0, 0, 14 }, 862 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = fill(0, rows[i].largest - 1, rows[i].in);
		big[n++] = RET0;
		cbpf_predict_load(big, n, CBPF_PROFILE_LINUX, &pr);
		CHECK(pr.prog_bytes < 131072);
		n = fill(0, rows[i].largest, rows[i].in);
		big[n++] = RET0;
		cbpf_predict_load(big, n, CBPF_PROFILE_LINUX, &pr);
		CHECK(pr.prog_bytes >= 131072);
	}
	n = fill(0, 862 - 1, S(0xb1, 14));
	big[n++] = RET0;
	cbpf_predict_load(big, n, CBPF_PROFILE_LINUX, &pr);
	CHECK_EQ(pr.ebpf_insns, 7 + 861 * 19 + 2);
	CHECK_EQ(pr.prog_bytes, 96 + 8 * (7 + 861 * 19 + 2));
	/* a jump too far */
	n = ja_over(1725, S(0xb1, 14), 0);
	cbpf_predict_load(big, n, CBPF_PROFILE_LINUX, &pr);
	CHECK(!pr.jumps_fit);
	CHECK_EQ(pr.bad_jump_insn, 0);
	/* extension sizes on 6.18, vlan_avail 3 since 6.2 (linux-semantics:
	 * expand.extensions) */
	static const unsigned ext_sizes[CBPF_EXT_COUNT] = { 2, 2, 4, 4, 4, 1, 1, 4,
							    1, 4, 1, 1, 3, 4, 4, 2 };
	for (unsigned e = 0; e < CBPF_EXT_COUNT; e++) {
		struct cbpf_insn in = S(0x28, cbpf_ext_k((enum cbpf_ext)e));
		CHECK_EQ(cbpf_ebpf_insn_count(&in, false), ext_sizes[e]);
		CHECK(!cbpf_ebpf_loads_packet(&in, false));
	}
}

/* The reporting contract: all problems counted, max stored, kernel errno
 * (linux-semantics: validate.order). */
static void test_reporting(void)
{
	const struct cbpf_insn p[] = { S(0x0e, 0), S(0x64, 40), S(0x02, 99), S(0x07, 0) };
	struct cbpf_diag probs[2];
	size_t count = 0;
	enum cbpf_profile prof;

	CHECK_EQ(cbpf_validate(p, 4, LINUX, probs, 2, &count), EINVAL);
	CHECK_EQ(count, 4);
	CHECK_STR(probs[0].rule, CBPF_RULE_OPCODE);
	CHECK_STR(probs[1].rule, CBPF_RULE_SHIFT_RANGE);
	CHECK_EQ(probs[1].insn, 1);
	CHECK_EQ(cbpf_validate(p, 4, LINUX, NULL, 0, NULL), EINVAL);
	CHECK_STR(cbpf_profile_name(LINUX), "linux");
	CHECK_STR(cbpf_profile_name(SECCOMP), "seccomp");
	CHECK_EQ(cbpf_profile_from_name("seccomp", &prof), 0);
	CHECK_EQ(prof, SECCOMP);
	CHECK_EQ(cbpf_profile_from_name("linux", &prof), 0);
	CHECK_EQ(prof, LINUX);
	CHECK_EQ(cbpf_profile_from_name("bsd", &prof), -1);
	CHECK_EQ(cbpf_profile_from_name(NULL, &prof), -1);
}

/* Run `$CBPF_BIN check ARGS < input REDIRECT`; returns the exit status and
 * the first out_len-1 bytes of what reaches the pipe. -1 when the command
 * cannot run. */
static int run_check_to(const char *args, const char *input, char *out, size_t out_len,
			const char *redirect)
{
	const char *bin = getenv("CBPF_BIN");
	char path[] = "/tmp/cbpf-test-check-XXXXXX";
	char cmd[1024];
	FILE *f, *p;
	size_t got;
	int fd, status;

	if (bin == NULL)
		return -1;
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	fputs(input, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "'%s' check %s < %s %s", bin, args, path, redirect);
	p = popen(cmd, "r");
	if (p == NULL) {
		unlink(path);
		return -1;
	}
	got = fread(out, 1, out_len - 1, p);
	out[got] = '\0';
	status = pclose(p);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* stdout and stderr (where problems go) merged. */
static int run_check(const char *args, const char *input, char *out, size_t out_len)
{
	return run_check_to(args, input, out, out_len, "2>&1");
}

/* `cbpf check`: verdict lines, exit status 0 / 1 / 2. */
static void test_check_command(void)
{
	char out[2048];

	if (getenv("CBPF_BIN") == NULL) {
		fprintf(stderr, "CBPF_BIN unset: `cbpf check` not tested\n");
		return;
	}
	CHECK_EQ(run_check("-f json -", "[[32,0,0,0],[22,0,0,0]]", out, sizeof(out)), 0);
	CHECK_STR(out, "ok\n");
	CHECK_EQ(run_check("-f json", "[[14,0,0,0],[100,0,0,40],[96,0,0,3],[7,0,0,0]]", out,
			   sizeof(out)), 1);
	CHECK_STR(out, "<stdin>: insn 0: opcode: opcode 0xe is not accepted by Linux (EINVAL)\n"
		       "<stdin>: insn 1: shift-range: lsh #40 shifts by 32 or more (EINVAL)\n"
		       "<stdin>: insn 3: last-ret: the last instruction (code 0x7) is not ret #k"
		       " or ret a (EINVAL)\n"
		       "<stdin>: insn 2: scratch-uninit: ld M[3] may be read before it is written"
		       " (EINVAL)\n");
	/* problems go to stderr (tools/load.h: the one problem printer) */
	CHECK_EQ(run_check_to("-f json", "[[14,0,0,0]]", out, sizeof(out), "2>/dev/null"), 1);
	CHECK_STR(out, "");
	CHECK_EQ(run_check_to("-f json", "[[14,0,0,0]]", out, sizeof(out), "2>&1 >/dev/null"), 1);
	CHECK_STR(out, "<stdin>: insn 0: opcode: opcode 0xe is not accepted by Linux (EINVAL)\n"
		       "<stdin>: insn 0: last-ret: the last instruction (code 0xe) is not ret #k"
		       " or ret a (EINVAL)\n");
	CHECK_EQ(run_check("-f json --profile seccomp", "[[148,0,0,3],[22,0,0,0]]", out,
			   sizeof(out)), 1);
	CHECK_STR(out, "<stdin>: insn 0: seccomp-opcode: opcode 0x94 (mod) is not allowed by"
		       " seccomp (EINVAL)\n");
	CHECK_EQ(run_check("-f json --profile=linux", "[[148,0,0,3],[22,0,0,0]]", out,
			   sizeof(out)), 0);
	CHECK_EQ(run_check("-f json", "[]", out, sizeof(out)), 1);
	CHECK_STR(out, "<stdin>: length: program has 0 instructions; Linux accepts 1 to 4096"
		       " (EINVAL)\n");
	CHECK_EQ(run_check("-f json --profile seccomp --load", "[[32,0,0,0],[22,0,0,0]]", out,
			   sizeof(out)), 0);
	CHECK_STR(out, "load: 5 eBPF instructions, 136 bytes (bpf_prog_size)\n"
		       "load: jumps fit in s16: yes\n"
		       "load: seccomp filters are not charged to optmem_max\n"
		       "ok\n");
	CHECK_EQ(run_check("-f json --load", "[[32,0,0,0],[22,0,0,0]]", out, sizeof(out)),
		 0);
	{
		static const char want[] = "load: 21 eBPF instructions, 264 bytes (bpf_prog_size)\n"
					   "load: jumps fit in s16: yes\n";
		CHECK(strncmp(out, want, sizeof(want) - 1) == 0);
	}
	CHECK_EQ(run_check("-f json", "[[32,0,0", out, sizeof(out)), 2);   /* unparsable */
	CHECK_STR(out, "<stdin>:1:9: invalid JSON: unexpected end of input, expected ',' or ']'\n");
	CHECK_EQ(run_check("--profile bsd", "", out, sizeof(out)), 2);     /* usage */
	CHECK_EQ(run_check("--help", "", out, sizeof(out)), 0);
	CHECK(strstr(out, "--profile linux") != NULL);
}

int main(void)
{
	test_length();
	test_opcode();
	test_div_zero();
	test_shift_range();
	test_scratch_index();
	test_ja_range();
	test_jump_range();
	test_ancillary();
	test_last_ret();
	test_scratch_uninit();
	test_ebpf_jump_range();
	test_ebpf_max_per_insn();
	test_ebpf_fast_path_edges();
	test_first_pass_quirk();
	test_seccomp();
	test_predict_load();
	test_reporting();
	test_check_command();
	return CHECK_DONE();
}
