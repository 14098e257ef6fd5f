/*
 * guest/fetch.h - a target's kernel in the cache: Debian's package
 * downloaded with apt (the foreign architecture added with dpkg when
 * needed, the ABI number resolved from the linux-image-FLAVOUR
 * metapackage with apt-cache) and unpacked to what a guest needs: the
 * boot image, the config and the modules /init loads. A second call finds
 * the manifest and does nothing. A custom target uses the user's image
 * and modules directory in place.
 *
 *   CACHE/debian-6.1/ARCH/FLAVOUR/{manifest,vmlinuz,config,modules/}
 *   CACHE/custom/ARCH-HASH/                  (initramfs only)
 */
#ifndef CBPF_GUEST_FETCH_H
#define CBPF_GUEST_FETCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "modules.h"
#include "target.h"

struct kg_kernel {
	char dir[PATH_MAX];        /* this kernel's cache directory */
	char image[PATH_MAX];      /* the boot image qemu is given */
	char moddir[PATH_MAX];     /* where mods' paths start ("" when none) */
	struct kg_modlist mods;    /* load order */
	char package[128];         /* linux-image-6.1.0-57-arm64:arm64, or "custom" */
	char version[64];          /* 6.1.192-3 */
	char release[96];          /* 6.1.0-57-arm64 */
	bool downloaded;           /* this call downloaded it */
};

/* Make t's kernel ready under cache. progress (may be NULL) gets one line
 * per step. 0, or -1 with why (without the target name). */
int kg_fetch(const struct kg_target *t, const char *cache, struct kg_kernel *k, FILE *progress,
	     char *why, size_t len);
void kg_kernel_free(struct kg_kernel *k);

/* mkdir -p; 0 or -1 (errno). */
int kg_mkdirs(const char *path, unsigned mode);

#endif
