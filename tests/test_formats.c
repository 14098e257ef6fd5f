/*
 * test_formats.c - the program formats other than bpf_asm text (tcpdump
 * -d/-dd/-ddd, bpf_asm bytecode and -c, JSON, raw), the dispatcher and
 * auto-detection, and the `cbpf asm` / `cbpf disasm` commands:
 *   - exact printed text of fixed programs in every format;
 *   - every parser reads its printer's output back to identical bytes for
 *     100,000+ random programs (junk fields included; for the -d listing
 *     only programs it can show: known opcodes, unused fields 0);
 *   - every parser's error messages with their line:col;
 *   - auto-detection of every printer's output and of hand-written input;
 *   - garbage and mutated input: a program or a positioned error, never a
 *     crash (ASan/UBSan build);
 *   - the commands through CBPF_BIN: exit codes, error lines, atomic -O.
 */
#include "check.h"
#include "diag_text.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cbpf/format.h"
#include "cbpf/opcode.h"
#include "peak_mem.h"
#include "rng.h"

/* ---- helpers ---- */

static struct ts_rng rng = { 0x243f6a8885a308d3ull };

static uint32_t rnd_k(void)
{
	if (ts_chance(&rng, 50))
		return ts_edge(&rng);
	return (uint32_t)ts_next(&rng);
}

static uint16_t rnd_code(void)
{
	switch (ts_below(&rng, 8)) {
	case 0: return (uint16_t)ts_next(&rng);
	case 1: return (uint16_t)ts_below(&rng, 0x100);
	default: return cbpf_opinfo_at(ts_below(&rng, CBPF_NOPCODES))->code;
	}
}

/* Any instruction: junk in every field. */
static struct cbpf_insn rnd_insn(void)
{
	struct cbpf_insn in = { rnd_code(), 0, 0, 0 };

	in.jt = (uint8_t)ts_next(&rng);
	in.jf = (uint8_t)ts_next(&rng);
	in.k = rnd_k();
	return in;
}

/* An instruction the -d listing shows completely: a known opcode, the
 * fields it does not use zero (ja's k any value: every %d target reads
 * back). */
static struct cbpf_insn rnd_listing_insn(size_t index)
{
	const struct cbpf_opinfo *o = cbpf_opinfo_at(ts_below(&rng, CBPF_NOPCODES));
	struct cbpf_insn in = { o->code, 0, 0, 0 };

	if (o->uses & CBPF_USES_K)
		in.k = rnd_k();
	if (o->uses & CBPF_USES_JT)
		in.jt = (uint8_t)ts_next(&rng);
	if (o->uses & CBPF_USES_JF)
		in.jf = (uint8_t)ts_next(&rng);
	(void)index;
	return in;
}

static bool same_prog(const struct cbpf_prog *p, const struct cbpf_insn *insns, size_t n)
{
	return p->len == n && (n == 0 || memcmp(p->insns, insns, n * sizeof(*insns)) == 0);
}

/* "f:L:C: msg" for a failed parse, "OK" for a successful one. */
static const char *parse_result(enum cbpf_format f, const char *text, size_t len)
{
	static char out[400];
	struct cbpf_prog p = { 0 };
	struct cbpf_diag d = { 0 };

	if (cbpf_parse(f, text, len, &p, &d) == 0) {
		cbpf_prog_free(&p);
		return "OK";
	}
	diag_text(&d, "f", out, sizeof(out));
	if (p.len != 0 || p.insns != NULL)
		return "failed parse left instructions";
	return out;
}

static const char *parse_str(enum cbpf_format f, const char *text)
{
	return parse_result(f, text, strlen(text));
}

