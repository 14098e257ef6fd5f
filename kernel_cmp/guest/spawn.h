/*
 * guest/spawn.h - running the outside programs the kernel matrix needs
 * (apt-get, apt-cache, dpkg, dpkg-deb, cmake, qemu) from an argument
 * vector, never through a shell, with their output captured.
 */
#ifndef CBPF_GUEST_SPAWN_H
#define CBPF_GUEST_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Run argv (argv[0] found in PATH) in cwd (NULL: here) and wait for it.
 * 0 when it exited with status 0. out (may be NULL) gets its stdout,
 * malloc'd and NUL-terminated. When log is set, stdout (unless captured)
 * and stderr go to that file (appended); otherwise stderr is captured and
 * its last line is quoted in why on failure: "apt-get exited 100: E: ...".
 */
int kg_run(const char *const *argv, const char *cwd, char **out, const char *log, char *why,
	   size_t len);

/* Whether name is an executable in PATH. */
bool kg_have_program(const char *name);

#endif
