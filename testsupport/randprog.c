/*
 * randprog.c - the two shapes of random programs (randprog.h) and the
 * rejection loop that makes them valid on request. Every draw is its own
 * statement, so a program does not depend on the order a compiler
 * evaluates arguments or initialisers in.
 */
#include "randprog.h"

#include <stdio.h>
#include <stdlib.h>

#include "cbpf/opcode.h"

static bool ext_allowed(const struct ts_prog_opts *o, uint32_t k)
{
	int e = cbpf_ext_from_k(k);

	if (e == CBPF_EXT_RANDOM)
		return o->det == TS_DET_ANY;
	if (e == CBPF_EXT_IFINDEX || e == CBPF_EXT_HATYPE)
		return o->det != TS_DET_NO_DEVICE;
	return true;
}

static uint32_t ext_k(struct ts_rng *r, const struct ts_prog_opts *o)
{
	uint32_t k;

	do
		k = cbpf_ext_k((enum cbpf_ext)ts_below(r, CBPF_EXT_COUNT));
	while (!ext_allowed(o, k));
	return k;
}

/* A packet offset: mostly inside the packet (pkt_hint, or small packets
 * without one), sometimes around its end, in the NET/LL windows, at an
 * extension (ABS loads) or far away. */
static uint32_t offset(struct ts_rng *r, const struct ts_prog_opts *o, bool abs_load)
{
	uint32_t hint = o->pkt_hint;

	switch (ts_below(r, 10)) {
	case 0: return (uint32_t)CBPF_SKF_NET_OFF + ts_below(r, 64);
	case 1: return (uint32_t)CBPF_SKF_LL_OFF + ts_below(r, 64);
	case 2: return abs_load ? ext_k(r, o) : ts_u32(r);
	case 3: return ts_u32(r);
	case 4: return hint ? hint + ts_below(r, 8) - 4 : ts_below(r, 70010);
	case 5:
	case 6: return ts_below(r, hint ? hint + 8 : 320);
	default: return ts_below(r, hint ? hint : 48);
	}
}

static uint32_t abs_k(struct ts_rng *r, const struct ts_prog_opts *o)
{
	uint32_t k;

	if (o->profile == CBPF_PROFILE_SECCOMP)
		return 4 * ts_below(r, 16); /* aligned, inside struct seccomp_data */
	k = ts_chance(r, 12) ? ext_k(r, o) : offset(r, o, true);
	return ext_allowed(o, k) ? k : 0;
}

/* Operands that keep an instruction valid where the validator checks;
 * unused fields hold junk. Jumps may land up to n - 1. */
static struct cbpf_insn opcode_insn(struct ts_rng *r, const struct ts_prog_opts *o,
				    const struct cbpf_opinfo *op, size_t pc, size_t n)
{
	uint32_t room = (uint32_t)(n - pc - 2);
	uint32_t cells = o->scratch_mix ? 4 : CBPF_MEMWORDS;
	struct cbpf_insn in = { op->code, 0, 0, 0 };

	in.jt = (uint8_t)ts_next(r);
	in.jf = (uint8_t)ts_next(r);
	in.k = o->pkt_hint && ts_chance(r, 25) ? ts_below(r, o->pkt_hint + 8) : ts_u32(r);
	switch (op->kind) {
	case CBPF_KIND_LD_ABS:
		in.k = abs_k(r, o);
		break;
	case CBPF_KIND_LD_IND:
	case CBPF_KIND_LD_MSH:
		in.k = offset(r, o, false);
		break;
	case CBPF_KIND_LD_MEM:
	case CBPF_KIND_ST:
		in.k = ts_below(r, ts_chance(r, 97) ? cells : 40);
		break;
	case CBPF_KIND_ALU:
		if (op->alu == CBPF_ALU_LSH || op->alu == CBPF_ALU_RSH)
			in.k = ts_below(r, ts_chance(r, 97) ? 32 : 64);
		else if ((op->alu == CBPF_ALU_DIV || op->alu == CBPF_ALU_MOD) && in.k == 0)
			in.k = ts_chance(r, 95) ? 3 : 0;
		break;
	case CBPF_KIND_JA:
		in.k = room == 0 ? 0 : ts_below(r, room + (ts_chance(r, 3) ? 3 : 1));
		break;
	case CBPF_KIND_JCOND:
		in.jt = (uint8_t)ts_below(r, room > 255 ? 256 : room + 1);
		in.jf = (uint8_t)ts_below(r, room > 255 ? 256 : room + 1);
		break;
	case CBPF_KIND_RET:
		if (ts_chance(r, 70))
			in.k = ts_below(r, 400);
		break;
	default:
		break;
	}
	return in;
}

