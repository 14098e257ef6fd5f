"""diff_fuzz: a differential fuzz run of two implementations through the
plugin protocol (the kernel against libpcap by default), writing every
divergence as a fuzz reproducer for `cbpf triage`.

  cbpf triage fuzz [--impl A [--impl B]] [--seed N] [--count N] [--insns N]
                   [--out DIR] [--max-findings N]

The generator makes random programs Linux loads (so that what differs is
run-time behaviour): immediates and edge constants, ALU with K (shift
counts < 32, no division by 0) and with X, tax/txa, absolute, indirect and
msh packet loads, scratch stores each followed by its load, forward
conditional jumps and ja, and a final `ret a` or `ret #k`; two random
packets of 0..64 bytes per program. Extensions and negative offsets are
left out unless --all-loads (they diverge everywhere and drown the rest).
A seed gives the same programs, so the same run finds the same things.

Reproducers: DIR/repro-diff_REF_PEER-HASH.json in the fuzz format
cbpf-fuzz-repro/1 (fuzz/fz_input.c): target, kind (load or verdict),
profile, program, packets, the two answers, a note. Written atomically.
"""
import argparse
import errno as errno_mod
import hashlib
import json
import os
import random
import sys

from .. import classify, paths, results as results_mod
from . import oracle

DESCRIPTION = """\
A differential fuzz run: seeded random programs Linux loads (no extensions
or negative offsets unless --all-loads), two random packets each, run on two
implementations (the kernel against libpcap by default); every divergence is
written to DIR as a cbpf-fuzz-repro/1 reproducer for `cbpf triage`. The same
seed finds the same divergences.
"""
EXIT_CODES = """\
exit status:
  0    no divergence
  1    divergences found (their reproducers are listed on stdout)
  2    bad option, or an implementation could not run
  130  interrupted
"""

EDGE_K = (0, 1, 2, 7, 8, 16, 31, 32, 33, 40, 63, 64, 255, 0x7fffffff, 0x80000000, 0xfffffffe,
          0xffffffff)
ALU_OPS = (0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0)  # add..rsh, mod, xor
JMP_OPS = (0x10, 0x20, 0x30, 0x40)                                      # jeq jgt jge jset


def _k(rng):
    return rng.choice(EDGE_K) if rng.random() < 0.6 else rng.getrandbits(rng.choice((4, 8, 32)))


def gen_program(rng, n, all_loads=False, packet_loads=True):
    """A random program of n instructions (n >= 2) that Linux loads
    (packet_loads=False: no loads from the packet, so it never aborts)."""
    prog = []
    pairs = set()          # pcs of scratch loads (a jump must not land on one)
    while len(prog) < n - 1:
        pc = len(prog)
        room = n - 1 - pc  # instructions after this one, the final ret included
        r = rng.random()
        if r < 0.16:
            prog.append([rng.choice((0x00, 0x01)), 0, 0, _k(rng)])          # ld/ldx #k
        elif r < 0.40:
            op = rng.choice(ALU_OPS)
            k = _k(rng)
            if op in (0x60, 0x70):
                k &= 31
            if op in (0x30, 0x90) and k == 0:
                k = 1
            prog.append([0x04 | op, 0, 0, k])                               # alu #k
        elif r < 0.56:
            prog.append([0x0c | rng.choice(ALU_OPS), 0, 0, 0])              # alu x
        elif r < 0.60:
            prog.append([rng.choice((0x07, 0x87, 0x84)), 0, 0, 0])          # tax txa neg
        elif r < 0.75 and not packet_loads:
            prog.append([0x04 | rng.choice(ALU_OPS[:3]), 0, 0, _k(rng)])
        elif r < 0.72:
            size = rng.choice((0x00, 0x08, 0x10))                           # w h b
            mode = rng.choice((0x20, 0x40))                                 # abs, ind
            k = rng.randrange(0, 24) if rng.random() < 0.9 else _k(rng)
            if not all_loads and mode == 0x20 and k >= 0x80000000:
                k &= 0xff
            prog.append([mode | size, 0, 0, k])
        elif r < 0.75:
            prog.append([0xb1, 0, 0, rng.randrange(0, 24)])                 # ldx msh
        elif r < 0.79 and room >= 3:
            m = rng.randrange(16)
            prog.append([rng.choice((0x02, 0x03)), 0, 0, m])                # st/stx M[m]
            pairs.add(len(prog))
            prog.append([rng.choice((0x60, 0x61)), 0, 0, m])                # ld/ldx M[m]
        elif r < 0.95 and room >= 2:
            hi = min(room - 1, 255)
            src = rng.choice((0x00, 0x08))
            prog.append([0x05 | rng.choice(JMP_OPS) | src, rng.randint(0, hi),
                         rng.randint(0, hi), _k(rng)])
        elif room >= 2:
            prog.append([0x05, 0, 0, rng.randint(0, min(room - 1, 40))])   # ja
        else:
            prog.append([0x00, 0, 0, _k(rng)])
        if all_loads and rng.random() < 0.03:
            prog.append([0x20, 0, 0, 0xfffff000 + 4 * rng.randrange(16)])
    prog = prog[:n - 1]
    # Jumps landing on a scratch load would skip its store: land after it.
    for pc, (c, jt, jf, k) in enumerate(prog):
        if c & 7 == 5:
            offs = [k] if c == 0x05 else [jt, jf]
            offs = [o + 1 if pc + 1 + o in pairs and pc + 2 + o < n and o < 255 else o
                    for o in offs]
            if c == 0x05:
                prog[pc][3] = offs[0]
            else:
                prog[pc][1], prog[pc][2] = offs
    prog.append([0x16, 0, 0, 0] if rng.random() < 0.8 else [0x06, 0, 0, _k(rng)])
    if classify.reads_unstored(prog):
        # A path skips a store: the kernel would refuse; read 0 instead.
        prog = [[0x00 if c == 0x60 else 0x01, 0, 0, 0] if c in (0x60, 0x61) else i
                for i in prog for c in (i[0],)]
    return prog


