#!/usr/bin/env python3
"""coverage.py - source-based coverage of lib/ and kernel_cmp/ reached by the
fuzz targets (`make fuzz-coverage`, fuzz/README.md "Coverage").

The targets are built by fuzz/oss-fuzz/build.sh with clang's
-fprofile-instr-generate -fcoverage-mapping (no sanitizers; libFuzzer only
as the driver) in BUILD (default build-fuzz/coverage). Each target then runs
every input once (-runs=0) of:
  seeds   its seed corpus (TARGET_seed_corpus.zip)
  fuzzed  the seeds plus a fuzzed corpus: CORPUS/TARGET of --corpus (e.g. a
          `cbpf fuzz campaign` directory's corpus/), or, with --minutes M,
          what M minutes of the libFuzzer build (--fuzz-build) added to the
          seeds, one target at a time
and llvm-profdata/llvm-cov (the versions matching clang) give line, branch
and function coverage of lib/ and kernel_cmp/ per target and for all
targets together, plus the functions no target reached. The report is
written to OUT (default BUILD/report.md) and stdout; the JSON figures to
BUILD/coverage.json.

  fuzz/coverage.py [--build DIR] [--fuzz-build DIR] [--corpus DIR | --minutes M]
                   [--targets T,...] [--out FILE]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCOPE = ("lib/", "kernel_cmp/")


def tool(name):
    """llvm-profdata / llvm-cov of the installed clang's major version."""
    out = subprocess.run(["clang", "--version"], capture_output=True, text=True).stdout
    m = re.search(r"clang version (\d+)", out)
    for cand in ([f"{name}-{m.group(1)}"] if m else []) + [name]:
        if shutil.which(cand):
            return cand
    sys.exit(f"coverage: {name} not found (apt-get install llvm)")


def targets_in(build):
    return sorted(n for n in os.listdir(build) if n.startswith("fuzz_") and "." not in n
                  and os.access(os.path.join(build, n), os.X_OK))


def unzip_seeds(build, target, dst):
    os.makedirs(dst, exist_ok=True)
    z = os.path.join(build, f"{target}_seed_corpus.zip")
    if os.path.exists(z):
        with zipfile.ZipFile(z) as zf:
            zf.extractall(dst)
    return dst


def fuzz_minutes(fuzz_build, target, seeds, corpus, minutes):
    """Grow corpus from seeds with the libFuzzer build for `minutes`."""
    os.makedirs(corpus, exist_ok=True)
    opts = []
    path = os.path.join(fuzz_build, target + ".options")
    if os.path.exists(path):
        for line in open(path):
            if "=" in line and not line.lstrip().startswith("["):
                k, v = (s.strip() for s in line.split("=", 1))
                opts.append(f"-{k}={v}")
    d = os.path.join(fuzz_build, target + ".dict")
    cmd = ["nice", "-n", "10", os.path.join(fuzz_build, target),
           f"-max_total_time={int(minutes * 60)}", "-timeout=10", *opts,
           *( [f"-dict={d}"] if os.path.exists(d) else []), corpus, seeds]
    tmp = tempfile.mkdtemp()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=dict(os.environ, CBPF_FUZZ_REPRO_DIR=tmp))
    shutil.rmtree(tmp, ignore_errors=True)


