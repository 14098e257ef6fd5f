/*
 * cmd_triage.c - `cbpf triage INPUT... [--impl A --impl B]` and
 * `cbpf triage fuzz`: minimise a divergence between two implementations,
 * name its cause and file it in corpus/regress/. The work is done by the
 * Python package cbpfconform.triage (`python3 -m cbpfconform.triage`,
 * harness/cbpfconform/triage/), which this command execs with
 * /usr/bin/python3, passing the build directory this cbpf binary lives in
 * (so triage runs the same cbpf and plugins). python_exec.c finds the
 * package. `cbpf triage --help` is the Python command's full help.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char usage[] =
	"usage: cbpf triage INPUT... [--impl A [--impl B]] [--packet HEX]... [--case GLOB]\n"
	"                   [--corpus DIR] [--no-file] [--json OUT] [-q] [OPTIONS]\n"
	"       cbpf triage fuzz [--help] [OPTIONS]\n"
	"`cbpf triage --help` lists every option and the exit status.\n";

int cmd_triage(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "fuzz") == 0) {
		const char *lead = "fuzz";
		return tool_exec_python("triage", "cbpfconform.triage", &lead, 1, 1, argv + 2,
					(size_t)argc - 2);
	}
	return tool_exec_python("triage", "cbpfconform.triage", NULL, 0, 1, argv + 1,
				(size_t)argc - 1);
}
