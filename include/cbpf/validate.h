/*
 * cbpf/validate.h - the validator: accepts and rejects exactly what Linux
 * does. Profile LINUX is SO_ATTACH_FILTER (bpf_check_classic, then the
 * eBPF conversion's jump-range limit); profile SECCOMP adds
 * seccomp_check_filter(). Every problem names the instruction, the rule
 * and the errno the kernel gives.
 */
#ifndef CBPF_VALIDATE_H
#define CBPF_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "cbpf/insn.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cbpf_profile { CBPF_PROFILE_LINUX = 0, CBPF_PROFILE_SECCOMP = 1 };

/* "linux" / "seccomp"; from_name returns -1 for anything else. */
const char *cbpf_profile_name(enum cbpf_profile p);
int cbpf_profile_from_name(const char *name, enum cbpf_profile *out);

struct cbpf_problem {
	long insn;          /* instruction index, -1 for the whole program */
	const char *rule;   /* stable short name, e.g. "shift-range" */
	int errnum;         /* what the kernel returns, e.g. EINVAL */
	char msg[160];
};

/*
 * Validate n instructions. Returns 0 when the kernel would accept the
 * program, else the errno it would give. Up to max problems are stored in
 * probs (may be NULL when max is 0) and *count (may be NULL) receives how
 * many were found in all.
 */
int cbpf_validate(const struct cbpf_insn *insns, size_t n, enum cbpf_profile profile,
		  struct cbpf_problem *probs, size_t max, size_t *count);

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

void cbpf_predict_load(const struct cbpf_insn *insns, size_t n, struct cbpf_load_prediction *out);

#ifdef __cplusplus
}
#endif

#endif
