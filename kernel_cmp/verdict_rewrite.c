/*
 * verdict_rewrite.c - program shapes and the return-rewriting variants
 * (inline blocks with relocated jumps, or a `ja` to one epilogue).
 */
#include "verdict_rewrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OP_RET_K 0x06   /* ret #k */
#define OP_RET_A 0x16   /* ret a */
#define OP_JA 0x05
#define OP_JEQ_K 0x15
#define OP_JGE_K 0x35
#define OP_ADD_K 0x04
#define OP_AND_K 0x54
#define OP_RSH_K 0x74
#define OP_LD_W_ABS 0x20
#define OP_LD_H_ABS 0x28
#define OP_LD_B_ABS 0x30

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Extensions are LD|ABS of any size with k = SKF_AD_OFF + 4*ext. */
static int ext_of(const struct cbpf_insn *in)
{
	if (in->code != OP_LD_W_ABS && in->code != OP_LD_H_ABS && in->code != OP_LD_B_ABS)
		return -1;
	return cbpf_ext_from_k(in->k);
}

bool kc_prog_reads_cpu(const struct cbpf_insn *insns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ext_of(&insns[i]) == CBPF_EXT_CPU)
			return true;
	return false;
}

static void note_insn(struct kc_shape *s, const struct cbpf_insn *in)
{
	int ext = ext_of(in);

	if (in->code == OP_RET_A)
		s->has_ret_a = true;
	if (in->code == OP_LD_W_ABS && (in->k == 8 || in->k == 12))
		s->reads_ip = true;
	if (ext == CBPF_EXT_RANDOM)
		s->uses_random = true;
	if (ext == CBPF_EXT_CPU)
		s->uses_cpu = true;
	if (ext == CBPF_EXT_IFINDEX || ext == CBPF_EXT_HATYPE)
		s->uses_nodev = true;
}

/* The 8 conditional jumps bpf_check_classic and check_load_and_stores
 * know (any other JMP-class code is rejected as an opcode). */
static bool is_jcond(uint16_t code)
{
	switch (code) {
	case 0x15: case 0x1d: case 0x25: case 0x2d:
	case 0x35: case 0x3d: case 0x45: case 0x4d:
		return true;
	default:
		return false;
	}
}

/* Offset off from instruction i, once every `ret a` is a block of len
 * instructions: the `ret a`s in [i, target) each add len - 1. The caller
 * has checked that the target lies inside the program. */
static uint64_t relocate(const struct kc_shape *s, size_t i, uint64_t off, size_t len)
{
	size_t t = i + 1 + (size_t)off;

	return off + (uint64_t)(len - 1) * (uint64_t)(s->ret_a_before[t] - s->ret_a_before[i]);
}

/* Whether the original's jumps all land inside it and still fit once
 * relocated around KC_BLOCK_MAX-instruction blocks (a shorter block only
 * shortens a relocated offset). */
static bool jumps_relocatable(const struct kc_shape *s, const struct cbpf_insn *insns)
{
	size_t n = s->n;

	for (size_t i = 0; i < n; i++) {
		const struct cbpf_insn *in = &insns[i];
		if (in->code == OP_JA && (uint64_t)in->k >= n - i - 1)
			return false;
		if (!is_jcond(in->code))
			continue;
		if (i + 1 + in->jt >= n || i + 1 + in->jf >= n)
			return false;
		if (relocate(s, i, in->jt, KC_BLOCK_MAX) > 255 ||
		    relocate(s, i, in->jf, KC_BLOCK_MAX) > 255)
			return false;
	}
	return true;
}

int kc_shape_allow_inline(struct kc_shape *s, const struct cbpf_insn *insns)
{
	size_t n = s->n;

	if (!s->has_ret_a || n > KC_INLINE_MAX_N || s->ret_a_before != NULL)
		return 0;
	s->ret_a_before = malloc((n + 1) * sizeof(*s->ret_a_before));
	if (s->ret_a_before == NULL)
		return -1;
	s->ret_a_before[0] = 0;
	for (size_t j = 0; j < n; j++)
		s->ret_a_before[j + 1] =
			(uint16_t)(s->ret_a_before[j] + (insns[j].code == OP_RET_A));
	s->inline_ok = jumps_relocatable(s, insns);
	return 0;
}

int kc_shape_init(struct kc_shape *s, const struct cbpf_insn *insns, size_t n)
{
	size_t m = 0;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->consts = malloc((n ? n : 1) * sizeof(*s->consts));
	if (s->consts == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		note_insn(s, &insns[i]);
		if (insns[i].code == OP_RET_K)
			s->consts[m++] = insns[i].k;
		if (insns[i].code == OP_RET_A)
			s->nret_a++;
	}
	qsort(s->consts, m, sizeof(*s->consts), cmp_u32);
	s->nconsts = 0;
	for (size_t i = 0; i < m; i++)
		if (s->nconsts == 0 || s->consts[s->nconsts - 1] != s->consts[i])
			s->consts[s->nconsts++] = s->consts[i];
	return 0;
}

