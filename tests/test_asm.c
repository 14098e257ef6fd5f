/*
 * test_asm.c - the bpf_asm assembler (cbpf_parse(CBPF_FMT_BPFASM)) and disassembler
 * (cbpf_print(CBPF_FMT_BPFASM)): exact bytes for every mnemonic and addressing mode
 * (checked against the bytes filter.rst documents for the real bpf_asm),
 * number forms, comments, case rules, labels, every error with its
 * line:column, the disassemble->assemble identity on all 65536 opcodes and
 * on 200,000 random programs, and garbage input that must give an error,
 * never a crash.
 */
#include "check.h"

#include <stdbool.h>
#include <stdint.h>

#include "cbpf/format.h"
#include "cbpf/opcode.h"
#include "rng.h"

#include "format/bpfasm/lex.h"

#ifdef CBPF_HAVE_PCAP
#include <pcap/pcap.h>
#endif

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static int assemble_n(const char *src, size_t len, struct cbpf_prog *p, struct cbpf_diag *d)
{
	memset(p, 0, sizeof(*p));
	memset(d, 0, sizeof(*d));
	return cbpf_parse(CBPF_FMT_BPFASM, src, len, p, d);
}

static int assemble(const char *src, struct cbpf_prog *p, struct cbpf_diag *d)
{
	return assemble_n(src, strlen(src), p, d);
}

static bool same_insns(const struct cbpf_insn *a, const struct cbpf_insn *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].code != b[i].code || a[i].jt != b[i].jt || a[i].jf != b[i].jf ||
		    a[i].k != b[i].k)
			return false;
	return true;
}

/* src assembles to exactly want[0..n). */
static void expect_bytes(const char *src, const struct cbpf_insn *want, size_t n, int line)
{
	struct cbpf_prog p;
	struct cbpf_diag d;
	int rc = assemble(src, &p, &d);

	check_count++;
	if (rc != 0) {
		CHECK_REPORT_("line %d: %s: error %u:%u: %s\n", line, src, d.line, d.col, d.msg);
		return;
	}
	if (p.len != n || !same_insns(p.insns, want, n)) {
		CHECK_REPORT_("line %d: %s: wrong bytes (%zu insns):\n", line, src, p.len);
		for (size_t i = 0; i < p.len && check_failures <= CHECK_FAIL_LIMIT; i++)
			fprintf(stderr, "  { 0x%02x, %u, %u, 0x%08x }\n", p.insns[i].code,
				p.insns[i].jt, p.insns[i].jf, p.insns[i].k);
	}
	cbpf_prog_free(&p);
}

/* src (of length len) is refused at line:col with exactly msg. */
static void expect_error_n(const char *src, size_t len, unsigned line, unsigned col,
			   const char *msg, int where)
{
	struct cbpf_prog p;
	struct cbpf_diag d;
	int rc = assemble_n(src, len, &p, &d);

	check_count++;
	if (rc == 0) {
		CHECK_REPORT_("line %d: accepted (%zu insns), want %u:%u: %s\n", where, p.len, line,
			      col, msg);
		cbpf_prog_free(&p);
		return;
	}
	if (d.line != line || d.col != col || strcmp(d.msg, msg) != 0)
		CHECK_REPORT_("line %d: got %u:%u: %s\n          want %u:%u: %s\n", where, d.line,
			      d.col, d.msg, line, col, msg);
	CHECK(p.len == 0 && p.insns == NULL);
}

static void expect_error(const char *src, unsigned line, unsigned col, const char *msg,
			 int where)
{
	expect_error_n(src, strlen(src), line, col, msg, where);
}

/* print, parse back, compare bytes; 1 on a mismatch or an error. */
static int roundtrip_fails(const struct cbpf_insn *insns, size_t n, bool report)
{
	size_t len;
	char *text = cbpf_print(CBPF_FMT_BPFASM, insns, n, &len);
	struct cbpf_prog p;
	struct cbpf_diag d;
	int bad;

	if (text == NULL)
		return 1;
	bad = assemble_n(text, len, &p, &d) != 0 || p.len != n || !same_insns(p.insns, insns, n);
	if (bad && report) {
		fprintf(stderr, "round trip failed (%s%u:%u: %s) for:\n", d.msg[0] ? "" : "no error ",
			d.line, d.col, d.msg);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  { 0x%04x, %u, %u, 0x%08x }\n", insns[i].code, insns[i].jt,
				insns[i].jf, insns[i].k);
		fprintf(stderr, "text:\n%s", text);
	}
	cbpf_prog_free(&p);
	free(text);
	return bad;
}

static struct ts_rng rng = { 0x2545f4914f6cdd1dull };

#define BYTES(src, ...)                                                        \
	do {                                                                   \
		static const struct cbpf_insn want_[] = { __VA_ARGS__ };       \
		expect_bytes(src, want_, N(want_), __LINE__);                  \
	} while (0)

#define ERR(src, line, col, msg) expect_error(src, line, col, msg, __LINE__)

/* ---- bytes documented for the real bpf_asm ---- */

/* Documentation/networking/filter.rst: `bpf_asm foo` on the ARP example
 * prints "4,40 0 0 12,21 0 1 2054,6 0 0 4294967295,6 0 0 0,"; the bpf_dbg
 * section loads "6,40 0 0 12,21 0 3 2048,48 0 0 23,21 0 1 1,6 0 0 65535,6 0 0 0"
 * (the ICMP filter, whose disassembly it shows). */
static void test_documented(void)
{
	BYTES("ldh [12]\njne #0x806, drop\nret #-1\ndrop: ret #0\n",
	      { 40, 0, 0, 12 }, { 21, 0, 1, 2054 }, { 6, 0, 0, 4294967295u }, { 6, 0, 0, 0 });
	BYTES("ldh [12]\njne #0x806, drop\nret #4096\ndrop: ret #0\n",
	      { 0x28, 0, 0, 12 }, { 0x15, 0, 1, 0x806 }, { 0x06, 0, 0, 4096 }, { 0x06, 0, 0, 0 });
	BYTES("ldh [12]\njeq #0x800, l2, l5\nl2: ldb [23]\njeq #0x1, l4, l5\nl4: ret #0xffff\n"
	      "l5: ret #0\n",
	      { 40, 0, 0, 12 }, { 21, 0, 3, 2048 }, { 48, 0, 0, 23 }, { 21, 0, 1, 1 },
	      { 6, 0, 0, 65535 }, { 6, 0, 0, 0 });
	/* filter.rst: "icmp random packet sampling, 1 in 4" (a '#' line comment). */
	BYTES("  ldh [12]\n  jne #0x800, drop\n  ldb [23]\n  jneq #1, drop\n"
	      "# get a random uint32 number\n  ld rand\n  mod #4\n  jneq #1, drop\n"
	      "  ret #-1\n  drop: ret #0\n",
	      { 0x28, 0, 0, 12 }, { 0x15, 0, 6, 0x800 }, { 0x30, 0, 0, 23 }, { 0x15, 0, 4, 1 },
	      { 0x20, 0, 0, 0xfffff038 }, { 0x94, 0, 0, 4 }, { 0x15, 0, 1, 1 },
	      { 0x06, 0, 0, 0xffffffff }, { 0x06, 0, 0, 0 });
	/* filter.rst: the seccomp example (C comments at line ends). */
	BYTES("  ld [4]                  /* offsetof(struct seccomp_data, arch) */\n"
	      "  jne #0xc000003e, bad    /* AUDIT_ARCH_X86_64 */\n"
	      "  ld [0]                  /* offsetof(struct seccomp_data, nr) */\n"
	      "  jeq #15, good\n  jeq #231, good\n  jeq #60, good\n  jeq #0, good\n"
	      "  jeq #1, good\n  jeq #5, good\n  jeq #9, good\n  jeq #14, good\n"
	      "  jeq #13, good\n  jeq #35, good\n"
	      "  bad: ret #0             /* SECCOMP_RET_KILL_THREAD */\n"
	      "  good: ret #0x7fff0000   /* SECCOMP_RET_ALLOW */\n",
	      { 0x20, 0, 0, 4 }, { 0x15, 0, 11, 0xc000003e }, { 0x20, 0, 0, 0 },
	      { 0x15, 10, 0, 15 }, { 0x15, 9, 0, 231 }, { 0x15, 8, 0, 60 }, { 0x15, 7, 0, 0 },
	      { 0x15, 6, 0, 1 }, { 0x15, 5, 0, 5 }, { 0x15, 4, 0, 9 }, { 0x15, 3, 0, 14 },
	      { 0x15, 2, 0, 13 }, { 0x15, 1, 0, 35 }, { 0x06, 0, 0, 0 }, { 0x06, 0, 0, 0x7fff0000 });
	/* filter.rst: the ifidx and vlan_tci extension examples. */
	BYTES("ld ifidx\njneq #13, drop\nret #-1\ndrop: ret #0\n",
	      { 0x20, 0, 0, 0xfffff008 }, { 0x15, 0, 1, 13 }, { 0x06, 0, 0, 0xffffffff },
	      { 0x06, 0, 0, 0 });
	BYTES("ld vlan_tci\njneq #10, drop\nret #-1\ndrop: ret #0\n",
	      { 0x20, 0, 0, 0xfffff02c }, { 0x15, 0, 1, 10 }, { 0x06, 0, 0, 0xffffffff },
	      { 0x06, 0, 0, 0 });
	/* filter.rst: IPv4 TCP, with the `ldxb 4 * ([14] & 0xf)` / `[x + 14]` spacing. */
	BYTES("ldh [12]\njne #0x800, drop\nldb [23]\njneq #6, drop\nldh [20]\n"
	      "jset #0x1fff, drop\nldxb 4 * ([14] & 0xf)\nldh [x + 14]\njeq #0x16, pass\n"
	      "ldh [x + 16]\njne #0x16, drop\npass: ret #-1\ndrop: ret #0\n",
	      { 0x28, 0, 0, 12 }, { 0x15, 0, 10, 0x800 }, { 0x30, 0, 0, 23 },
	      { 0x15, 0, 8, 6 }, { 0x28, 0, 0, 20 }, { 0x45, 6, 0, 0x1fff },
	      { 0xb1, 0, 0, 14 }, { 0x48, 0, 0, 14 }, { 0x15, 2, 0, 0x16 },
	      { 0x48, 0, 0, 16 }, { 0x15, 0, 1, 0x16 }, { 0x06, 0, 0, 0xffffffff },
	      { 0x06, 0, 0, 0 });
}

