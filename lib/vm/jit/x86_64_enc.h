/*
 * vm/jit/x86_64_enc.h - (library-private, included by vm/jit/x86_64.c) a minimal
 * x86-64 instruction encoder into a growable byte buffer: exactly the
 * instruction forms the cBPF JIT emits, written from the Intel SDM
 * encoding tables (REX prefix, ModRM, SIB, displacements, immediates).
 *
 * Registers are numbered as in the encoding (RAX = 0 ... R15 = 15). An
 * "r32" form operates on the low 32 bits and zeroes the upper 32, as every
 * 32-bit write on x86-64 does. Memory operands are [base + disp32] or
 * [base + index + disp32] with scale 1.
 */
#ifndef CBPF_X86_64_ENC_H
#define CBPF_X86_64_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum x86_reg {
	X86_RAX = 0, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15
};

/* Condition codes (the low nibble of Jcc). */
enum x86_cc {
	X86_CC_B = 0x2, X86_CC_AE = 0x3, X86_CC_E = 0x4, X86_CC_NE = 0x5,
	X86_CC_BE = 0x6, X86_CC_A = 0x7, X86_CC_S = 0x8, X86_CC_NS = 0x9
};

/* The /digit of the group-1 ALU opcodes (0x81, 0x83) and the matching
 * register-register opcode (op r/m32, r32) is 8 * digit + 1. */
enum x86_alu {
	X86_ADD = 0, X86_OR = 1, X86_ADC = 2, X86_AND = 4, X86_SUB = 5, X86_XOR = 6, X86_CMP = 7
};

struct x86_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool oom;   /* an allocation failed: the buffer is unusable */
};

static inline void x86_byte(struct x86_buf *b, uint8_t v)
{
	if (b->oom)
		return;
	if (b->len == b->cap) {
		size_t cap = b->cap == 0 ? 4096 : 2 * b->cap;
		uint8_t *p = realloc(b->p, cap);

		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = v;
}

static inline void x86_u32(struct x86_buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		x86_byte(b, (uint8_t)(v >> (8 * i)));
}

/* Overwrite a rel32 field at pos so that it reaches target. */
static inline void x86_patch_rel32(struct x86_buf *b, size_t pos, size_t target)
{
	uint32_t rel = (uint32_t)target - (uint32_t)(pos + 4);

	if (b->oom)
		return;
	for (int i = 0; i < 4; i++)
		b->p[pos + i] = (uint8_t)(rel >> (8 * i));
}

/* REX prefix for operand width w (REX.W), ModRM.reg, SIB.index, and
 * ModRM.rm/SIB.base; omitted when it would be 0x40. */
static inline void x86_rex(struct x86_buf *b, bool w, unsigned reg, unsigned index,
			   unsigned base)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 |
				((index >> 3) & 1) << 1 | ((base >> 3) & 1));

	if (rex != 0x40)
		x86_byte(b, rex);
}

static inline void x86_modrm(struct x86_buf *b, unsigned mod, unsigned reg, unsigned rm)
{
	x86_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (rm & 7)));
}

/* ModRM (+SIB) + displacement for [base + disp]: disp8 when it fits. */
static inline void x86_mem(struct x86_buf *b, unsigned reg, unsigned base, int32_t disp)
{
	unsigned mod = disp == 0 && (base & 7) != X86_RBP ? 0
		       : disp >= -128 && disp <= 127 ? 1 : 2;

	x86_modrm(b, mod, reg, base);
	if ((base & 7) == X86_RSP)
		x86_byte(b, 0x24); /* SIB: no index, base */
	if (mod == 1)
		x86_byte(b, (uint8_t)disp);
	else if (mod == 2)
		x86_u32(b, (uint32_t)disp);
}

/* opcode r, r/m (both registers), 32-bit or 64-bit (w). */
static inline void x86_op_rr(struct x86_buf *b, bool w, const uint8_t *op, size_t nop,
			     unsigned reg, unsigned rm)
{
	x86_rex(b, w, reg, 0, rm);
	for (size_t i = 0; i < nop; i++)
		x86_byte(b, op[i]);
	x86_modrm(b, 3, reg, rm);
}

/* opcode r, [base + disp]. */
static inline void x86_op_rm(struct x86_buf *b, bool w, const uint8_t *op, size_t nop,
			     unsigned reg, unsigned base, int32_t disp)
{
	x86_rex(b, w, reg, 0, base);
	for (size_t i = 0; i < nop; i++)
		x86_byte(b, op[i]);
	x86_mem(b, reg, base, disp);
}

