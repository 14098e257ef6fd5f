/*
 * cmd_corpus.c - `cbpf corpus record|run|merge|render`: the conformance
 * corpus. The work is done by the Python runner, the cbpfconform package
 * (`python3 -m cbpfconform`, harness/cbpfconform/cli.py), which this
 * command execs with /usr/bin/python3, passing the build directory this
 * cbpf binary lives in (so the runner uses the same cbpf and plugins).
 * python_exec.c finds the package. `cbpf corpus --help` is the Python
 * command's full help.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

/* The short usage of a mistake; `cbpf corpus --help` is the Python
 * command's own help (every command, option and exit status, one text). */
static const char usage[] =
	"usage: cbpf corpus COMMAND [OPTIONS]   (COMMAND: run, record, merge, render)\n"
	"`cbpf corpus --help` lists the commands and the exit status,\n"
	"`cbpf corpus COMMAND --help` a command's options.\n";

int cmd_corpus(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return tool_exec_python("corpus", "cbpfconform", NULL, 0, 0, argv + 1, 1);
	const char *sub = argv[1];
	if (strcmp(sub, "record") && strcmp(sub, "run") && strcmp(sub, "merge") &&
	    strcmp(sub, "render")) {
		fprintf(stderr, "cbpf corpus: unknown command '%s'\n%s", sub, usage);
		return 2;
	}
	/* merge and render read results.json only: no build needed */
	int with_build = strcmp(sub, "merge") != 0 && strcmp(sub, "render") != 0;
	return tool_exec_python("corpus", "cbpfconform", &sub, 1, with_build, argv + 2,
				(size_t)argc - 2);
}
