/*
 * validate/ebpf_expand.c - the model of Linux's bpf_convert_filter() (net/core/
 * filter.c) on x86-64 (unaligned loads OK, little-endian bitfields), as
 * measured on 6.18: the eBPF length of every classic instruction, the
 * expanded jump offsets and the s16 limit on them, and the load
 * prediction built on them (cbpf_predict_load). The counts are the
 * expand.* entries of docs/linux-semantics.md (linux-semantics:
 * validate.ebpf-jump-range).
 *
 * Jumps. After a length-only call, the converter makes two passes over
 * the program, keeping addrs[i] (the eBPF index where classic instruction
 * i starts, zeroed at first) from one pass to the next. An emitted jump gets off = addrs[target] - addrs[i] - 1, minus its
 * position inside the instruction's own expansion, and is refused unless
 * S16_MIN <= off <= S16_MAX. In the first pass addrs[] is still zero for
 * every forward target, so there off = -(position + 1): a jump emitted at
 * eBPF index 32768 or later is refused however short it is
 * (linux-semantics: validate.ebpf-first-pass).
 */
#include "ebpf_expand.h"

#include <stdint.h>
#include <stdlib.h>

#include "cbpf/opcode.h"
#include "cbpf/validate.h"

enum { S16_MIN = -32768, S16_MAX = 32767 };

/*
 * offsetof(struct bpf_prog, insns) on 6.18 x86-64: bpf_prog_size(n) is
 * this plus 8 bytes per eBPF instruction. Measured live: in a private
 * network namespace, the smallest optmem_max that accepts a program is
 * exactly 97 + 8 * n on a fresh AF_UNIX socket (__sk_filter_charge wants
 * size < optmem_max), for every instruction kind; the 96 may include the
 * socket's sk_omem_alloc, which is what an attach is charged against
 * anyway (tests/test_validate_kernel.c re-checks it).
 * linux-semantics: attach.prog-size
 */
#define BPF_PROG_HEADER_BYTES 96

/* Ancillary loads (convert_bpf_extensions): eBPF instructions each
 * (linux-semantics: expand.extensions). */
static const uint8_t ext_count[CBPF_EXT_COUNT] = {
	[CBPF_EXT_PROTOCOL] = 2,          /* A <- ntohs(skb->protocol) */
	[CBPF_EXT_PKTTYPE] = 2,           /* A <- skb->pkt_type & 7 */
	[CBPF_EXT_IFINDEX] = 4,           /* tmp <- dev; if !tmp exit; A <- dev->ifindex */
	[CBPF_EXT_NLATTR] = 4,            /* 3 arg moves, call */
	[CBPF_EXT_NLATTR_NEST] = 4,       /* 3 arg moves, call */
	[CBPF_EXT_MARK] = 1,              /* A <- skb->mark */
	[CBPF_EXT_QUEUE] = 1,             /* A <- skb->queue_mapping */
	[CBPF_EXT_HATYPE] = 4,            /* tmp <- dev; if !tmp exit; A <- dev->type */
	[CBPF_EXT_RXHASH] = 1,            /* A <- skb->hash */
	[CBPF_EXT_CPU] = 4,               /* 3 arg moves, call */
	[CBPF_EXT_ALU_XOR_X] = 1,         /* A ^= X */
	[CBPF_EXT_VLAN_TAG] = 1,          /* A <- skb->vlan_tci */
	[CBPF_EXT_VLAN_TAG_PRESENT] = 3,  /* A <- vlan_all; if A == 0 skip; A <- 1 (>= 6.2) */
	[CBPF_EXT_PAY_OFFSET] = 4,        /* 3 arg moves, call */
	[CBPF_EXT_RANDOM] = 4,            /* 3 arg moves, call */
	[CBPF_EXT_VLAN_TPID] = 2,         /* A <- ntohs(skb->vlan_proto) */
};