static char *print_fmt(enum cbpf_format f, const struct cbpf_insn *p, size_t n, size_t *len)
{
	char *s = cbpf_print(f, p, n, len);
	CHECK(s != NULL);
	return s;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- exact texts ---- */

static const struct cbpf_insn ip_tcp[] = {
	{ 0x28, 0, 0, 12 },         { 0x15, 0, 3, 0x800 }, { 0x30, 0, 0, 23 },
	{ 0x15, 0, 1, 6 },          { 0x06, 0, 0, 0xffffffff }, { 0x06, 0, 0, 0 },
};

static void expect_print(enum cbpf_format f, const struct cbpf_insn *p, size_t n,
			 const char *want)
{
	size_t len;
	char *s = print_fmt(f, p, n, &len);

	CHECK_STR(s, want);
	CHECK_EQ(len, strlen(want));
	free(s);
}

static void test_exact_texts(void)
{
	expect_print(CBPF_FMT_TCPDUMP, ip_tcp, N(ip_tcp),
		     "(000) ldh      [12]\n"
		     "(001) jeq      #0x800           jt 2\tjf 5\n"
		     "(002) ldb      [23]\n"
		     "(003) jeq      #0x6             jt 4\tjf 5\n"
		     "(004) ret      #-1\n"
		     "(005) ret      #0\n");
	expect_print(CBPF_FMT_DD, ip_tcp, N(ip_tcp),
		     "{ 0x28, 0, 0, 0x0000000c },\n"
		     "{ 0x15, 0, 3, 0x00000800 },\n"
		     "{ 0x30, 0, 0, 0x00000017 },\n"
		     "{ 0x15, 0, 1, 0x00000006 },\n"
		     "{ 0x6, 0, 0, 0xffffffff },\n"
		     "{ 0x6, 0, 0, 0x00000000 },\n");
	expect_print(CBPF_FMT_DDD, ip_tcp, N(ip_tcp),
		     "6\n40 0 0 12\n21 0 3 2048\n48 0 0 23\n21 0 1 6\n6 0 0 4294967295\n6 0 0 0\n");
	expect_print(CBPF_FMT_BYTECODE, ip_tcp, N(ip_tcp),
		     "6,40 0 0 12,21 0 3 2048,48 0 0 23,21 0 1 6,6 0 0 4294967295,6 0 0 0,\n");
	/* bpf_asm -c: %#04x and %#010x print a zero without 0x */
	expect_print(CBPF_FMT_C, ip_tcp, N(ip_tcp),
		     "{ 0x28,  0,  0, 0x0000000c },\n"
		     "{ 0x15,  0,  3, 0x00000800 },\n"
		     "{ 0x30,  0,  0, 0x00000017 },\n"
		     "{ 0x15,  0,  1, 0x00000006 },\n"
		     "{ 0x06,  0,  0, 0xffffffff },\n"
		     "{ 0x06,  0,  0, 0000000000 },\n");
	expect_print(CBPF_FMT_JSON, ip_tcp, N(ip_tcp),
		     "[[40,0,0,12],\n [21,0,3,2048],\n [48,0,0,23],\n [21,0,1,6],\n"
		     " [6,0,0,4294967295],\n [6,0,0,0]]\n");

	/* zero instructions */
	expect_print(CBPF_FMT_TCPDUMP, NULL, 0, "");
	expect_print(CBPF_FMT_DD, NULL, 0, "");
	expect_print(CBPF_FMT_DDD, NULL, 0, "0\n");
	expect_print(CBPF_FMT_BYTECODE, NULL, 0, "0,\n");
	expect_print(CBPF_FMT_C, NULL, 0, "");
	expect_print(CBPF_FMT_JSON, NULL, 0, "[]\n");

	/* a C zero code and a bpf_asm -c line for a big code */
	const struct cbpf_insn odd[] = { { 0, 0, 0, 0 }, { 0x1234, 255, 10, 1 } };
	expect_print(CBPF_FMT_C, odd, 2,
		     "{ 0000,  0,  0, 0000000000 },\n{ 0x1234, 255, 10, 0x00000001 },\n");
	expect_print(CBPF_FMT_DD, odd, 2,
		     "{ 0x0, 0, 0, 0x00000000 },\n{ 0x1234, 255, 10, 0x00000001 },\n");
}

static void test_raw_bytes(void)
{
	const struct cbpf_insn p[] = { { 0x0102, 3, 4, 0x05060708 } };
	unsigned char want[8];
	uint16_t code = 0x0102;
	uint32_t k = 0x05060708;
	size_t len;
	char *s = print_fmt(CBPF_FMT_RAW, p, 1, &len);

	/* host byte order, struct sock_filter layout */
	memcpy(want, &code, 2);
	want[2] = 3;
	want[3] = 4;
	memcpy(want + 4, &k, 4);
	CHECK_EQ(len, 8);
	CHECK(s != NULL && memcmp(s, want, 8) == 0);
	free(s);
	s = print_fmt(CBPF_FMT_RAW, NULL, 0, &len);
	CHECK_EQ(len, 0);
	free(s);
}

/* Every operand form of libpcap's bpf_image (checked against the real
 * bpf_image() in test_tcpdump_listing.c). */
static const struct cbpf_insn every_operand[] = {
	{ 0x00, 0, 0, 5 },          { 0x01, 0, 0, 0xdeadbeef }, { 0x02, 0, 0, 3 },
	{ 0x03, 0, 0, 15 },         { 0x04, 0, 0, 0xfffffffc }, { 0x54, 0, 0, 0xff },
	{ 0x4c, 0, 0, 0 },          { 0x05, 0, 0, 2 },          { 0x4d, 1, 0, 0 },
	{ 0x16, 0, 0, 0 },          { 0x07, 0, 0, 0 },          { 0x87, 0, 0, 0 },
	{ 0x84, 0, 0, 0 },          { 0x40, 0, 0, 2 },          { 0x48, 0, 0, 0xffffffff },
	{ 0x30, 0, 0, 0xfffff000 }, { 0x80, 0, 0, 0 },          { 0x81, 0, 0, 0 },
	{ 0x61, 0, 0, 2 },          { 0xb1, 0, 0, 14 },         { 0x94, 0, 0, 3 },
	{ 0xa4, 0, 0, 1 },          { 0x64, 0, 0, 2 },          { 0x7c, 0, 0, 0 },
	{ 0x28, 0, 0, 0xfffff02c }, { 0x30, 0, 0, 0xfffff030 }, { 0x20, 0, 0, 0xfffff038 },
	{ 0x20, 0, 0, 0xfffff040 }, { 0x20, 0, 0, 0x80000000 }, { 0x25, 1, 0, 0x80000000 },
	{ 0x06, 0, 0, 0x40000 },    { 0x06, 0, 0, 0 },
};

static const char every_operand_listing[] =
	"(000) ld       #0x5\n"
	"(001) ldx      #0xdeadbeef\n"
	"(002) st       M[3]\n"
	"(003) stx      M[15]\n"
	"(004) add      #-4\n"
	"(005) and      #0xff\n"
	"(006) or       x\n"
	"(007) ja       10\n"
	"(008) jset     x                jt 10\tjf 9\n"
	"(009) ret\n"
	"(010) tax\n"
	"(011) txa\n"
	"(012) neg\n"
	"(013) ld       [x + 2]\n"
	"(014) ldh      [x + -1]\n"
	"(015) ldb      [proto]\n"
	"(016) ld       #pktlen\n"
	"(017) ldx      #pktlen\n" /* libpcap 1.10.3: "unimp    0x81" (documented choice) */
	"(018) ldx      M[2]\n"
	"(019) ldxb     4*([14]&0xf)\n"
	"(020) mod      #3\n"
	"(021) xor      #0x1\n"
	"(022) lsh      #2\n"
	"(023) rsh      x\n"
	"(024) ldh      [vlan_tci]\n"
	"(025) ldb      [vlanp]\n"
	"(026) ld       [random]\n"
	"(027) ld       [-4032]\n"
	"(028) ld       [-2147483648]\n"
	"(029) jgt      #0x80000000      jt 31\tjf 30\n"
	"(030) ret      #262144\n"
	"(031) ret      #0\n";

/* linux-semantics: pcap.line-format, pcap.operands, pcap.unimp */
static void test_listing_operands(void)
{
	struct cbpf_prog p = { 0 };
	struct cbpf_diag d = { 0 };
	const struct cbpf_insn unimp[] = { { 0x0e, 0, 0, 0 }, { 0x1234, 1, 2, 3 }, { 0x5d, 1, 0, 7 } };

	expect_print(CBPF_FMT_TCPDUMP, every_operand, N(every_operand), every_operand_listing);
	CHECK_EQ(cbpf_parse(CBPF_FMT_TCPDUMP, every_operand_listing, strlen(every_operand_listing), &p, &d),
		 0);
	CHECK(same_prog(&p, every_operand, N(every_operand)));
	cbpf_prog_free(&p);
	/* libpcap 1.10.3 prints ldx #pktlen as "unimp 0x81": read back as 0x81 */
	const char *old_pcap = "(000) unimp    0x81     \n(001) ret      \n";
	const struct cbpf_insn ldx_len[] = { { 0x81, 0, 0, 0 }, { 0x16, 0, 0, 0 } };
	CHECK_EQ(cbpf_parse(CBPF_FMT_TCPDUMP, old_pcap, strlen(old_pcap), &p, &d), 0);
	CHECK(same_prog(&p, ldx_len, 2));
	cbpf_prog_free(&p);
	/* opcodes Linux rejects (0x0e is bpf_asm's `ret x`); bpf_image shows
	 * jt/jf for any JMP-class code but ja */
	expect_print(CBPF_FMT_TCPDUMP, unimp, 3,
		     "(000) unimp    0xe\n(001) unimp    0x1234\n"
		     "(002) unimp    0x5d             jt 4\tjf 3\n");
	/* a wide listing keeps %03d's minimum width only */
	struct cbpf_insn wide[1001] = { 0 };
	wide[1000] = (struct cbpf_insn){ 0x15, 255, 0, 7 };
	char *s = print_fmt(CBPF_FMT_TCPDUMP, wide, 1001, NULL);
	CHECK(s != NULL && strstr(s, "(999) ld       #0x0\n(1000) jeq      #0x7             "
				    "jt 1256\tjf 1001\n") != NULL);
	CHECK_EQ(cbpf_parse(CBPF_FMT_TCPDUMP, s, strlen(s), &p, &d), 0);
	CHECK(same_prog(&p, wide, 1001));
	cbpf_prog_free(&p);
	free(s);
	/* ja prints n+1+k as libpcap's %d of a u_int sum, and every such
	 * target reads back to its k: beyond int, at or before itself (as
	 * protochain's backward jumps print), before the start */
	const struct cbpf_insn far[] = {
		{ 0x05, 0, 0, 0x7ffffffe }, { 0x05, 0, 0, 0x7fffffff }, { 0x05, 0, 0, 0xffffffff },
		{ 0x05, 0, 0, 0xfffffff1 }, { 0x05, 0, 0, 0xfffffff0 }, { 0x05, 0, 0, 0x80000000 },
	};
	const char *far_listing = "(000) ja       2147483647\n(001) ja       -2147483647\n"
				  "(002) ja       2\n(003) ja       -11\n(004) ja       -11\n"
				  "(005) ja       -2147483642\n";
	expect_print(CBPF_FMT_TCPDUMP, far, N(far), far_listing);
	CHECK_EQ(cbpf_parse(CBPF_FMT_TCPDUMP, far_listing, strlen(far_listing), &p, &d), 0);
	CHECK(same_prog(&p, far, N(far)));
	cbpf_prog_free(&p);
	/* k = 0xffffffff at 0 prints "ja 0" (itself) and reads back */
	const struct cbpf_insn self[] = { { 0x05, 0, 0, 0xffffffff }, { 0x06, 0, 0, 0 } };
	expect_print(CBPF_FMT_TCPDUMP, self, 2, "(000) ja       0\n(001) ret      #0\n");
	CHECK_EQ(cbpf_parse(CBPF_FMT_TCPDUMP, "(000) ja       0\n(001) ret      #0\n", 34, &p, &d), 0);
	CHECK(same_prog(&p, self, 2));
	cbpf_prog_free(&p);
}

/* What the listing parser tolerates: CRLF, trailing and extra blanks,
 * blank lines, libpcap 1.10.3's trailing blanks, spacing inside operands
 * (linux-semantics: pcap.trailing-blanks). */
static void test_listing_tolerance(void)
{
	const char *in = "\r\n(000)   ldh [12]   \r\n\n"
			 "(001) jeq #0x800 jt 2 jf 5\r\n"
			 "( 002 ) ldb      [ x+-3 ]\n"
			 "(003) jeq      #6             jt 4\tjf 5\n"
			 "(004) ret      #4294967295\n"
			 "(005) tax      \n";
	const struct cbpf_insn want[] = {
		{ 0x28, 0, 0, 12 }, { 0x15, 0, 3, 0x800 }, { 0x50, 0, 0, 0xfffffffd },
		{ 0x15, 0, 1, 6 },  { 0x06, 0, 0, 0xffffffff }, { 0x07, 0, 0, 0 },
	};
	struct cbpf_prog p = { 0 };
	struct cbpf_diag d = { 0 };

	CHECK_EQ(cbpf_parse(CBPF_FMT_TCPDUMP, in, strlen(in), &p, &d), 0);
	CHECK(same_prog(&p, want, N(want)));
	cbpf_prog_free(&p);
}

/* dd and bpf_asm -c: one grammar (comments, any spacing, C literals). */
static void test_brace_tolerance(void)
{
	const char *in = "/* filter */\n{ 0x28, 0, 0, 0x0000000c }, // ldh [12]\n"
			 "{0x15,0,1,2048},{ 025 , 0x0 , 00 , 0 } ,\n"
			 "{ 0000,  0,  0, 0000000000 }\r\n";
	const struct cbpf_insn want[] = {
		{ 0x28, 0, 0, 12 }, { 0x15, 0, 1, 2048 }, { 21, 0, 0, 0 }, { 0, 0, 0, 0 },
	};
	struct cbpf_prog p = { 0 };
	struct cbpf_diag d = { 0 };

	CHECK_EQ(cbpf_parse(CBPF_FMT_DD, in, strlen(in), &p, &d), 0);
	CHECK(same_prog(&p, want, N(want)));
	cbpf_prog_free(&p);
	CHECK_EQ(cbpf_parse(CBPF_FMT_C, in, strlen(in), &p, &d), 0);
	CHECK(same_prog(&p, want, N(want)));
	cbpf_prog_free(&p);
	/* without the trailing comma, and empty */
	CHECK_STR(parse_str(CBPF_FMT_DD, "{ 0x6, 0, 0, 0x00000000 }"), "OK");
	CHECK_STR(parse_str(CBPF_FMT_DD, "  \n"), "OK");
	CHECK_STR(parse_str(CBPF_FMT_AUTO, "/* { op, jt, jf, k }, */\n{ 0x28,  0,  0, 0x0000000c },\n"
					   "{ 0x06,  0,  0, 0000000000 },\n"), "OK");
	/* bytecode as iptables-save prints it (no final comma), spread over lines */
	CHECK_STR(parse_str(CBPF_FMT_BYTECODE, "2,6 0 0 1,6 0 0 0"), "OK");
	CHECK_STR(parse_str(CBPF_FMT_BYTECODE, " 2 ,\n6 0 0 1 ,\r\n6\t0 0 0 ,\n"), "OK");
	CHECK_STR(parse_str(CBPF_FMT_BYTECODE, "0"), "OK");
	CHECK_STR(parse_str(CBPF_FMT_DDD, "\n2 \r\n6 0 0 1\n\n6 0 0 0 \r\n\n"), "OK");
	CHECK_STR(parse_str(CBPF_FMT_JSON, " [ [ 6 , 0 , 0 , 1e2 ] ]\n"), "OK");
}

/* A -ddd listing takes C comments where blanks may be: before the count,
 * after any line, and as the last lines (tcpdump -ddd output pasted into a
 * C source with a note). */
static void test_ddd_comments(void)
{
	const struct cbpf_insn want[] = { { 6, 0, 0, 1 } };
	const char *good[] = {
		"1\n6 0 0 1\n// end\n",
		"1\n6 0 0 1\n/* end */",
		"/* ret 1 */\n1 // one instruction\n6 0 0 1 /* ret #1 */\n\n// done\n",
		"// a\n// b\n1\n6 0 0 1 // c\n",
		"1\n6 0 0 1\n# end\n",
		"# tcpdump -ddd 'ret #1'\n  # again\n1 # one\n6 0 0 1 # ret #1\n#\n",
	};

	for (size_t i = 0; i < N(good); i++) {
		struct cbpf_prog p = { 0 };
		struct cbpf_diag d = { 0 };
		CHECK_EQ(cbpf_parse(CBPF_FMT_DDD, good[i], strlen(good[i]), &p, &d), 0);
		CHECK(same_prog(&p, want, 1));
		cbpf_prog_free(&p);
		CHECK_EQ(cbpf_format_detect(good[i], strlen(good[i])), CBPF_FMT_DDD);
		CHECK_STR(parse_str(CBPF_FMT_AUTO, good[i]), "OK");
	}
	CHECK_STR(parse_str(CBPF_FMT_DDD, "1\n6 0 0 1 /* a */ 7\n"),
		  "f:2:17: unexpected '7' after the 4 fields code jt jf k");
	CHECK_STR(parse_str(CBPF_FMT_DDD, "1 /* x */ 2\n"),
		  "f:1:11: unexpected '2' after the instruction count");
	CHECK_STR(parse_str(CBPF_FMT_DDD, "1\n6 0 0 1\n/* open"), "f:3:1: unterminated comment");
	CHECK_STR(parse_str(CBPF_FMT_DDD, "1\n6 0 0 1 # a\n7 0 0 0\n"),
		  "f:3:1: more instructions than the count 1 (line 1)");
	CHECK_EQ(cbpf_format_detect("# x\nld #1\n", 11), CBPF_FMT_BPFASM);
	CHECK_EQ(cbpf_format_detect("#", 1), CBPF_FMT_BPFASM);
}

/* A UTF-8 byte order mark before any text format is skipped (columns
 * count from the byte after it); raw records keep every byte. */
static void test_bom(void)
{
	static const enum cbpf_format text[] = {
		CBPF_FMT_BPFASM, CBPF_FMT_TCPDUMP, CBPF_FMT_DD, CBPF_FMT_DDD,
		CBPF_FMT_BYTECODE, CBPF_FMT_C, CBPF_FMT_JSON,
	};
	const char bom[] = "\xef\xbb\xbf";

	for (size_t f = 0; f < N(text); f++) {
		size_t len;
		char *s = print_fmt(text[f], ip_tcp, N(ip_tcp), &len);
		char *b = malloc(len + 4);
		struct cbpf_prog p = { 0 }, q = { 0 };
		struct cbpf_diag d = { 0 };
		memcpy(b, bom, 3);
		memcpy(b + 3, s, len + 1);
		CHECK_EQ(cbpf_parse(text[f], b, len + 3, &p, &d), 0);
		CHECK(same_prog(&p, ip_tcp, N(ip_tcp)));
		CHECK_EQ(cbpf_format_detect(b, len + 3), text[f] == CBPF_FMT_C ? CBPF_FMT_C : text[f]);
		CHECK_EQ(cbpf_parse(CBPF_FMT_AUTO, b, len + 3, &q, &d), 0);
		CHECK(same_prog(&q, ip_tcp, N(ip_tcp)));
		cbpf_prog_free(&p);
		cbpf_prog_free(&q);
		free(b);
		free(s);
	}
	CHECK_STR(parse_str(CBPF_FMT_BPFASM, "\xef\xbb\xbfret #x\n"), parse_str(CBPF_FMT_BPFASM, "ret #x\n"));
	CHECK_STR(parse_str(CBPF_FMT_DDD, "\xef\xbb\xbf" "1 2\n"), "f:1:3: unexpected '2' after the instruction count");
	CHECK_STR(parse_str(CBPF_FMT_JSON, "\xef\xbb\xbf[7]"),
		  "f:1:2: an instruction must be an array [code, jt, jf, k], got a number");
	CHECK_STR(parse_str(CBPF_FMT_JSON, "\xef\xbb\xbf"),
		  "f:1:1: invalid JSON: unexpected end of input, expected a value");
	CHECK_STR(parse_str(CBPF_FMT_BPFASM, "\xef\xbb\xbf"), "OK");
	/* only at the start */
	CHECK_STR(parse_str(CBPF_FMT_DDD, "1\n\xef\xbb\xbf" "6 0 0 0\n"),
		  "f:2:1: expected a number, found byte 0xef");
	/* raw: the same bytes are an instruction */
	const char raw[8] = { '\xef', '\xbb', '\xbf', 0, 1, 0, 0, 0 };
	struct cbpf_prog p = { 0 };
	struct cbpf_diag d = { 0 };
	CHECK_EQ(cbpf_parse(CBPF_FMT_RAW, raw, 8, &p, &d), 0);
	CHECK(p.len == 1 && p.insns[0].code == 0xbbef && p.insns[0].jt == 0xbf);
	cbpf_prog_free(&p);
}

/* ---- memory ---- */

struct parse_job {
	enum cbpf_format f;
	const char *buf;
	size_t len;
};

static void parse_job_run(void *arg)
{
	const struct parse_job *j = arg;
	struct cbpf_prog p = { 0 };
	struct cbpf_diag d = { 0 };

	if (cbpf_parse(j->f, j->buf, j->len, &p, &d) == 0)
		cbpf_prog_free(&p);
}

/* count copies of item after head. */
static char *repeat_text(const char *head, const char *item, size_t count, size_t *len)
{
	size_t h = strlen(head), i = strlen(item);
	char *s = malloc(h + count * i + 1);

	memcpy(s, head, h);
	for (size_t k = 0; k < count; k++)
		memcpy(s + h + k * i, item, i);
	s[h + count * i] = '\0';
	*len = h + count * i;
	return s;
}

/* Reading a program needs the program (at most 65535 instructions, 512
 * KiB), not a multiple of the input: every format stops at the element
 * after the limit. 30 MB of JSON took 38 times its size as a tree. */
static void test_parse_memory(void)
{
	static const struct {
		enum cbpf_format f;
		const char *head, *item, *error;
	} big[] = {
		{ CBPF_FMT_JSON, "[", "[6,0,0,0],", "f:1:655352: too many instructions (the limit is 65535)" },
		{ CBPF_FMT_DD, "", "{ 0x6, 0, 0, 0x00000000 },\n", "f:65536:1: too many instructions (the limit is 65535)" },
		{ CBPF_FMT_BPFASM, "", "ret #0\n", "f:65536:1: too many instructions (at most 65535)" },
		{ CBPF_FMT_DDD, "65535\n", "6 0 0 0\n", "f:65537:1: more instructions than the count 65535 (line 1)" },
		{ CBPF_FMT_BYTECODE, "65535,", "6 0 0 0,", "f:1:524287: unexpected '6' after the last instruction" },
	};

	for (size_t i = 0; i < N(big); i++) {
		struct parse_job j = { big[i].f, NULL, 0 };
		char *s = repeat_text(big[i].head, big[i].item, 3000000, &j.len);
		long kib;
		j.buf = s;
		CHECK_STR(parse_result(big[i].f, s, j.len), big[i].error);
		kib = peak_growth_kib(parse_job_run, &j);
		check_count++;
		if (kib < 0 || kib >= 8 * 1024)
			CHECK_REPORT_("%s: %zu bytes of input: peak growth %ld KiB (bound 8 MiB)\n",
				      cbpf_format_name(big[i].f), j.len, kib);
		free(s);
	}
}

/* ---- round trips ---- */

static const enum cbpf_format lossless[] = {
	CBPF_FMT_DD, CBPF_FMT_DDD, CBPF_FMT_BYTECODE, CBPF_FMT_C, CBPF_FMT_JSON, CBPF_FMT_RAW,
};

static bool detection_ok(enum cbpf_format printed, enum cbpf_format detected)
{
	if (printed == CBPF_FMT_DD || printed == CBPF_FMT_C)
		return detected == CBPF_FMT_DD || detected == CBPF_FMT_C;
	return printed == detected;
}

static long roundtrip_failures;

static bool has_binary_byte(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];
		if ((b < 0x20 && (b < '\t' || b > '\r')) || b == 0x7f)
			return true;
	}
	return false;
}

