/*
 * seccomp_oracle.h - the program as a seccomp filter (unprivileged: each
 * run is a child, clone(CLONE_VM) of the caller, that sets no_new_privs,
 * installs the filter and issues one syscall).
 *
 * The filter sees a struct seccomp_data: nr and args are the request's
 * (the child makes syscall nr with args); arch is the real one
 * (AUDIT_ARCH_X86_64 here) and the instruction pointer is where the
 * child's syscall instruction is, which cannot be chosen: the oracle
 * reports the seccomp_data actually seen, so a VM can be run on it.
 *
 * The full 32-bit return value comes from SECCOMP_RET_TRAP runs: every
 * `ret #k` is rewritten to return TRAP | 16 bits and `ret a` to an inline
 * block or an epilogue doing the same to A (verdict_rewrite.h), and the
 * SIGSYS handler reads the 16 bits from si_errno. Programs without `ret a`
 * need one run (their constants are numbered); others one when a hint is
 * checked and right, else two (bits 0-15, 16-31). The requested syscall
 * never executes: every rewritten return is TRAP. A run that dies of
 * SIGSYS without a trap is an abort (div/mod by X == 0 returns 0,
 * SECCOMP_RET_KILL_THREAD).
 *
 * The load result is the kernel's answer to the original program. When
 * the first run's rewrite loads exactly when the original does (no `ret
 * a`, or an inline rewrite) it comes from that run, whose child tries the
 * original when the rewrite is refused; otherwise from a child that only
 * installs the original. Every child is reaped before the call returns;
 * none outlives 5 s (its own ITIMER_REAL); the caller gets no SIGCHLD and
 * keeps its signal dispositions, mask and limits. One child runs at a time
 * per process (threads may call concurrently).
 */
#ifndef CBPF_KERNEL_SECCOMP_ORACLE_H
#define CBPF_KERNEL_SECCOMP_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"
#include "cbpf/vm.h"
#include "oracle.h"

/* The part of seccomp_data a request chooses. */
struct kc_seccomp_input {
	int32_t nr;
	uint64_t args[6];
};

/* Load parity: the kernel's answer (errno) to installing the program. */
int kc_seccomp_load(const struct cbpf_insn *insns, size_t n, struct kc_load *out);

/* The verdict on one input (the program must load). seen (may be NULL)
 * receives the seccomp_data the filter was given. */
void kc_seccomp_verdict(const struct cbpf_insn *insns, size_t n,
			const struct kc_seccomp_input *in, const struct kc_hint *hint,
			struct kc_verdict *out, struct cbpf_seccomp_data *seen);

/* The load, then every input (verdicts and seen have count entries; seen
 * and hints may be NULL). Returns 0 when the program loaded. */
int kc_seccomp_request(const struct cbpf_insn *insns, size_t n,
		       const struct kc_seccomp_input *inputs, size_t count,
		       const struct kc_hint *hints, struct kc_load *load,
		       struct kc_verdict *verdicts, struct cbpf_seccomp_data *seen);

#endif
