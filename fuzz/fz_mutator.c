/*
 * fz_mutator.c - LLVMFuzzerCustomMutator for the targets that run
 * programs. Random bytes are almost never valid programs, so this edits
 * the fz_input.h layout instruction by instruction: replace, insert,
 * delete or swap instructions drawn from the 49 valid opcodes; set
 * operands to edges (testsupport/rng.h's edge values, packet length +-1,
 * the SKF_AD_* extensions); keep jumps in range and the last
 * instruction a ret; resize packets to edge lengths; make a compare's
 * constant and the packet bytes it is compared with agree; put an nlattr
 * where an `ld #nla` searches. One step in 16 is a
 * plain byte-level mutation, so invalid programs stay reachable. fuzz_text
 * (fz_mutator_opts.text) gets fz_text_mutator.c's mutations instead, which
 * use these on the program its text spells.
 */
#include "fz_mutator.h"

#include <string.h>

#include "cbpf/opcode.h"
#include "fz_input.h"
#include "fz_text.h"
#include "rng.h"

struct fz_mutator_opts fz_mutator_opts = { false, 48, 1600, false };


struct work {
	struct cbpf_insn insns[FZ_MAXINSNS];
	size_t n;
	uint8_t pkt[4096];
	size_t len;
	struct ts_rng rng;
};

static uint32_t edge_k(struct work *w)
{
	uint32_t len = (uint32_t)w->len;

	switch (ts_below(&w->rng, 6)) {
	case 0:
		return len + ts_below(&w->rng, 3) - 1;
	case 1:
		return len - ts_below(&w->rng, 5);
	case 2:
		return cbpf_ext_k((enum cbpf_ext)ts_below(&w->rng, CBPF_EXT_COUNT));
	case 3:
		return (uint32_t)ts_next(&w->rng);
	default:
		return ts_edge(&w->rng);
	}
}

static const struct cbpf_opinfo *pick_op(struct work *w)
{
	for (;;) {
		const struct cbpf_opinfo *op = cbpf_opinfo_at(ts_below(&w->rng, CBPF_NOPCODES));
		if (!fz_mutator_opts.seccomp || op->seccomp || ts_below(&w->rng, 16) == 0)
			return op;
	}
}

static uint32_t seccomp_k(struct work *w)
{
	return ts_below(&w->rng, 4) ? 4 * ts_below(&w->rng, 16) : edge_k(w);
}

/* A k that suits the opcode (valid most of the time). */
static uint32_t k_for(struct work *w, const struct cbpf_opinfo *op)
{
	switch (op->kind) {
	case CBPF_KIND_LD_MEM:
	case CBPF_KIND_ST:
		return ts_below(&w->rng, 16) ? ts_below(&w->rng, 16) : edge_k(w);
	case CBPF_KIND_ALU:
		if (op->src == CBPF_SRC_K && (op->alu == CBPF_ALU_LSH || op->alu == CBPF_ALU_RSH))
			return ts_below(&w->rng, 8) ? ts_below(&w->rng, 32) : edge_k(w);
		return edge_k(w);
	case CBPF_KIND_LD_ABS:
		if (fz_mutator_opts.seccomp)
			return seccomp_k(w);
		return ts_below(&w->rng, 2) ? ts_below(&w->rng, (uint32_t)w->len + 4) : edge_k(w);
	case CBPF_KIND_LD_IND:
	case CBPF_KIND_LD_MSH:
		return ts_below(&w->rng, 2) ? ts_below(&w->rng, (uint32_t)w->len + 4) : edge_k(w);
	case CBPF_KIND_JA:
		return 0;
	default:
		return edge_k(w);
	}
}

static struct cbpf_insn random_insn(struct work *w, size_t at)
{
	const struct cbpf_opinfo *op = pick_op(w);
	struct cbpf_insn in = { op->code, 0, 0, k_for(w, op) };
	uint32_t room = w->n > at + 1 ? (uint32_t)(w->n - at - 1) : 1;