/* The scratch mix (randprog.h): a ret, an M[] access, or any other. */
static const struct cbpf_opinfo *pick_scratch_mix(struct ts_rng *r, const struct ts_prog_opts *o)
{
	static const uint16_t mem[] = { CBPF_LD | CBPF_MEM, CBPF_LDX | CBPF_MEM, CBPF_ST,
					CBPF_STX };
	const struct cbpf_opinfo *op;

	if (ts_chance(r, 5))
		return cbpf_opinfo(ts_chance(r, 50) ? CBPF_RET | CBPF_RET_A : CBPF_RET | CBPF_K);
	if (ts_chance(r, 10))
		return cbpf_opinfo(mem[ts_below(r, 4)]);
	do
		op = cbpf_opinfo_at(ts_below(r, CBPF_NOPCODES));
	while ((o->profile == CBPF_PROFILE_SECCOMP && !op->seccomp) || op->kind == CBPF_KIND_RET);
	return op;
}

/* An opcode for the profile: rets in the middle are rare (80% drawn
 * again), M[] reads are half the time stores instead. */
static const struct cbpf_opinfo *pick_opcode(struct ts_rng *r, const struct ts_prog_opts *o)
{
	const struct cbpf_opinfo *op;

	if (o->scratch_mix)
		return pick_scratch_mix(r, o);
	do {
		op = cbpf_opinfo_at(ts_below(r, CBPF_NOPCODES));
		if (op->kind == CBPF_KIND_RET && ts_chance(r, 80))
			op = cbpf_opinfo_at(ts_below(r, CBPF_NOPCODES));
		if (op->kind == CBPF_KIND_LD_MEM && ts_chance(r, 50))
			op = cbpf_opinfo(CBPF_ST);
	} while (o->profile == CBPF_PROFILE_SECCOMP && !op->seccomp);
	return op;
}

/* The last instruction: ret a (often after masking A small) or ret #k. */
static void final_ret(struct ts_rng *r, struct cbpf_insn *out, size_t pc)
{
	if (ts_chance(r, 60)) {
		if (pc >= 1 && ts_chance(r, 50) && out[pc - 1].code != (CBPF_RET | CBPF_RET_A))
			out[pc - 1] = cbpf_stmt(CBPF_ALU | CBPF_AND | CBPF_K,
						ts_chance(r, 50) ? 0xff : 0x1ffff);
		out[pc] = cbpf_stmt(CBPF_RET | CBPF_RET_A, 0);
	} else {
		uint32_t k = ts_chance(r, 80) ? ts_below(r, 400) : ts_u32(r);
		out[pc] = cbpf_stmt(CBPF_RET | CBPF_K, k);
	}
}

static size_t opcode_prog(struct ts_rng *r, const struct ts_prog_opts *o, size_t max,
			  struct cbpf_insn *out)
{
	size_t n = 1 + ts_below(r, (uint32_t)max);
	size_t pc = 0;

	if (ts_chance(r, 30) && n + 1 <= max) {
		out[pc++] = cbpf_stmt(CBPF_LD | CBPF_IMM, ts_u32(r));
		n++;
	}
	if (ts_chance(r, 40) && n + 1 <= max) {
		out[pc++] = cbpf_stmt(CBPF_LDX | CBPF_IMM, 1 + ts_below(r, 40));
		n++;
	}
	for (; pc + 1 < n; pc++) {
		const struct cbpf_opinfo *op = pick_opcode(r, o);
		out[pc] = opcode_insn(r, o, op, pc, n);
	}
	final_ret(r, out, pc);
	return n;
}

/* A value made of bytes 0..2, like the packets libpcap-shaped programs
 * are run on in tests/test_vm_jit.c. */
static uint32_t small_value(struct ts_rng *r, unsigned bytes)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | ts_below(r, 3);
	return v;
}

static struct cbpf_insn libpcap_misc(struct ts_rng *r, const struct ts_prog_opts *o,
				     uint16_t sz)
{
	switch (ts_below(r, 8)) {
	case 0: return cbpf_stmt(CBPF_LD | CBPF_IMM, small_value(r, 2));
	case 1: return cbpf_stmt(CBPF_LDX | CBPF_IMM, ts_below(r, 20));
	case 2: return cbpf_stmt(CBPF_LD | CBPF_LEN, 0);
	case 3: return cbpf_stmt(CBPF_LDX | CBPF_B | CBPF_MSH, ts_below(r, 30));
	case 4: return cbpf_stmt(CBPF_LD | sz | CBPF_IND, ts_below(r, 30));
	case 5: return cbpf_stmt(CBPF_LD | CBPF_W | CBPF_ABS, ext_k(r, o));
	case 6: return cbpf_stmt(CBPF_LD | sz | CBPF_ABS,
				 (uint32_t)CBPF_SKF_NET_OFF + ts_below(r, 20));
	default: return cbpf_stmt(CBPF_MISC | CBPF_TAX, 0);
	}
}