/* ---- every mnemonic and addressing mode ---- */

struct one {
	const char *src;
	uint16_t code;
	uint32_t k;
};

static const struct one ones[] = {
	/* ld: A <- k | len | ext | M[k] | P[k] | P[X+k] */
	{ "ld #5", 0x00, 5 }, { "ld #len", 0x80, 0 }, { "ld len", 0x80, 0 }, { "ld # len", 0x80, 0 },
	{ "ld # proto", 0x20, 0xfffff000 }, { "ld #-0", 0x00, 0 },
	{ "ld #proto", 0x20, 0xfffff000 }, { "ld proto", 0x20, 0xfffff000 },
	{ "ld M[3]", 0x60, 3 }, { "ld [12]", 0x20, 12 }, { "ld [x+4]", 0x40, 4 },
	{ "ld [%x+4]", 0x40, 4 }, { "ld [ x + 4 ]", 0x40, 4 }, { "ld [x + -4]", 0x40, 0xfffffffc },
	{ "ld [-1048576]", 0x20, 0xfff00000 }, { "ld [0xfffff000]", 0x20, 0xfffff000 },
	{ "ldi #7", 0x00, 7 }, { "ldi 7", 0x00, 7 },
	{ "ldh [12]", 0x28, 12 }, { "ldh [x+14]", 0x48, 14 }, { "ldh [%x+14]", 0x48, 14 },
	{ "ldh #type", 0x28, 0xfffff004 }, { "ldh type", 0x28, 0xfffff004 },
	{ "ldb [23]", 0x30, 23 }, { "ldb [x+1]", 0x50, 1 }, { "ldb [%x+1]", 0x50, 1 },
	{ "ldb #xor_x", 0x30, 0xfffff028 }, { "ldb vlan_avail", 0x30, 0xfffff030 },
	/* ldx: X <- k | len | M[k] | 4*(P[k:1]&0xf) */
	{ "ldx #9", 0x01, 9 }, { "ldx #len", 0x81, 0 }, { "ldx len", 0x81, 0 },
	{ "ldx M[15]", 0x61, 15 }, { "ldx 4*([14]&0xf)", 0xb1, 14 },
	{ "ldxi #3", 0x01, 3 }, { "ldxi 3", 0x01, 3 },
	{ "ldxb 4*([14]&0xf)", 0xb1, 14 }, { "ldxb 4 * ( [ 0x0e ] & 15 )", 0xb1, 14 },
	{ "ldxb 0x4*([14]&0b1111)", 0xb1, 14 },
	/* st/stx: M[k] <- A | X. M[16] assembles (the validator rejects it). */
	{ "st M[1]", 0x02, 1 }, { "stx M[2]", 0x03, 2 }, { "st M[16]", 0x02, 16 },
	{ "ld M[0xffffffff]", 0x60, 0xffffffff },
	/* ALU: A <- A op k | X */
	{ "add #1", 0x04, 1 }, { "add x", 0x0c, 0 }, { "add %x", 0x0c, 0 },
	{ "sub #2", 0x14, 2 }, { "sub x", 0x1c, 0 }, { "sub %x", 0x1c, 0 },
	{ "mul #3", 0x24, 3 }, { "mul x", 0x2c, 0 }, { "mul %x", 0x2c, 0 },
	{ "div #4", 0x34, 4 }, { "div x", 0x3c, 0 }, { "div %x", 0x3c, 0 },
	{ "mod #5", 0x94, 5 }, { "mod x", 0x9c, 0 }, { "mod %x", 0x9c, 0 },
	{ "and #6", 0x54, 6 }, { "and x", 0x5c, 0 }, { "and %x", 0x5c, 0 },
	{ "or #7", 0x44, 7 }, { "or x", 0x4c, 0 }, { "or %x", 0x4c, 0 },
	{ "xor #8", 0xa4, 8 }, { "xor x", 0xac, 0 }, { "xor %x", 0xac, 0 },
	{ "lsh #9", 0x64, 9 }, { "lsh x", 0x6c, 0 }, { "lsh %x", 0x6c, 0 },
	{ "rsh #10", 0x74, 10 }, { "rsh x", 0x7c, 0 }, { "rsh %x", 0x7c, 0 },
	/* Assembled as written; the validator rejects them. */
	{ "div #0", 0x34, 0 }, { "lsh #32", 0x64, 32 },
	{ "neg", 0x84, 0 },
	/* ret: k | A | X (0x0e: bpf_asm emits it, Linux rejects it) */
	{ "ret #1", 0x06, 1 }, { "ret a", 0x16, 0 }, { "ret %a", 0x16, 0 },
	{ "ret x", 0x0e, 0 }, { "ret %x", 0x0e, 0 },
	{ "tax", 0x07, 0 }, { "txa", 0x87, 0 },
	/* `.insn` writes any raw instruction. */
	{ ".insn 0x28, 0, 0, 12", 0x28, 12 }, { ".insn 0xffff, 0, 0, 0xffffffff", 0xffff, 0xffffffff },
};

static void test_one_liners(void)
{
	for (size_t i = 0; i < N(ones); i++) {
		struct cbpf_insn want = { ones[i].code, 0, 0, ones[i].k };
		expect_bytes(ones[i].src, &want, 1, (int)i);
	}
}

/* All 16 extensions, with bpf_asm's names (tools/bpf/bpf_exp.l) and the
 * SKF_AD_* offsets of include/uapi/linux/filter.h; `xor_x` is cbpf's. */
