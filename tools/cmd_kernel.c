/*
 * cmd_kernel.c - `cbpf kernel`: ask the live kernel. Subcommands: env (the
 * environment record), run (verdicts for a program, like `cbpf run`, plus
 * exact/inexact) and plugin (the plugin protocol served by an oracle).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/ctx_json.h"
#include "cbpf/format.h"
#include "cbpf/opcode.h"
#include "cbpf/plugin.h"
#include "cbpf/seccomp.h"
#include "cbpf/vm.h"
#include "commands.h"
#include "load.h"
#include "hex.h"
#include "envrec.h"
#include "cbpf/errname.h"
#include "oracle.h"
#include "packet_oracle.h"
#include "seccomp_oracle.h"
#include "unix_oracle.h"

static const char usage_main[] =
	"usage: cbpf kernel SUBCOMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Ask the live Linux kernel instead of cbpf's VM.\n"
	"\n"
	"subcommands:\n"
	"  env      print the environment record (kernel release, arch, JIT and\n"
	"           optmem/wmem sysctls, privileges) every kernel result depends on\n"
	"  run      attach a program for real and print the kernel's verdicts\n"
	"  plugin   serve the plugin protocol with a kernel oracle (--target: in\n"
	"           a qemu guest of another kernel or architecture)\n"
	"  fetch    put a guest target's kernel and initramfs in the cache\n"
	"\n"
	"`cbpf kernel SUBCOMMAND --help` describes each.\n";

static const char usage_env[] =
	"usage: cbpf kernel env [--json]\n"
	"\n"
	"Print the environment record: kernel release and arch, the sysctls\n"
	"net.core.bpf_jit_enable, bpf_jit_harden, optmem_max (decides ENOMEM) and\n"
	"wmem_max (decides the largest datagram), online CPUs, the effective uid\n"
	"and whether CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN are effective.\n"
	"  --json   one JSON object instead of `key value` lines\n";

static const char usage_run[] =
	"usage: cbpf kernel run [--via unix|seccomp|packet] [-f FMT] [--mark N] [-v] FILE [INPUT...]\n"
	"       cbpf kernel run [OPTIONS] -e EXPRESSION [--linktype DLT] [--snaplen N] [-O]\n"
	"                       [INPUT...]\n"
	"       cbpf kernel run [OPTIONS] --policy POLICY.json [--arch ARCH] [SPEC...]\n"
	"\n"
	"Attach the program to a real kernel hook and print one line per input, in\n"
	"`cbpf run`'s format (so the two diff line by line):\n"
	"  VALUE                    the program's 32-bit return value (seccomp:\n"
	"                           0xHHHHHHHH ACTION, e.g. 0x7fff0000 ALLOW)\n"
	"  VALUE (abort: KIND)      the run ended early returning 0; the kernel only\n"
	"                           shows that, KIND is what the program can do:\n"
	"                           load, div0, or \"load or div0\" when it has both\n"
	"  >=VALUE (inexact: why)   only min(value, len) could be seen\n"
	"  error: ERRNO: why        the environment kept the kernel from answering\n"
	"A program that reads random gets \" (random)\". If the kernel refuses the\n"
	"program: `FILE: kernel: ERRNO: ...`, status 1.\n"
	"\n"
	"  --via unix      (default) an AF_UNIX datagram socket pair, unprivileged;\n"
	"                  INPUT is a packet in hex (\"\" = empty), up to 4 MiB\n"
	"  --via seccomp   a seccomp filter in a forked child; INPUT is a\n"
	"                  seccomp_data as `cbpf run --seccomp` takes it:\n"
	"                  nr=N,args=A0:A1:...:A5 (nr may be a syscall name); arch\n"
	"                  and ip are the kernel's (arch= may only name this\n"
	"                  machine's; docs/seccomp-input.md)\n"
	"  --via packet    AF_PACKET on lo in a private network namespace (root);\n"
	"                  INPUT is an Ethernet frame in hex as sent (14..65550\n"
	"                  bytes; 20 or more with EtherType 0x8100/0x88a8). The\n"
	"                  kernel moves a VLAN tag at bytes 12..15 into the skb:\n"
	"                  the program sees a frame 4 bytes shorter (-v shows it)\n"
	"  -v, --verbose   after each result, what the program saw: the\n"
	"                  seccomp_data (with the real ip) or the context as JSON\n"
	"                  (packet: and the frame, when the kernel took a tag out)\n"
	"  --mark N        (--via packet only) the sender's SO_MARK\n"
	"  -f, --format F  program format (default: detected): bpfasm, tcpdump, dd,\n"
	"                  ddd, bytecode, c, json, raw\n"
	"Instead of FILE, a tcpdump expression (options come before FILE / INPUT):\n"
	EXPR_HELP
	"Or a seccomp policy, run by the seccomp oracle (SPEC as for --via seccomp):\n"
	POLICY_HELP_WITH("--via seccomp")
	"\n"
	"Example:\n"
	"  printf 'ld #5\\nneg\\nret a\\n' > neg.bpf && cbpf kernel run neg.bpf 00\n"
	"  4294967291\n"
	"  cbpf kernel run --via packet -e 'udp' FRAME\n"
	"  cbpf kernel run --policy docker-default.json nr=read nr=ptrace\n"
	"\n"
	"Exit status: 0 ran, 1 the kernel refused the program, 2 usage error,\n"
	"unreadable program or an input the hook cannot take, 3 the oracle cannot\n"
	"run here or could not answer an input (an `error:` line).\n";

static const char usage_plugin[] =
	"usage: cbpf kernel plugin [--via unix|seccomp|packet] [--mark N (packet)]\n"
	"       cbpf kernel plugin --target TARGET ...   (a qemu guest: --target --help)\n"
	"\n"
	"Serve the plugin protocol (one JSON request per line on stdin, one\n"
	"response line each on stdout; see `cbpf plugin --help`) with a live-kernel\n"
	"oracle. Requests with profile \"seccomp\" always use the seccomp oracle;\n"
	"profile \"linux\" uses --via (default unix). A request's \"ctx\" cannot be\n"
	"given to the kernel: each result carries the context the program really\n"
	"saw instead. One exception, --via packet: \"vlan_avail\": 1 with\n"
	"\"vlan_tci\" and \"vlan_tpid\" (0x8100 or 0x88a8) puts that tag on the wire in\n"
	"front of the EtherType; the kernel moves it into the skb again, so the\n"
	"program sees the packet as given with that tag. Each result adds:\n"
	"  \"exact\": true|false   whether verdict is the full 32-bit value (else it\n"
	"                        is the lower bound min(value, len))\n"
	"  \"abort\"               null (a ret), \"abort\" (ended early returning 0:\n"
	"                        div/mod by 0 or a failed load), \"unknown\"\n"
	"  \"ctx\" / \"seccomp_data\"  what the program saw\n"
	"  \"frame\"               (packet) the bytes the program saw, when the kernel\n"
	"                        took a VLAN tag out of the packet (hex)\n"
	"  \"random\": true        the program reads SKF_AD_RANDOM (never compare)\n"
	"  \"error\"               an environment failure for this input\n"
	"Rejections carry \"env_limit\": true when ENOMEM survived a fresh socket.\n"
	"The first response carries \"env\": the environment record.\n";

static int is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* A usage error: one line naming the problem, one pointing at the help. */
static int usage_error(const char *sub, const char *fmt, const char *arg)
{
	fprintf(stderr, "cbpf kernel %s: ", sub);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\ntry 'cbpf kernel %s --help'\n", sub);
	return 2;
}

