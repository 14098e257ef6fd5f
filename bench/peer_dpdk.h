/*
 * peer_dpdk.h - DPDK's librte_bpf as bench_vm measures it, in its process:
 * a libpcap program converted by rte_bpf_convert(), loaded by
 * rte_bpf_load(), run by the interpreter (rte_bpf_exec) and by the native
 * code of rte_bpf_get_jit(), on the bench's frames as plain one-segment
 * mbufs. Only built when libdpdk-dev is installed (CBPF_BENCH_DPDK);
 * peer_dpdk.c keeps DPDK's headers and compile flags out of bench_vm.c.
 */
#ifndef CBPF_BENCH_PEER_DPDK_H
#define CBPF_BENCH_PEER_DPDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_program;
struct dpdk_prog;

/* Start DPDK's EAL once, with the smallest initialisation
 * (docs/peers.md), and take the frames the runs read (kept by pointer).
 * Returns 0, or -1 with why (one line) filled. */
int dpdk_start(const uint8_t *const *pkts, const size_t *lens, int n, char *why, size_t wn);

/* Convert and load bp (and get its native code); NULL with why filled. */
struct dpdk_prog *dpdk_load(const struct bpf_program *bp, char *why, size_t wn);

/* Whether rte_bpf_get_jit() gave native code for p. */
bool dpdk_has_jit(const struct dpdk_prog *p);

/*
 * Every frame through p (interpreter or native) in a child process, so that
 * a crash of DPDK's code is reported, not fatal: *bad <- the frames whose
 * verdict (low 32 bits of r0) differs from want[i]. Returns 0, or -1 with
 * why filled (the signal and the frame) when the child did not finish.
 */
int dpdk_check(const struct dpdk_prog *p, bool jit, const uint32_t *want, int *bad, char *why,
	       size_t wn);

/* Every frame through p, rounds times; ns per frame. */
double dpdk_time(const struct dpdk_prog *p, bool jit, long rounds);

void dpdk_free(struct dpdk_prog *p);

#endif
