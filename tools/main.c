/*
 * main.c - the cbpf command: dispatches to one subcommand per file.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	bool own_o; /* -o is the command's own option (asm/disasm: the output
		     * format; opcodes: its file), not --output's short form */
};

static const struct command commands[] = {
	{ "asm", cmd_asm, "assemble bpf_asm text into a program", true },
	{ "disasm", cmd_disasm, "print a program in any format as text", true },
	{ "check", cmd_check, "validate a program exactly as Linux does", false },
	{ "run", cmd_run, "run a program on packets with the Linux-exact VM", false },
	{ "plugin", cmd_plugin, "serve the plugin protocol (JSON Lines) with the VM", false },
	{ "kernel", cmd_kernel, "ask the live kernel (attach, run, env, plugin)", false },
	{ "seccomp", cmd_seccomp, "seccomp_data records and actions, as text and bytes", false },
	{ "corpus", cmd_corpus, "the conformance corpus: record, run, merge, render", false },
	{ "triage", cmd_triage, "minimise a divergence, name its cause, file a regression", false },
	{ "fuzz", cmd_fuzz, "fuzz campaigns: rotate targets, keep corpora, triage findings", false },
	{ "opcodes", cmd_opcodes, "the opcode table, as a table or JSON (--json)", true },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: cbpf COMMAND [OPTIONS] [ARGS]\n\n"
		     "cbpf: classic BPF (struct sock_filter) toolkit with Linux-exact semantics.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`cbpf COMMAND --help` describes each command's options; `cbpf --version`\n"
		     "prints the library's version, the kernel release and its JIT state.\n"
		     "Each command has a man page, cbpf-COMMAND(1).\n\n"
		     "Conventions: FILE `-` is stdin; `--output FILE` (every command but\n"
		     "corpus and triage, which have --out and --json; `-o FILE` too, but in\n"
		     "asm and disasm, where -o is the output format and -O the file) writes\n"
		     "what the command prints to FILE atomically (temporary file + rename,\n"
		     "only when the command ran to the end: status 0 or 1), as do --out,\n"
		     "--junit and --json; colour only on a terminal and never with NO_COLOR\n"
		     "set; progress on stderr only when it is a terminal.\n\n"
		     "Exit status: 0 success, 1 a \"no\" (a program Linux refuses, a\n"
		     "divergence), 2 usage error, unreadable or unparsable input (FILE:LINE:COL:\n"
		     "why) or unwritable output, 3 the kernel oracle cannot run here, 130\n"
		     "interrupted; each command's --help gives its own.\n");
}

/* Take `--output FILE` / `--output=FILE` (and, with short_o, `-o FILE`)
 * out of a command's arguments (up to a `--`) and send stdout there
 * (tool_redirect_stdout). 0, or 2 after printing why. The Python commands
 * (corpus, triage) have their own. */
static int take_output_option(int *argc, char **argv, bool short_o)
{
	const char *path = NULL;
	int i = 2;

	while (i < *argc && strcmp(argv[i], "--") != 0) {
		int take = 0;
		if (strcmp(argv[i], "--output") == 0 || (short_o && strcmp(argv[i], "-o") == 0)) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "cbpf %s: %s needs a file name\n", argv[1], argv[i]);
				return 2;
			}
			path = argv[i + 1];
			take = 2;
		} else if (strncmp(argv[i], "--output=", 9) == 0) {
			path = argv[i] + 9;
			take = 1;
		}
		if (take == 0) {
			i++;
			continue;
		}
		memmove(&argv[i], &argv[i + take], (size_t)(*argc - i - take + 1) * sizeof(*argv));
		*argc -= take;
	}
	if (path == NULL)
		return 0;
	if (*path == '\0') {
		fprintf(stderr, "cbpf %s: --output needs a file name\n", argv[1]);
		return 2;
	}
	return tool_redirect_stdout(path) == 0 ? 0 : 2;
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
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return tool_exit_status(tool_print_version());
	/* every command's stdout is checked once, here */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (commands[i].run != cmd_corpus && commands[i].run != cmd_triage) {
			int r = take_output_option(&argc, argv, !commands[i].own_o);
			if (r != 0)
				return r;
		}
		return tool_exit_status(commands[i].run(argc - 1, argv + 1));
	}
	fprintf(stderr, "cbpf: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
