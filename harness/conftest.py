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
