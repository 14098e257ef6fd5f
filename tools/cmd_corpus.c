/*
 * cmd_corpus.c - `cbpf corpus record|run|merge|render`: the conformance
 * corpus. The work is done by the Python runner, the cbpfconform package
 * (`python3 -m cbpfconform`, harness/cbpfconform/cli.py), which this
 * command execs with /usr/bin/python3, passing the build directory this
 * cbpf binary lives in (so the runner uses the same cbpf and plugins).
 * python_exec.c finds the package.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char usage[] =
	"usage: cbpf corpus COMMAND [OPTIONS]\n\n"
	"The conformance corpus (corpus/README.md):\n\n"
	"  run     run cases on every implementation (the live kernel is the\n"
	"          reference) and write reports/out/\n"
	"  record  run cases on the live kernel and write its answers into the\n"
	"          case files as their expectations (with the environment record)\n"
	"  merge   join the results.json of the shards of one run\n"
	"  render  re-render summary.md and index.html from a results.json\n\n"
	"Options: --corpus DIR, --only PATTERNS, --shard I/N (run, record),\n"
	"--impl LIST (run), --out DIR, --junit FILE, --summary-md FILE (run,\n"
	"merge, render). `cbpf corpus COMMAND --help` lists a command's options.\n\n"
	"Exit status:\n"
	"  0    success\n"
	"  1    run: our VM diverges from the kernel, or a case is broken;\n"
	"       record: a case could not be recorded, or is broken\n"
	"  2    usage error, no case selected, nothing tested, or an input that\n"
	"       cannot be read\n"
	"  130  interrupted\n";

int cmd_corpus(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
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
