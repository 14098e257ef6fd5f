/*
 * cmd_run.c - `cbpf run`: load a program (load.h: any format, or -e), refuse it exactly
 * as Linux would, else run it with the VM on packets given in hex, as
 * seccomp_data specs, or read from a pcap file, printing one verdict line
 * per input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/ctx_json.h"
#include "cbpf/format.h"
#include "cbpf/pcap_file.h"
#include "cbpf/seccomp.h"
#include "cbpf/validate.h"
#include "cbpf/vm.h"
#include "commands.h"
#include "load.h"
#include "hex.h"

static const char usage_text[] =
	"usage: cbpf run [OPTIONS] FILE [HEXPACKET...]\n"
	"       cbpf run [OPTIONS] -e EXPRESSION [HEXPACKET...]\n"
	"       cbpf run [OPTIONS] --policy POLICY.json [--arch ARCH] [--seccomp SPEC...]\n"
	"\n"
	"Run a classic BPF program on packets with the Linux-exact VM and print one\n"
	"line per packet: the value the program returns (for a socket filter, in\n"
	"decimal: 0 drops the packet and N keeps its first N bytes; for seccomp, as\n"
	"0xHHHHHHHH and the action: 0x7fff0000 ALLOW, 0x00050001 ERRNO(1), ...),\n"
	"followed by \" (abort: KIND)\" when the run ended without a ret:\n"
	"  load   a packet load failed (out of bounds, no mac header, ...): returns 0\n"
	"  div0   div or mod by X == 0: returns 0\n"
	"  nodev  ld ifidx / ld hatype without a device: returns A\n"
	"If Linux would refuse the program, the validator's problems are printed\n"
	"instead (FILE: insn N: rule: why (ERRNO), on stderr) and the exit status\n"
	"is 1.\n"
	"\n"
	"FILE is the program in any format (`-` = stdin): bpf_asm text, tcpdump -d,\n"
	"-dd, -ddd, bpf_asm bytecode or -c, JSON [[code,jt,jf,k],...], raw 8-byte\n"
	"records; the format is detected unless -f says it. With -e the program is\n"
	"a tcpdump expression instead: cbpf run -e 'arp' --pcap capture.pcap\n"
	"With --policy it is a seccomp policy compiled by libseccomp:\n"
	"  cbpf run --policy docker-default.json --seccomp nr=read --seccomp nr=ptrace\n"
	"\n"
	"Inputs, run in the order given:\n"
	"  HEXPACKET          packet bytes in hex, e.g. 0806 or \"\" (empty packet)\n"
	"  --pcap PCAPFILE    every packet of a classic pcap file (not pcapng); the\n"
	"                     filter sees the captured bytes, and len (ld #len) is\n"
	"                     the captured length unless --ctx len=N says otherwise\n"
	"  --seccomp SPEC     (profile seccomp) one struct seccomp_data:\n"
	"                     nr=N,arch=A,ip=I,args=A0:A1:...  (fields optional, in\n"
	"                     any order; numbers decimal or 0x hex; nr may be a\n"
	"                     syscall name (x86_64, i386), arch an arch name\n"
	"                     (x86_64 i386 aarch64 arm riscv64 ...); omitted: arch\n"
	"                     is this machine's (the kernel's for these syscalls),\n"
	"                     the rest 0; docs/seccomp-input.md). With profile\n"
	"                     seccomp a HEXPACKET is the 64-byte record in host\n"
	"                     byte order.\n"
	"\n"
	"Options:\n"
	"  -f, --format FMT   input format: auto (default), bpfasm, tcpdump, dd, ddd,\n"
	"                     bytecode, c, json, raw\n"
	EXPR_HELP
	POLICY_HELP
	"  --profile P        linux (default: SO_ATTACH_FILTER rules) or seccomp\n"
	"  --ctx KEY=VALUE    set one field of what the filter sees besides the\n"
	"                     bytes (repeatable; one context for every packet, a\n"
	"                     field given twice keeps its last value):\n"
	"                       len protocol pkttype mark queue rxhash cpu vlan_tci\n"
	"                       vlan_avail vlan_tpid random headlen: integers\n"
	"                       dev=null | dev.ifindex=N | dev.type=N (a device)\n"
	"                       poff=N|auto   net_off=N   mac_off=N|null\n"
	"                     Default: an AF_UNIX datagram socket (no device, every\n"
	"                     field 0, network header at 0, no mac header).\n"
	"  --ctx-json JSON    the same fields as one JSON object, e.g.\n"
	"                     '{\"random\":42,\"dev\":{\"ifindex\":2,\"type\":1}}'\n"
	"  -h, --help         this text\n"
	"\n"
	"Example (select ARP frames):\n"
	"  printf 'ldh [12]\\njne #0x806, drop\\nret #4096\\ndrop: ret #0\\n' > arp.bpf\n"
	"  cbpf run arp.bpf ffffffffffff0000000000010806 ffffffffffff0000000000010800\n"
	"  4096\n"
	"  0\n"
	"\n"
	"Exit status: 0 ran, 1 Linux would refuse the program, 2 usage error,\n"
	"unreadable or unparsable program, bad packet, or a corrupt pcap file.\n";

enum input_kind { INPUT_HEX, INPUT_SECCOMP, INPUT_PCAP };

struct input {
	enum input_kind kind;
	const char *arg;      /* as given: for messages, and the pcap path */
	uint8_t *data;        /* HEX, SECCOMP */
	size_t len;
};

