"""gen_opcodes: one case per opcode and edge operand (socket profile).

Covers all 49 opcodes: ALU with K and X sources at the u32 edges, every
jump condition, every load mode and size at the packet's edges, scratch
memory cells, returns, register moves and the 16 SKF_AD extensions in all
three load sizes.
"""
from cbpfconform.casefile import Case
from cbpfconform import insns as I
from packets import EDGE_WORDS, pattern, with_words

K_EDGES = (0, 1, 2, 31, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678)
X_EDGES = (0, 1, 31, 32, 33, 63, 0x80000000, 0xffffffff)


def case(cid, desc, prog, packets, tags):
    return Case(id=cid, path="", description=desc, tags=tags,
                program=[p[0] for p in prog], program_comments=[p[1] for p in prog],
                packets=list(packets))


def alu_cases():
    a_packets = [with_words([a]) for a in EDGE_WORDS]
    for op in I.ALU_OPS:
        for k in K_EDGES:
            yield case(f"opcodes/alu/{op}_k_{k:#x}",
                       f"A = A {op} #{k:#x} for A at the u32 edges (A loaded from the packet)",
                       [I.ld_abs("ld", 0), I.alu_k(op, k), I.ret_a()], a_packets,
                       I.tags(I.alu_k(op, k)))
        for x in X_EDGES:
            yield case(f"opcodes/alu/{op}_x_{x:#x}",
                       f"A = A {op} X with X = {x:#x} for A at the u32 edges",
                       [I.ldx_imm(x), I.ld_abs("ld", 0), I.alu_x(op), I.ret_a()], a_packets,
                       I.tags(I.alu_x(op)))
    yield case("opcodes/alu/neg", "A = -A (two's complement, u32) for A at the edges",
               [I.ld_abs("ld", 0), I.neg(), I.ret_a()], a_packets, I.tags(I.neg()))
    yield case("opcodes/alu/neg_twice", "neg; neg gives A back",
               [I.ld_abs("ld", 0), I.neg(), I.neg(), I.ret_a()], a_packets, I.tags(I.neg()))


def jump_cases():
    a_packets = [with_words([a]) for a in EDGE_WORDS]
    for op in I.JMP_OPS:
        for k in (0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xdeadbeef):
            yield case(f"opcodes/jmp/{op}_k_{k:#x}",
                       f"{op} #{k:#x} compares unsigned: ret 1 when taken, 2 when not",
                       [I.ld_abs("ld", 0), I.jmp_k(op, k, 0, 1), I.ret_k(1), I.ret_k(2)],
                       a_packets, I.tags(I.jmp_k(op, 0, 0, 0)))
        for x in (0, 1, 0x7fffffff, 0x80000000, 0xffffffff):
            yield case(f"opcodes/jmp/{op}_x_{x:#x}",
                       f"{op} x with X = {x:#x}: ret 1 when taken, 2 when not",
                       [I.ldx_imm(x), I.ld_abs("ld", 0), I.jmp_x(op, 0, 1), I.ret_k(1),
                        I.ret_k(2)], a_packets, I.tags(I.jmp_x(op, 0, 0)))
        # jt == jf, and both offsets far (255).
        yield case(f"opcodes/jmp/{op}_same_targets",
                   f"{op} with jt == jf always lands on the same instruction",
                   [I.ld_abs("ld", 0), I.jmp_k(op, 1, 1, 1), I.ret_k(1), I.ret_k(2)],
                   a_packets, I.tags(I.jmp_k(op, 0, 0, 0)))
        far = [I.ld_abs("ld", 0), I.jmp_k(op, 0x80000000, 255, 0)]
        far += [I.ret_k(3)] + [I.ld_imm(i) for i in range(254)] + [I.ret_k(4)]
        yield case(f"opcodes/jmp/{op}_jt_255",
                   f"{op} with jt = 255 (the largest forward offset)", far, a_packets,
                   I.tags(I.jmp_k(op, 0, 0, 0)))
    yield case("opcodes/jmp/ja_0", "ja +0 falls through to the next instruction",
               [I.ja(0), I.ret_k(7)], [pattern(16)], I.tags(I.ja(0)))
    yield case("opcodes/jmp/ja_1", "ja +1 skips one instruction",
               [I.ja(1), I.ret_k(7), I.ret_k(8)], [pattern(16)], I.tags(I.ja(0)))
    far = [I.ja(300)] + [I.ret_k(1)] * 300 + [I.ret_k(9)]
    yield case("opcodes/jmp/ja_300", "ja k is 32 bits wide: ja +300 jumps over 300 rets",
               far, [pattern(16)], I.tags(I.ja(0)))
    yield case("opcodes/jmp/ja_junk_jt_jf", "ja ignores junk in jt and jf",
               [I.raw(I.code("jmp", "ja"), 7, 9, 1, "ja +1 (jt=7 jf=9 junk)"), I.ret_k(1), I.ret_k(2)],
               [pattern(16)], I.tags(I.ja(0)))


