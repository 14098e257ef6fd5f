/*
 * proto/seccomp_names.c - the names seccomp input and output use: AUDIT_ARCH_*
 * values (linux/audit.h), the host's arch, syscall numbers (the generated
 * x86-64 and i386 tables) and the actions of a filter's return value
 * (linux/seccomp.h; what the kernel's __seccomp_filter does with each).
 */
#include "cbpf/seccomp.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "insn/diag.h"
#include "syscall_tables.h"

/* ---- arches ---- */

static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
	{ "x86_64", AUDIT_ARCH_X86_64 },   { "i386", AUDIT_ARCH_I386 },
	{ "aarch64", AUDIT_ARCH_AARCH64 }, { "arm", AUDIT_ARCH_ARM },
	{ "armeb", AUDIT_ARCH_ARMEB },     { "riscv64", AUDIT_ARCH_RISCV64 },
	{ "riscv32", AUDIT_ARCH_RISCV32 }, { "ppc64le", AUDIT_ARCH_PPC64LE },
	{ "ppc64", AUDIT_ARCH_PPC64 },     { "ppc", AUDIT_ARCH_PPC },
	{ "s390x", AUDIT_ARCH_S390X },     { "s390", AUDIT_ARCH_S390 },
	{ "mips", AUDIT_ARCH_MIPS },       { "mipsel", AUDIT_ARCH_MIPSEL },
	{ "mips64", AUDIT_ARCH_MIPS64 },   { "mipsel64", AUDIT_ARCH_MIPSEL64 },
	{ "mips64n32", AUDIT_ARCH_MIPS64N32 }, { "mipsel64n32", AUDIT_ARCH_MIPSEL64N32 },
	{ "loongarch64", AUDIT_ARCH_LOONGARCH64 }, { "parisc", AUDIT_ARCH_PARISC },
	{ "parisc64", AUDIT_ARCH_PARISC64 }, { "sparc", AUDIT_ARCH_SPARC },
	{ "sparc64", AUDIT_ARCH_SPARC64 }, { "m68k", AUDIT_ARCH_M68K },
	{ "alpha", AUDIT_ARCH_ALPHA },     { "sh", AUDIT_ARCH_SH },
	{ "csky", AUDIT_ARCH_CSKY },       { "xtensa", AUDIT_ARCH_XTENSA },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The arch the kernel reports for this build's syscalls (compat ones
 * included: an i386 build on an x86-64 kernel is i386). */
uint32_t cbpf_seccomp_host_arch(void)
{
#if defined(__x86_64__)
	return AUDIT_ARCH_X86_64; /* x32 too: its syscalls carry a bit in nr */
#elif defined(__i386__)
	return AUDIT_ARCH_I386;
#elif defined(__aarch64__)
	return AUDIT_ARCH_AARCH64;
#elif defined(__arm__) && defined(__ARMEB__)
	return AUDIT_ARCH_ARMEB;
#elif defined(__arm__)
	return AUDIT_ARCH_ARM;
#elif defined(__riscv) && __riscv_xlen == 64
	return AUDIT_ARCH_RISCV64;
#elif defined(__riscv)
	return AUDIT_ARCH_RISCV32;
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
	return AUDIT_ARCH_PPC64LE;
#elif defined(__powerpc64__)
	return AUDIT_ARCH_PPC64;
#elif defined(__powerpc__)
	return AUDIT_ARCH_PPC;
#elif defined(__s390x__)
	return AUDIT_ARCH_S390X;
#elif defined(__s390__)
	return AUDIT_ARCH_S390;
#elif defined(__loongarch64)
	return AUDIT_ARCH_LOONGARCH64;
#else
	return 0;
#endif
}

const char *cbpf_audit_arch_name(uint32_t arch)
{
	for (size_t i = 0; i < N(arches); i++)
		if (arches[i].arch == arch)
			return arches[i].name;
	return NULL;
}

int cbpf_audit_arch_from_name(const char *name, size_t len, uint32_t *out)
{
	for (size_t i = 0; i < N(arches); i++)
		if (strlen(arches[i].name) == len && memcmp(arches[i].name, name, len) == 0) {
			*out = arches[i].arch;
			return 0;
		}
	return -1;
}

/* ---- syscalls ---- */

/* An arch's own numbers (below SYSCALLS_UNIFIED_FROM); NULL for an arch
 * without a table. */
static const struct syscall_name *table_of(uint32_t arch, size_t *n)
{
	switch (arch) {
	case AUDIT_ARCH_X86_64:
		*n = N(syscalls_x86_64);
		return syscalls_x86_64;
	case AUDIT_ARCH_I386:
		*n = N(syscalls_i386);
		return syscalls_i386;
	default:
		*n = 0;
		return NULL;
	}
}