/*
 * convert_bpf_ld_abs(): A <- P[k:size] through the helper, with an inline
 * fast path for non-negative constant offsets:
 *   tmp = headlen; [tmp -= k]; if tmp s< size goto slow;
 *   A = *(size *)(data + k)   (3 insns when k > S16_MAX: data + k in tmp);
 *   [A = be(A) for H/W]; goto out;
 * slow: arg1..3 = ctx, data, headlen; arg4 = k (IND: arg4 = X; [+= k]);
 *   call; if A s>= 0 goto out; A = 0; exit.
 * linux-semantics: expand.ld-abs, load.failure-returns-0
 */
static unsigned ld_abs_count(uint16_t code, uint32_t k, bool indirect)
{
	unsigned n = 3 + 1 + 1 + 3;

	if (indirect)
		return n + (k != 0);
	if (k <= (uint32_t)INT32_MAX) {
		n += 1 + (k != 0) + 1;
		n += k <= (uint32_t)S16_MAX ? 1 : 3;
		n += CBPF_SIZE(code) != CBPF_B;
		n += 1;
	}
	return n;
}

/* Conditional jump: [tmp = k when (s32)k < 0, compared as a register];
 * then one jump when jf == 0, or when jt == 0 and the condition can be
 * inverted (jeq/jgt/jge to jne/jle/jlt); else a jump and a ja.
 * linux-semantics: expand.jcond */
static bool jcond_neg_k(const struct cbpf_insn *in)
{
	return CBPF_SRC(in->code) == CBPF_K && in->k > (uint32_t)INT32_MAX;
}

static bool jcond_single(const struct cbpf_insn *in)
{
	return in->jf == 0 || (in->jt == 0 && CBPF_OP(in->code) != CBPF_JSET);
}

static unsigned alu_count(const struct cbpf_opinfo *op)
{
	/* div/mod x: w7 = w7; if X != 0 goto +2; A ^= A; exit; A op= X
	 * (linux-semantics: expand.one-insn, alu.div-x-zero) */
	if (op->src == CBPF_SRC_X && (op->alu == CBPF_ALU_DIV || op->alu == CBPF_ALU_MOD))
		return 5;
	return 1;
}

unsigned cbpf_ebpf_insn_count(const struct cbpf_insn *in, bool seccomp)
{
	const struct cbpf_opinfo *op = cbpf_opinfo(in->code);
	int ext;

	if (op == NULL)
		return 0;
	switch (op->kind) {
	case CBPF_KIND_ALU:
		return alu_count(op);
	case CBPF_KIND_JCOND:
		return (jcond_neg_k(in) ? 1 : 0) + (jcond_single(in) ? 1 : 2);
	case CBPF_KIND_RET:
		return op->src == CBPF_SRC_K ? 2 : 1; /* [A = k]; exit */
	case CBPF_KIND_LD_ABS:
		if (seccomp)
			return 1; /* A <- seccomp_data[k] (linux-semantics: expand.seccomp) */
		ext = cbpf_ext_from_k(in->k);
		if (ext >= 0)
			return ext_count[ext];
		return ld_abs_count(in->code, in->k, false);
	case CBPF_KIND_LD_IND:
		return ld_abs_count(in->code, in->k, true);
	case CBPF_KIND_LD_MSH:
		/* tmp = A; A <- P[k:1]; then 5 more: A &= 0xf; A <<= 2; and
		 * three moves putting the result in X and A back (the byte load
		 * is never an extension; linux-semantics: expand.ldxb). */
		return 1 + ld_abs_count(CBPF_LD | CBPF_B | CBPF_ABS, in->k, false) + 5;
	default:
		return 1;
	}
}

bool cbpf_ebpf_loads_packet(const struct cbpf_insn *in, bool seccomp)
{
	const struct cbpf_opinfo *op = cbpf_opinfo(in->code);

	if (op == NULL || seccomp)
		return false;
	if (op->kind == CBPF_KIND_LD_IND || op->kind == CBPF_KIND_LD_MSH)
		return true;
	return op->kind == CBPF_KIND_LD_ABS && cbpf_ext_from_k(in->k) < 0;
}

