/*
 * cbpf/validate.h - the validator: accepts and rejects exactly what Linux
 * does. Profile LINUX is SO_ATTACH_FILTER (bpf_check_classic, then the
 * eBPF conversion's jump-range limit); profile SECCOMP adds
 * seccomp_check_filter(). Every problem names the instruction, the rule
 * and the errno the kernel gives.
 */
#ifndef CBPF_VALIDATE_H
#define CBPF_VALIDATE_H

#include "cbpf/api.h"

#include <stdbool.h>
#include <stddef.h>

#include "cbpf/insn.h"
#include "cbpf/program.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cbpf_profile { CBPF_PROFILE_LINUX = 0, CBPF_PROFILE_SECCOMP = 1 };

/* "linux" / "seccomp"; from_name returns -1 for anything else. */
CBPF_API const char *cbpf_profile_name(enum cbpf_profile p);
CBPF_API int cbpf_profile_from_name(const char *name, enum cbpf_profile *out);

/*
 * Stable rule names (struct cbpf_diag.rule), in the kernel's order
 * (linux-semantics: validate.order). NAME is entry validate.NAME of
 * docs/linux-semantics.md, seccomp-NAME is seccomp.NAME. Every one gives
 * EINVAL except "nomem" (the validator ran out of memory).
 *   length          1..4096 instructions (bpf_check_basics_ok)
 *   opcode          not one of the 49 codes (chk_code_allowed)
 *   div-zero        div #0 / mod #0
 *   shift-range     lsh/rsh #k with k >= 32
 *   scratch-index   ld/ldx M[k], st/stx M[k] with k >= 16
 *   ja-range        ja target past the last instruction
 *   jump-range      jt or jf target past the last instruction
 *   ancillary       ld/ldh/ldb [k], k >= SKF_AD_OFF, no extension
 *   last-ret        the last instruction is not ret #k / ret a
 *   scratch-uninit  M[k] read where some path has not written it
 *   seccomp-opcode  opcode seccomp_check_filter refuses (mod #k/x,
 *                   ldh/ldb [k], ld/ldh/ldb [x+k], ldxb)
 *   seccomp-load    ld [k] with k >= 64 or k % 4 != 0
 *   ebpf-jump-range after the eBPF expansion a jump offset does not
 *                   fit in s16 (bpf_convert_filter)
 */
#define CBPF_RULE_LENGTH "length"
#define CBPF_RULE_OPCODE "opcode"
#define CBPF_RULE_DIV_ZERO "div-zero"
#define CBPF_RULE_SHIFT_RANGE "shift-range"
#define CBPF_RULE_SCRATCH_INDEX "scratch-index"
#define CBPF_RULE_JA_RANGE "ja-range"
#define CBPF_RULE_JUMP_RANGE "jump-range"
#define CBPF_RULE_ANCILLARY "ancillary"
#define CBPF_RULE_LAST_RET "last-ret"
#define CBPF_RULE_SCRATCH_UNINIT "scratch-uninit"
#define CBPF_RULE_SECCOMP_OPCODE "seccomp-opcode"
#define CBPF_RULE_SECCOMP_LOAD "seccomp-load"
#define CBPF_RULE_EBPF_JUMP_RANGE "ebpf-jump-range"
#define CBPF_RULE_NOMEM "nomem"

/*
 * Validate n instructions. Returns 0 when the kernel would accept the
 * program, else the errno it would give. Up to max problems are stored in
 * probs (may be NULL when max is 0), each a struct cbpf_diag (cbpf/program.h)
 * with code CBPF_ERR_REJECTED (CBPF_ERR_NOMEM for rule "nomem"), rule,
 * errnum, insn (-1 for the whole program) and msg; *count (may be NULL)
 * receives how many were found in all.
 */
CBPF_API int cbpf_validate(const struct cbpf_insn *insns, size_t n, enum cbpf_profile profile,
		  struct cbpf_diag *probs, size_t max, size_t *count);

/*
 * Load prediction (linux/filter.c bpf_convert_filter + __sk_filter_charge):
 * how many eBPF instructions the program expands to, whether every
 * expanded jump fits the s16 offset, and the bytes charged against
 * net.core.optmem_max.
 */
struct cbpf_load_prediction {
	size_t ebpf_insns;
	size_t prog_bytes;   /* bpf_prog_size(ebpf_insns) */
	bool jumps_fit;
	long bad_jump_insn;  /* first cBPF jump whose eBPF offset overflows, or -1 */
};

/* For a profile: under seccomp, seccomp_check_filter() first rewrites
 * ld [k] and ld/ldx #len into single eBPF instructions (and seccomp
 * filters are not charged to optmem_max). */
CBPF_API void cbpf_predict_load(const struct cbpf_insn *insns, size_t n, enum cbpf_profile profile,
		       struct cbpf_load_prediction *out);

#ifdef __cplusplus
}
#endif

#endif
