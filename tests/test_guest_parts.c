/*
 * test_guest_parts.c - the kernel matrix's host-side parts that need no
 * qemu: target names, the cache directory, the newc cpio writer (read back
 * field by field) and the module closure over a synthetic modules tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byteorder.h"
#include "cpio.h"
#include "fetch.h"
#include "modules.h"
#include "target.h"

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static void test_targets(void)
{
	struct kg_target t;
	char why[256], label[128];

	CHECK(kg_target_parse("debian-6.1/arm64", &t, why, sizeof(why)) == 0);
	CHECK(strcmp(t.arch->name, "arm64") == 0 && strcmp(t.flavour, "arm64") == 0);
	CHECK(strcmp(t.arch->triplet, "aarch64-linux-gnu") == 0 && !t.custom);
	kg_target_label(&t, label, sizeof(label));
	CHECK(strcmp(label, "debian-6.1/arm64:jit") == 0);

	CHECK(kg_target_parse("debian-6.1/armhf/armmp:interp", &t, why, sizeof(why)) == 0);
	CHECK(strcmp(t.flavour, "armmp") == 0 && t.jit == KG_JIT_OFF);
	CHECK(strcmp(t.name, "debian-6.1/armhf/armmp") == 0);
	CHECK(kg_target_parse("debian-6.1/armhf", &t, why, sizeof(why)) == 0);
	CHECK(strcmp(t.flavour, "armmp-lpae") == 0);

	/* s390x has no JIT: the default mode is the interpreter */
	CHECK(kg_target_parse("debian-6.1/s390x", &t, why, sizeof(why)) == 0);
	CHECK(kg_target_mode(&t) == KG_JIT_OFF && !t.arch->jit);
	kg_target_label(&t, label, sizeof(label));
	CHECK(strcmp(label, "debian-6.1/s390x:interp") == 0);

	CHECK(kg_target_parse("custom/ppc64el:jit", &t, why, sizeof(why)) == 0);
	CHECK(t.custom && t.jit == KG_JIT_ON && strcmp(t.arch->qemu, "qemu-system-ppc64") == 0);

	CHECK(kg_target_parse("debian-6.1/sparc64", &t, why, sizeof(why)) == -1);
	CHECK(strcmp(why, "unknown architecture 'sparc64' (one of amd64, arm64, armhf, i386, "
			  "mips64el, ppc64el, s390x)") == 0);
	CHECK(kg_target_parse("debian-6.1/arm64:fast", &t, why, sizeof(why)) == -1);
	CHECK(strcmp(why, "unknown JIT mode 'fast' (jit or interp)") == 0);
	CHECK(kg_target_parse("host", &t, why, sizeof(why)) == -1);
	CHECK(kg_target_parse("debian-6.1/arm64/Bad_Flavour", &t, why, sizeof(why)) == -1);
	CHECK(strcmp(why, "bad kernel flavour 'Bad_Flavour'") == 0);
	CHECK(kg_target_parse("custom/arm64/x", &t, why, sizeof(why)) == -1);
}

static void test_cache_dir(void)
{
	char d[4096];

	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_CACHE_HOME");
	unsetenv("CBPF_KERNEL_CACHE");
	CHECK(kg_cache_dir(NULL, d, sizeof(d)) == 0 && strcmp(d, "/home/u/.cache/cbpf/kernels") == 0);
	setenv("XDG_CACHE_HOME", "/x", 1);
	CHECK(kg_cache_dir(NULL, d, sizeof(d)) == 0 && strcmp(d, "/x/cbpf/kernels") == 0);
	setenv("CBPF_KERNEL_CACHE", "/env", 1);
	CHECK(kg_cache_dir(NULL, d, sizeof(d)) == 0 && strcmp(d, "/env") == 0);
	CHECK(kg_cache_dir("/opt", d, sizeof(d)) == 0 && strcmp(d, "/opt") == 0);
}

