/*
 * load.c - reading a program for every cbpf command (load.h): its
 * options, the file or stdin, format detection and parsing, tcpdump
 * expressions through libpcap, seccomp policies through libseccomp
 * (policy.h, for --arch, --caps and --kernel-version), validation for a
 * profile, and the one problem printer.
 */
#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef CBPF_HAVE_PCAP
#include <pcap/pcap.h>
#endif

#include "commands.h"
#include "policy.h"
#include "proc_filter.h"

/* tcpdump's defaults: DLT_EN10MB, MAXIMUM_SNAPLEN. */
#define DEFAULT_LINKTYPE 1
#define DEFAULT_SNAPLEN 262144

void load_opts_init(struct load_opts *o, const char *cmd, load_usage_fn usage,
		    enum cbpf_format fmt)
{
	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->usage = usage;
	o->format = fmt;
	o->linktype = DEFAULT_LINKTYPE;
	o->snaplen = DEFAULT_SNAPLEN;
}

void tool_problem(const char *name, const struct cbpf_diag *d)
{
	fflush(stdout); /* results printed so far come first */
	cbpf_diag_print(stderr, d, name);
}

/* ---- options ---- */

/* Which option argv[*i] is: its value (from "--name=V", "--name V",
 * "-xV" or "-x V"), "" for a flag; NULL when it is not this option. A
 * missing value sets *missing. */
static const char *match(int argc, char **argv, int *i, const char *name, bool has_value,
			 bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	bool is_long = name[1] == '-';

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (!has_value)
		return a[n] == '\0' ? "" : NULL;
	if (a[n] == '=' && is_long)
		return a + n + 1;
	if (a[n] != '\0')
		return is_long ? NULL : a + n;
	if (*i + 1 >= argc) {
		*missing = true;
		return "";
	}
	return argv[++*i];
}

