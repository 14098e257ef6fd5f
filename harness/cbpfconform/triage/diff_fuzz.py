"""diff_fuzz: a differential fuzz run of two implementations through the
plugin protocol (the kernel against libpcap by default), writing every
divergence as a fuzz reproducer for `cbpf triage`.

  cbpf triage fuzz [--impl A [--impl B]] [--seed N] [--count N] [--insns N]
                   [--out DIR] [--max-findings N]

The programs come from randprog.py (the Python side's one random-program
generator, the shape of the corpus's random/ family), fixed up so that
Linux loads them (so that what differs is run-time behaviour): immediates,
edge and random constants, ALU with K (shift counts < 32, no division by
0) and with X, neg, tax/txa, absolute, indirect, length and msh loads,
scratch stores and loads, forward conditional jumps and ja, and a final
`ret a`; two random packets of 0..64 bytes per program. Extensions and
negative offsets are left out unless --all-loads (they diverge everywhere
and drown the rest). A seed gives the same programs, so the same run finds
the same things.

Reproducers: DIR/repro-diff_REF_PEER-HASH.json in the fuzz format
cbpf-fuzz-repro/1 (fuzz/fz_input.c): target, kind (load or verdict),
profile, program, packets, the two answers, a note. Written atomically.
"""
import argparse
import errno as errno_mod
import hashlib
import json
import os
import sys

from .. import opcodes, paths, randprog, results as results_mod
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

def gen_program(rng, max_insns, all_loads=False):
    """A random program of at most max_insns (>= 3) instructions that Linux
    loads (randprog.py, the shape of the corpus's random/ family with
    random constants and ja too)."""
    return randprog.raw(randprog.program(rng, max_insns=max_insns, negative_loads=all_loads,
                                         random_k=True, ja=True, loadable=True))


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
    rng = randprog.Random(seed)
    runner = oracle.Runner(build)
    pair = oracle.Pair(runner, ref, peer)
    found, seen = [], set()
    try:
        done = 0
        while done < count:
            states = []
            for _ in range(min(batch, count - done)):
                states.append((gen_program(rng, max(3, insns), all_loads),
                               [randprog.packet(rng), randprog.packet(rng)], None))
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
    opcodes.use_build(a.build)
    try:
        found = run(a.build, ref, peer, a.seed, a.count, a.insns, a.out, a.max_findings,
                    a.all_loads, log=lambda m: print(f"fuzz: {m}", file=sys.stderr))
    except (oracle.OracleError, opcodes.OpcodesError) as e:
        print(f"cbpf triage fuzz: {e}", file=sys.stderr)
        return 2
    print(f"fuzz: {ref} against {peer}, seed {a.seed}: {len(found)} divergence(s)")
    for p in found:
        print(p)
    return 1 if found else 0
