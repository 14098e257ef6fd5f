"""conftest: shared fixtures for `pytest harness/`.

CBPF_BUILD names the build directory holding bin/cbpf and harness/ plugins
(default: build/ in the source tree). The corpus run is batched: the first
parametrised case test runs every collected case at once through the same
runner `make conform` uses, and each test then checks its own outcome.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "cbpfconform"))
sys.path.insert(0, os.path.join(SRC, "reports"))

BUILD = os.environ.get("CBPF_BUILD", os.path.join(SRC, "build"))
CORPUS = os.path.join(SRC, "corpus")
CBPF = os.path.join(BUILD, "bin", "cbpf")


@pytest.fixture(scope="session")
def build_dir():
    if not os.path.exists(CBPF):
        pytest.skip(f"{CBPF} not built (set CBPF_BUILD)")
    return BUILD
