/*
 * test_plugin.c - the plugin protocol (lib/proto/plugin.c, lib/proto/plugin_vm.c,
 * `cbpf plugin`): exact response lines for good requests (every abort kind,
 * rejected programs, contexts, seccomp input both ways), the exact reason
 * for every kind of broken request, executor extras, and the real process
 * driven over pipes: lock-step (one flushed response per line), a mixed
 * stream of good and bad lines answered in order, lines of many MiB, EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cbpf/errname.h"
#include "cbpf/plugin.h"
#include "check.h"
#include "fdio.h"
#include "rng.h"
#include "json.h"
#include "peak_mem.h"
#include "strbuf.h"

/* One request line through the in-process server with our VM. */
static char *answer(const char *line)
{
	size_t n;
	char *out = cbpf_plugin_handle_line(line, strlen(line), cbpf_plugin_vm_exec, NULL, &n);
	CHECK(out != NULL && n > 0 && out[n - 1] == '\n');
	if (out != NULL && n > 0)
		out[n - 1] = '\0'; /* compare without the newline */
	return out;
}

#define ANSWERS(req, want)                                                     \
	do {                                                                   \
		char *got_ = answer(req);                                      \
		CHECK_STR(got_, want);                                         \
		free(got_);                                                    \
	} while (0)

#define REQ(id, prog, rest)                                                    \
	"{\"id\":" id ",\"profile\":\"linux\",\"program\":" prog rest "}"
/* The answer of a loaded program with one input: its verdict and abort. */
#define ONE_RESULT(id, verdict, abort) \
	"{\"id\":" id ",\"load\":\"ok\",\"results\":[{\"verdict\":" verdict ",\"abort\":" abort "}]}"

/* A broken request: the error response with this reason. */
#define BROKEN(req, id, reason)                                                \
	ANSWERS(req, "{\"id\":" id ",\"load\":\"error\",\"reason\":\"" reason "\"}")

static void test_good_requests(void)
{
	/* ret #4096 on two packets, one of them empty */
	ANSWERS(REQ("1", "[[6,0,0,4096]]", ",\"packets\":[\"00\",\"\"]"),
		"{\"id\":1,\"load\":\"ok\",\"results\":[{\"verdict\":4096,\"abort\":null},"
		"{\"verdict\":4096,\"abort\":null}]}");
	/* no packets: no results */
	ANSWERS(REQ("2", "[[6,0,0,1]]", ",\"packets\":[]"),
		"{\"id\":2,\"load\":\"ok\",\"results\":[]}");
	/* any JSON id comes back verbatim (compacted) */
	ANSWERS("{ \"id\" : [1, {\"a\" : \"\\u00e9\"}], \"profile\":\"linux\","
		"\"program\":[[6,0,0,1]],\"packets\":[]}",
		"{\"id\":[1,{\"a\":\"\xc3\xa9\"}],\"load\":\"ok\",\"results\":[]}");
	ANSWERS(REQ("null", "[[6,0,0,1]]", ",\"packets\":[]"),
		"{\"id\":null,\"load\":\"ok\",\"results\":[]}");
	/* ldb [2] reads the third byte (big-endian packet loads), hex in any case */
	ANSWERS(REQ("3", "[[48,0,0,2],[22,0,0,0]]", ",\"packets\":[\"0a0BfF\",\"AABBCCDD\"]"),
		"{\"id\":3,\"load\":\"ok\",\"results\":[{\"verdict\":255,\"abort\":null},"
		"{\"verdict\":204,\"abort\":null}]}");
	/* ld [0] on 4 bytes: BE word */
	ANSWERS(REQ("4", "[[32,0,0,0],[22,0,0,0]]", ",\"packets\":[\"deadbeef\"]"),
		ONE_RESULT("4", "3735928559", "null"));
}

/* The three ways a run ends early, each with its abort kind
 * (linux-semantics: load.failure-returns-0, alu.div-x-zero, ext.nodev). */
static void test_abort_kinds(void)
{
	/* failed packet load: ldb [10] on a 1-byte packet returns 0 at once */
	ANSWERS(REQ("\"load\"", "[[48,0,0,10],[6,0,0,1]]", ",\"packets\":[\"00\"]"),
		ONE_RESULT("\"load\"", "0", "\"load\""));
	/* ld #7; div x (X = 0); ret #9: the whole program returns 0 */
	ANSWERS(REQ("\"div0\"", "[[0,0,0,7],[60,0,0,0],[6,0,0,9]]", ",\"packets\":[\"00\"]"),
		ONE_RESULT("\"div0\"", "0", "\"div0\""));
	/* mod x too */
	ANSWERS(REQ("\"mod0\"", "[[0,0,0,7],[156,0,0,0],[6,0,0,9]]", ",\"packets\":[\"00\"]"),
		ONE_RESULT("\"mod0\"", "0", "\"div0\""));
	/* ld #77; ld ifidx; ret #5 with no device returns A = 77 */
	ANSWERS(REQ("\"nodev\"", "[[0,0,0,77],[32,0,0,4294963208],[6,0,0,5]]", ",\"packets\":[\"00\"]"),
		ONE_RESULT("\"nodev\"", "77", "\"nodev\""));
	/* ...and with a device it runs on */
	ANSWERS(REQ("8", "[[0,0,0,77],[32,0,0,4294963208],[22,0,0,0]]",
		    ",\"packets\":[\"00\"],\"ctx\":{\"dev\":{\"ifindex\":3,\"type\":1}}"),
		ONE_RESULT("8", "3", "null"));
	/* shift by X = 33 is A << 1 (x86-64 masks the count) */
	ANSWERS(REQ("9", "[[0,0,0,3],[1,0,0,33],[108,0,0,0],[22,0,0,0]]", ",\"packets\":[\"00\"]"),
		ONE_RESULT("9", "6", "null"));
}