/* Print p in f, read it back with f's parser and with auto-detection. */
static void roundtrip(enum cbpf_format f, const struct cbpf_insn *p, size_t n)
{
	struct cbpf_prog back = { 0 };
	struct cbpf_diag d = { 0 };
	size_t len;
	char *s = cbpf_print(f, p, n, &len);
	int ok = s != NULL;

	if (ok && (cbpf_parse(f, s, len, &back, &d) != 0 || !same_prog(&back, p, n)))
		ok = 0;
	cbpf_prog_free(&back);
	/* raw records made only of printable bytes look like text */
	bool detectable = n > 0 && !(f == CBPF_FMT_RAW && s != NULL && !has_binary_byte(s, len));
	if (ok && detectable && !detection_ok(f, cbpf_format_detect(s, len)))
		ok = 0;
	/* and, now and then, the whole cbpf_parse(AUTO) path */
	if (ok && detectable && ts_below(&rng, 8) == 0 &&
	    (cbpf_parse(CBPF_FMT_AUTO, s, len, &back, &d) != 0 || !same_prog(&back, p, n)))
		ok = 0;
	cbpf_prog_free(&back);
	check_count++;
	if (!ok && ++roundtrip_failures <= 5)
		CHECK_REPORT_("round trip failed in %s (n=%zu): %s\n%s\n", cbpf_format_name(f), n,
			      d.msg, s ? s : "(print failed)");
	free(s);
}

