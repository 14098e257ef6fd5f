/*
 * main.c - the cbpf command: dispatches to one subcommand per file.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "asm", cmd_asm, "assemble bpf_asm text into a program" },
	{ "disasm", cmd_disasm, "print a program in any format as text" },
	{ "check", cmd_check, "validate a program exactly as Linux does" },
	{ "run", cmd_run, "run a program on packets with the Linux-exact VM" },
	{ "plugin", cmd_plugin, "serve the plugin protocol (JSON Lines) with the VM" },
	{ "kernel", cmd_kernel, "ask the live kernel (attach, run, env, plugin)" },
	{ "seccomp", cmd_seccomp, "seccomp_data records and actions, as text and bytes" },
	{ "corpus", cmd_corpus, "the conformance corpus: record, run, merge, render" },
	{ "triage", cmd_triage, "minimise a divergence, name its cause, file a regression" },
	{ "fuzz", cmd_fuzz, "fuzz campaigns: rotate targets, keep corpora, triage findings" },
	{ "opcodes", cmd_opcodes, "the opcode table, as a table or JSON (--json)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: cbpf COMMAND [OPTIONS] [ARGS]\n\n"
		     "cbpf: classic BPF (struct sock_filter) toolkit with Linux-exact semantics.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`cbpf COMMAND --help` describes each command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return tool_exit_status(0);
	}
	/* every command's stdout is checked once, here */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return tool_exit_status(commands[i].run(argc - 1, argv + 1));
	fprintf(stderr, "cbpf: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
