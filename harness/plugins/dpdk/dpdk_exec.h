/*
 * dpdk_exec.h - DPDK librte_bpf as a classic BPF implementation: the EAL
 * start-up it needs, cBPF -> eBPF conversion and load, and one run over a
 * packet given as an rte_mbuf chain (docs/peers.md, "DPDK librte_bpf").
 */
#ifndef CBPF_DPDK_EXEC_H
#define CBPF_DPDK_EXEC_H

#include <stddef.h>
#include <stdint.h>

struct rte_bpf;

/* Start DPDK's EAL with the smallest set-up rte_bpf_convert() needs (its
 * rte_zmalloc): no hugepages, no PCI, no shared config, no telemetry. The
 * calling thread's CPU affinity is kept. Returns 0, or -1 with why set. */
int dpdk_start(const char *argv0, char *why, size_t whylen);

/* Convert (rte_bpf_convert) and load (rte_bpf_load) a cBPF program of n
 * raw instructions (8-byte struct sock_filter records, host order). NULL
 * when either refuses it, with why naming the step and DPDK's log line. */
struct rte_bpf *dpdk_load(const uint8_t *raw, size_t n, char *why, size_t whylen);

/* The JIT's native code of a loaded program, or NULL when the JIT made
 * none (rte_bpf_get_jit gives func == NULL). */
typedef uint64_t (*dpdk_jit_fn)(void *);
dpdk_jit_fn dpdk_jit(const struct rte_bpf *bpf);

/* Run a program on one packet (len bytes at data) built as an mbuf chain of
 * segments of at most seg bytes (1..65535): with jit non-NULL through the
 * native code, else rte_bpf_exec(). Returns r0 (64 bits). -1 in *err when
 * memory for the chain ran out. */
uint64_t dpdk_run(const struct rte_bpf *bpf, dpdk_jit_fn jit, const uint8_t *data, size_t len,
		  unsigned seg, int *err);

/* DPDK's log lines since the previous call, joined with "; " ("" if none). */
const char *dpdk_last_log(void);

void dpdk_unload(struct rte_bpf *bpf);

#endif
