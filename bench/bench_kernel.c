/*
 * bench_kernel.c - how fast the socket-pair oracle gives exact answers,
 * against the raw cost of asking the kernel at all, in the same run.
 *
 *   raw     attach + send + recv of a fixed 20-instruction filter on one
 *           socket pair, 64-byte packets: the floor of any kernel oracle
 *   oracle  exact comparisons per second on random valid programs of up to
 *           32 instructions, one 64-byte packet each: our VM's verdict,
 *           then one oracle request (kc_unix_load_for: attach + SO_GET_FILTER
 *           read-back; kc_unix_verdict with the VM's verdict as the hint),
 *           then the comparison. The VM interprets: a VM that runs once
 *           is cheaper interpreted than compiled (its JIT maps, protects and
 *           unmaps code per program), which the "VM JIT" line shows
 *   mix     raw attach + send + recv over the same random programs
 *           (inexact: min(v, len)), for reference
 *   no hint the oracle finding each 32-bit value from scratch, for reference
 *
 * The machine is shared and noisy, so the measures take turns in ROUNDS
 * rounds and each rate is total work over total time: raw and oracle see
 * the same load. Prints the rates, attaches and sends per comparison, and
 * oracle/raw (target: >= 50%) overall, with the median and range of the
 * per-round ratios (short rounds swing with the load). The same ratio
 * over this thread's CPU time (user + system) is printed too: it leaves
 * out the time other processes held the CPU, the bulk of the noise.
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
#define ROUNDS 20
#define PER_ROUND (NPROGS / ROUNDS)
#define RAW_PER_ROUND 1000

struct prog {
	struct cbpf_insn insns[32];
	size_t n;
};

/* Work done and time spent by one measure, summed over the rounds. */
struct tally {
	double secs, cpu;
	long items, attaches, sends, differ;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double rate(const struct tally *t)
{
	return t->secs > 0 ? (double)t->items / t->secs : 0;
}

/* attach + send + recv of the fixed filter, iters times. */
static void raw_fixed(int sv[2], const uint8_t *pkt, int iters, struct tally *t)
{
	struct cbpf_insn f[20];
	uint8_t byte;
	double t0, c0;

	for (int i = 0; i < 19; i++)
		f[i] = cbpf_stmt(0x04, (uint32_t)i); /* add #i */
	f[19] = cbpf_stmt(0x16, 0);
	t0 = now();
	c0 = cpu_now();
	for (int i = 0; i < iters; i++) {
		kc_attach(sv[1], f, 20);
		send(sv[0], pkt, PKT_LEN, 0);
		recv(sv[1], &byte, 1, MSG_DONTWAIT | MSG_TRUNC);
	}
	t->cpu += cpu_now() - c0;
	t->secs += now() - t0;
	t->items += iters;
}

/* The same raw loop over programs [from, to) of the random mix. */
static void raw_mix(int sv[2], const struct prog *progs, int from, int to, const uint8_t *pkt,
		    struct tally *t)
{
	uint8_t byte;
	double t0 = now(), c0 = cpu_now();