static int cmd_env(int argc, char **argv)
{
	struct strbuf b = { 0 };
	struct kc_env e;
	bool json = false;
	char *s;

	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(usage_env, stdout);
			return 0;
		}
		if (strcmp(argv[i], "--json") != 0)
			return usage_error("env", "unknown argument '%s'", argv[i]);
		json = true;
	}
	kc_env_collect(&e);
	if (json) {
		kc_env_json(&e, &b);
		sb_putc(&b, '\n');
	} else {
		kc_env_text(&e, &b);
	}
	s = sb_finish(&b, NULL);
	if (s == NULL)
		return 2;
	fputs(s, stdout);
	free(s);
	return 0;
}

/* 0 and a malloc'd buffer, or the usage error naming what is wrong. */
static int decode_hex(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), bad = 0;
	enum hex_status st = hex_decode(s, n, out, len, &bad);
	char why[96], what[200];

	if (st == HEX_OK)
		return 0;
	hex_describe(st, s, n, bad, why, sizeof(why));
	snprintf(what, sizeof(what), "packet '%.64s%s': %s", s, n > 64 ? "..." : "", why);
	return usage_error("run", "%s", what);
}

/* --via packet: a frame lo cannot carry is a usage error saying the limit. */
static int check_frame(const uint8_t *f, size_t len, size_t index)
{
	char why[256], what[300];

	if (kc_packet_frame_check(f, len, why, sizeof(why)) == 0)
		return 0;
	snprintf(what, sizeof(what), "packet %zu: %s", index + 1, why);
	return usage_error("run", "--via packet: %s", what);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s == '\0' || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* A seccomp input in the one syntax (cbpf/seccomp.h); the kernel reports
 * arch and ip itself, so they may not be chosen. */
static int parse_seccomp_input(const char *spec, struct kc_seccomp_input *in)
{
	struct cbpf_seccomp_data sd;
	unsigned given;
	struct cbpf_diag why;
	const char *host = cbpf_audit_arch_name(cbpf_seccomp_host_arch());

	char what[512];

	if (cbpf_seccomp_data_parse(spec, strlen(spec), &sd, &given, &why) != 0) {
		snprintf(what, sizeof(what), "seccomp input '%.128s': %s", spec, why.msg);
		return usage_error("run", "%s", what);
	}
	if ((given & CBPF_SD_IP) != 0) {
		snprintf(what, sizeof(what), "seccomp input '%.128s': ip cannot be chosen: the "
			 "kernel reports where the syscall instruction is (-v shows it)", spec);
		return usage_error("run", "%s", what);
	}
	if (sd.arch != cbpf_seccomp_host_arch()) {
		snprintf(what, sizeof(what), "seccomp input '%.128s': arch cannot be chosen: the "
			 "kernel reports %s (%#" PRIx32 ") for this program's syscalls", spec,
			 host != NULL ? host : "this machine's", cbpf_seccomp_host_arch());
		return usage_error("run", "%s", what);
	}
	memset(in, 0, sizeof(*in));
	in->nr = sd.nr;
	memcpy(in->args, sd.args, sizeof(in->args));
	return 0;
}

/* What an abort the kernel shows (returning 0 early) can be, by what the
 * program has: a packet load that can fail, div/mod by X. */
static const char *abort_kind(const struct cbpf_prog *p)
{
	bool load = false, div0 = false;

	for (size_t i = 0; i < p->len; i++) {
		const struct cbpf_opinfo *o = cbpf_opinfo(p->insns[i].code);
		if (o == NULL)
			continue;
		if (o->kind == CBPF_KIND_LD_IND || o->kind == CBPF_KIND_LD_MSH ||
		    (o->kind == CBPF_KIND_LD_ABS && cbpf_ext_from_k(p->insns[i].k) < 0))
			load = true;
		if (o->kind == CBPF_KIND_ALU && o->src == CBPF_SRC_X &&
		    (o->alu == CBPF_ALU_DIV || o->alu == CBPF_ALU_MOD))
			div0 = true;
	}
	return load && div0 ? "load or div0" : div0 ? "div0" : "load";
}

/* The result line, in `cbpf run`'s format (verdict_line.c). */
static void print_verdict(const struct kc_verdict *v, enum cbpf_profile profile,
			  const char *abort)
{
	if (v->error != 0) {
		printf("error: %s: %s\n", cbpf_errno_name(v->error), v->note);
		return;
	}
	if (!v->exact) {
		printf(">=%" PRIu32 " (inexact: %s)\n", v->verdict,
		       v->random ? "reads random" : v->note[0] ? v->note : "value >= len");
		return;
	}
	tool_print_verdict(profile, v->verdict, v->abort_known && v->abort ? abort : NULL,
			   v->random ? "random" : NULL);
}

struct run_opts {
	enum kc_via via;
	bool via_given;
	struct load_opts load;     /* the program (load.h) */
	uint32_t mark;
	bool mark_given;
	bool verbose;
	char **inputs;
	int ninputs;
};

static bool takes_value(const char *a)
{
	return strcmp(a, "--via") == 0 || strcmp(a, "--mark") == 0;
}

/* -1 when the arguments are good, else the exit status (0 after --help). */
static int parse_run_args(int argc, char **argv, struct run_opts *o, const char *sub,
			  const char *usage)
{
	memset(o, 0, sizeof(*o));
	load_opts_init(&o->load, sub, usage_error, CBPF_FMT_AUTO);
	o->load.short_O = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool positional = a[0] != '-' || a[1] == '\0';
		int r;
		if (is_help(a)) {
			fputs(usage, stdout);
			return 0;
		}
		if (takes_value(a) && i + 1 >= argc)
			return usage_error(sub, "%s needs a value", a);
		if (strcmp(a, "--via") == 0) {
			if (kc_via_from_name(argv[++i], &o->via) != 0)
				return usage_error(sub, "unknown --via '%s' (unix, seccomp or packet)",
						   argv[i]);
			o->via_given = true;
		} else if (!positional && (r = load_option(&o->load, argc, argv, &i)) != 0) {
			if (r != 1)
				return r;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbose = true;
		} else if (strcmp(a, "--mark") == 0) {
			uint64_t v;
			if (parse_u64(argv[++i], &v) != 0 || v > UINT32_MAX)
				return usage_error(sub, "bad --mark '%s' (a number 0..4294967295)",
						   argv[i]);
			o->mark = (uint32_t)v;
			o->mark_given = true;
		} else if (!positional) {
			return usage_error(sub, "unknown option '%s'", a);
		} else if (o->load.path == NULL && !load_has_source(&o->load)) {
			o->load.path = a;
		} else {
			o->inputs = argv + i;
			o->ninputs = argc - i;
			break;
		}
	}
	if (load_is_seccomp(&o->load) && !o->via_given)
		o->via = KC_VIA_SECCOMP;
	if (o->mark_given && o->via != KC_VIA_PACKET)
		return usage_error(sub, "--mark is the AF_PACKET sender's SO_MARK: it needs "
				   "--via packet (--via %s has no sender mark)", kc_via_name(o->via));
	return -1;
}

