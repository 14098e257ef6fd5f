"""test_peer_gvisor_dpdk: the gVisor pkg/bpf and DPDK librte_bpf plugins
(docs/peers.md) give exact verdicts, including where they differ from Linux,
map seccomp_data as gVisor does, and survive the peers' crashes as "crash"
answers; the runner turns crash and hang answers into those outcomes and
names the new causes. Each plugin's tests skip with the reason when its
Debian package (golang-gvisor-gvisor-dev, libdpdk-dev) is not installed.
"""
import json
import os
import struct
import subprocess
import sys

import pytest

from conftest import BUILD
from cbpfconform import classify, compare
from cbpfconform.plugin import Plugin

GVISOR = os.path.join(BUILD, "harness", "cbpf-gvisor-plugin")
DPDK = os.path.join(BUILD, "harness", "cbpf-dpdk-plugin")
RULES = classify.load_rules()

# ld #7; tax; ld #0; txa; ret a: Linux 7 (linux-semantics: alu.tax-txa)
TAX_TXA = [[0x00, 0, 0, 7], [0x07, 0, 0, 0], [0x00, 0, 0, 0], [0x87, 0, 0, 0], [0x16, 0, 0, 0]]
# ld #1; ldx #0; ldb [x+0]; ret a: Linux reads byte X + 0 = 0
IND_A = [[0x00, 0, 0, 1], [0x01, 0, 0, 0], [0x50, 0, 0, 0], [0x16, 0, 0, 0]]
# ld #0xffffffff; ld [x+0]; ret #0: X + 0 = 0 is in bounds for Linux (ret 0);
# DPDK's offset is A + 0 = 0xffffffff, and rte_pktmbuf_read's check wraps
WRAP = [[0x00, 0, 0, 0xffffffff], [0x40, 0, 0, 0], [0x06, 0, 0, 0]]
JSET = [[0x45, 0, 0, 0], [0x06, 0, 0, 0]]
RET9 = [[0x06, 0, 0, 9]]


def req(i, program, packets=("a1a2a3a4a5a6a7a8",), profile="linux"):
    return {"id": i, "profile": profile, "program": program, "packets": list(packets)}


def seccomp_data(nr, arch=0xc000003e, args=(0,) * 6):
    return struct.pack("<iIQ6Q", nr, arch, 0, *args).hex()


def plugin(path, name, *args):
    if not os.path.exists(path):
        why = {GVISOR: "golang-gvisor-gvisor-dev (or golang-go) not installed",
               DPDK: "libdpdk-dev not installed"}[path]
        pytest.skip(f"{path} not built: {why}")
    return Plugin([path, *args], name, timeout=60)


@pytest.fixture
def gvisor():
    p = plugin(GVISOR, "gvisor")
    yield p
    p.close()


@pytest.fixture(params=["dpdk", "dpdk-jit"])
def dpdk(request):
    p = plugin(DPDK, request.param, *(["--jit"] if request.param == "dpdk-jit" else []))
    yield p
    p.close()


def verdicts(resp):
    assert resp["load"] == "ok", resp
    return [r["verdict"] for r in resp["results"]]


# ---- gVisor pkg/bpf ----

def test_gvisor_swaps_tax_and_txa(gvisor):
    assert verdicts(gvisor.run([req(1, TAX_TXA)])[0]) == [0]


def test_gvisor_shift_by_33_is_zero_and_ind_wraps(gvisor):
    shift = [[0x00, 0, 0, 3], [0x01, 0, 0, 33], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]]
    wrap = [[0x01, 0, 0, 0xffffffff], [0x50, 0, 0, 1], [0x16, 0, 0, 0]]
    out = gvisor.run([req(1, shift), req(2, wrap)])
    assert verdicts(out[0]) == [0]
    assert verdicts(out[1]) == [0xa1]