/* Read back one newc entry at *off: its name, mode, size, rdev and data. */
static int next_entry(const unsigned char *a, size_t n, size_t *off, char *name, unsigned *mode,
		      unsigned *size, unsigned *rmaj, unsigned *rmin, const unsigned char **data)
{
	unsigned f[13];
	char field[9];
	size_t at = *off;

	if (at + 110 > n || memcmp(a + at, "070701", 6) != 0)
		return -1;
	for (int i = 0; i < 13; i++) {
		memcpy(field, a + at + 6 + 8 * i, 8);
		field[8] = '\0';
		f[i] = (unsigned)strtoul(field, NULL, 16);
	}
	*mode = f[1];
	*size = f[6];
	*rmaj = f[9];
	*rmin = f[10];
	memcpy(name, a + at + 110, f[11]);
	at += 110 + f[11];
	at = (at + 3) & ~(size_t)3;
	*data = a + at;
	at += f[6];
	at = (at + 3) & ~(size_t)3;
	*off = at;
	return 0;
}

static void test_cpio(void)
{
	char path[] = "/tmp/test_guest_cpio_XXXXXX", name[256];
	struct kg_cpio c;
	unsigned char *a;
	const unsigned char *data;
	unsigned mode, size, rmaj, rmin;
	size_t n, off = 0;
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	CHECK(kg_cpio_open(&c, path) == 0);
	CHECK(kg_cpio_dir(&c, "dev", 0755) == 0);
	CHECK(kg_cpio_chardev(&c, "dev/console", 0600, 5, 1) == 0);
	CHECK(kg_cpio_file(&c, "init", 0755, "hello", 5) == 0);
	CHECK(kg_cpio_close(&c) == 0);
	f = fopen(path, "rb");
	CHECK(f != NULL);
	a = malloc(4096);
	n = fread(a, 1, 4096, f);
	fclose(f);
	CHECK(n % 4 == 0);
	CHECK(next_entry(a, n, &off, name, &mode, &size, &rmaj, &rmin, &data) == 0);
	CHECK(strcmp(name, "dev") == 0 && mode == 040755 && size == 0);
	CHECK(next_entry(a, n, &off, name, &mode, &size, &rmaj, &rmin, &data) == 0);
	CHECK(strcmp(name, "dev/console") == 0 && mode == 020600 && rmaj == 5 && rmin == 1);
	CHECK(next_entry(a, n, &off, name, &mode, &size, &rmaj, &rmin, &data) == 0);
	CHECK(strcmp(name, "init") == 0 && mode == 0100755 && size == 5 &&
	      memcmp(data, "hello", 5) == 0);
	CHECK(next_entry(a, n, &off, name, &mode, &size, &rmaj, &rmin, &data) == 0);
	CHECK(strcmp(name, "TRAILER!!!") == 0 && off == n);
	free(a);
	unlink(path);
	/* a half-written archive is never left under the final name */
	CHECK(kg_cpio_open(&c, path) == 0);
	CHECK(kg_cpio_file(&c, "x", 0644, "y", 1) == 0);
	kg_cpio_abort(&c);
	CHECK(access(path, F_OK) != 0);
}

static void put(const char *dir, const char *rel, const char *text, size_t len)
{
	char p[4200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	*strrchr(p, '/') = '\0';
	kg_mkdirs(p, 0755);
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "wb");
	fwrite(text, 1, len, f);
	fclose(f);
}

/* A fake module: ELF-ish bytes, then the modinfo strings. */
static void module(const char *dir, const char *rel, const char *depends)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "\177ELF junk%cname=x%cdepends=%s%cvermagic=6.1%c", 0,
			 0, depends, 0, 0);
	put(dir, rel, body, (size_t)n);
}

