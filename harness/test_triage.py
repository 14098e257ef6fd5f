"""test_triage: the parts of triage (cbpfconform.triage) that need no plugin:
jump fix-up on deletion, the simplification order, the minimiser against
a pure-Python predicate (exact result, the same for every batch size),
reading inputs (raw fuzzer bytes, reproducers, one-line errors), the
report's clusters and deduplication of filed cases.
"""
import json
import os
import struct

import pytest

from cbpfconform.report import clusters as report
from cbpfconform.triage import inputs, regress, shrink

JEQ, JA, RET_A, RET_K, LD, LDX, LSH_X = 0x15, 0x05, 0x16, 0x06, 0x00, 0x01, 0x6c


def test_delete_shortens_jumps_over_the_range():
    prog = ((JEQ, 3, 0, 7), (LD, 0, 0, 1), (LD, 0, 0, 2), (LD, 0, 0, 3), (RET_A, 0, 0, 0))
    assert shrink.delete(prog, 1, 3) == ((JEQ, 1, 0, 7), (LD, 0, 0, 3), (RET_A, 0, 0, 0))


def test_delete_retargets_jumps_into_the_range_to_what_follows():
    prog = ((JA, 0, 0, 1), (LD, 0, 0, 1), (LD, 0, 0, 2), (LD, 0, 0, 3), (RET_A, 0, 0, 0))
    # ja lands on insn 2, which is deleted with 1..2: it now lands on the old insn 3.
    assert shrink.delete(prog, 1, 3) == ((JA, 0, 0, 0), (LD, 0, 0, 3), (RET_A, 0, 0, 0))


def test_delete_keeps_an_out_of_range_jump_out_of_range_by_as_much():
    prog = ((JA, 0, 0, 9), (LD, 0, 0, 1), (RET_A, 0, 0, 0))
    assert shrink.delete(prog, 1, 2) == ((JA, 0, 0, 8), (RET_A, 0, 0, 0))


def test_simpler_is_ordered_and_strictly_simpler():
    assert shrink.simpler((JEQ, 2, 5, 9)) == [(JA, 0, 0, 2), (JA, 0, 0, 5)]
    assert shrink.simpler((RET_A, 0, 0, 0)) == [(RET_K, 0, 0, 0)]
    assert shrink.simpler((RET_K, 0, 0, 7)) == []
    assert shrink.simpler((0x50, 0, 0, 3))[:3] == [(LD, 0, 0, 0), (LD, 0, 0, 3), (LD, 0, 0, 1)]


def test_constant_candidates_move_toward_edges():
    assert shrink.const_candidates(0) == []
    assert shrink.const_candidates(32) == [0, 1, 2]
    assert shrink.const_candidates(40)[:5] == [0, 1, 2, 32, 0xffffffff]
    assert shrink.const_candidates(40)[-2:] == [20, 39]
    assert len(shrink.const_candidates(40)) == len(shrink.EDGES) + 2


def shift_needs(states):
    """A stand-in oracle: 'diverges' while an ldx #k >= 32 comes before an
    lsh x and the program ends in a ret."""
    out = []
    for prog, pkts, ctx in states:
        ok = bool(prog) and prog[-1][0] in (RET_A, RET_K)
        xs = [i for i, x in enumerate(prog) if x[0] == LDX and x[3] >= 32]
        sh = [i for i, x in enumerate(prog) if x[0] == LSH_X]
        out.append(ok and bool(xs) and bool(sh) and xs[0] < sh[-1] and len(pkts) == 1 and
                   len(pkts[0]) >= 1 and (ctx or {}).get("mark") == 5)
    return out


def big_state():
    prog = []
    for i in range(300):
        prog.append((0x04, 0, 0, i))                  # add #i
        if i % 7 == 0:
            prog.append((JEQ, 2, 0, i))
        if i == 150:
            prog.append((LDX, 0, 0, 0x12345))
        if i == 200:
            prog.append((LSH_X, 0, 0, 0))
    prog.append((RET_A, 0, 0, 0))
    return prog, [b"\x11" * 40, b"\x22" * 30], {"mark": 5, "queue": 3}


@pytest.mark.parametrize("batch", [1, 7, 32])
def test_minimise_exact_result_for_every_batch_size(batch):
    (prog, pkts, ctx), stats = shrink.minimise(big_state(), shift_needs, batch)
    assert prog == ((LDX, 0, 0, 32), (LSH_X, 0, 0, 0), (RET_K, 0, 0, 0))
    assert pkts == (b"\0",)
    assert ctx == {"mark": 5}
    assert stats.accepted > 0 and stats.tests > stats.accepted


def test_raw_fuzzer_input_is_split_like_fz_split(tmp_path):
    p = tmp_path / "crash-1"
    insns = [(LD, 0, 0, 3), (LDX, 0, 0, 33), (LSH_X, 0, 0, 0), (RET_A, 0, 0, 0)]
    p.write_bytes(bytes([4]) + b"".join(struct.pack("<HBBI", *i) for i in insns) + b"\xff\x00\x80")
    (t,) = inputs.load(str(p), "cbpf")
    assert t.program == [list(i) for i in insns]
    assert t.packets == [b"\xff\x00\x80"]
    # n larger than what follows: clamped to the whole records present.
    p.write_bytes(bytes([200]) + struct.pack("<HBBI", RET_K, 0, 0, 9) + b"\x01")
    (t,) = inputs.load(str(p), "cbpf")
    assert (t.program, t.packets) == ([[RET_K, 0, 0, 9]], [b"\x01"])


