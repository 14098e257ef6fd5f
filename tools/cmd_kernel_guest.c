/*
 * cmd_kernel_guest.c - the kernel matrix side of `cbpf kernel`
 * (docs/kernel-matrix.md): `fetch TARGET...` puts a target's kernel and
 * initramfs in the cache; `plugin --target TARGET` boots that guest under
 * qemu and serves the plugin protocol through it.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "commands.h"
#include "fetch.h"
#include "proxy.h"
#include "spawn.h"
#include "target.h"

static const char usage_fetch[] =
	"usage: cbpf kernel fetch [--cache DIR] [--kernel IMAGE [--modules DIR]] TARGET...\n"
	"\n"
	"Put each target's kernel and guest initramfs in the cache, so that\n"
	"`cbpf kernel plugin --target TARGET` can boot it. A second run finds\n"
	"them there and does nothing. TARGET is:\n"
	"  debian-6.1/ARCH[/FLAVOUR]   Debian 12's kernel package for ARCH (amd64,\n"
	"                              arm64, armhf, i386, mips64el, ppc64el, s390x),\n"
	"                              downloaded with apt (the architecture is added\n"
	"                              with dpkg --add-architecture when needed: root)\n"
	"  custom/ARCH                 your own kernel: --kernel IMAGE (bzImage,\n"
	"                              Image, vmlinux...), --modules lib/modules/RELEASE\n"
	"                              when virtio_pci/virtio_console are modules\n"
	"The guest oracle (cbpf and its /init) is cross-compiled statically from this\n"
	"source tree with Debian's gcc-TRIPLET.\n"
	"  --cache DIR   the cache (default $CBPF_KERNEL_CACHE, else\n"
	"                ~/.cache/cbpf/kernels)\n"
	"Exit status: 0 ready, 2 usage error, 3 a target could not be prepared.\n";

static const char usage_plugin[] =
	"usage: cbpf kernel plugin --target TARGET [--jit jit|interp] [--via unix|packet]\n"
	"                          [--cache DIR] [--kernel IMAGE [--modules DIR]]\n"
	"                          [--timeout S] [--boot-timeout S] [--max-inflight N]\n"
	"\n"
	"Boot TARGET (see `cbpf kernel fetch --help`; fetched first when needed)\n"
	"under qemu (TCG) once and serve the plugin protocol through the guest's\n"
	"kernel oracle (`cbpf kernel plugin` running as its /init's child, over a\n"
	"virtio-serial port). Requests are pipelined. The first answer of each boot\n"
	"carries the guest's \"env\" and a \"target\" record: name, arch, JIT mode\n"
	"and its proof (the flen= line bpf_jit_enable=2 logged), kernel package,\n"
	"qemu machine, boot time. A guest that dies, or gives no answer for\n"
	"--timeout seconds (default 60), is restarted and that request is answered\n"
	"with an error (\"guest_error\": true).\n"
	"  --jit MODE       jit or interp (also TARGET:jit, TARGET:interp); default\n"
	"                   jit where the kernel has one (s390x: interp only)\n"
	"  --boot-timeout S seconds to the guest's banner (default 120)\n"
	"Exit status: 0 served, 2 usage error, 3 the target cannot run here.\n";

struct guest_opts {
	const char *cache;
	const char *image;
	const char *modules;
	const char *via;
	const char *jit;
	double timeout, boot_timeout;
	long max_inflight;
	const char *targets[32];
	int ntargets;
};

/* One line naming the problem, one pointing at the help. */
static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	const char *cmd = usage == usage_fetch ? "fetch" : "plugin --target";

	fprintf(stderr, "cbpf kernel %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\ntry 'cbpf kernel %s --help'\n", cmd);
	return 2;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno != 0 || *end != '\0' || end == s || !(*out > 0 && *out < 86400) ? -1 : 0;
}

/* -1 parsed; else the exit status (help printed or a usage error). */
static int parse_opts(int argc, char **argv, struct guest_opts *o, const char *usage, bool plugin)
{
	memset(o, 0, sizeof(*o));
	o->via = "unix";
	o->timeout = 60;
	o->boot_timeout = 120;
	o->max_inflight = 32;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] == '-' && v == NULL)
			return usage_error(usage, "%s needs a value", a);
		if (strcmp(a, "--cache") == 0)
			o->cache = v;
		else if (strcmp(a, "--kernel") == 0)
			o->image = v;
		else if (strcmp(a, "--modules") == 0)
			o->modules = v;
		else if (plugin && strcmp(a, "--target") == 0 && o->ntargets == 0)
			o->targets[o->ntargets++] = v;
		else if (plugin && strcmp(a, "--jit") == 0)
			o->jit = v;
		else if (plugin && strcmp(a, "--via") == 0)
			o->via = v;
		else if (plugin && strcmp(a, "--timeout") == 0) {
			if (parse_seconds(v, &o->timeout) != 0)
				return usage_error(usage, "bad --timeout '%s'", v);
		} else if (plugin && strcmp(a, "--boot-timeout") == 0) {
			if (parse_seconds(v, &o->boot_timeout) != 0)
				return usage_error(usage, "bad --boot-timeout '%s'", v);
		} else if (plugin && strcmp(a, "--max-inflight") == 0) {
			o->max_inflight = strtol(v, NULL, 10);
			if (o->max_inflight < 1 || o->max_inflight > 4096)
				return usage_error(usage, "bad --max-inflight '%s' (1..4096)", v);
		} else if (a[0] == '-') {
			return usage_error(usage, "unknown option '%s'", a);
		} else if (!plugin && o->ntargets < 32) {
			o->targets[o->ntargets++] = a;
			continue;
		} else {
			return usage_error(usage, "unexpected argument '%s'", a);
		}
		i++;
	}
	if (o->ntargets == 0)
		return usage_error(usage, "no target given%s", "");
	if (plugin && strcmp(o->via, "unix") != 0 && strcmp(o->via, "packet") != 0)
		return usage_error(usage, "--via '%s': a guest serves unix or packet", o->via);
	return -1;
}

