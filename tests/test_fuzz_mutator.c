/*
 * test_fuzz_mutator.c - the fuzz targets' input layout (fuzz/fz_input.c)
 * and structure-aware mutator (fuzz/fz_mutator.c), built here without
 * libFuzzer (its byte mutator is then absent): split/join round trips,
 * mutated programs stay mostly valid, every opcode and the edge operands
 * are produced, and invalid programs stay reachable; fuzz_text's mutator
 * (fuzz/fz_text_mutator.c) writes listings in every format from nothing.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../fuzz/fz_input.c"
#include "../fuzz/fz_mutator.c"
#include "../fuzz/fz_text_mutator.c"
#include "cbpf/format.h"
#include "cbpf/opcode.h"
#include "cbpf/validate.h"
#include "check.h"

static const struct cbpf_insn seed_prog[] = {
	{ 0x28, 0, 0, 12 }, { 0x15, 0, 1, 0x800 }, { 0x06, 0, 0, 1 }, { 0x06, 0, 0, 0 },
};

static size_t seed(uint8_t *buf, size_t cap)
{
	uint8_t pkt[64];

	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i + 5);
	return fz_join(seed_prog, 4, pkt, sizeof(pkt), buf, cap);
}

static void split_join(void)
{
	uint8_t buf[256], again[256];
	struct fz_case c;
	size_t n = seed(buf, sizeof(buf));

	CHECK_EQ(n, 1 + 4 * 8 + 64);
	fz_split(buf, n, &c);
	CHECK_EQ(c.n, 4);
	CHECK_EQ(c.len, 64);
	CHECK_EQ(c.pkt[0], 5);
	CHECK(memcmp(c.insns, seed_prog, sizeof(seed_prog)) == 0);
	CHECK_EQ(fz_join(c.insns, c.n, c.pkt, c.len, again, sizeof(again)), n);
	CHECK(memcmp(buf, again, n) == 0);
	/* n larger than what follows: clamped to whole records. */
	buf[0] = 200;
	fz_split(buf, 1 + 8 * 3 + 5, &c);
	CHECK_EQ(c.n, 3);
	CHECK_EQ(c.len, 5);
	fz_split(buf, 0, &c);
	CHECK_EQ(c.n, 0);
	CHECK_EQ(c.len, 0);
}

static void mutations(void)
{
	static uint8_t buf[8192];
	bool seen_code[256] = { false };
	unsigned valid = 0, invalid = 0, total = 20000, codes = 0;
	bool k_max = false, k_sign = false, k_len1 = false, k_ext = false;
	size_t size = seed(buf, sizeof(buf));

	for (unsigned i = 0; i < total; i++) {
		struct fz_case c;

		if (i % 50 == 0)
			size = seed(buf, sizeof(buf));
		size = fz_mutate(buf, size, sizeof(buf), i);
		fz_split(buf, size, &c);
		CHECK(c.n <= fz_mutator_opts.max_insns);
		if (cbpf_validate(c.insns, c.n, CBPF_PROFILE_LINUX, NULL, 0, NULL) == 0)
			valid++;
		else
			invalid++;
		for (size_t j = 0; j < c.n; j++) {
			if (c.insns[j].code < 256)
				seen_code[c.insns[j].code] = true;
			k_max |= c.insns[j].k == 0xffffffffu;
			k_sign |= c.insns[j].k == 0x80000000u;
			k_len1 |= c.len && c.insns[j].k == c.len + 1;
			k_ext |= cbpf_ext_from_k(c.insns[j].k) >= 0;
		}
	}
	for (size_t i = 0; i < CBPF_NOPCODES; i++)
		codes += seen_code[cbpf_opinfo_at(i)->code];
	fprintf(stderr, "mutator: %u valid, %u invalid of %u\n", valid, invalid, total);
	CHECK(valid * 10 >= total * 6);
	CHECK(invalid > 0);
	CHECK_EQ(codes, CBPF_NOPCODES);
	CHECK(k_max && k_sign && k_len1 && k_ext);
}

/* fuzz_text's mutator (fz_text_mutator.c), from an empty corpus as the
 * benchmark's -empty setups start: a chain of its own outputs, without
 * libFuzzer's byte mutator, must spell programs in every listing format
 * (conditional jumps with jt != jf among them, what tcpdump -d listings
 * print as two targets), fit max_size, and a context selector is left to
 * the byte mutator. */