LENGTHS = (1, 2, 3, 4, 5, 64, 1500)


def load_cases():
    pkts = [pattern(n) for n in LENGTHS]
    offsets = (0, 1, 2, 3, 4, 60, 61, 62, 63, 64, 1496, 1498, 1499, 1500, 0x7fffffff,
               0x80000000, 0xffffefff, I.SKF_NET_OFF, I.SKF_NET_OFF + 1, I.SKF_NET_OFF + 63,
               I.SKF_NET_OFF - 1, I.SKF_LL_OFF, I.SKF_LL_OFF - 1)
    for size in I.SIZES:  # ld ldh ldb
        tag = I.tags(I.ld_abs(size, 0))
        for k in offsets:
            yield case(f"opcodes/ld_abs/{size}_{k:#x}",
                       f"{size} [{I._off(k)}] on packets of length {', '.join(map(str, LENGTHS))}",
                       [I.ld_abs(size, k), I.ret_a()], pkts, tag)
    ind = ((0, 0), (1, 0), (0, 1), (60, 0), (62, 0), (63, 0), (64, 0), (0xffffffff, 1),
           (0xffffffff, 2), (0x80000000, 0x80000001), (1, 0xfffffffe), (0x11, 0xfffffff0),
           (0, I.SKF_AD_OFF), (0, I.SKF_NET_OFF), (4, I.SKF_NET_OFF), (0, I.SKF_LL_OFF),
           (0xfff00000, 0), (0x7fffffff, 1), (1496, 0), (1499, 0))
    for size in I.SIZES:  # ld ldh ldb
        tag = I.tags(I.ld_ind(size, 0))
        for x, k in ind:
            yield case(f"opcodes/ld_ind/{size}_x{x:#x}_k{k:#x}",
                       f"{size} [x+{I._off(k)}] with X = {x:#x}: X+k wraps at 32 bits, then is signed",
                       [I.ldx_imm(x), I.ld_ind(size, k), I.ret_a()], pkts, tag)
    for k in (0, 1, 63, 64, 1499, 1500, 0x7fffffff, 0xffffffff, I.SKF_NET_OFF, I.SKF_LL_OFF,
              I.SKF_AD_OFF):
        yield case(f"opcodes/ld_msh/ldxb_{k:#x}",
                   f"ldxb 4*([{I._off(k)}]&0xf) sets X and keeps A",
                   [I.ld_imm(0x1000), I.ldx_msh(k), I.alu_x("add"), I.ret_a()], pkts,
                   I.tags(I.ldx_msh(0)))
    for k in (0, 1, 0x7fffffff, 0x80000000, 0xffffffff):
        yield case(f"opcodes/ld_imm/ld_{k:#x}", f"ld #{k:#x}; ret a",
                   [I.ld_imm(k), I.ret_a()], [pattern(64)], I.tags(I.ld_imm(0)))
        yield case(f"opcodes/ld_imm/ldx_{k:#x}", f"ldx #{k:#x}; txa; ret a",
                   [I.ldx_imm(k), I.txa(), I.ret_a()], [pattern(64)], I.tags(I.ldx_imm(0)))
        yield case(f"opcodes/ld_imm/ld_junk_jt_jf_{k:#x}", "ld #k ignores junk jt/jf",
                   [I.raw(I.code("ld", "imm"), 0xff, 0x7f, k, f"ld #{k:#x} (jt=255 jf=127 junk)"), I.ret_a()],
                   [pattern(64)], I.tags(I.ld_imm(0)))
    lens = [pattern(n) for n in (1, 2, 3, 17, 64, 255, 256, 1500, 9000, 20000, 70000)]
    yield case("opcodes/ld_len/ld", "ld #len is the packet length (frags included)",
               [I.ld_len(), I.ret_a()], lens, I.tags(I.ld_len()))
    yield case("opcodes/ld_len/ldx", "ldx #len; txa is the packet length",
               [I.ldx_len(), I.txa(), I.ret_a()], lens, I.tags(I.ldx_len()))
    yield case("opcodes/ld_len/ld_junk_k", "ld #len ignores k",
               [I.raw(I.code("ld", "len"), 0, 0, 0xffffffff, "ld #len (k=0xffffffff junk)"), I.ret_a()],
               lens[:5], I.tags(I.ld_len()))