static void test_extensions(void)
{
	static const struct { const char *name; uint32_t off; } ext[] = {
		{ "proto", 0 }, { "type", 4 }, { "ifidx", 8 }, { "nla", 12 }, { "nlan", 16 },
		{ "mark", 20 }, { "queue", 24 }, { "hatype", 28 }, { "rxhash", 32 },
		{ "cpu", 36 }, { "xor_x", 40 }, { "vlan_tci", 44 }, { "vlan_avail", 48 },
		{ "vlan_pr", 48 }, { "poff", 52 }, { "rand", 56 }, { "vlan_tpid", 60 },
	};
	static const char *const forms[] = { "ld #%s", "ld %s", "ldh #%s", "ldb %s", "LD #%s" };
	static const uint16_t codes[] = { 0x20, 0x20, 0x28, 0x30, 0x20 };
	char src[64];

	for (size_t i = 0; i < N(ext); i++) {
		for (size_t f = 0; f < N(forms); f++) {
			struct cbpf_insn want = { codes[f], 0, 0, 0xfffff000u + ext[i].off };
			snprintf(src, sizeof(src), forms[f], ext[i].name);
			expect_bytes(src, &want, 1, (int)i);
		}
	}
}

/* A jump as the first of three instructions: aa is insn 1, bb insn 2. */
static void jump(const char *insn, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k, int line)
{
	char src[128];
	const struct cbpf_insn want[3] = { { code, jt, jf, k }, { 6, 0, 0, 1 }, { 6, 0, 0, 0 } };

	snprintf(src, sizeof(src), "%s\naa: ret #1\nbb: ret #0\n", insn);
	expect_bytes(src, want, 3, line);
}

#define JUMP(src, code, jt, jf, k) jump(src, code, jt, jf, k, __LINE__)

static void test_jumps(void)
{
	JUMP("ja bb", 0x05, 0, 0, 1);
	JUMP("jmp aa", 0x05, 0, 0, 0);
	JUMP("jeq #1, aa, bb", 0x15, 0, 1, 1);
	JUMP("jeq #1, bb", 0x15, 1, 0, 1);         /* jf omitted: 0 */
	JUMP("jeq x, aa, bb", 0x1d, 0, 1, 0);
	JUMP("jeq %x, bb, aa", 0x1d, 1, 0, 0);
	JUMP("jgt #2, bb, aa", 0x25, 1, 0, 2);
	JUMP("jgt x, bb", 0x2d, 1, 0, 0);
	JUMP("jge #3, aa, bb", 0x35, 0, 1, 3);
	JUMP("jge %x, bb", 0x3d, 1, 0, 0);
	JUMP("jset #4, bb, bb", 0x45, 1, 1, 4);
	JUMP("jset x, bb", 0x4d, 1, 0, 0);
	/* Virtual jumps: the real condition with the target in jf. */
	JUMP("jne #5, bb", 0x15, 0, 1, 5);
	JUMP("jneq #5, bb", 0x15, 0, 1, 5);
	JUMP("jneq x, bb", 0x1d, 0, 1, 0);
	JUMP("jne %x, aa", 0x1d, 0, 0, 0);
	JUMP("jlt #6, bb", 0x35, 0, 1, 6);         /* A < k  <=>  !(A >= k) */
	JUMP("jlt x, bb", 0x3d, 0, 1, 0);
	JUMP("jle #7, bb", 0x25, 0, 1, 7);         /* A <= k <=>  !(A > k) */
	JUMP("jle %x, bb", 0x2d, 0, 1, 0);
	/* Relative targets: the raw offset from the next instruction. */
	JUMP("jeq #1, +255, +0", 0x15, 255, 0, 1);
	JUMP("jlt #1, +9", 0x35, 0, 9, 1);
	JUMP("ja +4294967295", 0x05, 0, 0, 0xffffffff);
	JUMP("ja +0x10", 0x05, 0, 0, 16);
	/* Field annotations set what the opcode ignores. */
	JUMP("ja bb {jt=1, jf=2}", 0x05, 1, 2, 1);
	JUMP("jeq x, aa, bb {k=0xdead}", 0x1d, 0, 1, 0xdead);
}

/* jt/jf reach 255 instructions; ja reaches anything forward. */
static void test_jump_range(void)
{
	static char src[8192];
	struct cbpf_prog p;
	struct cbpf_diag d;
	size_t n = 0;

	n += (size_t)snprintf(src + n, sizeof(src) - n, "jeq #1, far, +0\nja far2\n");
	for (int i = 0; i < 254; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "tax\n");
	n += (size_t)snprintf(src + n, sizeof(src) - n, "far: ret #0\n");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "txa\n");
	snprintf(src + n, sizeof(src) - n, "far2: ret #1\n");
	CHECK_EQ(assemble(src, &p, &d), 0);
	CHECK_EQ(p.len, 558);
	if (p.len == 558) {
		CHECK_EQ(p.insns[0].jt, 255);
		CHECK_EQ(p.insns[1].k, 555);
		CHECK_EQ(p.insns[256].code, 0x06);
	}
	cbpf_prog_free(&p);
	/* One more and jt overflows: bpf_asm says "out of range" too. */
	n = (size_t)snprintf(src, sizeof(src), "jeq #1, far\n");
	for (int i = 0; i < 256; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "tax\n");
	snprintf(src + n, sizeof(src) - n, "far: ret #0\n");
	ERR(src, 1, 9, "label 'far' is too far: jt/jf hold 0 .. 255, this needs 256 (use ja)");
}

/* ---- lexical rules ---- */

/* The assembler's messages for a bad number (lib/format/bpfasm/lex.c). */
#define K_RANGE "number out of range: k is 32 bits (-2147483648 .. 4294967295)"
#define MALFORMED(text) \
	"malformed number '" text "' (numbers are 0x hex, 0b binary, 0 octal or decimal)"

static void test_numbers(void)
{
	BYTES("ret #0x10", { 6, 0, 0, 16 });
	BYTES("ret #0X1f", { 6, 0, 0, 31 });
	BYTES("ret #0xFFFFFFFF", { 6, 0, 0, 0xffffffff });
	BYTES("ret #0x00000000ffffffff", { 6, 0, 0, 0xffffffff }); /* leading zeros */
	BYTES("ret #0b101", { 6, 0, 0, 5 });
	BYTES("ret #0B11", { 6, 0, 0, 3 });
	BYTES("ret #017", { 6, 0, 0, 15 });                        /* octal */
	BYTES("ret #00", { 6, 0, 0, 0 });
	BYTES("ret #0", { 6, 0, 0, 0 });
	BYTES("ret #42", { 6, 0, 0, 42 });
	BYTES("ret #+42", { 6, 0, 0, 42 });
	BYTES("ret #-1", { 6, 0, 0, 0xffffffff });                 /* two's complement */
	BYTES("ret #-2147483648", { 6, 0, 0, 0x80000000 });
	BYTES("ret #4294967295", { 6, 0, 0, 0xffffffff });
	BYTES("ret #-0x10", { 6, 0, 0, 0xfffffff0 });
	/* bpf_asm truncates silently (4294967296 -> 0, -2147483649 ->
	 * 0x7fffffff); we refuse. */
	ERR("ret #4294967296", 1, 6, K_RANGE);
	ERR("ret #-2147483649", 1, 6, K_RANGE);
	ERR("ret #0x100000000", 1, 6, K_RANGE);
	ERR("ld #-0x80000001", 1, 5, K_RANGE);
	ERR("ret #99999999999999999999999999999999", 1, 6, K_RANGE);
	ERR("ld #08", 1, 5, MALFORMED("08"));
	ERR("ld #0x", 1, 5, MALFORMED("0x"));
	ERR("ld #0b102", 1, 5, MALFORMED("0b102"));
	ERR("ld #12ab", 1, 5, MALFORMED("12ab"));
	/* The run of word bytes is the number, whatever ends it. */
	ERR("ld #0_", 1, 5, MALFORMED("0_"));
	ERR("ld #0x1g", 1, 5, MALFORMED("0x1g"));
	ERR("ld #00x1", 1, 5, MALFORMED("00x1"));
	ERR("ld #0B", 1, 5, MALFORMED("0B"));
	ERR("ld #19z", 1, 5, MALFORMED("19z"));
	BYTES("ret #0;x\nret #7", { 6, 0, 0, 0 }, { 6, 0, 0, 7 });
	BYTES("ret #0x000000000000000000000000ffffffff", { 6, 0, 0, 0xffffffff });
	BYTES("ret #0b11111111111111111111111111111111", { 6, 0, 0, 0xffffffff });
	BYTES("ret #037777777777", { 6, 0, 0, 0xffffffff });
	ERR("ret #040000000000", 1, 6, K_RANGE);
	ERR("ret #0xfffffffffffffffffffffffffffff", 1, 6, K_RANGE);
}