static int parse_int(const char *s, long max, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < 0 || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int set_linktype(struct load_opts *o, const char *v)
{
	o->linktype_given = true;
	if (parse_int(v, INT_MAX, &o->linktype) == 0)
		return 0;
#ifdef CBPF_HAVE_PCAP
	o->linktype = pcap_datalink_name_to_val(strncasecmp(v, "DLT_", 4) == 0 ? v + 4 : v);
	if (o->linktype >= 0)
		return 0;
#endif
	return o->usage(o->cmd, "unknown --linktype '%s' (a DLT name such as EN10MB, RAW, "
			"LINUX_SLL, or its number)", v);
}

static int set_snaplen(struct load_opts *o, const char *v)
{
	o->snaplen_given = true;
	if (parse_int(v, INT_MAX, &o->snaplen) != 0)
		return o->usage(o->cmd, "bad --snaplen '%s' (a number 0..2147483647)", v);
	if (o->snaplen == 0) /* tcpdump -s 0 */
		o->snaplen = DEFAULT_SNAPLEN;
	return 0;
}

static int set_arch(struct load_opts *o, const char *v)
{
	o->arch_name = v;
	if (policy_arch_from_name(v, &o->arch) != -1)
		return 0; /* known, or no libseccomp: --policy says so */
	return o->usage(o->cmd, "unknown --arch '%s' (an arch libseccomp builds filters for: "
			"x86_64, i386, x32, aarch64, arm, riscv64, ppc64le, s390x, mips, ...)", v);
}

/* A list of capabilities (policy_caps_parse), all or none. */
static int set_caps(struct load_opts *o, const char *v)
{
	const char *bad;
	size_t bad_len;
	char msg[320];

	if (o->caps_arg != NULL)
		return o->usage(o->cmd, "more than one --caps ('%s')", v);
	o->caps_arg = v;
	if (*v == '\0')
		return o->usage(o->cmd, "%s", "an empty --caps (none: no capabilities)");
	if (policy_caps_parse(v, &o->caps, &bad, &bad_len) == 0)
		return 0;
	/* the whole message as the argument: the names are the user's text */
	snprintf(msg, sizeof(msg), "unknown capability '%.*s' in --caps '%.64s%s' (Linux's names, "
		 "with or without CAP_: SYS_ADMIN,NET_ADMIN; or all, or none)",
		 (int)(bad_len > 40 ? 40 : bad_len), bad, v, strlen(v) > 64 ? "..." : "");
	return o->usage(o->cmd, "%s", msg);
}

static int set_kernel_version(struct load_opts *o, const char *v)
{
	if (o->kernel_arg != NULL)
		return o->usage(o->cmd, "more than one --kernel-version ('%s')", v);
	o->kernel_arg = v;
	if (policy_kernel_parse(v, true, &o->kernel_major, &o->kernel_minor) == 0)
		return 0;
	return o->usage(o->cmd, "bad --kernel-version '%s' (X.Y, each 0..255, e.g. 4.4, or a "
			"release such as 6.1.0-9-amd64)", v);
}

/* PID or PID:INDEX. */
static int set_pid(struct load_opts *o, const char *v)
{
	char *end;
	unsigned long index = 0;

	if (o->pid_arg != NULL)
		return o->usage(o->cmd, "more than one --pid ('%s')", v);
	o->pid_arg = v;
	errno = 0;
	o->pid = *v >= '1' && *v <= '9' ? strtol(v, &end, 10) : -1;
	if (o->pid > 0 && errno == 0 && *end == ':' && end[1] >= '0' && end[1] <= '9')
		index = strtoul(end + 1, &end, 10);
	if (o->pid <= 0 || o->pid > INT_MAX || errno != 0 || *end != '\0' || index > 1000000)
		return o->usage(o->cmd, "bad --pid '%s' (a process id, or PID:INDEX with INDEX 0 "
				"the first filter installed)", v);
	o->pid_index = (unsigned)index;
	return 0;
}

/* The options that take a value and a setter (which prints its own error):
 * the option, and what it needs when the value is missing. */
static const struct {
	const char *name;
	const char *needs;
	int (*set)(struct load_opts *o, const char *v);
} valued[] = {
	{ "--pid", "a process id (PID or PID:INDEX)", set_pid },
	{ "--arch", "an arch name (x86_64, aarch64, ...)", set_arch },
	{ "--caps", "a list of capabilities (SYS_ADMIN,NET_ADMIN, all, none)", set_caps },
	{ "--kernel-version", "a version (X.Y)", set_kernel_version },
	{ "--linktype", "a DLT name or number", set_linktype },
	{ "--snaplen", "a number", set_snaplen },
};

int load_option(struct load_opts *o, int argc, char **argv, int *i)
{
	bool missing = false;
	const char *v;

	if ((v = match(argc, argv, i, "--no-optimize", false, &missing)) != NULL ||
	    (o->short_O && (v = match(argc, argv, i, "-O", false, &missing)) != NULL)) {
		o->no_optimize = true;
		return 1;
	}
	if ((v = match(argc, argv, i, "--format", true, &missing)) != NULL ||
	    (v = match(argc, argv, i, "-f", true, &missing)) != NULL) {
		if (missing)
			return o->usage(o->cmd, "%s", "-f needs a format name");
		if (cbpf_format_from_name(v, &o->format) != 0)
			return o->usage(o->cmd, "unknown format '%s'", v);
		o->format_given = true;
		return 1;
	}
	if ((v = match(argc, argv, i, "--expression", true, &missing)) != NULL ||
	    (v = match(argc, argv, i, "-e", true, &missing)) != NULL) {
		if (missing)
			return o->usage(o->cmd, "%s", "-e needs a tcpdump expression");
		if (o->expr != NULL)
			return o->usage(o->cmd, "more than one -e ('%s')", v);
		o->expr = v;
		return 1;
	}
	if ((v = match(argc, argv, i, "--policy", true, &missing)) != NULL) {
		if (missing)
			return o->usage(o->cmd, "%s", "--policy needs a policy FILE (- = stdin)");
		if (o->policy != NULL)
			return o->usage(o->cmd, "more than one --policy ('%s')", v);
		o->policy = v;
		return 1;
	}
	for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
		if ((v = match(argc, argv, i, valued[k].name, true, &missing)) == NULL)
			continue;
		if (missing) {
			char msg[128];
			snprintf(msg, sizeof(msg), "%s needs %s", valued[k].name, valued[k].needs);
			return o->usage(o->cmd, "%s", msg);
		}
		return valued[k].set(o, v) != 0 ? 2 : 1;
	}
	return 0;
}