void kc_shape_free(struct kc_shape *s)
{
	free(s->consts);
	free(s->ret_a_before);
	memset(s, 0, sizeof(*s));
}

size_t kc_shape_const_index(const struct kc_shape *s, uint32_t k)
{
	size_t lo = 0, hi = s->nconsts;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->consts[mid] <= k)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

bool kc_variant_equal(const struct kc_variant *a, const struct kc_variant *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case KC_VAR_ORIG: return true;
	case KC_VAR_IDS: return a->base == b->base && a->span == b->span;
	case KC_VAR_SLICE: return a->shift == b->shift && a->mask == b->mask && a->add == b->add;
	case KC_VAR_VERIFY:
		return a->expect == b->expect && a->match == b->match && a->mismatch == b->mismatch;
	}
	return false;
}

/* The new constant for `ret #k`. */
static uint32_t map_const(const struct kc_variant *v, const struct kc_shape *s, uint32_t k)
{
	switch (v->kind) {
	case KC_VAR_IDS: return v->base + (uint32_t)kc_shape_const_index(s, k);
	case KC_VAR_SLICE: return ((k >> v->shift) & v->mask) + v->add;
	case KC_VAR_VERIFY: return k == v->expect ? v->match : v->mismatch;
	case KC_VAR_ORIG: break;
	}
	return k;
}

/* Append the epilogue that does to A what map_const does to k; returns
 * its length. */
static size_t put_epilogue(const struct kc_variant *v, const struct kc_shape *s,
			   struct cbpf_insn *e)
{
	uint32_t top;

	switch (v->kind) {
	case KC_VAR_IDS:
		top = v->base + (uint32_t)s->nconsts;
		e[0] = cbpf_jump(OP_JGE_K, v->span ? v->span - 1 : 0, 2, 0); /* big A? */
		e[1] = cbpf_stmt(OP_ADD_K, top);                             /* A <- top + A */
		e[2] = cbpf_stmt(OP_RET_A, 0);
		e[3] = cbpf_stmt(OP_RET_K, top + (v->span ? v->span - 1 : 0)); /* "big" */
		return 4;
	case KC_VAR_SLICE:
		e[0] = cbpf_stmt(OP_RSH_K, v->shift); /* A <- A >> s */
		e[1] = cbpf_stmt(OP_AND_K, v->mask);  /* A <- A & mask */
		e[2] = cbpf_stmt(OP_ADD_K, v->add);   /* A <- A + add */
		e[3] = cbpf_stmt(OP_RET_A, 0);
		return 4;
	case KC_VAR_VERIFY:
		e[0] = cbpf_jump(OP_JEQ_K, v->expect, 0, 1);
		e[1] = cbpf_stmt(OP_RET_K, v->match);
		e[2] = cbpf_stmt(OP_RET_K, v->mismatch);
		return 3;
	case KC_VAR_ORIG: break;
	}
	return 0;
}

size_t kc_variant_room(const struct kc_shape *s)
{
	size_t inl = s->n + (KC_BLOCK_MAX - 1) * s->nret_a, epi = s->n + KC_EPILOGUE_MAX;

	return inl > epi ? inl : epi;
}

bool kc_variant_inline(const struct kc_variant *v, const struct kc_shape *s)
{
	return v->kind != KC_VAR_ORIG && s->has_ret_a && s->inline_ok;
}

/* The block each `ret a` becomes: the epilogue, whose length depends only
 * on the kind. */
static size_t block_len(const struct kc_variant *v)
{
	return v->kind == KC_VAR_VERIFY ? 3 : 4;
}