static size_t prologue_count(const struct cbpf_insn *insns, size_t n, bool seccomp)
{
	for (size_t i = 0; i < n; i++)
		if (cbpf_ebpf_loads_packet(&insns[i], seccomp))
			return CBPF_EBPF_PROLOGUE + CBPF_EBPF_PROLOGUE_SKB;
	return CBPF_EBPF_PROLOGUE;
}

size_t cbpf_ebpf_prog_count(const struct cbpf_insn *insns, size_t n, bool seccomp)
{
	size_t total = prologue_count(insns, n, seccomp);

	for (size_t i = 0; i < n; i++)
		total += cbpf_ebpf_insn_count(&insns[i], seccomp);
	return total;
}

/* One jump emitted for a classic jump: its position inside the
 * instruction's expansion and its classic target. */
struct emitted_jump {
	unsigned pos;
	size_t target;
};

static unsigned emitted_jumps(const struct cbpf_insn *in, size_t i, struct emitted_jump out[2])
{
	const struct cbpf_opinfo *op = cbpf_opinfo(in->code);
	unsigned base;

	if (op == NULL)
		return 0;
	if (op->kind == CBPF_KIND_JA) {
		out[0] = (struct emitted_jump){ 0, i + 1 + (size_t)in->k };
		return 1;
	}
	if (op->kind != CBPF_KIND_JCOND)
		return 0;
	base = jcond_neg_k(in) ? 1 : 0;
	if (in->jf == 0) {
		out[0] = (struct emitted_jump){ base, i + 1 + in->jt };
		return 1;
	}
	if (jcond_single(in)) {
		out[0] = (struct emitted_jump){ base, i + 1 + in->jf };
		return 1;
	}
	out[0] = (struct emitted_jump){ base, i + 1 + in->jt };
	out[1] = (struct emitted_jump){ base + 1, i + 1 + in->jf };
	return 2;
}

/* The refusals found so far: all are counted, the first max stored. */
struct refusals {
	struct cbpf_ebpf_jump *out;
	size_t max;
	long count;
};

static void refuse(struct refusals *r, size_t i, long pos, long off, bool first_pass,
		   bool target_out)
{
	if ((size_t)r->count < r->max && r->out != NULL)
		r->out[r->count] = (struct cbpf_ebpf_jump){ (long)i, pos, off, first_pass,
							    target_out };
	r->count++;
}

/* The eBPF offset of one emitted jump in a pass: the length-only call
 * (pass 0) has no addresses; the first real pass (1) sees addrs[target]
 * still 0 for every forward target; the second (2) the final ones. */
static long jump_off(const size_t *addrs, const struct emitted_jump *j, long pos, int pass)
{
	return (pass == 1 ? 0 : (long)addrs[j->target]) - pos - 1;
}

static bool off_fits(long off)
{
	return off >= S16_MIN && off <= S16_MAX;
}

/* Whether pass 1 refuses one of instruction i's jumps. */
static bool first_pass_refuses(const size_t *addrs, const struct emitted_jump *j, unsigned nj,
			       size_t i)
{
	for (unsigned e = 0; e < nj; e++)
		if (!off_fits(jump_off(addrs, &j[e], (long)(addrs[i] + j[e].pos), 1)))
			return true;
	return false;
}

/* One pass: each refused instruction once, at its first refused jump.
 * The kernel stops at the first; we go on, and pass 2 leaves out what
 * pass 1 already refused. */
