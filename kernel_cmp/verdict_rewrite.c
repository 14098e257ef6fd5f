/*
 * verdict_rewrite.c - program shapes and the return-rewriting variants.
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

size_t kc_variant_build(const struct kc_variant *v, const struct kc_shape *s,
			const struct cbpf_insn *insns, struct cbpf_insn *out)
{
	size_t n = s->n, epi;
	bool redirect = v->kind != KC_VAR_ORIG && s->has_ret_a;

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
