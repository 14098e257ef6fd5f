/*
 * cmd_check.c - `cbpf check`: read a program in any format and say whether
 * Linux would load it (profile linux: SO_ATTACH_FILTER; seccomp:
 * SECCOMP_SET_MODE_FILTER), naming every problem; with --load, also the
 * predicted eBPF size and whether it fits net.core.optmem_max. The program
 * comes through load.h (a file, stdin or -e EXPRESSION).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/format.h"
#include "cbpf/validate.h"
#include "cbpf/errname.h"
#include "commands.h"
#include "envrec.h"
#include "load.h"

#define OPTMEM_PATH "/proc/sys/net/core/optmem_max"

static const char usage[] =
	"usage: cbpf check [--profile linux|seccomp] [--load] [-f FORMAT] [FILE|-]\n"
	"       cbpf check [OPTIONS] -e EXPRESSION [--linktype DLT] [--snaplen N] [-O]\n"
	"       cbpf check [OPTIONS] --policy POLICY.json [--arch ARCH]\n"
	"\n"
	"Validate a classic BPF program exactly as the Linux kernel (6.18) does and\n"
	"print `ok`, or one line per problem on stderr:\n"
	"  FILE: insn N: RULE: message (ERRNO)\n"
	"\n"
	"  --profile linux    SO_ATTACH_FILTER (default): bpf_check_classic, the\n"
	"                     scratch-memory check, the eBPF jump-offset limit\n"
	"  --profile seccomp  SECCOMP_SET_MODE_FILTER: the above, then\n"
	"                     seccomp_check_filter (no mod, only ld [k] with\n"
	"                     k < 64 and k % 4 == 0, no ldh/ldb/[x+k]/ldxb/extensions)\n"
	"  --load             also predict the load: eBPF instructions, bytes\n"
	"                     charged (bpf_prog_size), whether they fit\n"
	"                     " OPTMEM_PATH " (linux profile; ENOMEM otherwise)\n"
	"                     and whether every expanded jump fits in s16\n"
	"  -f FORMAT          input format: auto (default: detected), bpfasm,\n"
	"                     tcpdump, dd, ddd, bytecode, c, json, raw\n"
	EXPR_HELP
	POLICY_HELP
	"  -h, --help         this text\n"
	"\n"
	"Rules: length opcode div-zero shift-range scratch-index ja-range\n"
	"jump-range ancillary last-ret scratch-uninit seccomp-opcode seccomp-load\n"
	"ebpf-jump-range (see include/cbpf/validate.h).\n"
	"\n"
	"Examples: cbpf check -e 'tcp port 80'\n"
	"          cbpf check --policy docker-default.json --arch aarch64\n"
	"\n"
	"Exit status: 0 the kernel would accept the program, 1 it would refuse it,\n"
	"2 usage error or unreadable / unparsable input (FILE:LINE:COL: message).\n";

struct check_opts {
	struct load_opts load;
	enum cbpf_profile profile;
	bool profile_given;
	bool load_prediction;
};

/* The value of "--opt VALUE" or "--opt=VALUE". */
static const char *option_value(int argc, char **argv, int *i, size_t name_len)
{
	const char *a = argv[*i];

	if (a[name_len] == '=')
		return a + name_len + 1;
	if (a[name_len] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static bool is_option(const char *a, const char *name)
{
	size_t n = strlen(name);
	return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

/* 0 to run, -1 when --help was printed, or an exit status (2). */
static int parse_options(int argc, char **argv, struct check_opts *o)
{
	bool only_files = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int r;

		if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
			if (o->load.path != NULL)
				return tool_usage_error("check", "more than one input file ('%s')", a);
			o->load.path = a;
		} else if (strcmp(a, "--") == 0) {
			only_files = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return -1;
		} else if (strcmp(a, "--load") == 0) {
			o->load_prediction = true;
		} else if (is_option(a, "--profile")) {
			v = option_value(argc, argv, &i, strlen("--profile"));
			if (v == NULL)
				return tool_usage_error("check", "%s", "--profile needs linux or seccomp");
			if (cbpf_profile_from_name(v, &o->profile) != 0)
				return tool_usage_error("check", "unknown profile '%s' (linux or seccomp)", v);
			o->profile_given = true;
		} else if ((r = load_option(&o->load, argc, argv, &i)) != 0) {
			if (r != 1)
				return r;
		} else {
			return tool_usage_error("check", "unknown option '%s'", a);
		}
	}
	if (o->load.path == NULL && !load_has_source(&o->load))
		o->load.path = "-";
	if (load_is_seccomp(&o->load) && !o->profile_given)
		o->profile = CBPF_PROFILE_SECCOMP;
	return load_check_opts(&o->load);
}

/* The --load prediction; returns false when the program would not fit
 * optmem_max (socket attach only: seccomp filters are not charged). */
static bool print_load(const char *name, const struct cbpf_prog *prog, enum cbpf_profile profile)
{
	struct cbpf_load_prediction pr;
	struct cbpf_diag d;
	long optmem = kc_sysctl_long(OPTMEM_PATH);
	bool fits;

	cbpf_predict_load(prog->insns, prog->len, profile, &pr);
	printf("load: %zu eBPF instructions, %zu bytes (bpf_prog_size)\n", pr.ebpf_insns,
	       pr.prog_bytes);
	printf("load: jumps fit in s16: %s", pr.jumps_fit ? "yes" : "no");
	if (!pr.jumps_fit)
		printf(" (insn %ld)", pr.bad_jump_insn);
	printf("\n");
	if (profile == CBPF_PROFILE_SECCOMP) {
		printf("load: seccomp filters are not charged to optmem_max\n");
		return true;
	}
	if (optmem < 0) {
		printf("load: optmem_max unknown (%s unreadable)\n", OPTMEM_PATH);
		return true;
	}
	/* __sk_filter_charge on a fresh socket: size < optmem_max */
	fits = (long)pr.prog_bytes < optmem;
	printf("load: optmem_max %ld: %s\n", optmem, fits ? "fits" : "does not fit");
	if (!fits) {
		memset(&d, 0, sizeof(d));
		d.code = CBPF_ERR_REJECTED;
		d.errnum = ENOMEM;
		d.rule = "load";
		d.insn = -1;
		d.offset = -1;
		snprintf(d.msg, sizeof(d.msg), "%zu bytes do not fit optmem_max %ld", pr.prog_bytes,
			 optmem);
		tool_problem(name, &d);
	}
	return fits;
}

static int check(const struct check_opts *o)
{
	const char *name = load_name(&o->load);
	struct cbpf_prog prog = { 0 };
	bool loads = true;
	int err, r;

	if ((r = load_program(&o->load, &prog)) != 0)
		return r;
	err = load_validate(&o->load, &prog, o->profile);
	if (err < 0) {
		cbpf_prog_free(&prog);
		return 2;
	}
	if (o->load_prediction && prog.len > 0 && prog.len <= CBPF_MAXINSNS)
		loads = print_load(name, &prog, o->profile);
	if (err == 0 && loads)
		printf("ok\n");
	cbpf_prog_free(&prog);
	if (tool_flush_stdout() != 0)
		return 2; /* main says why */
	return err == 0 && loads ? 0 : 1;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o = { .profile = CBPF_PROFILE_LINUX };
	int r;

	load_opts_init(&o.load, "check", tool_usage_error, CBPF_FMT_AUTO);
	o.load.short_O = true;
	r = parse_options(argc, argv, &o);
	if (r < 0)
		return 0;
	if (r > 0)
		return r;
	return check(&o);
}
