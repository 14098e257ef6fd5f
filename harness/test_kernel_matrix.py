"""test_kernel_matrix: the runner side of the kernel matrix (kernels.py, the
kernel-target rules of causes.json); no qemu needed except for the last
test, which runs a slice of the corpus on the arm64 guest end to end.
"""
import json
import os
import subprocess
import sys

import pytest

from cbpfconform import classify, kernels
from conftest import BUILD, SRC

RULES = classify.load_rules()
SHIFT_33 = [[0x01, 0, 0, 33], [0x00, 0, 0, 1], [0x6C, 0, 0, 0], [0x16, 0, 0, 0]]
OK2 = {"load": "ok", "results": [{"verdict": 2, "exact": True}]}
OK0 = {"load": "ok", "results": [{"verdict": 0}]}


def test_parse_targets():
    assert kernels.parse("host debian-6.1/arm64:jit, debian-6.1/s390x debian-6.1/armhf/armmp") == \
        ["debian-6.1/arm64:jit", "debian-6.1/s390x:interp", "debian-6.1/armhf/armmp:jit"]
    assert kernels.parse("host") == [] and kernels.parse(None) == []
    with pytest.raises(ValueError, match="kernel target 'arm64'"):
        kernels.parse("host arm64")


def test_guest_impl_commands():
    i = kernels.impl("debian-6.1/arm64:interp", "/b")
    assert i.name == "kernel:debian-6.1/arm64:interp" and kernels.is_guest(i)
    assert i.commands["linux"] == ["/b/bin/cbpf", "kernel", "plugin", "--target",
                                   "debian-6.1/arm64:interp"]
    assert i.commands["seccomp"] == i.commands["linux"]
    assert i.commands["packet"] == i.commands["linux"] + ["--via", "packet"]


def test_jit_shift_cause_only_for_armhf_and_ppc64el_jits():
    c = lambda peer: classify.classify(RULES, SHIFT_33, "verdict", OK2, OK0, peer)
    assert c("kernel:debian-6.1/armhf:jit") == "guest-jit-shift-x-ge-32"
    assert c("kernel:debian-6.1/ppc64el:jit") == "guest-jit-shift-x-ge-32"
    assert c("kernel:debian-6.1/armhf/armmp:jit") == "guest-jit-shift-x-ge-32"
    # not a known difference anywhere else: new (the peers' own rule is not applied)
    assert c("kernel:debian-6.1/armhf:interp") == "new"
    assert c("kernel:debian-6.1/arm64:jit") == "new"
    # user-space peers keep their rule
    assert c("libpcap") == "shift-x-ge-32"


def test_seccomp_causes_by_arch():
    arch = [[0x20, 0, 0, 4], [0x16, 0, 0, 0]]
    hi = [[0x20, 0, 0, 20], [0x16, 0, 0, 0]]
    c = lambda prog, peer: classify.classify(RULES, prog, "verdict", OK2, OK0, peer)
    assert c(arch, "kernel:debian-6.1/arm64:jit") == "guest-seccomp-arch"
    assert c(arch, "kernel:debian-6.1/amd64:jit") == "new"
    assert c(hi, "kernel:debian-6.1/i386:interp") == "guest-seccomp-32bit-args"
    assert c(hi, "kernel:debian-6.1/s390x:interp") == "guest-seccomp-args-big-endian"
    assert c(hi, "kernel:debian-6.1/mips64el:jit") == "new"


def test_corpus_slice_on_the_arm64_guest(tmp_path):
    """make conform KERNELS="host debian-6.1/arm64:jit" on the shift quirks:
    every case passes on arm64 (its JIT masks X like x86-64) and the
    per-target record is written."""
    import shutil
    for prog, pkg in (("qemu-system-aarch64", "qemu-system-arm"),
                      ("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu")):
        if shutil.which(prog) is None:
            pytest.skip(f"{prog} not installed (apt-get install {pkg})")
    cbpf = os.path.join(BUILD, "bin", "cbpf")
    f = subprocess.run([cbpf, "kernel", "fetch", "debian-6.1/arm64"], capture_output=True,
                       text=True, timeout=1200)
    if f.returncode != 0:
        pytest.skip(f"debian-6.1/arm64 cannot be had: {f.stderr.strip().splitlines()[-1:]}")
    env = dict(os.environ, PYTHONPATH=os.path.join(SRC, "harness"))
    r = subprocess.run([sys.executable, "-m", "cbpfconform", "run", "--build", BUILD,
                        "--kernels", "host debian-6.1/arm64:jit", "--only", "quirks/1_shift_x/",
                        "--out", str(tmp_path), "--quiet"], capture_output=True, text=True,
                       timeout=600, env=env)
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "results.json").read_text())
    s = doc["summary"]["kernel:debian-6.1/arm64:jit"]
    assert s["pass"] == s["pass"] + s["diverge"] > 5 and s["skipped"] == 0
    stats = json.loads((tmp_path / "kernels.json").read_text())["kernel:debian-6.1/arm64:jit"]
    assert stats["lanes"]["linux"]["requests"] == s["pass"]
    assert stats["lanes"]["linux"]["guest_errors"] == 0
    boot = stats["boots"][0]
    assert boot["target"]["jit"] == "jit" and boot["target"]["jit_proof"].startswith("flen=")
    assert boot["env"]["arch"] == "aarch64"


def test_guest_command_help_and_usage_errors():
    cbpf = os.path.join(BUILD, "bin", "cbpf")
    for argv in (["plugin", "--target", "--help"], ["plugin", "--help", "--target", "x"],
                 ["fetch", "--help"]):
        r = subprocess.run([cbpf, "kernel", *argv], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stdout.startswith("usage: cbpf kernel "), (argv, r.stderr)
    r = subprocess.run([cbpf, "kernel", "fetch"], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (2, "cbpf kernel fetch: no target given\n"
                                           "try 'cbpf kernel fetch --help'\n")
    r = subprocess.run([cbpf, "kernel", "fetch", "debian-6.1/vax"], capture_output=True,
                       text=True, timeout=60)
    assert (r.returncode, r.stderr) == (2, "cbpf kernel: debian-6.1/vax: unknown architecture "
                                           "'vax' (one of amd64, arm64, armhf, i386, mips64el, "
                                           "ppc64el, s390x)\n")
    r = subprocess.run([cbpf, "kernel", "plugin", "--target", "debian-6.1/arm64", "--via",
                        "seccomp"], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (
        2, "cbpf kernel plugin --target: --via 'seccomp': a guest serves unix or packet\n"
           "try 'cbpf kernel plugin --target --help'\n")
