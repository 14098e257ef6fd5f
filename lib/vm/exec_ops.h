/*
 * vm/exec_ops.h - (included only by vm/exec.c, twice) the handlers of the
 * VM's run loop, one per operation of enum vm_op, each with its semantics
 * in one comment. vm/exec.c compiles them into two loops by defining:
 *   OP(name)          the handler's label (threaded) or case (switch)
 *   GOTO(p)           continue at slot p
 *   ESCAPE_OR(code)   the fast loop leaves for the general loop, which
 *                     re-runs the current operation from its start; the
 *                     general loop runs `code` (a call: slow loads,
 *                     extensions). So a handler changes no state before
 *                     its ESCAPE_OR.
 * and the locals ip, A, X, M, pkt, len, ctx and the label fail_load.
 * No include guard: this is a template, not a header.
 */

#define NEXT() GOTO(ip + 1)
#define NEXT2() GOTO(ip + 2)
#define BRANCH(cond) GOTO((cond) ? ip->jt : ip->jf)
/* A == c ? jt : A == k4 ? jt2 : jf (a jeq and the jeq on its false edge) */
#define CHAIN(c) GOTO(A == (c) ? ip->jt : A == ip->k4 ? ip->jt2 : ip->jf)

/* A <- P[k:size] for ABS k >= 0 (ip->k = k + size). */
#define LOAD_ABS(rd, size)                                                              \
	do {                                                                            \
		if (ip->k > len)                                                        \
			goto fail_load;                                                 \
		A = rd(pkt + ip->k - (size));                                           \
	} while (0)

/* A <- P[xv+kk : size]; offsets off the fast path (the windows, failures)
 * go through cbpf_vm_load(). */
#define LOAD_IND_FROM(rd, size, kk, xv)                                                 \
	do {                                                                            \
		uint32_t o_ = (xv) + (kk);                                              \
		if (ind_in_packet(o_, (size), len)) {                                   \
			A = rd(pkt + o_);                                               \
		} else {                                                                \
			ESCAPE_OR(LOAD_SLOW(o_, (size), A));                            \
		}                                                                       \
	} while (0)
#define LOAD_IND(rd, size) LOAD_IND_FROM(rd, size, ip->k, X)

/* dst <- 4*(P[k:1]&0xf) for k >= 0 (ip->k = k + 1; linux-semantics: load.msh). */
#define LOAD_MSH(dst)                                                                   \
	do {                                                                            \
		if (ip->k > len)                                                        \
			goto fail_load;                                                 \
		(dst) = (uint32_t)(pkt[ip->k - 1] & 0xf) << 2;                          \
	} while (0)

