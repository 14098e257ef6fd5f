/*
 * randprog.h - random classic BPF programs that Linux accepts, for the
 * oracle tests and the kernel benchmark: loads around the packet end,
 * every ALU op, forward jumps, scratch cells, the deterministic extensions
 * and both kinds of `ret`. Reproducible from a seed.
 */
#ifndef CBPF_KERNEL_RANDPROG_H
#define CBPF_KERNEL_RANDPROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"

struct kc_rng {
	uint64_t s;
};

void kc_rng_seed(struct kc_rng *r, uint64_t seed);
uint64_t kc_rng_next(struct kc_rng *r);
/* Uniform in 0..n-1 (n > 0). */
uint32_t kc_rng_below(struct kc_rng *r, uint32_t n);

struct kc_randprog_opts {
	size_t max_len;        /* 1..4096 */
	uint32_t pkt_hint;     /* loads aim around this packet length */
	bool nondeterministic; /* may use rand and ifidx/hatype */
	bool seccomp;          /* only what seccomp accepts (aligned ld [k<64]) */
};

/* Fill out (room for opts->max_len) with a program cbpf_validate accepts
 * for the profile; returns its length. */
size_t kc_randprog(struct kc_rng *r, const struct kc_randprog_opts *opts, struct cbpf_insn *out);

#endif