/* The kernel refused the program: "FILE: kernel: ERRNO: why" (the errno
 * leads the oracle's message, so the printer adds none). */
static int report_load(const struct run_opts *o, const struct kc_load *l)
{
	struct cbpf_diag d = { .code = CBPF_ERR_REJECTED, .insn = -1, .offset = -1 };

	snprintf(d.msg, sizeof(d.msg), "kernel: %s%s", l->msg,
		 l->env_limit ? " [environment limit]" : "");
	tool_problem(load_name(&o->load), &d);
	return 1;
}

static int run_seccomp(const struct run_opts *o, const struct cbpf_prog *p)
{
	int n = o->ninputs, rc;
	struct kc_seccomp_input *in = calloc((size_t)n + 1, sizeof(*in));
	struct kc_verdict *v = calloc((size_t)n + 1, sizeof(*v));
	struct cbpf_seccomp_data *seen = calloc((size_t)n + 1, sizeof(*seen));
	struct kc_load l;

	rc = in == NULL || v == NULL || seen == NULL ? 2 : 0;
	for (int i = 0; rc == 0 && i < n; i++)
		rc = parse_seccomp_input(o->inputs[i], &in[i]);
	if (rc == 0 && kc_seccomp_request(p->insns, p->len, in, (size_t)n, NULL, &l, v, seen) != 0)
		rc = report_load(o, &l);
	for (int i = 0; rc == 0 && i < n; i++) {
		char text[256];
		/* the only abort seccomp has: loads are checked when it loads */
		print_verdict(&v[i], CBPF_PROFILE_SECCOMP, "div0");
		cbpf_seccomp_data_format(&seen[i], text, sizeof(text));
		if (o->verbose)
			printf("  seccomp_data: %s\n", text);
	}
	for (int i = 0; rc == 0 && i < n; i++)
		if (v[i].error != 0)
			rc = 3;
	free(in);
	free(v);
	free(seen);
	return rc;
}

