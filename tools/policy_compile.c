/*
 * policy_compile.c - a seccomp policy (policy.h) compiled for one
 * architecture by the real libseccomp, the way runc builds a container's
 * filter: seccomp_init(defaultAction); the target arch in place of the
 * native one when they differ (the native removed first: libseccomp puts
 * no two byte orders in one filter); for every rule (except one whose action is
 * the default action, which libseccomp refuses and runc skips) and every
 * name, seccomp_syscall_resolve_name() and seccomp_rule_add_array() with
 * all its conditions (one rule per condition when two compare the same
 * argument, as runc does); seccomp_export_bpf() into a memfd, read back as
 * raw struct sock_filter records (in host byte order: libseccomp writes
 * the target arch's). Without libseccomp (CBPF_HAVE_SECCOMP
 * unset) every entry says it is unavailable.
 */
#include "policy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/format.h"
#include "cbpf/seccomp.h"

#ifdef CBPF_HAVE_SECCOMP
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

/* No export of a program cbpf can read is longer (65535 instructions). */
#define MAX_EXPORT ((off_t)CBPF_MAXINSNS * 8)

bool policy_available(void)
{
	return true;
}

uint32_t policy_arch_native(void)
{
	return seccomp_arch_native();
}

/* Whether libseccomp can build a filter for token. */
static bool arch_supported(uint32_t token)
{
	scmp_filter_ctx c;
	int rc;

	if (token == seccomp_arch_native())
		return true;
	c = seccomp_init(SCMP_ACT_ALLOW);
	if (c == NULL)
		return false;
	/* first the native out: libseccomp mixes no byte orders */
	rc = seccomp_arch_remove(c, SCMP_ARCH_NATIVE);
	if (rc == 0)
		rc = seccomp_arch_add(c, token);
	seccomp_release(c);
	return rc == 0;
}

int policy_arch_from_name(const char *name, uint32_t *token)
{
	char low[32];
	uint32_t t;

	if (strncmp(name, "SCMP_ARCH_", 10) == 0) {
		size_t n = strlen(name + 10);
		if (n >= sizeof(low))
			return -1;
		for (size_t i = 0; i <= n; i++)
			low[i] = (char)tolower((unsigned char)name[10 + i]);
		name = low;
	}
	t = seccomp_arch_resolve_name(name);
	if (t == 0 && cbpf_audit_arch_from_name(name, strlen(name), &t) != 0)
		return -1;
	if (t == 0 || !arch_supported(t))
		return -1;
	*token = t;
	return 0;
}

/* The target arch is one the policy lists (when it lists any). */
static int check_arches(const char *file, const struct policy *p, uint32_t arch)
{
	bool listed = p->narches == 0;

	for (size_t i = 0; i < p->narches; i++) {
		uint32_t t;
		if (policy_arch_from_name(p->arches[i].name, &t) != 0) {
			policy_error(file, &p->arches[i].loc, "unknown architecture '%.40s' (libseccomp "
				     "%u.%u.%u does not know it)", p->arches[i].name,
				     seccomp_version()->major, seccomp_version()->minor,
				     seccomp_version()->micro);
			return -1;
		}
		listed = listed || t == arch;
	}
	if (listed)
		return 0;
	policy_error(file, NULL, "architectures: the target arch %s is not one of the policy's "
		     "(--arch chooses another)", policy_arch_name(arch));
	return -1;
}

/* The conditions of a rule in libseccomp's form. */
static void conditions(const struct policy_rule *ru, struct scmp_arg_cmp *c)
{
	for (size_t j = 0; j < ru->nargs; j++) {
		const struct policy_arg *a = &ru->args[j];
		c[j] = (struct scmp_arg_cmp){ .arg = a->index, .op = (enum scmp_compare)a->op,
					      .datum_a = a->value,
					      .datum_b = a->op == POLICY_CMP_MASKED_EQ ? a->value_two : 0 };
	}
}

/* runc: two conditions on one argument become one rule each. */
static bool one_rule_per_condition(const struct policy_rule *ru)
{
	unsigned count[6] = { 0 };

	for (size_t j = 0; j < ru->nargs; j++)
		if (++count[ru->args[j].index] > 1)
			return true;
	return false;
}

/* The syscall number of a name (libseccomp's, for the native arch, as
 * runc resolves it), or -1 after saying libseccomp does not know it. */
static int resolve(const char *file, const struct policy_name *n, int *nr)
{
	*nr = seccomp_syscall_resolve_name(n->name);
	if (*nr != __NR_SCMP_ERROR)
		return 0;
	policy_error(file, &n->loc, "unknown syscall '%.64s' (libseccomp %u.%u.%u knows no "
		     "syscall of that name)", n->name, seccomp_version()->major,
		     seccomp_version()->minor, seccomp_version()->micro);
	return -1;
}

static int add_name(const char *file, scmp_filter_ctx ctx, const struct policy_rule *ru,
		    const struct policy_name *n, const struct scmp_arg_cmp *c, size_t *added)
{
	bool split = one_rule_per_condition(ru);
	int nr, rc = 0;

	if (resolve(file, n, &nr) != 0)
		return -1;
	*added += split ? ru->nargs : 1;
	if (*added > POLICY_MAX_RULES) {
		policy_error(file, &n->loc, "more than %u rules (each name of each rule counts): more "
			     "than a filter the kernel loads (4096 instructions) holds",
			     POLICY_MAX_RULES);
		return -1;
	}
	if (split) {
		for (size_t j = 0; j < ru->nargs && rc == 0; j++)
			rc = seccomp_rule_add_array(ctx, ru->action, nr, 1, &c[j]);
	} else {
		rc = seccomp_rule_add_array(ctx, ru->action, nr, (unsigned)ru->nargs, c);
	}
	if (rc == 0)
		return 0;
	policy_error(file, &n->loc, "libseccomp refuses the rule for '%.64s': %s", n->name,
		     strerror(-rc));
	return -1;
}