/* X <- 4*(P[k:1]&0xf); A <- P[X+k2:size]: X changes only with A. */
#define LOAD_MSH_IND(rd, size)                                                          \
	do {                                                                            \
		uint32_t x_;                                                            \
		LOAD_MSH(x_);                                                           \
		LOAD_IND_FROM(rd, size, ip->k2, x_);                                    \
		X = x_;                                                                 \
	} while (0)

	/* Constants, registers, scratch memory. */
	OP(LD_IMM):  A = ip->k; NEXT();                 /* A <- k */
	OP(LDX_IMM): X = ip->k; NEXT();                 /* X <- k */
	OP(LD_LEN):  A = len_value(ctx, len); NEXT();   /* A <- len */
	OP(LDX_LEN): X = len_value(ctx, len); NEXT();   /* X <- len */
	OP(LD_MEM):  A = M[ip->k]; NEXT();              /* A <- M[k] */
	OP(LDX_MEM): X = M[ip->k]; NEXT();              /* X <- M[k] */
	OP(ST):      M[ip->k] = A; NEXT();              /* M[k] <- A */
	OP(STX):     M[ip->k] = X; NEXT();              /* M[k] <- X */
	OP(TAX):     X = A; NEXT();                     /* X <- A */
	OP(TXA):     A = X; NEXT();                     /* A <- X */

	/* Packet loads. */
	OP(LDABS_W): LOAD_ABS(rd32, 4); NEXT();         /* A <- P[k:4] */
	OP(LDABS_H): LOAD_ABS(rd16, 2); NEXT();         /* A <- P[k:2] */
	OP(LDABS_B): LOAD_ABS(rd8, 1); NEXT();          /* A <- P[k:1] */
	OP(LDIND_W): LOAD_IND(rd32, 4); NEXT();         /* A <- P[X+k:4] */
	OP(LDIND_H): LOAD_IND(rd16, 2); NEXT();         /* A <- P[X+k:2] */
	OP(LDIND_B): LOAD_IND(rd8, 1); NEXT();          /* A <- P[X+k:1] */
	OP(LDX_MSH): LOAD_MSH(X); NEXT();               /* X <- 4*(P[k:1]&0xf), A kept */
	OP(LD_SLOW):                                    /* A <- P[k:size], k < 0 */
		ESCAPE_OR(LOAD_SLOW(ip->k, ip->k2, A));
		NEXT();
	OP(LDX_MSH_SLOW):                               /* X <- 4*(P[k:1]&0xf), k < 0 */
		ESCAPE_OR(LOAD_SLOW(ip->k, 1, X); X = (X & 0xf) << 2);
		NEXT();
	OP(LD_EXT):                                     /* A <- ancillary k */
		ESCAPE_OR(LOAD_EXT());
		NEXT();
	OP(LD_SECCOMP):                                 /* A <- host-order u32 at k */
		if ((uint64_t)ip->k + 4 > len)
			goto fail_load;
		memcpy(&A, pkt + ip->k, sizeof(A));
		NEXT();

	/* ALU. */
	OP(ADD_K): A += ip->k; NEXT();                  /* A <- A + k */
	OP(ADD_X): A += X; NEXT();                      /* A <- A + X */
	OP(SUB_K): A -= ip->k; NEXT();                  /* A <- A - k */
	OP(SUB_X): A -= X; NEXT();                      /* A <- A - X */
	OP(MUL_K): A *= ip->k; NEXT();                  /* A <- A * k (low 32 bits) */
	OP(MUL_X): A *= X; NEXT();                      /* A <- A * X */
	OP(DIV_K): A /= ip->k; NEXT();                  /* A <- A / k, k != 0 */
	OP(DIV_X):                                      /* A <- A / X; X = 0 returns 0 */
		if (X == 0)
			return result(0, CBPF_ABORT_DIV0);
		A /= X;
		NEXT();
	OP(MOD_K): A %= ip->k; NEXT();                  /* A <- A % k, k != 0 */
	OP(MOD_X):                                      /* A <- A % X; X = 0 returns 0 */
		if (X == 0)
			return result(0, CBPF_ABORT_DIV0);
		A %= X;
		NEXT();
	OP(AND_K): A &= ip->k; NEXT();                  /* A <- A & k */
	OP(AND_X): A &= X; NEXT();                      /* A <- A & X */
	OP(OR_K):  A |= ip->k; NEXT();                  /* A <- A | k */
	OP(OR_X):  A |= X; NEXT();                      /* A <- A | X */
	OP(XOR_K): A ^= ip->k; NEXT();                  /* A <- A ^ k */
	OP(XOR_X): A ^= X; NEXT();                      /* A <- A ^ X (also xor_x) */
	OP(LSH_K): A <<= ip->k; NEXT();                 /* A <- A << k, k < 32 */
	OP(LSH_X): A <<= X & CBPF_SHIFT_MASK_X86; NEXT(); /* A <- A << (X & 31) */
	OP(RSH_K): A >>= ip->k; NEXT();                 /* A <- A >> k, k < 32 */
	OP(RSH_X): A >>= X & CBPF_SHIFT_MASK_X86; NEXT(); /* A <- A >> (X & 31) */
	OP(NEG):   A = 0u - A; NEXT();                  /* A <- 0 - A */

	/* Jumps and returns. */
	OP(JA):     GOTO(ip->jt);                       /* pc <- pc + 1 + k */
	OP(JEQ_K):  BRANCH(A == ip->k);                 /* A == k ? jt : jf */
	OP(JEQ_X):  BRANCH(A == X);
	OP(JGT_K):  BRANCH(A > ip->k);                  /* unsigned */
	OP(JGT_X):  BRANCH(A > X);
	OP(JGE_K):  BRANCH(A >= ip->k);
	OP(JGE_X):  BRANCH(A >= X);
	OP(JSET_K): BRANCH((A & ip->k) != 0);
	OP(JSET_X): BRANCH((A & X) != 0);
	OP(RET_K):  return result(ip->k, CBPF_END_RET); /* return k */
	OP(RET_A):  return result(A, CBPF_END_RET);     /* return A */

	/* Fused: A <- P[k:size]; then A op k2 ? jt : jf. */
	OP(LDABS_W_JEQ):  LOAD_ABS(rd32, 4); BRANCH(A == ip->k2);
	OP(LDABS_W_JGT):  LOAD_ABS(rd32, 4); BRANCH(A > ip->k2);
	OP(LDABS_W_JGE):  LOAD_ABS(rd32, 4); BRANCH(A >= ip->k2);
	OP(LDABS_W_JSET): LOAD_ABS(rd32, 4); BRANCH((A & ip->k2) != 0);
	OP(LDABS_H_JEQ):  LOAD_ABS(rd16, 2); BRANCH(A == ip->k2);
	OP(LDABS_H_JGT):  LOAD_ABS(rd16, 2); BRANCH(A > ip->k2);
	OP(LDABS_H_JGE):  LOAD_ABS(rd16, 2); BRANCH(A >= ip->k2);
	OP(LDABS_H_JSET): LOAD_ABS(rd16, 2); BRANCH((A & ip->k2) != 0);
	OP(LDABS_B_JEQ):  LOAD_ABS(rd8, 1); BRANCH(A == ip->k2);
	OP(LDABS_B_JGT):  LOAD_ABS(rd8, 1); BRANCH(A > ip->k2);
	OP(LDABS_B_JGE):  LOAD_ABS(rd8, 1); BRANCH(A >= ip->k2);
	OP(LDABS_B_JSET): LOAD_ABS(rd8, 1); BRANCH((A & ip->k2) != 0);

	/* Fused: A <- P[X+k:size]; then A op k2 ? jt : jf. */
	OP(LDIND_W_JEQ):  LOAD_IND(rd32, 4); BRANCH(A == ip->k2);
	OP(LDIND_W_JGT):  LOAD_IND(rd32, 4); BRANCH(A > ip->k2);
	OP(LDIND_W_JGE):  LOAD_IND(rd32, 4); BRANCH(A >= ip->k2);
	OP(LDIND_W_JSET): LOAD_IND(rd32, 4); BRANCH((A & ip->k2) != 0);
	OP(LDIND_H_JEQ):  LOAD_IND(rd16, 2); BRANCH(A == ip->k2);
	OP(LDIND_H_JGT):  LOAD_IND(rd16, 2); BRANCH(A > ip->k2);
	OP(LDIND_H_JGE):  LOAD_IND(rd16, 2); BRANCH(A >= ip->k2);
	OP(LDIND_H_JSET): LOAD_IND(rd16, 2); BRANCH((A & ip->k2) != 0);
	OP(LDIND_B_JEQ):  LOAD_IND(rd8, 1); BRANCH(A == ip->k2);
	OP(LDIND_B_JGT):  LOAD_IND(rd8, 1); BRANCH(A > ip->k2);
	OP(LDIND_B_JGE):  LOAD_IND(rd8, 1); BRANCH(A >= ip->k2);
	OP(LDIND_B_JSET): LOAD_IND(rd8, 1); BRANCH((A & ip->k2) != 0);

	/* Fused: A <- A & k; then A op k2 ? jt : jf. */
	OP(AND_JEQ):  A &= ip->k; BRANCH(A == ip->k2);
	OP(AND_JGT):  A &= ip->k; BRANCH(A > ip->k2);
	OP(AND_JGE):  A &= ip->k; BRANCH(A >= ip->k2);
	OP(AND_JSET): A &= ip->k; BRANCH((A & ip->k2) != 0);

	/* Fused: X <- 4*(P[k:1]&0xf); then A <- P[X+k2:size]. */
	OP(MSH_LDIND_W): LOAD_MSH_IND(rd32, 4); NEXT2();
	OP(MSH_LDIND_H): LOAD_MSH_IND(rd16, 2); NEXT2();
	OP(MSH_LDIND_B): LOAD_MSH_IND(rd8, 1); NEXT2();

	/* Fused: X <- 4*(P[k:1]&0xf); A <- P[X+k2:size]; A op k3 ? jt : jf. */
	OP(MSH_LDIND_W_JEQ):  LOAD_MSH_IND(rd32, 4); BRANCH(A == ip->k3);
	OP(MSH_LDIND_W_JGT):  LOAD_MSH_IND(rd32, 4); BRANCH(A > ip->k3);
	OP(MSH_LDIND_W_JGE):  LOAD_MSH_IND(rd32, 4); BRANCH(A >= ip->k3);
	OP(MSH_LDIND_W_JSET): LOAD_MSH_IND(rd32, 4); BRANCH((A & ip->k3) != 0);
	OP(MSH_LDIND_H_JEQ):  LOAD_MSH_IND(rd16, 2); BRANCH(A == ip->k3);
	OP(MSH_LDIND_H_JGT):  LOAD_MSH_IND(rd16, 2); BRANCH(A > ip->k3);
	OP(MSH_LDIND_H_JGE):  LOAD_MSH_IND(rd16, 2); BRANCH(A >= ip->k3);
	OP(MSH_LDIND_H_JSET): LOAD_MSH_IND(rd16, 2); BRANCH((A & ip->k3) != 0);
	OP(MSH_LDIND_B_JEQ):  LOAD_MSH_IND(rd8, 1); BRANCH(A == ip->k3);
	OP(MSH_LDIND_B_JGT):  LOAD_MSH_IND(rd8, 1); BRANCH(A > ip->k3);
	OP(MSH_LDIND_B_JGE):  LOAD_MSH_IND(rd8, 1); BRANCH(A >= ip->k3);
	OP(MSH_LDIND_B_JSET): LOAD_MSH_IND(rd8, 1); BRANCH((A & ip->k3) != 0);

	/* Chained: the fused jeq, and on its false edge a plain jeq #k4. */
	OP(JEQ_K_JEQ):           CHAIN(ip->k);
	OP(AND_JEQ_JEQ):         A &= ip->k; CHAIN(ip->k2);
	OP(LDABS_W_JEQ_JEQ):     LOAD_ABS(rd32, 4); CHAIN(ip->k2);
	OP(LDABS_H_JEQ_JEQ):     LOAD_ABS(rd16, 2); CHAIN(ip->k2);
	OP(LDABS_B_JEQ_JEQ):     LOAD_ABS(rd8, 1); CHAIN(ip->k2);
	OP(LDIND_W_JEQ_JEQ):     LOAD_IND(rd32, 4); CHAIN(ip->k2);
	OP(LDIND_H_JEQ_JEQ):     LOAD_IND(rd16, 2); CHAIN(ip->k2);
	OP(LDIND_B_JEQ_JEQ):     LOAD_IND(rd8, 1); CHAIN(ip->k2);
	OP(MSH_LDIND_W_JEQ_JEQ): LOAD_MSH_IND(rd32, 4); CHAIN(ip->k3);
	OP(MSH_LDIND_H_JEQ_JEQ): LOAD_MSH_IND(rd16, 2); CHAIN(ip->k3);
	OP(MSH_LDIND_B_JEQ_JEQ): LOAD_MSH_IND(rd8, 1); CHAIN(ip->k3);

#undef NEXT
#undef NEXT2
#undef BRANCH
#undef CHAIN
#undef LOAD_ABS
#undef LOAD_IND_FROM
#undef LOAD_IND
#undef LOAD_MSH
#undef LOAD_MSH_IND