static void test_ctx(void)
{
	/* ld rand; ret a with a fixed random */
	ANSWERS(REQ("1", "[[32,0,0,4294963256],[22,0,0,0]]",
		    ",\"packets\":[\"00\"],\"ctx\":{\"random\":42949673}"),
		ONE_RESULT("1", "42949673", "null"));
	/* ld #len: the ctx's len, else the packet length */
	ANSWERS(REQ("2", "[[128,0,0,0],[22,0,0,0]]", ",\"packets\":[\"0000\"],\"ctx\":{\"len\":1000}"),
		ONE_RESULT("2", "1000", "null"));
	ANSWERS(REQ("3", "[[128,0,0,0],[22,0,0,0]]", ",\"packets\":[\"000000\"]"),
		ONE_RESULT("3", "3", "null"));
	/* ld mark */
	ANSWERS(REQ("4", "[[32,0,0,4294963220],[22,0,0,0]]", ",\"packets\":[\"\"],\"ctx\":{\"mark\":4294967295}"),
		ONE_RESULT("4", "4294967295", "null"));
}

static void test_rejected(void)
{
	ANSWERS(REQ("1", "[[116,0,0,32],[6,0,0,0]]", ",\"packets\":[\"00\"]"),
		"{\"id\":1,\"load\":\"rejected\",\"errno\":\"EINVAL\","
		"\"reason\":\"insn 0: shift-range: rsh #32 shifts by 32 or more\"}");
	ANSWERS(REQ("2", "[]", ",\"packets\":[]"),
		"{\"id\":2,\"load\":\"rejected\",\"errno\":\"EINVAL\","
		"\"reason\":\"length: program has 0 instructions; Linux accepts 1 to 4096\"}");
	ANSWERS(REQ("3", "[[96,0,0,3],[6,0,0,0]]", ",\"packets\":[]"),
		"{\"id\":3,\"load\":\"rejected\",\"errno\":\"EINVAL\","
		"\"reason\":\"insn 0: scratch-uninit: ld M[3] may be read before it is written\"}");
	/* seccomp refuses mod */
	ANSWERS("{\"id\":4,\"profile\":\"seccomp\",\"program\":[[148,0,0,3],[6,0,0,0]],\"packets\":[]}",
		"{\"id\":4,\"load\":\"rejected\",\"errno\":\"EINVAL\","
		"\"reason\":\"insn 0: seccomp-opcode: opcode 0x94 (mod) is not allowed by seccomp\"}");
}

static void test_seccomp_input(void)
{
	/* ld [0] (nr); ret a, via seccomp_data objects and via 64-byte hex */
	ANSWERS("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[32,0,0,0],[22,0,0,0]],"
		"\"seccomp_data\":[{\"nr\":59,\"arch\":3221225534},{\"nr\":-1},{}]}",
		"{\"id\":1,\"load\":\"ok\",\"results\":[{\"verdict\":59,\"abort\":null},"
		"{\"verdict\":4294967295,\"abort\":null},{\"verdict\":0,\"abort\":null}]}");
	/* ld [4] (arch), ld [8]/[12] (ip, low word first on x86-64),
	 * ld [16 + 8*5 + 4] (high word of args[5]) */
	ANSWERS("{\"id\":2,\"profile\":\"seccomp\",\"program\":[[32,0,0,4],[22,0,0,0]],"
		"\"seccomp_data\":[{\"arch\":3221225534,\"ip\":1}]}",
		ONE_RESULT("2", "3221225534", "null"));
	ANSWERS("{\"id\":3,\"profile\":\"seccomp\",\"program\":[[32,0,0,8],[22,0,0,0]],"
		"\"seccomp_data\":[{\"ip\":18446744069414584321}]}",
		ONE_RESULT("3", "1", "null"));
	ANSWERS("{\"id\":4,\"profile\":\"seccomp\",\"program\":[[32,0,0,60],[22,0,0,0]],"
		"\"seccomp_data\":[{\"args\":[0,0,0,0,0,81985529216486895]}]}",
		ONE_RESULT("4", "19088743", "null"));
	/* the same record as hex: nr 59, arch c000003e (little-endian host) */
	ANSWERS("{\"id\":5,\"profile\":\"seccomp\",\"program\":[[32,0,0,4],[22,0,0,0]],"
		"\"packets\":[\"3b0000003e0000c0"
		"000000000000000000000000000000000000000000000000"
		"000000000000000000000000000000000000000000000000"
		"0000000000000000\"]}",
		ONE_RESULT("5", "3221225534", "null"));
	/* an omitted arch is the host's AUDIT_ARCH (x86-64 here), as everywhere */
	ANSWERS("{\"id\":7,\"profile\":\"seccomp\",\"program\":[[32,0,0,4],[22,0,0,0]],"
		"\"seccomp_data\":[{},{\"nr\":1},{\"arch\":0}]}",
		"{\"id\":7,\"load\":\"ok\",\"results\":[{\"verdict\":3221225534,\"abort\":null},"
		"{\"verdict\":3221225534,\"abort\":null},{\"verdict\":0,\"abort\":null}]}");
	/* ld #len is 64 under seccomp */
	ANSWERS("{\"id\":6,\"profile\":\"seccomp\",\"program\":[[128,0,0,0],[22,0,0,0]],"
		"\"seccomp_data\":[{}]}",
		ONE_RESULT("6", "64", "null"));
}

