"""test_compare_classify: the comparison rules (compare.py), the cause
table (causes.json via classify.py), shard selection and the merge of
results.json files.
"""
from cbpfconform import classify, compare, corpus as corpus_mod, results

OK7 = {"load": "ok", "results": [{"verdict": 7, "abort": None, "exact": True}]}


def test_equal_verdicts_pass():
    assert compare.compare(OK7, {"load": "ok", "results": [{"verdict": 7}]}, [b"x" * 10])[0] == "pass"


def test_different_verdict_diverges_with_packet_index():
    st, outcome, detail, mism = compare.compare(OK7, {"load": "ok", "results": [{"verdict": 0}]},
                                                [b"x" * 10])
    assert (st, outcome) == ("diverge", "verdict")
    assert mism == [{"packet": 0, "kernel": 7, "peer": 0, "peer_abort": None, "exact": True}]


def test_inexact_reference_clamps_peer_to_length():
    ref = {"load": "ok", "results": [{"verdict": 10, "exact": False}]}
    assert compare.compare(ref, {"load": "ok", "results": [{"verdict": 99}]}, [b"x" * 10])[0] == "pass"
    assert compare.compare(ref, {"load": "ok", "results": [{"verdict": 9}]}, [b"x" * 10])[0] == "diverge"


def test_inexact_empty_packet_is_accept_or_drop():
    ref = {"load": "ok", "results": [{"verdict": 1, "exact": False}]}
    assert compare.compare(ref, {"load": "ok", "results": [{"verdict": 77}]}, [b""])[0] == "pass"
    assert compare.compare(ref, {"load": "ok", "results": [{"verdict": 0}]}, [b""])[0] == "diverge"


def test_load_mismatch_and_errno():
    rej = {"load": "rejected", "errno": "EINVAL"}
    assert compare.compare(rej, OK7, [b"x"])[1] == "peer-accepts"
    assert compare.compare(OK7, rej, [b"x"])[1] == "peer-rejects"
    assert compare.compare(rej, {"load": "rejected", "errno": "ENOMEM"}, [])[1] == "errno"
    assert compare.compare(rej, rej, [])[0] == "pass"


def test_reference_error_and_env_limit_skip():
    assert compare.compare({"load": "error", "reason": "x"}, OK7, [b"x"])[0] == "skipped"
    lim = {"load": "rejected", "errno": "ENOMEM", "env_limit": True}
    assert compare.compare(lim, OK7, [b"x"])[0] == "skipped"


def test_peer_error_is_a_divergence():
    st, outcome, _, _ = compare.compare(OK7, {"load": "error", "reason": "crashed"}, [b"x"])
    assert (st, outcome) == ("diverge", "peer-error")


def test_nondeterministic_compares_load_only():
    got = {"load": "ok", "results": [{"verdict": 12345}]}
    assert compare.compare(OK7, got, [b"x"], "random")[0] == "pass"


def test_reference_packet_error_is_not_compared():
    ref = {"load": "ok", "results": [{"verdict": 0, "error": "EMSGSIZE"}, {"verdict": 3}]}
    got = {"load": "ok", "results": [{"verdict": 5}, {"verdict": 3}]}
    assert compare.compare(ref, got, [b"a", b"b"])[0] == "pass"


RULES = classify.load_rules()


def test_classify_known_causes():
    shift_x = [[0x01, 0, 0, 33], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]]
    assert classify.classify(RULES, shift_x, "verdict", OK7, {}) == "shift-x-ge-32"
    ind = [[0x01, 0, 0, 0xffffffff], [0x50, 0, 0, 1], [0x16, 0, 0, 0]]
    assert classify.classify(RULES, ind, "verdict", OK7, {}) == "ind-wrap"
    net = [[0x30, 0, 0, 0xfff00000], [0x16, 0, 0, 0]]
    assert classify.classify(RULES, net, "verdict", OK7, {}) == "negative-offset"
    scratch = [[0x60, 0, 0, 3], [0x16, 0, 0, 0]]
    assert classify.classify(RULES, scratch, "peer-accepts", {"errno": "EINVAL"}, {}) == "unstored-scratch"
    bad = [[0x0e, 0, 0, 0]]
    assert classify.classify(RULES, bad, "peer-error", {}, {"reason": "crashed"}) == "invalid-opcode"
    lsh32 = [[0x64, 0, 0, 32], [0x16, 0, 0, 0]]
    assert classify.classify(RULES, lsh32, "peer-accepts", {"errno": "EINVAL"}, {}) == "shift-k-ge-32"
    neg = [[0x84, 0, 0, 0], [0x16, 0, 0, 0]]
    assert classify.classify(RULES, neg, "verdict", OK7,
                             {"results": [{"note": "unknown Instruction at index 0: bpf.NegateA"}]}, "xnet") \
        == "neg-unsupported"


def test_classify_backward_jump_before_scratch():
    # libpcap's protochain loop: stores before reads, but a backward ja.
    prog = [[0x02, 0, 0, 0], [0x60, 0, 0, 0], [0x05, 0, 0, 0xfffffffd], [0x06, 0, 0, 0]]
    assert classify.classify(RULES, prog, "peer-accepts", {"errno": "EINVAL"}, {}) == \
        "backward-or-out-of-range-jump"


