/*
 * oracle.h - what every live-kernel oracle answers: the load result of a
 * program and, per input, the kernel's verdict (its 32-bit return value),
 * whether that value is exact, and whether the run aborted.
 *
 *   via unix     AF_UNIX SOCK_DGRAM socket pair (unprivileged; default)
 *   via seccomp  a seccomp filter in a cloned child (unprivileged)
 *   via packet   AF_PACKET on lo in a private network namespace (root)
 */
#ifndef CBPF_KERNEL_ORACLE_H
#define CBPF_KERNEL_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include "cbpf/vm.h"

enum kc_via { KC_VIA_UNIX = 0, KC_VIA_SECCOMP, KC_VIA_PACKET };

/* "unix", "seccomp", "packet"; from_name returns -1 for anything else. */
const char *kc_via_name(enum kc_via v);
int kc_via_from_name(const char *name, enum kc_via *out);

/* The load (attach) result. errnum is exactly the kernel's answer to the
 * original program, except when env_limit is set: ENOMEM survived a retry
 * on a fresh socket, which says more about optmem_max than about the
 * program, and is never to be counted as a divergence. */
struct kc_load {
	int errnum;
	bool env_limit;
	bool readback_ok;   /* SO_GET_FILTER gave back the attached bytes */
	char msg[192];
};

/*
 * One verdict.
 *   error     0, or the errno of an environment failure that kept the
 *             kernel from running the program on this input (a packet
 *             larger than the socket allows, a child that timed out...);
 *             note says what. Not a divergence.
 *   verdict   the return value. When exact is false only min(verdict,
 *             len) is known and verdict holds that.
 *   abort     the run ended early returning 0 (div/mod by 0, failed
 *             load); meaningful only when abort_known.
 *   random    the program reads SKF_AD_RANDOM: reported, never compared.
 *   ctx       what the program saw, to run a VM on the same input.
 *   seen_cut  (AF_PACKET) the program saw the input without this many
 *             bytes at offset 12: a VLAN tag the kernel moved into
 *             ctx.vlan_*. 0 elsewhere.
 */
struct kc_verdict {
	int error;
	uint32_t verdict;
	bool exact;
	bool abort_known;
	bool abort;
	bool random;
	bool killed;          /* seccomp: the child died of its verdict */
	unsigned runs;        /* times the kernel ran a variant of the program */
	unsigned attaches;
	uint32_t seen_cut;
	struct cbpf_ctx ctx;
	char note[192];
};

/* An expected verdict (for example our VM's). When given, the oracle first
 * checks it in a single run and discovers the value only if it differs:
 * the answer is the kernel's either way, only cheaper when they agree. */
struct kc_hint {
	bool valid;
	uint32_t verdict;
	bool abort;           /* expected to end with a failed load or div0 */
};

#endif
