/*
 * cbpf/version.h - the version of the libcbpf in use (the project's
 * version, CMakeLists.txt's project(VERSION)), for programs that print it
 * (`cbpf --version`) or check it at run time.
 */
#ifndef CBPF_VERSION_H
#define CBPF_VERSION_H

#include "cbpf/api.h"

/* "MAJOR.MINOR.PATCH", e.g. "0.1.0"; a static string. */
CBPF_API const char *cbpf_version(void);

#endif
