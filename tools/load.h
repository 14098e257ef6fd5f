/*
 * load.h - the one way the cbpf commands read a program, and the one way
 * they print a problem.
 *
 * A program comes from a file or `-` (stdin) in any format (detected, or
 * named with -f), or from a tcpdump expression (-e EXPR, compiled by
 * libpcap's pcap_compile on a dead handle of --linktype and --snaplen,
 * optimised unless -O / --no-optimize, exactly as `tcpdump -d` compiles
 * it), or from a seccomp policy (--policy FILE: an OCI / Docker seccomp
 * profile compiled for --arch, default the host's, by libseccomp as runc
 * does: policy.h; Docker's includes/excludes.caps and minKernel decided
 * for --caps and --kernel-version), or from a running process (--pid PID[:INDEX], its
 * installed seccomp filter: proc_filter.h). Commands that run or check a program then validate it
 * for a profile here; a policy makes seccomp their default.
 *
 * Every problem is one line on stderr, printed by tool_problem():
 *   FILE:LINE:COL: msg                 (a text format's syntax)
 *   FILE: insn N: msg                  (a binary format)
 *   FILE: insn N: RULE: msg (ERRNO)    (Linux would refuse the program)
 *   -e 'EXPR': libpcap: msg            (the expression does not compile)
 *   FILE: PATH: msg                    (a policy: PATH is the JSON path)
 * Exit status, the same for every command: 0 ok, 1 the program is refused
 * (or another "no": a divergence), 2 usage error, unreadable or
 * unparsable input.
 */
#ifndef CBPF_TOOLS_LOAD_H
#define CBPF_TOOLS_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "cbpf/format.h"
#include "cbpf/program.h"
#include "cbpf/validate.h"

/* The --help lines of the options above; OPTIMIZE_OPTION is "-O,
 * --no-optimize" or, where -O means something else, "--no-optimize". */
#define EXPR_HELP_WITH(OPTIMIZE_OPTION) \
	"  -e, --expression EXPR\n" \
	"                     the program is a tcpdump expression, compiled by\n" \
	"                     libpcap's pcap_compile exactly as `tcpdump -d` does\n" \
	"  --linktype DLT     (-e) the link type: a name (EN10MB, the default; RAW,\n" \
	"                     LINUX_SLL, IEEE802_11, ...) or a DLT number\n" \
	"  --snaplen N        (-e) the snapshot length (default and 0: 262144)\n" \
	"  " OPTIMIZE_OPTION "  (-e) do not run libpcap's optimiser (tcpdump -O)\n"
#define EXPR_HELP EXPR_HELP_WITH("-O, --no-optimize")

/* The --help lines of --policy, --arch and --pid; POLICY_HELP_WITH adds
 * what they make the default (e.g. "--profile seccomp"). */
#define PID_HELP \
	"  --pid PID[:INDEX]  the program is the seccomp filter thread PID runs\n" \
	"                     (PTRACE_SECCOMP_GET_FILTER; INDEX 0, the default, is\n" \
	"                     the first it installed; needs CAP_SYS_ADMIN)\n"
#define POLICY_HELP_BASE \
	"  --policy FILE      the program is a seccomp policy: an OCI / Docker seccomp\n" \
	"                     profile (JSON: defaultAction, syscalls[] ...) or cbpf's\n" \
	"                     line format (`-` = stdin), compiled by libseccomp as\n" \
	"                     runc compiles it (docs/seccomp-input.md)\n" \
	"  --arch ARCH        (--policy) the arch to compile it for (default: this\n" \
	"                     machine's): x86_64, i386, x32, aarch64, arm, riscv64,\n" \
	"                     ppc64le, s390x, ... or SCMP_ARCH_*\n" \
	"  --caps CAP,...     (--policy) the container's capabilities, which decide\n" \
	"                     Docker's includes/excludes.caps rules: names with or\n" \
	"                     without CAP_ (SYS_ADMIN,NET_ADMIN), all, or none\n" \
	"                     (default: Docker's default container set, 14 caps)\n" \
	"  --kernel-version X.Y\n" \
	"                     (--policy) the kernel Docker's minKernel rules are\n" \
	"                     decided for (default: this machine's, uname -r)\n" \
	PID_HELP