/* -v: the context the program saw, and (AF_PACKET) the bytes it saw when
 * the kernel took a VLAN tag out of the frame: `cbpf run --ctx-json CTX
 * FILE FRAME` runs the VM on the same input. */
static void print_seen(const struct run_opts *o, const uint8_t *pkt, size_t len,
		       const struct kc_verdict *v)
{
	char *ctx = cbpf_ctx_to_json(&v->ctx);
	uint8_t *seen;
	size_t n;

	printf("  ctx: %s\n", ctx ? ctx : "?");
	free(ctx);
	if (o->via != KC_VIA_PACKET || v->seen_cut == 0 || (seen = malloc(len + 1)) == NULL)
		return;
	n = kc_packet_seen(pkt, len, v, seen);
	printf("  frame: ");
	for (size_t i = 0; i < n; i++)
		printf("%02x", seen[i]);
	printf("  (the kernel moved the VLAN tag at bytes 12..15 into the skb)\n");
	free(seen);
}

static int ask_kernel(const struct run_opts *o, const struct cbpf_prog *p, uint8_t **pk,
		      const size_t *lens, size_t n, struct kc_verdict *v)
{
	struct kc_packet_opts po = { o->mark, { false, 0, 0 } };
	struct kc_load l;
	int loaded;

	if (o->via == KC_VIA_PACKET)
		loaded = kc_packet_request(p->insns, p->len, (const uint8_t *const *)pk, lens, n,
					   NULL, &po, &l, v);
	else
		loaded = kc_unix_request(p->insns, p->len, (const uint8_t *const *)pk, lens, n,
					 NULL, &l, v);
	return loaded != 0 ? report_load(o, &l) : 0;
}

