/*
 * validate/validate.c - the validator: the rules of Linux's bpf_check_classic(),
 * check_load_and_stores() and seccomp_check_filter(), in the kernel's
 * order, each problem named by instruction index, rule and errno.
 *
 * The kernel stops at the first problem; we keep going (up to the caller's
 * max) but return the errno the kernel would give for the first one
 * (linux-semantics: validate.order). The eBPF jump-range rule lives in
 * ebpf_expand.c and runs only on programs that pass every classic rule, as
 * in bpf_migrate_filter().
 */
#include "cbpf/validate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/opcode.h"
#include "ebpf_expand.h"
#include "insn/diag.h"

/* seccomp_check_filter: ld [k] must lie in struct seccomp_data (64 bytes). */
enum { SECCOMP_DATA_SIZE = 64 };

struct report {
	struct cbpf_diag *probs;
	size_t max;
	size_t count;
	int first_errnum;
	bool reads_mem;  /* some ld/ldx M[k]: the scratch check has work */
};

static void report(struct report *r, long insn, const char *rule, int errnum, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));

static void report(struct report *r, long insn, const char *rule, int errnum, const char *fmt,
		   ...)
{
	va_list ap;

	if (r->count == 0)
		r->first_errnum = errnum;
	if (r->count < r->max && r->probs != NULL) {
		struct cbpf_diag *p = &r->probs[r->count];
		va_start(ap, fmt);
		diag_vfail(p, errnum == ENOMEM ? CBPF_ERR_NOMEM : CBPF_ERR_REJECTED, fmt, ap);
		va_end(ap);
		p->insn = insn;
		p->rule = rule;
		p->errnum = errnum;
	}
	r->count++;
}

const char *cbpf_profile_name(enum cbpf_profile p)
{
	switch (p) {
	case CBPF_PROFILE_LINUX:
		return "linux";
	case CBPF_PROFILE_SECCOMP:
		return "seccomp";
	}
	return "?";
}

int cbpf_profile_from_name(const char *name, enum cbpf_profile *out)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "linux") == 0)
		*out = CBPF_PROFILE_LINUX;
	else if (strcmp(name, "seccomp") == 0)
		*out = CBPF_PROFILE_SECCOMP;
	else
		return -1;
	return 0;
}

/* Constant divisors and shift counts (linux-semantics: validate.div-zero,
 * validate.shift-range). */
static void check_alu(const struct cbpf_opinfo *op, const struct cbpf_insn *in, long pc,
		      struct report *r)
{
	if (op->src != CBPF_SRC_K)
		return;
	/* A division by a constant zero is refused outright; div/mod by X is
	 * guarded at run time instead (the program returns 0). */
	if ((op->alu == CBPF_ALU_DIV || op->alu == CBPF_ALU_MOD) && in->k == 0)
		report(r, pc, CBPF_RULE_DIV_ZERO, EINVAL, "%s #0 divides by zero",
		       op->asm_name);
	/* Shifts by a constant of 32 or more are undefined in C and eBPF. */
	if ((op->alu == CBPF_ALU_LSH || op->alu == CBPF_ALU_RSH) && in->k >= 32)
		report(r, pc, CBPF_RULE_SHIFT_RANGE, EINVAL,
		       "%s #%" PRIu32 " shifts by 32 or more", op->asm_name, in->k);
}

/* Every jump target lies inside the program (no backward jumps exist:
 * offsets are unsigned, so every path reaches a ret).
 * linux-semantics: validate.ja-range, validate.jump-range */
static void check_jump(const struct cbpf_opinfo *op, const struct cbpf_insn *in, long pc,
		       size_t n, struct report *r)
{
	size_t rest = n - (size_t)pc - 1; /* instructions after pc */

	if (op->kind == CBPF_KIND_JA) {
		/* bpf_check_classic: k >= flen - pc - 1 (unsigned) */
		if (in->k >= rest)
			report(r, pc, CBPF_RULE_JA_RANGE, EINVAL,
			       "ja +%" PRIu32 " jumps past the last instruction (%zu follow)",
			       in->k, rest);
		return;
	}
	if (in->jt >= rest || in->jf >= rest)
		report(r, pc, CBPF_RULE_JUMP_RANGE, EINVAL,
		       "%s jt %u jf %u: %s jumps past the last instruction (%zu follow)",
		       op->asm_name, in->jt, in->jf, in->jt >= rest ? "jt" : "jf", rest);
}

/* LD|ABS with k in [SKF_AD_OFF, 2^32) must name one of the 16 extensions
 * (bpf_anc_helper). IND and MSH loads are never extensions.
 * linux-semantics: validate.ancillary, ext.abs-only */