bool load_has_source(const struct load_opts *o)
{
	return o->expr != NULL || o->policy != NULL || o->pid_arg != NULL;
}

bool load_is_seccomp(const struct load_opts *o)
{
	return o->policy != NULL || o->pid_arg != NULL;
}

bool load_reads_stdin(const struct load_opts *o)
{
	const char *p = o->policy != NULL ? o->policy : o->expr != NULL ? NULL : o->path;
	return p != NULL && strcmp(p, "-") == 0;
}

int load_check_opts(const struct load_opts *o)
{
	if (o->expr != NULL && o->path != NULL)
		return o->usage(o->cmd, "a program FILE ('%s') and -e: give one", o->path);
	if (o->policy != NULL && o->path != NULL)
		return o->usage(o->cmd, "a program FILE ('%s') and --policy: give one", o->path);
	if (o->policy != NULL && o->expr != NULL)
		return o->usage(o->cmd, "%s", "-e and --policy: give one");
	if (o->pid_arg != NULL && (o->path != NULL || o->expr != NULL || o->policy != NULL))
		return o->usage(o->cmd, "--pid '%s' and a program FILE, -e or --policy: give one",
				o->pid_arg);
	if (o->pid_arg != NULL && o->format_given)
		return o->usage(o->cmd, "%s", "-f is for a program FILE, not --pid");
	if (o->expr == NULL && o->path == NULL && o->policy == NULL && o->pid_arg == NULL)
		return o->usage(o->cmd, "%s", "no program FILE (or -e EXPRESSION or --policy FILE) "
				"given");
	if (o->expr != NULL && o->format_given)
		return o->usage(o->cmd, "%s", "-f is for a program FILE, not -e");
	if (o->policy != NULL && o->format_given)
		return o->usage(o->cmd, "%s", "-f is for a program FILE, not --policy");
	if (o->policy == NULL && o->arch_name != NULL)
		return o->usage(o->cmd, "%s", "--arch is for --policy FILE");
	if (o->policy == NULL && (o->caps_arg != NULL || o->kernel_arg != NULL))
		return o->usage(o->cmd, "%s", "--caps and --kernel-version are for --policy FILE");
	if (o->expr == NULL && (o->linktype_given || o->snaplen_given || o->no_optimize))
		return o->usage(o->cmd, "%s", "--linktype, --snaplen and -O/--no-optimize are "
				"for -e EXPRESSION");
	return 0;
}

const char *load_name(const struct load_opts *o)
{
	static char name[320];

	if (o->policy != NULL)
		return tool_input_name(o->policy);
	if (o->pid_arg != NULL) {
		snprintf(name, sizeof(name), "pid %ld", o->pid);
		if (o->pid_index != 0)
			snprintf(name, sizeof(name), "pid %ld filter %u", o->pid, o->pid_index);
		return name;
	}
	if (o->expr == NULL)
		return tool_input_name(o->path);
	snprintf(name, sizeof(name), "-e '%.256s%s'", o->expr, strlen(o->expr) > 256 ? "..." : "");
	return name;
}

/* ---- reading ---- */