/* Parse, check the mode and the tools; 0 or the exit status. */
static int resolve_target(const struct guest_opts *o, const char *spec, struct kg_target *t)
{
	char why[256];

	if (kg_target_parse(spec, t, why, sizeof(why)) != 0) {
		fprintf(stderr, "cbpf kernel: %s: %s\n", spec, why);
		return 2;
	}
	if (o->jit != NULL) {
		if (strcmp(o->jit, "jit") != 0 && strcmp(o->jit, "interp") != 0) {
			fprintf(stderr, "cbpf kernel: --jit '%s': jit or interp\n", o->jit);
			return 2;
		}
		t->jit = strcmp(o->jit, "jit") == 0 ? KG_JIT_ON : KG_JIT_OFF;
	}
	if (t->custom) {
		t->image = o->image;
		t->modules_dir = o->modules;
	} else if (o->image != NULL) {
		fprintf(stderr, "cbpf kernel: %s: --kernel is for custom/ARCH targets\n", t->name);
		return 2;
	}
	if (kg_target_mode(t) == KG_JIT_ON && !t->arch->jit) {
		fprintf(stderr, "cbpf kernel: %s: this kernel has no eBPF JIT (use :interp)\n",
			t->name);
		return 3;
	}
	return 0;
}

/* Kernel and initramfs of t ready; 0 or 3 after printing why. */
static int prepare(const struct guest_opts *o, const struct kg_target *t, struct kg_kernel *k,
		   char *initramfs, size_t ilen, FILE *progress)
{
	char cache[PATH_MAX], why[1024];

	if (kg_cache_dir(o->cache, cache, sizeof(cache)) != 0) {
		fprintf(stderr, "cbpf kernel: %s: no cache directory (set CBPF_KERNEL_CACHE or "
				"--cache)\n", t->name);
		return 3;
	}
	if (kg_fetch(t, cache, k, progress, why, sizeof(why)) != 0) {
		fprintf(stderr, "cbpf kernel: %s: %s\n", t->name, why);
		return 3;
	}
	if (kg_build_initramfs(t, k, cache, tool_source_dir(), progress, initramfs, ilen, why,
			       sizeof(why)) != 0) {
		fprintf(stderr, "cbpf kernel: %s: %s\n", t->name, why);
		kg_kernel_free(k);
		return 3;
	}
	return 0;
}

int cmd_kernel_fetch(int argc, char **argv)
{
	struct guest_opts o;
	int rc = parse_opts(argc, argv, &o, usage_fetch, false), worst = 0;

	if (rc >= 0)
		return rc;
	for (int i = 0; i < o.ntargets; i++) {
		struct kg_target t;
		struct kg_kernel k;
		char initramfs[PATH_MAX];
		rc = resolve_target(&o, o.targets[i], &t);
		if (rc == 0)
			rc = prepare(&o, &t, &k, initramfs, sizeof(initramfs), stderr);
		if (rc != 0) {
			worst = rc > worst ? rc : worst;
			continue;
		}
		printf("%s: %s %s (%s) in %s\n  initramfs %s\n", t.name, k.package, k.version,
		       k.downloaded ? "downloaded" : "cached", k.dir, initramfs);
		kg_kernel_free(&k);
	}
	return worst;
}

int cmd_kernel_plugin_guest(int argc, char **argv)
{
	struct guest_opts o;
	struct kg_target t;
	struct kg_kernel k;
	struct kg_proxy_config c;
	char initramfs[PATH_MAX], label[128], package[256], why[1024];
	int rc = parse_opts(argc, argv, &o, usage_plugin, true);

	if (rc >= 0)
		return rc;
	rc = resolve_target(&o, o.targets[0], &t);
	if (rc != 0)
		return rc;
	kg_target_label(&t, label, sizeof(label));
	if (!kg_have_program(t.arch->qemu)) {
		fprintf(stderr, "cbpf kernel plugin: %s: %s not found (apt-get install %s)\n", label,
			t.arch->qemu, t.arch->qemu_pkg);
		return 3;
	}
	rc = prepare(&o, &t, &k, initramfs, sizeof(initramfs), stderr);
	if (rc != 0)
		return rc;
	snprintf(package, sizeof(package), "%s%s%s", k.package, k.version[0] ? " " : "", k.version);
	memset(&c, 0, sizeof(c));
	c.vm = (struct kg_vm_config){ &t, k.image, initramfs, kg_target_mode(&t), o.via,
				      o.boot_timeout, 512 };
	c.label = label;
	c.package = package;
	c.timeout = o.timeout;
	c.max_inflight = (size_t)o.max_inflight;
	signal(SIGPIPE, SIG_IGN);
	rc = kg_proxy_serve(&c, 0, 1, why, sizeof(why));
	kg_kernel_free(&k);
	if (rc == 1) {
		fprintf(stderr, "cbpf kernel plugin: %s: %s\n", label, why);
		return 3;
	}
	if (rc == 2) {
		fprintf(stderr, "cbpf kernel plugin: %s: %s\n", label, why);
		return 2;
	}
	return 0;
}
