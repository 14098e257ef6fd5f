"""test_casefile: the case file schema (corpus/README.md): round trips, and
a clear FILE:LINE error for every kind of broken file.
"""
import os

import pytest

from cbpfconform import casefile

GOOD = """# a comment
description: lsh x by 33
profile: linux
tags: linux-semantics=alu.shift-x-masked
program:
  0x00 0 0 3      ; ld #3
  0x01 0 0 0x21   ; ldx #33
  0x6c 0 0 0
  0x16 0 0 0
packet: 0001020304
packet: pattern 70
expect-load: ok
expect:
  6
  0 abort=load inexact
recorded: env/x.json
"""


def write(tmp_path, text, name="c.case"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_parse_good(tmp_path):
    c = casefile.parse(write(tmp_path, GOOD), str(tmp_path))
    assert c.id == "c"
    assert c.program == [[0, 0, 0, 3], [1, 0, 0, 33], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]]
    assert c.program_comments[0] == "ld #3"
    assert c.packets[0] == bytes([0, 1, 2, 3, 4])
    assert c.packets[1] == bytes((i + 5) & 0xff for i in range(70))
    assert c.expect_load == "ok"
    assert [(e.verdict, e.abort, e.exact) for e in c.expect] == [(6, None, True), (0, "load", False)]
    assert c.recorded == "env/x.json"


def test_render_round_trip(tmp_path):
    c = casefile.parse(write(tmp_path, GOOD), str(tmp_path))
    again = casefile.parse(write(tmp_path, casefile.render(c), "d.case"), str(tmp_path))
    for f in ("description", "profile", "tags", "program", "packets", "expect_load", "recorded"):
        assert getattr(again, f) == getattr(c, f)
    assert [(e.verdict, e.abort, e.exact) for e in again.expect] == \
        [(e.verdict, e.abort, e.exact) for e in c.expect]
    assert "packet: pattern 70" in casefile.render(c)
    assert casefile.render(c).startswith("# a comment\n")


def test_seccomp_input_is_host_order_seccomp_data(build_dir, tmp_path):
    text = ("description: d\nprofile: seccomp\nprogram:\n  6 0 0 0x7fff0000\n"
            "input: nr=39,args=1:0x100000000\ninput: nr=write, arch=i386, ip=0x10\ninput:\n")
    c = casefile.parse(write(tmp_path, text), str(tmp_path))
    d = c.packets[0]
    assert len(d) == 64
    assert d[0:4] == (39).to_bytes(4, "little")
    assert d[4:8] == (0xc000003e).to_bytes(4, "little")  # the host's AUDIT_ARCH (x86-64 here)
    assert d[16:24] == (1).to_bytes(8, "little")
    assert d[24:32] == (0x100000000).to_bytes(8, "little")
    # the binary's one parser: syscall and arch names, any field order
    assert c.packets[1][0:16] == (4).to_bytes(4, "little") + (0x40000003).to_bytes(4, "little") + \
        (0x10).to_bytes(8, "little")
    assert c.packets[2] == (0).to_bytes(4, "little") + (0xc000003e).to_bytes(4, "little") + bytes(56)


def test_seccomp_input_errors_name_the_line(build_dir, tmp_path):
    text = ("description: d\nprofile: seccomp\nprogram:\n  6 0 0 0\n"
            "input: nr=1\ninput: nr=nosuch\n")
    with pytest.raises(casefile.CaseError) as e:
        casefile.parse(write(tmp_path, text), str(tmp_path))
    assert str(e.value).endswith(":6: input: nr: 'nosuch' is not a syscall of x86_64")
    text = "description: d\nprofile: seccomp\nprogram:\n  6 0 0 0\ninput: nr=1 args=2\n"
    with pytest.raises(casefile.CaseError) as e:
        casefile.parse(write(tmp_path, text), str(tmp_path))
    assert str(e.value).endswith(":5: input: nr: expected a syscall name or a number "
                                 "-2147483648..4294967295, got '1 args=2'")
    text = "description: d\nprofile: seccomp\nprogram:\n  6 0 0 0\ninput: nr=1,pc=2\n"
    with pytest.raises(casefile.CaseError) as e:
        casefile.parse(write(tmp_path, text), str(tmp_path))
    assert str(e.value).endswith(":5: input: unknown field 'pc' (nr, arch, ip, args)")


@pytest.mark.parametrize("text,line,msg", [
    ("description: d\nprogram:\n  0x00 0 0\n", 3, "program line needs 'code jt jf k'"),
    ("description: d\nprogram:\n  0x10000 0 0 0\n", 3, "code 0x10000 out of range"),
    ("description: d\nprogram:\n  6 0 0 zz\n", 3, "'zz' is not a number"),
    ("description: d\nprogram:\n  6 0 0 0\npacket: 0g\n", 4, "packet: neither hex"),
    ("description: d\nprogram:\n  6 0 0 0\nfoo: 1\n", 4, "unknown key 'foo'"),
    ("description: d\ndescription: e\n", 2, "duplicate key 'description'"),
    ("description: d\nprofile: bsd\n", 2, "profile must be linux or seccomp"),
    ("description: d\nprogram:\n  6 0 0 0\nexpect-load: maybe\n", 4, "expect-load:"),
    ("description: d\nprogram:\n  6 0 0 0\nexpect-load: ok\nexpect:\n  1 abort=boom\n", 6,
     "unknown abort 'boom'"),
    ("description: d\n", 1, "exactly one of program:, asm:, pcap-expr:"),
    ("program:\n  6 0 0 0\n", 1, "description: is required"),
    ("description: d\nprogram:\n  6 0 0 0\npacket: 00\nexpect-load: ok\nexpect:\n  1\n  2\n", 1,
     "expect: has 2 lines for 1 packets"),
    ("description: d\n  stray\n", 2, "expected 'key: value'"),
])
def test_broken_file_names_file_and_line(tmp_path, text, line, msg):
    path = write(tmp_path, text)
    with pytest.raises(casefile.CaseError) as ei:
        casefile.parse(path, str(tmp_path))
    assert str(ei.value).startswith(f"{path}:{line}: ")
    assert msg in str(ei.value)


def test_write_atomic_leaves_no_temp_files(tmp_path):
    p = tmp_path / "sub" / "x.case"
    casefile.write_atomic(str(p), "a\n")
    casefile.write_atomic(str(p), "b\n")
    assert p.read_text() == "b\n"
    assert os.listdir(tmp_path / "sub") == ["x.case"]


def test_committed_corpus_parses_and_is_large_enough():
    from conftest import CORPUS
    paths = casefile.discover(CORPUS)
    cases = [casefile.parse(p, CORPUS) for p in paths]
    assert len(cases) >= 1500
    fams = {}
    for c in cases:
        fams[c.id.split("/")[0]] = fams.get(c.id.split("/")[0], 0) + 1
    assert fams["pcap"] >= 200
    assert fams["seccomp"] >= 20
    assert "regress" in fams
    opcodes = {i[0] for c in cases if c.program for i in c.program}
    from cbpfconform import opcodes as op
    assert op.table().codes <= opcodes