#ifdef CBPF_HAVE_PCAP
static int compile_expr(const struct load_opts *o, struct cbpf_prog *prog)
{
	struct bpf_program bp;
	pcap_t *p = pcap_open_dead(o->linktype, o->snaplen);

	if (p == NULL) {
		fprintf(stderr, "cbpf %s: out of memory\n", o->cmd);
		return 2;
	}
	if (pcap_compile(p, &bp, o->expr, !o->no_optimize, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "%s: libpcap: %s\n", load_name(o), pcap_geterr(p));
		pcap_close(p);
		return 2;
	}
	pcap_close(p);
	for (unsigned i = 0; i < bp.bf_len; i++) {
		const struct bpf_insn *in = &bp.bf_insns[i];
		if (cbpf_prog_push(prog, cbpf_jump(in->code, in->k, in->jt, in->jf)) != 0) {
			pcap_freecode(&bp);
			fprintf(stderr, "cbpf %s: out of memory\n", o->cmd);
			return 2;
		}
	}
	pcap_freecode(&bp);
	return 0;
}
#else
static int compile_expr(const struct load_opts *o, struct cbpf_prog *prog)
{
	(void)prog;
	fprintf(stderr, "%s: this cbpf was built without libpcap (install libpcap-dev)\n",
		load_name(o));
	return 2;
}
#endif

/* A policy whose first non-blank byte is a letter or '#' (or that is
 * blank) is the line format, any other JSON (an OCI / Docker profile). */
static bool is_json(const char *buf, size_t len)
{
	size_t i = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	return i < len && buf[i] != '#' && !((buf[i] | 0x20) >= 'a' && (buf[i] | 0x20) <= 'z');
}

static int compile_policy(const struct load_opts *o, struct cbpf_prog *prog)
{
	const char *name = load_name(o);
	uint32_t arch = o->arch_name != NULL ? o->arch : policy_arch_native();
	struct policy_container ctr;
	struct policy p;
	void *tree;
	char *buf;
	size_t len;
	int r;

	if (!policy_available()) {
		fprintf(stderr, "%s: --policy is unavailable: this cbpf was built without libseccomp "
			"(install libseccomp-dev)\n", name);
		return 2;
	}
	if (tool_read_input_limit(o->policy, POLICY_MAX_BYTES, "larger than any seccomp policy "
				  "(Docker's default profile is 20 KiB)", &buf, &len) != 0)
		return 2;
	policy_container_init(&ctr);
	if (o->caps_arg != NULL)
		ctr.caps = o->caps;
	if (o->kernel_arg != NULL) {
		ctr.kernel_release = o->kernel_arg;
		ctr.kernel_major = o->kernel_major;
		ctr.kernel_minor = o->kernel_minor;
		ctr.kernel_known = true;
	}
	tree = NULL;
	r = is_json(buf, len) ? policy_json_read(name, buf, len, arch, &ctr, &p, &tree)
			      : policy_lines_read(name, buf, len, arch, &p);
	if (r == 0)
		r = policy_compile(name, &p, arch, prog);
	policy_free(&p);
	policy_json_free(tree);
	free(buf);
	return r == 0 ? 0 : 2;
}

int load_program(const struct load_opts *o, struct cbpf_prog *prog)
{
	struct cbpf_diag d;
	char *buf;
	size_t len;
	int r;

	if (o->expr != NULL)
		return compile_expr(o, prog);
	if (o->policy != NULL)
		return compile_policy(o, prog);
	if (o->pid_arg != NULL)
		return proc_filter_read(load_name(o), (pid_t)o->pid, o->pid_index, prog) == 0 ? 0 : 2;
	if (tool_read_input(o->path, &buf, &len) != 0)
		return 2;
	r = cbpf_parse(o->format, buf, len, prog, &d);
	free(buf);
	if (r == 0)
		return 0;
	tool_problem(load_name(o), &d);
	return 2;
}

int load_validate(const struct load_opts *o, const struct cbpf_prog *prog,
		  enum cbpf_profile profile)
{
	struct cbpf_diag *probs;
	size_t count = 0;
	int err = cbpf_validate(prog->insns, prog->len, profile, NULL, 0, &count);

	if (err == 0)
		return 0;
	probs = calloc(count, sizeof(*probs));
	if (probs == NULL) {
		fprintf(stderr, "cbpf %s: out of memory\n", o->cmd);
		return -1;
	}
	err = cbpf_validate(prog->insns, prog->len, profile, probs, count, &count);
	for (size_t i = 0; i < count; i++)
		tool_problem(load_name(o), &probs[i]);
	free(probs);
	return err;
}
