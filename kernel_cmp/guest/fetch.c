/*
 * guest/fetch.c - kernels into the cache with apt (fetch.h).
 */
#include "fetch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spawn.h"

#define SERIES "6.1.0-" /* debian-6.1: linux-image-6.1.0-ABI-FLAVOUR */

int kg_mkdirs(const char *path, unsigned mode)
{
	char buf[PATH_MAX];

	if (kg_fmt(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) != 0 && errno != EEXIST ? -1 : 0;
}

void kg_kernel_free(struct kg_kernel *k)
{
	kg_modlist_free(&k->mods);
}

static void step(FILE *progress, const char *fmt, const char *arg)
{
	if (progress == NULL)
		return;
	fprintf(progress, fmt, arg);
	fputc('\n', progress);
	fflush(progress);
}

static int remove_tree(const char *path)
{
	const char *argv[] = { "rm", "-rf", "--", path, NULL };
	char why[256];

	return kg_run(argv, NULL, NULL, NULL, why, sizeof(why));
}

/* ---- the manifest: "key value" lines ---- */

static int read_manifest(struct kg_kernel *k)
{
	char path[PATH_MAX + 16], line[PATH_MAX + 32];
	FILE *f;

	kg_fmt(path, sizeof(path), "%s/manifest", k->dir);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *v = strchr(line, ' ');
		if (v == NULL)
			continue;
		*v++ = '\0';
		v[strcspn(v, "\n")] = '\0';
		if (strcmp(line, "package") == 0)
			kg_fmt(k->package, sizeof(k->package), "%s", v);
		else if (strcmp(line, "version") == 0)
			kg_fmt(k->version, sizeof(k->version), "%s", v);
		else if (strcmp(line, "release") == 0)
			kg_fmt(k->release, sizeof(k->release), "%s", v);
		else if (strcmp(line, "module") == 0 && k->mods.n < KG_MAX_MODULES)
			k->mods.path[k->mods.n++] = strdup(v);
	}
	fclose(f);
	kg_fmt(k->image, sizeof(k->image), "%s/vmlinuz", k->dir);
	kg_fmt(k->moddir, sizeof(k->moddir), "%s/modules", k->dir);
	return k->package[0] && k->release[0] && access(k->image, R_OK) == 0 ? 0 : -1;
}