def test_reproducer_names_its_peers(tmp_path):
    p = tmp_path / "repro.json"
    p.write_text(json.dumps({"format": "cbpf-fuzz-repro/1", "target": "vm_pcap", "kind": "verdict",
                             "profile": "linux", "program": [[6, 0, 0, 1]], "packets": ["0a0b"],
                             "answers": [{"impl": "vm"}, {"impl": "pcap"}, {"impl": "kernel"}]}))
    (t,) = inputs.load(str(p), "cbpf")
    assert (t.peers, t.packets, t.program, t.ctx) == (["vm", "libpcap"], [b"\n\x0b"], [[6, 0, 0, 1]], None)


def test_bad_inputs_give_one_line_naming_the_file(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"format": "cbpf-fuzz-repro/1",\n "program": [[6,0,0]]\n}')
    with pytest.raises(inputs.InputError) as e:
        inputs.load(str(p), "cbpf")
    assert str(e.value) == f"{p}: program[0]: expected [code, jt, jf, k], got [6, 0, 0]"
    p.write_text('{\n"program": [,]}')
    with pytest.raises(inputs.InputError) as e:
        inputs.load(str(p), "cbpf")
    assert str(e.value) == f"{p}:2: not valid JSON: Expecting value"
    with pytest.raises(inputs.InputError) as e:
        inputs.load(str(tmp_path / "missing"), "cbpf")
    assert str(e.value) == f"{tmp_path / 'missing'}: No such file or directory"


def _case(cid, impl, cause, ninsns, lens, asm="ret a"):
    return {"id": cid, "ninsns": ninsns, "packet_lens": lens, "asm": asm, "packets": ["00"] * len(lens),
            "outcomes": {"kernel": {"status": "pass"}, impl: {"status": "diverge", "cause": cause}}}


def test_report_clusters_by_cause_with_the_smallest_reproducer():
    doc = {"impls": {"kernel": {"reference": True}, "libpcap": {}, "xnet": {}},
           "cases": [_case("quirks/a", "libpcap", "shift-x-ge-32", 5, [100]),
                     _case("regress/b", "xnet", "shift-x-ge-32", 4, [1]),
                     _case("regress/c", "libpcap", "shift-x-ge-32", 4, [0]),
                     _case("random/d", "libpcap", "ind-wrap", 9, [3])]}
    cl = report.clusters(doc)
    assert [(e["cause"], e["count"], e["impls"], e["smallest"]["id"]) for e in cl] == [
        ("shift-x-ge-32", 3, ["libpcap", "xnet"], "regress/c"), ("ind-wrap", 1, ["libpcap"], "random/d")]
    md = "\n".join(report.markdown(doc))
    assert "| shift-x-ge-32 | 3 | libpcap, xnet | `regress/c` (4 insns, packet 0 B) |" in md
    assert 'data-cause="ind-wrap"' in report.section_html(doc)


def test_filing_deduplicates_by_cause_and_opcodes(tmp_path, build_dir):
    cbpf = os.path.join(build_dir, "bin", "cbpf")
    (tmp_path / "regress").mkdir()
    t = inputs.Target("x", program=[])
    res = {"peer": "libpcap", "ref": "kernel", "outcome": "verdict", "detail": "d", "orig_insns": 9,
           "orig_packet_lens": [3], "tests": 1, "ctx": None, "packets": [b"\x01"],
           "program": [[LD, 0, 0, 1], [LDX, 0, 0, 32], [LSH_X, 0, 0, 0], [RET_A, 0, 0, 0]]}
    st, cid = regress.file_case(t, res, "shift-x-ge-32", str(tmp_path), build_dir, cbpf, record=False)
    assert (st, cid) == ("filed", "regress/" + regress.case_name(
        "shift-x-ge-32", "libpcap", res["program"], res["packets"], None))
    text = (tmp_path / (cid + ".case")).read_text()
    assert "tags: cause=shift-x-ge-32 impl=libpcap opcodes=0x00,0x01,0x16,0x6c\n" in text
    assert "  0x006c   0   0 0x00000000  ; lsh x\n" in text
    # Other constants, same cause and opcodes: a duplicate; another cause: new.
    res2 = dict(res, program=[[LD, 0, 0, 2], [LDX, 0, 0, 33], [LSH_X, 0, 0, 0], [RET_A, 0, 0, 0]])
    assert regress.file_case(t, res2, "shift-x-ge-32", str(tmp_path), build_dir, cbpf,
                             record=False) == ("duplicate", cid)
    assert regress.file_case(t, res2, "new", str(tmp_path), build_dir, cbpf, record=False)[0] == "filed"
    assert len(os.listdir(tmp_path / "regress")) == 2


def test_causes_names_every_matching_rule_for_the_slip_guard():
    ok = {"load": "ok", "results": [{"verdict": 1}]}
    prog = [[0x20, 0, 0, 0xfffff000], [LDX, 0, 0, 32], [LSH_X, 0, 0, 0], [RET_A, 0, 0, 0]]
    assert regress.causes(prog, "verdict", ok, ok, "libpcap") == {"extension", "shift-x-ge-32"}
    assert regress.cause_of(prog, "verdict", ok, ok, "libpcap") == "extension"
    assert regress.causes([[0x20, 0, 0, 0xffe00006], [RET_A, 0, 0, 0]], "verdict", ok, ok,
                          "libpcap") == {"negative-offset"}
    assert regress.causes([[RET_A, 0, 0, 0]], "verdict", ok, ok, "libpcap") == {"new"}