def profile(build, target, dirs, work, profdata):
    """Run target over every input of dirs; returns the .profdata path."""
    raw = os.path.join(work, f"{target}-%p.profraw")
    env = dict(os.environ, LLVM_PROFILE_FILE=raw, CBPF_FUZZ_REPRO_DIR=work)
    for f in os.listdir(work):
        if f.endswith(".profraw"):
            os.unlink(os.path.join(work, f))
    subprocess.run([os.path.join(build, target), "-runs=0", "-timeout=10", *dirs],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    raws = [os.path.join(work, f) for f in os.listdir(work) if f.endswith(".profraw")]
    out = os.path.join(work, f"{target}.profdata")
    subprocess.run([profdata, "merge", "-sparse", "-o", out, *raws], check=True)
    return out


def export(cov, binaries, prof):
    """llvm-cov export of lib/ and kernel_cmp/ for these binaries."""
    objs = [binaries[0]] + [a for b in binaries[1:] for a in ("-object", b)]
    cmd = [cov, "export", *objs, f"-instr-profile={prof}", "-skip-expansions"]
    doc = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    return doc["data"][0]


def in_scope(fname):
    rel = os.path.relpath(fname, ROOT)
    return rel.startswith(SCOPE) and "/guest/" not in rel


def totals(data):
    """Lines, branches and functions covered in scope."""
    t = {k: [0, 0] for k in ("lines", "branches", "functions")}
    for f in data["files"]:
        if not in_scope(f["filename"]):
            continue
        s = f["summary"]
        for k in t:
            t[k][0] += s[k]["covered"]
            t[k][1] += s[k]["count"]
    return t


def room(rel):
    """The room of a path in scope: lib/ROOM (docs/architecture.md) or kernel_cmp."""
    parts = rel.split("/")
    return "/".join(parts[:2]) if parts[0] == "lib" and len(parts) > 2 else parts[0]


def room_totals(data):
    """totals() per room."""
    out = {}
    for f in data["files"]:
        if not in_scope(f["filename"]):
            continue
        r = out.setdefault(room(os.path.relpath(f["filename"], ROOT)),
                           {k: [0, 0] for k in ("lines", "branches", "functions")})
        for k in r:
            r[k][0] += f["summary"][k]["covered"]
            r[k][1] += f["summary"][k]["count"]
    return out


def uncovered(data):
    """(file, function) pairs in scope that no run entered."""
    out = set()
    for fn in data["functions"]:
        files = [f for f in fn["filenames"] if in_scope(f)]
        if files and fn["count"] == 0:
            name = fn["name"].split(":")[-1]
            out.add((os.path.relpath(files[0], ROOT), name))
    return out


def pct(c):
    return f"{100.0 * c[0] / c[1]:.1f}% ({c[0]}/{c[1]})" if c[1] else "–"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build-fuzz", "coverage"))
    ap.add_argument("--fuzz-build", default=os.path.join(ROOT, "build-fuzz", "libfuzzer"))
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--corpus", help="a directory of TARGET/ corpora (a campaign's corpus/)")
    g.add_argument("--minutes", type=float, help="fuzz each target this long first")
    ap.add_argument("--targets", default="")
    ap.add_argument("--out")
    a = ap.parse_args()
    profdata, cov = tool("llvm-profdata"), tool("llvm-cov")
    targets = [t if t.startswith("fuzz_") else "fuzz_" + t for t in a.targets.split(",") if t] \
        or targets_in(a.build)
    work = os.path.join(a.build, "cov-work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    results, profs = {}, {"seeds": [], "fuzzed": []}
    fuzzed_from = None
    for t in targets:
        seeds = unzip_seeds(a.build, t, os.path.join(work, "seeds", t))
        results[t] = {}
        p = profile(a.build, t, [seeds], work, profdata)
        d = export(cov, [os.path.join(a.build, t)], p)
        results[t]["seeds"] = totals(d)
        profs["seeds"].append((t, p + ".seeds"))
        os.replace(p, p + ".seeds")
        extra = None
        if a.corpus and os.path.isdir(os.path.join(a.corpus, t)):
            extra, fuzzed_from = os.path.join(a.corpus, t), a.corpus
        elif a.minutes:
            extra = os.path.join(a.build, "corpus", t)
            fuzz_minutes(a.fuzz_build, t, seeds, extra, a.minutes)
            fuzzed_from = f"{a.minutes:g} min of libFuzzer per target"
        if extra:
            p = profile(a.build, t, [seeds, extra], work, profdata)
            results[t]["fuzzed"] = totals(export(cov, [os.path.join(a.build, t)], p))
            results[t]["fuzzed_inputs"] = len(os.listdir(extra))
            profs["fuzzed"].append((t, p + ".fuzzed"))
            os.replace(p, p + ".fuzzed")
        print(f"coverage: {t}: seeds lines {pct(results[t]['seeds']['lines'])}", file=sys.stderr)
    union = {}
    for kind, ps in profs.items():
        if not ps:
            continue
        merged = os.path.join(work, f"all-{kind}.profdata")
        subprocess.run([profdata, "merge", "-sparse", "-o", merged, *[p for _, p in ps]],
                       check=True)
        d = export(cov, [os.path.join(a.build, t) for t, _ in ps], merged)
        union[kind] = {"totals": totals(d), "rooms": room_totals(d),
                       "uncovered": sorted(uncovered(d))}
    lines = ["## Fuzz coverage of lib/ and kernel_cmp/", "",
             f"clang source-based coverage ({cov}); `seeds`: each target's seed corpus; "
             f"`fuzzed`: seeds plus {fuzzed_from or '(no fuzzed corpus given)'}. "
             "A target's figures count the lib/ and kernel_cmp/ code linked into it; "
             "the `all targets` rows count every file of either.", "",
             "| target | lines (seeds) | branches (seeds) | lines (fuzzed) | branches (fuzzed) | functions (fuzzed) |",
             "|---|---|---|---|---|---|"]
    for t in targets:
        r = results[t]
        f = r.get("fuzzed")
        lines.append(f"| {t} | {pct(r['seeds']['lines'])} | {pct(r['seeds']['branches'])} | "
                     f"{pct(f['lines']) if f else '–'} | {pct(f['branches']) if f else '–'} | "
                     f"{pct(f['functions']) if f else '–'} |")
    for kind, u in union.items():
        tt = u["totals"]
        lines.append(f"| all targets ({kind}) | {pct(tt['lines'])} | {pct(tt['branches'])} | "
                     f"| | {pct(tt['functions'])} |" if kind == "seeds" else
                     f"| all targets ({kind}) | | | {pct(tt['lines'])} | {pct(tt['branches'])} | "
                     f"{pct(tt['functions'])} |")
    kinds = [k for k in ("seeds", "fuzzed") if k in union]
    if kinds:
        lines += ["", "All targets together, per room:", "",
                  "| room | " + " | ".join(f"lines ({k}) | branches ({k}) | functions ({k})"
                                          for k in kinds) + " |",
                  "|---|" + "---|---|---|" * len(kinds)]
        for r in sorted(union[kinds[0]]["rooms"]):
            lines.append(f"| {r} | " + " | ".join(
                f"{pct(union[k]['rooms'][r]['lines'])} | {pct(union[k]['rooms'][r]['branches'])} | "
                f"{pct(union[k]['rooms'][r]['functions'])}" for k in kinds) + " |")
    last = union.get("fuzzed") or union.get("seeds")
    if last:
        by_room = {}
        for f, fn in last["uncovered"]:
            by_room.setdefault(room(f), {}).setdefault(f, []).append(fn)
        lines += ["", f"Functions no target reached ({len(last['uncovered'])}), per room:"]
        for r, files in sorted(by_room.items()):
            lines += ["", f"* {r}:"]
            lines += [f"  * `{f}`: " + ", ".join(f"`{n}`" for n in sorted(fns))
                      for f, fns in sorted(files.items())]
    text = "\n".join(lines) + "\n"
    out = a.out or os.path.join(a.build, "report.md")
    with open(out + ".tmp", "w") as fh:
        fh.write(text)
    os.replace(out + ".tmp", out)
    with open(os.path.join(a.build, "coverage.json.tmp"), "w") as fh:
        json.dump({"targets": results, "union": union}, fh, indent=1)
    os.replace(os.path.join(a.build, "coverage.json.tmp"), os.path.join(a.build, "coverage.json"))
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