static void scan_jumps(const struct cbpf_insn *insns, size_t n, const size_t *addrs, int pass,
		       struct refusals *r)
{
	for (size_t i = 0; i < n; i++) {
		struct emitted_jump j[2];
		unsigned nj = emitted_jumps(&insns[i], i, j);

		if (pass == 2 && first_pass_refuses(addrs, j, nj, i))
			continue;
		for (unsigned e = 0; e < nj; e++) {
			long pos = (long)(addrs[i] + j[e].pos);
			long off;

			if (pass == 0) {
				if (j[e].target >= n) {
					refuse(r, i, pos, 0, false, true);
					break;
				}
				continue;
			}
			off = jump_off(addrs, &j[e], pos, pass);
			if (!off_fits(off)) {
				refuse(r, i, pos, off, pass == 1, false);
				break;
			}
		}
	}
}

/* Whether every jump target lies inside the program (pass 0 refuses
 * nothing), without the addresses pass 0 would report. */
static bool targets_inside(const struct cbpf_insn *insns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct emitted_jump j[2];
		unsigned nj = emitted_jumps(&insns[i], i, j);

		for (unsigned e = 0; e < nj; e++)
			if (j[e].target >= n)
				return false;
	}
	return true;
}

bool cbpf_ebpf_expansion_short(const struct cbpf_insn *insns, size_t n, bool seccomp)
{
	if (n <= (CBPF_EBPF_JUMPS_ALWAYS_FIT - CBPF_EBPF_PROLOGUE - CBPF_EBPF_PROLOGUE_SKB) /
			 CBPF_EBPF_MAX_PER_INSN)
		return true;
	return cbpf_ebpf_prog_count(insns, n, seccomp) <= CBPF_EBPF_JUMPS_ALWAYS_FIT;
}

long cbpf_ebpf_bad_jumps(const struct cbpf_insn *insns, size_t n, bool seccomp,
			 struct cbpf_ebpf_jump *out, size_t max)
{
	struct refusals r = { out, max, 0 };
	size_t *addrs;
	size_t at;

	if (n == 0)
		return 0;
	/* The common case, without the address table. */
	if (targets_inside(insns, n) && cbpf_ebpf_expansion_short(insns, n, seccomp))
		return 0;
	addrs = malloc(n * sizeof(*addrs));
	if (addrs == NULL)
		return -1;
	at = prologue_count(insns, n, seccomp);
	for (size_t i = 0; i < n; i++) {
		addrs[i] = at;
		at += cbpf_ebpf_insn_count(&insns[i], seccomp);
	}
	/* A target outside the program stops the converter before any
	 * offset is computed (only possible when the jump-range checks failed). */
	scan_jumps(insns, n, addrs, 0, &r);
	if (r.count == 0) {
		scan_jumps(insns, n, addrs, 1, &r);
		scan_jumps(insns, n, addrs, 2, &r);
	}
	free(addrs);
	return r.count;
}

bool cbpf_ebpf_find_bad_jump(const struct cbpf_insn *insns, size_t n, bool seccomp,
			     struct cbpf_ebpf_jump *bad)
{
	long found = cbpf_ebpf_bad_jumps(insns, n, seccomp, bad, 1);

	if (found < 0 && bad != NULL) /* out of memory: no answer */
		*bad = (struct cbpf_ebpf_jump){ -1, -1, 0, false, false };
	return found != 0;
}

void cbpf_predict_load(const struct cbpf_insn *insns, size_t n, enum cbpf_profile profile,
			       struct cbpf_load_prediction *out)
{
	bool seccomp = profile == CBPF_PROFILE_SECCOMP;
	struct cbpf_ebpf_jump bad;

	out->ebpf_insns = insns == NULL ? 0 : cbpf_ebpf_prog_count(insns, n, seccomp);
	out->prog_bytes = BPF_PROG_HEADER_BYTES + 8 * out->ebpf_insns;
	out->jumps_fit = true;
	out->bad_jump_insn = -1;
	if (insns != NULL && cbpf_ebpf_find_bad_jump(insns, n, seccomp, &bad)) {
		out->jumps_fit = false;
		out->bad_jump_insn = bad.insn;
	}
}
