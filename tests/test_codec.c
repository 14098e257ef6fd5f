/*
 * test_codec.c - the instruction model: the 49-opcode table matches
 * Linux's chk_code_allowed(), and decode/encode is lossless for every
 * 16-bit code with many jt/jf/k values (x/net/bpf canonicalises; we must not).
 */
#include "check.h"

#include <stdbool.h>

#include "cbpf/insn.h"
#include "cbpf/opcode.h"
#include "rng.h"

/* Linux net/core/filter.c chk_code_allowed(): the exact accepted codes. */
static const uint16_t linux_codes[CBPF_NOPCODES] = {
	0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x94, 0x9c, 0x54, 0x5c,
	0x44, 0x4c, 0x64, 0x6c, 0x74, 0x7c, 0xa4, 0xac, 0x84, 0x20, 0x28, 0x30,
	0x40, 0x48, 0x50, 0x80, 0x00, 0x01, 0x61, 0x81, 0xb1, 0x60, 0x02, 0x03,
	0x06, 0x16, 0x07, 0x87, 0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d,
};

static int is_linux_code(unsigned code)
{
	for (int i = 0; i < CBPF_NOPCODES; i++)
		if (linux_codes[i] == code)
			return 1;
	return 0;
}

static void test_whitelist(void)
{
	int n = 0;

	for (unsigned c = 0; c < 65536; c++) {
		const struct cbpf_opinfo *o = cbpf_opinfo((uint16_t)c);
		CHECK_EQ(o != NULL, is_linux_code(c));
		if (o != NULL) {
			n++;
			CHECK_EQ(o->code, c);
		}
	}
	CHECK_EQ(n, CBPF_NOPCODES);
	for (size_t i = 0; i < CBPF_NOPCODES; i++) {
		const struct cbpf_opinfo *o = cbpf_opinfo_at(i);
		CHECK(o != NULL && is_linux_code(o->code));
		if (i > 0)
			CHECK(cbpf_opinfo_at(i - 1)->code < o->code);
	}
	CHECK(cbpf_opinfo_at(CBPF_NOPCODES) == NULL);
}

static const uint32_t ks[] = {
	0, 1, 2, 3, 4, 15, 16, 31, 32, 33, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0x80000001, 0xdeadbeef, 0xfffffffe, 0xffffffff,
	0xfff00000, 0xffe00000, 0xffdfffff, 0xfffff000, 0xfffff001, 0xfffff004,
	0xfffff028, 0xfffff03c, 0xfffff040, 0xffffefff,
};
static const uint8_t js[] = { 0, 1, 0x80, 0xff };

static void test_roundtrip_exhaustive(void)
{
	long bad = 0;

	for (unsigned c = 0; c < 65536; c++)
		for (size_t a = 0; a < sizeof(js); a++)
			for (size_t b = 0; b < sizeof(js); b++)
				for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
					struct cbpf_insn in = { (uint16_t)c, js[a], js[b], ks[i] };
					struct cbpf_typed t = cbpf_decode(in);
					struct cbpf_insn out = cbpf_encode(&t);
					if (memcmp(&in, &out, sizeof(in)) != 0 && bad++ < 10)
						fprintf(stderr, "round trip %04x %u %u %08x -> %04x %u %u %08x\n",
							in.code, in.jt, in.jf, in.k, out.code, out.jt, out.jf, out.k);
					if ((t.kind == CBPF_KIND_INVALID) == is_linux_code(c) && bad++ < 10)
						fprintf(stderr, "code %04x: kind %d\n", c, t.kind);
				}
	CHECK_EQ(bad, 0);
	CHECK_EQ(sizeof(struct cbpf_insn), 8);
}

/* A pseudo-random sweep over the whole 64-bit space. */
static void test_roundtrip_random(void)
{
	struct ts_rng r;
	long bad = 0;

	ts_seed(&r, 0x9e3779b97f4a7c15ull);
	for (long i = 0; i < 2000000; i++) {
		uint64_t s = ts_next(&r);
		struct cbpf_insn in = { (uint16_t)s, (uint8_t)(s >> 16), (uint8_t)(s >> 24),
					(uint32_t)(s >> 32) };
		if (i & 1)
			in.code &= 0xff;
		struct cbpf_typed t = cbpf_decode(in);
		struct cbpf_insn out = cbpf_encode(&t);
		bad += memcmp(&in, &out, sizeof(in)) != 0;
	}
	CHECK_EQ(bad, 0);
}