	for (int i = from; i < to; i++) {
		kc_attach(sv[1], progs[i].insns, progs[i].n);
		send(sv[0], pkt, PKT_LEN, 0);
		recv(sv[1], &byte, 1, MSG_DONTWAIT | MSG_TRUNC);
	}
	t->cpu += cpu_now() - c0;
	t->secs += now() - t0;
	t->items += to - from;
}

static struct cbpf_result vm_verdict(const struct prog *p, const uint8_t *pkt,
				     const struct cbpf_ctx *ctx, unsigned flags)
{
	struct cbpf_result r = { 0, CBPF_END_RET };
	struct cbpf_vm *vm;

	if (cbpf_vm_create(p->insns, p->n, CBPF_PROFILE_LINUX, flags, &vm, NULL) == 0) {
		r = cbpf_vm_run(vm, pkt, PKT_LEN, ctx);
		cbpf_vm_free(vm);
	}
	return r;
}

/* One exact comparison: VM verdict, oracle request, compare. Returns
 * true when they agree (the VM runs again on the kernel's ctx if the
 * sender's CPU was not the one the VM assumed). */
static bool compare_one(struct kc_unix *u, const struct prog *p, const uint8_t *pkt,
			bool use_hint, unsigned vm_flags, struct tally *t)
{
	struct cbpf_ctx ctx;
	struct cbpf_result r;
	struct kc_hint hint;
	struct kc_verdict v;
	struct kc_load l;

	cbpf_ctx_init(&ctx);
	ctx.cpu = (uint32_t)sched_getcpu();
	r = vm_verdict(p, pkt, &ctx, vm_flags);
	hint.valid = use_hint;
	hint.verdict = r.verdict;
	hint.abort = r.end == CBPF_ABORT_LOAD || r.end == CBPF_ABORT_DIV0;
	t->attaches++;
	if (kc_unix_load_for(u, p->insns, p->n, pkt, PKT_LEN, &hint, &l) != 0)
		return false;
	kc_unix_verdict(u, pkt, PKT_LEN, &hint, &v);
	t->attaches += v.attaches;
	t->sends += v.runs;
	if (v.ctx.cpu != ctx.cpu)
		r = vm_verdict(p, pkt, &v.ctx, vm_flags);
	return v.exact && v.verdict == r.verdict;
}

static void oracle(struct kc_unix *u, const struct prog *progs, int from, int to,
		   const uint8_t *pkt, bool use_hint, unsigned vm_flags, struct tally *t)
{
	double t0 = now(), c0 = cpu_now();

	for (int i = from; i < to; i++)
		if (!compare_one(u, &progs[i], pkt, use_hint, vm_flags, t))
			t->differ++;
	t->cpu += cpu_now() - c0;
	t->secs += now() - t0;
	t->items += to - from;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print_oracle(const char *what, const struct tally *t)
{
	printf("%-40s %9.0f /s  (%.2f attaches, %.2f sends each; %ld differ)\n", what, rate(t),
	       (double)t->attaches / (double)t->items, (double)t->sends / (double)t->items,
	       t->differ);
}

int main(void)
{
	static struct prog progs[NPROGS];
	struct tally raw = { 0 }, mix = { 0 }, orc = { 0 }, jit = { 0 }, dis = { 0 }, warm = { 0 };
	double ratios[ROUNDS];
	uint8_t pkt[PKT_LEN];
	struct ts_rng rng;
	struct kc_unix *u;
	struct kc_error err;
	int sv[2];

	for (int i = 0; i < PKT_LEN; i++)
		pkt[i] = (uint8_t)(i * 37 + 11);
	ts_seed(&rng, 1);
	for (int i = 0; i < NPROGS; i++) {
		struct ts_prog_opts o = { .max_len = 32, .pkt_hint = PKT_LEN,
					   .det = TS_DET_NO_DEVICE, .valid = true,
					   .scratch_mix = true };
		progs[i].n = ts_randprog(&rng, &o, progs[i].insns);
	}
	if (kc_unix_open(&u, &err) != 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0) {
		fprintf(stderr, "bench_kernel: %s\n", u == NULL ? err.msg : "socketpair failed");
		return 1;
	}
	raw_fixed(sv, pkt, 2000, &warm);
	oracle(u, progs, 0, PER_ROUND, pkt, true, CBPF_VM_NO_JIT, &warm);
	for (int r = 0; r < ROUNDS; r++) {
		int from = r * PER_ROUND, to = from + PER_ROUND;
		double raw0 = raw.secs, orc0 = orc.secs;

		raw_fixed(sv, pkt, RAW_PER_ROUND, &raw);
		oracle(u, progs, from, to, pkt, true, CBPF_VM_NO_JIT, &orc);
		raw_mix(sv, progs, from, to, pkt, &mix);
		oracle(u, progs, from, to, pkt, true, 0, &jit);
		oracle(u, progs, from, to, pkt, false, CBPF_VM_NO_JIT, &dis);
		ratios[r] = ((double)PER_ROUND / (orc.secs - orc0)) /
			    ((double)RAW_PER_ROUND / (raw.secs - raw0));
	}
	qsort(ratios, ROUNDS, sizeof(ratios[0]), cmp_double);
	kc_unix_close(u);
	close(sv[0]);
	close(sv[1]);
	printf("raw attach+send+recv (20 insns, 64 B):   %9.0f /s\n", rate(&raw));
	printf("raw attach+send+recv (the random mix):   %9.0f /s  (inexact: min(v, len))\n",
	       rate(&mix));
	print_oracle("oracle exact comparisons (hint = VM):", &orc);
	print_oracle("  the same, VM JIT-compiled per program:", &jit);
	print_oracle("oracle exact verdicts (no hint):", &dis);
	printf("ratio oracle/raw: %.0f%% (target >= 50%%; per round: median %.0f%%, %.0f%%..%.0f%%); "
	       "oracle/raw-on-the-mix: %.0f%%\n", 100.0 * rate(&orc) / rate(&raw),
	       100.0 * (ratios[ROUNDS / 2 - 1] + ratios[ROUNDS / 2]) / 2, 100.0 * ratios[0],
	       100.0 * ratios[ROUNDS - 1], 100.0 * rate(&orc) / rate(&mix));
	printf("ratio over CPU time: %.0f%% (raw %.1f us, oracle %.1f us, mix %.1f us of CPU "
	       "each)\n", 100.0 * (raw.cpu / (double)raw.items) / (orc.cpu / (double)orc.items),
	       1e6 * raw.cpu / (double)raw.items, 1e6 * orc.cpu / (double)orc.items,
	       1e6 * mix.cpu / (double)mix.items);
	return orc.differ != 0;
}
