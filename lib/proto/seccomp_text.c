/*
 * proto/seccomp_text.c - struct seccomp_data as text (cbpf/seccomp.h,
 * docs/seccomp-input.md): the one input syntax of `cbpf run --seccomp`,
 * `cbpf kernel run --via seccomp`, `cbpf seccomp data` and the corpus's
 * `input:` lines, and the canonical form the commands print.
 */
#include "cbpf/seccomp.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "insn/diag.h"
#include "support/hex.h"

struct span {
	const char *s;
	size_t n;
};

static struct span trim(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return (struct span){ s, n };
}

static bool is_name(const struct span *v, const char *name)
{
	return v->n == strlen(name) && memcmp(v->s, name, v->n) == 0;
}

/* A u64 in decimal or 0x hex (no sign), exactly the span. */
static int parse_u64(struct span v, uint64_t *out)
{
	unsigned base = 10;
	uint64_t x = 0;
	size_t i = 0;

	if (v.n > 2 && v.s[0] == '0' && (v.s[1] == 'x' || v.s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == v.n)
		return -1;
	for (; i < v.n; i++) {
		int d = hex_digit((unsigned char)v.s[i]);
		if (d < 0 || (unsigned)d >= base || x > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		x = x * base + (uint64_t)d;
	}
	*out = x;
	return 0;
}

static int fail(struct cbpf_diag *d, const char *fmt, struct span v)
{
	diag_fail(d, CBPF_ERR_INPUT, fmt, (int)(v.n > 60 ? 60 : v.n), v.s, v.n > 60 ? "..." : "");
	return -1;
}

/* nr: an int, or the u32 spelling of one; a name is resolved later. */
static int parse_nr(struct span v, struct cbpf_seccomp_data *sd, struct span *name, struct cbpf_diag *d)
{
	bool neg = v.n > 0 && v.s[0] == '-';
	uint64_t x;

	if (v.n > 0 && (v.s[0] == '_' || (v.s[0] >= 'a' && v.s[0] <= 'z'))) {
		*name = v;
		return 0;
	}
	if (parse_u64(neg ? (struct span){ v.s + 1, v.n - 1 } : v, &x) != 0 ||
	    x > (neg ? 0x80000000u : UINT32_MAX))
		return fail(d,
			    "nr: expected a syscall name or a number -2147483648..4294967295, "
			    "got '%.*s%s'", v);
	sd->nr = (int32_t)(neg ? 0u - (uint32_t)x : (uint32_t)x);
	return 0;
}

static int parse_arch(struct span v, struct cbpf_seccomp_data *sd, struct cbpf_diag *d)
{
	uint64_t x;

	if (cbpf_audit_arch_from_name(v.s, v.n, &sd->arch) == 0)
		return 0;
	if (parse_u64(v, &x) != 0 || x > UINT32_MAX)
		return fail(d,
			    "arch: expected an arch name (x86_64, i386, aarch64, arm, riscv64, ...) "
			    "or a number 0..4294967295, got '%.*s%s'", v);
	sd->arch = (uint32_t)x;
	return 0;
}

static int parse_args(struct span v, struct cbpf_seccomp_data *sd, struct cbpf_diag *d)
{
	size_t i = 0, start = 0;

	for (size_t p = 0; p <= v.n; p++) {
		if (p < v.n && v.s[p] != ':')
			continue;
		struct span a = trim(v.s + start, p - start);
		if (i == 6)
			return fail(d, "args: at most 6 values, got '%.*s%s'", v);
		if (parse_u64(a, &sd->args[i]) != 0)
			return fail(d,
				    "args: expected numbers 0..18446744073709551615 separated by ':', "
				    "got '%.*s%s'", v);
		i++;
		start = p + 1;
	}
	return 0;
}

/* One KEY=VALUE field. */
static int parse_field(struct span f, struct cbpf_seccomp_data *sd, unsigned *got,
		       struct span *nr_name, struct cbpf_diag *d)
{
	const char *eq = memchr(f.s, '=', f.n);
	struct span key, val;
	unsigned bit;

	if (f.n == 0) {
		diag_fail(d, CBPF_ERR_INPUT, "an empty field (fields are KEY=VALUE separated by ',')");
		return -1;
	}
	if (eq == NULL)
		return fail(d, "expected KEY=VALUE (nr, arch, ip, args), got '%.*s%s'", f);
	key = trim(f.s, (size_t)(eq - f.s));
	val = trim(eq + 1, f.n - (size_t)(eq - f.s) - 1);
	bit = is_name(&key, "nr") ? CBPF_SD_NR : is_name(&key, "arch") ? CBPF_SD_ARCH
		: is_name(&key, "ip") ? CBPF_SD_IP : is_name(&key, "args") ? CBPF_SD_ARGS : 0;
	if (bit == 0)
		return fail(d, "unknown field '%.*s%s' (nr, arch, ip, args)", key);
	if (*got & bit)
		return fail(d, "'%.*s%s' given twice", key);
	*got |= bit;
	switch (bit) {
	case CBPF_SD_NR:
		return parse_nr(val, sd, nr_name, d);
	case CBPF_SD_ARCH:
		return parse_arch(val, sd, d);
	case CBPF_SD_IP:
		if (parse_u64(val, &sd->instruction_pointer) != 0)
			return fail(d,
				    "ip: expected a number 0..18446744073709551615, got '%.*s%s'", val);
		return 0;
	default:
		return parse_args(val, sd, d);
	}
}

/* A syscall name, in the record's arch (known last: fields are in any
 * order). */
static int resolve_nr(struct span name, struct cbpf_seccomp_data *sd, struct cbpf_diag *d)
{
	const char *arch = cbpf_audit_arch_name(sd->arch);
	int n = (int)(name.n > 60 ? 60 : name.n);

	if (cbpf_syscall_from_name(sd->arch, name.s, name.n, &sd->nr) == 0)
		return 0;
	if (cbpf_syscall_name(sd->arch, 0) != NULL)
		diag_fail(d, CBPF_ERR_INPUT, "nr: '%.*s' is not a syscall of %s", n, name.s, arch);
	else
		diag_fail(d, CBPF_ERR_INPUT,
			 "nr: '%.*s': syscall names are known for x86_64 and i386, not for arch "
			 "%s%s0x%08" PRIx32 "; give the number", n, name.s, arch ? arch : "",
			 arch ? " = " : "", sd->arch);
	return -1;
}

/* The failing field's 1-based column in the text. Returns -1. */
static int at_col(struct cbpf_diag *d, const char *text, const char *where)
{
	if (d != NULL && text != NULL)
		d->col = (unsigned)(where - text) + 1;
	return -1;
}

int cbpf_seccomp_data_parse(const char *text, size_t len, struct cbpf_seccomp_data *out,
			    unsigned *given, struct cbpf_diag *d)
{
	struct cbpf_seccomp_data sd;
	struct span all = trim(text != NULL ? text : "", text != NULL ? len : 0), nr_name = { 0 };
	unsigned got = 0;
	size_t start = 0;

	memset(&sd, 0, sizeof(sd));
	sd.arch = cbpf_seccomp_host_arch();
	for (size_t p = 0; all.n > 0 && p <= all.n; p++) {
		struct span f;
		if (p < all.n && all.s[p] != ',')
			continue;
		f = trim(all.s + start, p - start);
		if (parse_field(f, &sd, &got, &nr_name, d) != 0)
			return at_col(d, text, f.s);
		start = p + 1;
	}
	if (nr_name.s != NULL && resolve_nr(nr_name, &sd, d) != 0)
		return at_col(d, text, nr_name.s);
	*out = sd;
	if (given != NULL)
		*given = got;
	return 0;
}

int cbpf_seccomp_data_format(const struct cbpf_seccomp_data *sd, char *buf, size_t len)
{
	const char *arch = cbpf_audit_arch_name(sd->arch);
	const char *name = cbpf_syscall_name(sd->arch, sd->nr);
	char names[96] = "";

	if (name != NULL)
		snprintf(names, sizeof(names), " (%s, %s)", name, arch);
	else if (arch != NULL)
		snprintf(names, sizeof(names), " (%s)", arch);
	return snprintf(buf, len,
			"nr=%" PRId32 ",arch=%#" PRIx32 ",ip=%#" PRIx64 ",args=%#" PRIx64 ":%#" PRIx64
			":%#" PRIx64 ":%#" PRIx64 ":%#" PRIx64 ":%#" PRIx64 "%s",
			sd->nr, sd->arch, sd->instruction_pointer, sd->args[0], sd->args[1],
			sd->args[2], sd->args[3], sd->args[4], sd->args[5], names);
}