def test_gvisor_errors_are_aborts_with_verdict_0(gvisor):
    oob = [[0x20, 0, 0, 6], [0x16, 0, 0, 0]]
    div = [[0x00, 0, 0, 7], [0x01, 0, 0, 0], [0x3c, 0, 0, 0], [0x06, 0, 0, 9]]
    out = gvisor.run([req(1, oob), req(2, div)])
    assert out[0]["results"][0]["verdict"] == 0 and out[0]["results"][0]["abort"] == "load"
    assert out[1]["results"][0]["verdict"] == 0 and out[1]["results"][0]["abort"] == "div0"


def test_gvisor_seccomp_data_is_little_endian(gvisor):
    # ld [0] (nr), ld [4] (arch), ld [16] (args[0] low word), ld [20] (high word)
    progs = [[[0x20, 0, 0, k], [0x16, 0, 0, 0]] for k in (0, 4, 16, 20)]
    rec = seccomp_data(59, args=(0x1122334455667788, 0, 0, 0, 0, 0))
    out = gvisor.run([req(i, p, [rec], "seccomp") for i, p in enumerate(progs)])
    assert [verdicts(r)[0] for r in out] == [59, 0xc000003e, 0x55667788, 0x11223344]


def test_gvisor_seccomp_data_fields_are_the_same_records(gvisor):
    # the protocol's seccomp_data objects: the example of docs/plugin-protocol.md
    prog = [[0x20, 0, 0, 0], [0x15, 0, 1, 59], [0x06, 0, 0, 0], [0x06, 0, 0, 0x7fff0000]]
    arch = [[0x20, 0, 0, 4], [0x16, 0, 0, 0]]
    out = gvisor.run([{"id": 1, "profile": "seccomp", "program": prog,
                       "seccomp_data": [{"nr": 59, "arch": 0xc000003e, "args": [1, 2]},
                                        {"nr": 0}]},
                      {"id": 2, "profile": "seccomp", "program": arch, "seccomp_data": [{"nr": -1}]},
                      {"id": 3, "profile": "linux", "program": arch, "seccomp_data": [{}]}])
    assert verdicts(out[0]) == [0, 0x7fff0000]
    assert verdicts(out[1]) == [0xc000003e]     # arch defaults to x86-64's AUDIT_ARCH
    assert out[2]["load"] == "error" and "only for profile" in out[2]["reason"]


def test_gvisor_accepts_what_seccomp_refuses(gvisor):
    # mod #1 and ldb [0]: Linux's seccomp_check_filter refuses both (EINVAL)
    out = gvisor.run([req(1, [[0x94, 0, 0, 1], [0x06, 0, 0, 0x7fff0000]], [seccomp_data(0)],
                          "seccomp"),
                      req(2, [[0x30, 0, 0, 0], [0x16, 0, 0, 0]], [seccomp_data(0x42)], "seccomp")])
    assert verdicts(out[0]) == [0x7fff0000]
    assert verdicts(out[1]) == [0x42]


def test_gvisor_validator_rejects(gvisor):
    out = gvisor.run([req(1, [[0x06, 0, 0, 1], [0x00, 0, 0, 0]]), req(2, [])])
    assert [r["load"] for r in out] == ["rejected", "rejected"]
    assert out[0]["errno"] == "EINVAL" and "bpf.Compile" in out[0]["reason"]


def test_gvisor_optimised_says_why_it_cannot_run():
    p = plugin(GVISOR, "gvisor-optimised", "--optimise")
    try:
        r = p.run([req(1, RET9)])[0]
    finally:
        p.close()
    assert r["load"] == "error" and "optimiser" in r["reason"] and "Debian" in r["reason"]


# ---- DPDK librte_bpf ----

def test_dpdk_ind_index_is_a(dpdk):
    # Linux: byte 0 (0xa1); DPDK: byte A + 0 = 1
    assert verdicts(dpdk.run([req(1, IND_A)])[0]) == [0xa2]


def test_dpdk_agrees_on_a_filter_and_len(dpdk):
    arp = [[0x28, 0, 0, 12], [0x15, 0, 1, 0x806], [0x06, 0, 0, 4096], [0x06, 0, 0, 0]]
    ln = [[0x80, 0, 0, 0], [0x16, 0, 0, 0]]
    out = dpdk.run([req(1, arp, ["ffffffffffff0200000000010806", "ffffffffffff0200000000010800",
                                 "0102"]),
                    req(2, ln, ["", "00", "00" * 70000])])
    assert verdicts(out[0]) == [4096, 0, 0]
    assert verdicts(out[1]) == [0, 1, 70000]   # 70000 bytes: a chain of two segments