enum { ROUNDTRIP_PROGRAMS = 100000, MAX_RANDOM_LEN = 12 };

static void test_roundtrip_random(void)
{
	struct cbpf_insn p[MAX_RANDOM_LEN];

	for (long iter = 0; iter < ROUNDTRIP_PROGRAMS; iter++) {
		size_t n = 1 + ts_below(&rng, MAX_RANDOM_LEN);
		for (size_t i = 0; i < n; i++)
			p[i] = rnd_insn();
		for (size_t f = 0; f < N(lossless); f++)
			roundtrip(lossless[f], p, n);
		for (size_t i = 0; i < n; i++)
			p[i] = rnd_listing_insn(i);
		roundtrip(CBPF_FMT_TCPDUMP, p, n);
	}
	CHECK_EQ(roundtrip_failures, 0);
}

/* p with the fields its opcodes ignore set to 0 (what a -d listing shows;
 * the kernel ignores them too). */
static void mask_unshown(struct cbpf_insn *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cbpf_opinfo *o = cbpf_opinfo(p[i].code);
		if (o == NULL)
			continue;
		if (!(o->uses & CBPF_USES_K))
			p[i].k = 0;
		if (!(o->uses & CBPF_USES_JT))
			p[i].jt = 0;
		if (!(o->uses & CBPF_USES_JF))
			p[i].jf = 0;
	}
}

/* The -d listing of any program reads back to it, up to the fields the
 * listing does not show (zeroed), or is refused exactly where the first
 * invalid opcode is (an `unimp` line: its fields are not shown). Random
 * programs of any instructions: junk fields, unknown codes, ja to
 * anywhere. */
static void test_listing_property(void)
{
	enum { PROGRAMS = 100000, MAXLEN = 16 };
	struct cbpf_insn p[MAXLEN], want[MAXLEN];
	long refused = 0, read_back = 0, bad = 0;

	for (long iter = 0; iter < PROGRAMS; iter++) {
		size_t n = 1 + ts_below(&rng, MAXLEN), first_unimp = n, len;
		for (size_t i = 0; i < n; i++) {
			p[i] = ts_below(&rng, 4) ? rnd_insn() : rnd_listing_insn(i);
			if (ts_below(&rng, 8) == 0) {
				p[i] = rnd_insn();
				p[i].code = 0x05; /* ja: any k reads back */
			}
			if (first_unimp == n && cbpf_opinfo(p[i].code) == NULL)
				first_unimp = i;
		}
		char *s = print_fmt(CBPF_FMT_TCPDUMP, p, n, &len);
		struct cbpf_prog back = { 0 };
		struct cbpf_diag d = { 0 };
		int r = s != NULL ? cbpf_parse(CBPF_FMT_TCPDUMP, s, len, &back, &d) : -2;
		memcpy(want, p, n * sizeof(p[0]));
		mask_unshown(want, n);
		bool ok;
		if (first_unimp < n) {
			ok = r == -1 && d.line == first_unimp + 1 && d.col == 7 &&
			     strstr(d.msg, "an 'unimp' line cannot be read back") == d.msg;
			refused += ok;
		} else {
			ok = r == 0 && same_prog(&back, want, n);
			read_back += ok;
		}
		check_count++;
		if (!ok && ++bad <= 5)
			CHECK_REPORT_("listing round trip (n=%zu, first unimp %zu): %s\n%s", n,
				      first_unimp, r == 0 ? "different program" : d.msg, s);
		cbpf_prog_free(&back);
		free(s);
	}
	CHECK_EQ(bad, 0);
	CHECK(refused > 1000 && read_back > 10000);
}

/* Every one of the 2^16 codes (raw, with junk) in the lossless formats,
 * and every known opcode with extreme fields in the listing. */
static void test_roundtrip_all_codes(void)
{
	enum { CHUNK = 4096 };
	static struct cbpf_insn p[CHUNK];

	for (uint32_t base = 0; base < 0x10000; base += CHUNK) {
		for (uint32_t i = 0; i < CHUNK; i++)
			p[i] = (struct cbpf_insn){ (uint16_t)(base + i), (uint8_t)ts_next(&rng),
						   (uint8_t)ts_next(&rng), rnd_k() };
		for (size_t f = 0; f < N(lossless); f++)
			roundtrip(lossless[f], p, CHUNK);
	}
	for (size_t i = 0; i < CBPF_NOPCODES; i++) {
		const struct cbpf_opinfo *o = cbpf_opinfo_at(i);
		for (size_t v = 0; v < ts_nedges(); v++) {
			struct cbpf_insn in[2] = { { o->code, 0, 0, 0 }, { 0x06, 0, 0, 0 } };
			if (o->uses & CBPF_USES_K)
				in[0].k = ts_edge_at(v);
			if (o->uses & CBPF_USES_JT)
				in[0].jt = (uint8_t)(v * 37);
			if (o->uses & CBPF_USES_JF)
				in[0].jf = (uint8_t)(255 - v);
			roundtrip(CBPF_FMT_TCPDUMP, in, 2);
		}
	}
	CHECK_EQ(roundtrip_failures, 0);
}

/* The largest programs the parsers accept, and one more. */
static void test_limits(void)
{
	enum { MAX = CBPF_PARSE_MAXINSNS };
	struct cbpf_insn *p = calloc(MAX + 1, sizeof(*p));
	struct cbpf_prog back = { 0 };
	struct cbpf_diag d = { 0 };

	for (size_t i = 0; i <= MAX; i++)
		p[i] = (struct cbpf_insn){ 0x06, 0, 0, (uint32_t)i };
	for (size_t f = 0; f < N(lossless); f++)
		roundtrip(lossless[f], p, MAX);
	roundtrip(CBPF_FMT_TCPDUMP, p, MAX);
	for (size_t f = 0; f < N(lossless); f++) {
		size_t len;
		char *s = print_fmt(lossless[f], p, MAX + 1, &len);
		char msg[300];
		CHECK_EQ(cbpf_parse(lossless[f], s, len, &back, &d), -1);
		CHECK(back.len == 0);
		diag_text(&d, "f", msg, sizeof(msg));
		switch (lossless[f]) {
		case CBPF_FMT_DDD:
			CHECK_STR(msg, "f:1:1: instruction count out of range (0..65535)");
			break;
		case CBPF_FMT_BYTECODE:
			CHECK_STR(msg, "f:1:1: instruction count out of range (0..65535)");
			break;
		case CBPF_FMT_RAW:
			CHECK_STR(msg, "f: insn 65535: too many instructions (65536; the limit is 65535)");
			break;
		case CBPF_FMT_JSON:
			CHECK_STR(msg, "f:65536:2: too many instructions (the limit is 65535)");
			break;
		default: /* dd, c */
			CHECK_STR(msg, "f:65536:1: too many instructions (the limit is 65535)");
			break;
		}
		free(s);
	}
	char *s = print_fmt(CBPF_FMT_TCPDUMP, p, MAX + 1, NULL);
	CHECK_STR(parse_str(CBPF_FMT_TCPDUMP, s),
		  "f:65536:1: too many instructions (the limit is 65535)");
	free(s);
	free(p);
}

