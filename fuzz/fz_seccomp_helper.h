/*
 * fz_seccomp_helper.h - kc_seccomp_request from a small helper process.
 *
 * The seccomp oracle forks a child per run. Forking the fuzzer itself
 * (hundreds of MB of ASan shadow and libFuzzer state, page tables to
 * copy) costs milliseconds; forking a helper started before the fuzzer
 * grew costs what rawrate measures. The helper is forked once, at
 * initialisation, and answers requests over a SOCK_SEQPACKET pair; it
 * dies with its parent.
 */
#ifndef CBPF_FUZZ_SECCOMP_HELPER_H
#define CBPF_FUZZ_SECCOMP_HELPER_H

#include <stddef.h>

#include "seccomp_oracle.h"

/* Start the helper; 0, or -1 (requests then run in this process). */
int fz_seccomp_helper_start(void);

/* kc_seccomp_request for one input, in the helper when it runs (n must
 * be <= FZ_MAXINSNS). */
int fz_seccomp_request(const struct cbpf_insn *insns, size_t n,
		       const struct kc_seccomp_input *in, const struct kc_hint *hint,
		       struct kc_load *load, struct kc_verdict *verdict,
		       struct cbpf_seccomp_data *seen);

#endif