def test_dpdk_multi_segment_loads():
    p = plugin(DPDK, "dpdk", "--seg", "3")
    try:
        out = p.run([req(1, [[0x20, 0, 0, 2], [0x16, 0, 0, 0]]),
                     req(2, [[0x30, 0, 0, 7], [0x16, 0, 0, 0]]),
                     req(3, [[0x30, 0, 0, 8], [0x16, 0, 0, 0]])])
    finally:
        p.close()
    assert [verdicts(r)[0] for r in out] == [0xa3a4a5a6, 0xa8, 0]


def test_dpdk_refuses_extensions_and_has_no_seccomp(dpdk):
    out = dpdk.run([req(1, [[0x20, 0, 0, 0xfffff000], [0x16, 0, 0, 0]]),
                    req(2, RET9, [seccomp_data(0)], "seccomp")])
    assert out[0]["load"] == "rejected" and "socket offset 0 not supported" in out[0]["reason"]
    assert out[1]["load"] == "error" and "seccomp" in out[1]["reason"]


def test_dpdk_crash_is_an_answer_and_the_plugin_survives(dpdk):
    out = dpdk.run([req(1, RET9, ["00"]), req(2, WRAP, ["00", "000000"]), req(3, RET9, ["00"])])
    assert verdicts(out[0]) == [9]
    assert out[1]["load"] == "error" and out[1]["crash"] == "SIGSEGV"
    assert out[1]["stage"] == "exec" and out[1]["packet"] == 1   # packet 0: off + 4 > 1
    assert verdicts(out[2]) == [9]


def test_dpdk_jit_crashes_on_jset_where_the_interpreter_does_not():
    p = plugin(DPDK, "dpdk"), plugin(DPDK, "dpdk-jit", "--jit")
    try:
        interp, jit = (x.run([req(1, JSET, ["00"])])[0] for x in p)
    finally:
        for x in p:
            x.close()
    assert verdicts(interp) == [0]
    assert jit["crash"] == "SIGSEGV" and "JIT's code crashed" in jit["reason"]


def test_dpdk_heap_corruption_on_a_program_without_ret():
    # the first request of a fresh plugin (the heap layout glibc detects it in)
    p = plugin(DPDK, "dpdk")
    try:
        r = p.run([{"id": 1, "profile": "linux", "program": [[0x64, 0, 0, 32]], "packets": []}])[0]
    finally:
        p.close()
    assert r["load"] == "error" and r["crash"] == "SIGABRT" and r["stage"] == "load"


# ---- the runner: outcomes and causes ----

def test_crash_and_hang_answers_are_outcomes():
    ok = {"load": "ok", "results": [{"verdict": 0, "exact": True}]}
    crash = {"load": "error", "crash": "SIGSEGV", "reason": "the JIT's code crashed on packets[0]"}
    hang = {"load": "error", "hang": True, "reason": "bpf_filter did not finish (loop)"}
    assert compare.compare(ok, crash, [b""])[:2] == ("diverge", "crash")
    assert compare.compare(ok, hang, [b""])[:2] == ("diverge", "hang")
    assert compare.compare(ok, {"load": "error", "reason": "x"}, [b""])[1] == "peer-error"


def test_a_plugin_that_dies_on_a_request_is_a_crash(tmp_path):
    fake = tmp_path / "dies.py"
    fake.write_text("import json, os, sys\n"
                    "for line in sys.stdin:\n"
                    "    r = json.loads(line)\n"
                    "    if r['id'] in (2, 3): os.abort()\n"
                    "    print(json.dumps({'id': r['id'], 'load': 'ok', 'results': []}), flush=True)\n")
    p = Plugin([sys.executable, str(fake)], "dies")
    try:
        out = p.run([req(i, RET9, []) for i in (1, 2, 3, 4)])
    finally:
        p.close()
    assert out[0]["load"] == "ok" and out[3]["load"] == "ok"
    # id 3 kills the restarted process before it answers: still that request's crash
    for r in out[1:3]:
        assert r["load"] == "error" and r["crash"] == "exit status -6"


