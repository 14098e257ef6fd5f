/*
 * consumer.c - a program outside the project, built against the installed
 * library with nothing but `pkg-config --cflags --libs cbpf`: it uses only
 * <cbpf/cbpf.h>. It assembles a filter, validates it, runs it on a packet
 * and prints "verdict 14" (the filter returns the ethertype 0x0800's high
 * byte plus 6: ldb [12] is 8, add #6 is 14).
 */
#include <cbpf/cbpf.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	static const char text[] = "ldb [12]\nadd #6\nret a\n";
	struct cbpf_prog prog = { 0 };
	struct cbpf_diag diag;
	struct cbpf_vm *vm = NULL;
	uint8_t pkt[60];

	if (cbpf_parse(CBPF_FMT_BPFASM, text, strlen(text), &prog, &diag) != 0) {
		cbpf_diag_print(stderr, &diag, "consumer");
		return 1;
	}
	if (cbpf_validate(prog.insns, prog.len, CBPF_PROFILE_LINUX, NULL, 0, NULL) != 0 ||
	    cbpf_vm_create(prog.insns, prog.len, CBPF_PROFILE_LINUX, 0, &vm, &diag) != 0) {
		cbpf_diag_print(stderr, &diag, "consumer");
		return 1;
	}
	memset(pkt, 0, sizeof(pkt));
	pkt[12] = 0x08;
	struct cbpf_ctx ctx;
	cbpf_ctx_init(&ctx);
	struct cbpf_result r = cbpf_vm_run(vm, pkt, sizeof(pkt), &ctx);
	printf("verdict %u %s\n", (unsigned)r.verdict, cbpf_errno_name(0));
	cbpf_vm_free(vm);
	cbpf_prog_free(&prog);
	return 0;
}