/* opcode r, [base + index] (scale 1, no displacement; base is not RBP/R13). */
static inline void x86_op_rmi(struct x86_buf *b, const uint8_t *op, size_t nop, unsigned reg,
			      unsigned base, unsigned index)
{
	x86_rex(b, false, reg, index, base);
	for (size_t i = 0; i < nop; i++)
		x86_byte(b, op[i]);
	x86_modrm(b, 0, reg, X86_RSP); /* rm = 100: a SIB follows */
	x86_byte(b, (uint8_t)((index & 7) << 3 | (base & 7)));
}

/* opcode r, [base + index + disp32] (scale 1). */
static inline void x86_op_rmid(struct x86_buf *b, const uint8_t *op, size_t nop, unsigned reg,
			       unsigned base, unsigned index, int32_t disp)
{
	x86_rex(b, false, reg, index, base);
	for (size_t i = 0; i < nop; i++)
		x86_byte(b, op[i]);
	x86_modrm(b, 2, reg, X86_RSP); /* mod = 10: disp32; rm = 100: a SIB follows */
	x86_byte(b, (uint8_t)((index & 7) << 3 | (base & 7)));
	x86_u32(b, (uint32_t)disp);
}

/* mov r32, imm32 (xor r32, r32 for 0 is not used: it changes flags). */
static inline void x86_mov_ri(struct x86_buf *b, unsigned r, uint32_t imm)
{
	x86_rex(b, false, 0, 0, r);
	x86_byte(b, (uint8_t)(0xb8 + (r & 7)));
	x86_u32(b, imm);
}

/* mov r64, imm64 (movabs). */
static inline void x86_mov_ri64(struct x86_buf *b, unsigned r, uint64_t imm)
{
	x86_rex(b, true, 0, 0, r);
	x86_byte(b, (uint8_t)(0xb8 + (r & 7)));
	x86_u32(b, (uint32_t)imm);
	x86_u32(b, (uint32_t)(imm >> 32));
}

/* call r64. */
static inline void x86_call_r(struct x86_buf *b, unsigned r)
{
	x86_rex(b, false, 0, 0, r);
	x86_byte(b, 0xff);
	x86_modrm(b, 3, 2, r);
}

/* mov dst, src (32-bit, or 64-bit with w). */
static inline void x86_mov_rr(struct x86_buf *b, bool w, unsigned dst, unsigned src)
{
	static const uint8_t op[] = { 0x89 };

	x86_op_rr(b, w, op, 1, src, dst);
}

/* alu dst, src (32-bit, or 64-bit with w): op r/m, r. */
static inline void x86_alu_rr(struct x86_buf *b, bool w, enum x86_alu alu, unsigned dst,
			      unsigned src)
{
	uint8_t op = (uint8_t)(8 * (unsigned)alu + 1);

	x86_op_rr(b, w, &op, 1, src, dst);
}

/* alu r, imm32 (imm8 sign-extended when it fits; 64-bit with w, the
 * immediate sign-extended to 64 bits). */
static inline void x86_alu_ri(struct x86_buf *b, bool w, enum x86_alu alu, unsigned r,
			      uint32_t imm)
{
	int32_t s = (int32_t)(imm <= INT32_MAX ? (int64_t)imm : (int64_t)imm - 0x100000000ll);

	x86_rex(b, w, 0, 0, r);
	if (s >= -128 && s <= 127) {
		x86_byte(b, 0x83);
		x86_modrm(b, 3, (unsigned)alu, r);
		x86_byte(b, (uint8_t)imm);
	} else {
		x86_byte(b, 0x81);
		x86_modrm(b, 3, (unsigned)alu, r);
		x86_u32(b, imm);
	}
}

/* test r32, imm32. */
static inline void x86_test_ri(struct x86_buf *b, unsigned r, uint32_t imm)
{
	x86_rex(b, false, 0, 0, r);
	x86_byte(b, 0xf7);
	x86_modrm(b, 3, 0, r);
	x86_u32(b, imm);
}

/* test a32, b32. */
static inline void x86_test_rr(struct x86_buf *b, unsigned a, unsigned r)
{
	static const uint8_t op[] = { 0x85 };

	x86_op_rr(b, false, op, 1, r, a);
}