def test_reads_unstored_is_path_insensitive():
    one_path = [[0x30, 0, 0, 0], [0x15, 0, 1, 5], [0x02, 0, 0, 0], [0x60, 0, 0, 0], [0x16, 0, 0, 0]]
    both = [[0x30, 0, 0, 0], [0x15, 0, 2, 5], [0x02, 0, 0, 0], [0x05, 0, 0, 1], [0x02, 0, 0, 0],
            [0x60, 0, 0, 0], [0x16, 0, 0, 0]]
    dead = [[0x05, 0, 0, 2], [0x60, 0, 0, 5], [0x16, 0, 0, 0], [0x06, 0, 0, 1]]
    assert classify.reads_unstored(one_path) is True
    assert classify.reads_unstored(both) is False
    assert classify.reads_unstored(dead) is False


def test_classify_ldx_len():
    prog = [[0x81, 0, 0, 0], [0x87, 0, 0, 0], [0x16, 0, 0, 0]]
    assert classify.classify(RULES, prog, "verdict", OK7, {}, "xnet") == "ldx-len-into-a"
    assert classify.classify(RULES, prog, "verdict", OK7, {}, "libpcap") == "new"


def test_classify_unknown_is_new():
    plain = [[0x00, 0, 0, 1], [0x16, 0, 0, 0]]
    assert classify.classify(RULES, plain, "verdict", OK7, {}) == "new"


def test_every_rule_is_documented():
    for r in RULES:
        assert r["cause"] and r["doc"] and r["outcome"] and r["features_any"]


def test_shard_selection_partitions_cases():
    paths = [f"/c/x{i}.case" for i in range(10)]
    parts = [corpus_mod.select(paths, "/c", None, (k, 3)) for k in (1, 2, 3)]
    ids = sorted(i for p in parts for i, _ in p)
    assert ids == sorted(f"x{i}" for i in range(10))
    assert [i for i, _ in parts[0]] == ["x0", "x3", "x6", "x9"]
    assert [i for i, _ in corpus_mod.select(paths, "/c", "x1*,x7", None)] == ["x1", "x7"]


def _doc(cases, shard):
    return {"schema": 1, "generated": "t", "corpus": "c", "shards": [shard], "env": {},
            "impls": {"vm": {"reference": False}}, "opcode_names": {}, "broken": [],
            "cases": cases, "summary": {}}


def test_merge_joins_shards_and_recounts():
    a = _doc([{"id": "a", "outcomes": {"vm": {"status": "pass", "detail": ""}}}], "1/2")
    b = _doc([{"id": "b", "outcomes": {"vm": {"status": "diverge", "detail": "x", "cause": "new"}}}], "2/2")
    m = results.merge([a, b])
    assert [c["id"] for c in m["cases"]] == ["a", "b"]
    assert m["shards"] == ["1/2", "2/2"]
    assert m["summary"]["vm"]["pass"] == 1 and m["summary"]["vm"]["diverge"] == 1
    assert results.exit_status(m) == 1
    assert results.exit_status(a) == 0


class _Impl:
    def __init__(self, name, reference=False):
        self.name, self.reference = name, reference
        self.available = {"linux": True}
        self.reasons, self.commands = {}, {"linux": [name]}


def _case(tmp_path, text):
    p = tmp_path / "x.case"
    p.write_text(text)
    return corpus_mod.casefile.parse(str(p), str(tmp_path))


def test_details_name_the_two_sides(tmp_path):
    """The kernel's row compares the recording (7) with the live kernel (1):
    'recorded 7, kernel 1', not 'kernel 7, peer 1'; a peer's row names the
    kernel and the peer."""
    c = _case(tmp_path, "description: d\nprogram:\n  6 0 0 7\npacket: 00\nexpect-load: ok\n"
                        "expect:\n  7\n")
    sink = {"kernel": {0: {"load": "ok", "results": [{"verdict": 1, "abort": None}]}},
            "libpcap": {0: {"load": "ok", "results": [{"verdict": 3, "abort": None}]}}}
    rec, = __import__("cbpfconform.runner").runner.evaluate(
        [_Impl("kernel", True), _Impl("libpcap")], [c], sink, [])
    assert rec["outcomes"]["kernel"]["detail"] == (
        "the live kernel differs from the recording: 1 of 1 packets differ "
        "(first: packet 0: recorded 7, kernel 1)")
    assert rec["outcomes"]["libpcap"]["detail"] == \
        "1 of 1 packets differ (first: packet 0: kernel 1, libpcap 3)"


def test_load_details_name_the_two_sides():
    rej = {"load": "rejected", "errno": "EINVAL"}
    ok = {"load": "ok", "results": []}
    assert compare.compare(rej, ok, [], names=("kernel", "xnet"))[2] == \
        "kernel rejects (EINVAL), xnet accepts"


def test_a_hang_is_its_own_outcome():
    hang = {"load": "error", "hang": True, "reason": "hang: no answer within 2 s"}
    assert compare.compare(OK7, hang, [b"x"])[:3] == ("diverge", "hang", "hang: no answer within 2 s")


def test_merge_refuses_an_empty_shard_list():
    a = _doc([], "1/1")
    a["shards"] = []
    try:
        results.merge([a], ["a.json"])
    except ValueError as e:
        assert str(e) == "a.json: lists no shard"
    else:
        raise AssertionError("merged")
