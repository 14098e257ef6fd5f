"""campaign: `cbpf fuzz campaign [--time S|--forever] [--jobs N] [--targets ...] DIR`.

Rotates the fuzz targets over N jobs in slices (--slice seconds each, by
default the time shared so that every target gets a turn), keeping each
target's corpus in DIR/corpus/TARGET and minimising it after every slice
(libfuzzer.merge). After a slice, its findings are collected, triaged and
deduplicated (findings.py), each with one line in DIR/summary.log and on
stdout; DIR/status.json and DIR/campaign.svg are rewritten.

SIGINT or SIGTERM stops the running engines (SIGINT to each: libFuzzer
exits keeping what it wrote), skips merges and triage, and writes the status
file; corpora and findings stay as they are, and the next run of the same
command resumes: same rotation, totals, and the findings not yet triaged.

With --kernel TARGET (a kernel-matrix target such as debian-6.1/armhf:jit,
docs/kernel-matrix.md) the kernel-differential target fuzz_vm_kernel compares
the VM with that qemu guest instead of the host kernel (served by BUILD's
cbpf kernel plugin; CBPF_FUZZ_KERNEL_SKIP passes through), and the default
targets are those that take a guest; findings name kernel:TARGET, which
triage runs on the same guest.

Exit status: 0 the time ran out with no new unique finding, 1 new unique
findings, 2 usage or setup errors, 130 stopped by a signal."""
import argparse
import math
import os
import signal
import sys
import threading
import time

from .. import kernels, paths
from . import findings, libfuzzer, plot, status as status_mod

DEFAULT_TARGETS = ["fuzz_codec", "fuzz_asm", "fuzz_text", "fuzz_vm", "fuzz_vm_jit",
                   "fuzz_vm_pcap", "fuzz_validate_kernel", "fuzz_vm_kernel",
                   "fuzz_seccomp_kernel"]
# The targets whose kernel oracle can be a guest (fuzz/README.md).
GUEST_TARGETS = ["fuzz_vm_kernel"]
MIN_SLICE = 1


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="cbpf fuzz campaign", description=__doc__.split("\n\n")[1],
                                 epilog=__doc__.split("\n\n")[-1])
    when = ap.add_mutually_exclusive_group()
    when.add_argument("--time", type=float, default=600, metavar="S",
                      help="total wall-clock seconds of this run (default 600)")
    when.add_argument("--forever", action="store_true", help="run until a signal stops it")
    ap.add_argument("--jobs", type=int, default=1, metavar="N", help="targets at a time")
    ap.add_argument("--targets", default="", metavar="T,...",
                    help="targets to rotate (default: every one the fuzz build has)")
    ap.add_argument("--slice", type=float, default=None, metavar="S",
                    help="seconds per target turn (default: the time shared, 10..300)")
    ap.add_argument("--fuzz-build", default=None, metavar="DIR",
                    help="the libFuzzer build (default: SRC/build-fuzz/libfuzzer)")
    ap.add_argument("--build", default=paths.default_build(), metavar="DIR",
                    help="the build tree whose bin/cbpf triages")
    ap.add_argument("--corpus", default=paths.default_corpus(), metavar="DIR",
                    help="where triage files regression cases (CORPUS/regress/)")
    ap.add_argument("--kernel", default=None, metavar="TARGET",
                    help="fuzz_vm_kernel's oracle: this kernel target (a qemu guest) instead "
                    "of the host")
    ap.add_argument("--no-triage", action="store_true", help="collect findings only")
    ap.add_argument("--report", metavar="OUT", help="also copy status.json and campaign.svg to "
                    "OUT/fuzz/, which the conformance report in OUT links")
    ap.add_argument("dir", metavar="DIR", help="the campaign directory (created; resumed)")
    a = ap.parse_args(argv)
    if a.jobs < 1:
        ap.error("--jobs must be at least 1")
    if not a.forever and a.time <= 0:
        ap.error("--time must be positive")
    if a.fuzz_build is None:
        a.fuzz_build = os.path.join(paths.SOURCE or ".", "build-fuzz", "libfuzzer")
    if a.kernel is not None:
        a.kernel = guest_target(ap, a.kernel)
    return a


