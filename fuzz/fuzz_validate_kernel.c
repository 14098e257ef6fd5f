/*
 * fuzz_validate_kernel.c - target 4: the validator against the kernel.
 * Input: fz_input.h's layout (the packet part is ignored). cbpf_validate
 * (profile linux) must give exactly the errno SO_ATTACH_FILTER gives on a
 * fresh AF_UNIX socket (kc_try_attach). An ENOMEM from the kernel is an
 * optmem_max limit and is retried once, then skipped, never a divergence.
 * The custom mutator keeps programs near the edge of validity, so both
 * answers are common.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "attach.h"
#include "cbpf/validate.h"
#include "cbpf/errname.h"
#include "fz_input.h"
#include "fz_mutator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_mutator_opts.max_insns = 64;
	fz_mutator_opts.max_packet = 64;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_case c;
	struct cbpf_diag prob = { .insn = -1 };
	int ours, kernel;
	size_t count = 0;

	fz_split(data, size, &c);
	ours = cbpf_validate(c.insns, c.n, CBPF_PROFILE_LINUX, &prob, 1, &count);
	kernel = kc_try_attach(c.insns, c.n);
	if (kernel == ENOMEM)
		kernel = kc_try_attach(c.insns, c.n);
	if (kernel == ENOMEM || kernel == EMFILE || kernel == ENFILE)
		return 0;
	if (ours != kernel) {
		char note[256];
		struct fz_answer a[2] = {
			{ "validator", ours, false, 0, NULL, true, count ? prob.msg : NULL },
			{ "kernel", kernel, false, 0, NULL, true, "SO_ATTACH_FILTER, AF_UNIX" },
		};
		struct fz_finding f = { "validate_kernel", "load", CBPF_PROFILE_LINUX, c.insns,
					c.n, c.pkt, 0, NULL, a, 2, note };

		snprintf(note, sizeof(note), "validator says %s (%s), kernel says %s",
			 ours ? cbpf_errno_name(ours) : "ok", count ? prob.rule : "-",
			 kernel ? cbpf_errno_name(kernel) : "ok");
		fz_report(&f);
	}
	return 0;
}