/* ---- errors ---- */

struct error_case {
	enum cbpf_format f;
	const char *in;
	const char *want;
};

static const struct error_case error_cases[] = {
	/* tcpdump -d */
	{ CBPF_FMT_TCPDUMP, "(000) ldh      [12]\n(001) foo #1\n", "f:2:7: unknown instruction 'foo'" },
	{ CBPF_FMT_TCPDUMP, "(000) unimp    0xe\n",
	  "f:1:7: an 'unimp' line cannot be read back (the listing does not show its jt, jf and k)" },
	{ CBPF_FMT_TCPDUMP, "(000) unimp    0x5d             jt 2\tjf 3\n",
	  "f:1:7: an 'unimp' line cannot be read back (the listing does not show its jt, jf and k)" },
	{ CBPF_FMT_TCPDUMP, "(000) unimp    0x20\n",
	  "f:1:7: an 'unimp' line cannot be read back (the listing does not show its jt, jf and k)" },
	{ CBPF_FMT_TCPDUMP, "(000) unimp    0x10081\n",
	  "f:1:7: an 'unimp' line cannot be read back (the listing does not show its jt, jf and k)" },
	{ CBPF_FMT_TCPDUMP, "(000) ld       x\n", "f:1:16: invalid operand for 'ld'" },
	{ CBPF_FMT_TCPDUMP, "(000) tax      #0x1\n", "f:1:16: invalid operand for 'tax'" },
	{ CBPF_FMT_TCPDUMP, "(001) ret      #0\n",
	  "f:1:2: instruction number 1 out of sequence (expected 0)" },
	{ CBPF_FMT_TCPDUMP, "(000) jeq      #0x800           jt 0\tjf 2\n",
	  "f:1:36: jump target 0 is not after this instruction (the next is 1)" },
	{ CBPF_FMT_TCPDUMP, "(000) ret #0\n(001) jeq #0x800 jt 2 jf 258\n",
	  "f:2:26: jump target 258 is too far (at most 257)" },
	{ CBPF_FMT_TCPDUMP, "(000) ja       2147483648\n",
	  "f:1:16: jump target 2147483648 is out of range (libpcap prints an int: "
	  "-2147483648..2147483647)" },
	{ CBPF_FMT_TCPDUMP, "(000) ja       -2147483649\n",
	  "f:1:16: jump target -2147483649 is out of range (libpcap prints an int: "
	  "-2147483648..2147483647)" },
	{ CBPF_FMT_TCPDUMP, "(000) ja       3 jt 1 jf 2\n",
	  "f:1:21: only conditional jumps have jt/jf targets" },
	{ CBPF_FMT_TCPDUMP, "(000) unimp    0x5d             jt 2\tjf 3\n(001) ret #0\n",
	  "f:1:7: an 'unimp' line cannot be read back (the listing does not show its jt, jf and k)" },
	{ CBPF_FMT_TCPDUMP, "(000) ret      #4294967296\n",
	  "f:1:17: immediate out of range (-2147483648..4294967295)" },
	{ CBPF_FMT_TCPDUMP, "(000) ret      #-2147483649\n",
	  "f:1:17: immediate out of range (-2147483648..4294967295)" },
	{ CBPF_FMT_TCPDUMP, "(000) ld       [foo]\n", "f:1:17: unknown extension 'foo'" },
	{ CBPF_FMT_TCPDUMP, "(000) ldb      [vlan_avail]\n", "f:1:17: unknown extension 'vlan_avail'" },
	{ CBPF_FMT_TCPDUMP, "(000) ret      #0 ,\n", "f:1:19: unexpected ',' after the instruction" },
	{ CBPF_FMT_TCPDUMP, "(000) tax      jt 1\tjf 2\n",
	  "f:1:19: only conditional jumps have jt/jf targets" },
	{ CBPF_FMT_TCPDUMP, "(000) jeq      #0x1\n", "f:1:7: 'jeq' needs 'jt N' and 'jf N' targets" },
	{ CBPF_FMT_TCPDUMP, "(000) jeq      #0x1 jt 1\n", "f:1:25: expected 'jf'" },
	{ CBPF_FMT_TCPDUMP, "ld #1\n", "f:1:1: expected '(' starting an instruction line, found 'l'" },
	{ CBPF_FMT_TCPDUMP, "(000) ld       [x + ]\n", "f:1:21: expected a number, found ']'" },
	{ CBPF_FMT_TCPDUMP, "(000) ldxb     4*([14]&0xe)\n", "f:1:24: expected '0xf' in 4*([k]&0xf)" },
	{ CBPF_FMT_TCPDUMP, "(000) ld       #0x\n", "f:1:19: expected hexadecimal digits after 0x" },
	{ CBPF_FMT_TCPDUMP, "(000) ret      #12a\n", "f:1:19: invalid character 'a' in number" },
	{ CBPF_FMT_TCPDUMP, "(000) ret      #0\x01\n", "f:1:18: unexpected byte 0x01 after the instruction" },
	/* -dd / bpf_asm -c */
	{ CBPF_FMT_DD, "{ 0x10000, 0, 0, 0 },", "f:1:3: code out of range (0..65535)" },
	{ CBPF_FMT_DD, "{ 0x6, 256, 0, 0 },", "f:1:8: jt out of range (0..255)" },
	{ CBPF_FMT_C, "{ 0x06,  0, 0400, 0 },", "f:1:13: jf out of range (0..255)" },
	{ CBPF_FMT_DD, "{ 0x6, 0, 0, 0x100000000 }", "f:1:14: k out of range (0..4294967295)" },
	{ CBPF_FMT_DD, "{ 0x6, 0, 0, 0 }\n{ 0x6, 0, 0, 0 }",
	  "f:2:1: expected ',' after '}', found '{'" },
	{ CBPF_FMT_DD, "{ 0x6, 0, 0 }", "f:1:13: expected ',', found '}'" },
	{ CBPF_FMT_C, "{ 0x06, 0, 0, 09 }", "f:1:16: invalid character '9' in number" },
	{ CBPF_FMT_C, "{ 0x06, 0, 0, -1 }", "f:1:15: expected a number, found '-'" },
	{ CBPF_FMT_DD, "\n/* unterminated", "f:2:1: unterminated comment" },
	{ CBPF_FMT_DD, "{ 0x6, 0, 0, 0 },,", "f:1:18: expected '{' starting an instruction, found ','" },
	{ CBPF_FMT_DD, "{ 0x6, 0, 0, 0 ", "f:1:16: expected '}', found end of input" },
	{ CBPF_FMT_DD, "struct sock_filter f[] = {", "f:1:1: expected '{' starting an instruction, found 's'" },
	/* -ddd */
	{ CBPF_FMT_DDD, "2\n6 0 0 0\n", "f:3:1: the count (line 1) says 2 instructions, found 1" },
	{ CBPF_FMT_DDD, "1\n6 0 0 0\n6 0 0 0\n", "f:3:1: more instructions than the count 1 (line 1)" },
	{ CBPF_FMT_DDD, "1\n6 0 0\n6\n", "f:2:6: expected a number, found end of line" },
	{ CBPF_FMT_DDD, "1 2\n", "f:1:3: unexpected '2' after the instruction count" },
	{ CBPF_FMT_DDD, "65536\n", "f:1:1: instruction count out of range (0..65535)" },
	{ CBPF_FMT_DDD, "1\n6 0 0 0 7\n", "f:2:9: unexpected '7' after the 4 fields code jt jf k" },
	{ CBPF_FMT_DDD, "1\n6 0 0 0x1\n", "f:2:8: invalid character 'x' in number" },
	{ CBPF_FMT_DDD, "1\n65536 0 0 0\n", "f:2:1: code out of range (0..65535)" },
	{ CBPF_FMT_DDD, "", "f:1:1: expected a number, found end of input" },
	/* bytecode */
	{ CBPF_FMT_BYTECODE, "2,6 0 0 0,", "f:1:11: the count says 2 instructions, found 1" },
	{ CBPF_FMT_BYTECODE, "1,6 0 0 0,6 0 0 0,", "f:1:11: unexpected '6' after the last instruction" },
	{ CBPF_FMT_BYTECODE, "1 6 0 0 0", "f:1:3: expected ',' after the instruction count, found '6'" },
	{ CBPF_FMT_BYTECODE, "2,6 0 0 0 6 0 0 0", "f:1:11: expected ',' between instructions, found '6'" },
	{ CBPF_FMT_BYTECODE, "1,6 0 0 0x5", "f:1:10: invalid character 'x' in number" },
	{ CBPF_FMT_BYTECODE, "1,6 0 0 4294967296,", "f:1:9: k out of range (0..4294967295)" },
	{ CBPF_FMT_BYTECODE, "1,6 0 256 0,", "f:1:7: jf out of range (0..255)" },
	/* json */
	{ CBPF_FMT_JSON, "[[6,0,0,0],[6,0,0]]", "f:1:12: an instruction needs 4 fields [code, jt, jf, k], got 3" },
	{ CBPF_FMT_JSON, "[[6,0,0]]", "f:1:2: an instruction needs 4 fields [code, jt, jf, k], got 3" },
	{ CBPF_FMT_JSON, "[[]]", "f:1:2: an instruction needs 4 fields [code, jt, jf, k], got 0" },
	{ CBPF_FMT_JSON, "[[6,0,0,0,9]]", "f:1:11: an instruction has only 4 fields [code, jt, jf, k]" },
	{ CBPF_FMT_JSON, "[[6,0,0,0],{\"a\":1}]", "f:1:12: an instruction must be an array [code, jt, jf, k], got an object" },
	{ CBPF_FMT_JSON, "{\"a\":1}", "f:1:1: expected an array of [code, jt, jf, k] arrays, got an object" },
	{ CBPF_FMT_JSON, "", "f:1:1: invalid JSON: unexpected end of input, expected a value" },
	{ CBPF_FMT_JSON, "[[6,0,0,0x1]]", "f:1:10: invalid JSON: unexpected 'x', expected ',' or ']'" },
	{ CBPF_FMT_JSON, "[[6,0,0,1],]", "f:1:12: invalid JSON: unexpected ']', expected a value" },
	{ CBPF_FMT_JSON, "[[6,0,0,\"\\q\"]]", "f:1:9: k must be an integer in 0..4294967295" },
	{ CBPF_FMT_JSON, "[[6,0,0,-1]]", "f:1:9: k must be an integer in 0..4294967295" },
	{ CBPF_FMT_JSON, "[[6,0,0,1.5]]", "f:1:9: k must be an integer in 0..4294967295" },
	{ CBPF_FMT_JSON, "[\n [6, 256, 0, 0]]", "f:2:6: jt must be an integer in 0..255" },
	{ CBPF_FMT_JSON, "[\n [\"6\", 0, 0, 0]]", "f:2:3: code must be an integer in 0..65535" },
	{ CBPF_FMT_JSON, " {}", "f:1:2: expected an array of [code, jt, jf, k] arrays, got an object" },
	{ CBPF_FMT_JSON, "[[6,0,0,0],\n 7]", "f:2:2: an instruction must be an array [code, jt, jf, k], got a number" },
	{ CBPF_FMT_JSON, "[[6,0,0,0]", "f:1:11: invalid JSON: unexpected end of input, expected ',' or ']'" },
	{ CBPF_FMT_JSON, "[[6,0,0,0]]\n]", "f:2:1: invalid JSON: unexpected ']', expected end of input" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < N(error_cases); i++) {
		const char *got = parse_str(error_cases[i].f, error_cases[i].in);
		check_count++;
		if (strcmp(got, error_cases[i].want) != 0)
			CHECK_REPORT_("error case %zu (%s, \"%s\"):\n  got:  %s\n  want: %s\n", i,
				      cbpf_format_name(error_cases[i].f), error_cases[i].in, got,
				      error_cases[i].want);
	}
	/* raw: a length that is not a whole number of records names the offset */
	const char raw12[12] = { 6, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0 };
	CHECK_STR(parse_result(CBPF_FMT_RAW, raw12, sizeof(raw12)),
		  "f: insn 1: 4 trailing bytes at offset 8: the input (12 bytes) is not a whole "
		  "number of 8-byte instructions");
	CHECK_STR(parse_result(CBPF_FMT_RAW, raw12, 3),
		  "f: insn 0: 3 trailing bytes at offset 0: the input (3 bytes) is not a whole "
		  "number of 8-byte instructions");
	CHECK_STR(parse_result(CBPF_FMT_RAW, "", 0), "OK");
	/* ... and fills every field as any failure does (found by fuzz_text's
	 * diagnostic check: code was left at CBPF_OK) */
	{
		struct cbpf_prog rp = { 0 };
		struct cbpf_diag rd;
		memset(&rd, 0x55, sizeof(rd));
		CHECK_EQ(cbpf_parse(CBPF_FMT_RAW, raw12, sizeof(raw12), &rp, &rd), -1);
		CHECK_EQ(rd.code, CBPF_ERR_INPUT);
		CHECK_EQ(rd.errnum, 0);
		CHECK(rd.rule == NULL);
		CHECK_EQ(rd.line, 0);
		CHECK_EQ(rd.col, 0);
		CHECK_EQ(rd.insn, 1);
		CHECK_EQ(rd.offset, -1);
		CHECK_EQ(rp.len, 0);
		cbpf_prog_free(&rp);
	}
	/* ... with numbers of every width (the message is not printf's) */
	{
		static const size_t lens[] = { 1, 7, 15, 17, 79, 801, 9999, 123457, 524279 };
		char *big = calloc(524279, 1), want[256];
		for (size_t i = 0; big != NULL && i < N(lens); i++) {
			snprintf(want, sizeof(want), "f: insn %zu: %zu trailing bytes at offset %zu: the "
				 "input (%zu bytes) is not a whole number of 8-byte instructions",
				 lens[i] / 8, lens[i] % 8, lens[i] / 8 * 8, lens[i]);
			CHECK_STR(parse_result(CBPF_FMT_RAW, big, lens[i]), want);
		}
		free(big);
	}
	/* the dispatcher */
	struct cbpf_prog p = { 0 };
	struct cbpf_diag d = { 0 };
	CHECK_EQ(cbpf_parse(CBPF_FMT_COUNT, "", 0, &p, &d), -1);
	CHECK_STR(d.msg, "unknown format 9");
	CHECK(cbpf_print(CBPF_FMT_AUTO, ip_tcp, 1, NULL) == NULL);
	CHECK(cbpf_print(CBPF_FMT_COUNT, ip_tcp, 1, NULL) == NULL);
}

