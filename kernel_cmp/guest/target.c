/*
 * guest/target.c - the architecture table (machines measured in
 * docs/status.md, issue 12), target names and the cache directory.
 */
#include "target.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCI_MODULES { "virtio_pci", "virtio_console", "?af_packet", NULL }

static const struct kg_arch arches[] = {
	{ "amd64", "amd64", "x86_64-linux-gnu", "qemu-system-x86_64", "qemu-system-x86",
	  { "-M", "pc", "-cpu", "max", NULL }, "ttyS0", KG_CON_SERIAL, "virtio-serial-pci",
	  PCI_MODULES, true, false },
	{ "arm64", "arm64", "aarch64-linux-gnu", "qemu-system-aarch64", "qemu-system-arm",
	  { "-M", "virt", "-cpu", "cortex-a57", NULL }, "ttyAMA0", KG_CON_SERIAL,
	  "virtio-serial-pci", PCI_MODULES, true, false },
	{ "armhf", "armmp-lpae", "arm-linux-gnueabihf", "qemu-system-arm", "qemu-system-arm",
	  { "-M", "virt,highmem=off", "-cpu", "cortex-a15", NULL }, "ttyAMA0", KG_CON_SERIAL,
	  "virtio-serial-pci", PCI_MODULES, true, false },
	{ "i386", "686-pae", "i686-linux-gnu", "qemu-system-i386", "qemu-system-x86",
	  { "-M", "pc", "-cpu", "max", NULL }, "ttyS0", KG_CON_SERIAL, "virtio-serial-pci",
	  PCI_MODULES, true, false },
	{ "mips64el", "5kc-malta", "mips64el-linux-gnuabi64", "qemu-system-mips64el",
	  "qemu-system-mips", { "-M", "malta", "-cpu", "5KEc", NULL }, "ttyS0", KG_CON_SERIAL,
	  "virtio-serial-pci", PCI_MODULES, true, false },
	{ "ppc64el", "powerpc64le", "powerpc64le-linux-gnu", "qemu-system-ppc64", "qemu-system-ppc",
	  { "-M", "pseries,x-vof=on", "-cpu", "power9", NULL }, "hvc0", KG_CON_SPAPR_VTY,
	  "virtio-serial-pci", PCI_MODULES, true, false },
	{ "s390x", "s390x", "s390x-linux-gnu", "qemu-system-s390x", "qemu-system-misc",
	  { "-M", "s390-ccw-virtio", NULL }, "ttysclp0", KG_CON_SCLP, "virtio-serial-ccw",
	  { "?virtio_ccw", "virtio_console", "?af_packet", NULL }, false, true },
};

#define NARCHES (sizeof(arches) / sizeof(arches[0]))

const struct kg_arch *kg_arch_find(const char *name)
{
	for (size_t i = 0; i < NARCHES; i++)
		if (strcmp(arches[i].name, name) == 0)
			return &arches[i];
	return NULL;
}

const char *kg_arch_names(void)
{
	return "amd64, arm64, armhf, i386, mips64el, ppc64el, s390x";
}

/* The ":jit" / ":interp" suffix, cut off spec (a copy in buf). */
static int split_mode(char *buf, enum kg_jit *jit, char *why, size_t len)
{
	char *colon = strrchr(buf, ':');

	*jit = KG_JIT_DEFAULT;
	if (colon == NULL)
		return 0;
	*colon = '\0';
	if (strcmp(colon + 1, "jit") == 0)
		*jit = KG_JIT_ON;
	else if (strcmp(colon + 1, "interp") == 0)
		*jit = KG_JIT_OFF;
	else {
		kg_fmt(why, len, "unknown JIT mode '%s' (jit or interp)", colon + 1);
		return -1;
	}
	return 0;
}

static int valid_flavour(const char *f)
{
	if (*f == '\0' || strlen(f) >= 32)
		return 0;
	for (; *f; f++)
		if (!((*f >= 'a' && *f <= 'z') || (*f >= '0' && *f <= '9') || *f == '-'))
			return 0;
	return 1;
}

int kg_target_parse(const char *spec, struct kg_target *t, char *why, size_t len)
{
	char buf[96], *arch, *flavour;

	memset(t, 0, sizeof(*t));
	if (strlen(spec) >= sizeof(buf)) {
		kg_fmt(why, len, "target name too long");
		return -1;
	}
	kg_fmt(buf, sizeof(buf), "%s", spec);
	if (split_mode(buf, &t->jit, why, len) != 0)
		return -1;
	kg_fmt(t->name, sizeof(t->name), "%s", buf);
	if (strncmp(buf, "debian-6.1/", 11) == 0) {
		arch = buf + 11;
	} else if (strncmp(buf, "custom/", 7) == 0) {
		arch = buf + 7;
		t->custom = true;
	} else {
		kg_fmt(why, len, "unknown target '%s' (debian-6.1/ARCH[/FLAVOUR] or custom/ARCH, "
			 "ARCH one of %s)", spec, kg_arch_names());
		return -1;
	}
	flavour = strchr(arch, '/');
	if (flavour != NULL)
		*flavour++ = '\0';
	t->arch = kg_arch_find(arch);
	if (t->arch == NULL) {
		kg_fmt(why, len, "unknown architecture '%s' (one of %s)", arch, kg_arch_names());
		return -1;
	}
	if (flavour != NULL && (t->custom || !valid_flavour(flavour))) {
		kg_fmt(why, len, "bad kernel flavour '%s'", flavour);
		return -1;
	}
	kg_fmt(t->flavour, sizeof(t->flavour), "%s", flavour ? flavour : t->arch->flavour);
	return 0;
}

enum kg_jit kg_target_mode(const struct kg_target *t)
{
	if (t->jit != KG_JIT_DEFAULT)
		return t->jit;
	return t->arch->jit ? KG_JIT_ON : KG_JIT_OFF;
}

void kg_target_label(const struct kg_target *t, char *out, size_t len)
{
	kg_fmt(out, len, "%s:%s", t->name, kg_target_mode(t) == KG_JIT_ON ? "jit" : "interp");
}

static int set_dir(char *out, size_t len, const char *a, const char *b)
{
	if (kg_fmt(out, len, "%s%s", a, b) >= (int)len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int kg_cache_dir(const char *option, char *out, size_t len)
{
	const char *env = getenv("CBPF_KERNEL_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (option != NULL && *option != '\0')
		return set_dir(out, len, option, "");
	if (env != NULL && *env != '\0')
		return set_dir(out, len, env, "");
	if (xdg != NULL && *xdg == '/')
		return set_dir(out, len, xdg, "/cbpf/kernels");
	if (home != NULL && *home == '/')
		return set_dir(out, len, home, "/.cache/cbpf/kernels");
	errno = ENOENT;
	return -1;
}

void kg_cache_key(const char *s, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	kg_fmt(out, 17, "%016llx", (unsigned long long)h);
}

int kg_fmt(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
