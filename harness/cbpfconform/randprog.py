"""randprog: the Python side's one seeded random-program generator (test
support; the C side's is testsupport/).

Its users: the corpus's random/ family (corpus/generate/gen_random.py),
`cbpf triage fuzz` (triage/diff_fuzz.py) and the property tests
(harness/test_properties.py, through Hypothesis's own Random, which
shrinks). program() makes socket filters, seccomp_program() seccomp ones. Programs are
written in insns.py's vocabulary, so every code comes from
`cbpf opcodes --json`; a seed gives the same programs.

    rng = randprog.Random(seed)
    prog = randprog.program(rng)                # [(insn, bpf_asm text), ...]
    raw = randprog.raw(randprog.program(rng, max_insns=24, loadable=True,
                                        negative_loads=False, random_k=True, ja=True))

The defaults are the corpus's program shape (its committed cases pin that
sequence of draws: keep it); the options only add or replace draws when
they differ from the defaults:

  max_insns       at most this many instructions, the final `ret a` included
  n               exactly n instructions (no length drawn)
  packet_loads    False: no packet or extension loads (a program that never
                  aborts)
  negative_loads  False: no extension loads or negative offsets (they
                  diverge everywhere and drown the rest of a fuzz run)
  random_k        draw constants as random 4-, 8- or 32-bit numbers too,
                  not only from the edge pool
  ja              unconditional jumps too
  loadable        fix the program up so that Linux loads it: jumps kept in
                  range, an ld [k] in the ancillary range that names no
                  extension loads [k & 0xff], reads of a scratch cell some
                  path leaves unstored become `ld #0` / `ldx #0`
                  (linux-semantics: validate.jump-range, validate.ancillary,
                  validate.scratch-uninit)
"""
import random

from . import classify, insns as I

Random = random.Random

K_POOL = (0, 1, 2, 3, 4, 7, 8, 12, 14, 16, 20, 23, 31, 63, 64, 0xff, 0x100, 0xffff, 0x10000,
          0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff)
# Packet offsets (_offsets() adds three negative ones: -1, SKF_NET_OFF and
# SKF_NET_OFF + 9).
OFF_POOL = (0, 1, 2, 3, 6, 12, 13, 14, 20, 23, 30, 40, 54, 60, 62, 63, 64, 65, 120)
# The extensions whose value needs no device and is not random or per-CPU.
DETERMINISTIC_EXT = ("proto", "type", "nla", "nlan", "mark", "queue", "rxhash", "xor_x",
                     "vlan_tci", "vlan_avail", "poff", "vlan_tpid")


def _offsets(negative):
    return OFF_POOL + ((0xffffffff, I.SKF_NET_OFF, I.SKF_NET_OFF + 9) if negative else ())


def _const(rng, random_k):
    if random_k and rng.random() >= 0.6:
        return rng.getrandbits(rng.choice((4, 8, 32)))
    return rng.choice(K_POOL)


def _alu(rng, random_k):
    op = rng.choice(I.ALU_OPS)
    if rng.random() >= 0.5:
        return I.alu_x(op)
    k = _const(rng, random_k)
    if op in ("div", "mod") and k == 0:
        k = 3               # linux-semantics: validate.div-zero
    if op in ("lsh", "rsh"):
        k &= 31             # linux-semantics: validate.shift-range
    return I.alu_k(op, k)


def _load(rng, r, negative):
    """A packet, extension or msh load (r in [0.40, 0.65))."""
    offsets = _offsets(negative)
    if r < 0.55:
        size = rng.choice(list(I.SIZES))
        load = I.ld_abs if rng.random() < 0.5 else I.ld_ind
        return load(size, rng.choice(offsets))
    if r < 0.60:
        size = rng.choice(list(I.SIZES))
        if not negative:
            return I.ld_abs(size, rng.choice(offsets))
        return I.ld_abs(size, I.OP.ext_k(rng.choice(DETERMINISTIC_EXT)))
    return I.ldx_msh(rng.choice(OFF_POOL[:14]))


def _jump(rng, remaining, random_k, ja):
    if ja and rng.random() < 0.2:
        return I.ja(rng.randint(0, min(remaining, 40)))
    jt = rng.randint(0, min(remaining, 255))
    jf = rng.randint(0, min(remaining, 255))
    op = rng.choice(I.JMP_OPS)
    if rng.random() < 0.5:
        return I.jmp_k(op, _const(rng, random_k), jt, jf)
    return I.jmp_x(op, jt, jf)


