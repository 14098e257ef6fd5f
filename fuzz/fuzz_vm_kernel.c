/*
 * fuzz_vm_kernel.c - target 6: the VM against the kernel oracle, exact
 * verdict parity. Input: fz_input.h's layout (packets up to 2048 bytes).
 * A program the validator accepts is loaded on the AF_UNIX oracle
 * (kc_unix, planned for the packet with the VM's verdict as the hint, so
 * an agreeing answer costs one run); the kernel must load it, and its
 * verdict and abort must equal the VM's run on the context the kernel
 * reported. Not compared: programs reading rand (never deterministic),
 * inputs the oracle could not run (environment errors), and, for inexact
 * answers, anything beyond min(verdict, max(len, 1)).
 *
 * With $CBPF_FUZZ_KERNEL_TARGET set (e.g. debian-6.1/armhf:jit) the oracle
 * is that kernel target instead: `cbpf kernel plugin --target` (a qemu
 * guest, fz_guest.h), one plugin request per input, compared the same way;
 * a guest that dies or hangs on a program is a finding. Programs with a
 * feature $CBPF_FUZZ_KERNEL_SKIP names (shift-x: lsh/rsh x, the armhf and
 * ppc64el JITs' known difference) are counted, not compared.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/validate.h"
#include "cbpf/vm.h"
#include "fz_guest.h"
#include "fz_input.h"
#include "fz_mutator.h"
#include "unix_oracle.h"

#define MAX_PACKET 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct kc_unix *oracle;
static struct fz_guest *guest;
static bool skip_shift_x;
static unsigned long guest_compared, guest_skipped;

static void guest_summary(void)
{
	fprintf(stderr, "fuzz_vm_kernel: %s: %lu inputs compared, %lu skipped (%s)\n",
		fz_guest_target(guest), guest_compared, guest_skipped,
		skip_shift_x ? "shift-x" : "nothing skipped");
	fz_guest_close(guest);
}

static void open_guest(const char *target)
{
	const char *skip = getenv("CBPF_FUZZ_KERNEL_SKIP");
	char why[600];

	if (skip != NULL && *skip != '\0' && strcmp(skip, "shift-x") != 0) {
		fprintf(stderr, "fuzz_vm_kernel: CBPF_FUZZ_KERNEL_SKIP='%s': only shift-x is known\n",
			skip);
		exit(1);
	}
	skip_shift_x = skip != NULL && *skip != '\0';
	if (fz_guest_open(&guest, target, why, sizeof(why)) != 0) {
		fprintf(stderr, "fuzz_vm_kernel: %s\n", why);
		exit(1);
	}
	atexit(guest_summary);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kc_error err;
	const char *target = getenv("CBPF_FUZZ_KERNEL_TARGET");

	(void)argc;
	(void)argv;
	fz_mutator_opts.max_insns = 48;
	fz_mutator_opts.max_packet = 256;
	if (target != NULL && *target != '\0') {
		open_guest(target);
		return 0;
	}
	if (kc_unix_open(&oracle, &err) != 0) {
		fprintf(stderr, "fuzz_vm_kernel: no AF_UNIX oracle: %s\n", err.msg);
		exit(1);
	}
	/* Verdicts are compared, not the stored bytes (the conformance
	 * harness checks those). */
	kc_unix_set_readback(oracle, false);
	return 0;
}

static void finding(const struct fz_case *c, const struct cbpf_ctx *ctx, const char *kind,
		    const char *note, const struct fz_answer *a)
{
	struct fz_finding f = { "vm_kernel", kind, CBPF_PROFILE_LINUX, c->insns, c->n,
				c->pkt, c->len, ctx, a, 2, note };
	fz_report(&f);
}

static uint32_t bound(uint32_t v, size_t len)
{
	uint32_t q = len > 1 ? (len > UINT32_MAX ? UINT32_MAX : (uint32_t)len) : 1;
	return v < q ? v : q;
}

static void compare(const struct fz_case *c, const struct cbpf_vm *vm, const struct kc_verdict *v)
{
	struct cbpf_result r = cbpf_vm_run(vm, c->pkt, c->len, &v->ctx);
	bool vm_abort = r.end == CBPF_ABORT_LOAD || r.end == CBPF_ABORT_DIV0;
	struct fz_answer a[2] = {
		{ "vm", 0, true, r.verdict, cbpf_abort_name(r.end), true, NULL },
		{ "kernel", 0, true, v->verdict,
		  !v->abort_known ? "unknown" : v->abort ? "abort" : NULL, v->exact, v->note },
	};

	if (v->exact ? r.verdict != v->verdict : bound(r.verdict, c->len) != v->verdict)
		finding(c, &v->ctx, "verdict", "VM and kernel verdicts differ", a);
	if (v->abort_known && r.end != CBPF_ABORT_NODEV && vm_abort != v->abort)
		finding(c, &v->ctx, "verdict", "VM and kernel disagree on an abort", a);
}

