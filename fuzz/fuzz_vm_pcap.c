/*
 * fuzz_vm_pcap.c - target 7: the VM against libpcap's bpf_filter() on
 * programs Linux accepts (libpcap aborts on some opcodes Linux refuses,
 * and loops on backward jumps; neither reaches it here). Input:
 * fz_input.h's layout. A different verdict is a known, classified
 * divergence when the program has a feature harness/cbpfconform/causes.json names for
 * libpcap (shift by X: Linux masks the count, libpcap gives 0; ld [x+k]:
 * Linux wraps X+k; negative offsets: SKF_NET_OFF/SKF_LL_OFF; extensions);
 * those are counted and printed at exit. Any other difference is new and
 * reported as a finding.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cbpf/vm.h"
#include "fz_input.h"
#include "fz_mutator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

enum cause { C_SHIFT_X, C_IND_WRAP, C_NEGATIVE, C_EXTENSION, C_COUNT };
static const char *const cause_names[C_COUNT] = {
	"shift-x-ge-32", "ind-wrap", "negative-offset", "extension",
};
static unsigned long cause_count[C_COUNT];
static unsigned long compared;

static void print_causes(void)
{
	fprintf(stderr, "fuzz_vm_pcap: %lu runs compared; known divergences:", compared);
	for (int i = 0; i < C_COUNT; i++)
		fprintf(stderr, " %s=%lu", cause_names[i], cause_count[i]);
	fputc('\n', stderr);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The interpreter: creating native code per input costs more than
	 * the run; fuzz_vm checks native code against it. */
	setenv("CBPF_VM_NO_JIT", "1", 1);
	fz_mutator_opts.max_insns = 64;
	atexit(print_causes);
	return 0;
}

/* The first cause whose feature the program has (causes.json order), or
 * C_COUNT. */
static enum cause classify(const struct cbpf_insn *insns, size_t n)
{
	unsigned has = 0;

	for (size_t i = 0; i < n; i++) {
		struct cbpf_typed t = cbpf_decode(insns[i]);
		if (t.kind == CBPF_KIND_LD_EXT)
			has |= 1u << C_EXTENSION;
		if ((t.kind == CBPF_KIND_LD_ABS || t.kind == CBPF_KIND_LD_MSH) && (int32_t)t.k < 0)
			has |= 1u << C_NEGATIVE;
		if (t.kind == CBPF_KIND_ALU && t.src == CBPF_SRC_X &&
		    (t.alu == CBPF_ALU_LSH || t.alu == CBPF_ALU_RSH))
			has |= 1u << C_SHIFT_X;
		if (t.kind == CBPF_KIND_LD_IND)
			has |= 1u << C_IND_WRAP;
	}
	if (has & (1u << C_EXTENSION))
		return C_EXTENSION;
	if (has & (1u << C_NEGATIVE))
		return C_NEGATIVE;
	if (has & (1u << C_SHIFT_X))
		return C_SHIFT_X;
	if (has & (1u << C_IND_WRAP))
		return C_IND_WRAP;
	return C_COUNT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_case c;
	struct cbpf_vm *vm;
	struct cbpf_result r;
	u_int pv;
	enum cause why;

	fz_split(data, size, &c);
	if (cbpf_vm_create(c.insns, c.n, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0)
		return 0;
	r = cbpf_vm_run(vm, c.pkt, c.len, NULL);
	cbpf_vm_free(vm);
	/* struct cbpf_insn is layout-compatible with struct bpf_insn. */
	pv = bpf_filter((const struct bpf_insn *)c.insns, c.pkt, (u_int)c.len, (u_int)c.len);
	compared++;
	if (pv == r.verdict)
		return 0;
	why = classify(c.insns, c.n);
	if (why != C_COUNT) {
		cause_count[why]++;
		return 0;
	}
	{
		struct fz_answer a[2] = {
			{ "vm", 0, true, r.verdict, cbpf_abort_name(r.end), true, NULL },
			{ "pcap", 0, true, pv, NULL, true, "bpf_filter" },
		};
		struct fz_finding f = { "vm_pcap", "verdict", CBPF_PROFILE_LINUX, c.insns, c.n,
					c.pkt, c.len, NULL, a, 2,
					"VM and libpcap differ; no known cause applies" };
		fz_report(&f);
	}
	return 0;
}
