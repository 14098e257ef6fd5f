"""test_properties: hypothesis property tests, our VM against the live
kernel oracles: random valid socket filters (every opcode family, forward
jumps, scratch cells stored before they are read) on random packets, and
random seccomp filters on seccomp_data, must load the same way and give the
same verdict. Skipped when an oracle or the VM plugin cannot run.
"""
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cbpfconform import compare, impls as impls_mod, insns as I, randprog
from conftest import BUILD

# Programs from the one random-program generator (cbpfconform.randprog),
# driven by Hypothesis's Random, so a failing program shrinks.
RNG = st.randoms(use_true_random=False)
programs = RNG.map(lambda rng: randprog.raw(randprog.program(rng, max_insns=22, loadable=True)))
seccomp_programs = RNG.map(lambda rng: randprog.raw(randprog.seccomp_program(rng)))


PACKETS = st.lists(st.binary(min_size=0, max_size=120), min_size=1, max_size=3)


def _kernel_and_vm(profile):
    """The kernel oracle's and our VM's plugins for profile (a fixture's
    body), or a skip naming what cannot run."""
    ks = impls_mod.parse_impls("kernel,vm", BUILD)
    for i in ks:
        impls_mod.probe(i, None)
    missing = [i for i in ks if not i.available.get(profile)]
    if missing:
        impls_mod.close_all(ks)
        pytest.skip(f"{profile}: unavailable: " +
                    "; ".join(f"{i.name}: {i.reasons.get(profile)}" for i in missing))
    yield tuple(i.plugins[profile] for i in ks)
    impls_mod.close_all(ks)


@pytest.fixture(scope="module")
def pair(build_dir):
    yield from _kernel_and_vm("linux")


@settings(max_examples=int(os.environ.get("CBPF_HYPOTHESIS_EXAMPLES", "150")), deadline=None,
          database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(prog=programs, packets=PACKETS)
def test_vm_agrees_with_kernel(pair, prog, packets):
    kernel, vm = pair
    req = {"id": 1, "profile": "linux", "program": prog, "packets": [p.hex() for p in packets]}
    k = kernel.run([req])[0]
    v = vm.run([req])[0]
    uses_random = any(I.OP.kind(i[0]) == "ld_abs" and i[3] == I.OP.ext_k("rand") for i in prog)
    st_, outcome, detail, _ = compare.compare(k, v, packets, "random" if uses_random else None)
    assert st_ != "diverge", f"{outcome}: {detail}\nprogram={prog}\npackets={[p.hex() for p in packets]}\nkernel={k}\nvm={v}"


# Seccomp: programs over struct seccomp_data (randprog.seccomp_program: aligned
# word loads, no mod, no packet loads), run by the seccomp oracle in a forked
# child. Inputs are x86-64 syscalls that are harmless to execute with any
# arguments.
SAFE_NR = st.sampled_from([39, 102, 104, 107, 108, 110, 24])
SECCOMP_INPUTS = st.lists(st.tuples(SAFE_NR, st.lists(st.integers(0, 2**64 - 1), min_size=6,
                                                      max_size=6)), min_size=1, max_size=2)


@pytest.fixture(scope="module")
def seccomp_pair(build_dir):
    yield from _kernel_and_vm("seccomp")


@settings(max_examples=int(os.environ.get("CBPF_HYPOTHESIS_SECCOMP_EXAMPLES", "60")),
          deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(prog=seccomp_programs, inputs=SECCOMP_INPUTS)
def test_vm_agrees_with_seccomp(seccomp_pair, prog, inputs):
    import struct
    kernel, vm = seccomp_pair
    datas = [struct.pack("<iIQ6Q", nr, 0xc000003e, 0, *args) for nr, args in inputs]
    req = {"id": 1, "profile": "seccomp", "program": prog, "packets": [d.hex() for d in datas]}
    k = kernel.run([req])[0]
    v = vm.run([req])[0]
    st_, outcome, detail, _ = compare.compare(k, v, datas)
    assert st_ != "diverge", f"{outcome}: {detail}\nprogram={prog}\ninputs={inputs}\nkernel={k}\nvm={v}"
