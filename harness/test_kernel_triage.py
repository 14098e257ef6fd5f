"""test_kernel_triage: `cbpf triage` on a cross-kernel divergence
(docs/kernel-matrix.md, harness/cbpfconform/triage/oracle.py).

The armhf JIT of Debian 6.1 shifts by the whole X register (0 for X >= 32),
the host and the interpreters by X & 31. A padded `ldx #33; ld #1; lsh x;
ret a` triaged as `--impl kernel:debian-6.1/armhf:jit --impl kernel` must
shrink to four instructions on one booted guest and be classified
guest-jit-shift-x-ge-32; a guest that cannot boot is a one-line error
naming the target (exit 2), not a divergence. The end-to-end tests are
skipped with the reason when qemu, the cross compiler or the kernel package
cannot be had.
"""
import json
import os
import subprocess

import pytest

from cbpfconform.triage import cli, inputs, oracle
from conftest import CBPF, SRC, py_env, fetch_guest

TARGET = "debian-6.1/armhf"
# ldx #33; ld #1; lsh x; ret a, with instructions that do not matter around it
PADDED = """\
ld #9
st M[0]
ldx #33
ld M[0]
add #2
st M[1]
ld #1
jeq #1, l1, l1
l1: ldx M[0]
ldx #33
lsh x
tax
txa
ret a
"""
# what the minimiser keeps: X moved to the edge value 32 (still >= 32)
MINIMAL = [[0x00, 0, 0, 1], [0x01, 0, 0, 32], [0x6C, 0, 0, 0], [0x16, 0, 0, 0]]


def test_kernel_target_names():
    assert oracle.canonical("kernel:debian-6.1/armhf") == "kernel:debian-6.1/armhf:jit"
    assert oracle.canonical("kernel:debian-6.1/s390x") == "kernel:debian-6.1/s390x:interp"
    assert oracle.canonical("kernel") == "kernel" and oracle.canonical("vm") == "vm"
    with pytest.raises(oracle.OracleError, match="kernel target 'arm64'"):
        oracle.canonical("kernel:arm64")
    t = inputs.Target(source="x")
    assert cli.pairs(["kernel:debian-6.1/armhf", "kernel"], t) == \
        [("kernel", "kernel:debian-6.1/armhf:jit")]
    assert cli.pairs(["kernel:debian-6.1/arm64:interp"], t) == \
        [("kernel", "kernel:debian-6.1/arm64:interp")]
    i = oracle.make_impl("kernel:debian-6.1/armhf", "/b")
    assert i.commands["linux"] == ["/b/bin/cbpf", "kernel", "plugin", "--target",
                                   "debian-6.1/armhf:jit"]
    # guests, like the host kernel, report their context instead of taking one
    assert not oracle.takes_ctx("kernel:debian-6.1/armhf:jit", "linux")
    assert oracle.takes_ctx("kernel:debian-6.1/armhf:jit", "packet")
    assert oracle.takes_ctx("vm", "linux") and not oracle.takes_ctx("kernel", "linux")


@pytest.fixture(scope="module")
def armhf(build_dir):
    fetch_guest(TARGET)
    return build_dir


def triage(build, tmp_path, *impls, env=None):
    prog = tmp_path / "shift.bpf"
    prog.write_text(PADDED)
    js = tmp_path / "triage.json"
    r = subprocess.run([CBPF, "triage", str(prog), "--packet", "pattern 100", *impls,
                        "--no-file", "--json", str(js), "--build", build, "-q"],
                       capture_output=True, text=True, timeout=600,
                       env=env or py_env(CBPF_SRC=SRC))
    return r, js


def test_cross_kernel_shift_divergence_minimised(armhf, tmp_path):
    r, js = triage(armhf, tmp_path, "--impl", f"kernel:{TARGET}:jit", "--impl", "kernel")
    assert r.returncode == 0, r.stderr
    res, = json.loads(js.read_text())
    assert (res["status"], res["outcome"], res["exact"]) == ("minimised", "verdict", True), res
    assert (res["ref"], res["peer"]) == ("kernel", f"kernel:{TARGET}:jit")
    assert res["cause"] == "guest-jit-shift-x-ge-32"
    assert res["orig_insns"] == 14 and res["program"] == MINIMAL
    # 1 << (32 & 31) on the host, 0 from the armhf JIT
    assert (res["ref_answer"], res["peer_answer"]) == ("1", "0"), res
    assert f"kernel:{TARGET}:jit vs kernel: verdict divergence" in r.stdout


def test_guest_that_cannot_boot_is_one_line_error(armhf, tmp_path):
    """qemu exits at once (a stand-in on PATH): exit 2 and one line naming
    the target, not a peer-error divergence."""
    fake = tmp_path / "bin"
    fake.mkdir()
    q = fake / "qemu-system-arm"
    q.write_text("#!/bin/sh\necho 'qemu: could not load kernel' >&2\nexit 1\n")
    q.chmod(0o755)
    env = py_env(CBPF_SRC=SRC, PATH=f"{fake}:{os.environ['PATH']}")
    r, _ = triage(armhf, tmp_path, "--impl", f"kernel:{TARGET}", env=env)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr == (f"cbpf triage: cbpf kernel plugin: {TARGET}:jit: qemu exited during "
                        "boot: qemu: could not load kernel\n"), r.stderr