def guest_target(ap, name):
    """--kernel's one target in its canonical spelling (ARCH...:jit|interp)."""
    try:
        targets = kernels.parse(name)
    except ValueError as e:
        ap.error(f"--kernel: {e}")
    if len(targets) != 1 or targets[0] == "host":
        ap.error(f"--kernel: one guest kernel target, got '{name}'")
    return targets[0]


def pick_targets(a):
    names = [t if t.startswith("fuzz_") else "fuzz_" + t for t in a.targets.split(",") if t]
    if not names and a.kernel:
        names = list(GUEST_TARGETS)
        if not all(os.access(os.path.join(a.fuzz_build, t), os.X_OK) for t in names):
            raise SystemExit(f"cbpf fuzz campaign: not built in {a.fuzz_build}: "
                             f"{', '.join(names)} (make fuzz)")
    if not names:
        built = sorted(n for n in (os.listdir(a.fuzz_build) if os.path.isdir(a.fuzz_build)
                                   else []) if n.startswith("fuzz_") and "." not in n)
        names = [t for t in DEFAULT_TARGETS if t in built] + \
            [t for t in built if t not in DEFAULT_TARGETS]
    have = [t for t in names if os.access(os.path.join(a.fuzz_build, t), os.X_OK)]
    missing = [t for t in names if t not in have]
    if a.targets and missing:
        raise SystemExit(f"cbpf fuzz campaign: not built in {a.fuzz_build}: "
                         f"{', '.join(missing)} (make fuzz)")
    if not have:
        raise SystemExit(f"cbpf fuzz campaign: no fuzz targets in {a.fuzz_build} (make fuzz)")
    return have


def slice_seconds(a, ntargets):
    if a.slice:
        return max(MIN_SLICE, a.slice)
    if a.forever:
        return 300
    turns = math.ceil(ntargets / a.jobs)
    return max(10, min(300, a.time / turns))


