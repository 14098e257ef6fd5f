/*
 * vm_randprog.h - (tests only) a seeded generator of random classic BPF
 * programs, packets and contexts for the VM's property and kernel tests.
 * Programs are drawn from the 49 opcodes of the opcode table with operands
 * biased towards edges (packet ends, the negative-offset windows, the
 * extension offsets, shift and jump limits) so that most pass the
 * validator and `ret a` often returns a small, informative A.
 */
#ifndef CBPF_TEST_VM_RANDPROG_H
#define CBPF_TEST_VM_RANDPROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cbpf/insn.h"
#include "cbpf/opcode.h"
#include "cbpf/vm.h"

struct rng {
	uint64_t s;
};

/* splitmix64 */
static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(rng_next(r) % n);
}

static inline bool rng_chance(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

/* Interesting 32-bit values. */
static inline uint32_t randprog_edge(struct rng *r)
{
	static const uint32_t edges[] = {
		0, 1, 2, 3, 4, 7, 8, 14, 15, 16, 31, 32, 33, 63, 64, 100, 255, 256, 300,
		0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001,
		0xfffffffe, 0xffffffff, 0xfff00000, 0xffe00000, 0xfffff000,
	};

	if (rng_chance(r, 30))
		return (uint32_t)rng_next(r);
	return edges[rng_below(r, sizeof(edges) / sizeof(edges[0]))];
}

/* A packet offset operand: mostly inside small packets, sometimes in the
 * NET/LL windows, the ancillary area, or far away. */
static inline uint32_t randprog_offset(struct rng *r, bool abs_load)
{
	switch (rng_below(r, 10)) {
	case 0: return (uint32_t)CBPF_SKF_NET_OFF + rng_below(r, 64);
	case 1: return (uint32_t)CBPF_SKF_LL_OFF + rng_below(r, 64);
	case 2:
		if (abs_load)
			return cbpf_ext_k((enum cbpf_ext)rng_below(r, CBPF_EXT_COUNT));
		return randprog_edge(r);
	case 3: return randprog_edge(r);
	case 4: return rng_below(r, 70010);
	case 5:
	case 6: return rng_below(r, 320);
	default: return rng_below(r, 48);
	}
}

static inline uint32_t randprog_ext_k(struct rng *r, bool kernel_mode)
{
	enum cbpf_ext e;

	do {
		e = (enum cbpf_ext)rng_below(r, CBPF_EXT_COUNT);
	} while (kernel_mode && e == CBPF_EXT_RANDOM);
	return cbpf_ext_k(e);
}

/* Operands that keep an instruction valid where the validator checks. */
static inline struct cbpf_insn randprog_insn(struct rng *r, uint16_t code, size_t pc, size_t n,
					     bool kernel_mode)
{
	const struct cbpf_opinfo *o = cbpf_opinfo(code);
	struct cbpf_insn in = { code, (uint8_t)rng_next(r), (uint8_t)rng_next(r), randprog_edge(r) };
	uint32_t room = (uint32_t)(n - pc - 2); /* jumps may land up to n - 1 */

	switch (o->kind) {
	case CBPF_KIND_LD_ABS:
		in.k = rng_chance(r, 12) ? randprog_ext_k(r, kernel_mode) : randprog_offset(r, true);
		if (kernel_mode && in.k == cbpf_ext_k(CBPF_EXT_RANDOM))
			in.k = 0;
		break;
	case CBPF_KIND_LD_IND:
	case CBPF_KIND_LD_MSH:
		in.k = randprog_offset(r, false);
		break;
	case CBPF_KIND_LD_MEM:
	case CBPF_KIND_ST:
		in.k = rng_below(r, rng_chance(r, 97) ? CBPF_MEMWORDS : 40);
		break;
	case CBPF_KIND_ALU:
		if (o->alu == CBPF_ALU_LSH || o->alu == CBPF_ALU_RSH)
			in.k = rng_below(r, rng_chance(r, 97) ? 32 : 64);
		else if ((o->alu == CBPF_ALU_DIV || o->alu == CBPF_ALU_MOD) && in.k == 0)
			in.k = rng_chance(r, 95) ? 3 : 0;
		break;
	case CBPF_KIND_JA:
		in.k = room == 0 ? 0 : rng_below(r, room + (rng_chance(r, 3) ? 3 : 1));
		break;
	case CBPF_KIND_JCOND:
		in.jt = (uint8_t)rng_below(r, room > 255 ? 256 : room + 1);
		in.jf = (uint8_t)rng_below(r, room > 255 ? 256 : room + 1);
		break;
	case CBPF_KIND_RET:
		if (rng_chance(r, 70))
			in.k = rng_below(r, 400);
		break;
	default:
		break;
	}
	return in;
}

/*
 * A random program of 1..max instructions (max >= 2) ending in a ret.
 * kernel_mode avoids SKF_AD_RANDOM (not reproducible). A leading ld #k or
 * ldx #k (small, non-zero) keeps A and X from being 0 too often.
 */
static inline size_t randprog_gen(struct rng *r, struct cbpf_insn *out, size_t max,
				  bool kernel_mode)
{
	size_t n = 1 + rng_below(r, (uint32_t)max);
	size_t pc = 0;

	if (rng_chance(r, 30) && n + 1 <= max) {
		out[pc++] = cbpf_stmt(CBPF_LD | CBPF_IMM, randprog_edge(r));
		n++;
	}
	if (rng_chance(r, 40) && n + 1 <= max) {
		out[pc++] = cbpf_stmt(CBPF_LDX | CBPF_IMM, 1 + rng_below(r, 40));
		n++;
	}
	for (; pc + 1 < n; pc++) {
		const struct cbpf_opinfo *o = cbpf_opinfo_at(rng_below(r, CBPF_NOPCODES));

		if (o->kind == CBPF_KIND_RET && rng_chance(r, 80))
			o = cbpf_opinfo_at(rng_below(r, CBPF_NOPCODES));
		if (o->kind == CBPF_KIND_LD_MEM && rng_chance(r, 50))
			o = cbpf_opinfo(CBPF_ST);
		out[pc] = randprog_insn(r, o->code, pc, n, kernel_mode);
	}
	/* The last instruction: ret a (often after masking A small) or ret #k. */
	if (rng_chance(r, 60)) {
		if (pc >= 1 && rng_chance(r, 50) && out[pc - 1].code != (CBPF_RET | CBPF_RET_A))
			out[pc - 1] = cbpf_stmt(CBPF_ALU | CBPF_AND | CBPF_K,
						rng_chance(r, 50) ? 0xff : 0x1ffff);
		out[pc] = cbpf_stmt(CBPF_RET | CBPF_RET_A, 0);
	} else {
		out[pc] = cbpf_stmt(CBPF_RET | CBPF_K, rng_chance(r, 80) ? rng_below(r, 400)
									 : randprog_edge(r));
	}
	return n;
}

/* Random packet bytes, often shaped like netlink attributes or IPv4. */
static inline void randprog_packet(struct rng *r, uint8_t *pkt, size_t len)
{
	for (size_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)rng_next(r);
	if (rng_chance(r, 30)) {
		/* A chain of host-order netlink attributes from a random start. */
		size_t pos = rng_below(r, 8);
		while (pos + 4 <= len) {
			uint16_t alen = (uint16_t)(4 + rng_below(r, 13));
			uint16_t atype = (uint16_t)rng_below(r, 6);
			if (rng_chance(r, 10))
				atype |= 0x8000;
			memcpy(pkt + pos, &alen, 2);
			memcpy(pkt + pos + 2, &atype, 2);
			pos += (alen + 3u) & ~3u;
		}
	}
	if (rng_chance(r, 20) && len > 14)
		pkt[14] = (uint8_t)(0x40 | rng_below(r, 16));
}

/* A random context: half the time the defaults, else random skb fields,
 * windows (net/mac offsets, possibly negative or unset) and headlen. */
static inline void randprog_ctx(struct rng *r, struct cbpf_ctx *c, size_t len)
{
	cbpf_ctx_init(c);
	if (rng_chance(r, 50))
		return;
	c->len = rng_chance(r, 50) ? CBPF_CTX_UNSET : (int64_t)randprog_edge(r);
	c->protocol = rng_chance(r, 50) ? 0x0800 : rng_below(r, 0x10000);
	c->pkttype = rng_below(r, 8);
	c->has_dev = rng_chance(r, 50);
	c->ifindex = randprog_edge(r);
	c->hatype = rng_below(r, 1000);
	c->mark = randprog_edge(r);
	c->queue = rng_below(r, 16);
	c->rxhash = randprog_edge(r);
	c->cpu = rng_below(r, 4);
	c->vlan_tci = rng_below(r, 0x10000);
	c->vlan_avail = rng_below(r, 2);
	c->vlan_tpid = rng_chance(r, 50) ? 0x8100 : 0;
	c->poff = rng_below(r, 200);
	c->random = randprog_edge(r);
	c->net_off = (int64_t)rng_below(r, 140) - 20;
	c->mac_off = rng_chance(r, 50) ? CBPF_CTX_UNSET : (int64_t)rng_below(r, 60) - 10;
	c->headlen = rng_chance(r, 70) ? CBPF_CTX_UNSET : (int64_t)rng_below(r, (uint32_t)len + 2);
}

#endif
