/*
 * guest/cpio.h - writing an initramfs: the kernel's "newc" cpio format
 * (Documentation/driver-api/early-userspace/buffer-format.rst), uncompressed.
 * The archive is written to PATH.tmp and renamed into place when closed,
 * so a reader never sees half an archive.
 */
#ifndef CBPF_GUEST_CPIO_H
#define CBPF_GUEST_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct kg_cpio {
	FILE *f;
	char path[4096];
	char tmp[4100];
	uint32_t ino;
	int failed;
};

/* 0, or -1 with errno. */
int kg_cpio_open(struct kg_cpio *c, const char *path);
int kg_cpio_dir(struct kg_cpio *c, const char *name, unsigned mode);
int kg_cpio_file(struct kg_cpio *c, const char *name, unsigned mode, const void *data, size_t len);
/* The contents of the host file src, as name. */
int kg_cpio_copy(struct kg_cpio *c, const char *name, unsigned mode, const char *src);
/* A character device node (e.g. dev/console 5:1). */
int kg_cpio_chardev(struct kg_cpio *c, const char *name, unsigned mode, unsigned major,
		    unsigned minor);
/* Trailer, flush and rename; 0 or -1 (the temporary file is removed). */
int kg_cpio_close(struct kg_cpio *c);
/* Drop a half-written archive. */
void kg_cpio_abort(struct kg_cpio *c);

#endif