	if (op->uses & CBPF_USES_JT)
		in.jt = (uint8_t)ts_below(&w->rng, room < 256 ? room : 256);
	if (op->uses & CBPF_USES_JF)
		in.jf = (uint8_t)ts_below(&w->rng, room < 256 ? room : 256);
	if (op->kind == CBPF_KIND_JA)
		in.k = ts_below(&w->rng, room);
	return in;
}

static void insert_at(struct work *w, size_t at, struct cbpf_insn in)
{
	if (w->n >= FZ_MAXINSNS || w->n >= fz_mutator_opts.max_insns)
		return;
	memmove(&w->insns[at + 1], &w->insns[at], (w->n - at) * sizeof(in));
	w->insns[at] = in;
	w->n++;
}

static void delete_at(struct work *w, size_t at)
{
	if (!w->n)
		return;
	memmove(&w->insns[at], &w->insns[at + 1], (w->n - at - 1) * sizeof(w->insns[0]));
	w->n--;
}

static void resize_packet(struct work *w)
{
	static const size_t edges[] = { 0, 1, 2, 3, 4, 8, 13, 14, 15, 20, 34, 42, 54, 64, 100 };
	size_t len = ts_below(&w->rng, (uint32_t)fz_mutator_opts.max_packet + 1);

	if (ts_below(&w->rng, 4))
		len = edges[ts_below(&w->rng, sizeof(edges) / sizeof(edges[0]))];

	if (fz_mutator_opts.seccomp)
		len = 64;
	if (len > sizeof(w->pkt))
		len = sizeof(w->pkt);
	for (size_t i = w->len; i < len; i++)
		w->pkt[i] = (uint8_t)(i + 5);
	w->len = len;
}

/* The immediate the last `ld #k` (A) or `ldx #k` (X) before `at` sets; def
 * when there is none. */
static uint32_t imm_before(const struct work *w, size_t at, uint16_t code, uint32_t def)
{
	for (size_t i = at; i-- > 0;)
		if (w->insns[i].code == code)
			return w->insns[i].k;
	return def;
}

/* For an `ld #nla` / `ld #nlan` (A <- offset of the attribute of type X in
 * the nlattr list at P[A:], 0 if none), an attribute where the search
 * looks: at A an empty one of another type, then (so that finding it is
 * not 0, which is also "none") host-order nla_len 4..11 and nla_type X's
 * low 14 bits with or without NLA_F_NESTED / NLA_F_NET_BYTEORDER, which
 * nla_find masks off. Returns false when the program has no such load. */
static bool plant_nlattr(struct work *w)
{
	for (size_t j = 0; j < w->n; j++) {
		int ext = w->insns[j].code == 0x20 ? cbpf_ext_from_k(w->insns[j].k) : -1;
		uint32_t a, x;
		uint16_t hdr[2];

		if (ext != CBPF_EXT_NLATTR && ext != CBPF_EXT_NLATTR_NEST)
			continue;
		a = imm_before(w, j, 0x00, 0);   /* ld #k */
		x = imm_before(w, j, 0x01, 0);   /* ldx #k */
		if ((uint64_t)a + 16 > fz_mutator_opts.max_packet || a + 16 > sizeof(w->pkt))
			return false;
		while (w->len < a + 16)
			w->pkt[w->len++] = 0;
		hdr[0] = 4;
		hdr[1] = (uint16_t)((x + 1) & 0x3fff);
		memcpy(w->pkt + a, hdr, sizeof(hdr));
		hdr[0] = (uint16_t)(4 + ts_below(&w->rng, 8));
		hdr[1] = (uint16_t)((x & 0x3fff) | (ts_below(&w->rng, 4) << 14));
		memcpy(w->pkt + a + 4, hdr, sizeof(hdr));
		return true;
	}
	return false;
}

static void mutate_packet(struct work *w)
{
	if (ts_below(&w->rng, 4) == 0 && plant_nlattr(w))
		return;
	if (!w->len) {
		resize_packet(w);
		return;
	}
	if (LLVMFuzzerMutate && ts_below(&w->rng, 2)) {
		size_t cap = fz_mutator_opts.seccomp ? 64 : sizeof(w->pkt);
		w->len = LLVMFuzzerMutate(w->pkt, w->len, cap);
		return;
	}
	w->pkt[ts_below(&w->rng, (uint32_t)w->len)] = (uint8_t)edge_k(w);
}

