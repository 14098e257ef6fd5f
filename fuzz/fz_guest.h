/*
 * fz_guest.h - a kernel target (a qemu guest, docs/kernel-matrix.md) as a
 * fuzz oracle: `cbpf kernel plugin --target TARGET` started once as a
 * child, asked one plugin-protocol request per input (docs/plugin-protocol.md)
 * and its answer read back. fuzz_vm_kernel uses it when
 * $CBPF_FUZZ_KERNEL_TARGET names a target (fuzz/README.md).
 */
#ifndef CBPF_FZ_GUEST_H
#define CBPF_FZ_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"
#include "cbpf/vm.h"

struct fz_guest;

enum fz_guest_load { FZ_GUEST_OK, FZ_GUEST_REJECTED, FZ_GUEST_ERROR };

struct fz_guest_answer {
	enum fz_guest_load load;
	char errnum[24];         /* REJECTED: the errno name ("EINVAL") */
	int errno_value;         /* REJECTED: its number */
	bool env_limit;          /* REJECTED: an ENOMEM of the guest's optmem_max */
	bool guest_error;        /* ERROR: the guest died or hung (it was restarted) */
	uint32_t verdict;        /* OK: the first packet's result */
	char abort[16];          /* OK: "" (a ret), "abort" or "unknown" */
	bool exact, random, input_error;
	struct cbpf_ctx ctx;     /* OK: the context the guest's program saw */
	char note[512];          /* a reason or note, for the reproducer */
};

/* Start `CBPF kernel plugin --target TARGET` (CBPF: $CBPF_FUZZ_CBPF, else
 * `cbpf` on PATH) and wait for its first answer (the boot). 0, or -1 with
 * a one-line why naming the target. */
int fz_guest_open(struct fz_guest **out, const char *target, char *why, size_t len);
/* One request: the program and one packet. 0, or -1 with why when the
 * plugin itself is gone (not a guest error: those are answers). */
int fz_guest_ask(struct fz_guest *g, const struct cbpf_insn *insns, size_t n,
		 const uint8_t *pkt, size_t len, struct fz_guest_answer *a, char *why,
		 size_t whylen);
const char *fz_guest_target(const struct fz_guest *g);
/* "kernel:TARGET": the implementation's name for reproducers (cbpf triage). */
const char *fz_guest_impl(const struct fz_guest *g);
void fz_guest_close(struct fz_guest *g);

#endif
