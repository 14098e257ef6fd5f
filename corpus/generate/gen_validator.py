"""gen_validator: every load-time rule of docs/linux-semantics.md that a
program can trigger (the validate.* entries and attach.optmem-charge), on
both sides of its edge, for the socket profile; plus the seccomp profile's
extra rules (the seccomp.* entries).
"""
from cbpfconform.casefile import Case, seccomp_records
from cbpfconform import insns as I
from packets import pattern

PKT = [pattern(64)]


def case(cid, desc, prog, tags, packets=PKT, profile="linux", inputs=None):
    c = Case(id=cid, path="", description=desc, tags=tags, profile=profile,
             program=[p[0] for p in prog], program_comments=[p[1] for p in prog],
             packets=list(packets))
    if inputs is not None:
        c.inputs = list(inputs)
        c.packets = seccomp_records(c.inputs, "<gen>", [0] * len(c.inputs))
    return c


def opcode_whitelist():
    for code in range(max(I.OP.codes) + 1):
        if I.OP.valid(code):
            continue
        yield case(f"validator/code/invalid_{code:#04x}",
                   f"opcode {code:#04x} is not one of the 49: EINVAL",
                   [I.raw(code, 0, 0, 0), I.ret_k(1)],
                   ["linux-semantics=validate.opcode", f"code={code:#04x}"])
    for code in (0xb2, 0xff, 0x100, 0x106, 0x8006, 0xffff, 0x1006, 0x0e06):
        yield case(f"validator/code/high_{code:#06x}",
                   f"opcode {code:#06x} (>= 0xb2 or high bits set): EINVAL",
                   [I.raw(code, 0, 0, 1), I.ret_k(1)],
                   ["linux-semantics=validate.opcode", f"code={code:#06x}"])
    yield case("validator/code/ret_x_last", "ret x (0x0e) as the last instruction: EINVAL",
               [I.ld_imm(1), I.tax(), I.raw(I.code("ret", "x"), 0, 0, 0, "ret x")],
               ["linux-semantics=validate.opcode", "linux-semantics=validate.last-ret"])


def length_rules():
    yield case("validator/length/zero", "an empty program (len 0): EINVAL", [],
               ["linux-semantics=validate.length"])
    yield case("validator/length/one", "a 1-instruction program is accepted",
               [I.ret_k(3)], ["linux-semantics=validate.length"])
    yield case("validator/length/4096", "4096 instructions are accepted (BPF_MAXINSNS)",
               [I.ld_imm(i) for i in range(4095)] + [I.ret_a()],
               ["linux-semantics=validate.length"])
    yield case("validator/length/4097", "4097 instructions: EINVAL",
               [I.ld_imm(i) for i in range(4096)] + [I.ret_a()],
               ["linux-semantics=validate.length"])


def operand_rules():
    for op in ("div", "mod"):
        for k, ok in ((0, False), (1, True), (0xffffffff, True)):
            yield case(f"validator/divzero/{op}_k_{k:#x}",
                       f"{op} #{k:#x}: " + ("accepted" if ok else "EINVAL (constant zero divisor)"),
                       [I.ld_imm(100), I.alu_k(op, k), I.ret_a()],
                       ["linux-semantics=validate.div-zero"])
    for op in ("lsh", "rsh"):
        for k in (0, 31, 32, 33, 0x80000000, 0xffffffff):
            yield case(f"validator/shift/{op}_k_{k:#x}",
                       f"{op} #{k}: " + ("accepted" if k < 32 else "EINVAL (k >= 32)"),
                       [I.ld_imm(0xdeadbeef), I.alu_k(op, k), I.ret_a()],
                       ["linux-semantics=validate.shift-range"])
    for k in (0, 15, 16, 17, 0xffffffff):
        yield case(f"validator/memidx/st_{k:#x}", f"st M[{k}] (only 0..15 exist)",
                   [I.ld_imm(5), I.st(k), I.ret_k(1)], ["linux-semantics=validate.scratch-index"])
        yield case(f"validator/memidx/stx_{k:#x}", f"stx M[{k}] (only 0..15 exist)",
                   [I.stx(k), I.ret_k(1)], ["linux-semantics=validate.scratch-index"])
        yield case(f"validator/memidx/ld_{k:#x}", f"ld M[{k}] after st M[{k & 15}]",
                   [I.st(k & 15), I.ld_mem(k), I.ret_a()],
                   ["linux-semantics=validate.scratch-index"])
        yield case(f"validator/memidx/ldx_{k:#x}", f"ldx M[{k}] after st M[{k & 15}]",
                   [I.st(k & 15), I.ldx_mem(k), I.ret_a()],
                   ["linux-semantics=validate.scratch-index"])