static void test_comments_and_layout(void)
{
	/* `;` runs to the end of the line: it is not a separator. */
	BYTES("ldh [12]; jne #0x806, drop; ret #4096; drop: ret #0", { 0x28, 0, 0, 12 });
	BYTES("/* a\n * b */ ret #1 /* c */ ; d\n/**/ret #2/***/", { 6, 0, 0, 1 }, { 6, 0, 0, 2 });
	/* C comments close at the first star-slash (bpf_asm's regex needs the
	 * star not to be preceded by another star; C does not). */
	BYTES("/* x **/ ret #1", { 6, 0, 0, 1 });
	/* A line whose first byte is '#' is a comment, '#' elsewhere is not. */
	BYTES("# ld #1\n#len\nret #3\n", { 6, 0, 0, 3 });
	ERR("ld ; comment\n#5\n", 3, 1,
	    "expected #k, #len, M[k], [k], [x+k] or an extension, found end of input");
	/* Free form like bpf_asm: newlines are blanks. */
	BYTES("ret #1 ret #2\n\n  drop:\n\n\tret\n#3\n%a", { 6, 0, 0, 1 }, { 6, 0, 0, 2 },
	      { 0x16, 0, 0, 0 });
	BYTES("ldh[x+14]ret#0", { 0x48, 0, 0, 14 }, { 6, 0, 0, 0 });
	BYTES("ret #1\r\nret #2\r\n", { 6, 0, 0, 1 }, { 6, 0, 0, 2 }); /* CRLF */
	/* Empty and comment-only sources are empty programs. */
	struct cbpf_prog p;
	struct cbpf_diag d;
	CHECK_EQ(assemble("", &p, &d), 0);
	CHECK_EQ(p.len, 0);
	CHECK_EQ(assemble("  ; nothing\n/* here */\n# either\n", &p, &d), 0);
	CHECK_EQ(p.len, 0);
	CHECK_EQ(cbpf_parse(CBPF_FMT_BPFASM, NULL, 0, &p, &d), 0);
	CHECK_EQ(p.len, 0);
}

static void test_case_rules(void)
{
	/* Keywords, registers, M, len and extension names are caseless. */
	BYTES("LDH [X+1]\nLd M[2]\nlD m[3]\nLDX #LEN\nLd #Proto\nRET %A\nJEQ #1, Xy, Xy\nXy: RET X",
	      { 0x48, 0, 0, 1 }, { 0x60, 0, 0, 2 }, { 0x60, 0, 0, 3 }, { 0x81, 0, 0, 0 },
	      { 0x20, 0, 0, 0xfffff000 }, { 0x16, 0, 0, 0 }, { 0x15, 0, 0, 1 }, { 0x0e, 0, 0, 0 });
	/* Labels are case-sensitive. */
	BYTES("ja Drop\ndrop: ret #1\nDrop: ret #2", { 5, 0, 0, 1 }, { 6, 0, 0, 1 }, { 6, 0, 0, 2 });
	ERR("ja DROP\ndrop: ret #0", 1, 4, "label 'DROP' is not defined");
	/* Two-character labels, underscores, digits; several labels on one
	 * instruction (bpf_asm allows one). */
	BYTES("ja _9\nL1: _9: x_: ret #0", { 5, 0, 0, 0 }, { 6, 0, 0, 0 });
	BYTES("jeq #1, L1, lenx\nL1: lenx: tax\nret a", { 0x15, 0, 0, 1 }, { 7, 0, 0, 0 },
	      { 0x16, 0, 0, 0 });
	/* jt / jf are only special inside {...}. */
	BYTES("ja jt\njt: ret #0", { 5, 0, 0, 0 }, { 6, 0, 0, 0 });
}

/* The lexer's keyword tags (asm_kw_of) agree with the opcode table's
 * spellings, in any case, and nothing near a keyword is tagged. */
static void test_keywords(void)
{
	static const char *const near[] = {
		"", "l", "lda", "ldxbb", "vlan_tc", "vlan_tcix", "xvlan_tci", "vlan_tpi",
		"vlan_tpidd", "avlan_tpid", "vlan_avai", "vlan_availx", "vlan_avaim", "xor_",
		"xorx", "_", "__", "jt_", "lenx", "vlan_p", "vlan_prr", "m0", "0x", "aa",
		"vlan_tcj", "wlan_tci", "lan_tpid", "an_avail",
	};
	char up[16];

	for (int op = 0; op < CBPF_ALU_COUNT; op++)
		CHECK_EQ(asm_kw_of(cbpf_alu_name((enum cbpf_alu_op)op),
				   strlen(cbpf_alu_name((enum cbpf_alu_op)op))), ASM_KW_ADD + op);
	for (int op = 0; op < CBPF_JMP_COUNT; op++)
		CHECK_EQ(asm_kw_of(cbpf_jmp_name((enum cbpf_jmp_op)op),
				   strlen(cbpf_jmp_name((enum cbpf_jmp_op)op))), ASM_KW_JEQ + op);
	for (int e = 0; e < CBPF_EXT_COUNT; e++) {
		const char *name = cbpf_ext_asm_name((enum cbpf_ext)e);
		size_t n = strlen(name);
		CHECK_EQ(asm_kw_of(name, n), ASM_KW_EXT_PROTOCOL + e);
		for (size_t i = 0; i <= n; i++)
			up[i] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 32) : name[i];
		CHECK_EQ(asm_kw_of(up, n), ASM_KW_EXT_PROTOCOL + e);
		CHECK_EQ(asm_kw_of(name, n - 1),
			 e == CBPF_EXT_NLATTR_NEST ? ASM_KW_EXT_NLATTR : ASM_KW_NONE); /* nlan -> nla */
	}
	CHECK_EQ(asm_kw_of("VLAN_PR", 7), ASM_KW_VLAN_PR);
	CHECK_EQ(asm_kw_of("Ldxb", 4), ASM_KW_LDXB);
	CHECK_EQ(asm_kw_of("JNEQ", 4), ASM_KW_JNEQ);
	CHECK_EQ(asm_kw_of("Len", 3), ASM_KW_LEN);
	CHECK_EQ(asm_kw_of("X", 1), ASM_KW_X);
	CHECK_EQ(asm_kw_of("jF", 2), ASM_KW_JF);
	for (size_t i = 0; i < N(near); i++)
		CHECK_EQ(asm_kw_of(near[i], strlen(near[i])), ASM_KW_NONE);
	/* Through the parser: the long extension names, and words one byte
	 * longer than a keyword, which are labels. */
	BYTES("ld #VLAN_AVAIL\nld vlan_tpid\nldh #Vlan_Tci", { 0x20, 0, 0, 0xfffff030 },
	      { 0x20, 0, 0, 0xfffff03c }, { 0x28, 0, 0, 0xfffff02c });
	BYTES("ja vlan_availx\nvlan_availx: ja vlan_tcix\nvlan_tcix: ret #0", { 5, 0, 0, 0 },
	      { 5, 0, 0, 0 }, { 6, 0, 0, 0 });
	ERR("ja vlan_avail\nret #0", 1, 4,
	    "'vlan_avail' is a reserved word and cannot be a label");
}

static void test_annotations_and_raw(void)
{
	BYTES("ld #1 {jt=3, jf=4}", { 0x00, 3, 4, 1 });
	BYTES("tax {k=0xffffffff}", { 0x07, 0, 0, 0xffffffff });
	BYTES("tax { K = -1 , JF = 0 }", { 0x07, 0, 0, 0xffffffff });
	BYTES("ret a {k=7}", { 0x16, 0, 0, 7 });
	BYTES("ret x {jt=1, jf=2, k=3}", { 0x0e, 1, 2, 3 });
	BYTES("ld #len {k=4}", { 0x80, 0, 0, 4 });
	BYTES("ld #proto {jt=9}", { 0x20, 9, 0, 0xfffff000 });
	BYTES("neg {jt=255, jf=255, k=0xffffffff}", { 0x84, 255, 255, 0xffffffff });
	BYTES("add x {k=1}", { 0x0c, 0, 0, 1 });
	BYTES(".insn 0x21, 1, 2, 3\n.INSN 0xffff, 255, 255, -1",
	      { 0x21, 1, 2, 3 }, { 0xffff, 255, 255, 0xffffffff });
	BYTES(".insn 0x0e, 0, 0, 0", { 0x0e, 0, 0, 0 });
}

