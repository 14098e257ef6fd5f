/*
 * python_exec.c - the subcommands whose work is done in Python (`cbpf
 * corpus` runs harness/conform.py, `cbpf triage` reports/triage/cli.py):
 * finding the script in the source tree and the build directory this cbpf
 * binary lives in, and exec'ing /usr/bin/python3 (Debian's, which has
 * pytest and hypothesis).
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

#define PYTHON "/usr/bin/python3"

const char *tool_source_dir(void)
{
	const char *src = getenv("CBPF_SRC");

	return (src != NULL && *src != '\0') ? src : CBPF_SOURCE_DIR;
}

/* "--build=DIR" for the build tree holding this binary (DIR/bin/cbpf), or
 * NULL when it does not live in a bin/ directory. */
static const char *build_arg(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL || strcmp(slash + 1, "bin") != 0)
		return NULL;
	*slash = '\0';
	if (snprintf(buf, len, "--build=%s", exe) >= (int)len)
		return NULL;
	return buf;
}

int tool_exec_python(const char *cmd, const char *script, const char *const *lead, size_t nlead,
		     int with_build, char *const *rest, size_t nrest)
{
	char path[PATH_MAX], build[PATH_MAX + 16];
	const char *barg = with_build ? build_arg(build, sizeof(build)) : NULL;
	const char **args;
	size_t k = 0;

	if (snprintf(path, sizeof(path), "%s/%s", tool_source_dir(), script) >= (int)sizeof(path)) {
		fprintf(stderr, "cbpf %s: source path too long\n", cmd);
		return 2;
	}
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "cbpf %s: %s: not found (set CBPF_SRC to the source tree)\n", cmd,
			path);
		return 2;
	}
	args = calloc(nlead + nrest + 4, sizeof(*args));
	if (args == NULL) {
		fprintf(stderr, "cbpf %s: out of memory\n", cmd);
		return 2;
	}
	args[k++] = PYTHON;
	args[k++] = path;
	for (size_t i = 0; i < nlead; i++)
		args[k++] = lead[i];
	if (barg != NULL)
		args[k++] = barg;
	for (size_t i = 0; i < nrest; i++)
		args[k++] = rest[i];
	args[k] = NULL;
	execv(PYTHON, (char *const *)args);
	fprintf(stderr, "cbpf %s: %s: ", cmd, PYTHON);
	perror(NULL);
	free(args);
	return 2;
}