/* A conditional jump on a constant (or X) to the next, any later, or one
 * of the two final rets (room: how many instructions it may skip). */
static struct cbpf_insn libpcap_jump(struct ts_rng *r, uint32_t room)
{
	static const uint16_t jumps[] = { CBPF_JEQ, CBPF_JGT, CBPF_JGE, CBPF_JSET };
	uint32_t jt = ts_chance(r, 50) ? room - ts_below(r, 2) : ts_below(r, room + 1);
	uint32_t jf = ts_chance(r, 50) ? room - ts_below(r, 2) : ts_below(r, room + 1);
	uint16_t code = CBPF_JMP | jumps[ts_below(r, 4)];
	uint32_t k;

	code |= ts_chance(r, 10) ? CBPF_X : CBPF_K;
	k = small_value(r, 1 + ts_below(r, 4));
	return cbpf_jump(code, k, (uint8_t)jt, (uint8_t)jf);
}

static struct cbpf_insn libpcap_insn(struct ts_rng *r, const struct ts_prog_opts *o,
				     uint32_t room)
{
	static const uint16_t sizes[] = { CBPF_W, CBPF_H, CBPF_B };
	static const uint16_t alus[] = { CBPF_ADD, CBPF_SUB, CBPF_MUL, CBPF_AND, CBPF_OR,
					 CBPF_XOR, CBPF_LSH, CBPF_RSH, CBPF_DIV, CBPF_MOD };
	uint16_t sz = sizes[ts_below(r, 3)], op;
	uint32_t k;

	switch (ts_below(r, 12)) {
	case 0: case 1: case 2: case 3:
		k = ts_chance(r, 4) ? 0x7ffffffe : ts_below(r, o->pkt_hint ? o->pkt_hint : 48);
		return cbpf_stmt(CBPF_LD | sz | CBPF_ABS, k);
	case 4:
		op = alus[ts_below(r, 10)];
		k = op == CBPF_LSH || op == CBPF_RSH ? ts_below(r, 32) : 1 + ts_below(r, 300);
		return cbpf_stmt(CBPF_ALU | op | CBPF_K, k);
	case 5:
		return libpcap_misc(r, o, sz);
	default:
		return libpcap_jump(r, room);
	}
}

static size_t libpcap_prog(struct ts_rng *r, const struct ts_prog_opts *o, size_t max,
			   struct cbpf_insn *out)
{
	size_t top = max < 16 ? max : 16;
	size_t n = top < 3 ? top : 3 + ts_below(r, (uint32_t)(top - 2));

	for (size_t pc = 0; pc + 2 < n; pc++)
		out[pc] = libpcap_insn(r, o, (uint32_t)(n - pc - 2));
	if (n >= 2)
		out[n - 2] = ts_chance(r, 30) ? cbpf_stmt(CBPF_RET | CBPF_RET_A, 0)
					      : cbpf_stmt(CBPF_RET | CBPF_K, 0x40000);
	out[n - 1] = ts_chance(r, 30) ? cbpf_stmt(CBPF_RET | CBPF_RET_A, 0)
				      : cbpf_stmt(CBPF_RET | CBPF_K, ts_below(r, 3));
	return n;
}

size_t ts_randprog(struct ts_rng *r, const struct ts_prog_opts *o, struct cbpf_insn *out)
{
	size_t max = o->max_len < 1 ? 1 : o->max_len > CBPF_MAXINSNS ? CBPF_MAXINSNS : o->max_len;

	if (o->shape == TS_SHAPE_LIBPCAP && o->profile != CBPF_PROFILE_LINUX) {
		fprintf(stderr, "ts_randprog: libpcap-shaped programs are socket filters "
				"(profile LINUX only)\n");
		abort();
	}
	for (;;) {
		size_t n = o->shape == TS_SHAPE_LIBPCAP ? libpcap_prog(r, o, max, out)
							: opcode_prog(r, o, max, out);
		if (!o->valid || cbpf_validate(out, n, o->profile, NULL, 0, NULL) == 0)
			return n;
	}
}