static void test_names(void)
{
	static const char *const names[CBPF_FMT_COUNT] = {
		"auto", "bpfasm", "tcpdump", "dd", "ddd", "bytecode", "c", "json", "raw",
	};
	enum cbpf_format f;

	for (int i = 0; i < CBPF_FMT_COUNT; i++) {
		CHECK_STR(cbpf_format_name((enum cbpf_format)i), names[i]);
		CHECK_EQ(cbpf_format_from_name(names[i], &f), 0);
		CHECK_EQ(f, i);
	}
	CHECK(cbpf_format_name(CBPF_FMT_COUNT) == NULL);
	CHECK_EQ(cbpf_format_from_name("DDD", &f), -1);
	CHECK_EQ(cbpf_format_from_name("", &f), -1);
	CHECK_EQ(cbpf_format_from_name(NULL, &f), -1);
}

/* ---- detection ---- */

struct detect_case {
	const char *in;
	size_t len; /* 0: strlen */
	enum cbpf_format want;
};

static const struct detect_case detect_cases[] = {
	{ "", 0, CBPF_FMT_BPFASM },
	{ "ld #1\nret a\n", 0, CBPF_FMT_BPFASM },
	{ "/* x */ ldh [12]\n", 0, CBPF_FMT_BPFASM },
	{ "l1: ret #0\n", 0, CBPF_FMT_BPFASM },
	{ "[[6,0,0,0]]", 0, CBPF_FMT_JSON },
	{ " \n\t[]", 0, CBPF_FMT_JSON },
	{ "{ 0x6, 0, 0, 0x00000000 },", 0, CBPF_FMT_DD },
	{ "{ 0x06,  0,  0, 0000000000 },", 0, CBPF_FMT_C },
	{ "{ 0x28, 0, 0, 0x0000000c },", 0, CBPF_FMT_DD },
	{ "{ 0x28,  0,  0, 0x0000000c },", 0, CBPF_FMT_C },
	{ "/* c */ { 0000, 12, 12, 0x00000001 }", 0, CBPF_FMT_C },
	/* bpf_dbg's `dump` (same lines as bpf_asm -c, after a comment) */
	{ "/* { op, jt, jf, k }, */\n{ 0x28,  0,  0, 0x0000000c },\n", 0, CBPF_FMT_C },
	{ "{ 0x28, 12, 12, 0x0000000c },\n{ 0x28, 12, 12, 0x00000000 },", 0, CBPF_FMT_DD },
	{ "{ 0x28, 12, 12, 0x0000000c },\n{ 0x28, 12, 12, 0000000000 },", 0, CBPF_FMT_C },
	{ "{ 0x28, 12, 12, 0x0000000c }", 0, CBPF_FMT_DD }, /* undecidable: dd */
	{ "{", 0, CBPF_FMT_DD },
	/* a JSON object is JSON (whose reader then asks for an array), not -dd */
	{ "{\"a\":1}", 0, CBPF_FMT_JSON },
	{ " {\n  \"program\": []}", 0, CBPF_FMT_JSON },
	{ "{}", 0, CBPF_FMT_JSON },
	{ "/* c */ { }", 0, CBPF_FMT_JSON },
	{ "(000) ret      #0", 0, CBPF_FMT_TCPDUMP },
	{ "\r\n ( 12 ) foo", 0, CBPF_FMT_TCPDUMP },
	{ "(x) foo", 0, CBPF_FMT_BPFASM },
	{ "4\n40 0 0 12\n21 0 1 2048\n6 0 0 1\n6 0 0 0\n", 0, CBPF_FMT_DDD },
	{ "0\n", 0, CBPF_FMT_DDD },
	{ "7", 0, CBPF_FMT_DDD },
	{ "1,6 0 0 0,", 0, CBPF_FMT_BYTECODE },
	{ "  4 ,40 0 0 12", 0, CBPF_FMT_BYTECODE },
	{ "5 6", 0, CBPF_FMT_BPFASM },
	{ "\x06\0\0\0\0\0\0\0", 8, CBPF_FMT_RAW },
	{ "\x06\0\0\0\0\0\0\0\x06\0\0\0", 12, CBPF_FMT_RAW },     /* odd tail: raw names it */
	{ "ld #1\nret #0\n\x01" "abcd", 0, CBPF_FMT_BPFASM },     /* stray control byte in text */
	{ "ld #1\nret #0\n\x01\x02\x03", 0, CBPF_FMT_RAW },       /* ... unless a multiple of 8 */
	{ "\x01" "bcdefghijklmnopq" "r", 0, CBPF_FMT_RAW },        /* ... or in the first record */
	{ "\x30\x31\x32\x33\x34\x35\x36\x37", 8, CBPF_FMT_DDD },  /* printable bytes are text */
};

