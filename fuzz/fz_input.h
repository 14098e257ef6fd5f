/*
 * fz_input.h - how the program-running fuzz targets read their input, and
 * how every target reports a finding.
 *
 * Input layout (shared with the custom mutator, fz_mutator.c):
 *   byte 0          n, the number of instructions (clamped to what follows)
 *   bytes 1..8n     n raw instructions, host byte order (struct sock_filter)
 *   the rest        the packet (or, for seccomp, seccomp_data input bytes)
 * An empty input is the empty program on the empty packet.
 *
 * A finding (a divergence, a broken round trip) is written as a JSON
 * reproducer (fuzz/README.md, "Reproducers") and then the target aborts,
 * so the fuzzing engine also keeps the input that caused it.
 */
#ifndef CBPF_FUZZ_INPUT_H
#define CBPF_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"
#include "cbpf/validate.h"
#include "cbpf/vm.h"

#define FZ_MAXINSNS 255

struct fz_case {
	struct cbpf_insn insns[FZ_MAXINSNS];
	size_t n;
	const uint8_t *pkt;
	size_t len;
};

/* Split a fuzzer input as described above. */
void fz_split(const uint8_t *data, size_t size, struct fz_case *c);

/* Serialise a case back into the layout (buf has room for
 * 1 + 8 * n + len bytes); returns the size written. */
size_t fz_join(const struct cbpf_insn *insns, size_t n, const uint8_t *pkt, size_t len,
	       uint8_t *buf, size_t cap);

/* An AF_PACKET-like context drawn from the input's own bytes: device or
 * none, mac/net header offsets, linear length, poff (value or the flow
 * dissector), ld #len, and the skb fields. */
void fz_packet_ctx(const struct fz_case *c, struct cbpf_ctx *ctx);

/* One implementation's answer, as the reproducer records it. */
struct fz_answer {
	const char *impl;     /* "vm", "kernel", "pcap", "validator"... */
	int load_errno;       /* 0 = loaded, else the errno (EINVAL...) */
	bool ran;             /* verdict/abort are meaningful */
	uint32_t verdict;
	const char *abort;    /* NULL, "load", "div0", "nodev", "abort", "unknown" */
	bool exact;           /* false: only min(verdict, len) is known */
	const char *note;     /* may be NULL */
};

/* What went wrong and on what: written to the reproducer. */
struct fz_finding {
	const char *target;   /* "vm_kernel" */
	const char *kind;     /* "load", "verdict", "roundtrip", "invariant" */
	enum cbpf_profile profile;
	const struct cbpf_insn *insns;
	size_t n;
	const uint8_t *pkt;   /* packet, or the 64 seccomp_data bytes */
	size_t len;
	const struct cbpf_ctx *ctx;  /* may be NULL (AF_UNIX defaults) */
	const struct fz_answer *answers;
	size_t nanswers;
	const char *note;
};

/* Write the reproducer into $CBPF_FUZZ_REPRO_DIR (default: the current
 * directory) as repro-TARGET-HASH.json, print its path, then abort(). */
void fz_report(const struct fz_finding *f) __attribute__((noreturn));

/* Write the reproducer only; returns 0 and its path in path, or -1. */
int fz_write_repro(const struct fz_finding *f, char *path, size_t pathlen);

#endif
