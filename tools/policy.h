/*
 * policy.h - a seccomp policy as sandbox engineers write it (the OCI
 * runtime-spec / Docker seccomp profile, docs/seccomp-input.md), read from
 * a file by policy_json.c (or, in cbpf's compact line format, by
 * policy_lines.c) into the model below and compiled for one
 * architecture through the real libseccomp by policy_compile.c, as runc
 * does: seccomp_init(defaultAction), seccomp_rule_add_array() per syscall
 * name, seccomp_export_bpf() into memory, read back as the program.
 *
 * The model borrows its strings from the document it was read from. Every
 * element keeps where it came from (its JSON path), so every error is one
 * line: "FILE: syscalls[3].args[0].op: why" (or "FILE:LINE:COL: why" for
 * the syntax).
 */
#ifndef CBPF_TOOLS_POLICY_H
#define CBPF_TOOLS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/program.h"

/* The largest policy file read (Docker's default profile is about 20 KiB):
 * with its tree (policy_json.c) a policy needs at most about 30 MiB. */
#define POLICY_MAX_BYTES ((size_t)4 << 20)

/* The most rules libseccomp is given (each name of each rule counts, once
 * per condition when runc splits them): more than a filter the kernel
 * loads (4096 instructions) can hold, and libseccomp's time grows with
 * their square (4096: 0.1 s; 50000: 15 s). */
#define POLICY_MAX_RULES 4096

/* Where an element of the policy is: its JSON path, or (the line
 * format) its line and column. */
struct policy_loc {
	char path[80];
	unsigned line, col;
};

/* The comparisons of libseccomp (SCMP_CMP_*), in its order. */
enum policy_op {
	POLICY_CMP_NE = 1,
	POLICY_CMP_LT,
	POLICY_CMP_LE,
	POLICY_CMP_EQ,
	POLICY_CMP_GE,
	POLICY_CMP_GT,
	POLICY_CMP_MASKED_EQ
};

struct policy_arg {
	unsigned index;         /* 0..5 */
	enum policy_op op;
	uint64_t value;         /* MASKED_EQ: the mask */
	uint64_t value_two;     /* MASKED_EQ: the value the masked arg equals */
	struct policy_loc loc;
};

struct policy_name {
	const char *name;
	struct policy_loc loc;
};

struct policy_rule {
	struct policy_name *names;
	size_t nnames;
	uint32_t action;        /* the SECCOMP_RET_* value (= libseccomp's SCMP_ACT_*) */
	struct policy_arg *args;
	size_t nargs;
	struct policy_loc loc;
};

struct policy {
	uint32_t default_action;
	struct policy_loc default_loc;
	/* architectures[] and archMap[] (architecture, subArchitectures):
	 * the names as written (SCMP_ARCH_X86_64) */
	struct policy_name *arches;
	size_t narches;
	struct policy_rule *rules;
	size_t nrules;
	unsigned optimize;      /* SCMP_FLTATR_CTL_OPTIMIZE (line format); 0: libseccomp's */
	struct policy_loc optimize_loc;
};

/* The container a Docker profile is resolved for (policy_container.c):
 * moby keeps a rule with includes.caps only when every listed capability
 * is in the container's bounding set, drops one with excludes.caps when
 * any is; includes.minKernel keeps a rule only on a kernel at least that
 * "<kernel>.<major>" version, excludes.minKernel drops it there. */
struct policy_container {
	uint64_t caps;              /* bit N: capability N (CAP_CHOWN = 0) */
	unsigned kernel_major, kernel_minor; /* 6 and 18 of "6.18.0-1-amd64" */
	bool kernel_known;          /* false: the host's release did not read */
	const char *kernel_release; /* as given or the host's uname release */
};

/* Docker's default set (moby oci/caps/defaults.go) and the uname() kernel. */
void policy_container_init(struct policy_container *c);

/* Docker's default container capabilities; every capability of Linux. */
uint64_t policy_caps_docker_default(void);
uint64_t policy_caps_all(void);

/* The number of "CAP_NAME" (len bytes, exactly as Docker spells it), or -1. */
int policy_cap_number(const char *name, size_t len);

/* A --caps list: names separated by ',', any case, with or without CAP_;
 * or "all", or "none". 0, or -1 with the bad name in *bad (*bad_len bytes). */
int policy_caps_parse(const char *list, uint64_t *caps, const char **bad, size_t *bad_len);

/* "X.Y" (each 0..255); with release, anything may follow (a uname
 * release, read as moby reads the host's). 0, or -1. */
int policy_kernel_parse(const char *s, bool release, unsigned *major, unsigned *minor);

/* Whether the container's kernel is at least major.minor. */
bool policy_kernel_at_least(const struct policy_container *c, unsigned major, unsigned minor);

void policy_free(struct policy *p);

/* One line on stderr: "FILE: PATH: why", "FILE:LINE:COL: why" (loc NULL:
 * "FILE: why"). */
void policy_error(const char *file, const struct policy_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Read an OCI / Docker seccomp profile (JSON) of len bytes for the arch
 * token arch and the container ctr (rules whose includes/excludes leave
 * them out, by arches, caps or minKernel, are not in *p). 0, or -1 after
 * printing "FILE...: why" on stderr. *tree is the document *p borrows
 * from: policy_json_free it after policy_free. */
int policy_json_read(const char *file, const char *buf, size_t len, uint32_t arch,
		     const struct policy_container *ctr, struct policy *p, void **tree);
void policy_json_free(void *tree);

/* Read the line format (docs/seccomp-input.md) of buf (len bytes, a NUL
 * after them), which *p borrows from and which is changed (each token is
 * NUL-terminated). 0, or -1 after printing "FILE:LINE:COL: why". */
int policy_lines_read(const char *file, char *buf, size_t len, uint32_t arch, struct policy *p);

/* The libseccomp arch token (an AUDIT_ARCH value) of a name: cbpf's
 * arch names (x86_64, i386, aarch64, ...), libseccomp's (x86, x32, ...)
 * and SCMP_ARCH_*. 0 and *token; -1 when libseccomp does not know the
 * arch; -2 when this cbpf was built without libseccomp. */
int policy_arch_from_name(const char *name, uint32_t *token);

/* The host's arch token (libseccomp's native arch), 0 without libseccomp. */
uint32_t policy_arch_native(void);

/* The name of an arch token, as --arch takes it ("x86_64"). */
const char *policy_arch_name(uint32_t token);

/* Compile *p for the arch token arch with libseccomp into *prog (empty on
 * entry). 0, or -1 after printing "FILE: PATH: why". */
int policy_compile(const char *file, const struct policy *p, uint32_t arch,
		   struct cbpf_prog *prog);

/* Whether this cbpf was built with libseccomp. */
bool policy_available(void);

#endif
