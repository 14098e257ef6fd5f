/*
 * bench_text.c - pinned micro-benchmark of two library functions whose
 * code was once shaped around fuzzer instrumentation (issue 11, item 8):
 * cbpf_validate on programs that read M[] (so the scratch check runs)
 * and cbpf_print(CBPF_FMT_BPFASM). The programs are fixed (ts_randprog, seed 1: 2,000
 * valid programs of up to 48 instructions in the kernel oracles' scratch
 * mix, and one 4,096-instruction program alternating ld M[1] and jeq).
 * Each measure takes the fastest of ROUNDS rounds (the machine is shared);
 * prints ns per program, microseconds per 4,096-instruction validation
 * and the listing bytes (the same on every run: a check that the printer
 * printed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cbpf/format.h"
#include "cbpf/validate.h"
#include "randprog.h"

enum { NPROG = 2000, MAXLEN = 48, ROUNDS = 15 };

static struct cbpf_insn progs[NPROG][MAXLEN];
static size_t lens[NPROG];
static struct cbpf_insn big[CBPF_MAXINSNS];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void make_programs(void)
{
	struct ts_prog_opts o = { .max_len = MAXLEN, .valid = true, .scratch_mix = true };
	struct ts_rng r;

	ts_seed(&r, 1);
	for (int i = 0; i < NPROG; i++)
		lens[i] = ts_randprog(&r, &o, progs[i]);
	/* st M[1]; then ld M[1] and jeq #j, +0, +1 in turn; ret #0; ret a */
	big[0] = cbpf_stmt(CBPF_ST, 1);
	for (size_t j = 1; j + 2 < CBPF_MAXINSNS; j++)
		big[j] = j % 2 ? cbpf_stmt(CBPF_LD | CBPF_MEM, 1)
			       : cbpf_jump(CBPF_JMP | CBPF_JEQ | CBPF_K, (uint32_t)j, 0, 1);
	big[CBPF_MAXINSNS - 2] = cbpf_stmt(CBPF_RET | CBPF_K, 0);
	big[CBPF_MAXINSNS - 1] = cbpf_stmt(CBPF_RET | CBPF_RET_A, 0);
}

/* Seconds for one pass of validating every program; -1 on a refusal. */
static double validate_all(void)
{
	double t = now();

	for (int i = 0; i < NPROG; i++)
		if (cbpf_validate(progs[i], lens[i], CBPF_PROFILE_LINUX, NULL, 0, NULL) != 0)
			return -1;
	return now() - t;
}

static double validate_big(void)
{
	double t = now();

	for (int k = 0; k < 20; k++)
		if (cbpf_validate(big, CBPF_MAXINSNS, CBPF_PROFILE_LINUX, NULL, 0, NULL) != 0)
			return -1;
	return (now() - t) / 20;
}

static double print_all(size_t *bytes)
{
	double t = now();

	*bytes = 0;
	for (int i = 0; i < NPROG; i++) {
		size_t len = 0;
		char *s = cbpf_print(CBPF_FMT_BPFASM, progs[i], lens[i], &len);

		if (s == NULL)
			return -1;
		*bytes += len;
		free(s);
	}
	return now() - t;
}

static double fastest(double best, double t)
{
	return best < 0 || (t >= 0 && t < best) ? t : best;
}

int main(void)
{
	double v = -1, b = -1, p = -1;
	size_t bytes = 0;

	make_programs();
	for (int r = 0; r < ROUNDS; r++) {
		double tv = validate_all(), tb = validate_big(), tp = print_all(&bytes);

		if (tv < 0 || tb < 0 || tp < 0) {
			fprintf(stderr, "bench_text: a fixed program was refused or not printed\n");
			return 1;
		}
		v = fastest(v, tv);
		b = fastest(b, tb);
		p = fastest(p, tp);
	}
	printf("cbpf_validate (reads M[]): %.0f ns/program; 4096 instructions: %.1f us\n",
	       v / NPROG * 1e9, b * 1e6);
	printf("cbpf_asm_print: %.0f ns/program (%zu bytes for %d programs)\n", p / NPROG * 1e9,
	       bytes, NPROG);
	return 0;
}