static void test_broken_requests(void)
{
	BROKEN("", "null", "bad JSON: col 1: unexpected end of input, expected a value");
	BROKEN("garbage", "null", "bad JSON: col 1: unexpected 'g', expected a value");
	BROKEN("{\"id\":1,", "null", "bad JSON: col 9: unexpected end of input, expected a string key");
	BROKEN("[1,2]", "null", "a request is a JSON object, got an array");
	BROKEN("{\"profile\":\"linux\",\"program\":[[6,0,0,0]],\"packets\":[]}", "null",
	       "missing \\\"id\\\"");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[],\"packet\":[]"), "1",
	       "unknown field \\\"packet\\\"");
	BROKEN("{\"id\":1,\"program\":[[6,0,0,0]],\"packets\":[]}", "1", "missing \\\"profile\\\"");
	BROKEN("{\"id\":1,\"profile\":\"bsd\",\"program\":[[6,0,0,0]],\"packets\":[]}", "1",
	       "profile: expected \\\"linux\\\" or \\\"seccomp\\\", got \\\"bsd\\\"");
	BROKEN("{\"id\":1,\"profile\":\"linux\\u0000\",\"program\":[[6,0,0,0]],\"packets\":[]}", "1",
	       "profile: expected \\\"linux\\\" or \\\"seccomp\\\", got \\\"linux\\\"");
	BROKEN("{\"id\":1,\"profile\":0,\"program\":[[6,0,0,0]],\"packets\":[]}", "1",
	       "profile: expected \\\"linux\\\" or \\\"seccomp\\\", got a number");
	BROKEN("{\"id\":1,\"profile\":\"linux\",\"packets\":[]}", "1", "missing \\\"program\\\"");
	/* the program */
	BROKEN(REQ("1", "{}", ",\"packets\":[]"), "1",
	       "program: expected an array of [code,jt,jf,k], got an object");
	BROKEN(REQ("1", "[[6,0,0,0],6]", ",\"packets\":[]"), "1",
	       "program[1]: expected [code,jt,jf,k], got a number");
	BROKEN(REQ("1", "[[6,0,0]]", ",\"packets\":[]"), "1",
	       "program[0]: expected [code,jt,jf,k], got 3 elements");
	BROKEN(REQ("1", "[[6,0,0,0,0]]", ",\"packets\":[]"), "1",
	       "program[0]: expected [code,jt,jf,k], got 5 elements");
	BROKEN(REQ("1", "[[6]]", ",\"packets\":[]"), "1",
	       "program[0]: expected [code,jt,jf,k], got 1 element");
	BROKEN(REQ("1", "[[65536,0,0,0]]", ",\"packets\":[]"), "1",
	       "program[0][0] (code): 65536 is out of range 0..65535");
	BROKEN(REQ("1", "[[6,256,0,0]]", ",\"packets\":[]"), "1",
	       "program[0][1] (jt): 256 is out of range 0..255");
	BROKEN(REQ("1", "[[6,0,256,0]]", ",\"packets\":[]"), "1",
	       "program[0][2] (jf): 256 is out of range 0..255");
	BROKEN(REQ("1", "[[6,0,0,4294967296]]", ",\"packets\":[]"), "1",
	       "program[0][3] (k): 4294967296 is out of range 0..4294967295");
	BROKEN(REQ("1", "[[6,0,0,-1]]", ",\"packets\":[]"), "1",
	       "program[0][3] (k): -1 is out of range 0..4294967295");
	BROKEN(REQ("1", "[[6,0,0,1.5]]", ",\"packets\":[]"), "1",
	       "program[0][3] (k): 1.5 is out of range 0..4294967295");
	BROKEN(REQ("1", "[[6,0,0,\"0\"]]", ",\"packets\":[]"), "1",
	       "program[0][3] (k): expected an integer 0..4294967295, got a string");
	/* the packets */
	BROKEN(REQ("1", "[[6,0,0,0]]", ""), "1", "missing \\\"packets\\\"");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":\"00\""), "1",
	       "packets: expected an array of hex strings, got a string");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[\"00\",0]"), "1",
	       "packets[1]: expected a hex string, got a number");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[\"000\"]"), "1",
	       "packets[0]: odd number of hex digits (3)");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[\"00g0\"]"), "1",
	       "packets[0]: 'g' at position 2 is not a hex digit");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[\"0 \"]"), "1",
	       "packets[0]: a blank at position 1 is not a hex digit");
	/* a character that is not a digit is named before an odd count */
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[\"0\\t0\"]"), "1",
	       "packets[0]: byte 0x09 at position 1 is not a hex digit");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[\"0x00\"]"), "1",
	       "packets[0]: 'x' at position 1 is not a hex digit");
	/* seccomp input */
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],\"packets\":[\"00\"]}", "1",
	       "packets[0]: a seccomp_data record is 64 bytes, got 1");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],\"packets\":[],"
	       "\"seccomp_data\":[]}", "1", "give \\\"packets\\\" or \\\"seccomp_data\\\", not both");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"seccomp_data\":[]"), "1",
	       "seccomp_data: only for profile \\\"seccomp\\\"");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],\"seccomp_data\":{}}", "1",
	       "seccomp_data: expected an array of objects, got an object");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],\"seccomp_data\":[[]]}", "1",
	       "seccomp_data[0]: expected an object, got an array");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],"
	       "\"seccomp_data\":[{},{\"sysno\":1}]}", "1",
	       "seccomp_data[1]: unknown key \\\"sysno\\\" (known: nr, arch, ip, args)");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],"
	       "\"seccomp_data\":[{\"nr\":4294967296}]}", "1",
	       "seccomp_data[0].nr: expected an integer -2147483648..4294967295");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],"
	       "\"seccomp_data\":[{\"nr\":-2147483649}]}", "1",
	       "seccomp_data[0].nr: expected an integer -2147483648..4294967295");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],"
	       "\"seccomp_data\":[{\"arch\":-1}]}", "1",
	       "seccomp_data[0].arch: -1 is out of range 0..4294967295");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],"
	       "\"seccomp_data\":[{\"ip\":18446744073709551616}]}", "1",
	       "seccomp_data[0].ip: 18446744073709551616 is out of range 0..18446744073709551615");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],"
	       "\"seccomp_data\":[{\"args\":[1,2,3,4,5,6,7]}]}", "1",
	       "seccomp_data[0].args: expected an array of at most 6 integers");
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],"
	       "\"seccomp_data\":[{\"args\":[1,true]}]}", "1",
	       "seccomp_data[0].args[1]: expected an integer 0..18446744073709551615, got a boolean");
	/* the context */
	BROKEN("{\"id\":1,\"profile\":\"seccomp\",\"program\":[[6,0,0,0]],\"seccomp_data\":[],"
	       "\"ctx\":{}}", "1",
	       "ctx: not used by profile \\\"seccomp\\\" (the input is seccomp_data)");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[],\"ctx\":[]"), "1",
	       "ctx: ctx must be a JSON object, got an array");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[],\"ctx\":{\"pkttype\":8}"), "1",
	       "ctx: pkttype: 8 is out of range 0..7");
	BROKEN(REQ("1", "[[6,0,0,0]]", ",\"packets\":[],\"ctx\":{\"lenx\":1}"), "1",
	       "ctx: unknown key \\\"lenx\\\"");
}

