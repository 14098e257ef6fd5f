"""test_triage_e2e: the whole triage pipeline on real divergences, with the
live kernel and the libpcap plugin: a differential fuzz run of libpcap
against the kernel finds the shift-by-X divergence, `cbpf triage` shrinks
it to at most 4 instructions and a packet of at most 1 byte, names it
shift-x-ge-32, files a recorded case the conformance runner picks up, and
a second fuzz + triage run files nothing new. Also: a 4,096-instruction
divergent program minimises to the 4-instruction shift (its time is
printed as a benchmark, not asserted).
"""
import json
import os
import subprocess
import time

import pytest

from cbpfconform import casefile, randprog
from cbpfconform.triage import diff_fuzz, oracle, shrink
from conftest import run_module

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
SHIFT = [[0x00, 0, 0, 1], [0x01, 0, 0, 32], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]]


def _built(d):
    return d and all(os.path.exists(os.path.join(d, x))
                     for x in ("bin/cbpf", "harness/cbpf-pcap-plugin"))


@pytest.fixture(scope="module")
def pcap_build(build_dir):
    """The plugins triage drives: $CBPF_TRIAGE_BUILD, else the Release tree
    (build/, which `make test` builds too), else CBPF_BUILD. Triage itself
    is Python; under ASan every libpcap request's fork costs ~15x, which
    would put these tests over their time budget."""
    if os.geteuid() != 0:
        pytest.skip("the kernel oracle needs root")
    for d in (os.environ.get("CBPF_TRIAGE_BUILD"), os.path.join(SRC, "build"), build_dir):
        if _built(d):
            return d
    pytest.skip("libpcap plugin not built")


def fuzz_and_triage(build, tmp, corpus, tag, cbpf):
    """diff_fuzz run on build's plugins, then the `cbpf triage` command
    (cbpf: the binary under test) on what it found, with build's plugins."""
    out = tmp / f"fuzz-{tag}"
    found = diff_fuzz.run(build, "kernel", "libpcap", seed=1, count=1000, insns=24, out=str(out))
    assert found, "the fuzz run found no divergence"
    js = tmp / f"triage-{tag}.json"
    r = subprocess.run([cbpf, "triage", *found, "--corpus", str(corpus), "--build", build,
                        "--json", str(js), "-q"], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, CBPF_SRC=SRC))
    assert r.returncode == 0, r.stderr
    return found, json.loads(js.read_text()), r.stdout


def test_fuzz_triage_file_and_rerun(pcap_build, build_dir, tmp_path):
    cbpf = os.path.join(build_dir, "bin", "cbpf")
    corpus = tmp_path / "corpus"
    (corpus / "regress").mkdir(parents=True)
    found, res, out = fuzz_and_triage(pcap_build, tmp_path, corpus, "1", cbpf)
    print(out)
    shift = [r for r in res if r["cause"] == "shift-x-ge-32"]
    assert shift and all(r["status"] == "minimised" and r["peer"] == "libpcap" for r in res)
    for r in shift:
        assert len(r["program"]) <= 4
        assert all(len(p) <= 2 for p in r["packets"])          # hex: at most 1 byte
    filed = [r["case"] for r in res if r["case_status"] == "filed"]
    assert any(c.startswith("regress/shift-x-ge-32-libpcap-") for c in filed)
    assert sorted(os.listdir(corpus / "regress")) == sorted(c[len("regress/"):] + ".case" for c in filed)
    # The filed shift case carries the kernel's answer and its environment record.
    c = casefile.parse(str(corpus / (next(f for f in filed if "shift" in f) + ".case")), str(corpus))
    # ld #1 and ldx #32 in either order (that depends on the fuzz program).
    assert sorted(c.program[:2]) == sorted(SHIFT[:2]) and c.program[2:] == SHIFT[2:]
    assert c.expect_load == "ok" and c.recorded.startswith("env/linux-")
    assert [(e.verdict, e.abort) for e in c.expect] == [(1, None)]
    assert (corpus / c.recorded).exists()
    # Deterministic: the same run again files nothing new.
    before = {f: (corpus / "regress" / f).read_text() for f in os.listdir(corpus / "regress")}
    found2, res2, _ = fuzz_and_triage(pcap_build, tmp_path, corpus, "2", cbpf)
    assert [os.path.basename(f) for f in found2] == [os.path.basename(f) for f in found]
    assert {r["case_status"] for r in res2} == {"duplicate"}
    assert [(r["program"], r["packets"]) for r in res2] == [(r["program"], r["packets"]) for r in res]
    assert {f: (corpus / "regress" / f).read_text() for f in os.listdir(corpus / "regress")} == before
    # `make conform` picks the filed cases up: libpcap diverges with the named cause.
    rep = tmp_path / "report"
    r = run_module("cbpfconform", "run", "--build", pcap_build, "--corpus", str(corpus),
                   "--impl", "kernel,libpcap", "--out", str(rep), "--quiet", timeout=300)
    assert r.returncode == 0, r.stderr
    doc = json.loads((rep / "results.json").read_text())
    assert not doc["broken"]
    assert {c["id"]: c["outcomes"]["libpcap"].get("cause") for c in doc["cases"]} == \
        {f: r["cause"] for r in res if r["case_status"] == "filed" for f in [r["case"]]}
    assert all(c["outcomes"]["kernel"]["status"] == "pass" for c in doc["cases"])
    assert "## Triage: peer divergences by cause" in (rep / "summary.md").read_text()


