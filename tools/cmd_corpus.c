/*
 * cmd_corpus.c - `cbpf corpus record|run|merge|render`: the conformance
 * corpus. The work is done by the Python runner, harness/conform.py, which
 * this command execs with /usr/bin/python3, passing the build directory this
 * cbpf binary lives in (so the runner uses the same cbpf and plugins).
 * The source tree is CBPF_SRC from the environment, else the one this
 * binary was configured from.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

#ifndef CBPF_SOURCE_DIR
#define CBPF_SOURCE_DIR "."
#endif

static const char usage[] =
	"usage: cbpf corpus COMMAND [OPTIONS]\n\n"
	"The conformance corpus (corpus/README.md), run by harness/conform.py:\n\n"
	"  record  run cases on the live kernel and write its answers into the\n"
	"          case files as their expectations (with the environment record)\n"
	"  run     run cases on every implementation and write reports/out/\n"
	"  merge   join the results.json of several shards\n"
	"  render  re-render summary.md and index.html from a results.json\n\n"
	"Options (all commands): --corpus DIR, --only PATTERN, --shard I/N,\n"
	"--impl LIST (run), --out DIR. `cbpf corpus run --help` lists them all.\n"
	"The source tree is $CBPF_SRC, else " CBPF_SOURCE_DIR ".\n";

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
	return tool_exec_python("corpus", "harness/conform.py", &sub, 1, with_build, argv + 2,
				(size_t)argc - 2);
}