static void test_typed_fields(void)
{
	struct cbpf_typed t;

	t = cbpf_decode(cbpf_stmt(0x28, 12));
	CHECK_EQ(t.kind, CBPF_KIND_LD_ABS);
	CHECK_EQ(t.size, CBPF_SIZE_H);
	/* Only LD|ABS with an exact SKF_AD_OFF+4n (n < 16) is an extension; size
	 * bits are kept (the kernel ignores them). */
	t = cbpf_decode(cbpf_stmt(0x30, 0xfffff028));
	CHECK_EQ(t.kind, CBPF_KIND_LD_EXT);
	CHECK_EQ(t.ext, CBPF_EXT_ALU_XOR_X);
	CHECK_EQ(t.size, CBPF_SIZE_B);
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x20, 0xfffff001)).kind, CBPF_KIND_LD_ABS);
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x20, 0xfffff040)).kind, CBPF_KIND_LD_ABS);
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x40, 0xfffff000)).kind, CBPF_KIND_LD_IND);
	CHECK_EQ(cbpf_decode(cbpf_stmt(0xb1, 0xfffff000)).kind, CBPF_KIND_LD_MSH);
	t = cbpf_decode(cbpf_stmt(0x9c, 0));
	CHECK_EQ(t.kind, CBPF_KIND_ALU);
	CHECK_EQ(t.alu, CBPF_ALU_MOD);
	CHECK_EQ(t.src, CBPF_SRC_X);
	t = cbpf_decode(cbpf_jump(0x45, 1, 2, 3));
	CHECK_EQ(t.kind, CBPF_KIND_JCOND);
	CHECK_EQ(t.jmp, CBPF_JMP_JSET);
	CHECK_EQ(t.jt, 2);
	CHECK_EQ(t.jf, 3);
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x16, 0)).src, CBPF_SRC_A);
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x0e, 0)).kind, CBPF_KIND_INVALID); /* ret x */
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x8c, 0)).kind, CBPF_KIND_INVALID); /* neg x */
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x21, 0)).kind, CBPF_KIND_INVALID); /* ldx [k] */
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x0120, 0)).kind, CBPF_KIND_INVALID); /* high bits */
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x87, 0)).kind, CBPF_KIND_TXA);
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x07, 0)).kind, CBPF_KIND_TAX);
	CHECK_EQ(cbpf_decode(cbpf_stmt(0x03, 0)).reg, CBPF_REG_X);
}

/* Typed values built by hand encode to the right opcode. */
static void test_encode_built(void)
{
	struct cbpf_typed t = { .kind = CBPF_KIND_LD_EXT, .size = CBPF_SIZE_W,
				.ext = CBPF_EXT_RANDOM };
	struct cbpf_insn i = cbpf_encode(&t);
	CHECK_EQ(i.code, 0x20);
	CHECK_EQ(i.k, 0xfffff038);

	t = (struct cbpf_typed){ .kind = CBPF_KIND_ALU, .alu = CBPF_ALU_XOR, .src = CBPF_SRC_X };
	CHECK_EQ(cbpf_encode(&t).code, 0xac);
	t = (struct cbpf_typed){ .kind = CBPF_KIND_JCOND, .jmp = CBPF_JMP_JGE, .src = CBPF_SRC_K,
				 .jt = 4, .jf = 9, .k = 7 };
	i = cbpf_encode(&t);
	CHECK_EQ(i.code, 0x35);
	CHECK_EQ(i.jt, 4);
	CHECK_EQ(i.jf, 9);
	t = (struct cbpf_typed){ .kind = CBPF_KIND_LD_IND, .size = CBPF_SIZE_B, .k = 14 };
	CHECK_EQ(cbpf_encode(&t).code, 0x50);
	t = (struct cbpf_typed){ .kind = CBPF_KIND_LD_LEN, .reg = CBPF_REG_X };
	CHECK_EQ(cbpf_encode(&t).code, 0x81);
	/* RET with X has no Linux opcode: falls back to raw_code. */
	t = (struct cbpf_typed){ .kind = CBPF_KIND_RET, .src = CBPF_SRC_X, .raw_code = 0x0e };
	CHECK_EQ(cbpf_encode(&t).code, 0x0e);
	CHECK_EQ(cbpf_code_for_alu(CBPF_ALU_MOD, CBPF_SRC_K), 0x94);
	CHECK_EQ(cbpf_code_for_jmp(CBPF_JMP_JEQ, CBPF_SRC_X), 0x1d);
}