/* Operands the validator refuses, made valid: M[] index, shift count,
 * div/mod by 0, unknown SKF_AD offsets. */
static void fix_operand(struct cbpf_insn *in, const struct cbpf_opinfo *op)
{
	if (op->kind == CBPF_KIND_LD_MEM || op->kind == CBPF_KIND_ST)
		in->k &= CBPF_MEMWORDS - 1;
	if (op->kind == CBPF_KIND_ALU && op->src == CBPF_SRC_K) {
		if (op->alu == CBPF_ALU_LSH || op->alu == CBPF_ALU_RSH)
			in->k &= 31;
		if ((op->alu == CBPF_ALU_DIV || op->alu == CBPF_ALU_MOD) && in->k == 0)
			in->k = 1;
	}
	if (op->kind == CBPF_KIND_LD_ABS && in->k >= (uint32_t)CBPF_SKF_AD_OFF &&
	    cbpf_ext_from_k(in->k) < 0)
		in->k = cbpf_ext_k((enum cbpf_ext)((in->k >> 2) % CBPF_EXT_COUNT));
}

/* Every cell some instruction reads is stored first thing (pc 0 is on
 * every path, so check_load_and_stores accepts it). */
static void store_before_reads(struct work *w)
{
	unsigned read = 0, stored = 0;

	for (size_t i = 0; i < w->n; i++) {
		const struct cbpf_opinfo *op = cbpf_opinfo(w->insns[i].code);
		if (op && op->kind == CBPF_KIND_LD_MEM && w->insns[i].k < CBPF_MEMWORDS &&
		    !(stored & (1u << w->insns[i].k)))
			read |= 1u << w->insns[i].k;
		if (op && op->kind == CBPF_KIND_ST && w->insns[i].k < CBPF_MEMWORDS && i == 0)
			stored |= 1u << w->insns[i].k;
	}
	for (unsigned k = 0; k < CBPF_MEMWORDS; k++)
		if (read & (1u << k)) {
			struct cbpf_insn st = { 0x02, 0, 0, k };
			insert_at(w, 0, st);
		}
}

/* Valid operands, stored cells, jumps in range and a ret at the end:
 * what keeps programs valid. */
static void fixup(struct work *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct cbpf_opinfo *op = cbpf_opinfo(w->insns[i].code);
		if (op)
			fix_operand(&w->insns[i], op);
	}
	store_before_reads(w);
	for (size_t i = 0; i < w->n; i++) {
		struct cbpf_insn *in = &w->insns[i];
		const struct cbpf_opinfo *op = cbpf_opinfo(in->code);
		uint32_t room = (uint32_t)(w->n - i - 1);

		if (!op)
			continue;
		if (op->kind == CBPF_KIND_JA && in->k >= room)
			in->k = room ? in->k % room : 0;
		if ((op->uses & CBPF_USES_JT) && in->jt >= room)
			in->jt = (uint8_t)(room ? in->jt % room : 0);
		if ((op->uses & CBPF_USES_JF) && in->jf >= room)
			in->jf = (uint8_t)(room ? in->jf % room : 0);
	}
	if (!w->n || (w->insns[w->n - 1].code != 0x06 && w->insns[w->n - 1].code != 0x16)) {
		struct cbpf_insn ret = { ts_below(&w->rng, 2) ? 0x16 : 0x06, 0, 0, edge_k(w) };
		if (w->n && w->n < fz_mutator_opts.max_insns && w->n < FZ_MAXINSNS)
			w->insns[w->n++] = ret;
		else if (w->n)
			w->insns[w->n - 1] = ret;
		else
			w->insns[w->n++] = ret;
	}
}

/* The jump on #k at or after `at` and the packet load before it: either k
 * becomes the loaded bytes' value (+-1) or the packet bytes become k, so
 * that the compare's equality and both its sides are reached (the value a
 * compare needs is in the packet, not in any edge list). */
