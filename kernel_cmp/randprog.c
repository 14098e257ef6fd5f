/*
 * randprog.c - generating random valid programs (rejection-sampled
 * through cbpf_validate, so "valid" means what the validator says).
 */
#include "randprog.h"

#include "cbpf/opcode.h"
#include "cbpf/validate.h"

void kc_rng_seed(struct kc_rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

/* xorshift64* */
uint64_t kc_rng_next(struct kc_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

uint32_t kc_rng_below(struct kc_rng *r, uint32_t n)
{
	return (uint32_t)(kc_rng_next(r) % n);
}

static uint32_t rand_k(struct kc_rng *r, uint32_t pkt)
{
	static const uint32_t special[] = { 0, 1, 2, 3, 7, 8, 31, 32, 33, 64, 255, 256, 0x7fffffff,
					    0x80000000, 0xfffffffe, 0xffffffff, 0xfff, 0x10000 };
	switch (kc_rng_below(r, 4)) {
	case 0: return special[kc_rng_below(r, sizeof(special) / sizeof(special[0]))];
	case 1: return kc_rng_below(r, pkt + 8);
	case 2: return kc_rng_below(r, 256);
	default: return (uint32_t)kc_rng_next(r);
	}
}

/* A packet offset: mostly inside, sometimes straddling or past the end,
 * sometimes in the NET/LL windows. */
static uint32_t rand_off(struct kc_rng *r, uint32_t pkt)
{
	switch (kc_rng_below(r, 8)) {
	case 0: return (uint32_t)CBPF_SKF_NET_OFF + kc_rng_below(r, 16);
	case 1: return (uint32_t)CBPF_SKF_LL_OFF + kc_rng_below(r, 16);
	case 2: return pkt + kc_rng_below(r, 8) - 4;
	default: return kc_rng_below(r, pkt ? pkt : 1);
	}
}

static const enum cbpf_ext det_exts[] = {
	CBPF_EXT_PROTOCOL, CBPF_EXT_PKTTYPE, CBPF_EXT_MARK, CBPF_EXT_QUEUE, CBPF_EXT_RXHASH,
	CBPF_EXT_CPU, CBPF_EXT_ALU_XOR_X, CBPF_EXT_VLAN_TAG, CBPF_EXT_VLAN_TAG_PRESENT,
	CBPF_EXT_PAY_OFFSET, CBPF_EXT_VLAN_TPID, CBPF_EXT_NLATTR, CBPF_EXT_NLATTR_NEST,
};

static const uint16_t sizes[] = { CBPF_W, CBPF_H, CBPF_B };

static struct cbpf_insn rand_load(struct kc_rng *r, const struct kc_randprog_opts *o)
{
	uint16_t size = sizes[kc_rng_below(r, 3)];
	uint32_t pkt = o->pkt_hint;

	if (o->seccomp)
		return cbpf_stmt(CBPF_LD | CBPF_W | CBPF_ABS, 4 * kc_rng_below(r, 16));
	switch (kc_rng_below(r, 6)) {
	case 0: return cbpf_stmt(CBPF_LD | size | CBPF_ABS, rand_off(r, pkt));
	case 1: return cbpf_stmt(CBPF_LD | size | CBPF_IND, kc_rng_below(r, 2) ? kc_rng_below(r, pkt + 4) : rand_k(r, pkt));
	case 2: return cbpf_stmt(CBPF_LDX | CBPF_B | CBPF_MSH, rand_off(r, pkt));
	case 3: {
		enum cbpf_ext e = det_exts[kc_rng_below(r, sizeof(det_exts) / sizeof(det_exts[0]))];
		if (o->nondeterministic && kc_rng_below(r, 4) == 0)
			e = kc_rng_below(r, 3) == 0 ? CBPF_EXT_RANDOM
			  : kc_rng_below(r, 2) ? CBPF_EXT_IFINDEX : CBPF_EXT_HATYPE;
		return cbpf_stmt(CBPF_LD | size | CBPF_ABS, cbpf_ext_k(e));
	}
	case 4: return cbpf_stmt(CBPF_LD | CBPF_W | CBPF_LEN, 0);
	default: return cbpf_stmt(CBPF_LDX | CBPF_W | CBPF_LEN, 0);
	}
}

static struct cbpf_insn rand_alu(struct kc_rng *r, const struct kc_randprog_opts *o)
{
	static const uint16_t ops[] = { CBPF_ADD, CBPF_SUB, CBPF_MUL, CBPF_DIV, CBPF_OR, CBPF_AND,
					CBPF_LSH, CBPF_RSH, CBPF_MOD, CBPF_XOR };
	uint16_t op = ops[kc_rng_below(r, sizeof(ops) / sizeof(ops[0]))];
	uint32_t k = rand_k(r, o->pkt_hint);

	if (o->seccomp && op == CBPF_MOD)
		op = CBPF_XOR;
	if (kc_rng_below(r, 3) == 0)
		return cbpf_stmt(CBPF_ALU | op | CBPF_X, 0);
	if (op == CBPF_LSH || op == CBPF_RSH)
		k &= 31;
	if ((op == CBPF_DIV || op == CBPF_MOD) && k == 0)
		k = 3;
	return cbpf_stmt(CBPF_ALU | op | CBPF_K, k);
}

static struct cbpf_insn rand_jump(struct kc_rng *r, const struct kc_randprog_opts *o,
				  size_t i, size_t len)
{
	static const uint16_t ops[] = { CBPF_JEQ, CBPF_JGT, CBPF_JGE, CBPF_JSET };
	size_t room = len - i - 2; /* targets up to len-1 */
	uint16_t src = kc_rng_below(r, 4) == 0 ? CBPF_X : CBPF_K;

	if (kc_rng_below(r, 6) == 0)
		return cbpf_stmt(CBPF_JMP | CBPF_JA, kc_rng_below(r, (uint32_t)room + 1));
	return cbpf_jump(CBPF_JMP | ops[kc_rng_below(r, 4)] | src, rand_k(r, o->pkt_hint),
			 (uint8_t)kc_rng_below(r, (uint32_t)(room > 255 ? 255 : room) + 1),
			 (uint8_t)kc_rng_below(r, (uint32_t)(room > 255 ? 255 : room) + 1));
}

static struct cbpf_insn rand_ret(struct kc_rng *r, uint32_t pkt)
{
	if (kc_rng_below(r, 2))
		return cbpf_stmt(CBPF_RET | CBPF_RET_A, 0);
	return cbpf_stmt(CBPF_RET | CBPF_K, rand_k(r, pkt));
}

static struct cbpf_insn rand_insn(struct kc_rng *r, const struct kc_randprog_opts *o, size_t i,
				  size_t len)
{
	uint32_t pick = kc_rng_below(r, 20);

	if (pick < 5)
		return rand_load(r, o);
	if (pick < 10)
		return rand_alu(r, o);
	if (pick < 13 && i + 2 < len)
		return rand_jump(r, o, i, len);
	switch (pick) {
	case 13: return cbpf_stmt(CBPF_LD | CBPF_IMM, rand_k(r, o->pkt_hint));
	case 14: return cbpf_stmt(CBPF_LDX | CBPF_IMM, rand_k(r, o->pkt_hint));
	case 15: return cbpf_stmt(CBPF_MISC | (kc_rng_below(r, 2) ? CBPF_TAX : CBPF_TXA), 0);
	case 16: return cbpf_stmt(CBPF_ALU | CBPF_NEG, 0);
	case 17: return cbpf_stmt(kc_rng_below(r, 2) ? CBPF_ST : CBPF_STX, kc_rng_below(r, 4));
	case 18: return cbpf_stmt((kc_rng_below(r, 2) ? CBPF_LD : CBPF_LDX) | CBPF_MEM,
				  kc_rng_below(r, 4));
	default: return rand_ret(r, o->pkt_hint);
	}
}

size_t kc_randprog(struct kc_rng *r, const struct kc_randprog_opts *o, struct cbpf_insn *out)
{
	enum cbpf_profile prof = o->seccomp ? CBPF_PROFILE_SECCOMP : CBPF_PROFILE_LINUX;
	size_t max = o->max_len < 1 ? 1 : o->max_len > CBPF_MAXINSNS ? CBPF_MAXINSNS : o->max_len;

	for (;;) {
		size_t len = 1 + kc_rng_below(r, (uint32_t)max);
		for (size_t i = 0; i + 1 < len; i++)
			out[i] = rand_insn(r, o, i, len);
		out[len - 1] = rand_ret(r, o->pkt_hint);
		if (cbpf_validate(out, len, prof, NULL, 0, NULL) == 0)
			return len;
	}
}
