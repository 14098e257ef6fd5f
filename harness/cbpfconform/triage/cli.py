"""cli: the `cbpf triage` command (`python3 -m cbpfconform.triage`;
tools/cmd_triage.c execs it with its own build directory).

For each INPUT (inputs.py) and each pair of implementations, triage
re-checks the divergence, minimises it while the same divergence persists
(shrink.py), names its cause (regress.py, with causes.json), and files a
new regression case in CORPUS/regress/ unless one with the same cause and
opcodes is already there. `cbpf triage fuzz` is diff_fuzz.py.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from .. import opcodes, paths, results as results_mod
from . import inputs, oracle, regress, shrink

PROG = "cbpf triage"
USAGE = ("cbpf triage INPUT... [--impl A [--impl B]] [--packet HEX]... [--case GLOB]\n"
         "                   [--corpus DIR] [--no-file] [--json OUT] [-q] [OPTIONS]\n"
         "       cbpf triage fuzz [--help] [OPTIONS]")
DESCRIPTION = """\
Re-check a divergence between two implementations (the kernel is the
reference when it is one of them, else the first is), minimise the program
and packet while the same divergence persists, name its cause
(harness/cbpfconform/causes.json), and file a regression case in
CORPUS/regress/ unless one with the same cause and opcodes is there.

INPUT is a fuzz reproducer (JSON), a raw fuzzer input, a results.json of a
conformance run (every case with a peer divergence), a .case file, or a
program in any format `cbpf disasm` reads, with --packet.

The pair: `--impl A --impl B`; one `--impl X` is the kernel against X;
without --impl, the kernel against each implementation the input names
(else vm, libpcap and xnet). A kernel target is `kernel:TARGET[:MODE]`
(`--impl kernel:debian-6.1/armhf:jit --impl kernel`: a cross-kernel
divergence, minimised on one booted qemu guest; docs/kernel-matrix.md).

`cbpf triage fuzz` runs a differential fuzz run (the kernel against libpcap
by default) and writes reproducers; `cbpf triage fuzz --help` lists its
options.
"""
EXIT_CODES = """\
exit status:
  0    every divergence was triaged
  1    some input named with --impl (or by the input) did not diverge
  2    bad input, or an implementation could not run
  130  interrupted