static int run_packets(const struct run_opts *o, const struct cbpf_prog *p)
{
	size_t n = (size_t)o->ninputs;
	uint8_t **pk = calloc(n + 1, sizeof(*pk));
	size_t *lens = calloc(n + 1, sizeof(*lens));
	struct kc_verdict *v = calloc(n + 1, sizeof(*v));
	int rc = pk == NULL || lens == NULL || v == NULL ? 2 : 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = decode_hex(o->inputs[i], &pk[i], &lens[i]);
		if (rc == 0 && o->via == KC_VIA_PACKET)
			rc = check_frame(pk[i], lens[i], i);
	}
	if (rc == 0)
		rc = ask_kernel(o, p, pk, lens, n, v);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		print_verdict(&v[i], CBPF_PROFILE_LINUX, abort_kind(p));
		if (o->verbose && v[i].error == 0)
			print_seen(o, pk[i], lens[i], &v[i]);
	}
	/* an input the kernel could not answer: the oracle could not run it */
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (v[i].error != 0)
			rc = 3;
	for (size_t i = 0; pk != NULL && i < n; i++)
		free(pk[i]);
	free(pk);
	free(lens);
	free(v);
	return rc;
}

static int cmd_run_kernel(int argc, char **argv)
{
	struct run_opts o;
	struct cbpf_prog prog;
	int rc = parse_run_args(argc, argv, &o, "run", usage_run);

	if (rc >= 0)
		return rc;
	if ((rc = load_check_opts(&o.load)) != 0)
		return rc;
	if (o.via == KC_VIA_PACKET && kc_packet_unavailable() != NULL) {
		fprintf(stderr, "cbpf kernel: --via packet: %s\n", kc_packet_unavailable());
		return 3;
	}
	memset(&prog, 0, sizeof(prog));
	if ((rc = load_program(&o.load, &prog)) != 0)
		return rc;
	rc = o.via == KC_VIA_SECCOMP ? run_seccomp(&o, &prog) : run_packets(&o, &prog);
	cbpf_prog_free(&prog);
	return rc;
}