static void match_packet(struct work *w, size_t at)
{
	for (size_t j = at; j < w->n; j++) {
		const struct cbpf_opinfo *op = cbpf_opinfo(w->insns[j].code);

		if (op == NULL || op->kind != CBPF_KIND_JCOND || op->src != CBPF_SRC_K)
			continue;
		for (size_t i = j; i-- > 0;) {
			const struct cbpf_opinfo *ld = cbpf_opinfo(w->insns[i].code);
			uint32_t k = w->insns[i].k, v = 0;
			unsigned size;

			if (ld == NULL || ld->kind != CBPF_KIND_LD_ABS)
				continue;
			size = (unsigned)ld->size; /* enum cbpf_size is the byte count */
			if ((uint64_t)k + size > w->len)
				return;
			if (ts_below(&w->rng, 2)) {
				for (unsigned b = 0; b < size; b++)
					v = v << 8 | w->pkt[k + b];
				w->insns[j].k = v + ts_below(&w->rng, 3) - 1;
			} else {
				for (unsigned b = 0; b < size; b++)
					w->pkt[k + b] = (uint8_t)(w->insns[j].k >> (8 * (size - 1 - b)));
			}
			return;
		}
		return;
	}
}

static void edit_program(struct work *w)
{
	size_t at = w->n ? ts_below(&w->rng, (uint32_t)w->n) : 0;
	struct cbpf_insn *in = w->n ? &w->insns[at] : NULL;

	switch (ts_below(&w->rng, 11)) {
	case 0:
	case 1:
		if (in) {
			*in = random_insn(w, at);
			break;
		}
		/* fall through */
	case 2:
	case 3:
		insert_at(w, at, random_insn(w, at));
		break;
	case 4:
		delete_at(w, at);
		break;
	case 5:
		if (in)
			in->k = edge_k(w);
		break;
	case 6:
		if (in) {
			const struct cbpf_opinfo *op = pick_op(w);
			in->code = op->code;
		}
		break;
	case 7:
		if (in) {
			in->jt = (uint8_t)ts_below(&w->rng, 4);
			in->jf = (uint8_t)ts_below(&w->rng, 4);
		}
		break;
	case 8:
		if (w->n > 1) {
			size_t b = ts_below(&w->rng, (uint32_t)w->n);
			struct cbpf_insn t = w->insns[at];
			w->insns[at] = w->insns[b];
			w->insns[b] = t;
		}
		break;
	case 9:
		match_packet(w, at);
		break;
	default: {
		struct cbpf_insn st = { (uint16_t)(ts_below(&w->rng, 2) ? 0x02 : 0x03), 0, 0,
					ts_below(&w->rng, 16) };
		insert_at(w, 0, st);
		break;
	}
	}
}

size_t fz_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static struct work w;
	struct fz_case c;

	ts_seed(&w.rng, (uint64_t)seed << 32 | size);
	if (LLVMFuzzerMutate && ts_below(&w.rng, 16) == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	fz_split(data, size, &c);
	w.n = c.n;
	memcpy(w.insns, c.insns, c.n * sizeof(c.insns[0]));
	w.len = c.len < sizeof(w.pkt) ? c.len : sizeof(w.pkt);
	memcpy(w.pkt, c.pkt, w.len);
	for (uint32_t steps = 1 + ts_below(&w.rng, 3); steps; steps--) {
		uint32_t what = ts_below(&w.rng, 8);
		if (what == 0)
			resize_packet(&w);
		else if (what == 1)
			mutate_packet(&w);
		else
			edit_program(&w);
	}
	if (ts_below(&w.rng, 8))
		fixup(&w);
	return fz_join(w.insns, w.n, w.pkt, w.len, data, max_size);
}

/* Left out (-DFZ_NO_CUSTOM_MUTATOR) for the planted-bug benchmark's plain
 * libFuzzer baseline (fuzz/eval.py), which mutates bytes only. */
#ifndef FZ_NO_CUSTOM_MUTATOR
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	if (fz_mutator_opts.text)
		return fz_mutate_text(data, size, max_size, seed);
	return fz_mutate(data, size, max_size, seed);
}
#endif