static void check_ld_abs(const struct cbpf_insn *in, long pc, struct report *r)
{
	if (in->k >= (uint32_t)CBPF_SKF_AD_OFF && cbpf_ext_from_k(in->k) < 0)
		report(r, pc, CBPF_RULE_ANCILLARY, EINVAL,
		       "[%#" PRIx32 "] is in the ancillary range but names no extension (SKF_AD_OFF%+d)",
		       in->k, (int)(in->k - (uint32_t)CBPF_SKF_AD_OFF));
}

/* The per-instruction pass of bpf_check_classic: the opcode first, then
 * the instruction's own operand rule (linux-semantics: validate.opcode). */
static void check_insn(const struct cbpf_insn *in, long pc, size_t n, struct report *r)
{
	const struct cbpf_opinfo *op = cbpf_opinfo(in->code);

	/* chk_code_allowed: only the 49 exact u16 codes. */
	if (op == NULL) {
		report(r, pc, CBPF_RULE_OPCODE, EINVAL, "opcode %#x is not accepted by Linux",
		       in->code);
		return;
	}
	switch (op->kind) {
	case CBPF_KIND_ALU:
		check_alu(op, in, pc, r);
		break;
	case CBPF_KIND_LD_MEM:
		r->reads_mem = true;
		/* fall through */
	case CBPF_KIND_ST:
		/* Scratch memory has BPF_MEMWORDS cells
		 * (linux-semantics: validate.scratch-index). */
		if (in->k >= CBPF_MEMWORDS)
			report(r, pc, CBPF_RULE_SCRATCH_INDEX, EINVAL,
			       "%s M[%" PRIu32 "]: scratch index must be below 16", op->asm_name,
			       in->k);
		break;
	case CBPF_KIND_JA:
	case CBPF_KIND_JCOND:
		check_jump(op, in, pc, n, r);
		break;
	case CBPF_KIND_LD_ABS:
		check_ld_abs(in, pc, r);
		break;
	default:
		break;
	}
}

/* The last instruction is ret #k or ret a (linux-semantics: validate.last-ret). */
static void check_last_ret(const struct cbpf_insn *insns, size_t n, struct report *r)
{
	const struct cbpf_opinfo *op = cbpf_opinfo(insns[n - 1].code);

	if (op == NULL || op->kind != CBPF_KIND_RET)
		report(r, (long)n - 1, CBPF_RULE_LAST_RET, EINVAL,
		       "the last instruction (code %#x) is not ret #k or ret a", insns[n - 1].code);
}

/* Intersect the cells known written at a jump target (out-of-range targets
 * were reported by the jump-range checks and are skipped here). */
static void carry_mask(uint16_t *masks, size_t n, size_t target, uint16_t memvalid)
{
	if (target < n)
		masks[target] &= memvalid;
}

/*
 * check_load_and_stores(), algorithm for algorithm (linux-semantics:
 * validate.scratch-uninit). One forward
 * pass; masks[pc] is the intersection of the cells written on every jump
 * into pc; fall-through carries memvalid; after a jump memvalid is "all"
 * (so code reached only by fall-through from a jump, i.e. dead code, is
 * never refused). Security: M[] is not cleared at run time, so a read of
 * a cell that may be unwritten would leak kernel stack.
 */
static void check_scratch_init(const struct cbpf_insn *insns, size_t n, struct report *r)
{
	uint16_t masks[CBPF_MAXINSNS]; /* n <= CBPF_MAXINSNS (checked first) */
	uint16_t memvalid = 0;

	memset(masks, 0xff, n * sizeof(masks[0]));
	for (size_t pc = 0; pc < n; pc++) {
		const struct cbpf_insn *in = &insns[pc];
		const struct cbpf_opinfo *op = cbpf_opinfo(in->code);

		memvalid &= masks[pc];
		if (op == NULL)
			continue;
		switch (op->kind) {
		case CBPF_KIND_ST:
			if (in->k < CBPF_MEMWORDS)
				memvalid |= (uint16_t)(1u << in->k);
			break;
		case CBPF_KIND_LD_MEM:
			if (in->k < CBPF_MEMWORDS && !(memvalid & (1u << in->k)))
				report(r, (long)pc, CBPF_RULE_SCRATCH_UNINIT, EINVAL,
				       "%s M[%" PRIu32 "] may be read before it is written",
				       op->asm_name, in->k);
			break;
		case CBPF_KIND_JA:
			carry_mask(masks, n, pc + 1 + (size_t)in->k, memvalid);
			memvalid = 0xffff;
			break;
		case CBPF_KIND_JCOND:
			carry_mask(masks, n, pc + 1 + in->jt, memvalid);
			carry_mask(masks, n, pc + 1 + in->jf, memvalid);
			memvalid = 0xffff;
			break;
		default:
			break;
		}
	}
}

/* What seccomp_check_filter() has no case for, in words. */
static const char *seccomp_refusal(const struct cbpf_opinfo *op)
{
	switch (op->kind) {
	case CBPF_KIND_LD_ABS:
		return op->size == CBPF_SIZE_H ? "ldh [k]: seccomp loads are 32-bit"
					       : "ldb [k]: seccomp loads are 32-bit";
	case CBPF_KIND_LD_IND:
		return "ld/ldh/ldb [x+k]";
	case CBPF_KIND_LD_MSH:
		return "ldxb 4*([k]&0xf)";
	default:
		return op->asm_name;
	}
}

