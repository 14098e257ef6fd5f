"""test_broken_cases: a case file that cannot be run as written is broken:
reported as `FILE:LINE: why` in results.json (its own status and count),
summary.md and index.html, never scored as pass / diverge / skipped, and
the run exits 1 (0 with --allow-broken). No traceback, whatever the file.
"""
import json

import pytest

from cbpfconform import casefile, corpus as corpus_mod
from conftest import BUILD, CBPF, run_module

HEAD = "description: d\nprogram:\n  6 0 0 1\npacket: 00\n"
ASM = "description: d\nasm:\n  ld #1\n  # a comment line\n  foo\n  ret a\npacket: 00\n"

# (file bytes, line, message after "FILE:LINE: ")
BROKEN = {
    "utf8": (b"description: caf\xe9\nprogram:\n  6 0 0 1\n", 1,
             "not UTF-8 text (byte 0xe9 at column 17)"),
    "deep_ctx": ((HEAD + "ctx: " + "[" * 100000 + "\n").encode(), 5,
                 "ctx: not JSON (nested too deeply)"),
    "pkttype": ((HEAD + 'ctx: {"pkttype": 99}\n').encode(), 5,
                "ctx: pkttype: 99 is out of range 0..7"),
    "ctx_key": ((HEAD + 'ctx: {"lenx": 1}\n').encode(), 5, "ctx: unknown key 'lenx'"),
    "ctx_seccomp": (b"description: d\nprofile: seccomp\nprogram:\n  6 0 0 0\n"
                    b"input: nr=1\nctx: {\"mark\": 1}\n", 6,
                    "ctx: not used by profile seccomp (the input is seccomp_data)"),
    "long": (("description: d\nprogram:\n" + "  6 0 0 1\n" * 70000 + "packet: 00\n").encode(), 2,
             "program: 70000 instructions is over the limit of 65535 (sock_fprog.len is a u16)"),
    "seccomp_packet": (b"description: d\nprofile: seccomp\nprogram:\n  6 0 0 0x7fff0000\n"
                       b"packet: 00\n", 5,
                       "packet: is for profile linux; a seccomp case gives input: lines"),
    "recorded": ((HEAD + "expect-load: ok\nexpect:\n  1\nrecorded: env/nonexist.json\n").encode(),
                 8, "recorded: env/nonexist.json does not exist"),
    "asm": (ASM.encode(), 5, "asm: unknown instruction 'foo' (column 3)"),
}


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    if not __import__("os").path.exists(CBPF):
        pytest.skip(f"{CBPF} not built")
    tmp = tmp_path_factory.mktemp("broken")
    corpus = tmp / "corpus"
    corpus.mkdir()
    (corpus / "good.case").write_text(HEAD + "expect-load: ok\nexpect:\n  1\n")
    for name, (data, _, _) in BROKEN.items():
        (corpus / f"{name}.case").write_bytes(data)
    out = tmp / "out"
    r = run_module("cbpfconform", "run", "--impl", "vm", "--corpus", str(corpus),
                   "--out", str(out), "--build", BUILD)
    return corpus, out, r


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_case_is_reported_with_file_and_line(broken_run, name):
    corpus, out, r = broken_run
    doc = json.loads((out / "results.json").read_text())
    _, line, msg = BROKEN[name]
    want = f"{corpus / name}.case:{line}: {msg}"
    assert {"case": name, "status": "broken", "error": want} in doc["broken"]
    assert f"conform: broken case: {want}\n" in r.stderr
    assert want in (out / "summary.md").read_text()


def test_broken_cases_are_not_scored_and_fail_the_run(broken_run):
    corpus, out, r = broken_run
    assert "Traceback" not in r.stderr
    assert r.returncode == 1
    doc = json.loads((out / "results.json").read_text())
    assert [c["id"] for c in doc["cases"]] == ["good"]
    assert doc["summary"]["vm"] == {"pass": 1, "diverge": 0, "skipped": 0, "broken": len(BROKEN),
                                    "skip_reasons": {}, "causes": {}}
    md = (out / "summary.md").read_text()
    assert "| implementation | pass | diverge | skipped | broken | skip reasons |" in md
    assert f"| vm | 1 | 0 | 0 | {len(BROKEN)} | - |" in md
    page = (out / "index.html").read_text()
    assert f'<td class="broken">{len(BROKEN)}</td>' in page


def test_allow_broken_keeps_the_exit_status_of_the_rest(broken_run, tmp_path):
    corpus, _, _ = broken_run
    r = run_module("cbpfconform", "run", "--impl", "vm", "--corpus", str(corpus),
                   "--out", str(tmp_path / "o"), "--build", BUILD, "--allow-broken", "--quiet")
    assert r.returncode == 0, r.stderr


def test_unreadable_case_file_is_broken(tmp_path):
    (tmp_path / "gone.case").symlink_to(tmp_path / "nowhere")
    loaded = corpus_mod.load(str(tmp_path), BUILD, CBPF)
    assert loaded.broken == [{"case": "gone", "status": "broken",
                              "error": f"{tmp_path}/gone.case: cannot read: "
                                       f"No such file or directory"}]


def test_parse_rejects_a_huge_hex_packet(tmp_path):
    p = tmp_path / "x.case"
    p.write_text("description: d\nprogram:\n  6 0 0 1\npacket: " + "00" * (4 << 20 | 1) + "\n")
    with pytest.raises(casefile.CaseError) as e:
        casefile.parse(str(p), str(tmp_path))
    assert str(e.value) == f"{p}:4: packet: 4194305 bytes is over the limit of 4194304 (4 MiB)"


def test_packets_from_is_for_linux(tmp_path):
    p = tmp_path / "x.case"
    p.write_text("description: d\nprofile: seccomp\nprogram:\n  6 0 0 0\npackets-from: a.pcap\n")
    with pytest.raises(casefile.CaseError) as e:
        casefile.parse(str(p), str(tmp_path))
    assert str(e.value) == f"{p}:5: packets-from: is for profile linux (frames, not seccomp_data)"
