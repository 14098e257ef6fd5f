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
	const char *src = getenv("CBPF_SRC");
	if (!src || !*src)
		src = CBPF_SOURCE_DIR;
	char script[PATH_MAX], exe[PATH_MAX], build[PATH_MAX + 16];
	if (snprintf(script, sizeof(script), "%s/reports/triage/cli.py", src) >=
	    (int)sizeof(script)) {
		fprintf(stderr, "cbpf triage: source path too long\n");
		return 2;
	}
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "cbpf triage: %s: not found (set CBPF_SRC to the source tree)\n",
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
		fprintf(stderr, "cbpf triage: out of memory\n");
		return 2;
	}
	size_t k = 0;
	int i = 1;
	args[k++] = "/usr/bin/python3";
	args[k++] = script;
	if (strcmp(argv[1], "fuzz") == 0)
		args[k++] = argv[i++];
	if (build_arg)
		args[k++] = (char *)build_arg;
	for (; i < argc; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	execv(args[0], args);
	perror("cbpf triage: /usr/bin/python3");
	free(args);
	return 2;
}
