#!/usr/bin/env python3
"""eval.py - the planted-bug benchmark (`make fuzz-eval`, fuzz/mutants/README.md).

For every mutant of fuzz/mutants/mutants.tsv and every engine setup:
  structure  the targets as `make fuzz` builds them: the custom mutator
             (fz_mutator.c), the dictionary and the .options
  plain      the same binaries without the custom mutator, no dictionary
  afl        the `make fuzz-afl` build under afl-fuzz (with its dictionary)
  structure-empty, plain-empty
             the first two from an empty corpus instead of the seeds, on
             each mutant's first target only: what the mutators find by
             themselves (from the seeds most kills are seed replays)
the mutant's patch is applied to a shadow copy of the tree, only the objects
it touches are recompiled against the engine's existing objects, the
mutant's targets are linked, and each runs from its seed corpus for at most
--budget seconds, stopping at the first crash or divergence. The wall time
from start to that exit is the time-to-kill. Results are cached per
(engine, mutant, target) in DIR/results.json with the patch's hash, so an
interrupted evaluation resumes, and evaluations of different setups may run
at once on one DIR (each saves only its own results, under a lock); the
tables go to stdout and DIR/tables.md.

  fuzz/eval.py [--dir build-fuzz/eval] [--engines structure,plain,afl,...]
               [--mutants ID,...] [--targets T,...] [--budget 120] [--force] [--tables]

--targets runs only those targets of each mutant, --first-target only the
first of each (the best time is then over the targets run).
"""
import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAN = "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
WARN = ("-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-command-line-argument").split()
TARGETS = ["codec", "asm", "text", "validate_kernel", "vm", "vm_jit", "vm_kernel", "vm_pcap",
           "seccomp_kernel"]
ENGINES = ["structure", "plain", "afl", "structure-empty", "plain-empty"]


def log(msg):
    print(f"fuzz-eval: {msg}", file=sys.stderr, flush=True)


def read_mutants(path):
    """The rows of mutants.tsv: id, file, targets, description, precedent."""
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 5:
                sys.exit(f"{path}:{n}: expected 5 tab-separated fields, got {len(cols)}")
            mid, file, targets, desc, prec = cols
            rows.append({"id": mid, "file": file, "targets": targets.split(","),
                         "description": desc, "precedent": prec})
            for t in rows[-1]["targets"]:
                if t not in TARGETS:
                    sys.exit(f"{path}:{n}: unknown target {t}")
    return rows


def patch_path(mid):
    return os.path.join(ROOT, "fuzz", "mutants", mid + ".patch")


