"""shrink: the deterministic minimiser of a divergent program and packet.

A state is (program, packets, ctx): program a tuple of (code, jt, jf, k),
packets a tuple of bytes, ctx a JSON-ready dict or None. The caller gives a
batch predicate, test(states) -> [bool], that says which candidates still
show the same divergence. Passes, repeated until none changes anything:

  packets   keep only the packets the divergence needs
  delete    remove chunks of instructions (halves down to single ones) and
            fix up the jumps over and into them
  simplify  replace an instruction by a simpler one (a conditional jump by
            `ja` to one of its targets, `ja` by `ja 0`, loads and ALU by
            `ld #0` / `ldx #0`, `ld [x+k]` by `ld [k]`, ...)
  constants move k toward edge values (0, 1, 32, 0xffffffff, ...), jt/jf
            toward 0
  bytes     truncate and cut the packet, zero its bytes
  ctx       drop context fields

Each pass tries its candidates in a fixed order and takes the first that
passes, so the result depends only on the input and the answers: the
batch size changes the speed, never the result. Every accepted candidate
makes a measure smaller (length, instruction ranks, constant ranks, packet
bytes, ctx keys), so the passes terminate.
"""
import functools
import itertools
import types

from .. import opcodes


@functools.lru_cache(maxsize=None)
def _named(op):
    """The codes the passes name (op: the facts of `cbpf opcodes --json`)."""
    c = op.code
    return types.SimpleNamespace(
        op=op, jcond=op.of_kind("jcond"), ja=c("jmp", "ja"), ret_k=c("ret", "k"),
        ret_a=c("ret", "a"), ld_imm=c("ld", "imm"), ldx_imm=c("ldx", "imm"),
        moves={c("misc", "tax"), c("misc", "txa")}, txa=c("misc", "txa"), tax=c("misc", "tax"),
        ind=op.of_kind("ld_ind"), sized=op.of_kind("ld_abs", "ld_ind"))


def named():
    return _named(opcodes.table())


# Edge values, simplest first: a constant only moves to an edge ranked
# before it, or (not an edge) to a smaller number.
EDGES = (0, 1, 2, 32, 0xffffffff, 0x80000000, 31, 33, 4, 8, 16, 64, 0x7fffffff, 0xff, 0x100,
         0xffff, 0x10000, 0x7f, 0x80, 0x8000, 0xfffffffe, 14, 0xfffff000, 0xffe00000,
         0xffeffffe)
EDGE_RANK = {v: i for i, v in enumerate(EDGES)}
IMM_EDGES = (1, 32, 0xffffffff, 0x80000000)


def const_key(v):
    r = EDGE_RANK.get(v)
    return (0, r) if r is not None else (1, v)


def const_candidates(v):
    """Values simpler than v, simplest first."""
    key = const_key(v)
    out = [e for e in EDGES if const_key(e) < key]
    if key[0] == 1:
        for c in (v >> 1, v - 1, v & (v - 1), v & 0xff, v & 0xffff):
            if const_key(c) < key and c not in out:
                out.append(c)
    return out


@functools.lru_cache(maxsize=None)
def insn_rank(c):
    """How complex an instruction class is (lower is simpler)."""
    N = named()
    simplest = (N.ret_k, N.ret_a, N.ld_imm, N.ldx_imm)
    if c in simplest:
        return simplest.index(c)
    if c in N.moves:
        return 4
    cls = N.op.cls(c)
    if cls == "alu":
        return 5 if N.op.field(c, "src") == "k" else 6
    if cls in ("ld", "ldx"):        # other loads
        return 7
    if cls in ("st", "stx"):
        return 8
    if c == N.ja:
        return 9
    if c in N.jcond:
        return 10
    return 11


def _target(pc, insn, which):
    c, jt, jf, k = insn
    if which == "k":
        return pc + 1 + k
    return pc + 1 + (jt if which == "jt" else jf)


def delete(prog, a, b):
    """prog without instructions [a, b), jumps fixed up: a jump over the
    range gets shorter, a jump into it lands on what follows it (new pc a),
    a jump past the end stays past the end by as much."""
    N = named()
    d = b - a
    out = []
    for pc, insn in enumerate(prog):
        if a <= pc < b:
            continue
        c, jt, jf, k = insn
        npc = pc if pc < a else pc - d
        if c == N.ja and pc + 1 + k <= 0xffffffff:
            t = pc + 1 + k
            nt = t if t < a else (a if t < b else t - d)
            k = nt - npc - 1
        elif c in N.jcond:
            vals = []
            for off in (jt, jf):
                t = pc + 1 + off
                nt = t if t < a else (a if t < b else t - d)
                vals.append(nt - npc - 1)
            jt, jf = vals
        out.append((c, jt, jf, k))
    return tuple(out)


