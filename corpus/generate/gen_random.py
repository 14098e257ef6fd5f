"""gen_random: seeded random valid programs (straight-line and forward
branches over the whole instruction set) with edge operands, each run on
packets of several lengths. The seed makes the files reproducible.
"""
import random

from cbpfconform.casefile import Case
import insns as I
from packets import pattern

SEED = 20261128
K_POOL = (0, 1, 2, 3, 4, 7, 8, 12, 14, 16, 20, 23, 31, 63, 64, 0xff, 0x100, 0xffff, 0x10000,
          0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff)
OFF_POOL = (0, 1, 2, 3, 6, 12, 13, 14, 20, 23, 30, 40, 54, 60, 62, 63, 64, 65, 120, 0xffffffff,
            I.SKF_NET_OFF, I.SKF_NET_OFF + 9)
EXT_POOL = (0, 4, 12, 16, 20, 24, 32, 40, 44, 48, 52, 60)  # deterministic ones, no dev needed


def one_program(rng):
    prog = []
    stored = set()
    n = rng.randint(2, 24)
    for i in range(n):
        r = rng.random()
        remaining = n - i  # instructions after this one, before the final ret
        if r < 0.30:
            op = rng.choice(list(I.ALU_OPS))
            if rng.random() < 0.5:
                k = rng.choice(K_POOL)
                if op in ("div", "mod") and k == 0:
                    k = 3
                if op in ("lsh", "rsh"):
                    k &= 31
                prog.append(I.alu_k(op, k))
            else:
                prog.append(I.alu_x(op))
        elif r < 0.40:
            prog.append(I.neg() if rng.random() < 0.3 else rng.choice((I.tax(), I.txa())))
        elif r < 0.55:
            size = rng.choice(("ld", "ldh", "ldb"))
            if rng.random() < 0.5:
                prog.append(I.ld_abs(size, rng.choice(OFF_POOL)))
            else:
                prog.append(I.ld_ind(size, rng.choice(OFF_POOL)))
        elif r < 0.60:
            prog.append(I.ld_abs(rng.choice(("ld", "ldh", "ldb")),
                                 I.SKF_AD_OFF + rng.choice(EXT_POOL)))
        elif r < 0.65:
            prog.append(I.ldx_msh(rng.choice(OFF_POOL[:14])))
        elif r < 0.72:
            prog.append(rng.choice((I.ld_imm, I.ldx_imm))(rng.choice(K_POOL)))
        elif r < 0.75:
            prog.append(rng.choice((I.ld_len(), I.ldx_len())))
        elif r < 0.82:
            m = rng.randrange(16)
            prog.append(rng.choice((I.st, I.stx))(m))
            stored.add(m)
        elif r < 0.86 and stored:
            m = rng.choice(sorted(stored))
            prog.append(rng.choice((I.ld_mem, I.ldx_mem))(m))
        elif r < 0.98:
            jt = rng.randint(0, min(remaining, 255))
            jf = rng.randint(0, min(remaining, 255))
            op = rng.choice(list(I.JMP_OPS))
            if rng.random() < 0.5:
                prog.append(I.jmp_k(op, rng.choice(K_POOL), jt, jf))
            else:
                prog.append(I.jmp_x(op, jt, jf))
            stored = set()  # the kernel's path-insensitive check forgets at jumps
        else:
            prog.append(I.ret_k(rng.choice(K_POOL)) if rng.random() < 0.5 else I.ret_a())
    prog.append(I.ret_a())
    return prog


def cases(count=560):
    rng = random.Random(SEED)
    for i in range(count):
        prog = one_program(rng)
        lengths = sorted(rng.sample((4, 14, 20, 34, 54, 60, 64, 65, 100, 128, 300), 3))
        pkts = []
        for n in lengths:
            p = bytearray(pattern(n))
            for j in range(n):
                if rng.random() < 0.3:
                    p[j] = rng.randrange(256)
            pkts.append(bytes(p))
        yield Case(id=f"random/prog_{i:04d}", path="",
                   description=f"seeded random program #{i} ({len(prog)} instructions)",
                   tags=["random"], program=[p[0] for p in prog],
                   program_comments=[p[1] for p in prog], packets=pkts)
