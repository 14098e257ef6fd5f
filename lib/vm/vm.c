/*
 * vm/vm.c - building a VM: validate the program for its profile, then
 * pre-decode every instruction (read through the opcode table by
 * cbpf_decode) into the run loop's form, fusing common sequences into one
 * superinstruction, and resolving jump targets to pointers; then, unless
 * told not to, compile it to native code (vm/jit/jit.h).
 *
 * Slot i always holds instruction i (possibly fused with what follows it),
 * so a jump to any pc lands on a slot that starts exactly there. The decoder re-checks
 * every property the run loop relies on for memory safety (targets in
 * range, a final ret, M[] indices, non-zero divisors, shift counts) so that
 * no program can make a run misbehave, whatever the validator says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/vm.h"

#include "insn/diag.h"
#include "internal.h"

/* Why the pre-decoder refused a program the validator accepted. */
static int refuse(struct cbpf_diag *problem, size_t pc, const char *what)
{
	diag_fail(problem, CBPF_ERR_REJECTED, "%s", what);
	if (problem != NULL) {
		problem->insn = (long)pc;
		problem->rule = "vm-predecode";
		problem->errnum = EINVAL;
	}
	return EINVAL;
}

static enum vm_op abs_load_op(enum cbpf_size size)
{
	return size == CBPF_SIZE_W ? VM_LDABS_W : size == CBPF_SIZE_H ? VM_LDABS_H : VM_LDABS_B;
}

static enum vm_op ind_load_op(enum cbpf_size size)
{
	return size == CBPF_SIZE_W ? VM_LDIND_W : size == CBPF_SIZE_H ? VM_LDIND_H : VM_LDIND_B;
}

/* `A <- P[k:size]`: k >= 0 (as the kernel's int) gets the fast form whose
 * operand is the end bound k + size; negative k goes to the windows. */
static void decode_ld_abs(struct vm_insn *out, const struct cbpf_typed *t,
			  enum cbpf_profile profile)
{
	if (profile == CBPF_PROFILE_SECCOMP) {
		/* seccomp_check_filter() rewrites ld [k] to a host-order
		 * load from struct seccomp_data. */
		out->op = VM_LD_SECCOMP;
		out->k = t->k;
		return;
	}
	if (t->k <= INT32_MAX) {
		out->op = abs_load_op(t->size);
		out->k = t->k + (uint32_t)t->size;
		return;
	}
	out->op = VM_LD_SLOW;
	out->k = t->k;
	out->k2 = (uint32_t)t->size;
}

static void decode_ld_msh(struct vm_insn *out, const struct cbpf_typed *t)
{
	if (t->k <= INT32_MAX) {
		out->op = VM_LDX_MSH;
		out->k = t->k + 1;
		return;
	}
	out->op = VM_LDX_MSH_SLOW;
	out->k = t->k;
}

static const enum vm_op alu_k_ops[CBPF_ALU_COUNT] = {
	[CBPF_ALU_ADD] = VM_ADD_K, [CBPF_ALU_SUB] = VM_SUB_K, [CBPF_ALU_MUL] = VM_MUL_K,
	[CBPF_ALU_DIV] = VM_DIV_K, [CBPF_ALU_MOD] = VM_MOD_K, [CBPF_ALU_AND] = VM_AND_K,
	[CBPF_ALU_OR] = VM_OR_K,   [CBPF_ALU_XOR] = VM_XOR_K, [CBPF_ALU_LSH] = VM_LSH_K,
	[CBPF_ALU_RSH] = VM_RSH_K,
};

static const enum vm_op alu_x_ops[CBPF_ALU_COUNT] = {
	[CBPF_ALU_ADD] = VM_ADD_X, [CBPF_ALU_SUB] = VM_SUB_X, [CBPF_ALU_MUL] = VM_MUL_X,
	[CBPF_ALU_DIV] = VM_DIV_X, [CBPF_ALU_MOD] = VM_MOD_X, [CBPF_ALU_AND] = VM_AND_X,
	[CBPF_ALU_OR] = VM_OR_X,   [CBPF_ALU_XOR] = VM_XOR_X, [CBPF_ALU_LSH] = VM_LSH_X,
	[CBPF_ALU_RSH] = VM_RSH_X,
};

static const enum vm_op jmp_k_ops[CBPF_JMP_COUNT] = {
	[CBPF_JMP_JEQ] = VM_JEQ_K, [CBPF_JMP_JGT] = VM_JGT_K,
	[CBPF_JMP_JGE] = VM_JGE_K, [CBPF_JMP_JSET] = VM_JSET_K,
};