@pytest.mark.parametrize("prog,outcome,got,peer,cause", [
    (TAX_TXA, "verdict", {}, "gvisor", "gvisor-tax-txa-swapped"),
    ([[0x94, 0, 0, 1], [0x06, 0, 0, 0]], "peer-accepts", {}, "gvisor", "gvisor-no-seccomp-checks"),
    (IND_A, "verdict", {}, "dpdk", "dpdk-ind-index-is-a"),
    (WRAP, "crash", {"reason": "rte_bpf_exec crashed on packets[0]"}, "dpdk",
     "dpdk-pktmbuf-read-wrap"),
    (JSET, "crash", {"reason": "the JIT's code crashed on packets[0]"}, "dpdk-jit",
     "dpdk-jit-jset-crash"),
    ([[0x64, 0, 0, 0x7fffffff], [0x06, 0, 0, 0]], "crash",
     {"reason": "the JIT's code crashed on packets[0]"}, "dpdk-jit", "dpdk-jit-shift-imm"),
    ([[0x64, 0, 0, 32]], "crash", {"reason": "rte_bpf_convert/load crashed"}, "dpdk-jit",
     "dpdk-no-ret-heap-overflow"),
    ([[0x06, 0, 0, 0], [0x06, 0, 0, 0]], "peer-rejects", {"reason": "unreachable code at pc: 5"},
     "dpdk", "dpdk-unreachable-rejected"),
    ([[0x20, 0, 0, 0xfff00000], [0x16, 0, 0, 0]], "peer-rejects",
     {"reason": "validate: invalid imm field at pc: 3"}, "dpdk", "dpdk-negative-abs-rejected"),
    ([[0x84, 1, 2, 1], [0x06, 0, 0, 0]], "peer-rejects",
     {"reason": "validate: invalid imm field at pc: 3"}, "dpdk", "dpdk-neg-junk-k-rejected"),
    ([[0x3c, 0, 0, 0], [0x06, 0, 0, 0]], "peer-rejects",
     {"reason": "evaluate: division by 0 at pc: 3"}, "dpdk", "dpdk-div-x-zero-rejected"),
    # the same divergence on another peer is not the DPDK cause
    (IND_A, "verdict", {}, "libpcap", "ind-wrap"),
])
def test_new_causes(prog, outcome, got, peer, cause):
    assert classify.classify(RULES, prog, outcome, {}, got, peer) == cause


def test_new_features():
    assert "unreachable-code" in classify.features([[0x05, 0, 0, 1], [0x06, 0, 0, 1],
                                                    [0x06, 0, 0, 2]])
    assert "unreachable-code" not in classify.features([[0x15, 0, 1, 1], [0x06, 0, 0, 1],
                                                        [0x06, 0, 0, 2]])
    assert "seccomp-forbidden" in classify.features([[0x20, 0, 0, 2], [0x16, 0, 0, 0]])
    assert "seccomp-forbidden" not in classify.features([[0x20, 0, 0, 60], [0x16, 0, 0, 0]])
    assert "empty" in classify.features([])


@pytest.mark.parametrize("path,args", [(GVISOR, []), (DPDK, []), (DPDK, ["--jit"])])
def test_every_line_gets_an_answer(path, args):
    # empty lines are answered (a JSON error), and a last line without LF too
    if not os.path.exists(path):
        plugin(path, "x")   # skips with the reason
    ok = '{"id":1,"profile":"linux","program":[[6,0,0,1]],"packets":["00"]}'
    out = subprocess.run([path, *args], input=f"\n\r\n{ok}\n{ok}", capture_output=True,
                         text=True, timeout=60).stdout.splitlines()
    assert len(out) == 4
    assert [json.loads(l)["load"] for l in out] == ["error", "error", "ok", "ok"]
