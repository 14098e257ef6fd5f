"""test_peer_plugins: the libpcap and x/net/bpf plugins speak the protocol,
and libpcap's abort() on opcodes its validator accepts (and its infinite
loop on a backward ja) become error responses, not a dead plugin.
"""
import json
import os
import subprocess

import pytest

from conftest import BUILD
from cbpfconform.plugin import Plugin

PCAP = os.path.join(BUILD, "harness", "cbpf-pcap-plugin")
XNET = os.path.join(BUILD, "harness", "cbpf-xnet-plugin")

SHIFT = [[0x00, 0, 0, 3], [0x01, 0, 0, 33], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]]


def req(i, program, packets=("00010203",), profile="linux"):
    return {"id": i, "profile": profile, "program": program, "packets": list(packets)}


@pytest.fixture
def pcap():
    if not os.path.exists(PCAP):
        pytest.skip(f"{PCAP} not built")
    p = Plugin([PCAP], "libpcap")
    yield p
    p.close()


def test_libpcap_shift_by_33_is_zero(pcap):
    r = pcap.run([req(1, SHIFT)])[0]
    assert r == {"id": 1, "load": "ok", "results": [{"verdict": 0, "abort": None}]}


def test_libpcap_abort_is_an_error_and_the_plugin_survives(pcap):
    out = pcap.run([req(1, [[0x0e, 0, 0, 0]]), req(2, [[0x06, 0, 0, 9]])])
    assert out[0]["load"] == "error"
    assert "crashed (signal 6" in out[0]["reason"]
    assert out[0]["crash"] == "SIGABRT"   # the runner's crash outcome (docs/peers.md)
    assert out[1] == {"id": 2, "load": "ok", "results": [{"verdict": 9, "abort": None}]}


def test_libpcap_loop_is_a_hang_answer(pcap):
    # ja -1 (backward): bpf_validate accepts it and bpf_filter loops until the
    # child's 10 s alarm; the answer is the runner's hang outcome
    out = pcap.run([req(1, [[0x05, 0, 0, 0xffffffff], [0x06, 0, 0, 1]]), req(2, [[0x06, 0, 0, 9]])])
    assert out[0]["load"] == "error" and out[0]["hang"] is True
    assert "did not finish" in out[0]["reason"]
    assert out[1]["results"] == [{"verdict": 9, "abort": None}]


def test_libpcap_validator_rejects_and_seccomp_is_unsupported(pcap):
    out = pcap.run([req("a", [[0x06, 0, 0, 1], [0x00, 0, 0, 0]]),
                    req("b", [[0x06, 0, 0, 0]], profile="seccomp")])
    assert out[0]["load"] == "rejected" and out[0]["errno"] == "EINVAL"
    assert out[1]["load"] == "error" and "seccomp" in out[1]["reason"]


def test_libpcap_reads_wrapped_ind_as_out_of_bounds(pcap):
    prog = [[0x01, 0, 0, 0xffffffff], [0x50, 0, 0, 1], [0x16, 0, 0, 0]]
    assert pcap.run([req(1, prog, ["05060708"])])[0]["results"][0]["verdict"] == 0


def test_xnet_plugin():
    if not os.path.exists(XNET):
        pytest.skip("x/net/bpf plugin not built (Go toolchain or golang-golang-x-net-dev missing)")
    p = Plugin([XNET], "xnet")
    try:
        out = p.run([req(1, SHIFT), req(2, [[0x00, 0, 0, 5], [0x84, 0, 0, 0], [0x16, 0, 0, 0]]),
                     req(3, [[0x0e, 0, 0, 0]])])
    finally:
        p.close()
    assert out[0]["results"] == [{"verdict": 0, "abort": None}]
    assert out[1]["results"][0]["abort"] == "error" and "NegateA" in out[1]["results"][0]["note"]
    assert out[2]["load"] == "rejected"


@pytest.mark.parametrize("path", [PCAP, XNET])
def test_every_line_gets_an_answer(path):
    # docs/plugin-protocol.md: empty lines are answered (a JSON error) and a
    # last line without LF too; both plugins skipped empty lines before the
    # shared reply code (harness/plugins/shared, harness/plugins/go)
    if not os.path.exists(path):
        pytest.skip(f"{path} not built")
    ok = '{"id":1,"profile":"linux","program":[[6,0,0,1]],"packets":["00"]}'
    out = subprocess.run([path], input=f"\n\r\n{ok}\n{ok}", capture_output=True,
                         text=True, timeout=60).stdout.splitlines()
    assert [json.loads(l)["load"] for l in out] == ["error", "error", "ok", "ok"]
    assert json.loads(out[0])["id"] is None
    assert json.loads(out[2]) == {"id": 1, "load": "ok",
                                  "results": [{"verdict": 1, "abort": None}]}


@pytest.mark.parametrize("path", [PCAP, XNET])
def test_program_fields_are_range_checked(path):
    if not os.path.exists(path):
        pytest.skip(f"{path} not built")
    bad = '{"id":7,"profile":"linux","program":[[6,256,0,1]],"packets":["00"]}'
    out = subprocess.run([path], input=bad + "\n", capture_output=True, text=True,
                         timeout=60).stdout.splitlines()
    r = json.loads(out[0])
    assert (r["id"], r["load"]) == (7, "error")
    assert "program" in r["reason"]