def test_4096_instruction_program_minimises(pcap_build):
    rng = randprog.Random(20)   # a seed whose program diverges (a shift by X >= 32)
    prog = randprog.raw(randprog.program(rng, n=4096, packet_loads=False, random_k=True,
                                         ja=True, loadable=True))
    assert len(prog) == 4096
    runner = oracle.Runner(pcap_build)
    try:
        pair = oracle.Pair(runner, "kernel", "libpcap")
        st = (prog, [bytes(range(64))], None)
        (r, g), = pair.responses([st])
        sig = oracle.signature(r, g, st[1])
        assert sig == ("verdict", True)
        t0 = time.monotonic()
        (p, pk, ctx), stats = shrink.minimise(st, oracle.predicate(pair, sig))
        secs = time.monotonic() - t0
    finally:
        runner.close()
    print(f"\nbenchmark: 4096 -> {len(p)} instructions in {secs:.1f} s "
          f"({stats.tests} candidates, {pair.runs} runs; target < 30 s)")
    p = [list(i) for i in p]
    assert sorted(p[:2]) == sorted(SHIFT[:2]) and p[2:] == SHIFT[2:]
    assert pk == (b"",) and ctx is None


def _triage(cbpf, build, *args):
    return subprocess.run([cbpf, "triage", *args, "--build", build, "--no-file", "-q"],
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, CBPF_SRC=SRC))


def test_program_with_packet_and_results_json_inputs(pcap_build, build_dir, tmp_path):
    cbpf = os.path.join(build_dir, "bin", "cbpf")
    prog = tmp_path / "shift.bpf"
    prog.write_text("ld [0]\nadd #5\nldx #40\nst M[3]\nlsh x\nldx M[3]\nret a\n")
    js = tmp_path / "a.json"
    r = _triage(cbpf, pcap_build, str(prog), "--packet", "0102030405", "--impl", "libpcap",
                "--json", str(js))
    assert r.returncode == 0, r.stderr
    (res,) = json.loads(js.read_text())
    assert (res["cause"], res["program"], res["packets"]) == ("shift-x-ge-32", SHIFT, [""])
    # The same divergence as a failed case of a results.json.
    doc = {"schema": 1, "corpus": str(tmp_path), "impls": {"kernel": {"reference": True}, "libpcap": {}},
           "cases": [{"id": "x/shift", "profile": "linux", "hook": "unix",
                      "program": [[0x01, 0, 0, 40], [0x00, 0, 0, 7], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]],
                      "packets": ["pattern 20"],
                      "outcomes": {"kernel": {"status": "pass"}, "libpcap": {"status": "diverge"}}}]}
    (tmp_path / "results.json").write_text(json.dumps(doc))
    r = _triage(cbpf, pcap_build, str(tmp_path / "results.json"), "--json", str(js))
    assert r.returncode == 0, r.stderr
    (res,) = json.loads(js.read_text())
    assert (res["source"], res["peer"], res["cause"], res["program"], res["packets"]) == \
        (f"{tmp_path / 'results.json'}#x/shift", "libpcap", "shift-x-ge-32",
         [[0x01, 0, 0, 32], [0x00, 0, 0, 1], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]], [""])
    # No divergence: said so, exit 1; bad input: one line naming the file, exit 2.
    ok = tmp_path / "ok.bpf"
    ok.write_text("ret #7\n")
    r = _triage(cbpf, pcap_build, str(ok), "--packet", "00", "--impl", "libpcap")
    assert r.returncode == 1 and "no divergence: they agree" in r.stdout
    r = _triage(cbpf, pcap_build, str(tmp_path / "missing.json"))
    assert (r.returncode, r.stderr) == (2, f"cbpf triage: {tmp_path / 'missing.json'}: "
                                           f"No such file or directory\n")