/*
 * The inline rewrite: each `ret a` becomes, in place, the block
 * put_epilogue writes; `ret #k` gets its new constant; every ja k and
 * jcond jt/jf is relocated so it lands on the same original instruction
 * (now at pos(j) = j + (L - 1) * (`ret a`s before j)); everything else,
 * junk fields included, is copied. Why it loads exactly when the original
 * does, rule by rule of the classic validator, given inline_ok:
 *
 *  - per-instruction checks (linux-semantics: validate.opcode,
 *    validate.div-zero, validate.shift-range, validate.scratch-index,
 *    validate.ancillary): copied instructions are unchanged; block
 *    instructions are valid (jeq/jge #k, add/and #k, rsh #s < 32, ret) and
 *    never M[k]: no new invalid code or field, and an invalid one of the
 *    original is still there.
 *  - jump targets (linux-semantics: validate.ja-range, validate.jump-range):
 *    every original jump lands inside the original (inline_ok), so its
 *    relocated target is inside the rewrite; relocated jt/jf fit 8 bits
 *    (inline_ok). Block jumps stay inside their block.
 *  - length (linux-semantics: validate.length): n <= KC_INLINE_MAX_N, so
 *    n + 3 * (`ret a`s) <= 4000.
 *  - the last instruction (linux-semantics: validate.last-ret) is copied,
 *    or it is `ret a` and its block ends in a ret.
 *  - check_load_and_stores (linux-semantics: validate.scratch-uninit). Let
 *    E[j] be the memvalid the original checks at j (after
 *    `memvalid &= masks[j]`) and F[j] what j passes to j + 1
 *    (E[j] | stored bit; 0xffff after a jump; E[j] after a ret).
 *    For `ret a` at i, F[i] = E[i]. Claim: the rewrite sees E[j] at pos(j)
 *    and passes F[j] on to pos(j + 1). By induction on j: the jumps into
 *    pos(j) are exactly the relocated jumps into j (a block's own jumps
 *    stay in the block), each carrying E[src], so masks'[pos(j)] =
 *    masks[j]; the fall-through into pos(j) is F[j - 1]; so E'[pos(j)] =
 *    E[j], and a copied instruction then passes F[j] on. A block entered
 *    with E = E[i]:
 *      verify  jeq #h,0,1 -> masks of both rets &= E, memvalid = 0xffff;
 *              ret #match: 0xffff & E = E, passed on; ret #mismatch:
 *              E & masks = E & E = E, passed on.
 *      ids     jge #(w-1),2,0 -> masks of `add` and the last `ret #` &=
 *              E; add: E; ret a: E; ret #: E & E = E, passed on.
 *      slice   rsh, and, add, ret a: no jump, E passed along.
 *    So each block passes E[i] = F[i] on, no block instruction is
 *    checked, and every load of M sees the same cells as in the original.
 *  - the eBPF jump range (linux-semantics: validate.ebpf-jump-range,
 *    validate.ebpf-first-pass): at most 21 eBPF instructions per original
 *    one (a block at most 7) and n <= 1000: no eBPF jump reaches the s16
 *    limit in either converter pass, so this rule accepts both.
 *  - option memory (linux-semantics: attach.optmem-charge, ENOMEM) is the
 *    exception: the rewrite is longer, so it may not fit where the
 *    original does (never the reverse). A caller must ask about the
 *    original when a rewrite does not load.
 */
static size_t build_inline(const struct kc_variant *v, const struct kc_shape *s,
			   const struct cbpf_insn *insns, struct cbpf_insn *out)
{
	size_t L = block_len(v), o = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct cbpf_insn *in = &insns[i];

		if (in->code == OP_RET_A) {
			o += put_epilogue(v, s, out + o);
			continue;
		}
		out[o] = *in;
		if (in->code == OP_RET_K)
			out[o].k = map_const(v, s, in->k);
		else if (in->code == OP_JA)
			out[o].k = (uint32_t)relocate(s, i, in->k, L);
		else if (is_jcond(in->code)) {
			out[o].jt = (uint8_t)relocate(s, i, in->jt, L);
			out[o].jf = (uint8_t)relocate(s, i, in->jf, L);
		}
		o++;
	}
	return o;
}

size_t kc_variant_build(const struct kc_variant *v, const struct kc_shape *s,
			const struct cbpf_insn *insns, struct cbpf_insn *out)
{
	size_t n = s->n, epi;
	bool redirect = v->kind != KC_VAR_ORIG && s->has_ret_a;

	if (kc_variant_inline(v, s))
		return build_inline(v, s, insns, out);
	if (redirect && n + KC_EPILOGUE_MAX > CBPF_MAXINSNS)
		return 0;
	for (size_t i = 0; i < n; i++) {
		out[i] = insns[i];
		if (v->kind == KC_VAR_ORIG)
			continue;
		if (insns[i].code == OP_RET_K)
			out[i].k = map_const(v, s, insns[i].k);
		else if (insns[i].code == OP_RET_A)
			out[i] = cbpf_stmt(OP_JA, (uint32_t)(n - i - 1)); /* to the epilogue */
	}
	if (!redirect)
		return n;
	epi = put_epilogue(v, s, out + n);
	return n + epi;
}

void kc_variant_describe(const struct kc_variant *v, char *out, size_t outlen)
{
	switch (v->kind) {
	case KC_VAR_ORIG: snprintf(out, outlen, "original"); break;
	case KC_VAR_IDS: snprintf(out, outlen, "ids(base %u, span %u)", v->base, v->span); break;
	case KC_VAR_SLICE:
		snprintf(out, outlen, "slice(>>%u &%#x +%#x)", v->shift, v->mask, v->add);
		break;
	case KC_VAR_VERIFY:
		snprintf(out, outlen, "verify(%#x: %u/%u)", v->expect, v->match, v->mismatch);
		break;
	}
}
