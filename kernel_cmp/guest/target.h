/*
 * guest/target.h - kernel targets (docs/kernel-matrix.md): the names
 * `debian-6.1/ARCH[/FLAVOUR][:jit|:interp]` and `custom/ARCH[:MODE]` (a
 * user's own kernel image), what each architecture needs (Debian arch and
 * kernel flavour, cross compiler, qemu machine, console, virtio-serial
 * device, modules) and where the kernels are cached.
 */
#ifndef CBPF_GUEST_TARGET_H
#define CBPF_GUEST_TARGET_H

#include <stdbool.h>
#include <stddef.h>

enum kg_jit { KG_JIT_DEFAULT = 0, KG_JIT_ON, KG_JIT_OFF };

/* How the console device attaches in qemu. */
enum kg_con { KG_CON_SERIAL = 0, KG_CON_SPAPR_VTY, KG_CON_SCLP };

struct kg_arch {
	const char *name;         /* Debian architecture: arm64 */
	const char *flavour;      /* default kernel flavour: arm64 */
	const char *triplet;      /* cross compiler: aarch64-linux-gnu(-gcc) */
	const char *qemu;         /* qemu-system-aarch64 */
	const char *qemu_pkg;     /* the Debian package holding it */
	const char *machine[8];   /* -M ... -cpu ... (NULL-terminated) */
	const char *console;      /* console=NAME on the kernel command line */
	enum kg_con con;
	const char *vserial;      /* virtio-serial-pci, virtio-serial-ccw */
	const char *modules[6];   /* roots of the module closure /init loads;
	                           * "?name" is loaded only when it exists */
	bool jit;                 /* the kernel has an eBPF JIT (bpf_jit_enable) */
	bool big_endian;          /* seccomp_data in the other byte order (byteorder.h) */
};

struct kg_target {
	char name[96];            /* debian-6.1/arm64, debian-6.1/armhf/armmp, custom/arm64 */
	const struct kg_arch *arch;
	char flavour[32];
	enum kg_jit jit;          /* :jit / :interp, or DEFAULT */
	bool custom;              /* a user's kernel (image below) */
	const char *image;        /* custom: the kernel image */
	const char *modules_dir;  /* custom: lib/modules/RELEASE (may be NULL) */
};

/* The architecture named name (Debian's spelling), or NULL. */
const struct kg_arch *kg_arch_find(const char *name);
/* "amd64, arm64, ..." for messages. */
const char *kg_arch_names(void);

/* Parse a target name; 0, or -1 with why filled. */
int kg_target_parse(const char *spec, struct kg_target *t, char *why, size_t len);

/* "debian-6.1/arm64:jit" (mode spelled out: the default is resolved). */
void kg_target_label(const struct kg_target *t, char *out, size_t len);
/* The JIT mode a run uses: the given one, else jit where there is one. */
enum kg_jit kg_target_mode(const struct kg_target *t);

/* The kernel cache directory: option (may be NULL), else $CBPF_KERNEL_CACHE,
 * else $XDG_CACHE_HOME/cbpf/kernels, else ~/.cache/cbpf/kernels. 0 or -1. */
int kg_cache_dir(const char *option, char *out, size_t len);

/* snprintf for names and paths: 0, or -1 when out was too small (then out
 * holds a truncated string that no caller uses). */
int kg_fmt(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 16 hex digits naming s in the cache (FNV-1a 64): a source tree, an image. */
void kg_cache_key(const char *s, char out[17]);

#endif