struct run_opts {
	struct load_opts load;
	enum cbpf_profile profile;
	bool profile_given;
	struct cbpf_ctx ctx;
	bool ctx_given;
	struct input *inputs;
	size_t ninputs;
};

static int usage_error(const char *fmt, const char *arg)
{
	return tool_usage_error("run", fmt, arg);
}

static int add_input(struct run_opts *o, enum input_kind kind, const char *arg)
{
	struct input *n = realloc(o->inputs, (o->ninputs + 1) * sizeof(*n));

	if (n == NULL) {
		fprintf(stderr, "cbpf run: out of memory\n");
		return 2;
	}
	o->inputs = n;
	memset(&n[o->ninputs], 0, sizeof(n[0]));
	n[o->ninputs].kind = kind;
	n[o->ninputs].arg = arg;
	o->ninputs++;
	return 0;
}

/* ---- packets ---- */

static int decode_hex(struct input *in)
{
	size_t n = strlen(in->arg), bad = 0;
	enum hex_status st = hex_decode(in->arg, n, &in->data, &in->len, &bad);
	char why[96];

	if (st == HEX_OK)
		return 0;
	hex_describe(st, in->arg, n, bad, why, sizeof(why));
	/* a packet can be long: the message shows its first 64 digits */
	fprintf(stderr, "cbpf run: packet '%.64s%s': %s\n(`cbpf run --help` for usage)\n", in->arg,
		n > 64 ? "..." : "", why);
	return 2;
}

static int decode_seccomp(struct input *in)
{
	struct cbpf_seccomp_data sd;
	struct cbpf_diag why;

	if (cbpf_seccomp_data_parse(in->arg, strlen(in->arg), &sd, NULL, &why) != 0) {
		fprintf(stderr, "cbpf run: --seccomp '%.128s%s': %s\n(`cbpf run --help` for usage)\n",
			in->arg, strlen(in->arg) > 128 ? "..." : "", why.msg);
		return 2;
	}
	in->data = malloc(sizeof(sd));
	if (in->data == NULL)
		return usage_error("--seccomp '%s': out of memory", in->arg);
	memcpy(in->data, &sd, sizeof(sd));
	in->len = sizeof(sd);
	return 0;
}

/* Decode every HEX and SECCOMP input before anything runs. */
static int decode_inputs(struct run_opts *o)
{
	for (size_t i = 0; i < o->ninputs; i++) {
		struct input *in = &o->inputs[i];
		int r = 0;
		if (in->kind == INPUT_HEX)
			r = decode_hex(in);
		else if (in->kind == INPUT_SECCOMP)
			r = decode_seccomp(in);
		if (r != 0)
			return r;
		if (o->profile == CBPF_PROFILE_SECCOMP && in->kind == INPUT_HEX && in->len != 64)
			return usage_error("packet '%s': a seccomp_data record is 64 bytes (128 hex "
					   "digits)", in->arg);
		if (o->profile != CBPF_PROFILE_SECCOMP && in->kind == INPUT_SECCOMP)
			return usage_error("--seccomp '%s' needs --profile seccomp", in->arg);
		if (o->profile == CBPF_PROFILE_SECCOMP && in->kind == INPUT_PCAP)
			return usage_error("--pcap '%s' is for profile linux", in->arg);
	}
	return 0;
}