static void test_modules(void)
{
	char dir[] = "/tmp/test_guest_mod_XXXXXX", why[256], cmd[300], *dep;
	const char *roots[] = { "virtio_pci", "virtio_console", "?af_packet", NULL };
	const char *missing[] = { "virtio_pci", "virtio_blk", NULL };
	struct kg_modlist m;
	const char *order = "kernel/drivers/virtio/virtio_pci_legacy_dev.ko\n"
			    "kernel/drivers/virtio/virtio_pci_modern_dev.ko\n"
			    "kernel/drivers/virtio/virtio-pci.ko\n"
			    "kernel/drivers/char/virtio_console.ko\n"
			    "kernel/drivers/virtio/virtio_ring.ko\n";

	CHECK(mkdtemp(dir) != NULL);
	put(dir, "modules.order", order, strlen(order));
	put(dir, "modules.builtin", "kernel/drivers/virtio/virtio.ko\n", 32);
	module(dir, "kernel/drivers/virtio/virtio_pci_legacy_dev.ko", "");
	module(dir, "kernel/drivers/virtio/virtio_pci_modern_dev.ko", "virtio_ring");
	module(dir, "kernel/drivers/virtio/virtio-pci.ko",
	       "virtio_pci_modern_dev,virtio_pci_legacy_dev,virtio");
	module(dir, "kernel/drivers/char/virtio_console.ko", "virtio_ring,virtio");
	module(dir, "kernel/drivers/virtio/virtio_ring.ko", "");

	snprintf(cmd, sizeof(cmd), "%s/kernel/drivers/virtio/virtio-pci.ko", dir);
	dep = kg_modinfo(cmd, "depends");
	CHECK(dep != NULL && strcmp(dep, "virtio_pci_modern_dev,virtio_pci_legacy_dev,virtio") == 0);
	free(dep);
	dep = kg_modinfo(cmd, "license");
	CHECK(dep != NULL && strcmp(dep, "") == 0);
	free(dep);

	/* dependencies first, each once, built-ins (virtio) left out, the
	 * optional absent root (af_packet) skipped */
	CHECK(kg_modules_closure(dir, roots, &m, why, sizeof(why)) == 0);
	CHECK(m.n == 5);
	if (m.n == 5) {
		CHECK(strcmp(m.path[0], "kernel/drivers/virtio/virtio_ring.ko") == 0);
		CHECK(strcmp(m.path[1], "kernel/drivers/virtio/virtio_pci_modern_dev.ko") == 0);
		CHECK(strcmp(m.path[2], "kernel/drivers/virtio/virtio_pci_legacy_dev.ko") == 0);
		CHECK(strcmp(m.path[3], "kernel/drivers/virtio/virtio-pci.ko") == 0);
		CHECK(strcmp(m.path[4], "kernel/drivers/char/virtio_console.ko") == 0);
	}
	kg_modlist_free(&m);
	CHECK(kg_modules_closure(dir, missing, &m, why, sizeof(why)) == -1);
	CHECK(strcmp(why, "module virtio_blk: neither built in nor in modules.order") == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static void test_byteorder(void)
{
	/* nr 0x27, arch 0xc000003e, ip 0x1122334455667788, args[0] 1, args[5] 2^32 */
	char hex[129] = "27000000" "3e0000c0" "8877665544332211" "0100000000000000"
			"0000000000000000" "0000000000000000" "0000000000000000"
			"0000000000000000" "0000000001000000";
	const char *want = "00000027" "c000003e" "1122334455667788" "0000000000000001"
			   "0000000000000000" "0000000000000000" "0000000000000000"
			   "0000000000000000" "0000000100000000";
	const char *line = "{\"id\":[1],\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],"
			   "\"packets\":[\"27000000\"]}";
	char req[400], *out;
	size_t n;

	kg_seccomp_swap_hex(hex);
	CHECK(strcmp(hex, want) == 0);
	kg_seccomp_swap_hex(hex);
	snprintf(req, sizeof(req), "{\"id\":7,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],"
		 "\"packets\":[\"%s\"]}", hex);
	out = kg_seccomp_swap_request(req, strlen(req), &n);
	CHECK(out != NULL && n == strlen(out) && strstr(out, want) != NULL &&
	      strncmp(out, "{\"id\":7,\"profile\":\"seccomp\",", 28) == 0);
	free(out);
	/* a record of the wrong size, a socket request and broken JSON pass
	 * unchanged (the guest answers them) */
	CHECK(kg_seccomp_swap_request(line, strlen(line), &n) == NULL);
	CHECK(kg_seccomp_swap_request("{\"profile\":\"seccomp\",\"packets\":[", 33, &n) == NULL);
	snprintf(req, sizeof(req), "{\"id\":7,\"profile\":\"linux\",\"program\":[[6,0,0,0]],"
		 "\"packets\":[\"%s\"]}", hex);
	CHECK(kg_seccomp_swap_request(req, strlen(req), &n) == NULL);
}

int main(void)
{
	test_byteorder();
	test_targets();
	test_cache_dir();
	test_cpio();
	test_modules();
	if (failures != 0) {
		fprintf(stderr, "test_guest_parts: %d failures\n", failures);
		return 1;
	}
	printf("test_guest_parts: ok\n");
	return 0;
}
