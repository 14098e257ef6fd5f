/*
 * cmd_seccomp.c - `cbpf seccomp`: seccomp's words as text, through the
 * library's one parser (cbpf/seccomp.h): `data` turns seccomp_data specs
 * into the 64-byte records `cbpf run`, the plugin protocol and the corpus
 * runner take; `action` turns return values or action names into
 * "0xHHHHHHHH ACTION".
 */
#include <stdio.h>
#include <string.h>

#include "cbpf/seccomp.h"
#include "commands.h"

static const char usage[] =
	"usage: cbpf seccomp data SPEC...\n"
	"       cbpf seccomp action VALUE...\n"
	"\n"
	"data    each SPEC is one struct seccomp_data as every cbpf command takes it:\n"
	"          nr=N,arch=A,ip=I,args=A0:A1:...:A5\n"
	"        fields optional and in any order; numbers decimal or 0x hex; nr a\n"
	"        number or a syscall name (x86_64 and i386 names are known), arch a\n"
	"        number or an AUDIT_ARCH name (x86_64 i386 aarch64 arm riscv64 ppc64le\n"
	"        s390x ...). Omitted: arch is this machine's (the one the kernel\n"
	"        reports for its syscalls), the rest 0 (docs/seccomp-input.md).\n"
	"        Prints one line per SPEC: the 64-byte record in host byte order as\n"
	"        128 hex digits (what `cbpf run --profile seccomp` takes as a packet),\n"
	"        a blank, and the record's canonical text with its names.\n"
	"action  each VALUE is a filter's return value (a number) or an action:\n"
	"        KILL_PROCESS KILL_THREAD (or KILL) TRAP TRAP(n) ERRNO(n) USER_NOTIF\n"
	"        TRACE(n) LOG ALLOW, any case, SECCOMP_RET_ prefix allowed. Prints\n"
	"        0xHHHHHHHH ACTION: the value and what the kernel does with it.\n"
	"\n"
	"Example:\n"
	"  cbpf seccomp action ERRNO(1) 0x7fff0000\n"
	"  0x00050001 ERRNO(1)\n"
	"  0x7fff0000 ALLOW\n"
	"\n"
	"Exit status: 0, or 2 for a usage error or a SPEC or VALUE that does not read\n"
	"(the message names it).\n";

static int bad(const char *cmd, int i, const char *arg, const char *why)
{
	fflush(stdout); /* the records before it come first */
	fprintf(stderr, "cbpf seccomp %s: argument %d '%.128s%s': %s\n", cmd, i, arg,
		strlen(arg) > 128 ? "..." : "", why);
	return 2;
}

static int cmd_data(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct cbpf_seccomp_data sd;
		unsigned char raw[sizeof(sd)];
		struct cbpf_diag why;
		char text[256];
		if (cbpf_seccomp_data_parse(argv[i], strlen(argv[i]), &sd, NULL, &why) != 0)
			return bad("data", i, argv[i], why.msg);
		memcpy(raw, &sd, sizeof(raw));
		for (size_t b = 0; b < sizeof(raw); b++)
			printf("%02x", raw[b]);
		cbpf_seccomp_data_format(&sd, text, sizeof(text));
		printf(" %s\n", text);
	}
	return 0;
}

static int cmd_action(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		uint32_t v;
		struct cbpf_diag why;
		if (cbpf_seccomp_action_parse(argv[i], strlen(argv[i]), &v, &why) != 0)
			return bad("action", i, argv[i], why.msg);
		tool_print_verdict(CBPF_PROFILE_SECCOMP, v, NULL, NULL);
	}
	return 0;
}

int cmd_seccomp(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "data") == 0)
		return cmd_data(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "action") == 0)
		return cmd_action(argc - 1, argv + 1);
	fprintf(stderr, "cbpf seccomp: %s\n%s", argc < 2 ? "which subcommand? data or action"
							 : "unknown subcommand (data or action)",
		usage);
	return 2;
}