def jump_rules():
    # ja at pc 0 of a 4-instruction program: k <= 2 ok, k >= 3 EINVAL.
    for k in (0, 1, 2, 3, 4, 0x7fffffff, 0xffffffff):
        yield case(f"validator/ja/k_{k:#x}", f"ja +{k} at pc 0 of 4 instructions",
                   [I.ja(k), I.ret_k(1), I.ret_k(2), I.ret_k(3)],
                   ["linux-semantics=validate.ja-range"])
    for op in I.JMP_OPS:
        for jt, jf in ((2, 0), (0, 2), (3, 0), (0, 3), (2, 2), (255, 0), (0, 255)):
            yield case(f"validator/jcond/{op}_jt{jt}_jf{jf}",
                       f"{op} with jt={jt} jf={jf} at pc 0 of 4 instructions",
                       [I.jmp_k(op, 1, jt, jf), I.ret_k(1), I.ret_k(2), I.ret_k(3)],
                       ["linux-semantics=validate.jump-range"])
        yield case(f"validator/jcond/{op}_x_jt3", f"{op} x with jt past the end",
                   [I.jmp_x(op, 3, 0), I.ret_k(1), I.ret_k(2), I.ret_k(3)],
                   ["linux-semantics=validate.jump-range"])


def extension_rules():
    for n in (0, 1, 2, 3, 4, 30, 60, 61, 62, 63, 64, 68, 0xffc, 0xfff):
        for size in I.SIZES:  # ld ldh ldb
            yield case(f"validator/skf_ad/{size}_ad{n:#x}",
                       f"{size} [SKF_AD_OFF+{n}]: only the 16 known offsets load",
                       [I.ld_abs(size, I.SKF_AD_OFF + n), I.ret_k(1)],
                       ["linux-semantics=validate.ancillary"])
    for k in (I.SKF_AD_OFF - 1, I.SKF_LL_OFF - 1, 0x80000000):
        yield case(f"validator/skf_ad/below_{k:#x}",
                   f"ld [{k:#x}] below SKF_AD_OFF is accepted (fails at run time)",
                   [I.ld_abs("ld", k), I.ret_k(1)], ["linux-semantics=validate.ancillary"])
    yield case("validator/skf_ad/ind_in_ad_range", "ld [x+SKF_AD_OFF] is never an extension",
               [I.ld_ind("ld", I.SKF_AD_OFF + 2), I.ret_k(1)],
               ["linux-semantics=validate.ancillary"])
    yield case("validator/skf_ad/msh_in_ad_range", "ldxb 4*([SKF_AD_OFF+1]&0xf) is accepted",
               [I.ldx_msh(I.SKF_AD_OFF + 1), I.ret_k(1)], ["linux-semantics=validate.ancillary"])


def last_insn_rules():
    yield case("validator/last/ld", "the last instruction is ld #1: EINVAL",
               [I.ld_imm(1)], ["linux-semantics=validate.last-ret"])
    yield case("validator/last/ja", "the last instruction is ja +0: EINVAL",
               [I.ret_k(1), I.ja(0)], ["linux-semantics=validate.last-ret"])
    yield case("validator/last/ret_k", "ret #k last is accepted", [I.ld_imm(1), I.ret_k(4)],
               ["linux-semantics=validate.last-ret"])
    yield case("validator/last/ret_a", "ret a last is accepted", [I.ld_imm(1), I.ret_a()],
               ["linux-semantics=validate.last-ret"])
    yield case("validator/last/ret_k_junk", "ret #k with junk jt/jf last is accepted",
               [I.raw(I.code("ret", "k"), 9, 9, 5, "ret #5 (junk jt/jf)")], ["linux-semantics=validate.last-ret"])