/* Sizes at and over the limits. */
static void test_limits(void)
{
	struct strbuf b = { 0 };
	char *s, *got;

	/* 65535 instructions parse (and the validator says EINVAL) */
	sb_puts(&b, "{\"id\":1,\"profile\":\"linux\",\"packets\":[],\"program\":[");
	for (int i = 0; i < 65535; i++)
		sb_puts(&b, i ? ",[6,0,0,0]" : "[6,0,0,0]");
	sb_puts(&b, "]}");
	s = sb_finish(&b, NULL);
	got = answer(s);
	CHECK_STR(got, "{\"id\":1,\"load\":\"rejected\",\"errno\":\"EINVAL\",\"reason\":"
		       "\"length: program has 65535 instructions; Linux accepts 1 to 4096\"}");
	free(got);
	free(s);
	/* 65536 are a broken request */
	sb_puts(&b, "{\"id\":1,\"profile\":\"linux\",\"packets\":[],\"program\":[");
	for (int i = 0; i < 65536; i++)
		sb_puts(&b, i ? ",[6,0,0,0]" : "[6,0,0,0]");
	sb_puts(&b, "]}");
	s = sb_finish(&b, NULL);
	got = answer(s);
	CHECK_STR(got, "{\"id\":1,\"load\":\"error\",\"reason\":\"program: more than 65535 "
		       "instructions (sock_fprog.len is a u16)\"}");
	free(got);
	free(s);

	/* a 4 MiB packet runs; 4 MiB + 1 byte is a broken request. The
	 * program reads the last byte: ld [x+k] with X = len - 1. */
	for (int extra = 0; extra <= 1; extra++) {
		size_t n = CBPF_PLUGIN_MAX_PACKET + (size_t)extra;
		sb_puts(&b, "{\"id\":2,\"profile\":\"linux\",\"program\":"
			    "[[128,0,0,0],[20,0,0,1],[7,0,0,0],[80,0,0,0],[22,0,0,0]],"
			    "\"packets\":[\"");
		for (size_t i = 0; i + 1 < n; i++)
			sb_puts(&b, "00");
		sb_puts(&b, "7e\"]}");
		s = sb_finish(&b, NULL);
		got = answer(s);
		if (extra == 0)
			CHECK_STR(got, ONE_RESULT("2", "126", "null"));
		else
			CHECK_STR(got, "{\"id\":2,\"load\":\"error\",\"reason\":\"packets[0]: 4194305 bytes "
				       "is over the limit of 4194304\"}");
		free(got);
		free(s);
	}
}

/* An executor standing in for the live kernel: extra members, its own
 * abort words, errno names. */
static void fake_kernel(void *opaque, const struct cbpf_plugin_request *req,
			struct cbpf_plugin_response *resp)
{
	int *calls = opaque;