/* ---- errors ---- */

#define RANGE K_RANGE

static void test_errors(void)
{
	/* Labels */
	ERR("a: ret #0", 1, 1,
	    "'a' is too short for a label (bpf_asm labels have at least 2 characters)");
	ERR("aa: ret #0\n  aa: ret #1", 2, 3, "label 'aa' is already defined at line 1");
	ERR("bb: aa: ret #0\nbb: aa: ret #1", 2, 1, "label 'bb' is already defined at line 1");
	ERR("ja nope\nret #0", 1, 4, "label 'nope' is not defined");
	ERR("x1: ret #0\njeq #1, x1", 2, 9,
	    "label 'x1' is not ahead of the jump (insn 1 to insn 0); cBPF jumps only go forward");
	ERR("x1: ja x1", 1, 8,
	    "label 'x1' is not ahead of the jump (insn 0 to insn 0); cBPF jumps only go forward");
	ERR("tax\nback: tax\nja back", 3, 4,
	    "label 'back' is not ahead of the jump (insn 2 to insn 1); cBPF jumps only go forward");
	ERR("jeq #1, ok, back\nback: ok: ret #0\njne x, back", 3, 8,
	    "label 'back' is not ahead of the jump (insn 2 to insn 1); cBPF jumps only go forward");
	ERR("LD: ret #0", 1, 1, "'LD' is a reserved word and cannot be a label");
	ERR("Proto: ret #0", 1, 1, "'Proto' is a reserved word and cannot be a label");
	ERR("len: ret #0", 1, 1, "'len' is a reserved word and cannot be a label");
	ERR("vlan_pr: ret #0", 1, 1, "'vlan_pr' is a reserved word and cannot be a label");
	ERR("jeq #1, ret", 1, 9, "'ret' is a reserved word and cannot be a label");
	ERR("ja x", 1, 4, "'x' is too short for a label (bpf_asm labels have at least 2 characters)");
	ERR("ret #0\nend:\n", 2, 1, "'end' labels nothing: no instruction follows it");
	ERR("ret #0\n1x: ret #1", 2, 1, MALFORMED("1x"));
	/* Statements */
	ERR("ret #0\n  foo\n", 2, 3, "unknown instruction 'foo'");
	ERR("ret #0\n  foo ret #1\n", 2, 3, "unknown instruction 'foo'");
	ERR("foo $", 1, 1, "unknown instruction 'foo'");   /* the earlier error wins */
	ERR("tax $", 1, 5, "unexpected character '$'");
	ERR("  # x", 1, 3, "expected an instruction or a label, found '#'");
	ERR("ret #1 ret #2 3", 1, 15, "expected an instruction or a label, found number 3");
	ERR(".foo 1", 1, 1, "unknown directive '.foo' (the only one is .insn)");
	ERR(". insn", 1, 1, "unexpected character '.'");
	ERR(".insn 0x10000, 0, 0, 0", 1, 7, "opcode out of range (0 .. 65535)");
	ERR(".insn 1, 256, 0, 0", 1, 10, "jt out of range (0 .. 255)");
	ERR(".insn 1, 0, 256, 0", 1, 13, "jf out of range (0 .. 255)");
	ERR(".insn 1, 0, 0", 1, 14, "expected ',', found end of input");
	ERR(".insn 1, 0, 0, 0 {k=1}", 1, 18, "expected an instruction or a label, found '{'");
	/* Operands */
	ERR("ld", 1, 3, "expected #k, #len, M[k], [k], [x+k] or an extension, found end of input");
	ERR("ld 5", 1, 4, "expected #k, #len, M[k], [k], [x+k] or an extension, found number 5");
	ERR("ld [x]", 1, 6, "expected '+', found ']'");
	ERR("ld [x-4]", 1, 6, "expected '+', found '-'");
	ERR("ld [%a+1]", 1, 6, "expected 'x' after '%', found 'a'");
	ERR("ld [x+]", 1, 7, "expected a number, found ']'");
	ERR("ld [12", 1, 7, "expected ']', found end of input");
	ERR("ld M[", 1, 6, "expected a number, found end of input");
	ERR("ld #", 1, 5, "expected a number, found end of input");
	ERR("ldh #5", 1, 6, "expected an extension name after '#', found number 5");
	ERR("ldh len", 1, 5, "expected [k], [x+k] or an extension, found 'len'");
	ERR("ldb M[1]", 1, 5, "expected [k], [x+k] or an extension, found 'M'");
	ERR("ldx proto", 1, 5, "expected #k, #len, M[k] or 4*([k]&0xf), found 'proto'");
	ERR("ldx [1]", 1, 5, "expected #k, #len, M[k] or 4*([k]&0xf), found '['");
	ERR("ldi len", 1, 5, "expected a number, found 'len'");
	ERR("ldxb 8*([1]&0xf)", 1, 6, "only 4*([k]&0xf) exists (ldxb loads X <- 4*(P[k:1]&0xf))");
	ERR("ldxb 4*([1]&0xff)", 1, 13, "only 4*([k]&0xf) exists (ldxb loads X <- 4*(P[k:1]&0xf))");
	ERR("ldxb 4*[1]&0xf", 1, 8, "expected '(', found '['");
	ERR("st [1]", 1, 4, "expected M[k], found '['");
	ERR("stx #1", 1, 5, "expected M[k], found '#'");
	ERR("add", 1, 4, "expected #k or x, found end of input");
	ERR("add a", 1, 5, "expected #k or x, found 'a'");
	ERR("add 1", 1, 5, "expected #k or x, found number 1");
	ERR("ret", 1, 4, "expected #k, a or x, found end of input");
	ERR("ret 5", 1, 5, "expected #k, a or x, found number 5");
	ERR("ret #len", 1, 6, "expected a number, found 'len'");
	ERR("jeq #1", 1, 7, "expected ',', found end of input");
	ERR("jeq #1,", 1, 8, "expected a label or +offset, found end of input");
	ERR("jeq #1, 5", 1, 9, "expected a label or +offset, found number 5");
	ERR("jeq a, L1", 1, 5, "expected #k or x, found 'a'");
	ERR("jeq #1, +256", 1, 10, "jt/jf offset out of range (0 .. 255)");
	ERR("jne #1, +0, +0", 1, 11, "expected an instruction or a label, found ','");
	ERR("ja +-1", 1, 5, "expected an offset after '+', found '-'");
	ERR("ja -1", 1, 4, "expected a label or +offset, found '-'");
	ERR("ja +4294967296", 1, 5, RANGE);
	/* Annotations */
	ERR("ld #1 {k=2}", 1, 8, "k is an operand of 'ld'; {...} sets only fields the opcode ignores");
	ERR("jeq #1, +0 {jt=1}", 1, 13,
	    "jt is an operand of 'jeq'; {...} sets only fields the opcode ignores");
	ERR("jne #1, +0 {jf=1}", 1, 13,
	    "jf is an operand of 'jne'; {...} sets only fields the opcode ignores");
	ERR("ja +0 {k=1}", 1, 8, "k is an operand of 'ja'; {...} sets only fields the opcode ignores");
	ERR("ld #proto {k=1}", 1, 12,
	    "k is an operand of 'ld'; {...} sets only fields the opcode ignores");
	ERR("tax {k=1, k=2}", 1, 11, "k given twice");
	ERR("tax {jt=256}", 1, 9, "jt out of range (0 .. 255)");
	ERR("tax {k=0x100000000}", 1, 8, RANGE);
	ERR("tax {}", 1, 6, "expected jt, jf or k, found '}'");
	ERR("tax {k 1}", 1, 8, "expected '=', found number 1");
	ERR("tax {k=1", 1, 9, "expected ',', found end of input");
	ERR("tax {k=1 jt=2}", 1, 10, "expected ',', found 'jt'");
	/* Bytes */
	ERR("ret #0 $", 1, 8, "unexpected character '$'");
	ERR("ret #0 \x01", 1, 8, "unexpected byte 0x01");
	ERR("ret #0\n\n  \xc3\xa9t\xc3\xa9", 3, 3, "unexpected byte 0xc3");
	expect_error_n("tax\n\0ret #0", 11, 2, 1, "unexpected byte 0x00", __LINE__);
	ERR("/* x\n\n", 1, 1, "unterminated comment");
	ERR("ret #0 /*/", 1, 8, "unterminated comment");
	ERR("ret #0 */", 1, 8, "expected an instruction or a label, found '*'");
}