/* test a64, b64. */
static inline void x86_test_rr64(struct x86_buf *b, unsigned a, unsigned r)
{
	static const uint8_t op[] = { 0x85 };

	x86_op_rr(b, true, op, 1, r, a);
}

/* cmovcc dst, src (32-bit, or 64-bit with w). */
static inline void x86_cmov_w(struct x86_buf *b, bool w, enum x86_cc cc, unsigned dst,
			      unsigned src)
{
	const uint8_t op[] = { 0x0f, (uint8_t)(0x40 | cc) };

	x86_op_rr(b, w, op, 2, dst, src);
}

static inline void x86_cmov(struct x86_buf *b, enum x86_cc cc, unsigned dst, unsigned src)
{
	x86_cmov_w(b, false, cc, dst, src);
}

/* imul dst32, src32. */
static inline void x86_imul_rr(struct x86_buf *b, unsigned dst, unsigned src)
{
	static const uint8_t op[] = { 0x0f, 0xaf };

	x86_op_rr(b, false, op, 2, dst, src);
}

/* imul dst32, src32, imm32. */
static inline void x86_imul_rri(struct x86_buf *b, unsigned dst, unsigned src, uint32_t imm)
{
	static const uint8_t op[] = { 0x69 };

	x86_op_rr(b, false, op, 1, dst, src);
	x86_u32(b, imm);
}

/* A group-3 unary operation on r32: /3 neg, /6 div (edx:eax / r). */
static inline void x86_unary(struct x86_buf *b, unsigned digit, unsigned r)
{
	x86_rex(b, false, 0, 0, r);
	x86_byte(b, 0xf7);
	x86_modrm(b, 3, digit, r);
}

enum { X86_NEG = 3, X86_DIV = 6, X86_SHL = 4, X86_SHR = 5 };

/* shl/shr r, imm8 (64-bit with w). */
static inline void x86_shift_ri(struct x86_buf *b, bool w, unsigned digit, unsigned r,
				uint8_t count)
{
	x86_rex(b, w, 0, 0, r);
	x86_byte(b, 0xc1);
	x86_modrm(b, 3, digit, r);
	x86_byte(b, count);
}

/* jmp r64 (an indirect tail call). */
static inline void x86_jmp_r(struct x86_buf *b, unsigned r)
{
	x86_rex(b, false, 0, 0, r);
	x86_byte(b, 0xff);
	x86_modrm(b, 3, 4, r);
}

/* shl/shr r32, cl (the count is masked to 5 bits by the CPU). */
static inline void x86_shift_cl(struct x86_buf *b, unsigned digit, unsigned r)
{
	x86_rex(b, false, 0, 0, r);
	x86_byte(b, 0xd3);
	x86_modrm(b, 3, digit, r);
}

/* bswap r32. */
static inline void x86_bswap(struct x86_buf *b, unsigned r)
{
	x86_rex(b, false, 0, 0, r);
	x86_byte(b, 0x0f);
	x86_byte(b, (uint8_t)(0xc8 + (r & 7)));
}

/* bswap r32; shr r32, 16: the big-endian value of the low two bytes
 * (no partial-register write). */
static inline void x86_swap16(struct x86_buf *b, unsigned r)
{
	x86_bswap(b, r);
	x86_shift_ri(b, false, 5, r, 16);
}

/* lea dst, [base + disp] (32-bit result with !w: wraps, zero-extends). */
static inline void x86_lea(struct x86_buf *b, bool w, unsigned dst, unsigned base, int32_t disp)
{
	static const uint8_t op[] = { 0x8d };

	x86_op_rm(b, w, op, 1, dst, base, disp);
}

/* Jcc rel32 / jmp rel32 with a zero offset; returns the offset's position
 * for x86_patch_rel32(). */
static inline size_t x86_jcc(struct x86_buf *b, enum x86_cc cc)
{
	x86_byte(b, 0x0f);
	x86_byte(b, (uint8_t)(0x80 | cc));
	x86_u32(b, 0);
	return b->len - 4;
}

static inline size_t x86_jmp(struct x86_buf *b)
{
	x86_byte(b, 0xe9);
	x86_u32(b, 0);
	return b->len - 4;
}

static inline void x86_ret(struct x86_buf *b)
{
	x86_byte(b, 0xc3);
}

#endif