static int write_manifest(const char *dir, const struct kg_target *t, const struct kg_kernel *k)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 32];
	FILE *f;
	int rc;

	kg_fmt(path, sizeof(path), "%s/manifest", dir);
	kg_fmt(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return -1;
	fprintf(f, "target %s\npackage %s\nversion %s\nrelease %s\nimage vmlinuz\n", t->name,
		k->package, k->version, k->release);
	for (size_t i = 0; i < k->mods.n; i++)
		fprintf(f, "module %s\n", k->mods.path[i]);
	rc = fclose(f) == 0 ? rename(tmp, path) : -1;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* ---- apt ---- */

static void chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

static int native_arch(char *out, size_t len, char *why, size_t wlen)
{
	const char *argv[] = { "dpkg", "--print-architecture", NULL };
	char *o;

	if (kg_run(argv, NULL, &o, NULL, why, wlen) != 0)
		return -1;
	chomp(o);
	kg_fmt(out, len, "%s", o);
	free(o);
	return 0;
}

static int apt_update(FILE *progress, char *why, size_t len)
{
	const char *argv[] = { "apt-get", "update", "-qq", NULL };

	step(progress, "apt-get update%s", "");
	return kg_run(argv, NULL, NULL, NULL, why, len);
}

/* dpkg knows arch (adding it when not); *updated when apt-get update ran. */
static int ensure_arch(const char *arch, FILE *progress, bool *updated, char *why, size_t len)
{
	const char *list[] = { "dpkg", "--print-foreign-architectures", NULL };
	const char *add[] = { "dpkg", "--add-architecture", arch, NULL };
	char *o, *save = NULL;
	bool found = false;

	if (kg_run(list, NULL, &o, NULL, why, len) != 0)
		return -1;
	for (char *w = strtok_r(o, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
		found |= strcmp(w, arch) == 0;
	free(o);
	if (found)
		return 0;
	if (geteuid() != 0) {
		kg_fmt(why, len, "dpkg does not know architecture %s and only root can add it "
			 "(dpkg --add-architecture %s; apt-get update)", arch, arch);
		return -1;
	}
	step(progress, "dpkg --add-architecture %s", arch);
	if (kg_run(add, NULL, NULL, NULL, why, len) != 0)
		return -1;
	*updated = true;
	return apt_update(progress, why, len);
}

/* The package the metapackage linux-image-FLAVOUR depends on, if it is
 * linux-image-6.1.0-N-FLAVOUR: 0, else -1 (why). */
static int resolve_package(const char *meta, const char *flavour, char *out, size_t olen,
			   char *why, size_t len)
{
	const char *argv[] = { "apt-cache", "depends", meta, NULL };
	char *o, *save = NULL, prefix[32];

	kg_fmt(prefix, sizeof(prefix), "linux-image-%s", SERIES);
	if (kg_run(argv, NULL, &o, NULL, why, len) != 0)
		return -1;
	out[0] = '\0';
	for (char *l = strtok_r(o, "\n", &save); l && !out[0]; l = strtok_r(NULL, "\n", &save)) {
		char name[160], *colon;
		size_t fl = strlen(flavour), nl;
		if (sscanf(l, " Depends: %159s", name) != 1)
			continue;
		colon = strchr(name, ':');
		if (colon != NULL)
			*colon = '\0';
		nl = strlen(name);
		if (strncmp(name, prefix, strlen(prefix)) == 0 && nl > fl + 1 &&
		    strcmp(name + nl - fl, flavour) == 0 && name[nl - fl - 1] == '-')
			kg_fmt(out, olen, "%s", name);
	}
	free(o);
	if (out[0] == '\0') {
		kg_fmt(why, len, "%s depends on no linux-image-%sN-%s package (apt-cache depends %s)",
			 meta, SERIES, flavour, meta);
		return -1;
	}
	return 0;
}

/* The one *.deb in dir. */
static int find_deb(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = -1;

	while (d != NULL && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n > 4 && strcmp(e->d_name + n - 4, ".deb") == 0) {
			kg_fmt(out, len, "%s/%s", dir, e->d_name);
			rc = 0;
		}
	}
	if (d != NULL)
		closedir(d);
	return rc;
}

/* from/rel -> to/rel, creating to's directories. */
static int move_rel(const char *from, const char *to, const char *rel)
{
	char src[PATH_MAX * 2], dst[PATH_MAX * 2], *slash;

	kg_fmt(src, sizeof(src), "%s/%s", from, rel);
	kg_fmt(dst, sizeof(dst), "%s/%s", to, rel);
	slash = strrchr(dst, '/');
	*slash = '\0';
	if (kg_mkdirs(dst, 0755) != 0)
		return -1;
	*slash = '/';
	return rename(src, dst);
}

/* Download pkg into tmp and unpack what a guest needs next to it. */
static int unpack(const struct kg_target *t, const char *pkg, const char *tmp,
		  struct kg_kernel *k, FILE *progress, char *why, size_t len)
{
	const char *dl[] = { "apt-get", "download", pkg, NULL };
	char deb[PATH_MAX], x[PATH_MAX], from[PATH_MAX * 2], to[PATH_MAX * 2], *ver = NULL;
	const char *fields[] = { "dpkg-deb", "-f", deb, "Version", NULL };
	const char *extract[] = { "dpkg-deb", "-x", deb, x, NULL };

	step(progress, "apt-get download %s", pkg);
	if (kg_run(dl, tmp, NULL, NULL, why, len) != 0)
		return -1;
	if (find_deb(tmp, deb, sizeof(deb)) != 0) {
		kg_fmt(why, len, "apt-get download %s left no .deb in %s", pkg, tmp);
		return -1;
	}
	if (kg_run(fields, NULL, &ver, NULL, why, len) != 0)
		return -1;
	chomp(ver);
	kg_fmt(k->version, sizeof(k->version), "%s", ver);
	free(ver);
	kg_fmt(x, sizeof(x), "%s/x", tmp);
	step(progress, "dpkg-deb -x %s", deb);
	if (kg_run(extract, NULL, NULL, NULL, why, len) != 0)
		return -1;
	kg_fmt(from, sizeof(from), "%s/boot/vmlinuz-%s", x, k->release);
	if (access(from, R_OK) != 0)
		kg_fmt(from, sizeof(from), "%s/boot/vmlinux-%s", x, k->release);
	kg_fmt(to, sizeof(to), "%s/vmlinuz", tmp);
	if (rename(from, to) != 0) {
		kg_fmt(why, len, "%s has no /boot/vmlinuz-%s", pkg, k->release);
		return -1;
	}
	kg_fmt(from, sizeof(from), "%s/boot/config-%s", x, k->release);
	kg_fmt(to, sizeof(to), "%s/config", tmp);
	rename(from, to);
	kg_fmt(from, sizeof(from), "%s/lib/modules/%s", x, k->release);
	if (kg_modules_closure(from, t->arch->modules, &k->mods, why, len) != 0)
		return -1;
	kg_fmt(to, sizeof(to), "%s/modules", tmp);
	if (move_rel(from, to, "modules.order") != 0) {
		kg_fmt(why, len, "%s: cannot move modules.order", from);
		return -1;
	}
	move_rel(from, to, "modules.builtin");
	for (size_t i = 0; i < k->mods.n; i++)
		if (move_rel(from, to, k->mods.path[i]) != 0) {
			kg_fmt(why, len, "cannot move module %s", k->mods.path[i]);
			return -1;
		}
	remove_tree(x);
	unlink(deb);
	return 0;
}

static int fetch_debian(const struct kg_target *t, struct kg_kernel *k,
			FILE *progress, char *why, size_t len)
{
	char native[32], meta[96], pkg[128], tmp[PATH_MAX + 32];
	bool updated = false, foreign;
	int rc;

	if (native_arch(native, sizeof(native), why, len) != 0)
		return -1;
	foreign = strcmp(native, t->arch->name) != 0;
	if (foreign && ensure_arch(t->arch->name, progress, &updated, why, len) != 0)
		return -1;
	kg_fmt(meta, sizeof(meta), "linux-image-%s%s%s", t->flavour, foreign ? ":" : "",
		 foreign ? t->arch->name : "");
	rc = resolve_package(meta, t->flavour, pkg, sizeof(pkg), why, len);
	if (rc != 0 && !updated && geteuid() == 0) {
		if (apt_update(progress, why, len) != 0)
			return -1;
		rc = resolve_package(meta, t->flavour, pkg, sizeof(pkg), why, len);
	}
	if (rc != 0)
		return -1;
	kg_fmt(k->release, sizeof(k->release), "%s", pkg + strlen("linux-image-"));
	kg_fmt(k->package, sizeof(k->package), "%s%s%s", pkg, foreign ? ":" : "",
		 foreign ? t->arch->name : "");
	kg_fmt(tmp, sizeof(tmp), "%s.tmp.%ld", k->dir, (long)getpid());
	remove_tree(tmp);
	if (kg_mkdirs(tmp, 0755) != 0) {
		kg_fmt(why, len, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	rc = unpack(t, k->package, tmp, k, progress, why, len);
	if (rc == 0 && write_manifest(tmp, t, k) != 0) {
		kg_fmt(why, len, "%s/manifest: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		remove_tree(k->dir); /* an incomplete one, without a manifest */
		if (rename(tmp, k->dir) != 0) {
			kg_fmt(why, len, "rename %s: %s", tmp, strerror(errno));
			rc = -1;
		}
	}
	if (rc != 0) {
		remove_tree(tmp);
		return -1;
	}
	kg_modlist_free(&k->mods);
	k->downloaded = true;
	return read_manifest(k);
}

static int fetch_custom(const struct kg_target *t, const char *cache, struct kg_kernel *k,
			char *why, size_t len)
{
	char img[PATH_MAX], mods[PATH_MAX] = "";
	char key[PATH_MAX * 2 + 2], hash[17];
	const char *base;

	if (t->image == NULL || realpath(t->image, img) == NULL) {
		kg_fmt(why, len, "%s: %s", t->image ? t->image : "no --kernel IMAGE given",
			 t->image ? strerror(errno) : "a custom target needs one");
		return -1;
	}
	if (t->modules_dir != NULL && realpath(t->modules_dir, mods) == NULL) {
		kg_fmt(why, len, "%s: %s", t->modules_dir, strerror(errno));
		return -1;
	}
	kg_fmt(key, sizeof(key), "%s\n%s", img, mods);
	kg_cache_key(key, hash);
	kg_fmt(k->dir, sizeof(k->dir), "%s/custom/%s-%s", cache, t->arch->name, hash);
	if (kg_mkdirs(k->dir, 0755) != 0) {
		kg_fmt(why, len, "%s: %s", k->dir, strerror(errno));
		return -1;
	}
	kg_fmt(k->image, sizeof(k->image), "%s", img);
	kg_fmt(k->package, sizeof(k->package), "custom");
	base = strrchr(mods, '/');
	kg_fmt(k->release, sizeof(k->release), "%s", mods[0] && base ? base + 1 : "unknown");
	if (mods[0] == '\0')
		return 0; /* virtio must be built in */
	kg_fmt(k->moddir, sizeof(k->moddir), "%s", mods);
	return kg_modules_closure(mods, t->arch->modules, &k->mods, why, len);
}

int kg_fetch(const struct kg_target *t, const char *cache, struct kg_kernel *k, FILE *progress,
	     char *why, size_t len)
{
	char parent[PATH_MAX];

	memset(k, 0, sizeof(*k));
	if (t->custom)
		return fetch_custom(t, cache, k, why, len);
	if (kg_fmt(k->dir, sizeof(k->dir), "%s/debian-6.1/%s/%s", cache, t->arch->name,
		     t->flavour) >= (int)sizeof(k->dir)) {
		kg_fmt(why, len, "cache path too long");
		return -1;
	}
	if (read_manifest(k) == 0)
		return 0;
	kg_modlist_free(&k->mods);
	kg_fmt(parent, sizeof(parent), "%s/debian-6.1/%s", cache, t->arch->name);
	if (kg_mkdirs(parent, 0755) != 0) {
		kg_fmt(why, len, "%s: %s", parent, strerror(errno));
		return -1;
	}
	return fetch_debian(t, k, progress, why, len);
}
