/*
 * version.c - `cbpf --version`: the library's version, the kernel this
 * runs on (uname) and the state of its BPF JIT
 * (/proc/sys/net/core/bpf_jit_enable: 0 off, 1 on, 2 on with the debug
 * log), the facts a bug report about a verdict needs first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "cbpf/version.h"
#include "commands.h"

#define JIT_ENABLE "/proc/sys/net/core/bpf_jit_enable"

static const char *jit_meaning(int v)
{
	switch (v) {
	case 0:
		return "off: the interpreter runs filters";
	case 1:
		return "on";
	case 2:
		return "on, with the debug log";
	default:
		return "unknown value";
	}
}

static void print_jit(void)
{
	FILE *f = fopen(JIT_ENABLE, "r");
	int v;

	if (f == NULL) {
		printf("bpf_jit_enable unknown (%s: %s)\n", JIT_ENABLE, strerror(errno));
		return;
	}
	if (fscanf(f, "%d", &v) == 1)
		printf("bpf_jit_enable %d (%s)\n", v, jit_meaning(v));
	else
		printf("bpf_jit_enable unknown (%s: not a number)\n", JIT_ENABLE);
	fclose(f);
}

int tool_print_version(void)
{
	struct utsname u;

	printf("cbpf %s\n", cbpf_version());
	printf("libcbpf %s\n", cbpf_version());
	if (uname(&u) == 0)
		printf("kernel %s %s %s\n", u.sysname, u.release, u.machine);
	else
		printf("kernel unknown (uname: %s)\n", strerror(errno));
	print_jit();
	return 0;
}
