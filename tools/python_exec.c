/*
 * python_exec.c - the subcommands whose work is done in Python (`cbpf
 * corpus` is `python3 -m cbpfconform`, `cbpf triage` is `python3 -m
 * cbpfconform.triage`): finding the cbpfconform package, the build
 * directory this cbpf binary lives in, and exec'ing /usr/bin/python3
 * (Debian's, which has pytest and hypothesis) with the package's directory
 * first on PYTHONPATH.
 *
 * The package is found, in order: in $CBPF_SRC/harness when CBPF_SRC is
 * set; in the source tree's harness/ when this binary is the build tree's
 * (CBPF_BUILD_DIR/bin/cbpf); else where `cmake --install` put it,
 * CBPF_BIN_TO_PYTHON relative to this binary's directory
 * (../share/cbpf/python for the default layout).
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
#ifndef CBPF_BUILD_DIR
#define CBPF_BUILD_DIR "."
#endif
#ifndef CBPF_BIN_TO_PYTHON
#define CBPF_BIN_TO_PYTHON "../share/cbpf/python"
#endif

#define PYTHON "/usr/bin/python3"

/* The directory holding this binary, in buf; -1 when unknown. */
static int exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

/* 1 when dir is the build tree's bin/ (this binary was not installed). */
static int in_build_tree(const char *dir)
{
	char bin[PATH_MAX];

	if (realpath(CBPF_BUILD_DIR "/bin", bin) == NULL)
		return 0;
	return strcmp(bin, dir) == 0;
}

/* The directory to put on PYTHONPATH, in buf; -1 after printing why. */
static int package_root(const char *cmd, char *buf, size_t len)
{
	const char *src = getenv("CBPF_SRC");
	char dir[PATH_MAX], init[PATH_MAX + 32];
	int n;

	if (src != NULL && *src != '\0')
		n = snprintf(buf, len, "%s/harness", src);
	else if (exe_dir(dir, sizeof(dir)) != 0)
		n = snprintf(buf, len, "%s/harness", CBPF_SOURCE_DIR);
	else if (in_build_tree(dir))
		n = snprintf(buf, len, "%s/harness", CBPF_SOURCE_DIR);
	else
		n = snprintf(buf, len, "%s/%s", dir, CBPF_BIN_TO_PYTHON);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "cbpf %s: package path too long\n", cmd);
		return -1;
	}
	snprintf(init, sizeof(init), "%s/cbpfconform/__init__.py", buf);
	if (access(init, R_OK) != 0) {
		fprintf(stderr,
			"cbpf %s: the Python package cbpfconform is not in %s (install it with "
			"`cmake --install`, or set CBPF_SRC to the source tree)\n",
			cmd, buf);
		return -1;
	}
	return 0;
}

/* "--build=DIR" for the directory above this binary's bin/ (the build
 * tree, or the install prefix), or NULL when it does not live in bin/. */
static const char *build_arg(char *buf, size_t len)
{
	char dir[PATH_MAX];
	char *slash;

	if (exe_dir(dir, sizeof(dir)) != 0)
		return NULL;
	slash = strrchr(dir, '/');
	if (slash == NULL || strcmp(slash + 1, "bin") != 0)
		return NULL;
	*slash = '\0';
	if (snprintf(buf, len, "--build=%s", dir) >= (int)len)
		return NULL;
	return buf;
}

/* PYTHONPATH=root, followed by the caller's PYTHONPATH. */
static int set_pythonpath(const char *cmd, const char *root)
{
	const char *old = getenv("PYTHONPATH");
	char val[2 * PATH_MAX + 2];
	int n;

	if (old != NULL && *old != '\0')
		n = snprintf(val, sizeof(val), "%s:%s", root, old);
	else
		n = snprintf(val, sizeof(val), "%s", root);
	if (n < 0 || (size_t)n >= sizeof(val) || setenv("PYTHONPATH", val, 1) != 0) {
		fprintf(stderr, "cbpf %s: cannot set PYTHONPATH\n", cmd);
		return -1;
	}
	return 0;
}

int tool_exec_python(const char *cmd, const char *module, const char *const *lead, size_t nlead,
		     int with_build, char *const *rest, size_t nrest)
{
	char root[PATH_MAX], build[PATH_MAX + 16];
	const char *barg = with_build ? build_arg(build, sizeof(build)) : NULL;
	const char **args;
	size_t k = 0;

	if (package_root(cmd, root, sizeof(root)) != 0 || set_pythonpath(cmd, root) != 0)
		return 2;
	args = calloc(nlead + nrest + 5, sizeof(*args));
	if (args == NULL) {
		fprintf(stderr, "cbpf %s: out of memory\n", cmd);
		return 2;
	}
	args[k++] = PYTHON;
	args[k++] = "-m";
	args[k++] = module;
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

const char *tool_source_dir(void)
{
	const char *src = getenv("CBPF_SRC");

	return src != NULL && *src != '\0' ? src : CBPF_SOURCE_DIR;
}