/* ---- plugin ---- */

struct plugin_state {
	enum kc_via via;
	uint32_t mark;
	bool env_sent;
	struct kc_unix *u;         /* the socket pair, kept across requests */
};

static int extra_raw(struct cbpf_plugin_extra *e, const char *key, const char *json)
{
	size_t add = strlen(key) + strlen(json) + 4;
	char *n = realloc(e->json, e->len + add + 1);

	if (n == NULL)
		return -1;
	e->json = n;
	e->len += (size_t)snprintf(n + e->len, add + 1, ",\"%s\":%s", key, json);
	return 0;
}

static void fill_result(struct cbpf_plugin_result *r, const struct kc_verdict *v)
{
	r->verdict = v->verdict;
	r->abort = !v->abort_known ? "unknown" : v->abort ? "abort" : NULL;
	cbpf_plugin_extra_bool(&r->extra, "exact", v->exact && v->error == 0);
	if (v->random)
		cbpf_plugin_extra_bool(&r->extra, "random", true);
	if (v->error != 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s: %s", cbpf_errno_name(v->error), v->note);
		cbpf_plugin_extra_string(&r->extra, "error", msg);
		r->abort = "unknown";
	}
}

static void exec_seccomp(const struct cbpf_plugin_request *req, struct cbpf_plugin_response *resp,
			 struct kc_load *l)
{
	size_t n = req->npackets;
	struct kc_seccomp_input *in = calloc(n + 1, sizeof(*in));
	struct kc_verdict *v = calloc(n + 1, sizeof(*v));
	struct cbpf_seccomp_data *seen = calloc(n + 1, sizeof(*seen));

	if (in == NULL || v == NULL || seen == NULL) {
		cbpf_plugin_response_error(resp, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct cbpf_seccomp_data sd;
		memcpy(&sd, req->packets[i].data, sizeof(sd));
		in[i].nr = sd.nr;
		memcpy(in[i].args, sd.args, sizeof(in[i].args));
	}
	if (kc_seccomp_request(req->insns, req->ninsns, in, n, NULL, l, v, seen) != 0) {
		cbpf_plugin_response_reject(resp, l->errnum, "%s", l->msg);
		goto out;
	}
	if (cbpf_plugin_response_ok(resp, n) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char sd[256];
		fill_result(&resp->results[i], &v[i]);
		if (resp->results[i].abort != NULL && v[i].abort_known && v[i].abort)
			resp->results[i].abort = "div0"; /* the only abort seccomp has */
		snprintf(sd, sizeof(sd), "{\"nr\":%" PRId32 ",\"arch\":%" PRIu32 ",\"ip\":%" PRIu64 "}",
			 seen[i].nr, seen[i].arch, seen[i].instruction_pointer);
		extra_raw(&resp->results[i].extra, "seccomp_data", sd);
	}
out:
	free(in);
	free(v);
	free(seen);
}

/* "frame": the bytes the program saw, when the kernel took a VLAN tag out
 * of the packet (hex). */
static void extra_frame(struct cbpf_plugin_extra *e, const uint8_t *pkt, size_t len,
			const struct kc_verdict *v)
{
	uint8_t *seen = v->seen_cut != 0 ? malloc(len + 1) : NULL;
	char *hex = seen != NULL ? malloc(2 * len + 3) : NULL;
	size_t n;

	if (hex != NULL) {
		n = kc_packet_seen(pkt, len, v, seen);
		hex[0] = '"';
		for (size_t i = 0; i < n; i++)
			snprintf(hex + 1 + 2 * i, 3, "%02x", seen[i]);
		hex[1 + 2 * n] = '"';
		hex[2 + 2 * n] = '\0';
		extra_raw(e, "frame", hex);
	}
	free(seen);
	free(hex);
}

/* --via packet: a request ctx with vlan_avail 1 asks for that tag in the
 * skb, which the oracle puts on the wire. 0, or -1 after an error response. */
static int request_tag(const struct cbpf_plugin_request *req, struct kc_vlan_tag *tag,
		       struct cbpf_plugin_response *resp)
{
	char why[160];

