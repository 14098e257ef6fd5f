#!/usr/bin/python3
"""kernel_matrix_rate: boot time and requests/s of kernel targets
(docs/kernel-matrix.md).

    bench/kernel_matrix_rate.py [--build build] [-n 2000] TARGET[:MODE]...

For each target, one `cbpf kernel plugin --target` is started; the boot
time is the guest's own (the "target" record: qemu start to /init's banner)
and the wall time to the first answer; then n requests (a mix of
4-instruction socket programs with `ret a` and constant returns, one
64-byte packet each) are written pipelined and the answers read back. Prints
one Markdown table row per target. `host` measures the host kernel plugin.
"""
import argparse
import json
import os
import subprocess
import threading
import time

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


def measure(build, target, n):
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
        for i in range(n):
            p.stdin.write(json.dumps({"id": i + 1, "profile": "linux",
                                      "program": PROGRAMS[i % len(PROGRAMS)],
                                      "packets": [PACKET]}) + "\n")
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
    ap.add_argument("targets", nargs="+")
    a = ap.parse_args()
    print("| target | guest boot (s) | to first answer (s) | requests/s | errors |")
    print("|---|---|---|---|---|")
    for t in a.targets:
        print(measure(a.build, t, a.n), flush=True)


if __name__ == "__main__":
    main()
