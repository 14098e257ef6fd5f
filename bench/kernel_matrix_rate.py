#!/usr/bin/python3
"""kernel_matrix_rate: boot time and requests/s of kernel targets
(docs/kernel-matrix.md).

    bench/kernel_matrix_rate.py [--build build] [-n 2000] TARGET[:MODE]...
    PYTHONPATH=harness bench/kernel_matrix_rate.py --corpus [--only PATTERNS] TARGET[:MODE]...

For each target, one `cbpf kernel plugin --target` is started; the boot
time is the guest's own (the "target" record: qemu start to /init's banner)
and the wall time to the first answer; then n requests (a mix of
4-instruction socket programs with `ret a` and constant returns, one
64-byte packet each) are written pipelined and the answers read back. Prints
one Markdown table row per target. `host` measures the host kernel plugin.
--corpus sends the socket-lane cases of corpus/ instead (the requests the
conformance runner sends, up to -n of them, every packet of each case), so
the rate is the corpus lane's, without the runner around it (it reads the
corpus with the cbpfconform package, hence harness/ on PYTHONPATH).
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROGRAMS = [
    [[0x01, 0, 0, 33], [0x00, 0, 0, 1], [0x6C, 0, 0, 0], [0x16, 0, 0, 0]],
    [[0x28, 0, 0, 12], [0x15, 0, 1, 0x800], [0x06, 0, 0, 4096], [0x06, 0, 0, 0]],
    [[0x00, 0, 0, 5], [0x84, 0, 0, 0], [0x04, 0, 0, 7], [0x16, 0, 0, 0]],
    [[0x20, 0, 0, 0], [0x54, 0, 0, 0xff], [0x16, 0, 0, 0]],
]
PACKET = "00" * 12 + "0800" + "45" + "00" * 49


def command(build, target):
    cbpf = os.path.join(build, "bin", "cbpf")
    if target == "host":
        return [cbpf, "kernel", "plugin"]
    return [cbpf, "kernel", "plugin", "--target", target]


def corpus_requests(build, only, n):
    try:
        from cbpfconform import corpus, casefile
    except ImportError:
        sys.exit("kernel_matrix_rate: --corpus reads the corpus with the cbpfconform package: "
                 "run with PYTHONPATH=harness")
    loaded = corpus.load(os.path.join(SRC, "corpus"), build, os.path.join(build, "bin", "cbpf"),
                         only=only)
    cases = [c for c in loaded.cases if casefile.lane(c) == "linux"][:n]
    return [{"id": i + 1, "profile": c.profile, "program": c.program,
             "packets": [p.hex() for p in c.packets]} for i, c in enumerate(cases)]


def mix_requests(n):
    return [{"id": i + 1, "profile": "linux", "program": PROGRAMS[i % len(PROGRAMS)],
             "packets": [PACKET]} for i in range(n)]


def measure(build, target, reqs):
    n = len(reqs)
    t0 = time.monotonic()
    p = subprocess.Popen(command(build, target), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    p.stdin.write(json.dumps({"id": 0, "profile": "linux", "program": PROGRAMS[0],
                              "packets": [PACKET]}) + "\n")
    p.stdin.flush()
    first = p.stdout.readline()
    if not first:
        return f"| {target} | failed: {p.stderr.read().strip()} | | |"
    wall = time.monotonic() - t0
    boot = json.loads(first).get("target", {}).get("boot_s")

    def feed():
        for r in reqs:
            p.stdin.write(json.dumps(r) + "\n")
        p.stdin.close()

    t1 = time.monotonic()
    w = threading.Thread(target=feed)
    w.start()
    errors = 0
    for _ in range(n):
        r = json.loads(p.stdout.readline())
        errors += r["load"] == "error"
    rate = n / (time.monotonic() - t1)
    w.join()
    p.wait()
    boot_s = f"{boot:.2f}" if boot is not None else "-"
    return f"| {target} | {boot_s} | {wall:.2f} | {rate:,.0f} | {errors} |"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--corpus", action="store_true",
                    help="the corpus's socket-lane cases instead of the mix")
    ap.add_argument("--only", help="with --corpus: comma list of case-id globs")
    ap.add_argument("targets", nargs="+")
    a = ap.parse_args()
    reqs = corpus_requests(a.build, a.only, a.n) if a.corpus else mix_requests(a.n)
    print("| target | guest boot (s) | to first answer (s) | requests/s | errors |")
    print("|---|---|---|---|---|")
    for t in a.targets:
        print(measure(a.build, t, reqs), flush=True)


if __name__ == "__main__":
    main()
