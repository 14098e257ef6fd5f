/*
 * dpdk_exec.c - DPDK librte_bpf (Debian libdpdk-dev 22.11) as a classic
 * BPF implementation: EAL start-up, rte_bpf_convert() + rte_bpf_load(),
 * the JIT's code (rte_bpf_get_jit) and one run over a packet.
 *
 * What was measured (docs/peers.md): rte_bpf_load, rte_bpf_exec and the JIT
 * need no EAL; rte_bpf_convert allocates its result with rte_zmalloc, which
 * fails with ENOMEM until rte_eal_init has set up a heap. The smallest EAL
 * that works here touches no device and no hugepage: --no-huge (heap in
 * ordinary memory), -m 4 (MiB), --no-pci (no device probe: without it EAL
 * probes the machine's virtio NIC), --no-shconf (no /var/run/dpdk files),
 * --no-telemetry (no socket), -l 0, --log-level *:error. It takes about
 * 0.2 s. EAL pins the calling thread to lcore 0's CPU; the affinity is put
 * back.
 *
 * The converted program's argument is RTE_BPF_ARG_PTR_MBUF: a struct
 * rte_mbuf. Its loads go through rte_pktmbuf_read() (bytes in network
 * order, chained segments followed), ld #len reads pkt_len. A packet
 * becomes a chain of segments of at most `seg` bytes (data_len is 16 bits),
 * one segment when it fits, pointing at the packet's bytes (data_off 0).
 */
#include "dpdk_exec.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bpf.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

static char *log_buf;
static size_t log_len;
static size_t log_seen;
static FILE *log_stream;
static char last_line[600];

int dpdk_start(const char *argv0, char *why, size_t whylen)
{
	char *args[] = { (char *)argv0, "--no-huge", "-m", "4", "--no-pci", "--no-shconf",
			 "--no-telemetry", "-l", "0", "--log-level", "*:error", NULL };
	cpu_set_t cpus;
	int have_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;

	log_stream = open_memstream(&log_buf, &log_len);
	if (log_stream)
		rte_openlog_stream(log_stream);
	if (rte_eal_init((int)(sizeof(args) / sizeof(args[0])) - 1, args) < 0) {
		snprintf(why, whylen, "rte_eal_init(--no-huge --no-pci ...): %s (%s)",
			 rte_strerror(rte_errno), dpdk_last_log());
		return -1;
	}
	if (have_cpus)
		sched_setaffinity(0, sizeof(cpus), &cpus);
	return 0;
}

/* The lines logged since the previous call, joined with "; " (bounded). */
const char *dpdk_last_log(void)
{
	size_t out = 0;
	last_line[0] = '\0';
	if (!log_stream || fflush(log_stream) != 0 || log_len <= log_seen)
		return last_line;
	for (size_t i = log_seen; i < log_len && out + 3 < sizeof(last_line); i++) {
		char c = log_buf[i];
		if (c == '\r')
			continue;
		if (c == '\n') {
			if (out && i + 1 < log_len) {
				last_line[out++] = ';';
				last_line[out++] = ' ';
			}
			continue;
		}
		last_line[out++] = c;
	}
	last_line[out] = '\0';
	log_seen = log_len;
	return last_line;
}

struct rte_bpf *dpdk_load(const uint8_t *raw, size_t n, char *why, size_t whylen)
{
	struct bpf_insn *insns = calloc(n ? n : 1, sizeof(*insns));
	if (!insns) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(&insns[i], raw + 8 * i, 8);
	struct bpf_program prog = { .bf_len = (u_int)n, .bf_insns = insns };
	dpdk_last_log();
	struct rte_bpf_prm *prm = rte_bpf_convert(&prog);
	free(insns);
	if (!prm) {
		int e = rte_errno;
		snprintf(why, whylen, "rte_bpf_convert: %s: %s", rte_strerror(e), dpdk_last_log());
		return NULL;
	}
	struct rte_bpf *bpf = rte_bpf_load(prm);
	int e = rte_errno;
	rte_free(prm);
	if (!bpf)
		snprintf(why, whylen, "rte_bpf_load: %s: %s", rte_strerror(e), dpdk_last_log());
	return bpf;
}

dpdk_jit_fn dpdk_jit(const struct rte_bpf *bpf)
{
	struct rte_bpf_jit jit = { 0 };
	if (rte_bpf_get_jit(bpf, &jit) != 0)
		return NULL;
	return jit.func;
}

/* An mbuf chain over data: segment i holds bytes [i*seg, min(len, (i+1)*seg)). */
static struct rte_mbuf *chain(const uint8_t *data, size_t len, unsigned seg)
{
	static uint8_t empty[1];
	size_t nseg = len ? (len + seg - 1) / seg : 1;
	size_t bytes = nseg * sizeof(struct rte_mbuf);
	struct rte_mbuf *m = aligned_alloc(RTE_CACHE_LINE_SIZE,
					   (bytes + RTE_CACHE_LINE_SIZE - 1) / RTE_CACHE_LINE_SIZE *
						   RTE_CACHE_LINE_SIZE);
	if (!m)
		return NULL;
	memset(m, 0, bytes);
	for (size_t i = 0; i < nseg; i++) {
		size_t off = i * seg;
		size_t n = len - off < seg ? len - off : seg;
		m[i].buf_addr = len ? (void *)(uintptr_t)(data + off) : empty;
		m[i].buf_len = (uint16_t)n;
		m[i].data_off = 0;
		m[i].data_len = (uint16_t)n;
		m[i].next = i + 1 < nseg ? &m[i + 1] : NULL;
		m[i].nb_segs = 1;
		m[i].pkt_len = (uint32_t)n;
	}
	m[0].nb_segs = (uint16_t)(nseg > 0xffff ? 0xffff : nseg);
	m[0].pkt_len = (uint32_t)len;
	return m;
}

uint64_t dpdk_run(const struct rte_bpf *bpf, dpdk_jit_fn jit, const uint8_t *data, size_t len,
		  unsigned seg, int *err)
{
	struct rte_mbuf *m = chain(data, len, seg);
	if (!m) {
		*err = -1;
		return 0;
	}
	*err = 0;
	uint64_t rc = jit ? jit(m) : rte_bpf_exec(bpf, m);
	free(m);
	return rc;
}

void dpdk_unload(struct rte_bpf *bpf)
{
	rte_bpf_destroy(bpf);
}
