"""test_fuzz_guest: fuzz_vm_kernel with a kernel target as its oracle
(CBPF_FUZZ_KERNEL_TARGET, fuzz/README.md), one armhf guest boot per run.

The JIT shift input (`ldx #33; ld #1; lsh x; ret a`, 100 bytes) must be a
verdict finding against debian-6.1/armhf:jit (VM 2, guest 0, both exact)
whose reproducer names the implementation kernel:debian-6.1/armhf:jit; and a
short fuzz run with shift-x skipped compares inputs and finds nothing.
Skipped with the reason when the libFuzzer build (`make fuzz`), qemu, the
cross compiler or the kernel package is missing.
"""
import glob
import json
import os
import re
import struct
import subprocess

import pytest

from conftest import CBPF, SRC, fetch_guest

TARGET = "debian-6.1/armhf:jit"
FUZZ = os.path.join(os.path.abspath(os.environ.get("CBPF_FUZZ_BUILD", os.path.join(SRC, "build-fuzz"))),
                    "libfuzzer", "fuzz_vm_kernel")
SHIFT = [(0x01, 0, 0, 33), (0x00, 0, 0, 1), (0x6C, 0, 0, 0), (0x16, 0, 0, 0)]
OTHER = [(0x28, 0, 0, 12), (0x15, 0, 1, 0x800), (0x06, 0, 0, 4096), (0x06, 0, 0, 0)]


def fz_input(prog, packet):
    return bytes([len(prog)]) + b"".join(struct.pack("=HBBI", *i) for i in prog) + packet


@pytest.fixture(scope="module")
def fuzzer(build_dir):
    if not os.access(FUZZ, os.X_OK):
        pytest.skip(f"{FUZZ} not built (make fuzz)")
    fetch_guest(TARGET)
    return FUZZ


def run(fuzzer, tmp_path, inputs, *args, **env):
    out = tmp_path / "repro"
    out.mkdir(exist_ok=True)
    e = dict(os.environ, CBPF_FUZZ_CBPF=CBPF, CBPF_FUZZ_KERNEL_TARGET=TARGET,
             CBPF_FUZZ_REPRO_DIR=str(out), ASAN_OPTIONS="detect_leaks=0")
    e.update(env)
    r = subprocess.run([fuzzer, *args, *map(str, inputs)], capture_output=True, text=True,
                       timeout=300, env=e, cwd=tmp_path)
    return r, sorted(glob.glob(str(out / "repro-*.json")))


def test_shift_divergence_is_a_finding(fuzzer, tmp_path):
    f = tmp_path / "shift"
    f.write_bytes(fz_input(SHIFT, bytes(100)))
    r, repros = run(fuzzer, tmp_path, [f], "-runs=0")
    assert r.returncode != 0 and len(repros) == 1, r.stderr[-2000:]
    doc = json.loads(open(repros[0]).read())
    assert doc["note"] == "VM and kernel target verdicts differ"
    assert doc["program"] == [list(i) for i in SHIFT]
    vm, guest = doc["answers"]
    assert (vm["impl"], vm["verdict"], vm["exact"]) == ("vm", 2, True)
    assert (guest["impl"], guest["verdict"], guest["exact"]) == (f"kernel:{TARGET}", 0, True)


def test_fuzz_run_compares_and_skips_shift_x(fuzzer, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "shift").write_bytes(fz_input(SHIFT, bytes(100)))
    (seeds / "other").write_bytes(fz_input(OTHER, bytes(12) + b"\x08\x00" + bytes(50)))
    r, repros = run(fuzzer, tmp_path, [seeds], "-runs=200", "-seed=1",
                    CBPF_FUZZ_KERNEL_SKIP="shift-x")
    assert r.returncode == 0 and repros == [], r.stderr[-2000:]
    m = re.search(rf"fuzz_vm_kernel: {re.escape(TARGET)}: (\d+) inputs compared, (\d+) skipped "
                  r"\(shift-x\)", r.stderr)
    assert m, r.stderr[-2000:]
    assert int(m.group(1)) >= 20 and int(m.group(2)) >= 1, m.group(0)


def test_guest_that_cannot_start_is_one_line(fuzzer, tmp_path):
    f = tmp_path / "x"
    f.write_bytes(fz_input(OTHER, bytes(20)))
    r, _ = run(fuzzer, tmp_path, [f], "-runs=0", CBPF_FUZZ_KERNEL_TARGET="debian-6.1/s390x:jit")
    assert r.returncode == 1
    assert "cbpf kernel: debian-6.1/s390x: this kernel has no eBPF JIT (use :interp)\n" in r.stderr
    assert ("fuzz_vm_kernel: debian-6.1/s390x:jit: the guest plugin exited without an answer "
            "(its stderr says why)\n") in r.stderr


SLOW_PLUGIN = r'''#!/usr/bin/python3
# A stand-in for `cbpf kernel plugin --target T` that answers each request
# after 1.2 s: longer than libFuzzer's SIGALRM period at -timeout=2, so the
# target's read of every answer is interrupted at least once.
import json, sys, time
for line in sys.stdin:
    req = json.loads(line)
    time.sleep(1.2)
    print(json.dumps({"id": req["id"], "load": "ok", "results": [
        {"verdict": 1, "abort": None, "exact": True, "random": True}]}), flush=True)
'''


def test_guest_answers_survive_libfuzzers_timer(tmp_path):
    # libFuzzer's timer (-timeout) sends SIGALRM without SA_RESTART: a read
    # of the guest's answer it interrupts must be retried. With a stdio
    # stream it looked like the plugin's end of output, and every slice of
    # a campaign against a guest died within seconds ("exited without an
    # answer"). No guest needed: a slow stand-in answers.
    if not os.access(FUZZ, os.X_OK):
        pytest.skip(f"{FUZZ} not built (make fuzz)")
    fake = tmp_path / "cbpf"
    fake.write_text(SLOW_PLUGIN)
    fake.chmod(0o755)
    inputs = []
    for i in range(4):
        p = tmp_path / f"in{i}"
        p.write_bytes(fz_input(OTHER, bytes(20 + i)))
        inputs.append(str(p))
    e = dict(os.environ, CBPF_FUZZ_CBPF=str(fake), CBPF_FUZZ_KERNEL_TARGET="debian-6.1/armhf:jit",
             CBPF_FUZZ_REPRO_DIR=str(tmp_path))
    r = subprocess.run([FUZZ, "-timeout=2", *inputs], capture_output=True, text=True, env=e,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "exited without" not in r.stderr
    assert r.stderr.count("Executed ") == 4
