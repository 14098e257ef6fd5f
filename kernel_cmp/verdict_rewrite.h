/*
 * verdict_rewrite.h - rewriting a program so that the kernel's observable
 * (a delivered length, a seccomp SIGSYS si_errno) carries a chosen part of
 * its 32-bit return value (semantics doc 4.2).
 *
 * Every variant keeps instructions 0..n-1 in place and only touches
 * returns: `ret #k` gets another constant (same opcode, so the kernel's
 * checks and the eBPF expansion are unchanged), `ret a` becomes
 * `ja <epilogue>` (a 32-bit k, so jt/jf limits never matter). Programs
 * without `ret a` get no epilogue, so their variants load exactly when the
 * original does.
 */
#ifndef CBPF_KERNEL_VERDICT_REWRITE_H
#define CBPF_KERNEL_VERDICT_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"

/* The longest epilogue any variant appends. */
#define KC_EPILOGUE_MAX 4

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
};

/* 0, or -1 when out of memory. */
int kc_shape_init(struct kc_shape *s, const struct cbpf_insn *insns, size_t n);
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

/* Write the variant of insns (described by s) to out, which must hold
 * s->n + KC_EPILOGUE_MAX instructions. Returns the new length, or 0 when
 * it would exceed 4096 instructions. */
size_t kc_variant_build(const struct kc_variant *v, const struct kc_shape *s,
			const struct cbpf_insn *insns, struct cbpf_insn *out);

/* A short description for notes: "ids(base 1, span 60)", "slice(>>6 &63 +0)". */
void kc_variant_describe(const struct kc_variant *v, char *out, size_t outlen);

#endif