/* cbpf_encode's ALU and jump codes, for every operation and source in
 * range or not, against the codes composed by hand from
 * linux/bpf_common.h's field values (BPF_ALU 0x04, BPF_JMP 0x05, BPF_X
 * 0x08); no code: raw_code stays. The public cbpf_code_for_alu/jmp must
 * agree. */
static void test_encode_op_codes(void)
{
	/* enum cbpf_alu_op order: add sub mul div mod and or xor lsh rsh */
	static const int alu_op[] = { 0x00, 0x10, 0x20, 0x30, 0x90, 0x50, 0x40, 0xa0, 0x60, 0x70 };
	/* enum cbpf_jmp_op order: jeq jgt jge jset */
	static const int jmp_op[] = { 0x10, 0x20, 0x30, 0x40 };

	CHECK_EQ(sizeof(alu_op) / sizeof(alu_op[0]), CBPF_ALU_COUNT);
	CHECK_EQ(sizeof(jmp_op) / sizeof(jmp_op[0]), CBPF_JMP_COUNT);
	for (int op = -1; op <= CBPF_ALU_COUNT; op++) {
		for (int src = 0; src <= 3; src++) {
			struct cbpf_typed t = { .kind = CBPF_KIND_ALU, .alu = (enum cbpf_alu_op)op,
						.src = (enum cbpf_src)src, .raw_code = 0x1234 };
			bool ok = op >= 0 && op < CBPF_ALU_COUNT && src <= CBPF_SRC_X;
			int want = ok ? 0x04 | alu_op[op] | (src == CBPF_SRC_X ? 0x08 : 0) : -1;
			CHECK_EQ(cbpf_encode(&t).code, want < 0 ? 0x1234 : want);
			CHECK_EQ(cbpf_code_for_alu((enum cbpf_alu_op)op, (enum cbpf_src)src), want);
		}
	}
	for (int op = -1; op <= CBPF_JMP_COUNT; op++) {
		for (int src = 0; src <= 3; src++) {
			struct cbpf_typed t = { .kind = CBPF_KIND_JCOND, .jmp = (enum cbpf_jmp_op)op,
						.src = (enum cbpf_src)src, .raw_code = 0x1234 };
			bool ok = op >= 0 && op < CBPF_JMP_COUNT && src <= CBPF_SRC_X;
			int want = ok ? 0x05 | jmp_op[op] | (src == CBPF_SRC_X ? 0x08 : 0) : -1;
			CHECK_EQ(cbpf_encode(&t).code, want < 0 ? 0x1234 : want);
			CHECK_EQ(cbpf_code_for_jmp((enum cbpf_jmp_op)op, (enum cbpf_src)src), want);
		}
	}
}

static void test_ext_names(void)
{
	CHECK_STR(cbpf_ext_asm_name(CBPF_EXT_VLAN_TAG_PRESENT), "vlan_avail");
	CHECK_STR(cbpf_ext_pcap_name(CBPF_EXT_VLAN_TAG_PRESENT), "vlanp");
	CHECK_STR(cbpf_ext_asm_name(CBPF_EXT_RANDOM), "rand");
	CHECK_STR(cbpf_ext_pcap_name(CBPF_EXT_RANDOM), "random");
	CHECK_STR(cbpf_ext_asm_name(CBPF_EXT_ALU_XOR_X), "xor_x");
	CHECK_EQ(cbpf_ext_from_k(0xfffff000), CBPF_EXT_PROTOCOL);
	CHECK_EQ(cbpf_ext_from_k(0xfffff03c), CBPF_EXT_VLAN_TPID);
	CHECK_EQ(cbpf_ext_from_k(0xfffff040), -1);
	CHECK_EQ(cbpf_ext_from_k(0xfffff002), -1);
	CHECK_EQ(cbpf_ext_from_k(0xffffefff), -1);
	CHECK_EQ(cbpf_ext_k(CBPF_EXT_CPU), 0xfffff024);
}

int main(void)
{
	test_whitelist();
	test_roundtrip_exhaustive();
	test_roundtrip_random();
	test_typed_fields();
	test_encode_built();
	test_encode_op_codes();
	test_ext_names();
	return CHECK_DONE();
}