def scratch_rules():
    yield case("validator/scratch/read_unstored", "ld M[3] never stored: EINVAL",
               [I.ld_mem(3), I.ret_a()], ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/ldx_unstored", "ldx M[0] never stored: EINVAL",
               [I.ldx_mem(0), I.ret_k(1)], ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/other_cell", "st M[1] then ld M[2]: EINVAL",
               [I.st(1), I.ld_mem(2), I.ret_a()], ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/stored", "st M[2] then ld M[2] is accepted",
               [I.st(2), I.ld_mem(2), I.ret_a()], ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/dead_read", "an unreachable ld M[5] is accepted",
               [I.ja(2), I.ld_mem(5), I.ret_a(), I.ret_k(1)],
               ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/one_path",
               "stored on the taken path only: the merge point loses M[0], EINVAL",
               [I.ld_abs("ldb", 0), I.jmp_k("jeq", 5, 0, 1), I.st(0), I.ld_mem(0), I.ret_a()],
               ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/both_paths", "stored on both paths: accepted",
               [I.ld_abs("ldb", 0), I.jmp_k("jeq", 5, 0, 2), I.st(0), I.ja(1), I.st(0),
                I.ld_mem(0), I.ret_a()], ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/before_jump", "stored before the branch: accepted",
               [I.st(7), I.ld_abs("ldb", 0), I.jmp_k("jeq", 5, 0, 1), I.ldx_mem(7),
                I.ld_mem(7), I.ret_a()], ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/ja_carries",
               "ja carries the stored set to its target (path-insensitive intersection)",
               [I.st(4), I.ja(1), I.ret_k(1), I.ld_mem(4), I.ret_a()],
               ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/stx_counts", "stx also marks the cell written",
               [I.ldx_imm(9), I.stx(15), I.ld_mem(15), I.ret_a()],
               ["linux-semantics=validate.scratch-uninit"])
    yield case("validator/scratch/fallthrough_after_ret",
               "a ret then a read reached only by a jump without the store: EINVAL",
               [I.jmp_k("jeq", 0, 1, 0), I.st(3), I.ld_mem(3), I.ret_a()],
               ["linux-semantics=validate.scratch-uninit"])


def conversion_rules():
    # A jump offset that overflows s16 after the eBPF expansion
    # (linux-semantics: validate.ebpf-jump-range).
    for n in (1700, 1800):
        prog = [I.ja(n)] + [I.ldx_msh(14)] * n + [I.ret_k(1)]
        yield case(f"validator/expand/ja_over_{n}_ldxb",
                   f"ja over {n} ldxb (19 eBPF insns each): EINVAL past the s16 jump range",
                   prog, ["linux-semantics=validate.ebpf-jump-range"])
    # The optmem_max charge, which depends on net.core.optmem_max (see the env
    # record; linux-semantics: attach.optmem-charge).
    for n in (1168, 1169, 1170):
        prog = [I.ld_abs("ld", 1000)] * (n - 1) + [I.ret_k(1)]
        yield case(f"validator/optmem/ld_abs_1000_x{n}",
                   f"{n - 1} ld [1000] + ret: ENOMEM beyond the optmem_max charge",
                   prog, ["linux-semantics=attach.optmem-charge"])
    for n in (861, 862, 863):
        prog = [I.ldx_msh(14)] * (n - 1) + [I.ret_k(1)]
        yield case(f"validator/optmem/ldxb_x{n}", f"{n - 1} ldxb + ret against optmem_max",
                   prog, ["linux-semantics=attach.optmem-charge"])


def not_checked():
    yield case("validator/unchecked/junk_fields", "jt/jf/k of non-jumps are not checked",
               [I.raw(I.code("misc", "tax"), 0xff, 0xff, 0xffffffff, "tax (junk)"),
                I.raw(I.code("alu", "neg"), 1, 2, 3, "neg (junk)"), I.raw(I.code("ld", "len"), 4, 5, 6, "ld #len (junk)"),
                I.ret_a()], ["unchecked"])
    yield case("validator/unchecked/lsh_x_any", "lsh x and div x are accepted for any X",
               [I.ldx_imm(0xffffffff), I.ld_imm(3), I.alu_x("lsh"), I.alu_x("div"), I.ret_a()],
               ["unchecked"])