	(*calls)++;
	if (req->ninsns == 1 && req->insns[0].k == 1) {
		cbpf_plugin_response_reject(resp, 524, "JIT failed");
		return;
	}
	if (req->ninsns == 1 && req->insns[0].k == 2) {
		cbpf_plugin_response_reject(resp, 4242, "odd");
		CHECK_EQ(cbpf_plugin_extra_string(&resp->extra, "oracle", "af_unix \"dgram\""), 0);
		return;
	}
	if (req->ninsns == 1 && req->insns[0].k == 3) {
		cbpf_plugin_response_error(resp, "socketpair: %s", "EMFILE");
		return;
	}
	if (cbpf_plugin_response_ok(resp, req->npackets) != 0)
		return;
	for (size_t i = 0; i < req->npackets; i++) {
		resp->results[i].verdict = (uint32_t)req->packets[i].len;
		resp->results[i].abort = i == 1 ? "unknown" : NULL;
		CHECK_EQ(cbpf_plugin_extra_bool(&resp->results[i].extra, "exact", i == 0), 0);
	}
	CHECK_EQ(cbpf_plugin_extra_int(&resp->extra, "runs", -2), 0);
	CHECK_EQ(cbpf_plugin_extra_bool(&resp->extra, "jit", true), 0);
}

static char *fake_answer(const char *line, int *calls)
{
	size_t n;
	char *out = cbpf_plugin_handle_line(line, strlen(line), fake_kernel, calls, &n);
	if (out != NULL)
		out[n - 1] = '\0';
	return out;
}

/* ---- memory ---- */

struct line_job {
	const char *line;
	size_t len;
};

static void answer_job(void *arg)
{
	const struct line_job *j = arg;
	size_t n;

	free(cbpf_plugin_handle_line(j->line, j->len, cbpf_plugin_vm_exec, NULL, &n));
}

/* A line of head, count copies of item (comma-separated), tail. */
static char *repeated_line(const char *head, const char *item, size_t count, const char *tail,
			   size_t *len)
{
	size_t h = strlen(head), i = strlen(item), t = strlen(tail);
	char *s = malloc(h + count * (i + 1) + t + 1), *w = s;

	memcpy(w, head, h);
	w += h;
	for (size_t k = 0; k < count; k++) {
		if (k > 0)
			*w++ = ',';
		memcpy(w, item, i);
		w += i;
	}
	memcpy(w, tail, t + 1);
	*len = (size_t)(w - s) + t;
	return s;
}

/* A request costs its line plus what it keeps (at most 65535
 * instructions, 65536 inputs), not a tree of it: 30 MB of program or
 * 12 MB of empty packets are refused in a few MiB (a tree of either took
 * 38 times the line: 1.9 GB for 50 MB). */
/* A line of head, count items and "]}" is answered want, with a peak heap
 * growth under 16 MiB. */
static void check_bounded(const char *head, const char *item, size_t count, const char *want,
			  const char *what)
{
	struct line_job j;
	char *line = repeated_line(head, item, count, "]}", &j.len);
	char *got;
	long kib;

	j.line = line;
	got = answer(line);
	CHECK_STR(got, want);
	free(got);
	kib = peak_growth_kib(answer_job, &j);
	CHECK(kib >= 0 && kib < 16 * 1024);
	fprintf(stderr, "%s: peak growth %ld KiB\n", what, kib);
	free(line);
}

static void test_request_memory(void)
{
	char *line, *got;
	size_t len;

	check_bounded("{\"id\":1,\"profile\":\"linux\",\"packets\":[],\"program\":[", "[6,0,0,0]",
		      3000000,
		      "{\"id\":1,\"load\":\"error\",\"reason\":\"program: more than 65535 "
		      "instructions (sock_fprog.len is a u16)\"}",
		      "30 MB program line");
	check_bounded("{\"id\":2,\"profile\":\"linux\",\"program\":[[6,0,0,0]],\"packets\":[", "\"\"",
		      4000000,
		      "{\"id\":2,\"load\":\"error\",\"reason\":\"packets: more than 65536 inputs "
		      "in one request\"}",
		      "12 MB packets line");

	/* 65536 inputs are served */
	line = repeated_line("{\"id\":3,\"profile\":\"linux\",\"program\":[[6,0,0,7]],\"packets\":[", "\"00\"",
			     CBPF_PLUGIN_MAX_INPUTS, "]}", &len);
	got = answer(line);
	CHECK(got != NULL && strncmp(got, "{\"id\":3,\"load\":\"ok\",\"results\":[{\"verdict\":7,", 42) == 0);
	free(got);
	free(line);
}

/* A line longer than CBPF_PLUGIN_MAX_LINE gets an error response (its id
 * unread) and the next line is served; the long one is never held whole. */
static void test_line_limit(void)
{
	FILE *in = tmpfile(), *out = tmpfile();
	char buf[512];
	size_t n;

	CHECK(in != NULL && out != NULL);
	if (in == NULL || out == NULL)
		return;
	fputs("{\"id\":1,\"profile\":\"linux\",\"program\":[[6,0,0,1]],\"packets\":[\"", in);
	for (size_t i = 0; i < CBPF_PLUGIN_MAX_LINE / 2; i++)
		fputs("00", in);
	fputs("\"]}\n{\"id\":2,\"profile\":\"linux\",\"program\":[[6,0,0,1]],\"packets\":[\"00\"]}\n", in);
	/* exactly the limit is served */
	const char *req3 = "{\"id\":3,\"profile\":\"linux\",\"program\":[[6,0,0,1]],\"packets\":[\"00\"]}";
	fputs(req3, in);
	for (size_t i = strlen(req3); i < CBPF_PLUGIN_MAX_LINE; i++)
		fputc(' ', in);
	fputc('\n', in);
	rewind(in);
	CHECK_EQ(cbpf_plugin_serve(in, out, cbpf_plugin_vm_exec, NULL), 0);
	rewind(out);
	n = fread(buf, 1, sizeof(buf) - 1, out);
	buf[n] = '\0';
	CHECK_STR(buf, "{\"id\":null,\"load\":\"error\",\"reason\":\"line longer than 67108864 bytes "
		       "(the limit)\"}\n"
		       "{\"id\":2,\"load\":\"ok\",\"results\":[{\"verdict\":1,\"abort\":null}]}\n"
		       "{\"id\":3,\"load\":\"ok\",\"results\":[{\"verdict\":1,\"abort\":null}]}\n");
	fclose(in);
	fclose(out);
}

