"""cli: the `cbpf corpus` command (`python3 -m cbpfconform`): the
conformance runner's four commands, run, record, merge and render. The
`cbpf` binary execs it with its own build directory (tools/cmd_corpus.c).
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from . import casefile, classify, corpus as corpus_mod, env as env_mod, impls as impls_mod
from . import colour as colour_mod, kernels as kernels_mod, opcodes, paths
from . import results as results_mod, runner
from .report import ci_summary, fuzz_section, index_html, junit_xml, summary_md

PROG = "cbpf corpus"
COMMANDS = ("run", "record", "merge", "render")

DESCRIPTION = """\
The conformance corpus (corpus/README.md): run every case on every
implementation that speaks the plugin protocol, with the live kernel as the
reference, record the kernel's answers as expectations, and report.

commands:
  run      run the selected cases on every available implementation, print
           the summary table and write OUT/results.json, summary.md and
           index.html atomically (the default command)
  record   run the selected cases on the live kernel and write its answers
           into the case files as their expectations
  merge    join the results.json of several shards and render them
  render   re-render summary.md and index.html from a results.json

`cbpf corpus COMMAND --help` lists a command's options.
"""

EXIT_CODES = """\
exit status:
  0    every case ran (or was skipped with a reason), our VM and every
       --fail-on implementation agree with the reference, no case is broken
  1    our VM or a --fail-on implementation diverges (or ran no case), or a
       case is broken (not with --allow-broken); record: a case could not be
       recorded
  2    usage error; no case selected; nothing tested (every implementation
       skipped every case); a results.json that cannot be read, or shards
       that are not one run's
  130  interrupted