static bool has_shift_x(const struct fz_case *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->insns[i].code == 0x6c || c->insns[i].code == 0x7c)
			return true;
	return false;
}

static void compare_guest(const struct fz_case *c, const struct cbpf_vm *vm,
			  const struct fz_guest_answer *g)
{
	struct cbpf_result r = cbpf_vm_run(vm, c->pkt, c->len, &g->ctx);
	bool vm_abort = r.end == CBPF_ABORT_LOAD || r.end == CBPF_ABORT_DIV0;
	bool known = strcmp(g->abort, "unknown") != 0;
	struct fz_answer a[2] = {
		{ "vm", 0, true, r.verdict, cbpf_abort_name(r.end), true, NULL },
		{ fz_guest_impl(guest), 0, true, g->verdict, g->abort[0] ? g->abort : NULL,
		  g->exact, g->note[0] ? g->note : NULL },
	};

	guest_compared++;
	if (g->exact ? r.verdict != g->verdict : bound(r.verdict, c->len) != g->verdict)
		finding(c, &g->ctx, "verdict", "VM and kernel target verdicts differ", a);
	if (known && r.end != CBPF_ABORT_NODEV && vm_abort != (strcmp(g->abort, "abort") == 0))
		finding(c, &g->ctx, "verdict", "VM and kernel target disagree on an abort", a);
}

/* The guest's answer for a program the validator accepts. */
static void ask_guest(const struct fz_case *c, const struct cbpf_vm *vm)
{
	struct fz_guest_answer g;
	char why[600];

	if (skip_shift_x && has_shift_x(c)) {
		guest_skipped++;
		return;
	}
	if (fz_guest_ask(guest, c->insns, c->n, c->pkt, c->len, &g, why, sizeof(why)) != 0) {
		fprintf(stderr, "fuzz_vm_kernel: %s\n", why);
		exit(1);
	}
	if (g.load == FZ_GUEST_REJECTED && !g.env_limit && strcmp(g.errnum, "ENOMEM") != 0) {
		struct fz_answer a[2] = {
			{ "validator", 0, false, 0, NULL, true, NULL },
			{ fz_guest_impl(guest), g.errno_value, false, 0, NULL, true, g.note },
		};
		finding(c, NULL, "load", "the validator accepts, the kernel target refuses", a);
	}
	if (g.load == FZ_GUEST_ERROR && g.guest_error) {
		struct fz_answer a[2] = {
			{ "vm", 0, false, 0, NULL, true, NULL },
			{ fz_guest_impl(guest), 0, false, 0, "unknown", false, g.note },
		};
		finding(c, NULL, "verdict", "the kernel target's guest died or hung on it", a);
	}
	if (g.load == FZ_GUEST_OK && !g.random && !g.input_error)
		compare_guest(c, vm, &g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_case c;
	struct cbpf_vm *vm;
	struct cbpf_result r;
	struct kc_hint hint;
	struct kc_load load;
	struct kc_verdict v;
	struct cbpf_ctx ctx;

	fz_split(data, size, &c);
	if (c.len > MAX_PACKET)
		c.len = MAX_PACKET;
	/* The interpreter: creating native code per input costs more than
	 * the run; fuzz_vm_jit checks native code against it. */
	if (cbpf_vm_create_flags(c.insns, c.n, CBPF_PROFILE_LINUX, CBPF_VM_NO_JIT, &vm, NULL) != 0)
		return 0;
	if (guest != NULL) {
		ask_guest(&c, vm);
		cbpf_vm_free(vm);
		return 0;
	}
	/* The hint on the context the kernel will use (the sender's CPU for
	 * programs reading cpu): a wrong hint costs a discovery of the
	 * verdict, several attaches. */
	kc_unix_ctx_for(oracle, c.insns, c.n, c.len, &ctx);
	r = cbpf_vm_run(vm, c.pkt, c.len, &ctx);
	hint.valid = true;
	hint.verdict = r.verdict;
	hint.abort = r.end == CBPF_ABORT_LOAD || r.end == CBPF_ABORT_DIV0;
	if (kc_unix_load_for(oracle, c.insns, c.n, c.pkt, c.len, &hint, &load) != 0) {
		struct fz_answer a[2] = {
			{ "validator", 0, false, 0, NULL, true, NULL },
			{ "kernel", load.errnum, false, 0, NULL, true, load.msg },
		};
		if (!load.env_limit)
			finding(&c, NULL, "load", "the validator accepts, the kernel refuses", a);
		cbpf_vm_free(vm);
		return 0;
	}
	kc_unix_verdict(oracle, c.pkt, c.len, &hint, &v);
	kc_unix_unload(oracle);
	if (!v.error && !v.random)
		compare(&c, vm, &v);
	cbpf_vm_free(vm);
	return 0;
}