/* ---- options ---- */

/* Does a match option name, as "--name" or "--name=VALUE"? */
static bool is_option(const char *a, const char *name)
{
	size_t n = strlen(name);
	return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

/* The value of "NAME VALUE" or "NAME=VALUE" at argv[*i]; NULL when the
 * value is missing. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int apply_ctx(struct run_opts *o, const char *opt, const char *value, bool json)
{
	struct cbpf_diag err;
	int rc = json ? cbpf_ctx_from_json(value, strlen(value), &o->ctx, &err)
		      : cbpf_ctx_set(value, &o->ctx, &err);

	if (rc != 0) {
		fprintf(stderr, "cbpf run: %s '%.128s%s': ", opt, value,
			strlen(value) > 128 ? "..." : "");
		cbpf_diag_print(stderr, &err, NULL);
		return 2;
	}
	o->ctx_given = true;
	return 0;
}

/* One option at argv[*i]: 0, -1 after --help, or an exit status. */
static int parse_option(struct run_opts *o, int argc, char **argv, int *i)
{
	static const char *const with_value[] = { "--profile", "--ctx-json", "--ctx", "--pcap",
						  "--seccomp" };
	const char *a = argv[*i], *name = NULL, *v;
	int r;

	if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
		fputs(usage_text, stdout);
		return -1;
	}
	if ((r = load_option(&o->load, argc, argv, i)) != 0)
		return r == 1 ? 0 : r;
	for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]) && !name; k++)
		if (is_option(a, with_value[k]))
			name = with_value[k];
	if (name == NULL)
		return usage_error("unknown option '%s'", a);
	v = option_value(argc, argv, i, name);
	if (v == NULL)
		return usage_error("%s needs a value", name);
	if (strcmp(name, "--profile") == 0) {
		if (cbpf_profile_from_name(v, &o->profile) != 0)
			return usage_error("unknown profile '%s' (linux or seccomp)", v);
		o->profile_given = true;
		return 0;
	}
	if (strcmp(name, "--ctx") == 0 || strcmp(name, "--ctx-json") == 0)
		return apply_ctx(o, name, v, strcmp(name, "--ctx-json") == 0);
	return add_input(o, strcmp(name, "--pcap") == 0 ? INPUT_PCAP : INPUT_SECCOMP, v);
}

/* Without -e the first positional argument is the program FILE. */
static void take_program_file(struct run_opts *o)
{
	for (size_t i = 0; i < o->ninputs; i++) {
		if (o->inputs[i].kind != INPUT_HEX)
			continue;
		o->load.path = o->inputs[i].arg;
		memmove(&o->inputs[i], &o->inputs[i + 1], (o->ninputs - i - 1) * sizeof(o->inputs[0]));
		o->ninputs--;
		return;
	}
}

static int parse_args(struct run_opts *o, int argc, char **argv)
{
	bool only_positional = false;
	int r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!only_positional && strcmp(a, "--") == 0) {
			only_positional = true;
			continue;
		}
		if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
			if ((r = add_input(o, INPUT_HEX, a)) != 0)
				return r;
			continue;
		}
		if ((r = parse_option(o, argc, argv, &i)) != 0)
			return r;
	}
	if (!load_has_source(&o->load))
		take_program_file(o);
	if ((r = load_check_opts(&o->load)) != 0)
		return r;
	if (load_is_seccomp(&o->load) && !o->profile_given)
		o->profile = CBPF_PROFILE_SECCOMP;
	if (o->ctx_given && o->profile == CBPF_PROFILE_SECCOMP)
		return usage_error("%s", "--ctx and --ctx-json are for profile linux (seccomp "
					 "programs see only seccomp_data)");
	return 0;
}

/* ---- the program ---- */