/* CBPF_PARSE_MAXINSNS instructions assemble; one more is an error at the
 * first one too many. */
static void test_max_insns(void)
{
	size_t n = CBPF_PARSE_MAXINSNS + 1;
	char *src = malloc(n * 4 + 1);
	struct cbpf_prog p;
	struct cbpf_diag d;

	if (src == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		memcpy(src + 4 * i, "tax\n", 4);
	CHECK_EQ(assemble_n(src, (n - 1) * 4, &p, &d), 0);
	CHECK_EQ(p.len, CBPF_PARSE_MAXINSNS);
	cbpf_prog_free(&p);
	CHECK_EQ(assemble_n(src, n * 4, &p, &d), -1);
	CHECK_EQ(d.line, CBPF_PARSE_MAXINSNS + 1);
	CHECK_EQ(d.col, 1);
	CHECK_STR(d.msg, "too many instructions (at most 65535)");
	CHECK(p.insns == NULL && p.len == 0);
	free(src);
}

/* ---- the disassembler's text ---- */

static void expect_text(const struct cbpf_insn *insns, size_t n, const char *want, int line)
{
	char *got = cbpf_print(CBPF_FMT_BPFASM, insns, n, NULL);

	check_count++;
	if (got == NULL || strcmp(got, want) != 0)
		CHECK_REPORT_("line %d: printed:\n%s\nwant:\n%s\n", line, got ? got : "(null)", want);
	free(got);
}

#define TEXT(want, ...)                                                        \
	do {                                                                   \
		static const struct cbpf_insn in_[] = { __VA_ARGS__ };         \
		expect_text(in_, N(in_), want, __LINE__);                      \
	} while (0)

static void test_print(void)
{
	size_t len = 99;
	char *s = cbpf_print(CBPF_FMT_BPFASM, NULL, 0, &len);
	CHECK_STR(s, "");
	CHECK_EQ(len, 0);
	free(s);

	TEXT("\tldh [12]\n\tjne #0x806, L3\n\tret #0xffffffff\nL3:\n\tret #0\n",
	     { 0x28, 0, 0, 12 }, { 0x15, 0, 1, 0x806 }, { 0x06, 0, 0, 0xffffffff }, { 0x06, 0, 0, 0 });
	/* Every addressing mode. */
	TEXT("\tld #0x5\n\tld #len\n\tld M[3]\n\tld [12]\n\tldh [x+14]\n\tldb [0xfff00000]\n"
	     "\tldx #0x0\n\tldx #len\n\tldx M[15]\n\tldxb 4*([14]&0xf)\n\tst M[16]\n\tstx M[0]\n",
	     { 0x00, 0, 0, 5 }, { 0x80, 0, 0, 0 }, { 0x60, 0, 0, 3 }, { 0x20, 0, 0, 12 },
	     { 0x48, 0, 0, 14 }, { 0x30, 0, 0, 0xfff00000 }, { 0x01, 0, 0, 0 }, { 0x81, 0, 0, 0 },
	     { 0x61, 0, 0, 15 }, { 0xb1, 0, 0, 14 }, { 0x02, 0, 0, 16 }, { 0x03, 0, 0, 0 });
	/* Arithmetic operands are decimal up to 65535, hex above. */
	TEXT("\tadd #1\n\tsub x\n\tand #0xff\n\tor x\n\txor #0x5\n\tlsh #31\n\tdiv #65535\n"
	     "\tmul #0x10000\n\tneg\n\ttax\n\ttxa\n\tret a\n\tret #4096\n",
	     { 0x04, 0, 0, 1 }, { 0x1c, 0, 0, 0 }, { 0x54, 0, 0, 0xff }, { 0x4c, 0, 0, 0 },
	     { 0xa4, 0, 0, 5 }, { 0x64, 0, 0, 31 }, { 0x34, 0, 0, 65535 }, { 0x24, 0, 0, 0x10000 },
	     { 0x84, 0, 0, 0 }, { 0x07, 0, 0, 0 }, { 0x87, 0, 0, 0 }, { 0x16, 0, 0, 0 },
	     { 0x06, 0, 0, 4096 });
	/* Extensions, with the size bits kept. */
	TEXT("\tld #proto\n\tldh #vlan_tci\n\tldb #xor_x\n\tld #vlan_avail\n\tld #rand\n",
	     { 0x20, 0, 0, 0xfffff000 }, { 0x28, 0, 0, 0xfffff02c }, { 0x30, 0, 0, 0xfffff028 },
	     { 0x20, 0, 0, 0xfffff030 }, { 0x20, 0, 0, 0xfffff038 });
	/* Not extensions: IND, MSH, unaligned or past SKF_AD_MAX. */
	TEXT("\tld [x+0xfffff000]\n\tldxb 4*([0xfffff000]&0xf)\n\tld [0xfffff001]\n"
	     "\tld [0xfffff040]\n",
	     { 0x40, 0, 0, 0xfffff000 }, { 0xb1, 0, 0, 0xfffff000 }, { 0x20, 0, 0, 0xfffff001 },
	     { 0x20, 0, 0, 0xfffff040 });
	/* Jump forms: jf == 0 omits it; jt == 0 uses jne/jlt/jle; jset has
	 * no negated form, so the next instruction gets a label. */
	TEXT("\tjeq #0x1, L1\nL1:\n\tjle x, L3\n\tjgt #0x7, L4, L5\nL3:\n\tjlt x, L5\nL4:\n"
	     "\tjset #0x1, L5, L6\nL5:\n\tja L6\nL6:\n\tret #0\n",
	     { 0x15, 0, 0, 1 }, { 0x2d, 0, 1, 0 }, { 0x25, 1, 2, 7 }, { 0x3d, 0, 1, 0 },
	     { 0x45, 0, 1, 1 }, { 0x05, 0, 0, 0 }, { 0x06, 0, 0, 0 });
	/* What bpf_asm cannot say: junk fields, rejected opcodes, targets
	 * outside the program. */
	TEXT("\ttax {jt=1, jf=2, k=0x3}\n\t.insn 0x21, 0, 0, 0x5\n\tret x {k=0x9}\n"
	     "\tld #proto {jt=4}\n\tjeq #0x1, +200\n\tja +4294967295\n\tjeq x, L7 {k=0x7}\nL7:\n"
	     "\tjeq #0x5, +0\n",
	     { 0x07, 1, 2, 3 }, { 0x21, 0, 0, 5 }, { 0x0e, 0, 0, 9 }, { 0x20, 4, 0, 0xfffff000 },
	     { 0x15, 200, 0, 1 }, { 0x05, 0, 0, 0xffffffff }, { 0x1d, 0, 0, 7 }, { 0x15, 0, 0, 5 });
	TEXT("\tjge #0x3, +255, L2\n\tjlt #0x3, +250\nL2:\n\t.insn 0xffff, 255, 255, 0xffffffff\n",
	     { 0x35, 255, 1, 3 }, { 0x35, 0, 250, 3 }, { 0xffff, 255, 255, 0xffffffff });
	TEXT("\tret x\n\tja +0 {jt=1}\n", { 0x0e, 0, 0, 0 }, { 0x05, 1, 0, 0 });
}

/* ---- round trips ---- */

/* Junk values every one of the 65536 codes is printed with. */
static const struct cbpf_insn junk[] = {
	{ 0, 0, 0, 0 }, { 0, 1, 2, 3 }, { 0, 255, 255, 0xffffffff }, { 0, 0, 7, 0xfffff000 },
	{ 0, 9, 0, 0x80000000 }, { 0, 3, 3, 0xfffff040 }, { 0, 0, 1, 0xfffff028 },
	{ 0, 128, 0, 0xfff00000 },
};

/* disassemble -> assemble is the identity for every 16-bit code with
 * several jt/jf/k values, in 256-instruction programs (so small offsets
 * land on labels and large ones fall outside). */
static void test_roundtrip_all_codes(void)
{
	enum { CHUNK = 256 };
	static struct cbpf_insn prog[CHUNK];
	long bad = 0, programs = 0, insns = 0;
	size_t n = 0;

	for (size_t v = 0; v < N(junk); v++) {
		for (uint32_t code = 0; code < 65536; code++) {
			struct cbpf_insn in = junk[v];
			in.code = (uint16_t)code;
			if (v == 3) /* each extension offset, and each size */
				in.k = 0xfffff000u + 4 * (code % 17);
			prog[n++] = in;
			if (n < CHUNK && code != 65535)
				continue;
			bad += roundtrip_fails(prog, n, bad < 3);
			programs++;
			insns += (long)n;
			n = 0;
		}
	}
	fprintf(stderr, "all codes: %ld programs, %ld instructions, %ld mismatches\n", programs,
		insns, bad);
	CHECK_EQ(bad, 0);
	CHECK_EQ(insns, 65536 * (long)N(junk));
}

static uint32_t interesting_k(void)
{
	return ts_chance(&rng, 50) ? ts_edge(&rng) : (uint32_t)ts_next(&rng);
}

/* Random raw instructions: any code, any fields. */
static struct cbpf_insn random_raw(void)
{
	struct cbpf_insn in;
	uint32_t r = ts_below(&rng, 4);

	if (r == 0)
		in.code = (uint16_t)ts_next(&rng);
	else if (r == 1)
		in.code = (uint16_t)ts_below(&rng, 256);
	else
		in.code = cbpf_opinfo_at(ts_below(&rng, CBPF_NOPCODES))->code;
	in.jt = (uint8_t)(ts_below(&rng, 3) ? ts_below(&rng, 8) : ts_next(&rng));
	in.jf = (uint8_t)(ts_below(&rng, 3) ? ts_below(&rng, 8) : ts_next(&rng));
	in.k = interesting_k();
	return in;
}

/* A mostly valid program: valid codes, unused fields mostly zero, jump
 * targets mostly inside the program. */
static void random_valid(struct cbpf_insn *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cbpf_opinfo *o = cbpf_opinfo_at(ts_below(&rng, CBPF_NOPCODES));
		size_t room = n - i - 1;
		struct cbpf_insn in = { o->code, 0, 0, 0 };
		bool junk_ok = ts_below(&rng, 8) == 0;

		if (o->uses & CBPF_USES_K)
			in.k = interesting_k();
		else if (junk_ok)
			in.k = (uint32_t)ts_next(&rng);
		if (o->kind == CBPF_KIND_JA)
			in.k = ts_below(&rng, 8) == 0 ? interesting_k()
						      : ts_below(&rng, (uint32_t)room + 1);
		if (o->uses & CBPF_USES_JT) {
			uint32_t lim = room > 255 ? 255 : (uint32_t)room;
			in.jt = (uint8_t)(ts_below(&rng, 10) ? ts_below(&rng, lim + 1)
							       : ts_next(&rng));
			in.jf = (uint8_t)(ts_below(&rng, 10) ? ts_below(&rng, lim + 1)
							       : ts_next(&rng));
		} else if (junk_ok) {
			in.jt = (uint8_t)ts_next(&rng);
			in.jf = (uint8_t)ts_next(&rng);
		}
		p[i] = in;
	}
}