CI: --junit FILE and --summary-md FILE (also appended to
$GITHUB_STEP_SUMMARY when set) are written after the reports, whatever
the exit status; .github/workflows/conform.yml shards a run with --shard
and merges the shards' results.json.
"""


def shard_arg(s):
    try:
        i, n = (int(x) for x in s.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError("--shard wants I/N, e.g. 2/4") from None
    if not 1 <= i <= n:
        raise argparse.ArgumentTypeError("--shard I/N needs 1 <= I <= N")
    return (i, n)


def _formatter(prog):
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=28)


def _selection(p):
    p.add_argument("--corpus", default=paths.default_corpus(), metavar="DIR",
                   help="the case tree (default: corpus/ of the source tree)")
    p.add_argument("--only", metavar="PATTERNS",
                   help="comma list of globs or substrings of case ids")
    p.add_argument("--shard", type=shard_arg, metavar="I/N",
                   help="the I-th of N interleaved slices of the selected cases")
    p.add_argument("--build", default=paths.default_build(), metavar="DIR",
                   help="where bin/cbpf and the harness/ plugins are (default: $CBPF_BUILD, "
                        "else build/; `cbpf corpus` passes its own)")


def _positive(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{s}' is not a number of seconds") from None
    if not v > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return v


def _policy(p, fail_on=True):
    if fail_on:
        p.add_argument("--fail-on", action="append", default=[], metavar="IMPL",
                       help="a divergence of IMPL fails the run too, as our VM's does "
                            "(repeatable, or a comma list)")
    p.add_argument("--allow-broken", action="store_true",
                   help="broken cases are reported but do not fail the run")


def _timeout(p):
    p.add_argument("--timeout", type=_positive, default=60.0, metavar="S",
                   help="seconds to wait for one answer of a plugin before the case is a "
                        "hang (default 60); a plugin slow to answer is named after "
                        "min(5, S/2) s")


def _out(p):
    p.add_argument("--out", default=paths.default_out(), metavar="DIR",
                   help="report directory (default: reports/out/)")
    p.add_argument("--quiet", action="store_true", help="no table on stdout")
    p.add_argument("--junit", metavar="FILE",
                   help="also write JUnit XML (one testcase per case x implementation, "
                        "divergences as failures with their reproducer, skips as skipped)")
    p.add_argument("--summary-md", metavar="FILE",
                   help="also write a short Markdown summary for a CI job page; when "
                        "$GITHUB_STEP_SUMMARY is set it is appended there too")


def parser():
    ap = argparse.ArgumentParser(prog=PROG, usage=f"{PROG} COMMAND [OPTIONS]",
                                 description=DESCRIPTION, epilog=EXIT_CODES,
                                 formatter_class=_formatter)
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", prog=PROG)
    run = sub.add_parser("run", help="run the cases and write the reports",
                         description="Run every selected case on every available implementation\n"
                                     "(the live kernel is the reference), print the summary table\n"
                                     "and write OUT/results.json, summary.md and index.html\n"
                                     "atomically.",
                         epilog=EXIT_CODES, formatter_class=_formatter)
    run.add_argument("--impl", default=os.environ.get("CBPF_IMPL"), metavar="LIST",
                     help="comma list of kernel, vm, libpcap, xnet, gvisor, gvisor-optimised, "
                          "dpdk, dpdk-jit, or NAME=COMMAND for a third-party plugin (default: "
                          "the eight built-in ones)")
    run.add_argument("--kernels", default=os.environ.get("CBPF_KERNELS"), metavar="LIST",
                     help="other kernels to run the corpus on (qemu guests, "
                          "docs/kernel-matrix.md), each an implementation named "
                          "kernel:TARGET:MODE: \"host debian-6.1/arm64:jit "
                          "debian-6.1/arm64:interp\"; without --impl only the kernels run "
                          "(host, the reference, always)")
    _selection(run)
    _timeout(run)
    _policy(run)
    _out(run)
    rec = sub.add_parser("record", help="record the kernel's answers into the case files",
                         description="Run the selected cases on the live kernel and write its\n"
                                     "answers into the case files as their expectations, with\n"
                                     "the environment record (CORPUS/env/).",
                         epilog=EXIT_CODES, formatter_class=_formatter)
    _selection(rec)
    _timeout(rec)
    _policy(rec, fail_on=False)
    mer = sub.add_parser("merge", help="join the results.json of several shards",
                         description="Join the results.json of the shards of one run\n"
                                     "(--shard I/N) and render them.",
                         epilog=EXIT_CODES, formatter_class=_formatter)
    mer.add_argument("files", nargs="+", metavar="RESULTS.json", help="`-` is stdin")
    _policy(mer)
    _out(mer)
    ren = sub.add_parser("render", help="re-render the pages of a results.json",
                         description="Re-render summary.md and index.html from a results.json.",
                         epilog=EXIT_CODES, formatter_class=_formatter)
    ren.add_argument("files", nargs=1, metavar="RESULTS.json", help="`-` is stdin")
    _policy(ren)
    _out(ren)
    return ap


def parse_args(argv):
    argv = list(argv)
    # `run` is the default command: `cbpf corpus --only X` runs.
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "run")
    return parser().parse_args(argv)


def opcode_names(cbpf):
    """The 49 opcodes as `cbpf disasm` prints them in bpf_asm syntax (the
    syntax of the reproducers), operand 0, jump targets dropped."""
    codes = sorted(opcodes.table().codes)
    prog = json.dumps([[c, 0, 0, 0] for c in codes])
    names = {f"{c:#04x}": "" for c in codes}
    try:
        r = subprocess.run([cbpf, "disasm", "-f", "json", "-o", "bpfasm", "-"], input=prog,
                           capture_output=True, text=True, timeout=60)
    except OSError:
        return names
    lines = [l.strip() for l in r.stdout.splitlines() if l.startswith("\t")]
    if r.returncode == 0 and len(lines) == len(codes):
        for c, l in zip(codes, lines):
            names[f"{c:#04x}"] = re.sub(r"(,\s*|^ja\s+)L\d+(,\s*L\d+)?$",
                                        lambda m: "ja" if m.group(0).startswith("ja") else "", l)
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


CASE_TEXT_MAX = 256 * 1024


def case_text(path, corpus):
    """(path relative to the corpus, the case file's text) for the report
    to show; a file larger than CASE_TEXT_MAX is cut there."""
    rel = os.path.relpath(path, corpus)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(CASE_TEXT_MAX + 1)
    except OSError as e:
        return rel, f"# {path}: {e.strerror}"
    if len(text) > CASE_TEXT_MAX:
        text = text[:CASE_TEXT_MAX] + f"\n# ... cut at {CASE_TEXT_MAX} characters\n"
    return rel, text


def read_kernel_stats(out):
    """OUT/kernels.json of a kernel-matrix run (kernels.write_stats), or None."""
    try:
        with open(os.path.join(out, "kernels.json"), encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def write_reports(doc, out, logs=None):
    """results.json, summary.md, index.html, each atomically; then the
    plugins' stderr of this run (logs: a directory of NAME-LANE.stderr):
    non-empty ones replace the old, and no other *.stderr is left."""
    fuzz_section.attach(doc, out)  # a campaign's status linked by --report OUT
    # every page is rendered before any is written: a renderer that fails
    # leaves the directory as it was
    pages = {"results.json": json.dumps(doc, indent=1, sort_keys=False) + "\n",
             "summary.md": summary_md.render(doc),
             "index.html": index_html.render(doc, read_kernel_stats(out))}
    os.makedirs(out, exist_ok=True)
    for name, text in pages.items():
        results_mod.write_atomic(os.path.join(out, name), text)
    if logs is None:
        return
    kept = set()
    for src in sorted(glob.glob(os.path.join(logs, "*.stderr"))):
        if os.path.getsize(src):
            name = os.path.basename(src)
            tmp = os.path.join(out, f".tmp-{name}")
            shutil.copyfile(src, tmp)
            os.replace(tmp, os.path.join(out, name))
            kept.add(name)
    for old in glob.glob(os.path.join(out, "*.stderr")):
        if os.path.basename(old) not in kept:
            os.unlink(old)


def write_ci(doc, a, status):
    """--junit, --summary-md and $GITHUB_STEP_SUMMARY (appended), after
    the reports; the triage commands they show name OUT/results.json."""
    res = os.path.join(a.out, "results.json")
    if a.junit:
        results_mod.write_atomic(a.junit, junit_xml.render(doc, res))
    md = None
    if a.summary_md or os.environ.get("GITHUB_STEP_SUMMARY"):
        md = ci_summary.render(doc, status, res)
    if a.summary_md:
        results_mod.write_atomic(a.summary_md, md)
    step = os.environ.get("GITHUB_STEP_SUMMARY")
    if step:
        try:
            with open(step, "a", encoding="utf-8") as f:
                f.write(md)
        except OSError as e:
            print(f"conform: $GITHUB_STEP_SUMMARY {step}: {e.strerror}", file=sys.stderr)


def fail(msg, status=2):
    print(f"conform: {msg}", file=sys.stderr)
    return status


def _fail_on(a):
    return sorted({n.strip() for f in getattr(a, "fail_on", []) for n in f.split(",") if n.strip()})


def _no_case(a):
    """The error for a selection of no case file."""
    if not os.path.isdir(a.corpus):
        return fail(f"--corpus {a.corpus}: not a directory")
    sel = " ".join(x for x in (f"--only {a.only}" if a.only else "",
                               f"--shard {a.shard[0]}/{a.shard[1]}" if a.shard else "") if x)
    return fail(f"{sel} selects no case in {a.corpus}" if sel else f"no case in {a.corpus}")


def _tested(records):
    return any(o["status"] in ("pass", "diverge") for r in records for o in r["outcomes"].values())


def cmd_run(a):
    cbpf = os.path.join(a.build, "bin", "cbpf")
    try:
        targets = kernels_mod.parse(a.kernels)
    except ValueError as e:
        return fail(f"--kernels: {e}")
    try:
        impls = impls_mod.parse_impls(a.impl or ("kernel" if targets else None), a.build)
    except ValueError as e:
        return fail(f"--impl: {e}")
    impls += [kernels_mod.impl(t, a.build) for t in targets]
    kernels_mod.TIMEOUT = max(a.timeout, kernels_mod.TIMEOUT)
    fail_on = _fail_on(a)
    names = [i.name for i in impls]
    for n in fail_on:
        if n not in names:
            return fail(f"--fail-on {n}: not an implementation of this run ({', '.join(names)})")
    loaded = corpus_mod.load(a.corpus, a.build, cbpf, a.only, a.shard)
    if not loaded.cases and not loaded.broken:
        return _no_case(a)
    for b in loaded.broken:
        print(f"conform: broken case: {b['error']}", file=sys.stderr)
    cases = loaded.cases
    logs = tempfile.mkdtemp(prefix="cbpf-conform-stderr-")
    try:
        return _run(a, cbpf, impls, loaded, cases, fail_on, logs)
    finally:
        shutil.rmtree(logs, ignore_errors=True)


def _run(a, cbpf, impls, loaded, cases, fail_on, logs):
    env = env_mod.record(cbpf, paths.SOURCE, os.path.join(a.build, "harness", "pcap_programs.json"))
    try:
        for i in impls:
            if kernels_mod.is_guest(i):
                continue  # probed in its own thread (kernels.run_guest)
            impls_mod.probe(i, logs, a.timeout)
            for p, why in i.reasons.items():
                print(f"conform: {i.name} ({p}) skipped: {why}", file=sys.stderr)
        print(f"conform: {len(cases)} cases, {len(loaded.broken)} broken; implementations: "
              + ", ".join(i.name for i in impls if any(i.available.values())), file=sys.stderr)
        sink = runner.run_all(impls, cases, logs)
    except BaseException:
        impls_mod.close_all(impls, kill=True)
        raise
    impls_mod.close_all(impls)
    for line in kernels_mod.summary_lines():
        print(line, file=sys.stderr)
    os.makedirs(a.out, exist_ok=True)
    kernels_mod.write_stats(a.out)
    records = runner.evaluate(impls, cases, sink, classify.load_rules())
    if cases and not _tested(records):
        return fail("nothing was tested: every implementation skipped every case")
    for rec, c in zip(records, cases):
        if any(o["status"] == "diverge" for o in rec["outcomes"].values()):
            rec["program"] = c.program
            rec["asm"] = disasm(cbpf, c.program)
            rec["packets"] = [casefile.format_packet(p) for p in c.packets]
            rec["case_file"], rec["case_text"] = case_text(c.path, a.corpus)
    doc = results_mod.build(env, impls, records, loaded.broken, a.corpus, a.shard,
                            opcode_names(cbpf))
    write_reports(doc, a.out, logs)
    if not a.quiet:
        print(summary_md.text_table(doc, colour_mod.enabled(sys.stdout)))
        print(f"conform: reports in {a.out}/ (results.json, summary.md, index.html)")
    status = _status(doc, fail_on, a.allow_broken)
    write_ci(doc, a, status)
    return status


def _status(doc, fail_on, allow_broken):
    status = results_mod.exit_status(doc, ["vm"] + fail_on, allow_broken)
    for n in fail_on:
        s = doc["summary"].get(n)
        if s is not None and not s["pass"] + s["diverge"] and doc["cases"]:
            status = max(status, fail(f"--fail-on {n}: {n} ran no case", 1))
    return status


def cmd_record(a):
    cbpf = os.path.join(a.build, "bin", "cbpf")
    # The recording is what record replaces: a missing one is not an error.
    loaded = corpus_mod.load(a.corpus, a.build, cbpf, a.only, a.shard, check_recorded=False)
    if not loaded.cases and not loaded.broken:
        return _no_case(a)
    for b in loaded.broken:
        print(f"record: broken case: {b['error']}", file=sys.stderr)
    kernel = impls_mod.builtin("kernel", a.build)
    try:
        impls_mod.probe(kernel, None, a.timeout)
        for p in sorted({casefile.lane(c) for c in loaded.cases}):
            if not kernel.available.get(p):
                print(f"record: the kernel oracle cannot run {p} cases: {kernel.reasons.get(p)}",
                      file=sys.stderr)
        sink = runner.run_all([kernel], loaded.cases)
    except BaseException:
        impls_mod.close_all([kernel], kill=True)
        raise
    impls_mod.close_all([kernel])
    env = env_mod.record(cbpf, paths.SOURCE, os.path.join(a.build, "harness", "pcap_programs.json"))
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
            moved = [r for r in res if r.get("frame")]
            if errs or len(res) != len(c.packets):
                why = f"kernel could not run a packet: {errs[0].get('note') if errs else 'count'}"
            elif moved:
                why = ("the kernel took a VLAN tag out of the packet, so the program saw other "
                       "bytes: give the packet without the tag and the tag in ctx: (vlan_avail, "
                       "vlan_tci, vlan_tpid)")
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
    return 1 if failed or (loaded.broken and not a.allow_broken) else 0


def read_results(path):
    """A results.json, checked (results.check); ValueError 'PATH: why'."""
    try:
        if path == "-":  # stdin
            path = "<stdin>"
            doc = json.loads(sys.stdin.buffer.read())
        else:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror}") from None
    except RecursionError:
        raise ValueError(f"{path}: not JSON (nested too deeply)") from None
    except ValueError as e:  # UnicodeDecodeError too
        raise ValueError(f"{path}: not JSON ({e})") from None
    try:
        return results_mod.check(doc)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def cmd_merge(a):
    try:
        docs = [read_results(f) for f in a.files]
    except ValueError as e:
        return fail(str(e))
    if a.command == "merge":
        try:
            doc = results_mod.merge(docs, a.files)
        except ValueError as e:
            return fail(f"merge: {e}")
    else:
        doc = docs[0]
    fail_on = _fail_on(a)
    for n in fail_on:
        if n not in doc["impls"]:
            return fail(f"--fail-on {n}: not an implementation of this run "
                        f"({', '.join(doc['impls'])})")
    write_reports(doc, a.out)
    if not a.quiet:
        print(summary_md.text_table(doc, colour_mod.enabled(sys.stdout)))
    status = _status(doc, fail_on, a.allow_broken)
    write_ci(doc, a, status)
    return status


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    cmd = {"run": cmd_run, "record": cmd_record}.get(a.command, cmd_merge)
    if getattr(a, "build", None):
        opcodes.use_build(a.build)
    try:
        return cmd(a)
    except opcodes.OpcodesError as e:
        return fail(str(e))
    except KeyboardInterrupt:
        return fail("interrupted", 130)