def program(rng, max_insns=25, n=None, packet_loads=True, negative_loads=True,
            random_k=False, ja=False, loadable=False):
    """A random program ending in `ret a`: a list of (insn, text) pairs."""
    body = n - 1 if n is not None else rng.randint(2, max(2, max_insns - 1))
    prog = []
    stored = set()
    for i in range(body):
        r = rng.random()
        remaining = body - i  # instructions after this one, the final ret included
        if r < 0.30:
            prog.append(_alu(rng, random_k))
        elif r < 0.40:
            prog.append(I.neg() if rng.random() < 0.3 else rng.choice((I.tax(), I.txa())))
        elif r < 0.65:
            if packet_loads:
                prog.append(_load(rng, r, negative_loads))
            else:
                prog.append(_alu(rng, random_k))
        elif r < 0.72:
            prog.append(rng.choice((I.ld_imm, I.ldx_imm))(_const(rng, random_k)))
        elif r < 0.75:
            prog.append(rng.choice((I.ld_len(), I.ldx_len())))
        elif r < 0.82:
            m = rng.randrange(I.OP.memwords)
            prog.append(rng.choice((I.st, I.stx))(m))
            stored.add(m)
        elif r < 0.86 and stored:
            m = rng.choice(sorted(stored))
            prog.append(rng.choice((I.ld_mem, I.ldx_mem))(m))
        elif r < 0.98:
            prog.append(_jump(rng, remaining, random_k, ja))
            stored = set()  # the kernel's path-insensitive check forgets at jumps
        else:
            prog.append(I.ret_k(rng.choice(K_POOL)) if rng.random() < 0.5 else I.ret_a())
    prog.append(I.ret_a())
    return make_loadable(prog) if loadable else prog


def raw(prog):
    """The [code, jt, jf, k] instructions of a program()."""
    return [list(insn) for insn, _ in prog]


def make_loadable(prog):
    """prog fixed up so that Linux loads it (see loadable in the module's
    text); the fixes draw nothing, so the seed's sequence is unchanged."""
    op = I.OP
    last = len(prog) - 1
    out = []
    for pc, (insn, text) in enumerate(prog):
        c, jt, jf, k = insn
        room = last - pc - 1        # the largest offset that stays inside
        if c == op.code("jmp", "ja") and k > room:
            out.append(I.ja(room))
        elif c in op.of_kind("jcond") and max(jt, jf) > room:
            op_name = op.field(c, "jmp")
            if op.field(c, "src") == "x":
                out.append(I.jmp_x(op_name, min(jt, room), min(jf, room)))
            else:
                out.append(I.jmp_k(op_name, k, min(jt, room), min(jf, room)))
        elif c in op.of_kind("ld_abs") and k >= op.skf_ad_off and op.ext_name(k) is None:
            # in the ancillary range, but no extension: a packet offset instead
            out.append(I.ld_abs(op.name(c), k & 0xff))
        else:
            out.append((insn, text))
    if classify.reads_unstored(raw(out)):
        ld_mem = op.code("ld", "mem")
        out = [(I.ld_imm(0) if i[0] == ld_mem else I.ldx_imm(0)) if i[0] in op.of_kind("ld_mem")
               else (i, t) for i, t in out]
    return out


def packet(rng, longest=64):
    """A random packet of 0..longest bytes (lengths around the headers
    more likely)."""
    n = rng.choice((0, 1, 4, 20, 34, 42, longest, longest, rng.randrange(longest + 1)))
    return bytes(rng.getrandbits(8) for _ in range(n))


# Seccomp: struct seccomp_data offsets a program may read (aligned words;
# not the instruction pointer at 8 and 12, which is the oracle's own and no
# input), and actions whose effect is observable exactly.
SECCOMP_OFFSETS = (0, 4, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60)
SECCOMP_RETS = (0x7fff0000, 0x00050000, 0x00050001, 0x00050fff, 0x7ffc0000, 0x00030000,
                0x80000000, 0x00000000)
SECCOMP_JUMPS = (("jeq", "k"), ("jgt", "k"), ("jge", "k"), ("jset", "k"), ("jeq", "x"))


def seccomp_program(rng, max_body=12):
    """A random seccomp filter Linux loads (seccomp_check_filter(): word
    loads of seccomp_data only, no mod), ending in a fixed action or in A
    masked into SECCOMP_RET_ERRNO."""
    alu = [op for op in I.ALU_OPS if op != "mod"]   # linux-semantics: seccomp.opcode
    body = []
    for _ in range(rng.randint(1, max_body)):
        kind = rng.randrange(5)
        if kind == 0:
            body.append(I.ld_abs("ld", rng.choice(SECCOMP_OFFSETS)))
        elif kind == 1:
            op, k = rng.choice(alu), rng.choice(K_POOL)
            if op == "div" and k == 0:
                k = 3
            if op in ("lsh", "rsh"):
                k &= 31
            body.append(I.alu_k(op, k))
        elif kind == 2:
            body.append(rng.choice((I.tax(), I.txa(), I.neg())))
        elif kind == 3:
            body.append(rng.choice((I.ld_imm, I.ldx_imm))(rng.choice(K_POOL)))
        else:
            body.append(I.alu_x(rng.choice(alu)))
    for _ in range(rng.randint(0, 2)):
        pos = rng.randint(0, len(body))
        left = len(body) - pos          # at most to the tail's first instruction
        op, src = rng.choice(SECCOMP_JUMPS)
        jt, jf = rng.randint(0, left), rng.randint(0, left)
        body.insert(pos, I.jmp_x(op, jt, jf) if src == "x"
                    else I.jmp_k(op, rng.choice(K_POOL), jt, jf))
    if rng.random() < 0.5:
        # SECCOMP_RET_ERRNO | (A & 0xfff)
        return body + [I.alu_k("and", 0xfff), I.alu_k("or", 0x00050000), I.ret_a()]
    return body + [I.ret_k(rng.choice(SECCOMP_RETS))]
