/*
 * guest/modules.h - which kernel modules a guest's /init loads, in which
 * order: the closure of an architecture's roots (virtio_pci,
 * virtio_console, ...) over each module's `depends=` (its .modinfo),
 * dependencies first, without the modules built into the kernel
 * (modules.builtin). Module files are found through modules.order; no
 * depmod output (modules.dep is not in Debian's package) is needed.
 */
#ifndef CBPF_GUEST_MODULES_H
#define CBPF_GUEST_MODULES_H

#include <stddef.h>

#define KG_MAX_MODULES 32

struct kg_modlist {
	char *path[KG_MAX_MODULES];   /* relative to the modules directory */
	size_t n;
};

/* moddir is lib/modules/RELEASE. roots as in struct kg_arch ("?name":
 * optional). 0, or -1 with why ("virtio_console: no such module"). */
int kg_modules_closure(const char *moddir, const char *const *roots, struct kg_modlist *out,
		       char *why, size_t len);
void kg_modlist_free(struct kg_modlist *m);

/* The value of key (e.g. "depends") in a module file's modinfo strings,
 * malloc'd ("" when the key is absent), or NULL when unreadable. */
char *kg_modinfo(const char *path, const char *key);

#endif