static const enum vm_op jmp_x_ops[CBPF_JMP_COUNT] = {
	[CBPF_JMP_JEQ] = VM_JEQ_X, [CBPF_JMP_JGT] = VM_JGT_X,
	[CBPF_JMP_JGE] = VM_JGE_X, [CBPF_JMP_JSET] = VM_JSET_X,
};

/* ALU: refuse what the validator must already have refused (div/mod #0,
 * shifts #k >= 32), since the run loop relies on it. */
static int decode_alu(struct vm_insn *out, const struct cbpf_typed *t, size_t pc,
		      struct cbpf_diag *problem)
{
	if ((unsigned)t->alu >= CBPF_ALU_COUNT)
		return refuse(problem, pc, "unknown ALU operation");
	if (t->src == CBPF_SRC_X) {
		out->op = alu_x_ops[t->alu];
		return 0;
	}
	if ((t->alu == CBPF_ALU_DIV || t->alu == CBPF_ALU_MOD) && t->k == 0)
		return refuse(problem, pc, "division by constant 0");
	if ((t->alu == CBPF_ALU_LSH || t->alu == CBPF_ALU_RSH) && t->k >= 32)
		return refuse(problem, pc, "constant shift of 32 or more");
	out->op = alu_k_ops[t->alu];
	out->k = t->k;
	return 0;
}

/* Resolve pc + 1 + off to a slot, refusing targets past the end. */
static int target(struct cbpf_vm *vm, size_t pc, uint64_t off, const struct vm_insn **out,
		  struct cbpf_diag *problem)
{
	uint64_t to = (uint64_t)pc + 1 + off;

	if (to >= vm->n)
		return refuse(problem, pc, "jump target past the end");
	*out = &vm->insns[to];
	return 0;
}

static int decode_jump(struct cbpf_vm *vm, size_t pc, const struct cbpf_typed *t,
		       struct cbpf_diag *problem)
{
	struct vm_insn *out = &vm->insns[pc];

	if (t->kind == CBPF_KIND_JA) {
		out->op = VM_JA;
		return target(vm, pc, t->k, &out->jt, problem);
	}
	if ((unsigned)t->jmp >= CBPF_JMP_COUNT)
		return refuse(problem, pc, "unknown jump operation");
	out->op = t->src == CBPF_SRC_X ? jmp_x_ops[t->jmp] : jmp_k_ops[t->jmp];
	out->k = t->k;
	if (target(vm, pc, t->jt, &out->jt, problem) != 0)
		return EINVAL;
	return target(vm, pc, t->jf, &out->jf, problem);
}

static int decode_mem(struct vm_insn *out, const struct cbpf_typed *t, size_t pc,
		      struct cbpf_diag *problem)
{
	if (t->k >= CBPF_MEMWORDS)
		return refuse(problem, pc, "scratch index out of range");
	out->k = t->k;
	if (t->kind == CBPF_KIND_ST)
		out->op = t->reg == CBPF_REG_X ? VM_STX : VM_ST;
	else
		out->op = t->reg == CBPF_REG_X ? VM_LDX_MEM : VM_LD_MEM;
	return 0;
}

/* The plain (unfused) form of instruction pc. */
static int decode_one(struct cbpf_vm *vm, size_t pc, const struct cbpf_typed *t,
		      struct cbpf_diag *problem)
{
	struct vm_insn *out = &vm->insns[pc];
	bool x = t->reg == CBPF_REG_X;

	switch (t->kind) {
	case CBPF_KIND_LD_IMM: out->op = x ? VM_LDX_IMM : VM_LD_IMM; out->k = t->k; return 0;
	case CBPF_KIND_LD_LEN:
		if (vm->profile == CBPF_PROFILE_SECCOMP) {
			/* seccomp rewrites ld #len to #sizeof(struct seccomp_data) */
			out->op = x ? VM_LDX_IMM : VM_LD_IMM;
			out->k = (uint32_t)sizeof(struct cbpf_seccomp_data);
			return 0;
		}
		out->op = x ? VM_LDX_LEN : VM_LD_LEN;
		return 0;
	case CBPF_KIND_LD_MEM:
	case CBPF_KIND_ST:
		vm->uses_mem = true;
		return decode_mem(out, t, pc, problem);
	case CBPF_KIND_LD_ABS: decode_ld_abs(out, t, vm->profile); return 0;
	case CBPF_KIND_LD_IND: out->op = ind_load_op(t->size); out->k = t->k; return 0;
	case CBPF_KIND_LD_MSH: decode_ld_msh(out, t); return 0;
	case CBPF_KIND_LD_EXT:
		/* Size bits are ignored; xor_x is just A ^= X. */
		out->op = t->ext == CBPF_EXT_ALU_XOR_X ? VM_XOR_X : VM_LD_EXT;
		out->k = (uint32_t)t->ext;
		return 0;
	case CBPF_KIND_ALU: return decode_alu(out, t, pc, problem);
	case CBPF_KIND_NEG: out->op = VM_NEG; return 0;
	case CBPF_KIND_JA:
	case CBPF_KIND_JCOND: return decode_jump(vm, pc, t, problem);
	case CBPF_KIND_RET:
		out->op = t->src == CBPF_SRC_A ? VM_RET_A : VM_RET_K;
		out->k = t->k;
		return 0;
	case CBPF_KIND_TAX: out->op = VM_TAX; return 0;
	case CBPF_KIND_TXA: out->op = VM_TXA; return 0;
	case CBPF_KIND_INVALID:
	case CBPF_KIND_COUNT:
		break;
	}
	return refuse(problem, pc, "opcode the VM cannot run");
}