static void test_roundtrip_random(void)
{
	enum { PROGRAMS = 200000, MAXLEN = 40 };
	struct cbpf_insn prog[MAXLEN];
	long bad = 0, insns = 0;

	for (long t = 0; t < PROGRAMS; t++) {
		size_t n = 1 + ts_below(&rng, t % 2 ? MAXLEN : 16);
		if (t % 2 == 0)
			for (size_t i = 0; i < n; i++)
				prog[i] = random_raw();
		else
			random_valid(prog, n);
		bad += roundtrip_fails(prog, n, bad < 3);
		insns += (long)n;
	}
	fprintf(stderr, "random: %d programs, %ld instructions, %ld mismatches\n", PROGRAMS, insns,
		bad);
	CHECK_EQ(bad, 0);
}

/* Hand-written sources: assemble -> disassemble -> assemble gives the same
 * bytes, and disassembling again gives the same text. */
static const char *const sources[] = {
	"ldh [12]\njne #0x806, drop\nret #4096\ndrop: ret #0\n",
	"  ldh [12]\n  jne #0x800, drop\n  ldb [23]\n  jneq #1, drop\n  ld rand\n  mod #4\n"
	"  jneq #1, drop\n  ret #-1\n  drop: ret #0\n",
	"ld [4]\njne #0xc000003e, bad\nld [0]\njeq #15, good\njeq #231, good\nbad: ret #0\n"
	"good: ret #0x7fff0000\n",
	"ldh [12]\njne #0x800, drop\nldb [23]\njneq #6, drop\nldh [20]\njset #0x1fff, drop\n"
	"ldxb 4 * ([14] & 0xf)\nldh [x + 14]\njeq #0x16, pass\nldh [x + 16]\njne #0x16, drop\n"
	"pass: ret #-1\ndrop: ret #0\n",
	"ld #len\nldx #len\nld M[1]\nldx M[2]\nst M[3]\nstx M[4]\nld [x+1]\nldh [x+2]\nldb [x+3]\n"
	"ld #proto\nldh #xor_x\nldb #vlan_pr\nadd x\nsub #1\nmul x\ndiv #3\nmod x\nand #1\nor x\n"
	"xor #2\nlsh #3\nrsh x\nneg\ntax\ntxa\njlt x, L1\njle #4, L1\njge x, L1, L2\n"
	"L1: jset #8, L2\nL2: ja L3\nL3: ret x\nret a\n",
	"tax {jt=1, jf=2, k=3}\n.insn 0x21, 0, 0, 5\nret x {k=9}\njeq #1, +200\nja +4294967295\n"
	"jeq x, +0 {k=7}\n.insn 0xffff, 255, 255, -1\n",
};

static void test_fixpoint(void)
{
	for (size_t i = 0; i < N(sources); i++) {
		struct cbpf_prog p1, p2;
		struct cbpf_diag d;
		CHECK_EQ(assemble(sources[i], &p1, &d), 0);
		char *t1 = cbpf_print(CBPF_FMT_BPFASM, p1.insns, p1.len, NULL);
		CHECK(t1 != NULL);
		CHECK_EQ(assemble(t1 ? t1 : "", &p2, &d), 0);
		CHECK_EQ(p2.len, p1.len);
		CHECK(p2.len == p1.len && same_insns(p1.insns, p2.insns, p1.len));
		char *t2 = cbpf_print(CBPF_FMT_BPFASM, p2.insns, p2.len, NULL);
		CHECK_STR(t2, t1);
		free(t1);
		free(t2);
		cbpf_prog_free(&p1);
		cbpf_prog_free(&p2);
	}
}

