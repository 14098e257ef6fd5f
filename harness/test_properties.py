"""test_properties: hypothesis property tests, our VM against the live
kernel oracles: random valid socket filters (every opcode family, forward
jumps, scratch cells stored before they are read) on random packets, and
random seccomp filters on seccomp_data, must load the same way and give the
same verdict. Skipped when an oracle or the VM plugin cannot run.
"""
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cbpfconform import compare, impls as impls_mod
from conftest import BUILD

EDGE = st.sampled_from([0, 1, 2, 7, 14, 31, 32, 33, 0xff, 0x7fffffff, 0x80000000, 0xfffffffe,
                        0xffffffff])
OFFSET = st.one_of(st.integers(0, 80), st.sampled_from([0xfff00000, 0xfff00001, 0xffe00000,
                                                        0x7fffffff, 0xffffffff]))
EXT = st.sampled_from([0, 4, 8, 12, 16, 20, 24, 28, 32, 40, 44, 48, 52, 60]).map(lambda o: 0xfffff000 + o)
ALU = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0]
SIZES = [0x00, 0x08, 0x10]


@st.composite
def straight(draw):
    """One non-jump instruction."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        op = draw(st.sampled_from(ALU))
        k = draw(EDGE)
        if op in (0x30, 0x90) and k == 0:
            k = 3
        if op in (0x60, 0x70):
            k &= 31
        return [0x04 | op, 0, 0, k]
    if kind == 1:
        return [0x0c | draw(st.sampled_from(ALU)), 0, 0, 0]
    if kind == 2:
        return [draw(st.sampled_from([0x84, 0x07, 0x87])), 0, 0, 0]
    if kind == 3:
        return [0x20 | draw(st.sampled_from(SIZES)), 0, 0, draw(OFFSET)]
    if kind == 4:
        return [0x40 | draw(st.sampled_from(SIZES)), 0, 0, draw(OFFSET)]
    if kind == 5:
        return [0x20 | draw(st.sampled_from(SIZES)), 0, 0, draw(EXT)]
    if kind == 6:
        return [0xb1, 0, 0, draw(st.integers(0, 70))]
    if kind == 7:
        return [draw(st.sampled_from([0x00, 0x01])), 0, 0, draw(EDGE)]
    if kind == 8:
        return [draw(st.sampled_from([0x80, 0x81])), 0, 0, 0]
    return [draw(st.sampled_from([0x02, 0x03])), 0, 0, draw(st.integers(0, 15))]


@st.composite
def programs(draw):
    body = draw(st.lists(straight(), min_size=1, max_size=20))
    # Scratch reads only of cells stored in the straight-line prefix.
    stored = sorted({i[3] for i in body if i[0] in (0x02, 0x03)})
    if stored and draw(st.booleans()):
        body.append([draw(st.sampled_from([0x60, 0x61])), 0, 0, draw(st.sampled_from(stored))])
    # Forward conditional jumps inserted after the stores: targets stay in range.
    n_jumps = draw(st.integers(0, 3))
    for _ in range(n_jumps):
        pos = draw(st.integers(len(body) // 2, len(body)))
        left = len(body) - pos
        code = draw(st.sampled_from([0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d]))
        jt, jf = draw(st.integers(0, left)), draw(st.integers(0, left))
        body.insert(pos, [code, jt, jf, draw(EDGE) if not code & 0x08 else 0])
    end = draw(st.sampled_from([[0x16, 0, 0, 0], [0x06, 0, 0, 0xffffffff], [0x06, 0, 0, 0]]))
    return body + [end]


PACKETS = st.lists(st.binary(min_size=0, max_size=120), min_size=1, max_size=3)


@pytest.fixture(scope="module")
def pair(build_dir):
    ks = impls_mod.parse_impls("kernel,vm", BUILD)
    for i in ks:
        impls_mod.probe(i, None)
    kernel, vm = ks
    if not kernel.available.get("linux"):
        impls_mod.close_all(ks)
        pytest.skip(f"kernel oracle unavailable: {kernel.reasons.get('linux')}")
    if not vm.available.get("linux"):
        impls_mod.close_all(ks)
        pytest.skip(f"VM plugin unavailable: {vm.reasons.get('linux')}")
    yield kernel.plugins["linux"], vm.plugins["linux"]
    impls_mod.close_all(ks)


@settings(max_examples=int(os.environ.get("CBPF_HYPOTHESIS_EXAMPLES", "150")), deadline=None,
          database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(prog=programs(), packets=PACKETS)
def test_vm_agrees_with_kernel(pair, prog, packets):
    kernel, vm = pair
    req = {"id": 1, "profile": "linux", "program": prog, "packets": [p.hex() for p in packets]}
    k = kernel.run([req])[0]
    v = vm.run([req])[0]
    uses_random = any(i[0] in (0x20, 0x28, 0x30) and i[3] == 0xfffff000 + 56 for i in prog)
    st_, outcome, detail, _ = compare.compare(k, v, packets, "random" if uses_random else None)
    assert st_ != "diverge", f"{outcome}: {detail}\nprogram={prog}\npackets={[p.hex() for p in packets]}\nkernel={k}\nvm={v}"


# Seccomp: programs over struct seccomp_data (aligned word loads, no mod, no
# packet loads), run by the seccomp oracle in a forked child. Inputs are
# x86-64 syscalls that are harmless to execute with any arguments, and no
# program reads the instruction pointer (offsets 8 and 12), which is the
# oracle's own and not an input.
SAFE_NR = st.sampled_from([39, 102, 104, 107, 108, 110, 24])
SECCOMP_OFFSETS = st.sampled_from([0, 4, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60])
SECCOMP_RETS = st.sampled_from([0x7fff0000, 0x00050000, 0x00050001, 0x00050fff, 0x7ffc0000,
                                0x00030000, 0x80000000, 0x00000000])


@st.composite
def seccomp_programs(draw):
    body = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            body.append([0x20, 0, 0, draw(SECCOMP_OFFSETS)])
        elif kind == 1:
            op = draw(st.sampled_from([x for x in ALU if x != 0x90]))
            k = draw(EDGE)
            if op == 0x30 and k == 0:
                k = 3
            if op in (0x60, 0x70):
                k &= 31
            body.append([0x04 | op, 0, 0, k])
        elif kind == 2:
            body.append([draw(st.sampled_from([0x07, 0x87, 0x84])), 0, 0, 0])
        elif kind == 3:
            body.append([draw(st.sampled_from([0x00, 0x01])), 0, 0, draw(EDGE)])
        else:
            body.append([0x0c | draw(st.sampled_from([x for x in ALU if x != 0x90])), 0, 0, 0])
    n_jumps = draw(st.integers(0, 2))
    for _ in range(n_jumps):
        pos = draw(st.integers(0, len(body)))
        left = len(body) - pos + 1
        code = draw(st.sampled_from([0x15, 0x25, 0x35, 0x45, 0x1d]))
        body.insert(pos, [code, draw(st.integers(0, left)), draw(st.integers(0, left)),
                          draw(EDGE) if not code & 0x08 else 0])
    # Either a fixed action or A masked into ERRNO (observable exactly).
    if draw(st.booleans()):
        tail = [[0x54, 0, 0, 0xfff], [0x44, 0, 0, 0x00050000], [0x16, 0, 0, 0]]
    else:
        tail = [[0x06, 0, 0, draw(SECCOMP_RETS)]]
    return body + tail


SECCOMP_INPUTS = st.lists(st.tuples(SAFE_NR, st.lists(st.integers(0, 2**64 - 1), min_size=6,
                                                      max_size=6)), min_size=1, max_size=2)


@pytest.fixture(scope="module")
def seccomp_pair(build_dir):
    ks = impls_mod.parse_impls("kernel,vm", BUILD)
    for i in ks:
        impls_mod.probe(i, None)
    kernel, vm = ks
    if not kernel.available.get("seccomp") or not vm.available.get("seccomp"):
        impls_mod.close_all(ks)
        pytest.skip(f"seccomp oracle or VM unavailable: {kernel.reasons} {vm.reasons}")
    yield kernel.plugins["seccomp"], vm.plugins["seccomp"]
    impls_mod.close_all(ks)


@settings(max_examples=int(os.environ.get("CBPF_HYPOTHESIS_SECCOMP_EXAMPLES", "60")),
          deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(prog=seccomp_programs(), inputs=SECCOMP_INPUTS)
def test_vm_agrees_with_seccomp(seccomp_pair, prog, inputs):
    import struct
    kernel, vm = seccomp_pair
    datas = [struct.pack("<iIQ6Q", nr, 0xc000003e, 0, *args) for nr, args in inputs]
    req = {"id": 1, "profile": "seccomp", "program": prog, "packets": [d.hex() for d in datas]}
    k = kernel.run([req])[0]
    v = vm.run([req])[0]
    st_, outcome, detail, _ = compare.compare(k, v, datas)
    assert st_ != "diverge", f"{outcome}: {detail}\nprogram={prog}\ninputs={inputs}\nkernel={k}\nvm={v}"
