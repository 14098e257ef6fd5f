/*
 * cmd_corpus.c - `cbpf corpus record|run|merge|render`: the conformance
 * corpus. The work is done by the Python runner, harness/conform.py, which
 * this command execs with /usr/bin/python3, passing the build directory this
 * cbpf binary lives in (so the runner uses the same cbpf and plugins).
 * The source tree is CBPF_SRC from the environment, else the one this
 * binary was configured from.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	const char *src = getenv("CBPF_SRC");
	if (!src || !*src)
		src = CBPF_SOURCE_DIR;
	char script[PATH_MAX], exe[PATH_MAX], build[PATH_MAX + 16];
	if (snprintf(script, sizeof(script), "%s/harness/conform.py", src) >= (int)sizeof(script)) {
		fprintf(stderr, "cbpf corpus: source path too long\n");
		return 2;
	}
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "cbpf corpus: %s: not found (set CBPF_SRC to the source tree)\n",
			script);
		return 2;
	}
	/* The build directory is the parent of bin/ holding this binary. */
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *build_arg = NULL;
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			slash = strrchr(exe, '/');
			if (slash && strcmp(slash + 1, "bin") == 0) {
				*slash = '\0';
				snprintf(build, sizeof(build), "--build=%s", exe);
				build_arg = build;
			}
		}
	}
	char **args = calloc((size_t)argc + 4, sizeof(*args));
	if (!args) {
		fprintf(stderr, "cbpf corpus: out of memory\n");
		return 2;
	}
	size_t k = 0;
	args[k++] = "/usr/bin/python3";
	args[k++] = script;
	args[k++] = (char *)sub;
	if (build_arg && strcmp(sub, "merge") && strcmp(sub, "render"))
		args[k++] = (char *)build_arg;
	for (int i = 2; i < argc; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	execv(args[0], args);
	perror("cbpf corpus: /usr/bin/python3");
	free(args);
	return 2;
}