static void test_detection(void)
{
	for (size_t i = 0; i < N(detect_cases); i++) {
		const struct detect_case *c = &detect_cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		enum cbpf_format got = cbpf_format_detect(c->in, len);
		check_count++;
		if (got != c->want)
			CHECK_REPORT_("detect case %zu: got %s, want %s\n", i, cbpf_format_name(got),
				      cbpf_format_name(c->want));
	}
	CHECK_EQ(cbpf_format_detect(NULL, 0), CBPF_FMT_BPFASM);
	/* the bpf_asm printer's output is detected as bpf_asm */
	for (int iter = 0; iter < 2000; iter++) {
		struct cbpf_insn p[8];
		size_t n = 1 + ts_below(&rng, 8), len;
		for (size_t i = 0; i < n; i++)
			p[i] = rnd_insn();
		char *s = cbpf_print(CBPF_FMT_BPFASM, p, n, &len);
		CHECK(s != NULL);
		if (s != NULL)
			CHECK_EQ(cbpf_format_detect(s, len), CBPF_FMT_BPFASM);
		free(s);
	}
}

/* ---- garbage ---- */

static const enum cbpf_format all_parsers[] = {
	CBPF_FMT_AUTO, CBPF_FMT_TCPDUMP, CBPF_FMT_DD,   CBPF_FMT_DDD, CBPF_FMT_BYTECODE,
	CBPF_FMT_C,    CBPF_FMT_JSON,    CBPF_FMT_RAW,  CBPF_FMT_BPFASM,
};

static bool is_mine(enum cbpf_format f)
{
	return f != CBPF_FMT_AUTO && f != CBPF_FMT_BPFASM;
}

/* Any bytes give a program that prints and reads back identically, or an
 * error with a position and an empty program. */
static void feed(enum cbpf_format f, const char *buf, size_t len)
{
	struct cbpf_prog p = { 0 }, back = { 0 };
	struct cbpf_diag d = { .line = 99, .col = 99, .insn = 99 };

	if (cbpf_parse(f, buf, len, &p, &d) != 0) {
		CHECK(p.len == 0 && p.insns == NULL && d.msg[0] != '\0');
		if (f == CBPF_FMT_RAW)
			CHECK(d.line == 0 && d.insn >= 0);
		else if (is_mine(f))
			CHECK(d.line >= 1 && d.col >= 1 && d.insn == -1);
		return;
	}
	if (is_mine(f)) {
		size_t outlen;
		char *s = cbpf_print(f, p.insns, p.len, &outlen);
		CHECK(s != NULL && cbpf_parse(f, s, outlen, &back, &d) == 0 &&
		      same_prog(&back, p.insns, p.len));
		cbpf_prog_free(&back);
		free(s);
	}
	cbpf_prog_free(&p);
}

static const char garbage_alphabet[] = "0123456789abcdefx{}[](),#-+*&M \n\t\r/\"jtfldhrexq.:;%";

static char garbage_char(void)
{
	return garbage_alphabet[ts_below(&rng, sizeof(garbage_alphabet) - 1)];
}

static void test_garbage(void)
{
	char buf[96];
	const enum cbpf_format sources[] = {
		CBPF_FMT_TCPDUMP, CBPF_FMT_DD, CBPF_FMT_DDD, CBPF_FMT_BYTECODE,
		CBPF_FMT_C, CBPF_FMT_JSON, CBPF_FMT_RAW,
	};

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = ts_below(&rng, sizeof(buf));
		for (size_t i = 0; i < len; i++)
			buf[i] = ts_below(&rng, 4) ? garbage_char() : (char)ts_next(&rng);
		for (size_t f = 0; f < N(all_parsers); f++)
			feed(all_parsers[f], buf, len);
	}
	/* mutations of valid printed programs: flip, insert, delete, truncate */
	for (int iter = 0; iter < 20000; iter++) {
		struct cbpf_insn p[4];
		size_t n = 1 + ts_below(&rng, 4), len;
		enum cbpf_format src = sources[ts_below(&rng, N(sources))];
		for (size_t i = 0; i < n; i++)
			p[i] = src == CBPF_FMT_TCPDUMP ? rnd_listing_insn(i) : rnd_insn();
		char *s = cbpf_print(src, p, n, &len);
		char *m = malloc(len + 8);
		memcpy(m, s, len);
		for (int k = 0; k < 1 + (int)ts_below(&rng, 3); k++) {
			size_t at = len ? ts_below(&rng, (uint32_t)len) : 0;
			switch (ts_below(&rng, 4)) {
			case 0: if (len) m[at] = garbage_char(); break;
			case 1: if (len) m[at] = (char)ts_next(&rng); break;
			case 2: if (len) { memmove(m + at, m + at + 1, len - at - 1); len--; } break;
			default: len = at; break;
			}
		}
		for (size_t f = 0; f < N(all_parsers); f++)
			feed(all_parsers[f], m, len);
		free(m);
		free(s);
	}
}

/* ---- the commands ---- */

static char tmpdir[64];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = calloc(1, 1 << 20);
	size_t n = 0;

	if (f != NULL) {
		n = fread(b, 1, (1 << 20) - 1, f);
		fclose(f);
	}
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