	memset(tag, 0, sizeof(*tag));
	if (!req->has_ctx || req->ctx.vlan_avail == 0)
		return 0;
	*tag = (struct kc_vlan_tag){ true, (uint16_t)req->ctx.vlan_tpid,
				     (uint16_t)req->ctx.vlan_tci };
	if (kc_packet_tag_check(tag, why, sizeof(why)) == 0)
		return 0;
	cbpf_plugin_response_error(resp, "ctx: %s", why);
	return -1;
}

/* The VM's verdict on each packet, on the context the kernel will run the
 * program with (kc_unix_ctx_for): the hint of length_oracle.h, so that an
 * agreeing kernel answers with one attach and one send per packet, as the
 * fuzz and bench oracles do. The answer is the kernel's either way (a wrong
 * hint costs the attaches of no hint); in a qemu guest, where each attach
 * is a JIT compile under TCG, that is most of a request. NULL when the VM
 * does not take the program (the kernel is asked without hints) or out of
 * memory. */
static struct kc_hint *vm_hints(struct kc_unix *u, const struct cbpf_plugin_request *req,
				const uint8_t *const *pk, const size_t *lens)
{
	struct cbpf_vm *vm;
	struct kc_hint *h;

	if (req->npackets == 0 || cbpf_vm_create(req->insns, req->ninsns, CBPF_PROFILE_LINUX,
						   CBPF_VM_NO_JIT, &vm, NULL) != 0)
		return NULL;
	h = calloc(req->npackets, sizeof(*h));
	for (size_t i = 0; h != NULL && i < req->npackets; i++) {
		struct cbpf_ctx ctx;
		struct cbpf_result r;
		kc_unix_ctx_for(u, req->insns, req->ninsns, lens[i], &ctx);
		r = cbpf_vm_run(vm, pk[i], lens[i], &ctx);
		h[i] = (struct kc_hint){ true, r.verdict,
					 r.end == CBPF_ABORT_LOAD || r.end == CBPF_ABORT_DIV0 };
	}
	cbpf_vm_free(vm);
	return h;
}

/* One request on the plugin's socket pair, opened at the first request and
 * reused: a fresh pair per request costs a socketpair, and in a qemu guest
 * that is a good part of a request. kc_unix replaces the program (detaching
 * first when optmem_max needs it) and retries an ENOMEM on a fresh pair
 * itself, so the answers are those of a fresh pair. Each packet is asked
 * with the VM's verdict as its hint (vm_hints). */
static int unix_request(struct plugin_state *st, const struct cbpf_plugin_request *req,
			const uint8_t *const *pk, const size_t *lens, struct kc_load *l,
			struct kc_verdict *v)
{
	size_t n = req->npackets;
	struct kc_error err;
	struct kc_hint *h;
	int rc;

	if (st->u == NULL && kc_unix_open(&st->u, &err) != 0)
		st->u = NULL;
	if (st->u == NULL)
		return kc_unix_request(req->insns, req->ninsns, pk, lens, n, NULL, l, v);
	h = vm_hints(st->u, req, pk, lens);
	rc = n > 0 ? kc_unix_load_for(st->u, req->insns, req->ninsns, pk[0], lens[0],
				      h ? &h[0] : NULL, l)
		   : kc_unix_load(st->u, req->insns, req->ninsns, l);
	for (size_t i = 0; rc == 0 && i < n; i++)
		kc_unix_verdict(st->u, pk[i], lens[i], h ? &h[i] : NULL, &v[i]);
	free(h);
	return rc;
}

static void exec_packets(struct plugin_state *st, const struct cbpf_plugin_request *req,
			 struct cbpf_plugin_response *resp, struct kc_load *l)
{
	size_t n = req->npackets;
	const uint8_t **pk = calloc(n + 1, sizeof(*pk));
	size_t *lens = calloc(n + 1, sizeof(*lens));
	struct kc_verdict *v = calloc(n + 1, sizeof(*v));
	struct kc_packet_opts po = { st->mark, { false, 0, 0 } };
	int rc;

