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

/* The commands, and whether one runs programs (merge and render read
 * results.json only: no build needed). */
static const struct {
	const char *name;
	int with_build;
} commands[] = { { "run", 1 }, { "record", 1 }, { "merge", 0 }, { "render", 0 } };

int cmd_corpus(int argc, char **argv)
{
	const char *sub = argc < 2 ? NULL : argv[1];

	if (sub != NULL && (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0))
		return tool_exec_python("corpus", "cbpfconform", NULL, 0, 0, argv + 1, 1);
	for (size_t i = 0; sub != NULL && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(sub, commands[i].name) == 0)
			return tool_exec_python("corpus", "cbpfconform", &sub, 1,
						commands[i].with_build, argv + 2, (size_t)argc - 2);
	if (sub != NULL)
		fprintf(stderr, "cbpf corpus: unknown command '%s'\n", sub);
	fputs(usage, stderr);
	return 2;
}