def simpler(insn):
    """Replacements of one instruction, simplest first; each has a lower
    rank, or the same rank and a smaller (code, jt, jf, k)."""
    N = named()
    op = N.op
    c, jt, jf, k = insn
    r = insn_rank(c)
    cands = []
    if c in N.jcond:
        cands += [(N.ja, 0, 0, jt), (N.ja, 0, 0, jf)]
    if c == N.ja and k:
        cands.append((N.ja, 0, 0, 0))
    cls = op.cls(c)
    writes_a = cls in ("ld", "alu") or c == N.txa
    writes_x = cls == "ldx" or c == N.tax
    # A load or ALU result becomes an immediate: 0, its own k, or an edge
    # value (the register often only needs to be big, or all ones).
    if writes_a:
        cands += [(N.ld_imm, 0, 0, v) for v in (0, k) + IMM_EDGES]
    if writes_x:
        cands += [(N.ldx_imm, 0, 0, v) for v in (0, k) + IMM_EDGES]
    if cls == "alu" and op.field(c, "src") == "x":  # alu x -> alu k
        ck = op.with_field(c, "src", "k")
        cands += [(ck, 0, 0, 0), (ck, 0, 0, 1)]
    if c in N.ind:                  # ld [x+k] -> ld [k]
        cands.append((op.with_field(c, "mode", "abs"), 0, 0, k))
    if c in N.sized and op.field(c, "size") != "w":  # ldh/ldb -> ld: one load size
        cands.append((op.with_field(c, "size", "w"), 0, 0, k))
    if c == N.ret_a:
        cands.append((N.ret_k, 0, 0, 0))
    out = []
    for n in cands:
        nr = insn_rank(n[0])
        if (nr < r or (nr == r and n < insn)) and n not in out:
            out.append(n)
    return out


class Stats:
    def __init__(self, max_tests=None):
        self.tests = 0
        self.batches = 0
        self.accepted = 0
        self.max_tests = max_tests
        self.exhausted = False


def first_ok(cands, test, batch, stats):
    """The first candidate (in order) the predicate accepts, or None.
    cands is an iterable of (tag, state); returns (tag, state). Once the
    test budget is spent every search fails (deterministically: the budget
    counts candidates, not time)."""
    it = iter(cands)
    while True:
        if stats.max_tests is not None:
            left = stats.max_tests - stats.tests
            if left <= 0:
                stats.exhausted = True
                return None
            batch = min(batch, left)
        chunk = list(itertools.islice(it, batch))
        if not chunk:
            return None
        oks = test([s for _, s in chunk])
        stats.tests += len(chunk)
        stats.batches += 1
        for (tag, s), ok in zip(chunk, oks):
            if ok:
                stats.accepted += 1
                return tag, s


