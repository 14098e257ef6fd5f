"""test_bad_input: a fuzz-style sweep of bad input through every command
and every file format: malformed, truncated, huge (100 MB, 10^6
instructions, 10 MB lines), NUL bytes, invalid UTF-8 and adversarial
inputs (deep nesting, numbers past every limit, counts that lie). Each
must give:
  - a documented exit status (each command's --help: 2 an unparsable
    input and usage errors, from every command; 1 only a program Linux
    refuses);
  - a one-line error naming the file and the line:col or the instruction
    (`FILE:LINE:COL: why`, `FILE: insn N: why`, `cbpf: FILE: why` for a
    file that cannot be read at all), no traceback; usage errors may add
    one line pointing at --help; an echoed argument is cut at 64..128
    characters, so an error line stays short whatever the input;
  - bounded memory: peak RSS (getrusage of the child, the Release build)
    at most MEM_BOUND_KB whatever the input (docs/status.md states it:
    inputs over 64 MiB are refused when that much has been read);
  - no output file half-written: `-O FILE` / `-o FILE` / the reports stay
    as they were (or absent) when the run fails, and no temporary file is
    left behind.
The sweep is seeded and takes well under a minute.
"""
import json
import os
import random
import re
import struct
import subprocess
import tempfile

import pytest

from conftest import CBPF, SRC, py_env

FORMATS = ("bpfasm", "tcpdump", "dd", "ddd", "bytecode", "c", "json", "raw")
# The Release build measures memory (ASan's shadow and quarantine would
# dominate); the sweep itself runs CBPF (the sanitized build under make test).
RELEASE = os.path.join(SRC, "build", "bin", "cbpf")
MEM_BOUND_KB = 96 * 1024
SEED = 15
PROG = "ld [x+4]\nldh [12]\njeq #0x800, ok\nldx 4*([14]&0xf)\nok: ret #0x40000\nret a\n"