/* seccomp_check_filter(): the seccomp whitelist, run after the classic
 * checks. Loads read struct seccomp_data (64 bytes, host order, W only).
 * linux-semantics: seccomp.classic-first, seccomp.opcode, seccomp.load */
static void check_seccomp(const struct cbpf_insn *insns, size_t n, struct report *r)
{
	for (size_t pc = 0; pc < n; pc++) {
		const struct cbpf_insn *in = &insns[pc];
		const struct cbpf_opinfo *op = cbpf_opinfo(in->code);

		if (op == NULL)
			continue; /* already refused by chk_code_allowed */
		if (!op->seccomp) {
			report(r, (long)pc, CBPF_RULE_SECCOMP_OPCODE, EINVAL,
			       "opcode %#x (%s) is not allowed by seccomp", in->code,
			       seccomp_refusal(op));
			continue;
		}
		if (op->kind == CBPF_KIND_LD_ABS &&
		    (in->k >= SECCOMP_DATA_SIZE || (in->k & 3) != 0))
			report(r, (long)pc, CBPF_RULE_SECCOMP_LOAD, EINVAL,
			       "ld [%" PRIu32 "]: seccomp loads must be 4-byte aligned and below 64",
			       in->k);
	}
}

/* The eBPF jump range, on a program that passed every classic rule
 * (linux-semantics: validate.ebpf-jump-range, validate.ebpf-first-pass). */
static void report_bad_jump(const struct cbpf_ebpf_jump *bad, struct report *r)
{
	if (bad->first_pass)
		report(r, bad->insn, CBPF_RULE_EBPF_JUMP_RANGE, EINVAL,
		       "its eBPF jump lands at index %ld; the converter's first pass "
		       "refuses jumps at index 32768 or later", bad->ebpf_pos);
	else
		report(r, bad->insn, CBPF_RULE_EBPF_JUMP_RANGE, EINVAL,
		       "after expansion to eBPF the jump offset %ld does not fit in s16",
		       bad->off);
}

static void check_ebpf_jumps(const struct cbpf_insn *insns, size_t n, enum cbpf_profile profile,
			     struct report *r)
{
	bool seccomp = profile == CBPF_PROFILE_SECCOMP;
	struct cbpf_ebpf_jump *bad;
	long count;

	/* The jump-range checks passed: every target is inside the program, so a
	 * short expansion settles it without looking at the jumps. */
	if (cbpf_ebpf_expansion_short(insns, n, seccomp))
		return;
	count = cbpf_ebpf_bad_jumps(insns, n, seccomp, NULL, 0);
	if (count == 0)
		return;
	bad = count > 0 ? calloc((size_t)count, sizeof(*bad)) : NULL;
	if (bad == NULL) {
		report(r, -1, CBPF_RULE_NOMEM, ENOMEM, "out of memory");
		return;
	}
	count = cbpf_ebpf_bad_jumps(insns, n, seccomp, bad, (size_t)count);
	if (count <= 0)
		report(r, -1, CBPF_RULE_NOMEM, ENOMEM, "out of memory");
	for (long i = 0; i < count; i++)
		report_bad_jump(&bad[i], r);
	free(bad);
}

int cbpf_validate(const struct cbpf_insn *insns, size_t n, enum cbpf_profile profile,
		  struct cbpf_diag *probs, size_t max, size_t *count)
{
	struct report r = { probs, max, 0, 0, false };

	/* bpf_check_basics_ok (and seccomp_prepare_filter): 1..4096
	 * instructions; the kernel looks at none of them otherwise
	 * (linux-semantics: validate.length). */
	if (insns == NULL && n > 0)
		report(&r, -1, CBPF_RULE_LENGTH, EINVAL, "no instructions (NULL program)");
	else if (n == 0 || n > CBPF_MAXINSNS)
		report(&r, -1, CBPF_RULE_LENGTH, EINVAL,
		       "program has %zu instructions; Linux accepts 1 to 4096", n);
	if (r.count == 0) {
		for (size_t pc = 0; pc < n; pc++)
			check_insn(&insns[pc], (long)pc, n, &r);
		check_last_ret(insns, n, &r);
		/* The scratch check refuses only reads: without one it has
		 * nothing to say. */
		if (r.reads_mem)
			check_scratch_init(insns, n, &r);
		if (profile == CBPF_PROFILE_SECCOMP)
			check_seccomp(insns, n, &r);
		if (r.count == 0)
			check_ebpf_jumps(insns, n, profile, &r);
	}
	if (count != NULL)
		*count = r.count;
	return r.count ? r.first_errnum : 0;
}