/*
 * The fusion tables, keyed by op (one lookup instead of a search: this
 * runs for every instruction of every program created). Entries hold
 * op + 1 so that the zero an op without an entry gets means "none".
 * The fused ops of each load come in jeq, jgt, jge, jset order.
 */
static const uint16_t fuse_first[VM_OP_COUNT] = {
	[VM_LDABS_W] = VM_LDABS_W_JEQ + 1, [VM_LDABS_H] = VM_LDABS_H_JEQ + 1,
	[VM_LDABS_B] = VM_LDABS_B_JEQ + 1, [VM_LDIND_W] = VM_LDIND_W_JEQ + 1,
	[VM_LDIND_H] = VM_LDIND_H_JEQ + 1, [VM_LDIND_B] = VM_LDIND_B_JEQ + 1,
	[VM_AND_K] = VM_AND_JEQ + 1,
};

/* Position + 1 of a conditional jump on a constant in that order. */
static const uint8_t fuse_jump[VM_OP_COUNT] = {
	[VM_JEQ_K] = 1, [VM_JGT_K] = 2, [VM_JGE_K] = 3, [VM_JSET_K] = 4,
};

/* The chained form (+ 1) of each op ending in jeq #c. */
static const uint16_t chained_of[VM_OP_COUNT] = {
	[VM_JEQ_K] = VM_JEQ_K_JEQ + 1,
	[VM_AND_JEQ] = VM_AND_JEQ_JEQ + 1,
	[VM_LDABS_W_JEQ] = VM_LDABS_W_JEQ_JEQ + 1,
	[VM_LDABS_H_JEQ] = VM_LDABS_H_JEQ_JEQ + 1,
	[VM_LDABS_B_JEQ] = VM_LDABS_B_JEQ_JEQ + 1,
	[VM_LDIND_W_JEQ] = VM_LDIND_W_JEQ_JEQ + 1,
	[VM_LDIND_H_JEQ] = VM_LDIND_H_JEQ_JEQ + 1,
	[VM_LDIND_B_JEQ] = VM_LDIND_B_JEQ_JEQ + 1,
	[VM_MSH_LDIND_W_JEQ] = VM_MSH_LDIND_W_JEQ_JEQ + 1,
	[VM_MSH_LDIND_H_JEQ] = VM_MSH_LDIND_H_JEQ_JEQ + 1,
	[VM_MSH_LDIND_B_JEQ] = VM_MSH_LDIND_B_JEQ_JEQ + 1,
};

/* Fused opcode of (load op, jump op) or VM_OP_COUNT for none. */
static enum vm_op fused_load_jump(uint32_t load_op, uint32_t jump_op)
{
	unsigned first = fuse_first[load_op], j = fuse_jump[jump_op];

	return first && j ? (enum vm_op)(first - 1 + j - 1) : VM_OP_COUNT;
}

/* The chained form of an op ending in jeq #c, or VM_OP_COUNT. */
static enum vm_op chained_jeq(uint32_t op)
{
	return chained_of[op] ? (enum vm_op)(chained_of[op] - 1) : VM_OP_COUNT;
}

/*
 * The fused form of slot pc, from the plain forms of pc and what follows:
 *   load or `and #k`, then a conditional jump on a constant: one dispatch,
 *     one bounds check;
 *   `ldxb 4*([k]&0xf)`, then an IND load, possibly then a conditional jump
 *     (the IPv4 transport header idiom);
 * and, when the result ends in jeq #c whose false edge lands on a plain
 * jeq #k4 (A unchanged: the ethertype and port alternatives of compiled
 * filters), the chained form that decides both.
 */
