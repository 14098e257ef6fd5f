"""test_randprog: the one Python random-program generator keeps its
promises. A seed gives the same programs; loadable=True programs (what
`cbpf triage fuzz` runs) and seccomp_program() pass the validator of
`cbpf check` (the kernel's rules: docs/linux-semantics.md validate.*,
seccomp.*); the options change nothing when left at their defaults (the
corpus's random/ family is pinned by test_generate.py).
"""
import json
import os
import subprocess

import pytest

from cbpfconform import randprog
from conftest import BUILD

CBPF = os.path.join(BUILD, "bin", "cbpf")


def check(prog, profile="linux"):
    r = subprocess.run([CBPF, "check", "--profile", profile, "-f", "json", "-"],
                       input=json.dumps(prog), capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


@pytest.fixture(scope="module", autouse=True)
def built():
    if not os.access(CBPF, os.X_OK):
        pytest.skip(f"{CBPF} not built")


def test_a_seed_gives_the_same_programs():
    a, b = randprog.Random(7), randprog.Random(7)
    assert [randprog.program(a) for _ in range(50)] == [randprog.program(b) for _ in range(50)]
    assert randprog.program(randprog.Random(7)) != randprog.program(randprog.Random(8))


def test_defaults_draw_as_the_corpus_does():
    same = dict(max_insns=25, n=None, packet_loads=True, negative_loads=True, random_k=False,
                ja=False, loadable=False)
    a, b = randprog.Random(3), randprog.Random(3)
    assert [randprog.program(a) for _ in range(50)] == \
        [randprog.program(b, **same) for _ in range(50)]


@pytest.mark.parametrize("opts", [dict(negative_loads=False, random_k=True, ja=True),
                                  dict(packet_loads=False, random_k=True, ja=True),
                                  dict()])
def test_loadable_programs_load(opts):
    rng = randprog.Random(11)
    for i in range(150):
        prog = randprog.raw(randprog.program(rng, max_insns=40, loadable=True, **opts))
        status, out = check(prog)
        assert (status, out.strip()) == (0, "ok"), (i, prog, out)


def test_some_corpus_shaped_programs_do_not_load():
    """Without loadable the corpus shape keeps programs Linux refuses (a
    jump past the end), which the corpus records as such."""
    rng = randprog.Random(11)
    refused = sum(check(randprog.raw(randprog.program(rng)))[0] != 0 for _ in range(100))
    assert refused > 0


def test_seccomp_programs_load_as_seccomp_filters():
    rng = randprog.Random(5)
    for i in range(150):
        prog = randprog.raw(randprog.seccomp_program(rng))
        status, out = check(prog, "seccomp")
        assert (status, out.strip()) == (0, "ok"), (i, prog, out)


def test_packet_lengths():
    rng = randprog.Random(2)
    lens = {len(randprog.packet(rng)) for _ in range(300)}
    assert lens <= set(range(65)) and {0, 64} <= lens
