/*
 * validate/ebpf_expand.h - the model of Linux's bpf_convert_filter(): how many
 * eBPF instructions each classic instruction becomes, where every
 * expanded jump lands, and whether its offset fits the s16 insn->off.
 * Private to libcbpf (the public face is cbpf_predict_load()).
 */
#ifndef CBPF_EBPF_EXPAND_H
#define CBPF_EBPF_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

#include "cbpf/insn.h"

/* The prologue: A ^= A; X ^= X; ctx = R1; plus 4 instructions caching
 * skb->data and the head length when the program loads packet bytes
 * (linux-semantics: expand.prologue). */
#define CBPF_EBPF_PROLOGUE 3
#define CBPF_EBPF_PROLOGUE_SKB 4

/* The most eBPF instructions one classic instruction becomes: ldxb with
 * k > S16_MAX (tmp = A, the 15-instruction byte load, 5 more). */
#define CBPF_EBPF_MAX_PER_INSN 21

/* An eBPF program this long or shorter has no refusable jump: every
 * emitted jump sits below index 32768 (first pass: off = -(pos + 1) >=
 * -32768) and lands at most this far ahead (second pass: off <= 32767;
 * classic jumps only go forward, so off >= 0). */
#define CBPF_EBPF_JUMPS_ALWAYS_FIT 32768

/* eBPF instructions emitted for one classic instruction (0 for an opcode
 * the converter does not know). seccomp: the program was rewritten by
 * seccomp_check_filter (ld [k] reads seccomp_data, #len is #64). */
unsigned cbpf_ebpf_insn_count(const struct cbpf_insn *in, bool seccomp);

/* True when the instruction calls convert_bpf_ld_abs() (packet loads that
 * are not extensions, ld [x+k], ldxb), which adds the skb prologue. */
bool cbpf_ebpf_loads_packet(const struct cbpf_insn *in, bool seccomp);

/* The whole program's eBPF length, prologue included. */
size_t cbpf_ebpf_prog_count(const struct cbpf_insn *insns, size_t n, bool seccomp);

/* Whether the expansion is provably short enough that no jump can be
 * refused (at most CBPF_EBPF_JUMPS_ALWAYS_FIT eBPF instructions): by the
 * per-instruction bound when that suffices (up to 1,560 instructions,
 * O(1)), else by the exact count. Jump targets are not looked at: with a
 * target outside the program the converter refuses anyway. */
bool cbpf_ebpf_expansion_short(const struct cbpf_insn *insns, size_t n, bool seccomp);

/* A jump the converter refuses. */
struct cbpf_ebpf_jump {
	long insn;       /* the classic jump instruction */
	long ebpf_pos;   /* index of the refused eBPF jump in the expansion */
	long off;        /* its offset (what did not fit in s16) */
	bool first_pass; /* refused by the pass that still sees every forward
			    target at address 0 (see ebpf_expand.c) */
	bool target_out; /* the target lies outside the program */
};

/* Every jump instruction bpf_convert_filter() refuses, in the kernel's
 * order (the kernel stops at the first): those the first pass refuses,
 * then those whose final offset does not fit. Stores up to max in out;
 * returns how many there are, or -1 when out of memory. */
long cbpf_ebpf_bad_jumps(const struct cbpf_insn *insns, size_t n, bool seccomp,
			 struct cbpf_ebpf_jump *out, size_t max);

/* Find the first jump bpf_convert_filter() refuses, in the kernel's order.
 * Returns true and fills *bad (when not NULL) if there is one (also when
 * out of memory, with bad->insn == -1: no answer). */
bool cbpf_ebpf_find_bad_jump(const struct cbpf_insn *insns, size_t n, bool seccomp,
			     struct cbpf_ebpf_jump *bad);

#endif