#define POLICY_HELP_WITH(IMPLIES) POLICY_HELP_BASE \
	"                     (--policy and --pid imply " IMPLIES ")\n"
#define POLICY_HELP POLICY_HELP_WITH("--profile seccomp")

/* How a command prints a usage error (returns 2). */
typedef int (*load_usage_fn)(const char *cmd, const char *fmt, const char *arg);

struct load_opts {
	const char *cmd;          /* "run", "check", ... for messages */
	load_usage_fn usage;
	const char *path;         /* the program file, "-" = stdin; NULL: none */
	const char *expr;         /* -e EXPR; NULL: none */
	const char *policy;       /* --policy FILE ("-" = stdin); NULL: none */
	const char *pid_arg;      /* --pid PID[:INDEX] as given; NULL: none */
	long pid;
	unsigned pid_index;       /* 0: the first filter installed */
	const char *arch_name;    /* --arch NAME (policy only); NULL: the host's */
	uint32_t arch;            /* its libseccomp arch token, when given */
	const char *caps_arg;     /* --caps LIST (policy only); NULL: Docker's default */
	uint64_t caps;            /* its capability set (policy.h) */
	const char *kernel_arg;   /* --kernel-version X.Y (policy only); NULL: uname's */
	unsigned kernel_major, kernel_minor;
	enum cbpf_format format;  /* -f (AUTO detects) */
	bool format_given;
	int linktype;             /* --linktype (a DLT_* value; default EN10MB) */
	bool linktype_given;
	int snaplen;              /* --snaplen (default 262144) */
	bool snaplen_given;
	bool no_optimize;         /* -O / --no-optimize */
	bool short_O;             /* whether -O is taken (disasm's -O is a file) */
};

/* The defaults: format AUTO (or fmt), EN10MB, 262144, optimised. */
void load_opts_init(struct load_opts *o, const char *cmd, load_usage_fn usage,
		    enum cbpf_format fmt);

/* If argv[*i] is one of the loader's options (-f/--format, -e/--expression,
 * --linktype, --snaplen, --no-optimize, -O when short_O, --policy,
 * --arch, --caps, --kernel-version), take it and
 * its value and return 1; 0 when it is not one; 2 after a usage error. */
int load_option(struct load_opts *o, int argc, char **argv, int *i);

/* Once all options are read: a FILE, -e or --policy (one, not none); the
 * expression options only with -e, --arch, --caps and --kernel-version
 * only with --policy. 0, or 2
 * after a usage error. */
int load_check_opts(const struct load_opts *o);

/* Whether the program comes from -e, --policy or --pid (not a FILE). */
bool load_has_source(const struct load_opts *o);

/* Whether the program is a seccomp filter by where it comes from
 * (--policy, --pid): seccomp is then the default profile. */
bool load_is_seccomp(const struct load_opts *o);

/* Whether the program is read from stdin (FILE or --policy `-`). */
bool load_reads_stdin(const struct load_opts *o);

/* The name of the program in messages: the file or policy ("<stdin>"),
 * or -e 'EXPR'. */
const char *load_name(const struct load_opts *o);

/* Read and parse (or compile) the program into *prog (empty on entry).
 * 0, or 2 after printing the problem. */
int load_program(const struct load_opts *o, struct cbpf_prog *prog);

/* Validate for profile, printing every problem (tool_problem). Returns the
 * errno Linux would give (0 when it would load the program), or -1 after
 * printing "cbpf CMD: out of memory". */
int load_validate(const struct load_opts *o, const struct cbpf_prog *prog,
		  enum cbpf_profile profile);

/* The problem printer: one line on stderr naming name (see above). */
void tool_problem(const char *name, const struct cbpf_diag *d);

#endif
