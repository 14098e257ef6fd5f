"""test_generate: the committed generated cases are exactly what
corpus/generate/generate.py writes (run on a copy of the corpus, which keeps
the recorded expectations of unchanged cases), so the files and their
generators cannot drift apart.
"""
import filecmp
import os
import shutil
import subprocess
import sys

from conftest import CBPF, CORPUS, py_env


def _diff(a, b, rel=""):
    out = []
    cmp = filecmp.dircmp(a, b)
    out += [os.path.join(rel, n) for n in cmp.left_only + cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    out += [os.path.join(rel, n) for n in mismatch + errors]
    for d in cmp.common_dirs:
        out += _diff(os.path.join(a, d), os.path.join(b, d), os.path.join(rel, d))
    return out


def test_generated_cases_match_the_generators(tmp_path):
    r = subprocess.run([CBPF, "check", "--policy", "-"], input="default allow\n", text=True,
                       capture_output=True)
    if r.returncode != 0:
        import pytest
        pytest.skip(f"cbpf --policy (libseccomp) is unavailable: {r.stderr.strip()}")
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    r = subprocess.run([sys.executable, os.path.join(CORPUS, "generate", "generate.py"),
                        "--corpus", str(copy)], capture_output=True, text=True, timeout=300,
                       env=py_env())
    assert r.returncode == 0, r.stderr
    changed = [p for p in _diff(CORPUS, str(copy)) if "__pycache__" not in p]
    assert changed == []
    assert r.stdout.splitlines()[-1].split() == ["total", "1978"]