static void spit(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_EQ(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* A path in tmpdir (a few rotating buffers: callers keep at most 8). */
static char *tmp_path(const char *name)
{
	static char path[8][128];
	static int next;
	char *p = path[next++ % 8];
	snprintf(p, 128, "%s/%s", tmpdir, name);
	return p;
}

struct run_result {
	int status;
	char *out;
	size_t out_len;
	char *err;
};

/* Run CBPF_BIN with args, stdin from a file (or /dev/null). */
static struct run_result run_cbpf(const char *stdin_path, const char *const *args)
{
	const char *bin = getenv("CBPF_BIN");
	char *argv[16];
	int n = 0;
	struct run_result r = { -1, NULL, 0, NULL };
	char outp[128], errp[128];
	pid_t pid;

	snprintf(outp, sizeof(outp), "%s/.stdout", tmpdir);
	snprintf(errp, sizeof(errp), "%s/.stderr", tmpdir);

	argv[n++] = (char *)bin;
	while (*args != NULL && n < 15)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
		int out = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0 || err < 0)
			_exit(127);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		execv(bin, argv);
		_exit(127);
	}
	if (pid > 0) {
		int st;
		waitpid(pid, &st, 0);
		r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	r.out = slurp(outp, &r.out_len);
	r.err = slurp(errp, NULL);
	unlink(outp);
	unlink(errp);
	return r;
}

static void free_run(struct run_result *r)
{
	free(r->out);
	free(r->err);
}

#define RUN(stdin_path, ...) run_cbpf(stdin_path, (const char *const[]){ __VA_ARGS__, NULL })

/* Files in tmpdir other than the ones the test made (temp files left by a
 * non-atomic write would show up here). */
static int count_files(void)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	while (dir != NULL && (e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	if (dir)
		closedir(dir);
	return n;
}

static const char asm_src[] = "\tldh [12]\n\tjeq #0x800, ip, drop\nip:\tret #-1\ndrop:\tret #0\n";
static const char asm_ddd[] = "4\n40 0 0 12\n21 0 1 2048\n6 0 0 4294967295\n6 0 0 0\n";

static void test_cmd_usage(void)
{
	struct run_result r = RUN(NULL, "asm", "--help");
	CHECK_EQ(r.status, 0);
	CHECK(strncmp(r.out, "usage: cbpf asm ", 16) == 0);
	free_run(&r);
	r = RUN(NULL, "disasm", "-h");
	CHECK_EQ(r.status, 0);
	CHECK(strncmp(r.out, "usage: cbpf disasm ", 19) == 0);
	free_run(&r);
	r = RUN(NULL, "asm", "-x");
	CHECK_EQ(r.status, 2);
	CHECK_STR(r.err, "cbpf asm: unknown option '-x'\n(`cbpf asm --help` for usage)\n");
	free_run(&r);
	r = RUN(NULL, "asm", "-f", "dd");
	CHECK_EQ(r.status, 2); /* asm reads bpf_asm text only */
	free_run(&r);
	r = RUN(NULL, "disasm", "-o", "auto");
	CHECK_EQ(r.status, 2);
	CHECK_STR(r.err, "cbpf disasm: unknown format 'auto'\n(`cbpf disasm --help` for usage)\n");
	free_run(&r);
	r = RUN(NULL, "disasm", "-f", "yaml");
	CHECK_EQ(r.status, 2);
	free_run(&r);
	r = RUN(NULL, "disasm", "-o");
	CHECK_EQ(r.status, 2);
	free_run(&r);
	r = RUN(NULL, "disasm", "a", "b");
	CHECK_EQ(r.status, 2);
	CHECK_STR(r.err, "cbpf disasm: more than one input file ('b')\n(`cbpf disasm --help` for usage)\n");
	free_run(&r);
	r = RUN(NULL, "disasm", tmp_path("missing"));
	CHECK_EQ(r.status, 2);
	free_run(&r);
}

static void test_cmd_asm(void)
{
	char *src = tmp_path("a.s"), *bad = tmp_path("bad.s");
	struct run_result r;

	spit(src, asm_src, strlen(asm_src));
	r = RUN(NULL, "asm", src);
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, asm_ddd);
	CHECK_STR(r.err, "");
	free_run(&r);
	r = RUN(src, "asm", "-o", "bytecode", "-");
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "4,40 0 0 12,21 0 1 2048,6 0 0 4294967295,6 0 0 0,\n");
	free_run(&r);
	r = RUN(src, "asm", "-otcpdump");
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "(000) ldh      [12]\n(001) jeq      #0x800           jt 2\tjf 3\n"
			 "(002) ret      #-1\n(003) ret      #0\n");
	free_run(&r);
	r = RUN(src, "asm", "-o", "raw");
	CHECK_EQ(r.status, 0);
	CHECK_EQ(r.out_len, 32);
	free_run(&r);
	/* a rejected input: one line FILE:LINE:COL: message, exit 1, no output */
	const char bad_src[] = "ldh [12]\nret #0\njeq #1, nowhere\n";
	struct cbpf_prog p = { 0 };
	struct cbpf_diag d = { 0 };
	char want[600];
	spit(bad, bad_src, strlen(bad_src));
	CHECK_EQ(cbpf_parse(CBPF_FMT_BPFASM, bad_src, strlen(bad_src), &p, &d), -1);
	diag_text(&d, bad, want, sizeof(want) - 1);
	strcat(want, "\n");
	CHECK(d.line == 3 && d.col >= 1);
	r = RUN(NULL, "asm", bad);
	CHECK_EQ(r.status, 2); /* unparsable: tools/load.h's exit policy */
	CHECK_STR(r.err, want);
	CHECK_STR(r.out, "");
	free_run(&r);
	unlink(src);
	unlink(bad);
}

static void test_cmd_disasm(void)
{
	char *in = tmp_path("in.txt");
	struct run_result r;
	const char listing[] = "(000) ldh      [12]\n(001) bogus    #1\n";

	/* auto-detection: ddd in, listing out */
	spit(in, asm_ddd, strlen(asm_ddd));
	r = RUN(NULL, "disasm", "-o", "dd", in);
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n"
			 "{ 0x6, 0, 0, 0xffffffff },\n{ 0x6, 0, 0, 0x00000000 },\n");
	free_run(&r);
	/* the default output assembles back to the same program */
	r = RUN(NULL, "disasm", in);
	CHECK_EQ(r.status, 0);
	{
		struct cbpf_prog p = { 0 };
		struct cbpf_diag d = { 0 };
		const struct cbpf_insn want[] = {
			{ 0x28, 0, 0, 12 }, { 0x15, 0, 1, 0x800 }, { 6, 0, 0, 0xffffffff }, { 6, 0, 0, 0 },
		};
		CHECK_EQ(cbpf_parse(CBPF_FMT_BPFASM, r.out, r.out_len, &p, &d), 0);
		CHECK(same_prog(&p, want, 4));
		cbpf_prog_free(&p);
	}
	free_run(&r);
	/* a forced input format that does not match */
	r = RUN(NULL, "disasm", "-f", "bytecode", in);
	CHECK_EQ(r.status, 2); /* unparsable: tools/load.h's exit policy */
	{
		char want[300];
		snprintf(want, sizeof(want), "%s:2:1: expected ',' after the instruction count, found '4'\n", in);
		CHECK_STR(r.err, want);
	}
	free_run(&r);
	/* error line of a listing on stdin */
	spit(in, listing, strlen(listing));
	r = RUN(in, "disasm", "-o", "json");
	CHECK_EQ(r.status, 2); /* unparsable: tools/load.h's exit policy */
	CHECK_STR(r.err, "<stdin>:2:7: unknown instruction 'bogus'\n");
	CHECK_STR(r.out, "");
	free_run(&r);
	/* raw in (detected), json out */
	const char raw[16] = { 0x15, 0, 1, 2, 7, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0 };
	spit(in, raw, sizeof(raw));
	r = RUN(NULL, "disasm", "-o", "json", in);
	CHECK_EQ(r.status, 0);
	if (*(const unsigned char *)&(uint16_t){ 1 } == 1) /* little-endian host */
		CHECK_STR(r.out, "[[21,1,2,7],\n [6,0,0,0]]\n");
	free_run(&r);
	spit(in, raw, 13);
	r = RUN(NULL, "disasm", in);
	CHECK_EQ(r.status, 2); /* unparsable: tools/load.h's exit policy */
	{
		char want[300];
		snprintf(want, sizeof(want), "%s: insn 1: 5 trailing bytes at offset 8: the input "
			 "(13 bytes) is not a whole number of 8-byte instructions\n", in);
		CHECK_STR(r.err, want);
	}
	free_run(&r);
	unlink(in);
}

/* -O writes through a temporary file and a rename: the result appears
 * whole, and a rejected input leaves an existing file untouched. */
static void test_cmd_atomic_output(void)
{
	char *src = tmp_path("a.s"), *out = tmp_path("out.ddd"), *bad = tmp_path("bad.s");
	struct run_result r;
	int before;

	spit(src, asm_src, strlen(asm_src));
	spit(bad, "ret #0\nfoo\n", 11);
	before = count_files();
	r = RUN(NULL, "asm", "-O", out, src);
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "");
	free_run(&r);
	char *got = slurp(out, NULL);
	CHECK_STR(got, asm_ddd);
	free(got);
	CHECK_EQ(count_files(), before + 1); /* out.ddd only: no temporary left */
	r = RUN(NULL, "asm", "-O", out, bad);
	CHECK_EQ(r.status, 2); /* unparsable: tools/load.h's exit policy */
	free_run(&r);
	got = slurp(out, NULL);
	CHECK_STR(got, asm_ddd);
	free(got);
	CHECK_EQ(count_files(), before + 1);
	/* an unwritable destination: exit 2, the message names it (not the
	 * temporary file), nothing left behind */
	r = RUN(NULL, "disasm", "-O", tmp_path("no/such/dir/x"), out);
	CHECK_EQ(r.status, 2);
	{
		char want[400];
		snprintf(want, sizeof(want), "cbpf: %s: No such file or directory\n",
			 tmp_path("no/such/dir/x"));
		CHECK_STR(r.err, want);
	}
	free_run(&r);
	CHECK_EQ(count_files(), before + 1);
	r = RUN(NULL, "disasm", "-o", "raw", "-O", out, out);
	CHECK_EQ(r.status, 0);
	free_run(&r);
	size_t len;
	got = slurp(out, &len);
	CHECK_EQ(len, 32);
	free(got);
	unlink(out);
	unlink(src);
	unlink(bad);
}

static void test_commands(void)
{
	const char *bin = getenv("CBPF_BIN");

	if (bin == NULL || access(bin, X_OK) != 0) {
		fprintf(stderr, "note: CBPF_BIN not set or not executable; command tests skipped\n");
		return;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cbpf-formats-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	test_cmd_usage();
	test_cmd_asm();
	test_cmd_disasm();
	test_cmd_atomic_output();
	rmdir(tmpdir);
}

int main(void)
{
	test_names();
	test_exact_texts();
	test_raw_bytes();
	test_listing_operands();
	test_listing_tolerance();
	test_brace_tolerance();
	test_ddd_comments();
	test_bom();
	test_errors();
	test_detection();
	test_roundtrip_random();
	test_roundtrip_all_codes();
	test_listing_property();
	test_limits();
	test_parse_memory();
	test_garbage();
	test_commands();
	return CHECK_DONE();
}