static struct vm_insn fused(const struct cbpf_vm *vm, const struct vm_insn *plain, size_t pc)
{
	struct vm_insn a = plain[pc];
	const struct vm_insn *b = pc + 1 < vm->n ? &plain[pc + 1] : NULL;
	const struct vm_insn *c = pc + 2 < vm->n ? &plain[pc + 2] : NULL;
	enum vm_op f, chain;

	if (a.op == VM_LDX_MSH && b != NULL && b->op >= VM_LDIND_W && b->op <= VM_LDIND_B) {
		f = c != NULL ? fused_load_jump(b->op, c->op) : VM_OP_COUNT;
		a.k2 = b->k;
		if (f == VM_OP_COUNT) {
			a.op = VM_MSH_LDIND_W + (b->op - VM_LDIND_W);
		} else {
			a.op = VM_MSH_LDIND_W_JEQ + (f - VM_LDIND_W_JEQ);
			a.k3 = c->k;
			a.jt = c->jt;
			a.jf = c->jf;
		}
	} else if (b != NULL && (f = fused_load_jump(a.op, b->op)) != VM_OP_COUNT) {
		a.op = f;
		a.k2 = b->k;
		a.jt = b->jt;
		a.jf = b->jf;
	}
	chain = chained_jeq(a.op);
	if (chain != VM_OP_COUNT) {
		const struct vm_insn *second = &plain[a.jf - vm->insns];

		if (second->op == VM_JEQ_K) {
			a.op = chain;
			a.k4 = second->k;
			a.jt2 = second->jt;
			a.jf = second->jf;
		}
	}
	return a;
}

static int predecode(struct cbpf_vm *vm, const struct cbpf_insn *insns,
		     struct cbpf_diag *problem)
{
	const void *const *handlers;
	int err;

	for (size_t pc = 0; pc < vm->n; pc++) {
		struct cbpf_typed t = cbpf_decode(insns[pc]);

		err = decode_one(vm, pc, &t, problem);
		if (err != 0)
			return err;
	}
	/* The run loop never steps past the last slot: it must be a ret. */
	if (vm->insns[vm->n - 1].op != VM_RET_K && vm->insns[vm->n - 1].op != VM_RET_A)
		return refuse(problem, vm->n - 1, "last instruction is not ret");
	/* In place: fused() reads slot pc and slots after it (pc + 1, pc + 2,
	 * forward jump targets), none of which has been rewritten yet. */
	handlers = cbpf_vm_handlers();
	for (size_t pc = 0; pc < vm->n; pc++) {
		struct vm_insn f = fused(vm, vm->insns, pc);

		f.handler = handlers != NULL ? handlers[f.op] : NULL;
		vm->insns[pc] = f;
	}
	return 0;
}

/* CBPF_VM_NO_JIT=1 in the environment turns native code off. */
static bool jit_wanted(enum cbpf_profile profile, unsigned flags)
{
	const char *env = getenv("CBPF_VM_NO_JIT");

	if (profile != CBPF_PROFILE_LINUX || (flags & CBPF_VM_NO_JIT) != 0)
		return false;
	return env == NULL || strcmp(env, "1") != 0;
}

int cbpf_vm_create(const struct cbpf_insn *insns, size_t n, enum cbpf_profile profile,
		   unsigned flags, struct cbpf_vm **out, struct cbpf_diag *problem)
{
	struct cbpf_vm *vm;
	int err;

	*out = NULL;
	err = cbpf_validate(insns, n, profile, problem, problem != NULL ? 1 : 0, NULL);
	if (err != 0)
		return err;
	if (n == 0 || n > CBPF_MAXINSNS)
		return refuse(problem, 0, "program length out of range");
	vm = calloc(1, sizeof(*vm) + n * sizeof(vm->insns[0]));
	if (vm == NULL) {
		diag_fail(problem, CBPF_ERR_NOMEM, "out of memory");
		return ENOMEM;
	}
	vm->profile = profile;
	vm->n = n;
	err = predecode(vm, insns, problem);
	if (err != 0) {
		free(vm);
		return err;
	}
	/* Without native code (refused memory, no generator) we interpret. */
	if (jit_wanted(profile, flags))
		(void)cbpf_vm_jit_compile(insns, n, &vm->jit);
	vm->head.run = vm->jit.fn != NULL ? vm->jit.fn : cbpf_vm_interp_run;
	*out = vm;
	return 0;
}

void cbpf_vm_free(struct cbpf_vm *vm)
{
	if (vm == NULL)
		return;
	cbpf_vm_jit_free(&vm->jit);
	free(vm);
}

bool cbpf_vm_is_native(const struct cbpf_vm *vm)
{
	return vm != NULL && vm->jit.fn != NULL;
}