def harness_sha():
    """A hash of what the fuzzers are made of besides the library: targets,
    helpers, mutator, dictionaries, options, seeds. A cached result of
    another harness is stale."""
    h = hashlib.sha256()
    fuzz = os.path.join(ROOT, "fuzz")
    names = []
    for dp, dirs, files in os.walk(fuzz):
        dirs[:] = [d for d in dirs if d not in ("mutants", "oss-fuzz")]
        names += [os.path.join(dp, f) for f in files
                  if f.endswith((".c", ".h", ".dict", ".options", ".py")) or "seeds" in dp]
    for n in sorted(names):
        if os.path.basename(n) in ("eval.py", "coverage.py", "bench.py"):
            continue
        h.update(os.path.relpath(n, fuzz).encode())
        with open(n, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


class Engine:
    """How one engine setup builds and runs a target."""

    def __init__(self, name, args):
        self.name = name
        self.kind = name.split("-")[0]          # structure, plain or afl
        self.seeded = not name.endswith("-empty")
        if name == "afl":
            self.base = os.path.join(args.fuzz_build, "afl")
            self.cc = "afl-clang-fast"
            self.cflags = args.afl_cflags.split()
            self.link = ["/usr/lib/afl/libAFLDriver.a"]
        else:
            self.base = os.path.join(args.fuzz_build, "libfuzzer")
            self.cc = "clang"
            self.cflags = args.cflags.split()
            self.link = ["-fsanitize=fuzzer"]
        self.obj = os.path.join(self.base, "obj", "cbpf-fuzz-obj")
        self.helper = []
        if any("fuzzer-no-link" in f or "sanitize-coverage" in f for f in self.cflags):
            self.helper = [f"-fsanitize-coverage-ignorelist={ROOT}/fuzz/sancov-ignore.txt"]

    def check(self):
        lib = os.path.join(self.obj, "libcbpf_fuzz.a")
        if not os.path.exists(lib):
            sys.exit(f"fuzz-eval: {lib} missing: run `make fuzz`"
                     + (" and `make fuzz-afl`" if self.name == "afl" else ""))

    def inc(self, tree):
        return [f"-I{tree}/{d}" for d in ("include", "lib", "lib/support", "kernel_cmp",
                                          "testsupport", "fuzz")]

    def compile(self, tree, rel, obj, extra=()):
        cmd = [self.cc, *WARN, *self.cflags, *self.helper, *extra, *self.inc(tree), "-c",
               os.path.join(tree, rel), "-o", obj]
        run_quiet(cmd)


def run_quiet(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"fuzz-eval: failed: {' '.join(cmd)}\n{r.stdout[-3000:]}")
    return r.stdout


def patched_files(patch):
    with open(patch) as f:
        return [m.group(1) for m in re.finditer(r"^\+\+\+ b/(\S+)", f.read(), re.M)]


def dependents(tree, files):
    """The .c files under lib/ and kernel_cmp/ whose objects a change to
    `files` invalidates (headers followed through the files including them)."""
    sources = []
    for d in ("lib", "kernel_cmp"):
        for dp, _, names in os.walk(os.path.join(tree, d)):
            if dp.startswith(os.path.join(tree, "kernel_cmp", "guest")):
                continue
            sources += [os.path.relpath(os.path.join(dp, n), tree) for n in names
                        if n.endswith((".c", ".h"))]
    changed, todo, out = set(files), list(files), set()
    while todo:
        f = todo.pop()
        if f.endswith(".c"):
            out.add(f)
            continue
        base = os.path.basename(f)
        for s in sources:
            if s in changed:
                continue
            with open(os.path.join(tree, s), errors="replace") as fh:
                if re.search(r'#include\s+"([^"]*/)?' + re.escape(base) + '"', fh.read()):
                    changed.add(s)
                    todo.append(s)
    return sorted(out)


def obj_name(rel):
    return rel[:-2].replace("/", "_") + ".o"


def shadow_tree(dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    for d in ("include", "lib", "kernel_cmp", "testsupport", "fuzz"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(dst, d),
                        ignore=shutil.ignore_patterns("guest", "*.zip", "seeds"))


def build_mutant(engine, mut, work, plain):
    """Link the mutant's targets for one engine; returns {target: binary}."""
    tree = os.path.join(work, "src")
    shadow_tree(tree)
    patch = patch_path(mut["id"])
    with open(patch) as f:
        r = subprocess.run(["patch", "-p1", "-s", "-d", tree], stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit(f"fuzz-eval: {patch} does not apply: {r.stdout.strip()}")
    objdir = os.path.join(work, "obj")
    os.makedirs(objdir, exist_ok=True)
    lib = os.path.join(objdir, "libcbpf_fuzz.a")
    shutil.copyfile(os.path.join(engine.obj, "libcbpf_fuzz.a"), lib)
    objs = []
    for rel in dependents(tree, patched_files(patch)):
        obj = os.path.join(objdir, obj_name(rel))
        engine.compile(tree, rel, obj)
        objs.append(obj)
    if plain:
        obj = os.path.join(objdir, "fuzz_fz_mutator.o")
        engine.compile(tree, "fuzz/fz_mutator.c", obj, ["-DFZ_NO_CUSTOM_MUTATOR"])
        objs.append(obj)
    if objs:
        run_quiet(["ar", "r", lib, *objs])
    bins = {}
    for t in mut["targets"]:
        name = "fuzz_" + t
        libs = (["-lpcap"] if "pcap" in t else []) + ["-lm", "-lpthread"]
        out = os.path.join(work, name)
        run_quiet([engine.cc, *engine.cflags, os.path.join(engine.obj, name + ".o"), "-o", out,
                   *engine.link, lib, *libs])
        bins[t] = out
    return bins


def seeds_dir(engine, target, scratch):
    """The target's seed corpus, unpacked once per evaluation (an empty
    directory for the -empty setups)."""
    d = os.path.join(scratch, "seeds", engine.name, target)
    if not engine.seeded:
        os.makedirs(d, exist_ok=True)
        return d
    if not os.path.isdir(d):
        os.makedirs(d)
        # One seed corpus for every engine: the libFuzzer build's zips.
        z = os.path.join(os.path.dirname(engine.base), "libfuzzer",
                         f"fuzz_{target}_seed_corpus.zip")
        with zipfile.ZipFile(z) as zf:
            zf.extractall(d)
    return d


def libfuzzer_opts(engine, target):
    opts = []
    path = os.path.join(engine.base, f"fuzz_{target}.options")
    if os.path.exists(path):
        for line in open(path):
            if "=" in line and not line.strip().startswith("["):
                k, v = (s.strip() for s in line.split("=", 1))
                opts.append(f"-{k}={v}")
    return opts


KILL_MARKS = [("divergence", re.compile(r"cbpf-fuzz: ")),
              ("sanitizer", re.compile(r"ERROR: (Address|Undefined|Leak)Sanitizer|runtime error:")),
              ("signal", re.compile(r"deadly signal|ERROR: libFuzzer")),
              ("timeout", re.compile(r"ALARM: working on the last Unit|timeout"))]


def classify(text):
    for name, rx in KILL_MARKS:
        if rx.search(text):
            return name
    return "crash"


def run_one(engine, target, binary, budget, scratch, seed, keep_log):
    """Fuzz until the first finding or the budget; returns the result dict
    (the engine's log is kept as keep_log)."""
    seeds = seeds_dir(engine, target, scratch)
    tmp = tempfile.mkdtemp(prefix="eval-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    findings = os.path.join(tmp, "findings")
    os.makedirs(findings)
    env = dict(os.environ, CBPF_FUZZ_REPRO_DIR=findings,
               ASAN_OPTIONS="abort_on_error=1:detect_leaks=0:symbolize=0",
               UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:symbolize=0")
    if engine.name == "afl":
        dict_ = os.path.join(engine.base, f"fuzz_{target}.dict")
        out = os.path.join(tmp, "afl")
        env.update(AFL_BENCH_UNTIL_CRASH="1", AFL_NO_UI="1", AFL_SKIP_CPUFREQ="1",
                   AFL_NO_AFFINITY="1", AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
                   AFL_IMPORT_FIRST="1", AFL_FAST_CAL="1", AFL_NO_STARTUP_CALIBRATION="1")
        cmd = ["afl-fuzz", "-i", seeds, "-o", out, "-V", str(budget), "-m", "none", "-t", "10000",
               "-s", str(seed), "-x", dict_, "--", binary]
    else:
        corpus = os.path.join(tmp, "corpus")
        os.makedirs(corpus)
        cmd = [binary, f"-max_total_time={budget}", "-timeout=10", f"-seed={seed}",
               f"-artifact_prefix={findings}/", "-print_final_stats=1",
               *libfuzzer_opts(engine, target)]
        if engine.kind == "structure":
            cmd.append(f"-dict={os.path.join(engine.base, f'fuzz_{target}.dict')}")
        cmd += [corpus, seeds]
    logf = os.path.join(tmp, "log")
    start = time.monotonic()
    with open(logf, "w") as lf:
        p = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        try:
            p.wait(timeout=budget + 30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()
        except KeyboardInterrupt:
            os.killpg(p.pid, signal.SIGINT)   # its own session: Ctrl-C did not reach it
            p.wait()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    elapsed = time.monotonic() - start
    text = open(logf, errors="replace").read()
    found = os.listdir(findings)
    if engine.name == "afl":
        crashes = [f for d in ("default/crashes",) for f in
                   (os.listdir(os.path.join(out, d)) if os.path.isdir(os.path.join(out, d)) else [])
                   if f.startswith("id:")]
        seed_crash = "results in a crash" in text or "crashes" in text and "PROGRAM ABORT" in text
        killed = bool(crashes or found) or seed_crash
    else:
        killed = bool(found) or (p.returncode not in (0,) and "Done " not in text)
    res = {"killed": killed, "time": round(elapsed, 1), "budget": budget, "rc": p.returncode}
    if killed:
        if any(f.startswith("repro-") for f in found):
            res["how"] = "divergence"
        elif engine.name == "afl":
            res["how"] = "crash"     # afl-fuzz keeps the target's report to itself; its log
            #                          says "timeout" and "crash" of its settings, not of this run
        else:
            res["how"] = classify(text)
        note = re.search(r"cbpf-fuzz: .*", text)
        if note:
            res["note"] = note.group(0)[:200]
    os.makedirs(os.path.dirname(keep_log), exist_ok=True)
    shutil.copyfile(logf, keep_log)
    if found:
        res["finding"] = sorted(found)[0]
    shutil.rmtree(tmp, ignore_errors=True)
    return res


def engine_targets(engine, mut, first=False):
    """The targets a setup runs for a mutant: all of them, or (for the -empty
    setups always, for the others with --first-target) the first, the
    in-process one where the row has one."""
    return mut["targets"][:1] if first or engine.endswith("-empty") else mut["targets"]


def todo_targets(mut, results, engine, psha, hsha, budget, force=False, only=(), first=False):
    """The mutant's targets for this engine (of `only`, when given) without
    a current cached result: none, or one of another patch, harness or budget."""
    out = []
    for t in engine_targets(engine, mut, first):
        if only and t not in only:
            continue
        r = results.get(f"{engine}/{mut['id']}/{t}", {})
        if force or r.get("patch") != psha or r.get("harness") != hsha or r.get("budget") != budget:
            out.append(t)
    return out


def load_results(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def save_results(path, results, mine):
    """Write the results of the keys this process ran (`mine`) into the file
    as it is now: another evaluation may be saving its own keys meanwhile.
    Atomic (temp file + rename) under an exclusive lock."""
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        merged = load_results(path)
        merged.update({k: results[k] for k in mine if k in results})
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(merged, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    results.update(merged)


LOG_DIR = None   # set by main: where run_one kept the engines' logs


def seed_kill(key):
    """True when the finding came from replaying the seed corpus, before
    any mutation: libFuzzer had not printed INITED, AFL++ died in its dry run."""
    if LOG_DIR is None:
        return False
    engine, mid, target = key.split("/")
    if engine.endswith("-empty"):
        return False     # no seeds: even the first (empty) input is the fuzzer's
    try:
        with open(os.path.join(LOG_DIR, engine, mid, f"fuzz_{target}.log"), errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    if engine == "afl":
        return "results in a crash" in text or ("crashes" in text and "PROGRAM ABORT" in text)
    return "INITED" not in text


def cell(r, key=None):
    if r is None:
        return "·"
    if r["killed"]:
        return f"{r['time']:.1f}" + ("*" if key and seed_kill(key) else "")
    return f">{r['budget']}"


def best(results, engine, mut):
    times = [r["time"] for t in mut["targets"]
             for r in [results.get(f"{engine}/{mut['id']}/{t}")] if r and r["killed"]]
    return min(times) if times else None


def best_fuzzed(results, engine, mut):
    """The best time among the mutant's kills that were not seed replays."""
    times = [r["time"] for t in mut["targets"]
             for k in [f"{engine}/{mut['id']}/{t}"] for r in [results.get(k)]
             if r and r["killed"] and not seed_kill(k)]
    return min(times) if times else None


def summary(results, engine, muts, budget):
    bs = [best(results, engine, m) for m in muts]
    ran = [m for m in muts if any(f"{engine}/{m['id']}/{t}" in results for t in m["targets"])]
    killed = [b for b in bs if b is not None]
    med = statistics.median([b if b is not None else float("inf") for b, m in zip(bs, muts)
                             if m in ran]) if ran else None
    return len(killed), len(ran), med


def fmt_med(med):
    if med is None:
        return "–"
    return "not killed" if med == float("inf") else f"{med:.1f} s"


def tables(results, muts, budget, engines):
    used = [t for t in TARGETS if any(t in m["targets"] for m in muts)]
    lines = ["### Mutants x targets (structure-aware setup: custom mutator, dictionary, options)",
             "", "Seconds to the first finding; `*` a seed input found it (before any "
             "mutation), `>B` survived the budget, `·` not a target of that mutant.", "",
             "| mutant | " + " | ".join(used) + " | best |",
             "|---|" + "---|" * (len(used) + 1)]
    for m in muts:
        row = [cell(results.get(f"structure/{m['id']}/{t}"), f"structure/{m['id']}/{t}")
               if t in m["targets"] else "·" for t in used]
        b = best(results, "structure", m)
        lines.append(f"| {m['id']} | " + " | ".join(row) + f" | {'%.1f' % b if b is not None else '–'} |")
    k, n, med = summary(results, "structure", muts, budget)
    lines += ["", f"Killed {k} of {n} mutants run; median best time-to-kill {fmt_med(med)}.", "",
              "### Baseline (best time-to-kill over the mutant's targets, seconds)", "",
              "| mutant | " + " | ".join(engines) + " |", "|---|" + "---|" * len(engines)]
    for m in muts:
        row = []
        for e in engines:
            b = best(results, e, m)
            runs = [results[k] for t in m["targets"] for k in [f"{e}/{m['id']}/{t}"]
                    if k in results]
            bud = max((r.get("budget", budget) for r in runs), default=budget)
            row.append("·" if not runs else ("%.1f" % b if b is not None else f">{bud}"))
            if b is not None and all(seed_kill(f"{e}/{m['id']}/{t}") for t in m["targets"]
                                     if (results.get(f"{e}/{m['id']}/{t}") or {}).get("time") == b):
                row[-1] += "*"
        lines.append(f"| {m['id']} | " + " | ".join(row) + " |")
    lines += ["", "| setup | killed | median time-to-kill | killed by a mutated input "
              "(not a seed) | their median |", "|---|---|---|---|---|"]
    for e in engines:
        k, n, med = summary(results, e, muts, budget)
        fz = [b for m in muts for b in [best_fuzzed(results, e, m)] if b is not None]
        lines.append(f"| {e} | {k}/{n} | {fmt_med(med)} | {len(fz)} | "
                     f"{fmt_med(statistics.median(fz)) if fz else '–'} |")
    for a, b in (("structure", "plain"), ("structure-empty", "plain-empty")):
        if a in engines and b in engines:
            lines += ["", head_to_head(results, muts, a, b)]
    return "\n".join(lines) + "\n"


def head_to_head(results, muts, a, b):
    """One line: of the mutants both setups ran, how many each killed and,
    of those both killed, on how many each was faster (ties below 10%)."""
    both = [m for m in muts if any(f"{a}/{m['id']}/{t}" in results for t in m["targets"])
            and any(f"{b}/{m['id']}/{t}" in results for t in m["targets"])]
    ka = [m for m in both if best(results, a, m) is not None]
    kb = [m for m in both if best(results, b, m) is not None]
    common = [m for m in ka if m in kb]
    fa = sum(1 for m in common if best(results, a, m) < 0.9 * best(results, b, m))
    fb = sum(1 for m in common if best(results, b, m) < 0.9 * best(results, a, m))
    return (f"{a} vs {b}: {len(both)} mutants run by both; killed {len(ka)} vs {len(kb)}; "
            f"of the {len(common)} both killed, {a} faster on {fa}, {b} on {fb}, "
            f"{len(common) - fa - fb} within 10%.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default=os.path.join(ROOT, "build-fuzz", "eval"))
    ap.add_argument("--fuzz-build", default=os.path.join(ROOT, "build-fuzz"))
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--mutants", default="")
    ap.add_argument("--targets", default="", help="only these targets of each mutant")
    ap.add_argument("--first-target", action="store_true",
                    help="only each mutant's first target (as the -empty setups always do)")
    ap.add_argument("--budget", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cflags", default=f"-O1 -g {SAN} -fsanitize=fuzzer-no-link")
    ap.add_argument("--afl-cflags", default=f"-O1 -g {SAN}")
    ap.add_argument("--force", action="store_true", help="rerun cached results")
    ap.add_argument("--tables", action="store_true", help="only print the tables")
    args = ap.parse_args()
    muts = read_mutants(os.path.join(ROOT, "fuzz", "mutants", "mutants.tsv"))
    for m in muts:
        if not os.path.exists(patch_path(m["id"])):
            sys.exit(f"fuzz-eval: {patch_path(m['id'])} missing")
    if args.mutants:
        want = set(args.mutants.split(","))
        unknown = want - {m["id"] for m in muts}
        if unknown:
            sys.exit(f"fuzz-eval: unknown mutants: {', '.join(sorted(unknown))}")
        muts = [m for m in muts if m["id"] in want]
    only = {t[5:] if t.startswith("fuzz_") else t for t in args.targets.split(",") if t}
    if only - set(TARGETS):
        sys.exit(f"fuzz-eval: unknown targets: {', '.join(sorted(only - set(TARGETS)))}")
    engines = [e for e in args.engines.split(",") if e]
    for e in engines:
        if e not in ENGINES:
            sys.exit(f"fuzz-eval: unknown engine {e} ({', '.join(ENGINES)})")
    os.makedirs(args.dir, exist_ok=True)
    rpath = os.path.join(args.dir, "results.json")
    results = load_results(rpath)
    hsha = harness_sha()
    mine = set()
    global LOG_DIR
    LOG_DIR = args.dir
    if not args.tables:
        try:
            for e in engines:
                eng = Engine(e, args)
                eng.check()
                for m in muts:
                    key = lambda t: f"{e}/{m['id']}/{t}"
                    psha = sha(patch_path(m["id"]))
                    todo = todo_targets(m, results, e, psha, hsha, args.budget, args.force, only,
                                        args.first_target)
                    if not todo:
                        continue
                    work = os.path.join(args.dir, e, m["id"])
                    bins = build_mutant(eng, dict(m, targets=todo), work, plain=(eng.kind == "plain"))
                    for t in todo:
                        r = run_one(eng, t, bins[t], args.budget, args.dir, args.seed,
                                    os.path.join(work, f"fuzz_{t}.log"))
                        r["patch"], r["harness"] = psha, hsha
                        results[key(t)] = r
                        mine.add(key(t))
                        save_results(rpath, results, mine)
                        log(f"{e:9} {m['id']:26} {t:16} {cell(r):>7} {r.get('how', '')}")
                    shutil.rmtree(os.path.join(work, "src"), ignore_errors=True)
        except KeyboardInterrupt:
            log("interrupted; results so far are kept")
            save_results(rpath, results, mine)
    results = load_results(rpath) or results
    text = tables(results, [m for m in muts], args.budget, engines)
    with open(os.path.join(args.dir, "tables.md.tmp"), "w") as f:
        f.write(text)
    os.replace(os.path.join(args.dir, "tables.md.tmp"), os.path.join(args.dir, "tables.md"))
    sys.stdout.write(text)
    k, n, _ = summary(results, "structure", muts, args.budget)
    return 0


if __name__ == "__main__":
    sys.exit(main())
