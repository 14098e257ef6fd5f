#!/usr/bin/python3
"""conform.py: the cbpf conformance runner.

  conform.py [run]  [--impl LIST] [--corpus DIR] [--only PATTERN] [--shard I/N]
                    [--build DIR] [--out DIR]
  conform.py record [--corpus DIR] [--only PATTERN] [--build DIR]
  conform.py merge  RESULTS.json... [--out DIR]
  conform.py render RESULTS.json [--out DIR]

run      runs every selected case on every available implementation (the
         live kernel is the reference), prints the summary table and writes
         OUT/results.json, summary.md and index.html atomically. Exit status
         1 when our VM diverges from the kernel or a case is broken, else 0.
record   runs the selected cases on the live kernel and writes its answers
         into the case files as their expectations (`cbpf corpus record`).
merge    joins the results.json of several shards and renders them.
render   re-renders summary.md and index.html from a results.json.

--impl   comma list of kernel, vm, libpcap, xnet, or NAME=COMMAND for a
         third-party plugin (default: all built-in ones)
--kernels  other kernels to run the corpus on, each an implementation named
         kernel:TARGET:MODE: "host debian-6.1/arm64:jit debian-6.1/arm64:interp"
         (docs/kernel-matrix.md); with --kernels and no --impl, only the
         kernels run (host, the reference, always)
--only   comma list of glob patterns or substrings of case ids
--shard  run the I-th of N interleaved slices of the selected cases
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "cbpfconform"))
sys.path.insert(0, os.path.join(SRC, "reports"))

import casefile  # noqa: E402
import classify  # noqa: E402
import corpus as corpus_mod  # noqa: E402
import env as env_mod  # noqa: E402
import impls as impls_mod  # noqa: E402
import kernels as kernels_mod  # noqa: E402
import index_html  # noqa: E402
import results as results_mod  # noqa: E402
import runner  # noqa: E402
import summary_md  # noqa: E402


def shard_arg(s):
    try:
        i, n = (int(x) for x in s.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError("--shard wants I/N, e.g. 2/4") from None
    if not 1 <= i <= n:
        raise argparse.ArgumentTypeError("--shard I/N needs 1 <= I <= N")
    return (i, n)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="conform.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", default="run", choices=("run", "record", "merge", "render"))
    ap.add_argument("files", nargs="*", help="results.json files (merge, render)")
    ap.add_argument("--impl", default=os.environ.get("CBPF_IMPL"))
    ap.add_argument("--kernels", default=os.environ.get("CBPF_KERNELS"))
    ap.add_argument("--corpus", default=os.path.join(SRC, "corpus"))
    ap.add_argument("--only")
    ap.add_argument("--shard", type=shard_arg)
    ap.add_argument("--build", default=os.environ.get("CBPF_BUILD", os.path.join(SRC, "build")))
    ap.add_argument("--out", default=os.path.join(SRC, "reports", "out"))
    ap.add_argument("--quiet", action="store_true", help="no table on stdout")
    return ap.parse_args(argv)


def opcode_names(cbpf):
    """The 49 opcodes as `cbpf disasm` prints them (tcpdump -d style, one
    line per instruction, operand 0, jump targets dropped)."""
    import re
    codes = sorted(classify.LINUX_CODES)
    prog = json.dumps([[c, 0, 0, 0] for c in codes])
    names = {f"{c:#04x}": "" for c in codes}
    try:
        r = subprocess.run([cbpf, "disasm", "-f", "json", "-o", "tcpdump", "-"], input=prog,
                           capture_output=True, text=True, timeout=60)
    except OSError:
        return names
    lines = [l for l in r.stdout.splitlines() if l.startswith("(")]
    if r.returncode == 0 and len(lines) == len(codes):
        for c, l in zip(codes, lines):
            text = re.sub(r"^\(\d+\)\s+", "", l)
            text = re.sub(r"\s+jt \d+\s+jf \d+$", "", text)
            if c == 0x05:
                text = "ja"
            elif c == 0x16:
                text = "ret a"
            names[f"{c:#04x}"] = " ".join(text.split())
    return names


def disasm(cbpf, program):
    try:
        r = subprocess.run([cbpf, "disasm", "-f", "json", "-o", "bpfasm", "-"],
                           input=json.dumps(program), capture_output=True, text=True, timeout=60)
        if r.returncode == 0:
            return r.stdout
        return f"; cbpf disasm failed: {r.stderr.strip()}"
    except OSError as e:
        return f"; cbpf disasm unavailable: {e}"


def write_reports(doc, out):
    os.makedirs(out, exist_ok=True)
    results_mod.write_json(os.path.join(out, "results.json"), doc)
    results_mod.write_atomic(os.path.join(out, "summary.md"), summary_md.render(doc))
    results_mod.write_atomic(os.path.join(out, "index.html"), index_html.render(doc))


def cmd_run(a):
    cbpf = os.path.join(a.build, "bin", "cbpf")
    loaded = corpus_mod.load(a.corpus, a.build, cbpf, a.only, a.shard)
    for b in loaded.broken:
        print(f"conform: broken case: {b['error']}", file=sys.stderr)
    cases = loaded.cases
    try:
        targets = kernels_mod.parse(a.kernels)
        impls = impls_mod.parse_impls(a.impl or ("kernel" if a.kernels else None), a.build)
    except ValueError as e:
        print(f"conform: {'--kernels' if 'kernel target' in str(e) else '--impl'}: {e}",
              file=sys.stderr)
        return 2
    impls += [kernels_mod.impl(t, a.build) for t in targets]
    os.makedirs(a.out, exist_ok=True)
    env = env_mod.record(cbpf, SRC, os.path.join(a.build, "harness", "pcap_programs.json"))
    for i in impls:
        if kernels_mod.is_guest(i):
            continue  # probed in its own thread (kernels.run_guest)
        impls_mod.probe(i, a.out)
        for p, why in i.reasons.items():
            print(f"conform: {i.name} ({p}) skipped: {why}", file=sys.stderr)
    print(f"conform: {len(cases)} cases, {len(loaded.broken)} broken; implementations: "
          + ", ".join(i.name for i in impls if any(i.available.values())), file=sys.stderr)
    try:
        sink = runner.run_all(impls, cases, a.out)
    finally:
        impls_mod.close_all(impls)
    for line in kernels_mod.summary_lines():
        print(line, file=sys.stderr)
    kernels_mod.write_stats(a.out)
    records = runner.evaluate(impls, cases, sink, classify.load_rules())
    for rec, c in zip(records, cases):
        if any(o["status"] == "diverge" for o in rec["outcomes"].values()):
            rec["program"] = c.program
            rec["asm"] = disasm(cbpf, c.program)
            rec["packets"] = [casefile.format_packet(p) for p in c.packets]
    doc = results_mod.build(env, impls, records, loaded.broken, a.corpus, a.shard,
                            opcode_names(cbpf))
    write_reports(doc, a.out)
    if not a.quiet:
        print(summary_md.text_table(doc))
        print(f"conform: reports in {a.out}/ (results.json, summary.md, index.html)")
    return results_mod.exit_status(doc)


def cmd_record(a):
    cbpf = os.path.join(a.build, "bin", "cbpf")
    loaded = corpus_mod.load(a.corpus, a.build, cbpf, a.only, a.shard)
    for b in loaded.broken:
        print(f"record: broken case: {b['error']}", file=sys.stderr)
    kernel = impls_mod.builtin("kernel", a.build)
    impls_mod.probe(kernel, None)
    for p in sorted({casefile.lane(c) for c in loaded.cases}):
        if not kernel.available.get(p):
            print(f"record: the kernel oracle cannot run {p} cases: {kernel.reasons.get(p)}",
                  file=sys.stderr)
    try:
        sink = runner.run_all([kernel], loaded.cases)
    finally:
        impls_mod.close_all([kernel])
    env = env_mod.record(cbpf, SRC, os.path.join(a.build, "harness", "pcap_programs.json"))
    name = env_mod.record_name(env)
    # The corpus copy leaves out what changes with every commit.
    results_mod.write_json(os.path.join(a.corpus, name),
                           {k: v for k, v in env.items() if k != "cbpf_commit"})
    done, failed = 0, 0
    for idx, c in enumerate(loaded.cases):
        resp = sink.get("kernel", {}).get(idx)
        fresh = casefile.parse(c.path, a.corpus)
        why = None
        if resp is None:
            why = "not run"
        elif resp.get("load") == "error":
            why = resp.get("reason")
        elif resp.get("load") == "rejected":
            fresh.expect_load, fresh.expect = f"rejected {resp.get('errno')}", None
        else:
            res = resp.get("results") or []
            errs = [r for r in res if r.get("error")]
            if errs or len(res) != len(c.packets):
                why = f"kernel could not run a packet: {errs[0].get('note') if errs else 'count'}"
            else:
                if c.hook == "packet" and res:
                    # What the program saw, for the VM to run on the same input.
                    fresh.ctx = {k: v for k, v in (res[0].get("ctx") or {}).items()
                                 if k not in ("len", "cpu")}
                fresh.expect_load = "ok"
                fresh.expect = [casefile.Expected(r["verdict"] & 0xffffffff,
                                                  r.get("abort") if r.get("abort") in casefile.ABORTS else None,
                                                  r.get("exact", True) is not False) for r in res]
        if why:
            failed += 1
            print(f"record: {c.path}: not recorded: {why}", file=sys.stderr)
            continue
        fresh.recorded = name
        casefile.write_atomic(c.path, casefile.render(fresh))
        done += 1
    print(f"record: {done} cases recorded ({name}), {failed} not recorded, "
          f"{len(loaded.broken)} broken")
    return 1 if failed or loaded.broken else 0


def cmd_merge(a):
    if not a.files:
        print("conform: merge needs results.json files", file=sys.stderr)
        return 2
    docs = []
    for f in a.files:
        try:
            with open(f, encoding="utf-8") as fh:
                docs.append(json.load(fh))
        except (OSError, ValueError) as e:
            print(f"conform: {f}: {e}", file=sys.stderr)
            return 2
    doc = results_mod.merge(docs) if a.command == "merge" else docs[0]
    write_reports(doc, a.out)
    if not a.quiet:
        print(summary_md.text_table(doc))
    return results_mod.exit_status(doc)


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if a.command == "run":
        return cmd_run(a)
    if a.command == "record":
        return cmd_record(a)
    return cmd_merge(a)


if __name__ == "__main__":
    sys.exit(main())
