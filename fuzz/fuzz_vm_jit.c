/*
 * fuzz_vm_jit.c - the VM's native code against its interpreter (an
 * addition to target 5). Input: fz_input.h's layout. A program the
 * validator accepts is created twice, with native code and with
 * CBPF_VM_NO_JIT, and both run on the packet with the AF_UNIX context and
 * an AF_PACKET-like one drawn from the input (fz_packet_ctx): verdict and
 * end reason must be equal. Where the VM has no code generator (or the
 * header predates it) the target only runs the interpreter.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cbpf/vm.h"
#include "fz_input.h"
#include "fz_mutator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	unsetenv("CBPF_VM_NO_JIT");
	fz_mutator_opts.max_insns = 64;
	return 0;
}

static void compare(const struct fz_case *c, const struct cbpf_vm *native,
		    const struct cbpf_vm *interp, const struct cbpf_ctx *ctx)
{
	struct cbpf_result a = cbpf_vm_run(native, c->pkt, c->len, ctx);
	struct cbpf_result b = cbpf_vm_run(interp, c->pkt, c->len, ctx);
	struct fz_answer ans[2] = {
		{ "vm", 0, true, a.verdict, cbpf_abort_name(a.end), true, "native code" },
		{ "vm-interpreter", 0, true, b.verdict, cbpf_abort_name(b.end), true, NULL },
	};
	struct fz_finding f = { "vm_jit", "verdict", CBPF_PROFILE_LINUX, c->insns, c->n,
				c->pkt, c->len, ctx, ans, 2, "native code and interpreter differ" };

	if (a.verdict != b.verdict || a.end != b.end)
		fz_report(&f);
}

static struct cbpf_vm *create(const struct fz_case *c, unsigned flags)
{
	struct cbpf_vm *vm = NULL;

#ifdef CBPF_VM_NO_JIT
	if (cbpf_vm_create(c->insns, c->n, CBPF_PROFILE_LINUX, flags, &vm, NULL) != 0)
		return NULL;
#else
	(void)flags;
	if (cbpf_vm_create(c->insns, c->n, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0)
		return NULL;
#endif
	return vm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_case c;
	struct cbpf_vm *native, *interp;
	struct cbpf_ctx ctx;

	fz_split(data, size, &c);
	native = create(&c, 0);
	if (!native)
		return 0;
#ifdef CBPF_VM_NO_JIT
	interp = create(&c, CBPF_VM_NO_JIT);
#else
	interp = create(&c, 0);
#endif
	if (interp) {
		compare(&c, native, interp, NULL);
		fz_packet_ctx(&c, &ctx);
		compare(&c, native, interp, &ctx);
	}
	cbpf_vm_free(interp);
	cbpf_vm_free(native);
	return 0;
}