def gen_packet(rng):
    n = rng.choice((0, 1, 4, 20, 34, 42, 64, 64, rng.randrange(65)))
    return bytes(rng.getrandbits(8) for _ in range(n))


def repro(ref, peer, kind, program, packets, rresp, presp, note):
    def answer(name, resp, pi):
        a = {"impl": name, "load": resp.get("load")}
        if resp.get("load") == "rejected":
            a["errno"] = getattr(errno_mod, str(resp.get("errno")), 0)  # a number
        elif resp.get("load") == "ok" and pi is not None:
            res = (resp.get("results") or [{}])[pi]
            a.update(verdict=res.get("verdict"), exact=res.get("exact", True),
                     abort=res.get("abort"))
        elif resp.get("load") == "error":
            a["note"] = resp.get("reason")
        return a
    pi = 0 if kind == "verdict" else None
    return {"format": "cbpf-fuzz-repro/1", "target": f"diff_{ref}_{peer}", "kind": kind,
            "profile": "linux", "program": program, "packets": [p.hex() for p in packets],
            "answers": [answer(ref, rresp, pi), answer(peer, presp, pi)], "note": note}


def dumps(doc):
    """One member per line, each value compact."""
    return "{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}"
                               for k, v in doc.items()) + "\n}\n"


def run(build, ref="kernel", peer="libpcap", seed=1, count=500, insns=24, out=".",
        max_findings=None, all_loads=False, batch=256, log=None):
    """-> list of reproducer paths, in the order found."""
    rng = random.Random(seed)
    runner = oracle.Runner(build)
    pair = oracle.Pair(runner, ref, peer)
    found, seen = [], set()
    try:
        done = 0
        while done < count:
            states = []
            for _ in range(min(batch, count - done)):
                n = rng.randint(2, max(2, insns))
                states.append((gen_program(rng, n, all_loads), [gen_packet(rng), gen_packet(rng)],
                               None))
            done += len(states)
            for (prog, pkts, _), (r, g) in zip(states, pair.responses(states)):
                if r.get("load") == "error":
                    continue
                st, outcome, detail, mism = oracle.judge(r, g, pkts, names=(ref, peer))
                if st != "diverge":
                    continue
                kind = "verdict" if outcome == "verdict" else "load"
                if kind == "verdict":
                    pkts = [pkts[mism[0]["packet"]]]
                    r = dict(r, results=[r["results"][mism[0]["packet"]]])
                    g = dict(g, results=[g["results"][mism[0]["packet"]]])
                doc = repro(ref, peer, kind, prog, pkts, r, g, f"{outcome}: {detail}")
                h = hashlib.sha256(json.dumps([prog, doc["packets"], kind]).encode()).hexdigest()
                if h in seen:
                    continue
                seen.add(h)
                path = os.path.join(out, f"repro-diff_{ref}_{peer}-{h[:16]}.json")
                results_mod.write_atomic(path, dumps(doc))
                found.append(path)
                if log:
                    log(f"finding {len(found)}: {path}: {outcome}: {detail}")
                if max_findings and len(found) >= max_findings:
                    return found
    except BaseException:
        runner.close(kill=True)
        raise
    finally:
        runner.close()
    return found


def main(argv):
    ap = argparse.ArgumentParser(prog="cbpf triage fuzz", description=DESCRIPTION,
                                 epilog=EXIT_CODES,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--impl", action="append", default=[], metavar="NAME",
                    help="one: the kernel against NAME; two: REF PEER (default: kernel, libpcap)")
    ap.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (default 1)")
    ap.add_argument("--count", type=int, default=1000, metavar="N",
                    help="programs to try (default 1000)")
    ap.add_argument("--insns", type=int, default=24, metavar="N",
                    help="at most this many instructions (default 24)")
    ap.add_argument("--out", default=".", metavar="DIR", help="where reproducers go (default .)")
    ap.add_argument("--max-findings", type=int, metavar="N", help="stop after N divergences")
    ap.add_argument("--all-loads", action="store_true",
                    help="also extensions and negative offsets")
    ap.add_argument("--build", default=paths.default_build(), metavar="DIR",
                    help="where bin/cbpf and the harness/ plugins are (`cbpf triage` passes "
                         "its own)")
    a = ap.parse_args(argv)
    if len(a.impl) > 2:
        print("cbpf triage fuzz: --impl: at most two implementations", file=sys.stderr)
        return 2
    ref, peer = "kernel", "libpcap"
    if len(a.impl) == 1:
        peer = a.impl[0]
    elif len(a.impl) == 2:
        ref, peer = a.impl
    os.makedirs(a.out, exist_ok=True)
    try:
        found = run(a.build, ref, peer, a.seed, a.count, a.insns, a.out, a.max_findings,
                    a.all_loads, log=lambda m: print(f"fuzz: {m}", file=sys.stderr))
    except oracle.OracleError as e:
        print(f"cbpf triage fuzz: {e}", file=sys.stderr)
        return 2
    print(f"fuzz: {ref} against {peer}, seed {a.seed}: {len(found)} divergence(s)")
    for p in found:
        print(p)
    return 1 if found else 0
