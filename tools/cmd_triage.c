/*
 * cmd_triage.c - `cbpf triage INPUT... [--impl A --impl B]` and
 * `cbpf triage fuzz`: minimise a divergence between two implementations,
 * name its cause and file it in corpus/regress/. The work is done by the
 * Python package reports/triage/ (reports/triage/cli.py), which this
 * command execs with /usr/bin/python3, passing the build directory this
 * cbpf binary lives in (so triage runs the same cbpf and plugins). The
 * source tree is CBPF_SRC from the environment, else the one this binary
 * was configured from.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

#ifndef CBPF_SOURCE_DIR
#define CBPF_SOURCE_DIR "."
#endif

static const char usage[] =
	"usage: cbpf triage INPUT... [--impl A [--impl B]] [--packet HEX]... [--case GLOB]\n"
	"                   [--corpus DIR] [--no-file] [--json OUT] [-q]\n"
	"       cbpf triage fuzz [--impl A [--impl B]] [--seed N] [--count N] [--insns N]\n"
	"                   [--out DIR] [--max-findings N]\n\n"
	"Re-check a divergence between two implementations (the kernel is the reference\n"
	"when it is one of them), minimise the program and packet while the same\n"
	"divergence persists, name its cause (harness/causes.json), and file a new\n"
	"regression case in corpus/regress/ unless an equal one is there.\n"
	"INPUT: a fuzz reproducer (JSON), a raw fuzzer input, reports/out/results.json,\n"
	"a .case file, or a program in any format with --packet.\n"
	"`fuzz`: a differential fuzz run (the kernel against libpcap by default).\n"
	"`cbpf triage --help` lists every option. The source tree is $CBPF_SRC, else\n"
	CBPF_SOURCE_DIR ".\n";

int cmd_triage(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "fuzz") == 0) {
		const char *lead = "fuzz";
		return tool_exec_python("triage", "reports/triage/cli.py", &lead, 1, 1, argv + 2,
					(size_t)argc - 2);
	}
	return tool_exec_python("triage", "reports/triage/cli.py", NULL, 0, 1, argv + 1,
				(size_t)argc - 1);
}