# The peak RSS of a command is its own only when its parent is small: Linux
# carries the peak of the pre-exec image (here pytest's, the forked copy)
# into ru_maxrss across execve. So a fresh small python3 forks and execs
# the command and reports the wait4 figure.
SPAWN = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
"""


def measured(args, stdin=None, binary=CBPF, timeout=120, rss=False):
    """(status, stdout bytes, stderr text, peak RSS in KiB or None)."""
    inp = open(stdin, "rb") if isinstance(stdin, str) else subprocess.DEVNULL
    argv = [binary, *args]
    rss_file = None
    if rss:
        fd, rss_file = tempfile.mkstemp(prefix="cbpf-rss-")
        os.close(fd)
        argv = ["/usr/bin/python3", "-c", SPAWN, rss_file] + argv
    try:
        p = subprocess.run(argv, stdin=inp, capture_output=True, env=py_env(), timeout=timeout)
        peak = None
        if rss_file:
            with open(rss_file) as f:
                peak = int(f.read() or -1)
    finally:
        if inp is not subprocess.DEVNULL:
            inp.close()
        if rss_file:
            os.unlink(rss_file)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace"), peak


def printed(fmt, text=PROG):
    r = subprocess.run([CBPF, "asm", "-o", fmt, "-"], input=text.encode(), capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


LOCATED = r"(:\d+:\d+: |: insn \d+: |:\d+: )"


def assert_one_line_error(err, name, located=True, hint_ok=False):
    lines = err.splitlines()
    assert lines, "no error message"
    if hint_ok and len(lines) == 2:
        assert "--help" in lines[1], lines
        lines = lines[:1]
    assert len(lines) == 1, lines[:5]
    line = lines[0]
    assert "Traceback" not in err and "AddressSanitizer" not in err
    assert len(line) <= 400, line[:200] + "..."
    assert name in line, (name, line)
    if located:
        assert re.search(re.escape(name) + LOCATED, line) or \
            line.startswith(f"cbpf: {name}: "), line


# ---- inputs ----------------------------------------------------------------

def _million(fmt):
    """A program of 10^6 instructions in fmt."""
    one = printed(fmt, "ret #0\n")
    n = 10 ** 6
    if fmt == "raw":
        return one * n
    if fmt in ("bpfasm", "json", "bytecode", "tcpdump"):
        return {"bpfasm": b"\tret #0\n" * n,
                "json": b"[" + b",".join([b"[6,0,0,0]"] * n) + b"]",
                "bytecode": f"{n},".encode() + b",".join([b"6 0 0 0"] * n) + b"\n",
                "tcpdump": b"".join(b"(%03d) ret      #0\n" % (i % 1000) for i in range(n))}[fmt]
    body = one.splitlines(keepends=True)[-1] if fmt == "ddd" else one
    head = f"{n}\n".encode() if fmt == "ddd" else b""
    return head + body * n


HEAVY = ("long-line", "long-comment", "million")


def bad_inputs(fmt):
    """{name: bytes} of malformed inputs of one format."""
    rnd = random.Random(f"{SEED}-{fmt}")
    good = printed(fmt)
    out = {
        "empty-line": b"\n",
        "truncated-half": good[:len(good) // 2],
        "truncated-1": good[:-1] if fmt == "raw" else good[:-3],
        "nul": good[:5] + b"\0" + good[5:],
        "invalid-utf8": good[:3] + b"\xff\xc3\x28" + good[3:],
        "garbage": bytes(rnd.randrange(256) for _ in range(4096)),
        "long-line": good[:4] + b"9" * (10 << 20) + b"\n",
        "long-comment": (b"; " if fmt == "bpfasm" else b"# ") + b"x" * (10 << 20) + b"\n" + good,
        "million": _million(fmt),
    }
    if fmt == "json":
        out["deep"] = b"[" * 1000000
        out["bignum"] = b"[[6,0,0,99999999999999999999999999]]"
    if fmt in ("ddd", "bytecode"):
        out["count-lies"] = b"4294967296\n6 0 0 0\n" if fmt == "ddd" else b"3,6 0 0 0,\n"
    if fmt == "bpfasm":
        out["labels"] = b"".join(b"jmp l%d\n" % i for i in range(70000))
        out["bignum"] = b"ret #99999999999999999999999999999\n"
        out["long-label"] = b"ja " + b"l" * (1 << 20) + b"\n"
    if fmt == "raw":
        out["one-byte"] = b"\x06"
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    out = {}
    for fmt in FORMATS:
        for name, data in bad_inputs(fmt).items():
            p = d / f"{fmt}-{name}"
            p.write_bytes(data)
            out[(fmt, name)] = str(p)
    big = d / "huge-100MB"
    with open(big, "wb") as f:
        f.write(b"\tret #0\n" * ((100 << 20) // 8))
    out["huge"] = str(big)
    return out


# ---- program readers: disasm, asm, check, run -------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_every_bad_input(files, fmt, tmp_path):
    seen = []
    for (f, name), path in sorted((k, v) for k, v in files.items() if isinstance(k, tuple)):
        if f != fmt:
            continue
        base = os.path.basename(path)
        cmds = [["disasm", "-f", fmt], ["check"]]
        if name not in HEAVY:  # the same readers: the large inputs once each
            cmds += [["disasm"], ["check", "-f", fmt], ["run", "-f", fmt, path, "00"]]
        if fmt == "bpfasm":
            cmds.append(["asm"])
        for cmd in cmds:
            args = cmd + ([] if cmd[0] == "run" else [path])
            rc, out, err, _ = measured(args)
            seen.append((base, " ".join(cmd[:1]), rc))
            if rc == 0:
                continue  # still a valid program (a truncation at a line end)
            assert rc in (1, 2), (args, rc, err)
            if cmd[0] in ("run", "check") and rc == 1:
                # a program that reads but Linux refuses: the validator's
                # lines, one per problem (FILE: insn N: rule: why, or
                # FILE: rule: why for the whole program), then run's verdict
                assert all(l.startswith(f"{path}: ") for l in err.splitlines()), err
                continue
            assert_one_line_error(err, path)
            # unreadable or unparsable input: 2 from every command (README,
            # "Exit status"); 1 is only a program Linux refuses
            assert rc == 2, (args, rc, err)
    # the sweep did run everything
    assert len(seen) >= 2 * len(bad_inputs(fmt)) + 3 * (len(bad_inputs(fmt)) - len(HEAVY))


def test_exact_messages_of_the_limits(files):
    """The messages of the limits, exactly."""
    p = files[("raw", "million")]
    assert measured(["disasm", p])[:3] == (2, b"", f"{p}: insn 65535: too many instructions "
                                                   f"(1000000; the limit is 65535)\n")
    p = files[("bpfasm", "million")]
    assert measured(["check", p])[2] == f"{p}:65536:2: too many instructions (at most 65535)\n"
    p = files[("json", "deep")]
    assert measured(["disasm", p])[2] == f"{p}:1:3: code must be an integer in 0..65535\n"
    p = files["huge"]
    assert measured(["disasm", p])[:3] == (
        2, b"", f"cbpf: {p}: more than 64 MiB: larger than any program in any format "
                "(at most 65535 instructions)\n")


@pytest.mark.skipif(not os.path.exists(RELEASE), reason="no Release build (build/bin/cbpf)")
def test_memory_is_bounded(files):
    """Peak RSS of the Release build on the largest inputs, by stdin too."""
    worst = []
    for key in ("huge", ("raw", "million"), ("dd", "million"), ("bpfasm", "long-line"),
                ("json", "deep"), ("bpfasm", "labels")):
        path = files[key]
        for args, stdin in ((["disasm", path], None), (["check", "-"], path)):
            rc, _, err, rss = measured(args, stdin, binary=RELEASE, rss=True)
            assert rc in (1, 2), err
            worst.append((rss, key))
            assert rss <= MEM_BOUND_KB, (key, args, rss)
    print("peak RSS (KiB):", sorted(worst, key=lambda x: -x[0])[:3])


def test_no_half_written_output(files, tmp_path):
    """asm/disasm -O, --output, opcodes -o: a failed run leaves the target
    as it was and no temporary file."""
    target = tmp_path / "out.txt"
    for args in (["disasm", files[("raw", "million")], "-O", str(target)],
                 ["asm", files[("bpfasm", "nul")], "-O", str(target)],
                 ["disasm", files["huge"], "-O", str(target)],
                 ["check", files[("json", "deep")], "--output", str(target)],
                 ["run", "-f", "bytecode", files[("bytecode", "garbage")], "00", "--output",
                  str(target)]):
        assert measured(args)[0] in ((1, 2) if "--output" not in args else (2,)), args
        assert os.listdir(tmp_path) == []
        target.write_text("before\n")
        assert measured(args)[0] in (1, 2)  # --output: 2 only (1 is a complete answer)
        assert target.read_text() == "before\n"
        assert os.listdir(tmp_path) == ["out.txt"]
        target.unlink()
    # a directory that does not exist: one line, nothing written
    rc, _, err, _ = measured(["opcodes", "-o", str(tmp_path / "no" / "x")])
    assert (rc, err) == (2, f"cbpf: {tmp_path / 'no' / 'x'}: No such file or directory\n")


# ---- packets, pcap files, seccomp specs, contexts ------------------------------

PCAP_HDR = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def pcap_inputs():
    rec = struct.pack("<IIII", 0, 0, 4, 4) + b"abcd"
    good = PCAP_HDR + rec
    out = {f"cut-{n}": good[:n] for n in (0, 1, 10, 23, 24, 30, 39, 41)}
    out["caplen-4G"] = PCAP_HDR + struct.pack("<IIII", 0, 0, 0xffffffff, 0xffffffff) + b"ab"
    out["caplen-gt-len"] = PCAP_HDR + struct.pack("<IIII", 0, 0, 8, 4) + b"abcdefgh"
    out["pcapng"] = bytes.fromhex("0a0d0d0a") + b"\0" * 60
    out["garbage"] = bytes(random.Random(SEED).randrange(256) for _ in range(1000))
    return out


def test_pcap_files(tmp_path):
    prog = tmp_path / "p.bpf"
    prog.write_text("ret #1\n")
    for name, data in pcap_inputs().items():
        p = tmp_path / name
        p.write_bytes(data)
        rc, out, err, _ = measured(["run", str(prog), "--pcap", str(p)])
        if rc == 0:
            continue
        assert rc == 2, (name, err)
        assert_one_line_error(err, str(p), located=False)
        assert re.match(rf"cbpf: {re.escape(str(p))}: (offset \d+: |not a pcap)", err) or \
            "offset" in err, (name, err)


@pytest.mark.skipif(not os.path.exists(RELEASE), reason="no Release build (build/bin/cbpf)")
def test_pcap_of_a_million_records_runs_in_constant_memory(tmp_path):
    prog = tmp_path / "p.bpf"
    prog.write_text("ret #1\n")
    p = tmp_path / "many.pcap"
    p.write_bytes(PCAP_HDR + (struct.pack("<IIII", 0, 0, 1, 1) + b"a") * 10 ** 6)
    rc, out, err, rss = measured(["run", str(prog), "--pcap", str(p)], binary=RELEASE, rss=True)
    assert (rc, out.count(b"\n")) == (0, 10 ** 6), err
    assert rss <= 16 * 1024, rss


LONG = "z" * 100000


@pytest.mark.parametrize("args,status,start", [
    (["run", "P", "0"], 2, "cbpf run: packet '0': odd number of hex digits"),
    (["run", "P", LONG], 2, "cbpf run: packet '" + "z" * 64 + "...': "),
    (["run", "P", "--ctx", "len=" + "9" * 100000, "00"], 2, "cbpf run: --ctx 'len=999"),
    (["run", "P", "--ctx", "nosuch=1", "00"], 2, "cbpf run: --ctx 'nosuch=1': unknown key"),
    (["run", "P", "--ctx-json", "[" * 100000, "00"], 2, "cbpf run: --ctx-json '[[["),
    (["run", "--profile", "seccomp", "P", "--seccomp", "nr=" + "9" * 100000], 2,
     "cbpf run: --seccomp 'nr=999"),
    (["run", "--profile", "seccomp", "P", "--seccomp", "args=1:2:3:4:5:6:7"], 2,
     "cbpf run: --seccomp 'args=1:2:3:4:5:6:7': args: at most 6 values"),
    (["seccomp", "data", "nr=" + "9" * 100000], 2, "cbpf seccomp data: argument 1 'nr=999"),
    (["seccomp", "data", "arch=\xff"], 2, "cbpf seccomp data: argument 1 'arch="),
    (["seccomp", "action", "ERRNO(" + "9" * 100000 + ")"], 2,
     "cbpf seccomp action: argument 1 'ERRNO(999"),
    (["kernel", "run", "P", LONG], 2, "cbpf kernel run: packet '" + "z" * 64 + "...': "),
    (["kernel", "run", "--via", "seccomp", "P", "nr=" + "9" * 100000], 2,
     "cbpf kernel run: seccomp input 'nr=999"),
    (["disasm", "-f", "nosuch", "P"], 2, "cbpf disasm: unknown format 'nosuch'"),
    (["check", "--profile", "x" * 50, "P"], 2, "cbpf check: unknown profile 'xxx"),
    (["asm", "--nosuch"], 2, "cbpf asm: unknown option '--nosuch'"),
    (["run", "P", "--pcap"], 2, "cbpf run: "),
    (["opcodes", "-o"], 2, "cbpf opcodes: "),
    (["kernel", "run", "--mark", "-1", "P", "00"], 2, "cbpf kernel run: bad --mark '-1'"),
    (["nosuch"], 2, "cbpf: unknown command 'nosuch'"),
])
def test_bad_arguments(tmp_path, args, status, start):
    prog = tmp_path / "p.bpf"
    prog.write_text("ld #1\nret a\n")
    args = [str(prog) if a == "P" else a for a in args]
    rc, out, err, _ = measured(args)
    assert rc == status, err
    first = err.splitlines()[0]
    assert first.startswith(start), first[:300]
    assert len(first) <= 400, first[:300]
    assert "Traceback" not in err


# ---- the plugin protocol on stdin ------------------------------------------------

def test_plugin_lines(tmp_path):
    """Each bad line gets its own one-line error response; the plugin goes
    on to the next line and exits 0; a line over 64 MiB is refused while it
    is read (bounded memory)."""
    lines = [b"\xff\xfe\0\0", b"[" * 100000, b'{"id":1}', b'{"id":2,"profile":"linux",'
             b'"program":[[6,0,0,1]],"packets":["0"]}', b"\0" * 1000,
             b'{"id":3,"profile":"linux","program":[[6,0,0,1]],"packets":["' +
             b"00" * (33 << 20) + b'"]}',
             b'{"id":4,"profile":"linux","program":[[6,0,0,1]],"packets":["00"]}']
    p = tmp_path / "in.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    rc, out, err, rss = measured(["plugin"], str(p),
                                 binary=RELEASE if os.path.exists(RELEASE) else CBPF, rss=True)
    assert rc == 0, err
    resp = [json.loads(l) for l in out.splitlines()]
    assert len(resp) == len(lines)
    assert [r["load"] for r in resp] == ["error"] * 6 + ["ok"]
    assert resp[5]["reason"] == "line longer than 67108864 bytes (the limit)"
    assert resp[1]["reason"] == "bad JSON: col 65: nesting deeper than 64"
    if os.path.exists(RELEASE):
        assert rss <= MEM_BOUND_KB, rss


# ---- Python readers: results.json, case files, triage inputs ------------------------

RESULTS_BAD = {
    "deep": (b"[" * 100000, "not JSON (nested too deeply)"),
    "utf8": (b'{"a": "\xff"}', "not JSON ("),
    "nul": (b"\0\0\0", "not JSON ("),
    "list": (b"[1, 2]", "not a results.json: a JSON object is expected, got list"),
}


def _results_doc():
    from test_ci_output import broken_doc
    return broken_doc()


def _wrong_shapes():
    """results.json documents with a field of the wrong type or value, each
    with the message naming it."""
    out = {}

    def variant(name, edit, msg):
        d = _results_doc()
        edit(d)
        out[name] = (json.dumps(d).encode(), msg)
    variant("opcodes", lambda d: d["cases"][0].__setitem__("opcodes", "zz"),
            "not a results.json: cases[0].opcodes: a list of integers is expected")
    variant("mismatches", lambda d: d["cases"][0]["outcomes"]["libpcap"].__setitem__(
        "mismatches", "x"), "not a results.json: cases[0].outcomes.libpcap.mismatches: "
                            "a list of objects with an integer packet is expected")
    variant("tag", lambda d: d["cases"][0].__setitem__("tags", ["opcode=zz"]),
            "not a results.json: cases[0].tags: 'opcode=zz' is not opcode=0xNN")
    variant("lens", lambda d: d["cases"][0].__setitem__("packet_lens", []),
            "not a results.json: cases[0].packet_lens: 1 packets, 0 lengths")
    variant("responses", lambda d: d["cases"][0].__setitem__("responses", {"vm": 1}),
            "not a results.json: cases[0].responses.vm: an object is expected")
    variant("cause", lambda d: d["cases"][0]["outcomes"]["libpcap"].__setitem__("cause", 7),
            "not a results.json: cases[0].outcomes.libpcap.cause: a string is expected")
    variant("asm", lambda d: d["cases"][0].__setitem__("asm", ["x"]),
            "not a results.json: cases[0].asm: a string is expected")
    variant("names", lambda d: d.__setitem__("opcode_names", {"zz": 1}),
            "not a results.json: opcode_names: 'zz' is not 0xNN")
    variant("generated", lambda d: d.__setitem__("generated", 5),
            "not a results.json: 'generated' missing or not str")
    return out


def test_results_json(tmp_path):
    """render and merge: a one-line error naming the file, status 2, and
    the reports as they were (all three, not some)."""
    out = tmp_path / "out"
    out.mkdir()
    for n in ("results.json", "summary.md", "index.html"):
        (out / n).write_text("before\n")
    cases = dict(RESULTS_BAD, **_wrong_shapes())
    for k, (name, (data, msg)) in enumerate(cases.items()):
        p = tmp_path / f"{name}.json"
        p.write_bytes(data)
        # merge reads the same way (read_results): a few of them there too
        for cmd in (["render", str(p)], ["merge", str(p)])[:2 if k < 3 else 1]:
            rc, _, err, _ = measured(["corpus", *cmd, "--out", str(out), "--quiet",
                                      "--junit", str(tmp_path / "j.xml")])
            assert rc == 2, (name, err)
            assert err.startswith(f"conform: {p}: {msg}"), (name, err)
            assert_one_line_error(err, str(p), located=False)
            assert sorted(os.listdir(out)) == ["index.html", "results.json", "summary.md"]
            assert all((out / n).read_text() == "before\n" for n in os.listdir(out))
            assert not (tmp_path / "j.xml").exists()


def test_case_files(tmp_path):
    """Case files with NUL bytes, invalid UTF-8, 10 MB lines, 10^5 packet
    lines: each broken with FILE:LINE: why, in one line; 100 MB reads."""
    from cbpfconform import casefile
    head = b"description: d\nprogram:\n  6 0 0 1\n"
    bad = {
        "nul": (head + b"packet: 00\0\n", 4),
        "utf8": (head + b"packet: \xff\n", 4),
        "longline": (head + b"packet: " + b"0" * (10 << 20) + b"1\n", 4),
        "manypackets": (head + b"packet: 00\n" * 10 ** 5 + b"packet: zz\n", 10 ** 5 + 4),
    }
    for name, (data, line) in bad.items():
        p = tmp_path / f"{name}.case"
        p.write_bytes(data)
        with pytest.raises(casefile.CaseError) as e:
            casefile.parse(str(p), str(tmp_path))
        msg = str(e.value)
        assert "\n" not in msg and len(msg) <= 400, msg[:300]
        assert msg.startswith(f"{p}:{line}: "), msg
    # a 100 MB comment is no error: the case reads
    p = tmp_path / "huge.case"
    p.write_bytes(head + b"# " + b"x" * (100 << 20) + b"\npacket: 00\n")
    assert casefile.parse(str(p), str(tmp_path)).packets == [b"\0"]


def test_triage_inputs(tmp_path):
    """cbpf triage on garbage: a one-line error naming the input, status 2;
    bytes that are no text or JSON are a raw fuzzer input (fuzz/fz_input.c),
    which triage runs."""
    cases = {"deep.json": b"[" * 100000, "utf8.json": b'{"a":"\xff"}',
             "prog.txt": b"ret #1\n", "huge.json": b"[" + b"1," * (1 << 20) + b"1]",
             "obj.json": b'{"cases": 1, "impls": []}',
             "prog.json": b'{"cases": [{"id": "a", "outcomes": {"x": {"status": "diverge"}}, '
                          b'"program": "zz"}], "impls": {}}',
             "case.json": b'{"cases": [7], "impls": {}}'}
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        rc, _, err, _ = measured(["triage", str(p), "--no-file"])
        assert rc == 2, (name, err)
        assert err.startswith(f"cbpf triage: {p}"), (name, err)
        assert_one_line_error(err, str(p), located=False)
    p = tmp_path / "nul"
    p.write_bytes(b"\0" * 100)
    rc, _, err, _ = measured(["triage", str(p), "--no-file", "--impl", "vm"])
    assert rc == 1 and "Traceback" not in err, err


# ---- seccomp policies (--policy FILE) ----------------------------------------

POLICY = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
          "architectures": ["SCMP_ARCH_X86_64"],
          "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
          "flags": ["SECCOMP_FILTER_FLAG_LOG"],
          "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW",
                        "includes": {"arches": ["amd64"], "caps": ["CAP_KILL"],
                                     "minKernel": "3.0"},
                        "excludes": {"caps": ["CAP_SYS_ADMIN"], "minKernel": "255.0"}},
                       {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9,
                        "args": [{"index": 0, "value": 2, "valueTwo": 0, "op": "SCMP_CMP_LE"}]}]}
# a policy's errors name the file and the line:col (syntax) or the JSON path
POLICY_LOCATED = r"(:\d+:\d+: |: [A-Za-z][A-Za-z0-9_.\[\]]*: |: )"
POLICY_MEM_BOUND_KB = 48 * 1024


def _paths(v, path=()):
    """Every path of a JSON value (dict keys, list indices)."""
    yield path
    items = v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else ()
    for k, x in items:
        yield from _paths(x, path + (k,))


def _replaced(doc, path, value):
    doc = json.loads(json.dumps(doc))
    if not path:
        return value
    at = doc
    for k in path[:-1]:
        at = at[k]
    at[path[-1]] = value
    return doc


def policy_inputs():
    rnd = random.Random(f"{SEED}-policy")
    good = json.dumps(POLICY, indent=1).encode()
    out = {"empty": b"", "truncated-half": good[:len(good) // 2], "truncated-1": good[:-1],
           "nul": good[:20] + b"\0" + good[20:], "invalid-utf8": good[:30] + b"\xff\xc3\x28" +
           good[30:], "garbage": bytes(rnd.randrange(256) for _ in range(4096)),
           "long-line": b'{"defaultAction": "' + b"A" * (10 << 20) + b'"}',
           "deep": b"[" * 1000000,
           "million": b'{"defaultAction": "SCMP_ACT_ALLOW", "flags": [' +
                      b",".join([b'"x"'] * 10 ** 6) + b"]}",
           "bignum": b'{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1e999}'}
    lines = b"default errno(1)\narch x86_64\nallow read write\nerrno(9) close a0 <= 2\n"
    out.update({"lines-truncated": lines[:-7], "lines-nul": lines[:20] + b"\0" + lines[20:],
                "lines-utf8": lines[:25] + b"\xff\xc3\x28" + lines[25:],
                "lines-long": b"default allow\nallow " + b"r" * (3 << 20) + b"\n",
                "lines-wide": b"default allow\nlog" + b" read" * 100000 + b"\n",
                "lines-many": b"default allow\n" + b"log read\n" * 400000,
                "lines-bignum": b"default errno(99999999999999999999999)\n"})
    # every value of the good policy replaced by every other JSON type
    for path in _paths(POLICY):
        for j, v in enumerate((None, True, "x", 1.5, -1, [], {}, 2 ** 64)):
            name = "mut-" + "-".join(map(str, path)) + f"-{j}"
            out[name] = json.dumps(_replaced(POLICY, path, v)).encode()
    return out


def test_policy_files(tmp_path):
    ran = 0
    for name, data in sorted(policy_inputs().items()):
        p = tmp_path / name
        p.write_bytes(data)
        cmds = [["check", "--policy", str(p)]]
        if not name.startswith("mut-"):
            cmds += [["disasm", "--policy", str(p)], ["run", "--policy", str(p), "--seccomp",
                                                      "nr=read"]]
        for args in cmds:
            rc, out, err, _ = measured(args)
            ran += 1
            if rc == 0:
                continue  # still a policy (e.g. a value where any is taken)
            assert (rc, out) == (2, b""), (name, args, err)
            lines = err.splitlines()
            assert len(lines) == 1 and len(lines[0]) <= 400, (name, lines[:3])
            assert "Traceback" not in err and "AddressSanitizer" not in err
            assert re.match(re.escape(str(p)) + POLICY_LOCATED, lines[0]) or \
                lines[0].startswith(f"cbpf: {p}: "), (name, lines[0])
    assert ran > 280


@pytest.mark.skipif(not os.path.exists(RELEASE), reason="no Release build (build/bin/cbpf)")
def test_policy_memory_is_bounded(tmp_path):
    """4 MiB of input at most, 65536 JSON values, 4096 rules."""
    worst = []
    for name in ("long-line", "deep", "million", "lines-long", "lines-wide", "lines-many"):
        p = tmp_path / name
        p.write_bytes(policy_inputs()[name])
        for args, stdin in ((["check", "--policy", str(p)], None),
                            (["check", "--policy", "-"], str(p))):
            rc, _, err, rss = measured(args, stdin, binary=RELEASE, rss=True)
            assert rc == 2, err
            worst.append((rss, name))
            assert rss <= POLICY_MEM_BOUND_KB, (name, args, rss)
    print("peak RSS (KiB):", sorted(worst, key=lambda x: -x[0])[:3])
