/*
 * rng.c - the edge values of rng.h (the draws themselves are inline).
 */
#include "rng.h"

static const uint32_t edges[] = {
	/* small numbers, shift counts, byte and header boundaries */
	0, 1, 2, 3, 4, 7, 8, 12, 13, 14, 15, 16, 17, 20, 23, 31, 32, 33, 63, 64, 65, 0x7f, 0x80,
	100, 0xff, 0x100, 300, 0xfff, 0x1000,
	/* 16-bit and sign boundaries */
	0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xdeadbeef,
	/* SKF_LL_OFF (0xffe00000) and SKF_NET_OFF (0xfff00000): below, at, inside, past */
	0xffdfffff, 0xffe00000, 0xffe0000c, 0xffeffffd, 0xffefffff, 0xfff00000, 0xfff00009,
	/* SKF_AD_OFF (0xfffff000): below, every extension, between, past */
	0xffffefff, 0xfffff000, 0xfffff001, 0xfffff004, 0xfffff008, 0xfffff00c, 0xfffff010,
	0xfffff014, 0xfffff018, 0xfffff01c, 0xfffff020, 0xfffff024, 0xfffff028, 0xfffff02c,
	0xfffff030, 0xfffff034, 0xfffff038, 0xfffff03c, 0xfffff03d, 0xfffff040,
	/* the top */
	0xfffffffc, 0xfffffffe, 0xffffffff,
};

size_t ts_nedges(void)
{
	return sizeof(edges) / sizeof(edges[0]);
}

uint32_t ts_edge_at(size_t i)
{
	return i < ts_nedges() ? edges[i] : 0;
}

uint32_t ts_edge(struct ts_rng *r)
{
	return edges[ts_below(r, (uint32_t)ts_nedges())];
}

uint32_t ts_u32(struct ts_rng *r)
{
	return ts_chance(r, 30) ? (uint32_t)ts_next(r) : ts_edge(r);
}
