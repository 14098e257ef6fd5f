/*
 * support/version.c - cbpf_version(): the library's version, given by the
 * build (lib/CMakeLists.txt passes the project's VERSION as CBPF_VERSION;
 * a build without CMake, such as fuzz/oss-fuzz/build.sh's, says so).
 */
#include "cbpf/version.h"

#ifndef CBPF_VERSION
#define CBPF_VERSION "unknown (built without CMake)"
#endif

const char *cbpf_version(void)
{
	return CBPF_VERSION;
}
