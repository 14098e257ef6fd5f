/*
 * guest/build.c - cross build and initramfs (build.h).
 */
#include "build.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpio.h"
#include "spawn.h"

static void step(FILE *progress, const char *what, const char *arg)
{
	if (progress != NULL) {
		fprintf(progress, "%s%s\n", what, arg);
		fflush(progress);
	}
}

/* Configure (once) and build the two guest programs. */
static int cross_build(const struct kg_target *t, const char *dir, const char *src,
		       FILE *progress, char *why, size_t len)
{
	char cc[96], cache[PATH_MAX + 32], log[PATH_MAX + 32], tc[PATH_MAX + 64], trip[128];
	const char *configure[] = { "cmake", "-S", src, "-B", dir, tc, trip,
				    "-DCMAKE_BUILD_TYPE=Release", NULL };
	const char *build[] = { "cmake", "--build", dir, "--parallel", "2", "--target", "cbpf_tool",
				"cbpf_guest_init", NULL };
	bool fresh;

	kg_fmt(cc, sizeof(cc), "%s-gcc", t->arch->triplet);
	if (!kg_have_program(cc)) {
		kg_fmt(why, len, "no cross compiler %s (apt-get install gcc-%s)", cc,
			 t->arch->triplet);
		return -1;
	}
	if (!kg_have_program("cmake")) {
		kg_fmt(why, len, "no cmake (apt-get install cmake)");
		return -1;
	}
	kg_fmt(tc, sizeof(tc), "-DCMAKE_TOOLCHAIN_FILE=%s/kernel_cmp/guest/toolchain.cmake", src);
	kg_fmt(trip, sizeof(trip), "-DCBPF_GUEST_TRIPLET=%s", t->arch->triplet);
	kg_fmt(cache, sizeof(cache), "%s/CMakeCache.txt", dir);
	kg_fmt(log, sizeof(log), "%s/build.log", dir);
	if (kg_mkdirs(dir, 0755) != 0) {
		kg_fmt(why, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	fresh = access(cache, R_OK) != 0;
	if (fresh) {
		step(progress, "configuring the guest build in ", dir);
		if (kg_run(configure, NULL, NULL, log, why, len) != 0)
			goto failed;
	}
	if (kg_run(build, NULL, NULL, log, why, len) == 0)
		return 0;
	if (fresh)
		goto failed;
	/* A cached configuration can outlive the tools it names (a make
	 * program or compiler that moved, a PATH that is gone): configure
	 * once more from scratch before calling the build broken. */
	step(progress, "configuring the guest build again in ", dir);
	if (unlink(cache) != 0 && errno != ENOENT) {
		kg_fmt(why, len, "%s: %s", cache, strerror(errno));
		return -1;
	}
	if (kg_run(configure, NULL, NULL, log, why, len) == 0 &&
	    kg_run(build, NULL, NULL, log, why, len) == 0)
		return 0;
failed:
	kg_fmt(why, len, "building the guest oracle for %s failed (see %s)", t->arch->triplet, log);
	return -1;
}

static bool newer(const char *path, const struct timespec *than)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return true;
	return st.st_mtim.tv_sec > than->tv_sec ||
	       (st.st_mtim.tv_sec == than->tv_sec && st.st_mtim.tv_nsec > than->tv_nsec);
}

/* Whether out is missing or older than any of its parts. */
static bool stale(const char *out, const char *cbpf, const char *init, const struct kg_kernel *k)
{
	struct stat st;
	char path[PATH_MAX * 2];

	if (stat(out, &st) != 0)
		return true;
	if (newer(cbpf, &st.st_mtim) || newer(init, &st.st_mtim))
		return true;
	for (size_t i = 0; i < k->mods.n; i++) {
		kg_fmt(path, sizeof(path), "%s/%s", k->moddir, k->mods.path[i]);
		if (newer(path, &st.st_mtim))
			return true;
	}
	return false;
}

static int write_cpio(const char *out, const char *cbpf, const char *init,
		      const struct kg_kernel *k, char *why, size_t len)
{
	static const char *const dirs[] = { "dev", "proc", "sys", "tmp", "bin", "lib",
					    "lib/cbpf", "lib/cbpf/m", NULL };
	char list[KG_MAX_MODULES * 64] = "", name[64], path[PATH_MAX * 2];
	struct kg_cpio c;
	int rc = 0;

	if (kg_cpio_open(&c, out) != 0) {
		kg_fmt(why, len, "%s: %s", out, strerror(errno));
		return -1;
	}
	for (size_t i = 0; dirs[i] != NULL; i++)
		rc |= kg_cpio_dir(&c, dirs[i], strcmp(dirs[i], "tmp") == 0 ? 01777 : 0755);
	rc |= kg_cpio_chardev(&c, "dev/console", 0600, 5, 1);
	rc |= kg_cpio_copy(&c, "init", 0755, init);
	rc |= kg_cpio_copy(&c, "bin/cbpf", 0755, cbpf);
	for (size_t i = 0; i < k->mods.n && rc == 0; i++) {
		kg_fmt(name, sizeof(name), "lib/cbpf/m/%02zu.ko", i);
		kg_fmt(path, sizeof(path), "%s/%s", k->moddir, k->mods.path[i]);
		rc |= kg_cpio_copy(&c, name, 0644, path);
		kg_fmt(list + strlen(list), sizeof(list) - strlen(list), "/%s\n", name);
	}
	rc |= kg_cpio_file(&c, "lib/cbpf/modules", 0644, list, strlen(list));
	if (rc != 0) {
		kg_fmt(why, len, "%s: writing the archive: %s", out, strerror(errno));
		kg_cpio_abort(&c);
		return -1;
	}
	if (kg_cpio_close(&c) != 0) {
		kg_fmt(why, len, "%s: %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

int kg_build_initramfs(const struct kg_target *t, const struct kg_kernel *k, const char *cache,
		       const char *src, FILE *progress, char *out, size_t olen, char *why,
		       size_t len)
{
	char key[17], dir[PATH_MAX], cbpf[PATH_MAX + 16], init[PATH_MAX + 32], abs[PATH_MAX];

	if (realpath(src, abs) == NULL || access(abs, R_OK) != 0) {
		kg_fmt(why, len, "%s: no source tree to build the guest oracle from "
			 "(set CBPF_SRC)", src);
		return -1;
	}
	kg_cache_key(abs, key);
	if (kg_fmt(dir, sizeof(dir), "%s/guest/%s/%s", cache, key, t->arch->triplet) >=
	    (int)sizeof(dir) ||
	    kg_fmt(out, olen, "%s/initramfs-%s.cpio", k->dir, key) >= (int)olen) {
		kg_fmt(why, len, "cache path too long");
		return -1;
	}
	if (cross_build(t, dir, abs, progress, why, len) != 0)
		return -1;
	kg_fmt(cbpf, sizeof(cbpf), "%s/bin/cbpf", dir);
	kg_fmt(init, sizeof(init), "%s/bin/cbpf-guest-init", dir);
	if (!stale(out, cbpf, init, k))
		return 0;
	step(progress, "writing ", out);
	return write_cpio(out, cbpf, init, k, why, len);
}