static int add_rules(const char *file, scmp_filter_ctx ctx, const struct policy *p)
{
	size_t added = 0;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *ru = &p->rules[i];
		struct scmp_arg_cmp *c;
		int rc = 0;
		if (ru->action == p->default_action) {
			/* libseccomp refuses it (EACCES); runc skips it; its names
			 * must still be syscalls */
			for (size_t k = 0; k < ru->nnames; k++)
				if (resolve(file, &ru->names[k], &rc) != 0)
					return -1;
			continue;
		}
		c = calloc(ru->nargs + 1, sizeof(*c));
		if (c == NULL) {
			policy_error(file, NULL, "out of memory");
			return -1;
		}
		conditions(ru, c);
		for (size_t k = 0; k < ru->nnames && rc == 0; k++)
			rc = add_name(file, ctx, ru, &ru->names[k], c, &added);
		free(c);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* libseccomp exports a filter in its arch's byte order (AUDIT_ARCH_*'s
 * __AUDIT_ARCH_LE bit): the records of an arch of the other order than
 * this machine's are swapped to host order (code and k; jt, jf are bytes). */
static void to_host_order(uint32_t arch, char *buf, size_t len)
{
	const uint16_t one = 1;
	bool host_le = *(const uint8_t *)&one == 1, arch_le = (arch & 0x40000000u) != 0;

	if (host_le == arch_le)
		return;
	for (size_t i = 0; i + 8 <= len; i += 8) {
		char t = buf[i];
		buf[i] = buf[i + 1];
		buf[i + 1] = t;
		t = buf[i + 4];
		buf[i + 4] = buf[i + 7];
		buf[i + 7] = t;
		t = buf[i + 5];
		buf[i + 5] = buf[i + 6];
		buf[i + 6] = t;
	}
}

/* seccomp_export_bpf() into memory, parsed as raw records. */
static int export(const char *file, scmp_filter_ctx ctx, uint32_t arch, struct cbpf_prog *prog)
{
	int fd = memfd_create("cbpf-policy", MFD_CLOEXEC), rc;
	struct cbpf_diag d;
	off_t len;
	char *buf;

	if (fd < 0) {
		policy_error(file, NULL, "memfd_create: %s", strerror(errno));
		return -1;
	}
	rc = seccomp_export_bpf(ctx, fd);
	len = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (rc != 0 || len < 0 || len > MAX_EXPORT) {
		policy_error(file, NULL, "libseccomp cannot export the filter: %s",
			     rc != 0 ? strerror(-rc) : len < 0 ? strerror(errno)
			     : "more than 65535 instructions");
		close(fd);
		return -1;
	}
	buf = malloc((size_t)len + 1);
	if (buf == NULL || pread(fd, buf, (size_t)len, 0) != len) {
		policy_error(file, NULL, "reading the exported filter back: %s",
			     buf == NULL ? "out of memory" : "short read");
		free(buf);
		close(fd);
		return -1;
	}
	close(fd);
	to_host_order(arch, buf, (size_t)len);
	rc = cbpf_parse(CBPF_FMT_RAW, buf, (size_t)len, prog, &d);
	free(buf);
	if (rc != 0)
		policy_error(file, NULL, "libseccomp's filter: %s", d.msg);
	return rc == 0 ? 0 : -1;
}

int policy_compile(const char *file, const struct policy *p, uint32_t arch,
		   struct cbpf_prog *prog)
{
	scmp_filter_ctx ctx;
	int rc = -1;

	if (check_arches(file, p, arch) != 0)
		return -1;
	ctx = seccomp_init(p->default_action);
	if (ctx == NULL) {
		policy_error(file, &p->default_loc, "libseccomp refuses %#x as the default action",
			     (unsigned)p->default_action);
		return -1;
	}
	if (p->optimize != 0 && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, p->optimize) != 0) {
		policy_error(file, &p->optimize_loc, "libseccomp refuses optimize %u", p->optimize);
		seccomp_release(ctx);
		return -1;
	}
	if (arch != seccomp_arch_native() &&
	    (seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE) != 0 || seccomp_arch_add(ctx, arch) != 0)) {
		policy_error(file, NULL, "libseccomp cannot build a filter for %s",
			     policy_arch_name(arch));
		seccomp_release(ctx);
		return -1;
	}
	if (add_rules(file, ctx, p) == 0)
		rc = export(file, ctx, arch, prog);
	seccomp_release(ctx);
	return rc;
}

#else

bool policy_available(void)
{
	return false;
}

uint32_t policy_arch_native(void)
{
	return 0;
}

int policy_arch_from_name(const char *name, uint32_t *token)
{
	(void)name;
	(void)token;
	return -2;
}

int policy_compile(const char *file, const struct policy *p, uint32_t arch,
		   struct cbpf_prog *prog)
{
	(void)p;
	(void)arch;
	(void)prog;
	policy_error(file, NULL, "this cbpf was built without libseccomp (install libseccomp-dev)");
	return -1;
}

#endif

const char *policy_arch_name(uint32_t token)
{
	static char hex[16];
	const char *n = cbpf_audit_arch_name(token);

	if (n != NULL)
		return n;
	if (token == 0x4000003eu)
		return "x32";
	snprintf(hex, sizeof(hex), "%#x", (unsigned)token);
	return hex;
}
