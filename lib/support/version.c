/*
 * support/version.c - cbpf_version(): the library's version, given by the
 * build (lib/CMakeLists.txt passes the project's VERSION as CBPF_VERSION).
 */
#include "cbpf/version.h"

#ifndef CBPF_VERSION
#error "CBPF_VERSION is set by lib/CMakeLists.txt"
#endif

const char *cbpf_version(void)
{
	return CBPF_VERSION;
}
