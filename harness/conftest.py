"""conftest: shared fixtures for `pytest harness/`.

The package under test is cbpfconform (harness/cbpfconform/); pytest.ini
puts harness/ on the path, and py_env() gives child processes the same
PYTHONPATH, so that `python3 -m cbpfconform` runs this tree's package.
CBPF_BUILD names the build directory holding bin/cbpf and harness/ plugins
(default: build/ in the source tree). The corpus run is batched: the first
parametrised case test runs every collected case at once through the same
runner `make conform` uses, and each test then checks its own outcome.
"""
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)

BUILD = os.path.abspath(os.environ.get("CBPF_BUILD", os.path.join(SRC, "build")))
CORPUS = os.path.join(SRC, "corpus")
CBPF = os.path.join(BUILD, "bin", "cbpf")


def py_env(**extra):
    """os.environ with harness/ first on PYTHONPATH (and extra set)."""
    env = dict(os.environ, **extra)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = HERE + (os.pathsep + old if old else "")
    return env


def run_module(module, *args, timeout=600, **kw):
    """`python3 -m MODULE ARGS...` with this tree's package."""
    kw.setdefault("env", py_env())
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True,
                          text=True, timeout=timeout, **kw)


@pytest.fixture(scope="session")
def build_dir():
    if not os.path.exists(CBPF):
        pytest.skip(f"{CBPF} not built (set CBPF_BUILD)")
    return BUILD


# What each guest architecture's fetch needs on the host: qemu and the
# cross compiler the guest oracle is built with, with their packages.
GUEST_TOOLS = {
    "arm64": (("qemu-system-aarch64", "qemu-system-arm"),
              ("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu")),
    "armhf": (("qemu-system-arm", "qemu-system-arm"),
              ("arm-linux-gnueabihf-gcc", "gcc-arm-linux-gnueabihf")),
}


def fetch_guest(target, need_root=True):
    """`cbpf kernel fetch TARGET` (a guest kernel and its initramfs, cached)
    or skip with the reason: not root, a tool missing, or the kernel cannot
    be had here. A guest oracle that does not build is a failure, not a
    skip. Returns the fetch's stdout."""
    if need_root and os.geteuid() != 0:
        pytest.skip("the kernel oracle needs root")
    arch = target.split(":")[0].split("/")[1]
    for prog, pkg in GUEST_TOOLS[arch]:
        if shutil.which(prog) is None:
            pytest.skip(f"{prog} not installed (apt-get install {pkg})")
    r = subprocess.run([CBPF, "kernel", "fetch", target.split(":")[0]], capture_output=True,
                       text=True, timeout=1200)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        if "guest oracle" in last or "initramfs" in last:
            pytest.fail(f"cbpf kernel fetch {target}: {last}")
        pytest.skip(f"the {target} kernel cannot be had here: {last}")
    return r.stdout
