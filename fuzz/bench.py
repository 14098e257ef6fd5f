#!/usr/bin/env python3
"""bench.py - `make fuzz-bench`: each fuzz target's exec/s next to the
raw kernel rates measured in the same run (fuzz/rawrate.c). Not a test.

Each target runs as fuzz/run.sh runs it (its dictionary and the
[libfuzzer] section of its .options file: max_len, timeout). It first
fuzzes WARM seconds from its seed corpus into a scratch corpus (so the
measured run does not pay for growing it), then SECS seconds from that
corpus; exec/s is libFuzzer's own count over that run, and cpu exec/s
divides by the process's CPU time (what the target costs, whatever else
the machine is doing). In-process targets are then also run as PROCS
processes at once (default: one per CPU, each on its own copy of the
warmed corpus, as `run.sh --jobs` would use the machine); "all procs" is
the sum of their exec/s. Kernel targets are compared with the
raw rate (measured right before each of them) their own loop builds on:
validate_kernel with attach on a fresh socket pair, vm_kernel with
attach+send+recv on one pair, seccomp_kernel with seccomp_trap (a clone
child installing the program with every return made TRAP, one syscall,
reaped: the oracle's own mechanism and kernel work, without its logic;
the plain `seccomp` rate, whose KILL returns also cost an audit record,
is printed beside it). Targets (goals): in-process >= 200,000 exec/s;
kernel targets >= 50% of their raw rate."""
import argparse
import configparser
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import zipfile

IN_PROCESS = ["fuzz_codec", "fuzz_asm", "fuzz_text", "fuzz_vm", "fuzz_vm_jit", "fuzz_vm_pcap"]
KERNEL = {"fuzz_validate_kernel": "attach", "fuzz_vm_kernel": "unix",
          "fuzz_seccomp_kernel": "seccomp_trap"}


def engine_args(build, target):
    """What fuzz/run.sh passes: the dictionary and the [libfuzzer] section
    of TARGET.options (max_len, timeout), as OSS-Fuzz does."""
    args = []
    if os.path.exists(os.path.join(build, target + ".dict")):
        args.append("-dict=" + os.path.join(build, target + ".dict"))
    opts = configparser.ConfigParser()
    opts.read(os.path.join(build, target + ".options"))
    if opts.has_section("libfuzzer"):
        args += ["-%s=%s" % (k, v) for k, v in opts.items("libfuzzer")]
    return args


def fuzz_for(binary, secs, args, corpora, env):
    """Start one libFuzzer process fuzzing for secs seconds."""
    return subprocess.Popen([binary, "-max_total_time=%d" % secs, "-print_final_stats=1"]
                            + args + corpora, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def final_stats(p):
    err = p.communicate()[1]
    execs = re.search(r"stat::number_of_executed_units:\s*(\d+)", err)
    rate = re.search(r"stat::average_exec_per_sec:\s*(\d+)", err)
    return (int(execs.group(1)) if execs else 0, int(rate.group(1)) if rate else 0,
            p.returncode != 0)


def run_target(build, target, warm, secs, procs):
    """Warm a scratch corpus from the seeds, then fuzz secs seconds from it
    in 1 process, and (procs > 1) in procs processes at once, each on its
    own copy of the warmed corpus: exec/s per process and in total."""
    # On tmpfs when there is one: creating the corpus files on a disk
    # file system can cost milliseconds each (ext4 inode search), which
    # would be measured as the target's time.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    scratch = tempfile.mkdtemp(prefix="cbpf-bench-", dir=shm)
    try:
        seeds = os.path.join(scratch, "seeds")
        corpus = os.path.join(scratch, "corpus")
        os.makedirs(corpus)
        with zipfile.ZipFile(os.path.join(build, target + "_seed_corpus.zip")) as z:
            z.extractall(seeds)
        binary = os.path.join(build, target)
        env = dict(os.environ, CBPF_FUZZ_REPRO_DIR=scratch)
        args = engine_args(build, target) + ["-artifact_prefix=" + scratch + "/"]
        fuzz_for(binary, warm, args, [corpus, seeds], env).communicate()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        execs, rate, crashed = final_stats(fuzz_for(binary, secs, args, [corpus], env))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        r = {"execs": execs, "exec_per_s": rate,
             "cpu_exec_per_s": round(execs / cpu) if cpu > 0 else 0,
             "crashed": crashed, "args": args[:-1]}
        if procs > 1:
            copies = []
            for i in range(procs):
                copies.append(os.path.join(scratch, "corpus%d" % i))
                shutil.copytree(corpus, copies[-1])
            ps = [fuzz_for(binary, secs, args, [c], env) for c in copies]
            stats = [final_stats(p) for p in ps]
            r["procs"] = procs
            r["total_exec_per_s"] = sum(st[1] for st in stats)
            r["crashed"] = r["crashed"] or any(st[2] for st in stats)
        return r
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def raw_rates(build):
    return json.loads(subprocess.run(
        [os.path.join(build, "obj", "cbpf-fuzz-obj", "rawrate"), "3"],
        capture_output=True, text=True, check=True).stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build-fuzz/libfuzzer")
    ap.add_argument("--secs", type=int, default=30)
    ap.add_argument("--warm", type=int, default=20)
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 1,
                    help="in-process targets: also run this many processes at once")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {"targets": {}}
    print("%-22s %10s %12s %14s %12s  %s" % ("target", "execs", "exec/s", "cpu exec/s",
                                             "all procs", "goal"))
    for target in IN_PROCESS + list(KERNEL):
        if args.only and target not in args.only:
            continue
        if target in KERNEL:
            # The raw rate right before the target, under the same load.
            raw = raw_rates(args.build)
            print("raw kernel rates (/s): " + ", ".join("%s %d" % kv for kv in raw.items()))
        procs = 1 if target in KERNEL else args.procs
        r = run_target(args.build, target, args.warm, args.secs, procs)
        total = "%d x%d" % (r["total_exec_per_s"], procs) if procs > 1 else "-"
        if target in KERNEL:
            base = raw[KERNEL[target]]
            r["raw_rate"] = base
            r["ratio"] = round(r["exec_per_s"] / base, 3) if base else 0
            goal = "%.0f%% of raw %s (goal 50%%)" % (100 * r["ratio"], KERNEL[target])
        else:
            goal = "goal 200000 per process" + (" met" if r["exec_per_s"] >= 200000 else "")
        print("%-22s %10d %12d %14d %12s  %s%s" % (target, r["execs"], r["exec_per_s"],
                                                   r["cpu_exec_per_s"], total, goal,
                                                   "  CRASHED" if r["crashed"] else ""))
        results["targets"][target] = r
        sys.stdout.flush()
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