# Inputs the seccomp oracle can reproduce: x86-64 syscalls that ignore their
# arguments. The instruction pointer (ld [8], ld [12]) is the oracle's own and
# is not an input, so no case reads it.
SD = "nr=39,args=0x1122334455667788:2:3:4:5:0xffffffffffffffff"


def seccomp_rules():
    inputs = [SD, "nr=110,args=0:0xffffffff:0x80000000:0:0:7"]
    allow = 0x7fff0000
    def sc(cid, desc, prog, tags):
        return case(f"validator/seccomp/{cid}", desc, prog, tags + ["profile=seccomp"],
                    profile="seccomp", inputs=inputs)
    yield sc("mod_k", "seccomp forbids mod: EINVAL", [I.ld_imm(9), I.alu_k("mod", 4),
                                                         I.ret_k(allow)], I.tags(I.alu_k("mod", 4)))
    yield sc("mod_x", "seccomp forbids mod x: EINVAL", [I.ldx_imm(3), I.alu_x("mod"),
                                                         I.ret_k(allow)], I.tags(I.alu_x("mod")))
    for size in ("ldh", "ldb"):
        yield sc(f"{size}_0", f"seccomp forbids {size} [0]: EINVAL",
                 [I.ld_abs(size, 0), I.ret_k(allow)], [])
    for k in [k for k in range(0, 68, 4) if k not in (8, 12)]:
        yield sc(f"ld_{k}", f"seccomp ld [{k}]: aligned and < 64 loads seccomp_data",
                 [I.ld_abs("ld", k), I.alu_k("and", 0xfff), I.alu_k("or", 0x50000),
                  I.ret_a()], I.tags(I.ld_abs("ld", 0)))
    for k in (1, 2, 3, 61, 0xfffffffc):
        yield sc(f"ld_{k:#x}", f"seccomp ld [{k:#x}] (misaligned or out of range): EINVAL",
                 [I.ld_abs("ld", k), I.ret_k(allow)], [])
    for name, prog in (("ld_ind", [I.ld_ind("ld", 0), I.ret_k(allow)]),
                       ("ldxb", [I.ldx_msh(0), I.ret_k(allow)]),
                       ("ext_proto", [I.ld_abs("ld", I.SKF_AD_OFF), I.ret_k(allow)]),
                       ("ret_x", [I.raw(I.code("ret", "x"))]),
                       ("unstored", [I.ld_mem(0), I.ret_k(allow)]),
                       ("lsh_32", [I.alu_k("lsh", 32), I.ret_k(allow)])):
        yield sc(name, f"seccomp rejects {name}: EINVAL", prog, [])
    yield sc("ld_len", "seccomp ld #len is 64",
             [I.ld_len(), I.alu_k("or", 0x50000), I.ret_a()], I.tags(I.ld_len()))
    yield sc("ldx_len", "seccomp ldx #len is 64",
             [I.ldx_len(), I.txa(), I.alu_k("or", 0x50000), I.ret_a()], I.tags(I.ldx_len()))
    yield sc("lsh_x_33", "seccomp lsh x with X=33 masks to 1",
             [I.ldx_imm(33), I.ld_imm(3), I.alu_x("lsh"), I.alu_k("or", 0x50000), I.ret_a()],
             I.tags(I.alu_x("lsh")))
    yield sc("div_x_0", "seccomp div x with X=0 returns 0 (KILL_THREAD)",
             [I.ld_imm(7), I.alu_x("div"), I.ret_k(allow)], I.tags(I.alu_x("div")))
    yield sc("tax_txa", "seccomp tax/txa",
             [I.ld_imm(7), I.tax(), I.ld_imm(0), I.txa(), I.alu_k("or", 0x50000), I.ret_a()],
             I.tags(I.tax(), I.txa()))
    yield sc("scratch", "seccomp scratch memory",
             [I.ld_abs("ld", 0), I.st(15), I.ld_imm(0), I.ldx_mem(15), I.txa(),
              I.alu_k("and", 0xfff), I.alu_k("or", 0x50000), I.ret_a()],
             I.tags(I.st(0), I.ldx_mem(0)))


def cases():
    for gen in (opcode_whitelist, length_rules, operand_rules, jump_rules, extension_rules,
                last_insn_rules, scratch_rules, conversion_rules, not_checked, seccomp_rules):
        yield from gen()