def scratch_cases():
    a_packets = [with_words([a]) for a in (0, 1, 0xffffffff, 0x12345678)]
    for m in range(16):
        yield case(f"opcodes/scratch/st_ld_M{m}", f"st M[{m}] then ld M[{m}] gives A back",
                   [I.ld_abs("ld", 0), I.st(m), I.ld_imm(0), I.ld_mem(m), I.ret_a()],
                   a_packets, I.tags(I.st(0), I.ld_mem(0)))
        yield case(f"opcodes/scratch/stx_ldx_M{m}", f"stx M[{m}] then ldx M[{m}] gives X back",
                   [I.ld_abs("ld", 0), I.tax(), I.stx(m), I.ldx_imm(0), I.ldx_mem(m), I.txa(),
                    I.ret_a()], a_packets, I.tags(I.stx(0), I.ldx_mem(0), I.tax()))
    prog = [I.ld_imm(100 + i) for i in range(1)]
    prog = []
    for m in range(16):
        prog += [I.ld_imm(m * 3 + 1), I.st(m)]
    prog += [I.ld_imm(0)]
    for m in range(16):
        prog += [I.ldx_mem(m), I.alu_x("add")]
    prog += [I.ret_a()]
    yield case("opcodes/scratch/all_cells_distinct", "all 16 cells hold distinct values",
               prog, [pattern(64)], I.tags(I.st(0), I.ldx_mem(0)))


def ret_cases():
    pkts = [pattern(n) for n in (2, 16, 64, 65535, 65536, 65537)]
    for k in (0, 1, 2, 15, 16, 17, 63, 64, 65, 0xffff, 0x10000, 0x10001, 0x7fffffff,
              0x80000000, 0xfffffffe, 0xffffffff):
        yield case(f"opcodes/ret/ret_k_{k:#x}", f"ret #{k:#x} returns k (the kept length)",
                   [I.ret_k(k)], pkts, I.tags(I.ret_k(0)))
        yield case(f"opcodes/ret/ret_a_{k:#x}", f"ld #{k:#x}; ret a returns A",
                   [I.ld_imm(k), I.ret_a()], pkts, I.tags(I.ret_a()))
    yield case("opcodes/ret/ret_a_junk_k", "ret a ignores k",
               [I.ld_imm(9), I.raw(I.code("ret", "a"), 3, 4, 0xffffffff, "ret a (junk jt/jf/k)")],
               [pattern(64)], I.tags(I.ret_a()))
    yield case("opcodes/ret/ret_early", "a ret before the end ends the program",
               [I.ret_k(5), I.ret_k(6)], [pattern(64)], I.tags(I.ret_k(0)))


def move_cases():
    a_packets = [with_words([a]) for a in EDGE_WORDS]
    yield case("opcodes/misc/tax", "tax copies A to X (X = A)",
               [I.ld_abs("ld", 0), I.tax(), I.ld_imm(0), I.txa(), I.ret_a()], a_packets,
               I.tags(I.tax(), I.txa()))
    yield case("opcodes/misc/txa", "txa copies X to A (A = X)",
               [I.ld_imm(7), I.tax(), I.ld_imm(0), I.txa(), I.ret_a()], [pattern(64)],
               I.tags(I.tax(), I.txa()))
    yield case("opcodes/misc/tax_junk_k", "tax/txa ignore k",
               [I.ld_imm(11), I.raw(I.code("misc", "tax"), 1, 2, 3, "tax (junk)"), I.ld_imm(0),
                I.raw(I.code("misc", "txa"), 4, 5, 6, "txa (junk)"), I.ret_a()], [pattern(64)],
               I.tags(I.tax(), I.txa()))
    yield case("opcodes/misc/initial_registers", "A and X start at 0",
               [I.alu_x("add"), I.ret_a()], [pattern(64)], I.tags(I.alu_x("add")))
    yield case("opcodes/misc/initial_x", "X starts at 0 (txa first)",
               [I.txa(), I.alu_k("add", 5), I.ret_a()], [pattern(64)], I.tags(I.txa()))


def extension_cases():
    pkts = [pattern(16), pattern(64), pattern(300)]
    for off, name in I.EXTENSIONS.items():
        for size in I.SIZES:  # ld ldh ldb
            c = case(f"opcodes/ext/{name}_{size}",
                     f"{size} [{name}] (SKF_AD_OFF+{off}) over AF_UNIX; size bits are ignored",
                     [I.ld_imm(0x1234567), I.ldx_imm(0x89), I.ld_abs(size, I.SKF_AD_OFF + off),
                      I.ret_a()], pkts, I.tags(I.ld_abs(size, 0)) + [f"ext={name}"])
            if name == "rand":
                c.nondeterministic = "random"
            elif name == "cpu":
                c.nondeterministic = "cpu"
            yield c


def cases():
    for gen in (alu_cases, jump_cases, load_cases, scratch_cases, ret_cases, move_cases,
                extension_cases):
        yield from gen()