"""

DEFAULT_PEERS = ("vm", "libpcap", "xnet")
LOAD_OUTCOMES = ("peer-accepts", "peer-rejects", "errno")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog=PROG, usage=USAGE, description=DESCRIPTION,
                                 epilog=EXIT_CODES,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", metavar="INPUT")
    ap.add_argument("--impl", action="append", default=[], metavar="NAME",
                    help="kernel, vm, libpcap, xnet, gvisor, gvisor-optimised, dpdk, dpdk-jit, "
                         "NAME=COMMAND, or a kernel target kernel:TARGET[:jit|:interp] (a qemu "
                         "guest, docs/kernel-matrix.md); give one or two")
    ap.add_argument("--packet", action="append", default=None, metavar="HEX",
                    help="a packet for a program INPUT (hex or 'pattern N'); repeatable")
    ap.add_argument("--case", metavar="GLOB",
                    help="results.json: only cases whose id matches this glob")
    ap.add_argument("--build", default=paths.default_build(), metavar="DIR",
                    help="where bin/cbpf and the harness/ plugins are (`cbpf triage` "
                         "passes its own)")
    ap.add_argument("--corpus", default=paths.default_corpus(), metavar="DIR",
                    help="the corpus whose regress/ gets the new cases")
    ap.add_argument("--no-file", action="store_true", help="do not write regression cases")
    ap.add_argument("--json", metavar="OUT", help="write every result as JSON to this file")
    ap.add_argument("--batch", type=int, default=32, metavar="N",
                    help="candidates per plugin batch (default 32)")
    ap.add_argument("--max-tests", type=int, default=5000, metavar="N",
                    help="candidate budget per divergence (default 5000); the result so "
                         "far is kept when it runs out")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr (there is none when stderr is not a "
                         "terminal)")
    return ap.parse_args(argv)


def pairs(impl_args, target):
    impl_args = [oracle.canonical(n) for n in impl_args]
    if len(impl_args) > 2:
        raise inputs.InputError("--impl: at most two implementations")
    if len(impl_args) == 2:
        a, b = impl_args
        return [(b, a)] if b == "kernel" else [(a, b)]
    if len(impl_args) == 1:
        return [("kernel", impl_args[0])]
    peers = target.peers or [p for p in DEFAULT_PEERS if target.profile == "linux" or p == "vm"]
    return [("kernel", p) for p in peers if p != "kernel"]


def disasm(cbpf, program):
    try:
        r = subprocess.run([cbpf, "disasm", "-f", "json", "-o", "bpfasm", "-"],
                           input=json.dumps(program), capture_output=True, text=True, timeout=60)
        return r.stdout if r.returncode == 0 else ""
    except OSError:
        return ""


def _verdicts(resp):
    if resp.get("load") != "ok":
        return resp.get("load") + (f" {resp.get('errno')}" if resp.get("errno") else "")
    return ",".join(str(r.get("verdict")) for r in resp.get("results") or []) or "loads"


def triage_one(t, runner, ref, peer, batch=32, log=None, max_tests=None):
    """Minimise one target on one pair -> result dict (status 'minimised'
    or 'not-reproduced')."""
    pair = oracle.Pair(runner, ref, peer, t.profile, t.lane)
    state = (tuple(tuple(i) for i in t.program), tuple(bytes(p) for p in t.packets),
             dict(t.ctx) if t.ctx else None)
    (r, g), = pair.responses([state])
    base = {"source": t.source, "ref": ref, "peer": peer, "profile": t.profile, "hook": t.hook}
    sig = oracle.signature(r, g, t.packets)
    if sig is None:
        why = r.get("reason") if r.get("load") == "error" else "they agree"
        return dict(base, status="not-reproduced", detail=f"no divergence: {why}")
    if sig[0] in LOAD_OUTCOMES and "vm" not in (ref, peer) and t.profile in ("linux", "seccomp"):
        # A load divergence: keep the rule the kernel applies (the VM's
        # validator names it), so that it does not slip to another one.
        pair.witness = "vm"
        pair.cache.clear()
        pair.responses([state])
    t0 = time.monotonic()
    rules = regress.classify.load_rules()

    def causes(prog, outcome, r, g):
        return regress.causes(prog, outcome, r, g, peer, rules)
    final, stats = shrink.minimise(state, oracle.predicate(pair, sig, state, causes), batch,
                                   log=log, max_tests=max_tests)
    secs = time.monotonic() - t0
    (r, g), = pair.responses([final])
    st, outcome, detail, _ = oracle.judge(r, g, final[1], names=(ref, peer))
    prog = [list(i) for i in final[0]]
    cause = regress.cause_of(prog, outcome, r, g, peer, rules)
    return dict(base, status="minimised", outcome=outcome, exact=sig[1], detail=detail,
                rule=pair.rule(final) if pair.witness else None,
                cause=cause, opcodes=regress.opcodes(prog),
                orig_insns=len(t.program), orig_packet_lens=[len(p) for p in t.packets],
                program=prog, packets=list(final[1]), ctx=final[2],
                ref_answer=_verdicts(r), peer_answer=_verdicts(g),
                tests=stats.tests, exhausted=stats.exhausted, runs=pair.runs,
                seconds=round(secs, 3))


def _json_ready(res):
    out = dict(res)
    if "packets" in out:
        out["packets"] = [bytes(p).hex() for p in out["packets"]]
    return out


def show(res, asm):
    src = f"triage: {res['source']}: {res['peer']} vs {res['ref']}"
    if res["status"] != "minimised":
        return f"{src}: {res['detail']}"
    lines = [f"{src}: {res['outcome']} divergence ({res['ref']} {res['ref_answer']}, "
             f"{res['peer']} {res['peer_answer']})",
             f"  minimised {res['orig_insns']} -> {len(res['program'])} instructions, packets "
             f"{res['orig_packet_lens']} -> {[len(p) for p in res['packets']]} bytes"
             + (f", ctx {json.dumps(res['ctx'], sort_keys=True)}" if res["ctx"] else "")
             + f"; {res['tests']} candidates"
             + (" (budget spent)" if res["exhausted"] else "")
             + f", {res['runs']} runs, {res['seconds']:.2f} s",
             f"  cause {res['cause']}, opcodes "
             + " ".join(f"{o:#04x}" for o in res["opcodes"])]
    if res.get("case"):
        lines.append(f"  case: {res['case_status']} {res['case']}")
    lines += ["    " + l.strip() if not l.endswith(":") else "  " + l for l in asm.splitlines()]
    lines += [f"    packet {i}: {bytes(p).hex() or '(empty)'}" for i, p in enumerate(res["packets"])]
    return "\n".join(lines)


def cmd_triage(a):
    cbpf = os.path.join(a.build, "bin", "cbpf")
    opcodes.use_build(a.build)
    targets = []
    try:
        for path in a.inputs:
            targets += inputs.load(path, cbpf, a.packet, a.case)
        work = [(t, p) for t in targets for p in pairs(a.impl, t)]
    except (inputs.InputError, oracle.OracleError) as e:
        print(f"cbpf triage: {e}", file=sys.stderr)
        return 2
    runner = oracle.Runner(a.build)
    results, status = [], 0
    try:
        for t, (ref, peer) in work:
            # progress (the shrinking rounds) on a terminal only
            log = None if a.quiet or not sys.stderr.isatty() else (
                lambda m, s=t.source: print(f"triage: {s}: {m}", file=sys.stderr))
            res = triage_one(t, runner, ref, peer, a.batch, log, a.max_tests)
            if res["status"] == "minimised" and not a.no_file:
                res["case_status"], res["case"] = regress.file_case(
                    t, res, res["cause"], a.corpus, a.build, cbpf)
                if res["case_status"] == "unrecorded":
                    status = 2
            elif res["status"] != "minimised" and (a.impl or t.peers):
                status = max(status, 1)
            if res["status"] == "minimised" or a.impl or t.peers:
                print(show(res, disasm(cbpf, res.get("program", []))))
            results.append(res)
    except (oracle.OracleError, opcodes.OpcodesError) as e:
        print(f"cbpf triage: {e}", file=sys.stderr)
        return 2
    except BaseException:
        runner.close(kill=True)
        raise
    finally:
        runner.close()
    if a.json:
        results_mod.write_json(a.json, [_json_ready(r) for r in results])
    return status


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    fuzz = bool(argv) and argv[0] == "fuzz"
    try:
        if fuzz:
            from . import diff_fuzz
            return diff_fuzz.main(argv[1:])
        return cmd_triage(parse_args(argv))
    except KeyboardInterrupt:
        print(f"cbpf triage{' fuzz' if fuzz else ''}: interrupted", file=sys.stderr)
        return 130
