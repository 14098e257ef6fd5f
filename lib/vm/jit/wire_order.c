/*
 * vm/jit/wire_order.c - which 16- and 32-bit packet loads the native code
 * may leave in wire (big-endian) byte order (wire_order.h): those whose
 * value is only ever compared for equality or tested against a constant
 * (jeq #k, jset #k), which then compare against the byte-swapped constant.
 * Swapping is a bijection that commutes with bitwise and, so
 *   bswap(v) == k  <=>  v == bswap(k)
 *   bswap(v) & k   <=>  v & bswap(k)      (for 16 bits, k & 0xffff swapped;
 *                                          jeq with k > 0xffff never holds
 *                                          either way, k is kept)
 * and the run's results are unchanged. The load is the first of a chain: the
 * jeq/jset #k right after it, then the jeq/jset #k its edges reach while A
 * is unchanged (the ethertype and port alternatives of compiled filters).
 * Every other edge leaving the chain must reach code where A is dead
 * (written before read), and every edge into a chain member must come from
 * the load or the chain, so no other value of A reaches those compares.
 * Jumps go forward only: one backward pass computes where A is live.
 */
#include "wire_order.h"

#include <stdbool.h>
#include <stdlib.h>

#include "cbpf/insn.h"
#include "cbpf/opcode.h"

enum { CHAIN_MAX = 16 }; /* compares of one chain (keeps the scan linear) */

static bool is_cmp(const struct cbpf_typed *t)
{
	return t->kind == CBPF_KIND_JCOND && t->src == CBPF_SRC_K &&
	       (t->jmp == CBPF_JMP_JEQ || t->jmp == CBPF_JMP_JSET);
}

/* The successors of pc (0, 1 or 2); ret has none. */
static size_t successors(const struct cbpf_typed *t, size_t pc, size_t to[2])
{
	if (t->kind == CBPF_KIND_RET)
		return 0;
	if (t->kind == CBPF_KIND_JA) {
		to[0] = pc + 1 + t->k;
		return 1;
	}
	if (t->kind == CBPF_KIND_JCOND) {
		to[0] = pc + 1 + t->jt;
		to[1] = pc + 1 + t->jf;
		return to[0] == to[1] ? 1 : 2;
	}
	to[0] = pc + 1;
	return 1;
}

/* Whether t reads A (1), writes it without reading it (0), or neither
 * (-1: A flows through). Escapes (extensions) count as reads. */
static int a_use(const struct cbpf_typed *t)
{
	switch (t->kind) {
	case CBPF_KIND_LD_IMM:
	case CBPF_KIND_LD_LEN:
	case CBPF_KIND_LD_MEM: return t->reg == CBPF_REG_A ? 0 : -1;
	case CBPF_KIND_LD_ABS:
	case CBPF_KIND_LD_IND:
	case CBPF_KIND_TXA: return 0;
	case CBPF_KIND_LD_MSH:
	case CBPF_KIND_JA: return -1;
	case CBPF_KIND_ST: return t->reg == CBPF_REG_A ? 1 : -1;
	case CBPF_KIND_RET: return t->src == CBPF_SRC_A ? 1 : 0;
	default: return 1; /* ALU, neg, jumps, tax, extensions */
	}
}

struct scan {
	const struct cbpf_insn *insns;
	size_t n;
	struct cbpf_typed *t;  /* decoded */
	bool *live;            /* A is read before written from pc on */
	uint16_t *npred;       /* edges into pc */
};

static void liveness(struct scan *s)
{
	for (size_t pc = s->n; pc-- > 0;) {
		size_t to[2], nto = successors(&s->t[pc], pc, to);
		int use = a_use(&s->t[pc]);
		bool out = false;

		for (size_t i = 0; i < nto; i++)
			out |= to[i] < s->n && s->live[to[i]];
		s->live[pc] = use == 1 || (use == -1 && out);
	}
}