static void test_executor_extras(void)
{
	int calls = 0;
	char *got;

	got = fake_answer(REQ("1", "[[6,0,0,0]]", ",\"packets\":[\"00\",\"0000\"]"), &calls);
	CHECK_STR(got, "{\"id\":1,\"load\":\"ok\",\"results\":["
		       "{\"verdict\":1,\"abort\":null,\"exact\":true},"
		       "{\"verdict\":2,\"abort\":\"unknown\",\"exact\":false}],\"runs\":-2,\"jit\":true}");
	free(got);
	got = fake_answer(REQ("2", "[[6,0,0,1]]", ",\"packets\":[]"), &calls);
	CHECK_STR(got, "{\"id\":2,\"load\":\"rejected\",\"errno\":\"ENOTSUPP\",\"reason\":\"JIT failed\"}");
	free(got);
	got = fake_answer(REQ("3", "[[6,0,0,2]]", ",\"packets\":[]"), &calls);
	CHECK_STR(got, "{\"id\":3,\"load\":\"rejected\",\"errno\":\"E4242\",\"reason\":\"odd\","
		       "\"oracle\":\"af_unix \\\"dgram\\\"\"}");
	free(got);
	got = fake_answer(REQ("4", "[[6,0,0,3]]", ",\"packets\":[]"), &calls);
	CHECK_STR(got, "{\"id\":4,\"load\":\"error\",\"reason\":\"socketpair: EMFILE\"}");
	free(got);
	/* broken requests never reach the executor */
	got = fake_answer("{\"id\":5}", &calls);
	CHECK_STR(got, "{\"id\":5,\"load\":\"error\",\"reason\":\"missing \\\"profile\\\"\"}");
	free(got);
	CHECK_EQ(calls, 4);

	CHECK_STR(cbpf_errno_name(EINVAL), "EINVAL");
	CHECK_STR(cbpf_errno_name(ENOMEM), "ENOMEM");
	CHECK_STR(cbpf_errno_name(EPERM), "EPERM");
	CHECK_STR(cbpf_errno_name(524), "ENOTSUPP"); /* kernel-internal, JIT_ALWAYS_ON */
	CHECK_STR(cbpf_errno_name(0), "OK");
	CHECK_STR(cbpf_errno_name(100000), "E100000");
}

static void test_parse_request_struct(void)
{
	struct cbpf_plugin_request req;
	struct cbpf_diag d;
	const char *line = "{\"id\":{\"n\":1},\"profile\":\"linux\",\"program\":[[40,1,2,12],[6,0,0,4294967295]],"
			   "\"packets\":[\"0102\",\"\"],\"ctx\":{\"mark\":9,\"dev\":null}}";

	CHECK_EQ(cbpf_plugin_parse_request(line, strlen(line), &req, &d), 0);
	CHECK_STR(req.id, "{\"n\":1}");
	CHECK_EQ(req.profile, CBPF_PROFILE_LINUX);
	CHECK_EQ(req.ninsns, 2);
	CHECK_EQ(req.insns[0].code, 40);
	CHECK_EQ(req.insns[0].jt, 1);
	CHECK_EQ(req.insns[0].jf, 2);
	CHECK_EQ(req.insns[0].k, 12);
	CHECK_EQ(req.insns[1].k, 0xffffffffu);
	CHECK_EQ(req.npackets, 2);
	CHECK_EQ(req.packets[0].len, 2);
	CHECK_EQ(req.packets[0].data[1], 2);
	CHECK_EQ(req.packets[1].len, 0);
	CHECK(req.packets[1].data != NULL);
	CHECK_EQ(req.has_ctx, 1);
	CHECK_EQ(req.ctx.mark, 9);
	CHECK_EQ(req.ctx.len, CBPF_CTX_UNSET); /* the rest is cbpf_ctx_init's */
	CHECK_EQ(req.ctx.poff, CBPF_POFF_AUTO);
	cbpf_plugin_request_free(&req);

	/* an error keeps the id for the response */
	CHECK_EQ(cbpf_plugin_parse_request("{\"id\":\"k\",\"profile\":1}", 22, &req, &d), -1);
	CHECK_STR(req.id, "\"k\"");
	CHECK_EQ(d.code, CBPF_ERR_INPUT);
	CHECK(d.line == 0 && d.col == 0 && d.insn == -1 && d.rule == NULL);
	CHECK_STR(d.msg, "profile: expected \"linux\" or \"seccomp\", got a number");
	cbpf_plugin_request_free(&req);
	/* d may be NULL: the id is still read */
	CHECK_EQ(cbpf_plugin_parse_request("x", 1, &req, NULL), -1);
	CHECK(req.id == NULL);
	cbpf_plugin_request_free(&req);
}