def _batch(prog, base):
    """Fewer candidates per batch for long programs (each is costly)."""
    return max(2, min(base, 16384 // max(1, len(prog))))


def pass_packets(st, test, batch, stats):
    prog, pkts, ctx = st
    if not pkts:
        return st, False
    # No packets (a load divergence), one packet alone, in order; then
    # drop packets one at a time.
    cands = [(-1, (prog, (), ctx))]
    if len(pkts) > 1:
        cands += [(i, (prog, (p,), ctx)) for i, p in enumerate(pkts)]
    hit = first_ok(cands, test, batch, stats)
    if hit:
        return hit[1], True
    changed = False
    i = 0
    while i < len(pkts) and len(pkts) > 1:
        cand = (prog, pkts[:i] + pkts[i + 1:], ctx)
        if first_ok([(i, cand)], test, 1, stats):
            pkts, changed = cand[1], True
        else:
            i += 1
    return (prog, pkts, ctx), changed


def pass_delete(st, test, batch, stats):
    prog, pkts, ctx = st
    changed = False
    for s in _chunk_sizes(len(prog)):
        i = 0
        while i < len(prog):
            n = len(prog)
            cands = ((j, (delete(prog, j, min(j + s, n)), pkts, ctx)) for j in range(i, n, s))
            hit = first_ok(cands, test, _batch(prog, batch), stats)
            if not hit:
                break
            i, (prog, _, _) = hit
            changed = True
    return (prog, pkts, ctx), changed


def _chunk_sizes(n):
    """The chunk sizes of a halving pass over n items: the largest power
    of two below n (1 for n <= 2), then each half of it down to 1."""
    s = 1
    while s * 2 < n:
        s *= 2
    while s >= 1:
        yield s
        s //= 2


LONG = 64


def pass_replace(st, test, batch, stats, make):
    """Shared driver of simplify/constants: make(prog, pc) -> replacements.
    A long program (more than LONG instructions, typically one whose length
    is the divergence) first gets chunks of instructions replaced at once
    by their first replacement, halves down to single ones; only a short
    one gets every replacement of every instruction tried."""
    prog, pkts, ctx = st
    changed = False
    if len(prog) > LONG:
        for s in _chunk_sizes(len(prog)):
            def chunks(start, s=s):
                for j in range(start, len(prog), s):
                    new = list(prog)
                    for q in range(j, min(j + s, len(prog))):
                        r = make(prog, q)
                        if r:
                            new[q] = r[0]
                    new = tuple(new)
                    if new != prog:
                        yield j + s, (new, pkts, ctx)
            i = 0
            while True:
                hit = first_ok(chunks(i), test, _batch(prog, batch), stats)
                if not hit:
                    break
                i, (prog, _, _) = hit
                changed = True
        return (prog, pkts, ctx), changed
    pc = 0
    while pc < len(prog):
        def gen(start):
            for q in range(start, len(prog)):
                for r in make(prog, q):
                    yield q, (prog[:q] + (r,) + prog[q + 1:], pkts, ctx)
        hit = first_ok(gen(pc), test, _batch(prog, batch), stats)
        if not hit:
            break
        pc, (prog, _, _) = hit
        changed = True
    return (prog, pkts, ctx), changed


def _simpler_at(prog, pc):
    return simpler(prog[pc])


def _constants_at(prog, pc):
    N = named()
    c, jt, jf, k = prog[pc]
    out = []
    if c in N.jcond:
        if jt:
            out.append((c, 0, jf, k))
        if jf:
            out.append((c, jt, 0, k))
    for v in const_candidates(k):
        if c == N.ja and v > k:
            continue  # only shorter jumps
        out.append((c, jt, jf, v))
    return out


def pass_bytes(st, test, batch, stats):
    prog, pkts, ctx = st
    changed = False
    for i in range(len(pkts)):
        def with_pkt(p, i=i):
            return (prog, pkts[:i] + (p,) + pkts[i + 1:], ctx)
        p = pkts[i]
        # Truncate: the shortest length that keeps the divergence.
        lens = sorted({0, 1, 2, 4, 8, 14, 16, 20, 32, 64, len(p) // 2, len(p) - 1} - {len(p)})
        hit = first_ok(((n, with_pkt(p[:n])) for n in lens if 0 <= n < len(p)), test, batch, stats)
        if hit:
            p, changed = p[:hit[0]], True
            pkts = with_pkt(p)[1]
        # Cut chunks, halves down to single bytes.
        s = 1
        while s * 2 < len(p):
            s *= 2
        while s >= 1:
            j = 0
            while j < len(p):
                cands = ((q, with_pkt(p[:q] + p[q + s:])) for q in range(j, len(p), s))
                hit = first_ok(cands, test, batch, stats)
                if not hit:
                    break
                j = hit[0]
                p, changed = p[:j] + p[j + s:], True
                pkts = with_pkt(p)[1]
            s //= 2
        # Zero the bytes.
        j = 0
        while True:
            cands = ((q, with_pkt(p[:q] + b"\0" + p[q + 1:])) for q in range(j, len(p)) if p[q])
            hit = first_ok(cands, test, batch, stats)
            if not hit:
                break
            j = hit[0]
            p, changed = p[:j] + b"\0" + p[j + 1:], True
            pkts = with_pkt(p)[1]
    return (prog, pkts, ctx), changed


def pass_ctx(st, test, batch, stats):
    prog, pkts, ctx = st
    if not ctx:
        if ctx == {}:
            return (prog, pkts, None), True
        return st, False
    changed = False
    for key in sorted(ctx):
        cand = {k: v for k, v in ctx.items() if k != key}
        if first_ok([(key, (prog, pkts, cand or None))], test, 1, stats):
            ctx, changed = cand, True
    return (prog, pkts, ctx or None), changed


PASSES = (("packets", pass_packets), ("delete", pass_delete),
          ("simplify", lambda s, t, b, st: pass_replace(s, t, b, st, _simpler_at)),
          ("delete", pass_delete),
          ("constants", lambda s, t, b, st: pass_replace(s, t, b, st, _constants_at)),
          ("bytes", pass_bytes), ("ctx", pass_ctx))


def minimise(state, test, batch=32, max_rounds=20, log=None, max_tests=None):
    """-> (minimal state, Stats). state = (program, packets, ctx).
    max_tests: a budget of candidates (stats.exhausted says it ran out)."""
    prog, pkts, ctx = state
    st = (tuple(tuple(i) for i in prog), tuple(bytes(p) for p in pkts),
          dict(ctx) if ctx else None)
    stats = Stats(max_tests)
    for rnd in range(max_rounds):
        any_change = False
        for name, fn in PASSES:
            st, changed = fn(st, test, batch, stats)
            if changed and log:
                log(f"round {rnd + 1} {name}: {len(st[0])} insns, "
                    f"{[len(p) for p in st[1]]} bytes, {stats.tests} tests")
            any_change |= changed
        if not any_change or stats.exhausted:
            break
    return st, stats
