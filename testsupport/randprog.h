/*
 * randprog.h - the one generator of random classic BPF programs for the
 * tests, the benchmarks and the fuzz rate baseline. Reproducible: the same
 * options and rng state give the same program.
 *
 * Two shapes:
 *   TS_SHAPE_OPCODES  any of the 49 opcodes (only seccomp's under the
 *                     SECCOMP profile) with operands biased to the edges:
 *                     packet ends (around pkt_hint when given), the NET/LL
 *                     windows, the extensions, shift and jump limits, M[]
 *                     bounds. Most programs pass the validator; a leading
 *                     ld #k / ldx #k keeps A and X from being 0 too often
 *                     and the last ret often returns a small A.
 *   TS_SHAPE_LIBPCAP  shaped like libpcap's output (3..16 instructions):
 *                     ABS loads, often past the end of short packets, ALU on
 *                     constants, conditional jumps whose targets are later
 *                     instructions, most often the two final rets; now and
 *                     then ld #len, MSH, IND, an extension, a window. LINUX
 *                     profile only.
 * Test support only: never part of libcbpf.
 */
#ifndef CBPF_TS_RANDPROG_H
#define CBPF_TS_RANDPROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"
#include "cbpf/validate.h"
#include "rng.h"

enum ts_shape { TS_SHAPE_OPCODES, TS_SHAPE_LIBPCAP };

/* Which extensions a program may read. */
enum ts_determinism {
	TS_DET_ANY,          /* all 16 */
	TS_DET_REPRODUCIBLE, /* not SKF_AD_RANDOM: the kernel gives the same answer twice */
	TS_DET_NO_DEVICE,    /* nor ifindex/hatype: the same answer on any device or none */
};

struct ts_prog_opts {
	enum ts_shape shape;
	enum cbpf_profile profile;
	size_t max_len;        /* 1..CBPF_MAXINSNS (clamped); LIBPCAP stops at 16 */
	uint32_t pkt_hint;     /* loads aim around this packet length; 0: no hint */
	enum ts_determinism det;
	bool valid;            /* draw again until cbpf_validate accepts for the profile */
	/* OPCODES only: where rets and M[] meet, what the kernel oracles'
	 * `ret a` rewrite must get right (kernel_cmp/verdict_rewrite.c): 1 in
	 * 20 instructions a ret, 1 in 10 a load or store of M[0..3]. Without
	 * it rets inside are rare (runs go deep) and M[] has 16 cells. */
	bool scratch_mix;
};

/* Fill out (room for max_len instructions) with a program ending in a
 * ret; returns its length (>= 1). */
size_t ts_randprog(struct ts_rng *r, const struct ts_prog_opts *o, struct cbpf_insn *out);

#endif
