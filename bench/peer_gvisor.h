/*
 * peer_gvisor.h - gVisor's pkg/bpf interpreter as bench_vm measures it: a
 * Go program (bench/gvisor/main.go, built next to bench_vm as peer_gvisor
 * when Go and golang-gvisor-gvisor-dev are installed) that times bpf.Exec
 * on the same programs and frames and checks its verdicts against ours.
 * It runs as a child of bench_vm, right after bench_vm's own measurements.
 */
#ifndef CBPF_BENCH_PEER_GVISOR_H
#define CBPF_BENCH_PEER_GVISOR_H

#include <stddef.h>
#include <stdint.h>

/* One program: n instructions (code, jt, jf, k) and our verdict per frame. */
struct gvisor_prog {
	const uint16_t *code;
	const uint8_t *jt, *jf;
	const uint32_t *k;
	unsigned n;
	const uint32_t *verdicts;
};

/*
 * Run exe (the Go benchmark) on nprog programs over nframes frames:
 * ns[i] is gVisor's ns per frame for program i (or -1 when it could not
 * run it) and bad[i] the frames where its verdict differs from ours.
 * Returns 0, or -1 with why (one line) filled when nothing could run.
 */
int gvisor_measure(const char *exe, const uint8_t *const *pkts, const size_t *lens, int nframes,
		   const struct gvisor_prog *progs, int nprog, double *ns, int *bad, char *why,
		   size_t wn);

#endif
