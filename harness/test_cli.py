"""test_cli: `python3 -m cbpfconform` (`cbpf corpus`) end to end on small selections: shards and their
merge, the exit status (broken case, our VM diverging, a peer diverging),
a third-party plugin joining by its command, the recorded expectation as
reference without a kernel, and atomic report files.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD, run_module

LIAR = '''
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    out = {"id": r["id"], "load": "ok", "results": [{"verdict": 0, "abort": None} for _ in r["packets"]]}
    print(json.dumps(out), flush=True)
'''


def conform(*args, cwd=None):
    return run_module("cbpfconform", *args, "--build", BUILD, cwd=cwd)


def outputs_ok(d):
    names = sorted(os.listdir(d))
    assert {"results.json", "summary.md", "index.html"} <= set(names)
    assert not [n for n in names if n.startswith(".tmp-")]
    with open(os.path.join(d, "results.json")) as f:
        return json.load(f)


def test_shards_merge_to_the_whole(tmp_path, build_dir):
    only = "quirks/1_shift_x/*,quirks/2_div_x_zero/*"
    whole = conform("run", "--impl", "vm", "--only", only, "--out", str(tmp_path / "w"))
    assert whole.returncode == 0, whole.stderr
    parts = []
    for k in (1, 2):
        r = conform("run", "--impl", "vm", "--only", only, "--shard", f"{k}/2",
                    "--out", str(tmp_path / f"s{k}"))
        assert r.returncode == 0, r.stderr
        parts.append(str(tmp_path / f"s{k}" / "results.json"))
    m = run_module("cbpfconform", "merge", *parts, "--out", str(tmp_path / "m"))
    assert m.returncode == 0, m.stderr
    w, merged = outputs_ok(tmp_path / "w"), outputs_ok(tmp_path / "m")
    assert [c["id"] for c in merged["cases"]] == [c["id"] for c in w["cases"]]
    assert len(w["cases"]) == 13
    assert merged["summary"]["vm"] == w["summary"]["vm"]
    assert merged["shards"] == ["1/2", "2/2"]
    # Without a kernel, the recorded expectation is the reference.
    assert {c["reference"] for c in w["cases"]} == {"recorded"}
    assert w["summary"]["vm"]["pass"] == 13


def test_broken_case_fails_the_run_and_names_file_and_line(tmp_path, build_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.case").write_text("description: ok\nprogram:\n  6 0 0 1\npacket: 00\n"
                                      "expect-load: ok\nexpect:\n  1\n")
    (corpus / "bad.case").write_text("description: broken\nprogram:\n  6 0 0\n")
    r = conform("run", "--impl", "vm", "--corpus", str(corpus), "--out", str(tmp_path / "o"))
    assert r.returncode == 1
    assert f"{corpus / 'bad.case'}:3: program line needs 'code jt jf k'" in r.stderr
    doc = outputs_ok(tmp_path / "o")
    assert doc["broken"][0]["case"] == "bad"
    assert doc["summary"]["vm"]["pass"] == 1


def test_third_party_plugin_and_exit_status(tmp_path, build_dir):
    liar = tmp_path / "liar.py"
    liar.write_text(LIAR)
    only = "quirks/4_nodev/*"
    r = conform("run", "--impl", f"vm,liar={sys.executable} {liar}", "--only", only,
                "--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr      # a peer diverging is not a failure
    doc = outputs_ok(tmp_path / "a")
    s = doc["summary"]["liar"]
    assert s["diverge"] == 4 and s["pass"] == 2   # A = 0 cases return 0 anyway
    assert "liar" in r.stdout
    r = conform("run", "--impl", f"vm={sys.executable} {liar}", "--only", only,
                "--out", str(tmp_path / "b"))
    assert r.returncode == 1                 # "our VM" diverging fails the run


def test_unknown_impl_is_a_usage_error(tmp_path, build_dir):
    r = conform("run", "--impl", "bogus", "--only", "none", "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert "unknown implementation 'bogus'" in r.stderr


def test_missing_peer_is_skipped_with_reason(tmp_path, build_dir):
    r = conform("run", "--impl", "vm,gone=/nonexistent/plugin", "--only", "quirks/4_nodev/*",
                "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    doc = outputs_ok(tmp_path / "o")
    assert doc["summary"]["gone"]["skipped"] == 6
    assert "does not exist" in next(iter(doc["summary"]["gone"]["skip_reasons"]))


def test_help_names_the_cbpf_commands(build_dir, tmp_path):
    """`cbpf corpus CMD --help` and `cbpf triage --help` are the commands'
    own help: usage line, options, exit status (not conform.py, cli.py or a
    module docstring)."""
    cbpf = os.path.join(BUILD, "bin", "cbpf")
    for cmd in ("run", "record", "merge", "render"):
        r = subprocess.run([cbpf, "corpus", cmd, "--help"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(f"usage: cbpf corpus {cmd} ")
        assert "conform.py" not in r.stdout and "exit status:" in r.stdout
    r = subprocess.run([cbpf, "triage", "--help"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: cbpf triage INPUT...")
    assert "--impl NAME" in r.stdout and "exit status:" in r.stdout
    assert "cli.py" not in r.stdout and "cli:" not in r.stdout
    r = subprocess.run([cbpf, "triage", "fuzz", "--help"], capture_output=True, text=True)
    assert r.stdout.startswith("usage: cbpf triage fuzz ") and "diff_fuzz" not in r.stdout
    # `cbpf corpus --help` is the package's own help, not a second text in C.
    r = subprocess.run([cbpf, "corpus", "--help"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    py = run_module("cbpfconform", "--help")
    assert r.stdout == py.stdout
    assert r.stdout.startswith("usage: cbpf corpus COMMAND [OPTIONS]\n")
    assert all(f"\n  {c} " in r.stdout for c in ("run", "record", "merge", "render"))
    assert "exit status:" in r.stdout and "cli.py" not in r.stdout
    for argv in (["corpus"], ["corpus", "nope"], ["triage"]):
        r = subprocess.run([cbpf, *argv], capture_output=True, text=True)
        assert r.returncode == 2 and r.stdout == ""
        assert f"usage: cbpf {argv[0]} " in r.stderr and f"`cbpf {argv[0]} --help`" in r.stderr


def test_installed_commands_find_their_package(build_dir, tmp_path):
    """`cmake --install` installs the package; the installed cbpf finds it
    beside itself, with CBPF_SRC unset and from another directory."""
    if not shutil.which("cmake"):
        pytest.skip("no cmake")
    prefix = tmp_path / "prefix"
    r = subprocess.run(["cmake", "--install", BUILD, "--prefix", str(prefix)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (prefix / "share/cbpf/python/cbpfconform/causes.json").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("CBPF_SRC", "PYTHONPATH")}
    cbpf = str(prefix / "bin" / "cbpf")
    for argv, head in ((["corpus", "--help"], "usage: cbpf corpus COMMAND"),
                       (["corpus", "run", "--help"], "usage: cbpf corpus run "),
                       (["triage", "--help"], "usage: cbpf triage INPUT...")):
        r = subprocess.run([cbpf, *argv], capture_output=True, text=True, env=env,
                           cwd=str(tmp_path))
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(head)
    # The installed copy runs, not the source tree's: without it, a clear error.
    shutil.rmtree(prefix / "share/cbpf/python")
    r = subprocess.run([cbpf, "corpus", "run", "--help"], capture_output=True, text=True,
                       env=env, cwd=str(tmp_path))
    assert r.returncode == 2
    assert r.stderr == (f"cbpf corpus: the Python package cbpfconform is not in "
                        f"{prefix}/bin/../share/cbpf/python (install it with `cmake --install`, "
                        f"or set CBPF_SRC to the source tree)\n")


def test_opcode_names_are_the_disassemblers(build_dir):
    """The report's opcode names are the bpf_asm words the reproducers use
    (`ld #len`, not tcpdump's `ld #pktlen`)."""
    from cbpfconform import cli
    names = cli.opcode_names(os.path.join(BUILD, "bin", "cbpf"))
    assert len(names) == 49
    assert (names["0x80"], names["0x81"], names["0x05"], names["0x15"], names["0x16"],
            names["0xb1"], names["0x00"]) == \
        ("ld #len", "ldx #len", "ja", "jeq #0x0", "ret a", "ldxb 4*([0]&0xf)", "ld #0x0")


# Issue 16: every cbpf command reports a failed write on stdout (here a
# full device) in one line and exits non-zero, whatever it printed; the
# check is made once, when the command returns (tools/main.c). A 5000-
# instruction program makes disasm's and check's output outgrow stdio's
# buffer, so the failure also happens in the middle of a run.
STDOUT_COMMANDS = [
    ["kernel", "env"], ["kernel", "env", "--json"], ["kernel", "run", "{prog}", "00", "11"],
    ["check", "{prog}"], ["check", "--load", "{big}"], ["disasm", "{prog}"], ["disasm", "{big}"],
    ["run", "{prog}", "00"], ["asm", "{prog}"], ["opcodes"], ["--help"], ["kernel", "--help"],
    ["seccomp", "data", "nr=1"],
]


@pytest.mark.parametrize("args", STDOUT_COMMANDS, ids=lambda a: " ".join(a))
def test_stdout_write_failure_is_an_error(args, tmp_path, build_dir):
    prog, big = tmp_path / "one.bpf", tmp_path / "big.bpf"
    prog.write_text("ret #1\n")
    big.write_text("ld #1\n" * 5000 + "ret a\n")
    argv = [a.format(prog=prog, big=big) for a in args]
    with open("/dev/full", "w") as full:
        r = subprocess.run([os.path.join(BUILD, "bin", "cbpf"), *argv], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr == "cbpf: <stdout>: No space left on device\n"


@pytest.mark.parametrize("cmd", [["plugin"], ["kernel", "plugin"]], ids=" ".join)
def test_plugin_stdout_write_failure_is_an_error(cmd, build_dir):
    req = '{"id":1,"profile":"linux","program":[[6,0,0,1]],"packets":["00"]}\n'
    with open("/dev/full", "w") as full:
        r = subprocess.run([os.path.join(BUILD, "bin", "cbpf"), *cmd], input=req, stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr == "cbpf: <stdout>: No space left on device\n"
