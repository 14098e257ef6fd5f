/*
 * bench_kernel.c - how fast the socket-pair oracle gives exact answers,
 * against the raw cost of asking the kernel at all.
 *
 *   raw     attach + send + recv of a fixed 20-instruction filter on one
 *           socket pair, 64-byte packets: the floor of any kernel oracle
 *   oracle  exact comparisons (kernel 32-bit verdict vs our VM) per second
 *           on random valid programs of up to 32 instructions, 64-byte
 *           packets, one request per program (load + read-back + verdict),
 *           the VM's verdict given as the hint
 *   discover  the same without hints (the kernel's value found from
 *           scratch), for reference
 *
 * Prints the rates and oracle/raw (target: >= 50%).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "cbpf/vm.h"
#include "randprog.h"
#include "unix_oracle.h"

#define PKT_LEN 64
#define NPROGS 4000

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double raw_rate(const uint8_t *pkt, int iters)
{
	struct cbpf_insn f[20];
	uint8_t byte;
	int sv[2];
	double t;

	for (int i = 0; i < 19; i++)
		f[i] = cbpf_stmt(0x04, (uint32_t)i); /* add #i */
	f[19] = cbpf_stmt(0x16, 0);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	t = now();
	for (int i = 0; i < iters; i++) {
		kc_attach(sv[1], f, 20);
		send(sv[0], pkt, PKT_LEN, 0);
		recv(sv[1], &byte, 1, MSG_DONTWAIT | MSG_TRUNC);
	}
	t = now() - t;
	close(sv[0]);
	close(sv[1]);
	return iters / t;
}

struct prog {
	struct cbpf_insn insns[32];
	size_t n;
};

/* The same raw loop over the random mix: one plain attach+send+recv per
 * program, no exactness (what a single attach of these programs costs). */
static double raw_mix_rate(const struct prog *progs, int nprogs, const uint8_t *pkt)
{
	uint8_t byte;
	int sv[2];
	double t;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	t = now();
	for (int i = 0; i < nprogs; i++) {
		kc_attach(sv[1], progs[i].insns, progs[i].n);
		send(sv[0], pkt, PKT_LEN, 0);
		recv(sv[1], &byte, 1, MSG_DONTWAIT | MSG_TRUNC);
	}
	t = now() - t;
	close(sv[0]);
	close(sv[1]);
	return nprogs / t;
}

static double oracle_rate(struct kc_unix *u, const struct prog *progs, int nprogs,
			  const uint8_t *pkt, int use_hint, int *mismatches, double *attaches)
{
	struct cbpf_ctx ctx;
	long total_attaches = 0;
	double t;

	cbpf_ctx_init(&ctx);
	ctx.cpu = (uint32_t)sched_getcpu();
	*mismatches = 0;
	t = now();
	for (int i = 0; i < nprogs; i++) {
		struct cbpf_vm *vm;
		struct cbpf_result r = { 0, CBPF_END_RET };
		struct kc_hint hint = { false, 0, false };
		struct kc_verdict v;
		struct kc_load l;

		if (cbpf_vm_create(progs[i].insns, progs[i].n, CBPF_PROFILE_LINUX, &vm, NULL) == 0) {
			r = cbpf_vm_run(vm, pkt, PKT_LEN, &ctx);
			cbpf_vm_free(vm);
		}
		hint.valid = use_hint;
		hint.verdict = r.verdict;
		hint.abort = r.end == CBPF_ABORT_LOAD || r.end == CBPF_ABORT_DIV0;
		if (kc_unix_load_for(u, progs[i].insns, progs[i].n, pkt, PKT_LEN, &hint, &l) != 0) {
			(*mismatches)++;
			continue;
		}
		kc_unix_verdict(u, pkt, PKT_LEN, &hint, &v);
		total_attaches += v.attaches + 1;
		if (!v.exact || v.verdict != r.verdict)
			(*mismatches)++;
	}
	t = now() - t;
	*attaches = (double)total_attaches / nprogs;
	return nprogs / t;
}

int main(void)
{
	static struct prog progs[NPROGS];
	uint8_t pkt[PKT_LEN];
	struct kc_rng rng;
	struct kc_unix *u;
	struct kc_error err;
	double raw, mix, orc, dis, att_h, att_d;
	int mm_h, mm_d;

	for (int i = 0; i < PKT_LEN; i++)
		pkt[i] = (uint8_t)(i * 37 + 11);
	kc_rng_seed(&rng, 1);
	for (int i = 0; i < NPROGS; i++) {
		struct kc_randprog_opts o = { 32, PKT_LEN, false, false };
		progs[i].n = kc_randprog(&rng, &o, progs[i].insns);
	}
	if (kc_unix_open(&u, &err) != 0) {
		fprintf(stderr, "bench_kernel: %s\n", err.msg);
		return 1;
	}
	raw_rate(pkt, 2000); /* warm up */
	raw = raw_rate(pkt, 20000);
	mix = raw_mix_rate(progs, NPROGS, pkt);
	oracle_rate(u, progs, NPROGS / 4, pkt, 1, &mm_h, &att_h); /* warm up */
	orc = oracle_rate(u, progs, NPROGS, pkt, 1, &mm_h, &att_h);
	dis = oracle_rate(u, progs, NPROGS, pkt, 0, &mm_d, &att_d);
	kc_unix_close(u);
	printf("raw attach+send+recv (20 insns, 64 B):   %9.0f /s\n", raw);
	printf("raw attach+send+recv (the random mix):   %9.0f /s  (inexact: min(v, len))\n", mix);
	printf("oracle exact comparisons (hint = VM):    %9.0f /s  (%.2f attaches each, "
	       "%d differ)\n", orc, att_h, mm_h);
	printf("oracle exact verdicts (no hint):         %9.0f /s  (%.2f attaches each, "
	       "%d differ from the VM)\n", dis, att_d, mm_d);
	printf("ratio oracle/raw: %.0f%% (target >= 50%%); oracle/raw-on-the-mix: %.0f%%\n",
	       100.0 * orc / raw, 100.0 * orc / mix);
	return 0;
}