#ifdef CBPF_HAVE_PCAP
/* Real filters from libpcap's compiler round-trip too. */
static void test_pcap_corpus(void)
{
	static const char *const filters[] = {
		"tcp port 22", "arp", "ip and udp and dst port 53", "vlan 5 and ip",
		"tcp[tcpflags] & tcp-syn != 0", "icmp or icmp6", "net 10.0.0.0/8",
		"ether multicast", "ip[6:2] & 0x1fff = 0", "portrange 1000-2000 or less 64",
		"tcp and (port 80 or port 443) and greater 100",
	};
	pcap_t *pc = pcap_open_dead(DLT_EN10MB, 65535);
	long bad = 0;

	if (pc == NULL)
		return;
	for (size_t i = 0; i < N(filters); i++) {
		struct bpf_program bp;
		if (pcap_compile(pc, &bp, filters[i], 1, PCAP_NETMASK_UNKNOWN) != 0) {
			CHECK_REPORT_("pcap_compile(%s): %s\n", filters[i], pcap_geterr(pc));
			continue;
		}
		struct cbpf_insn *insns = malloc(bp.bf_len * sizeof(*insns));
		for (u_int j = 0; insns != NULL && j < bp.bf_len; j++)
			insns[j] = (struct cbpf_insn){ bp.bf_insns[j].code, bp.bf_insns[j].jt,
						       bp.bf_insns[j].jf, bp.bf_insns[j].k };
		bad += insns == NULL || roundtrip_fails(insns, bp.bf_len, true);
		free(insns);
		pcap_freecode(&bp);
	}
	pcap_close(pc);
	CHECK_EQ(bad, 0);
}
#endif

/* ---- garbage ---- */

/* Any bytes: an error with a position and a message, or a program. */
static void total(const char *buf, size_t len, long *errors)
{
	struct cbpf_prog p;
	struct cbpf_diag d;

	if (assemble_n(buf, len, &p, &d) == 0) {
		cbpf_prog_free(&p);
		return;
	}
	(*errors)++;
	if (d.line == 0 || d.col == 0 || d.msg[0] == '\0' || p.len != 0 || p.insns != NULL)
		CHECK_REPORT_("bad diagnostic %u:%u '%s' for %zu bytes\n", d.line, d.col, d.msg, len);
}

/* A soup of the language's own tokens reaches deeper than random bytes. */
static size_t token_soup(char *buf, size_t cap)
{
	static const char *const toks[] = {
		"ld", "ldh", "ldb", "ldx", "ldxb", "ldi", "st", "stx", "ja", "jeq", "jne", "jlt",
		"jset", "add", "neg", "ret", "tax", "#", "#len", "len", "proto", "x", "%", "a", "M",
		"[", "]", "(", ")", "+", "-", "*", "&", "4", "0xf", ",", ":", "L1", "L2", "{", "}",
		"=", "jt", "jf", "k", ".insn", "0x", "99999999999", "/*", "*/", ";", "\n", "\n#",
		" ", "12", "-1", "0b1", "07", "08",
	};
	size_t n = 0, count = 1 + ts_below(&rng, 30);

	for (size_t i = 0; i < count; i++) {
		const char *t = toks[ts_below(&rng, N(toks))];
		size_t l = strlen(t);
		if (n + l + 1 >= cap)
			break;
		memcpy(buf + n, t, l);
		n += l;
		if (ts_below(&rng, 2))
			buf[n++] = ' ';
	}
	return n;
}

static void test_garbage(void)
{
	static char buf[4096];
	long errors = 0, runs = 0;

	for (int t = 0; t < 20000; t++, runs++) {
		size_t n = ts_below(&rng, 300);
		for (size_t i = 0; i < n; i++)
			buf[i] = ts_below(&rng, 4) ? (char)ts_next(&rng)
						   : " \n#;/*[]x+"[ts_below(&rng, 10)];
		total(buf, n, &errors);
	}
	for (int t = 0; t < 50000; t++, runs++)
		total(buf, token_soup(buf, sizeof(buf)), &errors);
	/* Every prefix of every hand-written source. */
	for (size_t s = 0; s < N(sources); s++)
		for (size_t n = 0; n <= strlen(sources[s]); n++, runs++)
			total(sources[s], n, &errors);
	/* Every source with each byte replaced by a few others. */
	for (size_t s = 0; s < N(sources); s++) {
		size_t len = strlen(sources[s]);
		memcpy(buf, sources[s], len);
		for (size_t i = 0; i < len; i++) {
			for (const char *c = "\0#;:,x{9"; ; c++) {
				char save = buf[i];
				buf[i] = *c;
				total(buf, len, &errors);
				buf[i] = save;
				runs++;
				if (*c == '9')
					break;
			}
		}
	}
	fprintf(stderr, "garbage: %ld inputs, %ld refused\n", runs, errors);
}

/* Inputs built to hurt: all must be refused (or accepted) quickly with
 * the right position. */
static void test_hostile(void)
{
	size_t big = 1u << 20;
	char *s = malloc(big * 2 + 64);
	struct cbpf_prog p;
	struct cbpf_diag d;

	if (s == NULL)
		return;
	/* 100,000 comment starts, then with blanks between them. */
	for (size_t i = 0; i < 100000; i++)
		memcpy(s + 2 * i, "/*", 2);
	expect_error_n(s, 200000, 1, 6, "expected an instruction or a label, found '*'", __LINE__);
	for (size_t i = 0; i < 100000; i++)
		memcpy(s + 3 * i, "/* ", 3);
	expect_error_n(s, 300000, 1, 1, "unterminated comment", __LINE__);
	/* A number of a million digits. */
	memcpy(s, "ret #", 5);
	memset(s + 5, '9', big);
	expect_error_n(s, big + 5, 1, 6, RANGE, __LINE__);
	memcpy(s, "ret #0x", 7);
	memset(s + 7, 'f', big);
	expect_error_n(s, big + 7, 1, 6, RANGE, __LINE__);
	/* A million leading zeros are still zero. */
	memcpy(s, "ret #0x", 7);
	memset(s + 7, '0', big);
	CHECK_EQ(assemble_n(s, big + 7, &p, &d), 0);
	CHECK(p.len == 1 && p.insns[0].k == 0);
	cbpf_prog_free(&p);
	/* A megabyte label, defined and used. */
	memset(s, 'z', big);
	memcpy(s + big, ": ret #0", 8);
	CHECK_EQ(assemble_n(s, big + 8, &p, &d), 0);
	CHECK_EQ(p.len, 1);
	cbpf_prog_free(&p);
	memcpy(s, "ja ", 3);
	memset(s + 3, 'z', big);
	expect_error_n(s, big + 3, 1, 4,
		       "label 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' is not defined", __LINE__);
	/* A very long line: the column counts every byte. */
	memset(s, ' ', big);
	memcpy(s + big, "ret #0 ?", 8);
	expect_error_n(s, big + 8, 1, (unsigned)big + 8, "unexpected character '?'", __LINE__);
	/* A megabyte of one line comment, and of newlines. */
	s[0] = ';';
	memset(s + 1, 'x', big);
	memcpy(s + 1 + big, "\n!", 2);
	expect_error_n(s, big + 3, 2, 1, "unexpected character '!'", __LINE__);
	memset(s, '\n', big);
	memcpy(s + big, "ret", 3);
	expect_error_n(s, big + 3, (unsigned)big + 1, 4, "expected #k, a or x, found end of input",
		       __LINE__);
	/* Brackets and parentheses do not nest: no depth to exhaust. */
	memset(s, '[', big);
	expect_error_n(s, big, 1, 1, "expected an instruction or a label, found '['", __LINE__);
	memcpy(s, "ld ", 3);
	expect_error_n(s, big, 1, 5, "expected a number, found '['", __LINE__);
	/* 100,000 labels on one instruction, then the same name twice. */
	size_t n = 0;
	for (int i = 0; i < 100000; i++)
		n += (size_t)sprintf(s + n, "l%d: ", i);
	memcpy(s + n, "ret #0", 6);
	CHECK_EQ(assemble_n(s, n + 6, &p, &d), 0);
	CHECK_EQ(p.len, 1);
	cbpf_prog_free(&p);
	size_t at = n + 1;
	n += (size_t)sprintf(s + n, "l77: ret #1");
	expect_error_n(s, n, 1, (unsigned)at, "label 'l77' is already defined at line 1", __LINE__);
	free(s);
}

int main(void)
{
	test_documented();
	test_one_liners();
	test_extensions();
	test_jumps();
	test_jump_range();
	test_numbers();
	test_comments_and_layout();
	test_case_rules();
	test_keywords();
	test_annotations_and_raw();
	test_errors();
	test_max_insns();
	test_print();
	test_roundtrip_all_codes();
	test_roundtrip_random();
	test_fixpoint();
#ifdef CBPF_HAVE_PCAP
	test_pcap_corpus();
#endif
	test_garbage();
	test_hostile();
	return CHECK_DONE();
}