class Campaign:
    def __init__(self, a, targets):
        self.a = a
        self.targets = targets
        self.dir = os.path.abspath(a.dir)
        self.status_path = os.path.join(self.dir, "status.json")
        self.status = status_mod.load(self.status_path)
        self.lock = threading.Lock()
        self.children = libfuzzer.Children()
        self.stop = threading.Event()
        self.new_unique = 0
        self.base_seconds = self.status["seconds"]
        self.start = time.monotonic()
        self.deadline = None if a.forever else self.start + a.time
        self.slice = slice_seconds(a, len(targets))
        self.running = set()

    def elapsed(self):
        return self.base_seconds + time.monotonic() - self.start

    def dirs(self, target):
        d = {k: os.path.join(self.dir, k, target) for k in ("corpus", "findings", "logs")}
        libfuzzer.recover(d["corpus"])
        os.makedirs(d["findings"], exist_ok=True)
        os.makedirs(d["logs"], exist_ok=True)
        d["seeds"] = libfuzzer.seeds(self.a.fuzz_build, target,
                                     os.path.join(self.dir, "seeds", target))
        return d

    def next_target(self):
        with self.lock:
            for _ in range(len(self.targets)):
                t = self.targets[self.status["next"] % len(self.targets)]
                self.status["next"] = (self.status["next"] + 1) % len(self.targets)
                if t not in self.running:
                    self.running.add(t)
                    return t
        return None

    def remaining(self):
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def env(self, d, target):
        e = dict(os.environ, CBPF_FUZZ_REPRO_DIR=d["findings"],
                 ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1"),
                 UBSAN_OPTIONS=os.environ.get("UBSAN_OPTIONS",
                                              "print_stacktrace=1:halt_on_error=1"))
        e.pop("CBPF_FUZZ_KERNEL_TARGET", None)
        if self.a.kernel and target in GUEST_TARGETS:
            e["CBPF_FUZZ_KERNEL_TARGET"] = self.a.kernel
            e["CBPF_FUZZ_CBPF"] = os.path.join(os.path.abspath(self.a.build), "bin", "cbpf")
        return e

    def one_turn(self, target):
        d = self.dirs(target)
        secs = min(self.slice, self.remaining())
        log = os.path.join(d["logs"], f"run-{self.status['targets'].get(target, {}).get('runs', 0) + 1}.log")
        binary = os.path.join(self.a.fuzz_build, target)
        t0 = time.monotonic()
        stats, rc = libfuzzer.run_slice(self.children, binary, target, d, secs,
                                        self.env(d, target), log)
        took = time.monotonic() - t0
        kept = None
        if not self.stop.is_set():
            kept = libfuzzer.merge(self.children, binary, target, d["corpus"],
                                  self.env(d, target), log)
        with self.lock:
            status_mod.add_slice(self.status, target, stats, took, kept)
        self.collect(target, d, log)
        with self.lock:
            status_mod.snapshot(self.status, self.elapsed())
            self.save()

    def collect(self, target, d, log):
        build = None if self.a.no_triage else self.a.build
        stopping = (lambda: True) if build is None else self.stop.is_set
        # Under the lock: another job may be saving the status meanwhile
        # (triage is one at a time anyway).
        with self.lock:
            guest = self.a.kernel if target in GUEST_TARGETS else None
            new = findings.collect(self.status, target, d["findings"], build, self.a.corpus,
                                   os.path.join(self.dir, "triage"), log, stopping, guest)
            lines = [findings.summary_line(f) for f in new]
            self.new_unique += sum(1 for f in new if f["status"] == "triaged")
            if lines:
                with open(os.path.join(self.dir, "summary.log"), "a") as fh:
                    fh.write("".join(l + "\n" for l in lines))
        for l in lines:
            print(f"cbpf fuzz: {l}", flush=True)

    def save(self):
        self.status["seconds"] = round(self.elapsed(), 1)
        status_mod.save(self.status_path, self.status)
        plot.write(os.path.join(self.dir, "campaign.svg"), self.status)
        if self.a.report:
            d = os.path.join(self.a.report, "fuzz")
            status_mod.save(os.path.join(d, "status.json"), self.status)
            plot.write(os.path.join(d, "campaign.svg"), self.status)

    def worker(self):
        while not self.stop.is_set() and self.remaining() >= MIN_SLICE:
            t = self.next_target()
            if t is None:
                time.sleep(0.2)
                continue
            try:
                self.one_turn(t)
            finally:
                with self.lock:
                    self.running.discard(t)

    def request_stop(self, signum, frame):
        self.stop.set()
        self.children.stop()

    def run(self):
        os.makedirs(self.dir, exist_ok=True)
        self.status["sessions"] += 1
        self.status["kernel"] = self.a.kernel or "host"
        with self.lock:
            self.save()
        # Findings a stopped session left untriaged (and any a crash left).
        for t in self.targets:
            d = os.path.join(self.dir, "findings", t)
            if os.path.isdir(d):
                self.collect(t, {"findings": d}, None)
        jobs = [threading.Thread(target=self.worker, daemon=True)
                for _ in range(min(self.a.jobs, len(self.targets)))]
        for j in jobs:
            j.start()
        while any(j.is_alive() for j in jobs):
            for j in jobs:
                j.join(timeout=0.2)
        with self.lock:
            status_mod.snapshot(self.status, self.elapsed())
            self.save()
        print(self.final_line(), flush=True)
        if self.stop.is_set():
            return 130
        return 1 if self.new_unique else 0

    def final_line(self):
        tg = self.status["targets"].values()
        uniq = sum(1 for f in self.status["findings"] if f["status"] != "duplicate")
        how = "stopped" if self.stop.is_set() else "done"
        oracle = f" against kernel:{self.a.kernel}" if self.a.kernel else ""
        return (f"cbpf fuzz campaign: {how}: {len(self.targets)} targets{oracle}, "
                f"{sum(t['execs'] for t in tg):,} execs, {sum(t['corpus'] for t in tg)} corpus "
                f"files, {sum(t['features'] for t in tg)} features, {uniq} findings "
                f"({self.new_unique} new) in {self.status['seconds']:.0f} s; {self.dir}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "campaign":
        print("usage: python3 -m cbpfconform.fuzz campaign [OPTIONS] DIR", file=sys.stderr)
        return 2
    a = parse_args(argv[1:])
    try:
        targets = pick_targets(a)
        c = Campaign(a, targets)
    except (SystemExit, ValueError) as e:
        if isinstance(e, SystemExit) and not isinstance(e.code, str):
            raise
        print(e if isinstance(e, SystemExit) and isinstance(e.code, str) else
              f"cbpf fuzz campaign: {e}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, c.request_stop)
    signal.signal(signal.SIGTERM, c.request_stop)
    return c.run()