/* Entry i of an arch's names: its own, then the shared ones after them. */
static const struct syscall_name *entry(uint32_t arch, size_t i)
{
	size_t n;
	const struct syscall_name *t = table_of(arch, &n);
	if (!t)
		return NULL;
	if (i < n)
		return &t[i];
	return i - n < N(syscalls_unified) ? &syscalls_unified[i - n] : NULL;
}

const char *cbpf_syscall_name(uint32_t arch, int32_t nr)
{
	const struct syscall_name *e;

	for (size_t i = 0; (e = entry(arch, i)) != NULL; i++)
		if (e->nr == nr)
			return e->name;
	return NULL;
}

int cbpf_syscall_from_name(uint32_t arch, const char *name, size_t len, int32_t *nr)
{
	const struct syscall_name *e;

	for (size_t i = 0; (e = entry(arch, i)) != NULL; i++)
		if (strlen(e->name) == len && memcmp(e->name, name, len) == 0) {
			*nr = e->nr;
			return 0;
		}
	return -1;
}

/* ---- actions ---- */

enum data_use { DATA_IGNORED, DATA_SHOWN, DATA_NONZERO };

static const struct {
	const char *name;
	uint32_t action;
	enum data_use data;
} actions[] = {
	{ "KILL_PROCESS", SECCOMP_RET_KILL_PROCESS, DATA_IGNORED },
	{ "KILL_THREAD", SECCOMP_RET_KILL_THREAD, DATA_IGNORED },
	{ "TRAP", SECCOMP_RET_TRAP, DATA_NONZERO },
	{ "ERRNO", SECCOMP_RET_ERRNO, DATA_SHOWN },
	{ "USER_NOTIF", SECCOMP_RET_USER_NOTIF, DATA_IGNORED },
	{ "TRACE", SECCOMP_RET_TRACE, DATA_SHOWN },
	{ "LOG", SECCOMP_RET_LOG, DATA_IGNORED },
	{ "ALLOW", SECCOMP_RET_ALLOW, DATA_IGNORED },
};

int cbpf_seccomp_action_format(uint32_t ret, char *buf, size_t len)
{
	uint32_t action = ret & SECCOMP_RET_ACTION_FULL, data = ret & SECCOMP_RET_DATA;

	for (size_t i = 0; i < N(actions); i++) {
		if (actions[i].action != action)
			continue;
		if (actions[i].data == DATA_SHOWN || (actions[i].data == DATA_NONZERO && data != 0))
			return snprintf(buf, len, "%s(%u)", actions[i].name, (unsigned)data);
		return snprintf(buf, len, "%s", actions[i].name);
	}
	return snprintf(buf, len, "KILL_PROCESS"); /* the kernel's default action */
}

/* A u32 in decimal or 0x hex, exactly len bytes. */
static int parse_u32(const char *s, size_t len, uint32_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0'
			: base == 16 && s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
			: base == 16 && s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10 : -1;
		if (d < 0 || (v = v * base + (unsigned)d) > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int cbpf_seccomp_action_parse(const char *text, size_t len, uint32_t *out, struct cbpf_diag *d)
{
	const char *open = memchr(text, '(', len);
	size_t name_len = open != NULL ? (size_t)(open - text) : len;
	uint32_t data = 0;

	if (parse_u32(text, len, out) == 0)
		return 0;
	if (name_len > 12 && strncasecmp(text, "SECCOMP_RET_", 12) == 0) {
		text += 12;
		name_len -= 12;
		len -= 12;
	}
	if (open != NULL && (len < name_len + 3 || text[len - 1] != ')' ||
			     parse_u32(text + name_len + 1, len - name_len - 2, &data) != 0 ||
			     data > SECCOMP_RET_DATA)) {
		diag_fail(d, CBPF_ERR_INPUT, "the data in (...) is a number 0..65535");
		return -1;
	}
	/* SECCOMP_RET_KILL is KILL_THREAD */
	bool kill = name_len == 4 && strncasecmp(text, "KILL", 4) == 0;
	for (size_t i = 0; i < N(actions); i++) {
		if (kill ? actions[i].action != SECCOMP_RET_KILL_THREAD
			 : strlen(actions[i].name) != name_len ||
				   strncasecmp(actions[i].name, text, name_len) != 0)
			continue;
		if (open != NULL && actions[i].data == DATA_IGNORED) {
			diag_fail(d, CBPF_ERR_INPUT, "%s takes no data", actions[i].name);
			return -1;
		}
		*out = actions[i].action | data;
		return 0;
	}
	diag_fail(d, CBPF_ERR_INPUT,
		 "not a number or an action (KILL_PROCESS, KILL_THREAD, TRAP, ERRNO(n), "
		 "USER_NOTIF, TRACE(n), LOG, ALLOW)");
	return -1;
}
