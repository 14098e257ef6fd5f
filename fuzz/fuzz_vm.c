/*
 * fuzz_vm.c - target 5: the VM under ASan/UBSan on validated programs.
 * Input: fz_input.h's layout. Programs the validator rejects must also be
 * refused by cbpf_vm_create (with the same errno); accepted ones run on
 * the packet twice, with the AF_UNIX context and with an AF_PACKET-like
 * one whose fields come from the input (device, headers, linear length,
 * flow dissector), and must keep the VM's contract:
 *   - an aborted run (failed load, div/mod by 0) returns 0;
 *   - two runs on the same input give the same answer (the VM keeps no
 *     state between runs; rand and cpu come from the context), and a
 *     batch of one (cbpf_vm_run_batch) the same verdict.
 * This target runs the interpreter (CBPF_VM_NO_JIT=1); fuzz_vm_jit checks
 * the native code against it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/validate.h"
#include "cbpf/vm.h"
#include "fz_input.h"
#include "fz_mutator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("CBPF_VM_NO_JIT", "1", 1);
	fz_mutator_opts.max_insns = 64;
	return 0;
}

static void finding(const struct fz_case *c, const struct cbpf_ctx *ctx, const char *note,
		    const struct fz_answer *a, size_t na)
{
	struct fz_finding f = { "vm", "invariant", CBPF_PROFILE_LINUX, c->insns, c->n,
				c->pkt, c->len, ctx, a, na, note };
	fz_report(&f);
}

static void check_batch(const struct fz_case *c, const struct cbpf_vm *vm,
			const struct cbpf_ctx *ctx, const struct cbpf_result *r)
{
	const uint8_t *pkts[1] = { c->pkt };
	size_t lens[1] = { c->len };
	uint32_t v = 0;
	size_t kept = cbpf_vm_run_batch(vm, pkts, lens, 1, ctx, &v);
	struct fz_answer a[2] = {
		{ "vm", 0, true, r->verdict, cbpf_abort_name(r->end), true, NULL },
		{ "vm-batch", 0, true, v, NULL, true, "a batch keeps no end reason" },
	};

	if (v != r->verdict || kept != (v != 0))
		finding(c, ctx, "a batch of one differs from the run", a, 2);
}

static void check_run(const struct fz_case *c, const struct cbpf_vm *vm,
		      const struct cbpf_ctx *ctx)
{
	struct cbpf_result r = cbpf_vm_run(vm, c->pkt, c->len, ctx);
	struct cbpf_result again = cbpf_vm_run(vm, c->pkt, c->len, ctx);
	struct fz_answer a[2] = {
		{ "vm", 0, true, r.verdict, cbpf_abort_name(r.end), true, NULL },
		{ "vm-again", 0, true, again.verdict, cbpf_abort_name(again.end), true, NULL },
	};

	if ((r.end == CBPF_ABORT_LOAD || r.end == CBPF_ABORT_DIV0) && r.verdict != 0)
		finding(c, ctx, "an aborted run returned non-zero", a, 1);
	if (r.verdict != again.verdict || r.end != again.end)
		finding(c, ctx, "two runs on the same input differ", a, 2);
	check_batch(c, vm, ctx, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_case c;
	struct cbpf_vm *vm = NULL;
	struct cbpf_ctx ctx;
	struct cbpf_diag prob;
	int verr, cerr;

	fz_split(data, size, &c);
	/* cbpf_vm_create validates first and returns the validator's errno,
	 * so they can disagree only where the pre-decoder refuses a program
	 * the validator accepted (rule "vm-predecode"): only then is the
	 * validator asked again, for the reproducer. */
	cerr = cbpf_vm_create(c.insns, c.n, CBPF_PROFILE_LINUX, 0, &vm, &prob);
	verr = cerr != 0 && cerr != ENOMEM && strcmp(prob.rule, "vm-predecode") == 0
		       ? cbpf_validate(c.insns, c.n, CBPF_PROFILE_LINUX, NULL, 0, NULL)
		       : cerr;
	if (verr != cerr && cerr != ENOMEM) {
		struct fz_answer a[2] = { { "validator", verr, false, 0, NULL, true, NULL },
					  { "vm_create", cerr, false, 0, NULL, true, NULL } };
		finding(&c, NULL, "cbpf_vm_create and cbpf_validate disagree", a, 2);
	}
	if (cerr)
		return 0;
	check_run(&c, vm, NULL);
	fz_packet_ctx(&c, &ctx);
	check_run(&c, vm, &ctx);
	cbpf_vm_free(vm);
	return 0;
}
