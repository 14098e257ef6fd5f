/*
 * verdict_rewrite.h - rewriting a program so that the kernel's observable
 * (a delivered length, a seccomp SIGSYS si_errno) carries a chosen part of
 * its 32-bit return value (linux-semantics: ret.trim, seccomp.trap-data).
 *
 * Every variant only touches returns. `ret #k` gets another constant in
 * place (same opcode, so the kernel's checks and the eBPF expansion are
 * unchanged). `ret a` is rewritten one of two ways:
 *
 *   inline    (kc_shape.inline_ok) every `ret a` becomes, in place, a
 *             block of at most KC_BLOCK_MAX instructions that ends in rets
 *             and never touches M[]; every jump is relocated. Such a
 *             variant loads exactly when the original does, except that
 *             it may need more option memory (see kc_variant_build).
 *   epilogue  otherwise: instructions 0..n-1 stay in place, `ret a`
 *             becomes `ja <epilogue>` (a 32-bit k, so jt/jf limits never
 *             matter) and the block is appended once.
 *
 * Programs without `ret a` need neither, so their variants load exactly
 * when the original does.
 */
#ifndef CBPF_KERNEL_VERDICT_REWRITE_H
#define CBPF_KERNEL_VERDICT_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"

/* The longest epilogue any variant appends, and the longest block. */
#define KC_EPILOGUE_MAX 4
#define KC_BLOCK_MAX 4
/* Inline rewrites are used up to this many instructions: at most 21 eBPF
 * instructions per classic one (ldxb 4*([k]&0xf) with k > 32767,
 * linux-semantics: expand.ldxb; a block is at most 7) plus a 7-instruction
 * prologue stay far below the s16 jump limit in both converter passes
 * (linux-semantics: validate.ebpf-jump-range, validate.ebpf-first-pass). */
#define KC_INLINE_MAX_N 1000

/* Static facts about a program the oracles plan their runs from. */
struct kc_shape {
	size_t n;
	bool has_ret_a;      /* some `ret a` (0x16) */
	bool uses_random;    /* ld [SKF_AD_OFF+56], any size: non-deterministic */
	bool uses_cpu;       /* ld [SKF_AD_OFF+36]: the sender must be pinned */
	bool uses_nodev;     /* ifidx/hatype: without a device they exit with raw A */
	bool reads_ip;       /* seccomp: ld [8] or ld [12] (instruction_pointer) */
	uint32_t *consts;    /* the distinct `ret #k` values, ascending */
	size_t nconsts;
	size_t nret_a;       /* how many `ret a` */
	/* kc_shape_allow_inline was called and `ret a` may be rewritten
	 * inline: n <= KC_INLINE_MAX_N, every
	 * jump of the original lands inside it, and every relocated jt/jf
	 * still fits 8 bits with blocks of KC_BLOCK_MAX instructions. */
	bool inline_ok;
	uint16_t *ret_a_before; /* when inline_ok: `ret a`s at indices < j, j = 0..n */
};

/* 0, or -1 when out of memory. inline_ok starts false. */
int kc_shape_init(struct kc_shape *s, const struct cbpf_insn *insns, size_t n);
/* Whether some instruction loads SKF_AD_CPU (kc_shape.uses_cpu, without
 * building a shape). */
bool kc_prog_reads_cpu(const struct cbpf_insn *insns, size_t n);
/* Let the variants of s use inline blocks where the program allows it
 * (sets inline_ok; the caller's buffers must then hold kc_variant_room).
 * 0, or -1 when out of memory. */
int kc_shape_allow_inline(struct kc_shape *s, const struct cbpf_insn *insns);
void kc_shape_free(struct kc_shape *s);
/* Index of k in s->consts (k must be one of them). */
size_t kc_shape_const_index(const struct kc_shape *s, uint32_t k);

enum kc_variant_kind {
	KC_VAR_ORIG = 0, /* the program itself */
	/* ret #consts[j] -> ret #(base + j). ret a -> epilogue:
	 * A < span-1 ? base + nconsts + A : base + nconsts + span - 1 */
	KC_VAR_IDS,
	/* ret #k -> ret #(((k >> shift) & mask) + add); ret a -> the same on A */
	KC_VAR_SLICE,
	/* ret #k -> ret #(k == expect ? match : mismatch); ret a -> the same */
	KC_VAR_VERIFY
};

struct kc_variant {
	enum kc_variant_kind kind;
	uint32_t base, span;             /* IDS */
	uint32_t shift, mask, add;       /* SLICE */
	uint32_t expect, match, mismatch; /* VERIFY */
};

bool kc_variant_equal(const struct kc_variant *a, const struct kc_variant *b);

/* The room kc_variant_build needs for any variant of s. */
size_t kc_variant_room(const struct kc_shape *s);

/* True when variants of s with `ret a` rewritten are built inline. */
bool kc_variant_inline(const struct kc_variant *v, const struct kc_shape *s);

/* Write the variant of insns (described by s) to out, which must hold
 * kc_variant_room(s) instructions. Returns the new length, or 0 when
 * it would exceed 4096 instructions. */
size_t kc_variant_build(const struct kc_variant *v, const struct kc_shape *s,
			const struct cbpf_insn *insns, struct cbpf_insn *out);

/* A short description for notes: "ids(base 1, span 60)", "slice(>>6 &63 +0)". */
void kc_variant_describe(const struct kc_variant *v, char *out, size_t outlen);

#endif
