/*
 * guest/modules.c - the module closure (modules.h).
 */
#include "modules.h"
#include "target.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct names {
	char **v;
	size_t n;
};

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Every non-empty line of moddir/file. */
static int read_lines(const char *moddir, const char *file, struct names *out)
{
	char path[4200], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	kg_fmt(path, sizeof(path), "%s/%s", moddir, file);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char **nv;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (nv == NULL)
			break;
		out->v = nv;
		out->v[out->n++] = strdup(line);
	}
	free(line);
	fclose(f);
	return 0;
}

/* "kernel/drivers/virtio/virtio-pci.ko" -> "virtio_pci" */
static void module_name(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	kg_fmt(out, len, "%.*s", (int)n, base);
	for (char *c = out; *c; c++)
		if (*c == '-')
			*c = '_';
}

static const char *find_path(const struct names *s, const char *name)
{
	char n[128];

	for (size_t i = 0; i < s->n; i++) {
		module_name(s->v[i], n, sizeof(n));
		if (strcmp(n, name) == 0)
			return s->v[i];
	}
	return NULL;
}

char *kg_modinfo(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, *res = NULL;
	size_t klen = strlen(key);
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) != NULL && fread(buf, 1, (size_t)size, f) == (size_t)size) {
		buf[size] = '\0';
		/* modinfo strings are "key=value\0" in .modinfo, each after a NUL */
		for (long i = 1; i + (long)klen + 1 < size; i++) {
			if (buf[i - 1] == '\0' && memcmp(buf + i, key, klen) == 0 &&
			    buf[i + (long)klen] == '=') {
				res = strdup(buf + i + klen + 1);
				break;
			}
		}
		if (res == NULL)
			res = strdup("");
	}
	free(buf);
	fclose(f);
	return res;
}

struct walk {
	const char *moddir;
	struct names order, builtin;
	struct kg_modlist *out;
	char *why;
	size_t len;
	int depth;
};

static bool listed(const struct kg_modlist *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->path[i], path) == 0)
			return true;
	return false;
}

static int add_module(struct walk *w, const char *name, bool optional);

static int add_depends(struct walk *w, const char *path)
{
	char full[4400], *deps, *save = NULL;
	int rc = 0;

	kg_fmt(full, sizeof(full), "%s/%s", w->moddir, path);
	deps = kg_modinfo(full, "depends");
	if (deps == NULL) {
		kg_fmt(w->why, w->len, "%s: cannot read", full);
		return -1;
	}
	for (char *d = strtok_r(deps, ",", &save); d && rc == 0; d = strtok_r(NULL, ",", &save))
		rc = add_module(w, d, false);
	free(deps);
	return rc;
}

static int add_module(struct walk *w, const char *name, bool optional)
{
	const char *path = find_path(&w->order, name);

	if (find_path(&w->builtin, name) != NULL)
		return 0;
	if (path == NULL) {
		if (optional)
			return 0;
		kg_fmt(w->why, w->len, "module %s: neither built in nor in modules.order", name);
		return -1;
	}
	if (listed(w->out, path))
		return 0;
	if (++w->depth > 16 || w->out->n >= KG_MAX_MODULES) {
		kg_fmt(w->why, w->len, "module %s: dependencies too deep or too many", name);
		return -1;
	}
	if (add_depends(w, path) != 0)
		return -1;
	w->depth--;
	if (!listed(w->out, path))
		w->out->path[w->out->n++] = strdup(path);
	return 0;
}

int kg_modules_closure(const char *moddir, const char *const *roots, struct kg_modlist *out,
		       char *why, size_t len)
{
	struct walk w = { moddir, { 0 }, { 0 }, out, why, len, 0 };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (read_lines(moddir, "modules.order", &w.order) != 0) {
		kg_fmt(why, len, "%s/modules.order: cannot read", moddir);
		return -1;
	}
	read_lines(moddir, "modules.builtin", &w.builtin);
	for (size_t i = 0; roots[i] != NULL && rc == 0; i++) {
		bool optional = roots[i][0] == '?';
		rc = add_module(&w, roots[i] + optional, optional);
	}
	names_free(&w.order);
	names_free(&w.builtin);
	if (rc != 0)
		kg_modlist_free(out);
	return rc;
}

void kg_modlist_free(struct kg_modlist *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->path[i]);
	m->n = 0;
}
