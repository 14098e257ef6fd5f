/*
 * rng.h - the one seeded pseudo-random number generator of the tests,
 * benchmarks and fuzz helpers (splitmix64: any 64-bit seed, the zero
 * seed included, gives a full-period stream; same seed, same numbers on
 * every machine). Test support only: never part of libcbpf.
 *
 * The draws are inline because the fuzz mutator (fuzz/fz_mutator.c)
 * makes dozens per input.
 */
#ifndef CBPF_TS_RNG_H
#define CBPF_TS_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ts_rng {
	uint64_t s;
};

static inline void ts_seed(struct ts_rng *r, uint64_t seed)
{
	r->s = seed;
}

/* The next 64 random bits. */
static inline uint64_t ts_next(struct ts_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in 0..n-1 (0 when n is 0), from the high 32 bits by a
 * multiply-shift: no division, a bias below n / 2^32. */
static inline uint32_t ts_below(struct ts_rng *r, uint32_t n)
{
	return (uint32_t)(((ts_next(r) >> 32) * n) >> 32);
}

/* True percent times in 100. */
static inline bool ts_chance(struct ts_rng *r, unsigned percent)
{
	return ts_below(r, 100) < percent;
}

/* A value from the edges of the 32-bit operands of classic BPF: small
 * numbers, shift and byte-order limits, header offsets, the 16-bit and
 * sign boundaries, the SKF_LL_OFF/SKF_NET_OFF windows and their ends,
 * every SKF_AD_* extension offset and the ones just past them. */
uint32_t ts_edge(struct ts_rng *r);

/* The edge values one by one, for tests that try every one: i in
 * 0..ts_nedges()-1. */
size_t ts_nedges(void);
uint32_t ts_edge_at(size_t i);

/* An operand: an edge value 70 times in 100, any 32-bit value the rest. */
uint32_t ts_u32(struct ts_rng *r);

#endif