static void count_preds(struct scan *s)
{
	for (size_t pc = 0; pc < s->n; pc++) {
		size_t to[2], nto = successors(&s->t[pc], pc, to);

		for (size_t i = 0; i < nto; i++)
			if (to[i] < s->n && s->npred[to[i]] < UINT16_MAX)
				s->npred[to[i]]++;
	}
}

/*
 * The chain of compares starting at first (the instruction after the load
 * at pc first - 1): members into chain[], their count, or 0 when the load
 * does not qualify.
 */
static size_t chain_of(const struct scan *s, size_t first, size_t chain[CHAIN_MAX])
{
	size_t nchain = 0;

	if (first >= s->n || !is_cmp(&s->t[first]))
		return 0;
	chain[nchain++] = first;
	for (size_t i = 0; i < nchain; i++) { /* breadth first, in pc order per edge */
		size_t to[2], nto = successors(&s->t[chain[i]], chain[i], to);

		for (size_t e = 0; e < nto; e++) {
			bool seen = false;

			if (to[e] >= s->n)
				return 0;
			for (size_t c = 0; c < nchain; c++)
				seen |= chain[c] == to[e];
			if (seen)
				continue;
			if (!is_cmp(&s->t[to[e]])) {
				if (s->live[to[e]])
					return 0; /* A is used otherwise */
				continue;
			}
			if (nchain == CHAIN_MAX)
				return 0;
			chain[nchain++] = to[e];
		}
	}
	return nchain;
}

/* Every edge into a member comes from the load or from the chain. */
static bool chain_closed(const struct scan *s, size_t load, const size_t *chain, size_t nchain)
{
	for (size_t c = 0; c < nchain; c++) {
		size_t inside = chain[c] == load + 1;

		for (size_t d = 0; d < nchain; d++) {
			size_t to[2], nto = successors(&s->t[chain[d]], chain[d], to);

			for (size_t e = 0; e < nto; e++)
				inside += to[e] == chain[c];
		}
		if (inside != s->npred[chain[c]])
			return false;
	}
	return true;
}

static bool wire_load(const struct cbpf_typed *t)
{
	if (t->size != CBPF_SIZE_H && t->size != CBPF_SIZE_W)
		return false;
	return (t->kind == CBPF_KIND_LD_ABS && t->k <= INT32_MAX) || t->kind == CBPF_KIND_LD_IND;
}

static void mark(struct scan *s, uint8_t *wire)
{
	size_t chain[CHAIN_MAX];

	for (size_t pc = 0; pc + 1 < s->n; pc++) {
		size_t nchain;

		if (!wire_load(&s->t[pc]))
			continue;
		nchain = chain_of(s, pc + 1, chain);
		if (nchain == 0 || !chain_closed(s, pc, chain, nchain))
			continue;
		wire[pc] = (uint8_t)s->t[pc].size;
		for (size_t c = 0; c < nchain; c++)
			wire[chain[c]] = (uint8_t)s->t[pc].size;
	}
}

int cbpf_jit_wire_order(const struct cbpf_insn *insns, size_t n, uint8_t *wire)
{
	struct scan s = { insns, n, NULL, NULL, NULL };
	int err = -1;

	for (size_t pc = 0; pc < n; pc++)
		wire[pc] = 0;
	s.t = malloc(n * sizeof(*s.t));
	s.live = calloc(n, sizeof(*s.live));
	s.npred = calloc(n, sizeof(*s.npred));
	if (s.t != NULL && s.live != NULL && s.npred != NULL) {
		for (size_t pc = 0; pc < n; pc++)
			s.t[pc] = cbpf_decode(insns[pc]);
		liveness(&s);
		count_preds(&s);
		mark(&s, wire);
		err = 0;
	}
	free(s.npred);
	free(s.live);
	free(s.t);
	return err;
}

uint32_t cbpf_jit_wire_k(uint32_t k, unsigned size, bool jset)
{
	if (size == 4)
		return __builtin_bswap32(k);
	if (!jset && k > 0xffff)
		return k; /* never equal to a 16-bit value, in either order */
	return __builtin_bswap16((uint16_t)(k & 0xffff)); /* jset: the low bits test */
}
