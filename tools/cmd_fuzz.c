/*
 * cmd_fuzz.c - `cbpf fuzz campaign [OPTIONS] DIR`: long-running fuzzing
 * that rotates the fuzz targets over the cores, keeps and minimises their
 * corpora in DIR, and triages every finding (fuzz/README.md, "Campaigns").
 * The work is done by the Python package cbpfconform.fuzz
 * (harness/cbpfconform/fuzz/), which this command execs with --build (the
 * build tree of this binary, whose cbpf triage runs).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char usage[] =
	"usage: cbpf fuzz campaign [--time S | --forever] [--jobs N] [--targets T,...]\n"
	"                          [--slice S] [--fuzz-build DIR] [--corpus DIR] DIR\n"
	"`cbpf fuzz campaign --help` lists every option and the exit status.\n";

int cmd_fuzz(int argc, char **argv)
{
	const char *lead = "campaign";

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "campaign") != 0) {
		if (argc >= 2)
			fprintf(stderr, "cbpf fuzz: unknown command '%s'\n", argv[1]);
		fputs(usage, stderr);
		return 2;
	}
	return tool_exec_python("fuzz", "cbpfconform.fuzz", &lead, 1, 1, argv + 2,
				(size_t)argc - 2);
}