static void text_mutations(void)
{
	static uint8_t buf[512];
	const enum cbpf_format fmts[] = FZ_TEXT_FORMATS;
	unsigned parsed = 0, total = 4000, jt_ne_jf = 0, seen_fmt[FZ_TEXT_NFORMATS] = { 0 };
	size_t size = 0;

	fz_mutator_opts.max_insns = 16;
	fz_mutator_opts.max_packet = 0;
	for (unsigned i = 0; i < total; i++) {
		struct cbpf_prog prog = { 0 };
		struct cbpf_diag d;
		enum cbpf_format f;

		size = fz_mutate_text(buf, size, sizeof(buf), i);
		CHECK(size <= sizeof(buf));
		if (size == 0)
			continue;
		CHECK(buf[0] % FZ_TEXT_NSELECTORS < FZ_TEXT_NFORMATS);
		f = fmts[buf[0] % FZ_TEXT_NSELECTORS];
		seen_fmt[buf[0] % FZ_TEXT_NSELECTORS]++;
		if (cbpf_parse(f, buf + 1, size - 1, &prog, &d) == 0) {
			parsed++;
			for (size_t j = 0; j < prog.len; j++)
				jt_ne_jf += cbpf_opinfo(prog.insns[j].code) &&
					    cbpf_opinfo(prog.insns[j].code)->kind == CBPF_KIND_JCOND &&
					    prog.insns[j].jt != prog.insns[j].jf;
		}
		cbpf_prog_free(&prog);
	}
	fprintf(stderr, "text mutator: %u of %u parse, %u jumps with jt != jf\n", parsed, total,
		jt_ne_jf);
	/* without libFuzzer every output is the printer's */
	CHECK_EQ(parsed, total);
	CHECK(jt_ne_jf > 100);
	for (size_t i = 0; i < FZ_TEXT_NFORMATS; i++)
		CHECK(seen_fmt[i] > total / 20);
	/* a context selector (JSON) with no byte mutator: unchanged half the time */
	buf[0] = FZ_TEXT_NFORMATS;
	memcpy(buf + 1, "{}", 2);
	unsigned kept = 0;
	for (unsigned i = 0; i < 200; i++) {
		buf[0] = FZ_TEXT_NFORMATS;
		memcpy(buf + 1, "{}", 2);
		kept += fz_mutate_text(buf, 3, sizeof(buf), i) == 3 && buf[0] == FZ_TEXT_NFORMATS;
	}
	CHECK(kept > 50 && kept < 200);
	fz_mutator_opts.max_insns = 48;
	fz_mutator_opts.max_packet = 1600;
}

/* An `ld #nla` gets an attribute where it searches: after an empty one of
 * another type at A (ld #k), one of X's type (ldx #k), with the flag bits
 * nla_find masks off on some. */
static void nlattr_planted(void)
{
	const struct cbpf_insn prog[] = {
		{ 0x00, 0, 0, 8 }, { 0x01, 0, 0, 0x105 }, { 0x20, 0, 0, cbpf_ext_k(CBPF_EXT_NLATTR) },
		{ 0x16, 0, 0, 0 },
	};
	uint8_t buf[512];
	unsigned planted = 0, flagged = 0;

	for (unsigned i = 0; i < 4000; i++) {
		struct fz_case c;
		uint16_t hdr[2];
		size_t size = fz_join(prog, 4, (const uint8_t *)"", 0, buf, sizeof(buf));

		size = fz_mutate(buf, size, sizeof(buf), i);
		fz_split(buf, size, &c);
		if (c.len < 24)
			continue;
		memcpy(hdr, c.pkt + 8, sizeof(hdr));
		if (hdr[0] != 4 || hdr[1] != 0x106)
			continue;
		memcpy(hdr, c.pkt + 12, sizeof(hdr));
		if (hdr[0] >= 4 && hdr[0] < 12 && (hdr[1] & 0x3fff) == 0x105) {
			planted++;
			flagged += (hdr[1] & 0xc000) != 0;
		}
	}
	fprintf(stderr, "nlattr: %u planted, %u with flag bits\n", planted, flagged);
	CHECK(planted > 20);
	CHECK(flagged > planted / 2 && flagged < planted);
}

int main(void)
{
	nlattr_planted();
	split_join();
	mutations();
	text_mutations();
	return CHECK_DONE();
}