/* Every response is one JSON object with a "load" member. */
static void response_is_json(const char *out, size_t n)
{
	struct json_value *v = out ? json_parse(out, n, NULL, 0) : NULL;
	const struct json_value *load = json_get(v, "load");

	CHECK(v != NULL && v->type == JSON_OBJECT && load != NULL && load->type == JSON_STRING);
	json_free(v);
}

/* Mutated requests never crash the server and always give one line. */
static void test_garbage(void)
{
	static const char seed[] =
		"{\"id\":7,\"profile\":\"linux\",\"program\":[[48,0,0,2],[21,0,1,5],[6,0,0,1],"
		"[6,0,0,0]],\"packets\":[\"00010205\",\"ff\"],\"ctx\":{\"len\":9,\"dev\":null}}";
	static const char alphabet[] = "0123456789,[]{}\":-afx";
	char buf[sizeof(seed)];
	struct ts_rng r;
	long ok = 0;

	ts_seed(&r, 1);
	for (int iter = 0; iter < 30000; iter++) {
		memcpy(buf, seed, sizeof(seed));
		for (int m = 0; m < 2; m++) {
			size_t at = ts_below(&r, sizeof(seed) - 1);
			buf[at] = alphabet[ts_below(&r, sizeof(alphabet) - 1)];
		}
		size_t n;
		char *out = cbpf_plugin_handle_line(buf, sizeof(seed) - 1, cbpf_plugin_vm_exec, NULL, &n);
		CHECK(out != NULL && n > 0 && out[n - 1] == '\n' && memchr(out, '\n', n) == out + n - 1);
		ok += out != NULL && strstr(out, "\"load\":\"ok\"") != NULL;
		response_is_json(out, n);
		free(out);
	}
	CHECK(ok > 100);
	/* raw random bytes, NULs and invalid UTF-8 included */
	for (int iter = 0; iter < 20000; iter++) {
		char raw[64];
		size_t len = (size_t)(iter % 64);
		for (size_t i = 0; i < len; i++)
			raw[i] = (char)ts_next(&r);
		size_t n;
		char *out = cbpf_plugin_handle_line(raw, len, cbpf_plugin_vm_exec, NULL, &n);
		CHECK(out != NULL && strncmp(out, "{\"id\":null,\"load\":\"error\",\"reason\":\"", 36) == 0);
		response_is_json(out, n);
		free(out);
	}
}

/* ---- the real process ---- */

struct child {
	pid_t pid;
	int in;  /* we write requests */
	int out; /* we read responses */
};

