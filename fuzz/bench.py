#!/usr/bin/env python3
"""bench.py - `make fuzz-bench`: each fuzz target's exec/s next to the
raw kernel rates measured in the same run (fuzz/rawrate.c). Not a test.

Each target first fuzzes WARM seconds from its seed corpus into a scratch
corpus (so the measured run does not pay for growing it), then SECS
seconds from that corpus; exec/s is libFuzzer's own count over that run,
and cpu exec/s divides by the process's CPU time (what the target costs,
whatever else the machine is doing). Kernel targets are compared with the
raw rate (measured right before each of them) their own loop builds on: validate_kernel with attach on a fresh
socket pair, vm_kernel with attach+send+recv, seccomp_kernel with a forked
seccomp install + syscall. Targets (goals): in-process >= 200,000 exec/s;
kernel targets >= 50% of their raw rate."""
import argparse
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
          "fuzz_seccomp_kernel": "seccomp"}


def run_target(build, target, warm, secs):
    scratch = tempfile.mkdtemp(prefix="cbpf-bench-")
    try:
        seeds = os.path.join(scratch, "seeds")
        corpus = os.path.join(scratch, "corpus")
        os.makedirs(corpus)
        with zipfile.ZipFile(os.path.join(build, target + "_seed_corpus.zip")) as z:
            z.extractall(seeds)
        binary = os.path.join(build, target)
        env = dict(os.environ, CBPF_FUZZ_REPRO_DIR=scratch)
        common = ["-max_len=4096", "-timeout=10", "-artifact_prefix=" + scratch + "/"]
        subprocess.run([binary, "-max_total_time=%d" % warm] + common + [corpus, seeds],
                       env=env, capture_output=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([binary, "-max_total_time=%d" % secs, "-print_final_stats=1"]
                           + common + [corpus], env=env, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        execs = int(re.search(r"stat::number_of_executed_units:\s*(\d+)", p.stderr).group(1))
        rate = int(re.search(r"stat::average_exec_per_sec:\s*(\d+)", p.stderr).group(1))
        return {"execs": execs, "exec_per_s": rate,
                "cpu_exec_per_s": round(execs / cpu) if cpu > 0 else 0,
                "crashed": p.returncode != 0}
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
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {"targets": {}}
    print("%-22s %10s %12s %14s  %s" % ("target", "execs", "exec/s", "cpu exec/s", "goal"))
    for target in IN_PROCESS + list(KERNEL):
        if args.only and target not in args.only:
            continue
        if target in KERNEL:
            # The raw rate right before the target, under the same load.
            raw = raw_rates(args.build)
            print("raw kernel rates (/s): attach %(attach)d, attach+send+recv %(unix)d, "
                  "seccomp fork+install+syscall %(seccomp)d, seccomp load (vfork) "
                  "%(seccomp_load)d" % raw)
        r = run_target(args.build, target, args.warm, args.secs)
        if target in KERNEL:
            base = raw[KERNEL[target]]
            r["raw_rate"] = base
            r["ratio"] = round(r["exec_per_s"] / base, 3) if base else 0
            goal = "%.0f%% of raw %s (goal 50%%)" % (100 * r["ratio"], KERNEL[target])
        else:
            goal = "goal 200000" + (" met" if r["exec_per_s"] >= 200000 else "")
        print("%-22s %10d %12d %14d  %s%s" % (target, r["execs"], r["exec_per_s"],
                                             r["cpu_exec_per_s"], goal,
                                             "  CRASHED" if r["crashed"] else ""))
        results["targets"][target] = r
        sys.stdout.flush()
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