static int load(const struct run_opts *o, struct cbpf_vm **vm)
{
	const char *name = load_name(&o->load);
	struct cbpf_prog prog = { 0 };
	struct cbpf_diag d;
	int err;

	if ((err = load_program(&o->load, &prog)) != 0)
		return err;
	err = cbpf_vm_create(prog.insns, prog.len, o->profile, 0, vm, &d);
	if (err != 0 && d.code == CBPF_ERR_NOMEM) {
		fprintf(stderr, "cbpf run: out of memory\n");
		cbpf_prog_free(&prog);
		return 2;
	}
	if (err != 0) {
		/* every problem the validator sees, or the VM's own refusal */
		int verr = load_validate(&o->load, &prog, o->profile);
		if (verr < 0) {
			cbpf_prog_free(&prog);
			return 2;
		}
		if (verr == 0)
			tool_problem(name, &d);
		d = (struct cbpf_diag){ .code = CBPF_ERR_REJECTED, .errnum = err, .insn = -1,
					.offset = -1, .msg = "Linux would refuse this program" };
		tool_problem(name, &d);
		cbpf_prog_free(&prog);
		return 1;
	}
	cbpf_prog_free(&prog);
	return 0;
}

/* ---- running ---- */

static void print_result(const struct run_opts *o, struct cbpf_result r)
{
	tool_print_verdict(o->profile, r.verdict, r.end == CBPF_END_RET ? NULL : cbpf_abort_name(r.end),
			   NULL);
}

static const struct cbpf_ctx *ctx_for(const struct run_opts *o)
{
	return o->profile == CBPF_PROFILE_LINUX ? &o->ctx : NULL;
}

static int run_pcap(const struct run_opts *o, const struct cbpf_vm *vm, const char *arg)
{
	/* `--pcap -` is stdin, unless the program was read from there */
	int use_stdin = strcmp(arg, "-") == 0;
	const char *path = tool_input_name(arg);
	FILE *f = use_stdin ? stdin : fopen(arg, "rb");
	struct cbpf_pcap_reader r;
	struct cbpf_pcap_record rec;
	struct cbpf_diag err;
	int rc;

	if (use_stdin && load_reads_stdin(&o->load)) {
		fprintf(stderr, "cbpf run: --pcap -: stdin is the program already\n");
		return 2;
	}
	if (f == NULL) {
		fprintf(stderr, "cbpf: %s: %s\n", path, strerror(errno));
		return 2;
	}
	rc = cbpf_pcap_open(&r, f, &err);
	while (rc == 0 && (rc = cbpf_pcap_next(&r, &rec, &err)) == 1) {
		print_result(o, cbpf_vm_run(vm, rec.data, rec.caplen, ctx_for(o)));
		rc = 0;
	}
	cbpf_pcap_close(&r);
	if (!use_stdin)
		fclose(f);
	if (rc < 0) {
		fflush(stdout);
		fputs("cbpf: ", stderr);
		cbpf_diag_print(stderr, &err, path);
		return 2;
	}
	return 0;
}

static int run_inputs(const struct run_opts *o, const struct cbpf_vm *vm)
{
	for (size_t i = 0; i < o->ninputs; i++) {
		const struct input *in = &o->inputs[i];
		if (in->kind == INPUT_PCAP) {
			int r = run_pcap(o, vm, in->arg);
			if (r != 0)
				return r;
			continue;
		}
		print_result(o, cbpf_vm_run(vm, in->data, in->len, ctx_for(o)));
	}
	if (tool_flush_stdout() != 0)
		return 2; /* main says why */
	return 0;
}

static void free_opts(struct run_opts *o)
{
	for (size_t i = 0; i < o->ninputs; i++)
		free(o->inputs[i].data);
	free(o->inputs);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct cbpf_vm *vm = NULL;
	int r;

	memset(&o, 0, sizeof(o));
	load_opts_init(&o.load, "run", tool_usage_error, CBPF_FMT_AUTO);
	o.load.short_O = true;
	o.profile = CBPF_PROFILE_LINUX;
	cbpf_ctx_init(&o.ctx);
	r = parse_args(&o, argc, argv);
	if (r == 0)
		r = decode_inputs(&o);
	if (r == 0)
		r = load(&o, &vm);
	if (r == 0)
		r = run_inputs(&o, vm);
	cbpf_vm_free(vm);
	free_opts(&o);
	return r < 0 ? 0 : r;
}
