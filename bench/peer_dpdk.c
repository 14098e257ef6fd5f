/*
 * peer_dpdk.c - DPDK's librte_bpf for bench_vm (peer_dpdk.h): EAL started
 * once with no hugepages, devices, shared config or telemetry; each frame a
 * plain mbuf (no mempool) whose one segment is the frame's bytes, which is
 * what the converted program's loads (rte_pktmbuf_read) and ld #len
 * (pkt_len) read. The timing loops have the shape of bench_vm's.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "peer_dpdk.h"

#include <pcap/pcap.h>
#include <rte_bpf.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAXFRAMES = 256 };

struct dpdk_prog {
	struct rte_bpf *bpf;
	struct rte_bpf_jit jit;
};

static struct rte_mbuf mbufs[MAXFRAMES];
static void *ctxs[MAXFRAMES];
static int nframes;

/* EAL pins the calling thread to lcore 0: the bench keeps the affinity it
 * had, so that DPDK's start does not move the other measurements. */
static int start_eal(char *why, size_t wn)
{
	char *argv[] = { "bench_vm", "--no-huge", "-m", "4", "--no-pci", "--no-shconf",
			 "--no-telemetry", "-l", "0", "--log-level", "*:error", NULL };
	cpu_set_t cpus;
	bool have = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;
	int err = rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);

	if (have)
		sched_setaffinity(0, sizeof(cpus), &cpus);
	if (err < 0) {
		snprintf(why, wn, "rte_eal_init --no-huge -m 4 --no-pci --no-shconf: %s",
			 strerror(rte_errno));
		return -1;
	}
	return 0;
}

int dpdk_start(const uint8_t *const *pkts, const size_t *lens, int n, char *why, size_t wn)
{
	if (n > MAXFRAMES) {
		snprintf(why, wn, "more than %d frames", MAXFRAMES);
		return -1;
	}
	if (start_eal(why, wn) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct rte_mbuf *m = &mbufs[i];

		memset(m, 0, sizeof(*m));
		m->buf_addr = (void *)(uintptr_t)pkts[i];
		m->buf_len = (uint16_t)lens[i];
		m->data_off = 0;
		m->data_len = (uint16_t)lens[i];
		m->pkt_len = (uint32_t)lens[i];
		m->nb_segs = 1;
		m->next = NULL;
		rte_mbuf_refcnt_set(m, 1);
		ctxs[i] = m;
	}
	nframes = n;
	return 0;
}

struct dpdk_prog *dpdk_load(const struct bpf_program *bp, char *why, size_t wn)
{
	struct rte_bpf_prm *prm = rte_bpf_convert(bp);
	struct dpdk_prog *p;

	if (prm == NULL) {
		snprintf(why, wn, "rte_bpf_convert: %s", strerror(rte_errno));
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		rte_free(prm);
		snprintf(why, wn, "out of memory");
		return NULL;
	}
	p->bpf = rte_bpf_load(prm);
	rte_free(prm);
	if (p->bpf == NULL) {
		snprintf(why, wn, "rte_bpf_load: %s", strerror(rte_errno));
		free(p);
		return NULL;
	}
	if (rte_bpf_get_jit(p->bpf, &p->jit) != 0)
		p->jit.func = NULL;
	return p;
}

bool dpdk_has_jit(const struct dpdk_prog *p)
{
	return p->jit.func != NULL;
}

static uint32_t run_one(const struct dpdk_prog *p, bool jit, int i)
{
	uint64_t rc = jit ? p->jit.func(ctxs[i]) : rte_bpf_exec(p->bpf, ctxs[i]);

	return (uint32_t)rc;
}

/* The child: each frame's verdict down the pipe as it is computed. */
static void check_child(const struct dpdk_prog *p, bool jit, int fd)
{
	for (int i = 0; i < nframes; i++) {
		uint32_t v = run_one(p, jit, i);

		if (write(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
			_exit(1);
	}
	_exit(0);
}

int dpdk_check(const struct dpdk_prog *p, bool jit, const uint32_t *want, int *bad, char *why,
	       size_t wn)
{
	int fd[2], status = 0, got = 0;
	uint32_t v;
	pid_t pid;

	*bad = 0;
	if (pipe(fd) != 0 || (pid = fork()) < 0) {
		snprintf(why, wn, "pipe/fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		check_child(p, jit, fd[1]);
	}
	close(fd[1]);
	while (got < nframes && read(fd[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
		*bad += v != want[got++];
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status)) {
		snprintf(why, wn, "%s crashed (%s) on frame %d (%u bytes)",
			 jit ? "rte_bpf_get_jit code" : "rte_bpf_exec", strsignal(WTERMSIG(status)),
			 got, got < nframes ? mbufs[got].pkt_len : 0);
		return -1;
	}
	if (got != nframes) {
		snprintf(why, wn, "the checking child stopped after %d frames", got);
		return -1;
	}
	return 0;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static volatile uint32_t sink;

__attribute__((noinline)) static double time_exec(const struct rte_bpf *bpf, long rounds)
{
	uint32_t acc = 0;
	double t0 = now_ns();

	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < nframes; i++)
			acc += (uint32_t)rte_bpf_exec(bpf, ctxs[i]);
	sink = acc;
	return (now_ns() - t0) / ((double)rounds * nframes);
}

__attribute__((noinline)) static double time_jit(uint64_t (*func)(void *), long rounds)
{
	uint32_t acc = 0;
	double t0 = now_ns();

	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < nframes; i++)
			acc += (uint32_t)func(ctxs[i]);
	sink = acc;
	return (now_ns() - t0) / ((double)rounds * nframes);
}

double dpdk_time(const struct dpdk_prog *p, bool jit, long rounds)
{
	return jit ? time_jit(p->jit.func, rounds) : time_exec(p->bpf, rounds);
}

void dpdk_free(struct dpdk_prog *p)
{
	if (p == NULL)
		return;
	rte_bpf_destroy(p->bpf);
	free(p);
}
