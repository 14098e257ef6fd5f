/*
 * fuzz_vm.c - target 5: the VM under ASan/UBSan on validated programs.
 * Input: fz_input.h's layout. Programs the validator rejects must also be
 * refused by cbpf_vm_create (with the same errno); accepted ones run on
 * the packet twice, with the AF_UNIX context and with an AF_PACKET-like
 * one whose fields come from the input (device, headers, linear length,
 * flow dissector), and must keep the VM's contract:
 *   - an aborted run (failed load, div/mod by 0) returns 0;
 *   - two runs on the same input give the same answer (the VM keeps no
 *     state between runs; rand and cpu come from the context);
 *   - where the VM compiles programs to native code (CBPF_VM_NO_JIT
 *     exists), the native code and the interpreter give the same answer.
 */
#include <errno.h>
#include <stdint.h>
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

static uint32_t word(const struct fz_case *c, size_t at)
{
	uint32_t w = 0;

	for (size_t i = 0; i < 4 && c->len; i++)
		w = (w << 8) | c->pkt[(at + i) % c->len];
	return w;
}

/* An AF_PACKET-like context chosen by the input's own bytes. */
static void packet_ctx(const struct fz_case *c, struct cbpf_ctx *ctx)
{
	uint32_t w = word(c, 0) ^ (uint32_t)c->n;

	cbpf_ctx_init(ctx);
	ctx->has_dev = w & 1;
	ctx->ifindex = word(c, 4);
	ctx->hatype = w >> 16;
	ctx->protocol = w & 0xffff;
	ctx->pkttype = (w >> 8) & 7;
	ctx->mark = word(c, 8);
	ctx->vlan_tci = w & 0xefff;
	ctx->vlan_avail = (w >> 3) & 1;
	ctx->net_off = (w & 2) ? 14 : 0;
	ctx->mac_off = (w & 4) ? 0 : CBPF_CTX_UNSET;
	ctx->headlen = (w & 8) && c->len ? (int64_t)(w % (c->len + 1)) : CBPF_CTX_UNSET;
	ctx->poff = (w & 16) ? CBPF_POFF_AUTO : (int64_t)(w >> 5);
	ctx->len = (w & 32) ? (int64_t)word(c, 12) : CBPF_CTX_UNSET;
}

static void check_run(const struct fz_case *c, const struct cbpf_vm *vm,
		      const struct cbpf_vm *interp, const struct cbpf_ctx *ctx)
{
	struct cbpf_result r = cbpf_vm_run(vm, c->pkt, c->len, ctx);
	struct cbpf_result again = interp ? cbpf_vm_run(interp, c->pkt, c->len, ctx)
					  : cbpf_vm_run(vm, c->pkt, c->len, ctx);
	struct fz_answer a[2] = {
		{ "vm", 0, true, r.verdict, cbpf_abort_name(r.end), true, NULL },
		{ interp ? "vm-interpreter" : "vm-again", 0, true, again.verdict,
		  cbpf_abort_name(again.end), true, NULL },
	};

	if ((r.end == CBPF_ABORT_LOAD || r.end == CBPF_ABORT_DIV0) && r.verdict != 0)
		finding(c, ctx, "an aborted run returned non-zero", a, 1);
	if (r.verdict != again.verdict || r.end != again.end)
		finding(c, ctx, interp ? "native code and interpreter differ"
				       : "two runs on the same input differ", a, 2);
}

/* The same program on the interpreter alone, when the VM also has native
 * code for it (NULL otherwise). */
static struct cbpf_vm *interpreter(const struct fz_case *c)
{
#ifdef CBPF_VM_NO_JIT
	struct cbpf_vm *vm = NULL;

	if (cbpf_vm_create_flags(c->insns, c->n, CBPF_PROFILE_LINUX, CBPF_VM_NO_JIT, &vm, NULL))
		return NULL;
	return vm;
#else
	(void)c;
	return NULL;
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_case c;
	struct cbpf_vm *vm = NULL, *interp;
	struct cbpf_ctx ctx;
	int verr, cerr;

	fz_split(data, size, &c);
	verr = cbpf_validate(c.insns, c.n, CBPF_PROFILE_LINUX, NULL, 0, NULL);
	cerr = cbpf_vm_create(c.insns, c.n, CBPF_PROFILE_LINUX, &vm, NULL);
	if (verr != cerr && cerr != ENOMEM) {
		struct fz_answer a[2] = { { "validator", verr, false, 0, NULL, true, NULL },
					  { "vm_create", cerr, false, 0, NULL, true, NULL } };
		finding(&c, NULL, "cbpf_vm_create and cbpf_validate disagree", a, 2);
	}
	if (cerr)
		return 0;
	interp = interpreter(&c);
	check_run(&c, vm, interp, NULL);
	packet_ctx(&c, &ctx);
	check_run(&c, vm, interp, &ctx);
	cbpf_vm_free(interp);
	cbpf_vm_free(vm);
	return 0;
}
