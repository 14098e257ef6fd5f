/*
 * fuzz_seccomp_kernel.c - target 8: the seccomp profile against the
 * kernel's seccomp. Input: fz_input.h's layout, where the bytes after the
 * program are the syscall to make: nr (4 bytes, host order) and up to six
 * 8-byte arguments. cbpf_validate (profile seccomp) must give exactly the
 * errno installing the filter gives, and for a loaded program the VM, run
 * on the seccomp_data the kernel's filter saw, must return the same 32-bit
 * action (an abort, div/mod by X == 0, is 0 = KILL_THREAD in both).
 * Every kernel run is a child of this process (kc_seccomp_request: a
 * clone sharing its memory, so the fuzzer's size does not make it dearer),
 * one per input when the hint is right; the syscall itself never executes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cbpf/validate.h"
#include "cbpf/vm.h"
#include "fz_input.h"
#include "fz_mutator.h"
#include "seccomp_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* arch and ip are the same in every child: learnt from the first run. */
static struct cbpf_seccomp_data last_seen;
static bool have_seen;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_mutator_opts.seccomp = true;
	fz_mutator_opts.max_insns = 32;
	fz_mutator_opts.max_packet = 64;
	return 0;
}

static void input_from(const struct fz_case *c, struct kc_seccomp_input *in)
{
	uint8_t buf[4 + 6 * 8] = { 0 };

	memcpy(buf, c->pkt, c->len < sizeof(buf) ? c->len : sizeof(buf));
	memcpy(&in->nr, buf, 4);
	memcpy(in->args, buf + 4, sizeof(in->args));
}

static void finding(const struct fz_case *c, const char *kind, const char *note,
		    const struct cbpf_seccomp_data *sd, const struct fz_answer *a)
{
	struct fz_finding f = { "seccomp_kernel", kind, CBPF_PROFILE_SECCOMP, c->insns, c->n,
				(const uint8_t *)sd, sizeof(*sd), NULL, a, 2, note };
	fz_report(&f);
}

static struct cbpf_seccomp_data data_for(const struct kc_seccomp_input *in)
{
	struct cbpf_seccomp_data sd = last_seen;

	sd.nr = in->nr;
	memcpy(sd.args, in->args, sizeof(sd.args));
	return sd;
}

static void compare(const struct fz_case *c, const struct cbpf_vm *vm, const struct kc_verdict *v,
		    const struct cbpf_seccomp_data *seen)
{
	struct cbpf_result r = cbpf_vm_run(vm, (const uint8_t *)seen, sizeof(*seen), NULL);
	struct fz_answer a[2] = {
		{ "vm", 0, true, r.verdict, cbpf_abort_name(r.end), true, NULL },
		{ "kernel", 0, true, v->verdict, v->abort ? "abort" : NULL, v->exact, v->note },
	};

	if (v->exact && r.verdict != v->verdict)
		finding(c, "verdict", "VM and seccomp verdicts differ", seen, a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_case c;
	struct kc_seccomp_input in;
	struct cbpf_seccomp_data sd, seen;
	struct cbpf_vm *vm = NULL;
	struct kc_hint hint = { false, 0, false };
	struct kc_load load;
	struct kc_verdict v;
	int ours;

	fz_split(data, size, &c);
	input_from(&c, &in);
	sd = data_for(&in);
	ours = cbpf_vm_create(c.insns, c.n, CBPF_PROFILE_SECCOMP, 0, &vm, NULL);
	if (ours == 0 && have_seen) {
		struct cbpf_result r = cbpf_vm_run(vm, (const uint8_t *)&sd, sizeof(sd), NULL);
		hint.valid = true;
		hint.verdict = r.verdict;
		hint.abort = r.end == CBPF_ABORT_DIV0;
	}
	memset(&v, 0, sizeof(v));
	if (kc_seccomp_request(c.insns, c.n, &in, 1, &hint, &load, &v, &seen) != 0 ||
	    load.errnum != 0) {
		if (!load.env_limit && load.errnum != ours && load.errnum > 0) {
			struct fz_answer a[2] = {
				{ "validator", ours, false, 0, NULL, true, NULL },
				{ "kernel", load.errnum, false, 0, NULL, true, load.msg },
			};
			finding(&c, "load", "validator and seccomp disagree on the load", &sd, a);
		}
		cbpf_vm_free(vm);
		return 0;
	}
	if (ours != 0) {
		struct fz_answer a[2] = { { "validator", ours, false, 0, NULL, true, NULL },
					  { "kernel", 0, false, 0, NULL, true, NULL } };
		finding(&c, "load", "the validator refuses, seccomp installs it", &sd, a);
	}
	if (!v.error) {
		last_seen = seen;
		have_seen = true;
		compare(&c, vm, &v, &seen);
	}
	cbpf_vm_free(vm);
	return 0;
}