static int spawn_plugin(struct child *c)
{
	const char *bin = getenv("CBPF_BIN");
	int to[2], from[2];

	if (bin == NULL || pipe(to) != 0 || pipe(from) != 0)
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		execl(bin, bin, "plugin", (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	c->in = to[1];
	c->out = from[0];
	return 0;
}

static int finish_child(struct child *c)
{
	int status = 0;

	if (c->in >= 0)
		close(c->in);
	close(c->out);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Read one line (blocking, no timeout: the plugin must answer). */
static char *read_line(int fd)
{
	struct strbuf b = { 0 };
	char ch;

	for (;;) {
		ssize_t r = read(fd, &ch, 1);
		if (r <= 0)
			break;
		if (ch == '\n')
			return sb_finish(&b, NULL);
		sb_putc(&b, ch);
	}
	free(sb_finish(&b, NULL));
	return NULL;
}

/* Lock-step: each response arrives before the next request is written,
 * so the plugin flushes every line. */
static void test_process_lockstep(void)
{
	static const struct {
		const char *req, *resp;
	} steps[] = {
		{ REQ("1", "[[6,0,0,4096]]", ",\"packets\":[\"00\"]") "\n",
		  ONE_RESULT("1", "4096", "null") },
		{ "not json\n",
		  "{\"id\":null,\"load\":\"error\",\"reason\":\"bad JSON: col 1: invalid literal, expected 'null'\"}" },
		{ "\n",
		  "{\"id\":null,\"load\":\"error\",\"reason\":\"bad JSON: col 1: unexpected end of input, expected a value\"}" },
		{ REQ("3", "[[116,0,0,32],[6,0,0,0]]", ",\"packets\":[]") "\r\n",
		  "{\"id\":3,\"load\":\"rejected\",\"errno\":\"EINVAL\",\"reason\":\"insn 0: shift-range: rsh #32 shifts by 32 or more\"}" },
		{ REQ("4", "[[48,0,0,10],[6,0,0,1]]", ",\"packets\":[\"00\"]") "\n",
		  ONE_RESULT("4", "0", "\"load\"") },
	};
	struct child c;

	if (spawn_plugin(&c) != 0) {
		CHECK(0 && "spawn cbpf plugin");
		return;
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		CHECK_EQ(fd_write_all(c.in, steps[i].req, strlen(steps[i].req)), 0);
		char *line = read_line(c.out);
		CHECK_STR(line, steps[i].resp);
		free(line);
	}
	/* a last line without a newline is still a request, answered at EOF */
	const char *last = REQ("\"last\"", "[[6,0,0,1]]", ",\"packets\":[]");
	CHECK_EQ(fd_write_all(c.in, last, strlen(last)), 0);
	close(c.in);
	c.in = -1;
	char *line = read_line(c.out);
	CHECK_STR(line, "{\"id\":\"last\",\"load\":\"ok\",\"results\":[]}");
	free(line);
	line = read_line(c.out);
	CHECK(line == NULL); /* EOF after the last answer */
	free(line);
	CHECK_EQ(finish_child(&c), 0);
}

/* A stream of mixed lines written all at once (including a 9 MiB line),
 * read back concurrently: every line answered, in order. */
static void test_process_stream(void)
{
	struct strbuf in = { 0 }, want = { 0 };
	struct child c;
	int nlines = 0;

	for (int i = 0; i < 600; i++) {
		switch (i % 4) {
		case 0:
			sb_printf(&in, REQ("%d", "[[48,0,0,0],[22,0,0,0]]", ",\"packets\":[\"%02x\"]") "\n", i, i & 0xff);
			sb_printf(&want, "{\"id\":%d,\"load\":\"ok\",\"results\":[{\"verdict\":%d,\"abort\":null}]}\n", i, i & 0xff);
			break;
		case 1:
			sb_puts(&in, "[1,\n"); /* the newline ends the line */
			sb_puts(&want, "{\"id\":null,\"load\":\"error\",\"reason\":\"bad JSON: col 4: unexpected end of input, expected a value\"}\n");
			break;
		case 2:
			sb_printf(&in, REQ("%d", "[[6,0,0,0]]", ",\"packets\":[\"0\"]") "\n", i);
			sb_printf(&want, "{\"id\":%d,\"load\":\"error\",\"reason\":\"packets[0]: odd number of hex digits (1)\"}\n", i);
			break;
		case 3:
			sb_printf(&in, REQ("%d", "[[0,0,0,7],[60,0,0,0],[6,0,0,9]]", ",\"packets\":[\"\",\"01\"]") "\n", i);
			sb_printf(&want, "{\"id\":%d,\"load\":\"ok\",\"results\":[{\"verdict\":0,\"abort\":\"div0\"},{\"verdict\":0,\"abort\":\"div0\"}]}\n", i);
			break;
		}
		nlines++;
		if (i == 300) { /* a 4 MiB packet in the middle: 8 MiB of hex */
			sb_puts(&in, "{\"id\":\"big\",\"profile\":\"linux\","
				     "\"program\":[[128,0,0,0],[22,0,0,0]],\"packets\":[\"");
			for (size_t k = 0; k < CBPF_PLUGIN_MAX_PACKET; k++)
				sb_puts(&in, "ab");
			sb_puts(&in, "\"]}\n");
			sb_puts(&want, "{\"id\":\"big\",\"load\":\"ok\",\"results\":[{\"verdict\":4194304,\"abort\":null}]}\n");
		}
	}
	size_t inlen, wantlen;
	char *input = sb_finish(&in, &inlen);
	char *expect = sb_finish(&want, &wantlen);

	if (spawn_plugin(&c) != 0) {
		CHECK(0 && "spawn cbpf plugin");
		free(input);
		free(expect);
		return;
	}
	fcntl(c.in, F_SETFL, O_NONBLOCK);
	struct strbuf got = { 0 };
	size_t off = 0;
	for (;;) {
		struct pollfd p[2] = { { c.out, POLLIN, 0 }, { c.in, POLLOUT, 0 } };
		int np = c.in >= 0 ? 2 : 1;
		if (poll(p, (nfds_t)np, -1) < 0 && errno != EINTR)
			break;
		if (np == 2 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(c.in, input + off, inlen - off);
			if (w > 0)
				off += (size_t)w;
			if (w < 0 && errno != EAGAIN) {
				CHECK(0 && "write to plugin failed");
				off = inlen;
			}
			if (off == inlen) {
				close(c.in);
				c.in = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			char buf[65536];
			ssize_t r = read(c.out, buf, sizeof(buf));
			if (r <= 0)
				break;
			sb_putn(&got, buf, (size_t)r);
		}
	}
	size_t gotlen;
	char *output = sb_finish(&got, &gotlen);
	CHECK_EQ(gotlen, wantlen);
	CHECK(output != NULL && strcmp(output, expect) == 0);
	if (output != NULL && strcmp(output, expect) != 0) {
		size_t k = 0;
		while (output[k] && output[k] == expect[k])
			k++;
		fprintf(stderr, "  first difference at byte %zu:\n  got:  %.200s\n  want: %.200s\n", k,
			output + k, expect + k);
	}
	CHECK_EQ(finish_child(&c), 0);
	CHECK_EQ(nlines, 600);
	free(output);
	free(input);
	free(expect);
}

static void test_process_help(void)
{
	struct child c;
	const char *bin = getenv("CBPF_BIN");
	char cmd[4096];

	if (bin == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "'%s' plugin --help | grep -c 'docs/plugin-protocol.md' >/dev/null", bin);
	CHECK_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "'%s' plugin extra </dev/null 2>/dev/null", bin);
	int st = system(cmd);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	/* empty input: no output, exit 0 */
	if (spawn_plugin(&c) == 0) {
		close(c.in);
		c.in = -1;
		char *line = read_line(c.out);
		CHECK(line == NULL);
		free(line);
		CHECK_EQ(finish_child(&c), 0);
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_good_requests();
	test_abort_kinds();
	test_ctx();
	test_rejected();
	test_seccomp_input();
	test_broken_requests();
	test_limits();
	test_request_memory();
	test_line_limit();
	test_executor_extras();
	test_parse_request_struct();
	test_garbage();
	if (getenv("CBPF_BIN") == NULL) {
		fprintf(stderr, "CBPF_BIN not set: process tests skipped\n");
	} else {
		test_process_lockstep();
		test_process_stream();
		test_process_help();
	}
	return CHECK_DONE();
}