	if (pk == NULL || lens == NULL || v == NULL) {
		cbpf_plugin_response_error(resp, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		pk[i] = req->packets[i].data;
		lens[i] = req->packets[i].len;
	}
	if (st->via == KC_VIA_PACKET && request_tag(req, &po.tag, resp) != 0)
		goto out;
	if (st->via == KC_VIA_PACKET)
		rc = kc_packet_request(req->insns, req->ninsns, pk, lens, n, NULL, &po, l, v);
	else
		rc = unix_request(st, req, pk, lens, l, v);
	if (rc != 0) {
		cbpf_plugin_response_reject(resp, l->errnum, "%s", l->msg);
		goto out;
	}
	if (cbpf_plugin_response_ok(resp, n) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char *ctx = cbpf_ctx_to_json(&v[i].ctx);
		fill_result(&resp->results[i], &v[i]);
		if (ctx != NULL)
			extra_raw(&resp->results[i].extra, "ctx", ctx);
		free(ctx);
		extra_frame(&resp->results[i].extra, pk[i], lens[i], &v[i]);
	}
out:
	free(pk);
	free(lens);
	free(v);
}

static void kernel_exec(void *opaque, const struct cbpf_plugin_request *req,
			struct cbpf_plugin_response *resp)
{
	struct plugin_state *st = opaque;
	struct kc_load l;

	memset(&l, 0, sizeof(l));
	if (req->profile == CBPF_PROFILE_SECCOMP)
		exec_seccomp(req, resp, &l);
	else if (st->via == KC_VIA_PACKET && kc_packet_unavailable() != NULL)
		cbpf_plugin_response_error(resp, "packet oracle: %s", kc_packet_unavailable());
	else
		exec_packets(st, req, resp, &l);
	if (resp->load == CBPF_PLUGIN_LOAD_REJECTED && l.env_limit)
		cbpf_plugin_extra_bool(&resp->extra, "env_limit", true);
	if (!st->env_sent) {
		struct strbuf b = { 0 };
		struct kc_env e;
		char *s;
		kc_env_collect(&e);
		kc_env_json(&e, &b);
		s = sb_finish(&b, NULL);
		if (s != NULL && extra_raw(&resp->extra, "env", s) == 0)
			st->env_sent = true;
		free(s);
	}
}

static int cmd_plugin_kernel(int argc, char **argv)
{
	struct plugin_state st = { KC_VIA_UNIX, 0, false, NULL };
	struct run_opts o;
	int rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--target") == 0)
			return cmd_kernel_plugin_guest(argc, argv);
	rc = parse_run_args(argc, argv, &o, "plugin", usage_plugin);
	if (rc >= 0)
		return rc;
	if (o.load.path != NULL)
		return usage_error("plugin", "unexpected argument '%s'", o.load.path);
	if (o.load.expr != NULL)
		return usage_error("plugin", "%s", "-e: the plugin reads its programs from requests");
	st.via = o.via;
	st.mark = o.mark;
	if (st.via == KC_VIA_SECCOMP)
		st.via = KC_VIA_UNIX; /* seccomp requests choose themselves */
	rc = plugin_serve_stdio("cbpf kernel plugin", kernel_exec, &st);
	if (st.u != NULL)
		kc_unix_close(st.u);
	return rc;
}

int cmd_kernel(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "cbpf kernel: missing subcommand (env, run, plugin or fetch)\n"
				"try 'cbpf kernel --help'\n");
		return 2;
	}
	if (is_help(argv[1])) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (strcmp(argv[1], "env") == 0)
		return cmd_env(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run_kernel(argc - 1, argv + 1);
	if (strcmp(argv[1], "plugin") == 0)
		return cmd_plugin_kernel(argc - 1, argv + 1);
	if (strcmp(argv[1], "fetch") == 0)
		return cmd_kernel_fetch(argc - 1, argv + 1);
	fprintf(stderr, "cbpf kernel: unknown subcommand '%s' (env, run, plugin or fetch)\n"
			"try 'cbpf kernel --help'\n", argv[1]);
	return 2;
}
