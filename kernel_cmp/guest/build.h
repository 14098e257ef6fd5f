/*
 * guest/build.h - the guest oracle and a kernel's initramfs: `cbpf` and
 * /init (guest/init.c) cross-compiled statically for the target's
 * architecture by a separate CMake build of this source tree
 * (guest/toolchain.cmake, Debian's gcc-TRIPLET), incremental, in
 * CACHE/guest/SRCKEY/TRIPLET; then the cpio archive of /init, /bin/cbpf,
 * the modules and their load order (/lib/cbpf/modules), written next to
 * the kernel and rewritten only when one of its parts is newer.
 */
#ifndef CBPF_GUEST_BUILD_H
#define CBPF_GUEST_BUILD_H

#include <stddef.h>
#include <stdio.h>

#include "fetch.h"
#include "target.h"

/* 0 with the initramfs path in out, or -1 with why. */
int kg_build_initramfs(const struct kg_target *t, const struct kg_kernel *k, const char *cache,
		       const char *src, FILE *progress, char *out, size_t olen, char *why,
		       size_t len);

#endif
