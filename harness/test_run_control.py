"""test_run_control: what a run refuses and how it ends. `merge` takes the
shards of one run exactly once each; a run that tests nothing is an error;
--fail-on makes a peer's divergence fail the run; a hung plugin is named
while it is waited for and its case reported as a hang (--timeout); Ctrl-C
is one line and exit 130, with nothing left in the report directory; the
plugins' stderr files hold the last run's output only.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import BUILD, py_env, run_module

ONLY = "quirks/1_shift_x/*"          # 7 cases

# A plugin that answers every case with verdict 1 on every packet, except
# that it never answers a program whose first k is 0x4242. It says hello on
# stderr when it starts.
SLOW = '''
import json, os, sys, time
sys.stderr.write("hello\\n"); sys.stderr.flush()
for line in sys.stdin:
    r = json.loads(line)
    if r["program"][0][3] == 0x4242:
        if os.environ.get("SLOW_MARK"):
            open(os.environ["SLOW_MARK"], "w").close()
        time.sleep(1000)
    out = {"id": r["id"], "load": "ok", "results": [{"verdict": 1, "abort": None} for _ in r["packets"]]}
    print(json.dumps(out), flush=True)
'''

CASE = "description: {d}\nprogram:\n  6 0 0 {k}\npacket: 00\nexpect-load: ok\nexpect:\n  {v}\n"


def conform(*args, **kw):
    return run_module("cbpfconform", *args, **kw)


@pytest.fixture
def slow(tmp_path):
    p = tmp_path / "slow.py"
    p.write_text(SLOW)
    return f"slow={sys.executable} {p}"


@pytest.fixture
def small_corpus(tmp_path):
    """a, c: ret #1; b: ret #0x4242 (which hangs the slow plugin)."""
    d = tmp_path / "corpus"
    d.mkdir()
    for name, k in (("a", 1), ("b", 0x4242), ("c", 1)):
        (d / f"{name}.case").write_text(CASE.format(d=name, k=k, v=k))
    return d


@pytest.fixture(scope="module")
def shards(tmp_path_factory, build_dir):
    tmp = tmp_path_factory.mktemp("shards")
    out = {}
    for s in ("1/3", "2/3", "3/3", "1/1"):
        d = tmp / s.replace("/", "of")
        r = conform("run", "--impl", "vm", "--only", ONLY, "--shard", s, "--out", str(d),
                    "--build", BUILD, "--quiet")
        assert r.returncode == 0, r.stderr
        out[s] = str(d / "results.json")
    return out


@pytest.mark.parametrize("given,why", [
    (("1/3", "1/3", "2/3", "3/3"), "shard 1/3 given twice ({0}, {1})"),
    (("1/3", "2/3"), "shard 3/3 missing"),
    (("1/1", "1/3"), "{1}: shard 1/3 and {0}: shard 1/1 are not shards of the same run"),
])
def test_merge_refuses_shards_that_are_not_one_run(shards, tmp_path, given, why):
    files = [shards[s] for s in given]
    r = conform("merge", *files, "--out", str(tmp_path / "m"))
    assert r.returncode == 2
    assert r.stderr == f"conform: merge: {why.format(*files)}\n"
    assert not (tmp_path / "m").exists()


def test_merge_of_all_shards_is_the_whole(shards, tmp_path):
    r = conform("merge", shards["3/3"], shards["1/3"], shards["2/3"], "--out", str(tmp_path / "m"),
                "--quiet")
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "m" / "results.json").read_text())
    assert doc["shards"] == ["1/3", "2/3", "3/3"]
    assert doc["summary"]["vm"]["pass"] == 7


@pytest.mark.parametrize("text,why", [
    ("{}", "'schema' missing or not int"),
    ("[]", "a JSON object is expected, got list"),
    ("[" * 100000, "nested too deeply"),
    ('{"schema": 1, "generated": "", "corpus": "", "shards": ["1/1"], "env": {}, "impls": {}, '
     '"opcode_names": {}, "broken": [], "cases": [{"id": "x"}]}', "cases[0].description missing"),
], ids=["object", "array", "deep", "case"])
@pytest.mark.parametrize("cmd", ["merge", "render"])
def test_merge_and_render_refuse_what_is_not_results_json(tmp_path, text, why, cmd):
    f = tmp_path / "r.json"
    f.write_text(text)
    r = conform(cmd, str(f), "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith(f"conform: {f}: not a results.json: " if "nested" not in why
                               else f"conform: {f}: ")
    assert why in r.stderr and r.stderr.count("\n") == 1


def test_a_run_where_every_implementation_is_skipped_is_an_error(tmp_path, build_dir):
    r = conform("run", "--impl", "mine=/nonexistent/plugin", "--only", ONLY,
                "--out", str(tmp_path / "o"), "--build", BUILD)
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1] == ("conform: nothing was tested: every implementation "
                                         "skipped every case")


def test_a_selection_of_no_case_is_an_error(tmp_path, build_dir):
    r = conform("run", "--impl", "vm", "--only", "nosuchthing", "--out", str(tmp_path / "o"),
                "--build", BUILD)
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1].startswith("conform: --only nosuchthing selects no case in ")
    assert not (tmp_path / "o").exists()


def test_fail_on_makes_a_peers_divergence_fail_the_run(tmp_path, build_dir, small_corpus, slow):
    # The slow plugin says 1 where b expects 0x4242 ... but b hangs it; use a and a
    # liar on c instead: c expects 2.
    (small_corpus / "b.case").unlink()
    (small_corpus / "c.case").write_text(CASE.format(d="c", k=2, v=2))
    args = ["run", "--impl", f"vm,{slow}", "--corpus", str(small_corpus), "--build", BUILD,
            "--quiet"]
    r = conform(*args, "--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    r = conform(*args, "--out", str(tmp_path / "b"), "--fail-on", "slow")
    assert r.returncode == 1
    r = conform(*args, "--out", str(tmp_path / "c"), "--fail-on", "nobody")
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1] == "conform: --fail-on nobody: not an implementation of " \
                                        "this run (vm, slow)"


def test_fail_on_an_implementation_that_ran_nothing_fails(tmp_path, build_dir):
    r = conform("run", "--impl", "vm,gone=/nonexistent/plugin", "--only", ONLY, "--build", BUILD,
                "--out", str(tmp_path / "o"), "--fail-on", "gone", "--quiet")
    assert r.returncode == 1
    assert r.stderr.splitlines()[-1] == "conform: --fail-on gone: gone ran no case"


def test_a_hung_plugin_is_named_and_its_case_is_a_hang(tmp_path, build_dir, small_corpus, slow):
    t0 = time.monotonic()
    r = conform("run", "--impl", f"vm,{slow}", "--corpus", str(small_corpus), "--build", BUILD,
                "--out", str(tmp_path / "o"), "--timeout", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 < 30
    assert "conform: waiting for slow (linux): case b has had no answer for 1 s " \
           "(a hang after 2 s)\n" in r.stderr
    doc = json.loads((tmp_path / "o" / "results.json").read_text())
    out = {c["id"]: c["outcomes"]["slow"] for c in doc["cases"]}
    assert out["b"]["status"] == "diverge" and out["b"]["outcome"] == "hang"
    assert out["b"]["detail"] == "hang: no answer within 2 s"
    # the plugin is restarted for the cases after the hung one
    assert out["a"]["status"] == "pass" and out["c"]["status"] == "pass"
    assert doc["summary"]["vm"]["pass"] == 3


def test_ctrl_c_is_one_line_exit_130_and_leaves_nothing(tmp_path, build_dir, small_corpus, slow):
    out = tmp_path / "o"
    p = subprocess.Popen([sys.executable, "-m", "cbpfconform", "run", "--impl", f"vm,{slow}",
                          "--corpus", str(small_corpus), "--build", BUILD, "--out", str(out),
                          "--timeout", "100"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=py_env())
    err = ""
    while "waiting for slow" not in err:       # the run is under way, case b hangs
        line = p.stderr.readline()
        assert line, "the run ended before it waited"
        err += line
    p.send_signal(signal.SIGINT)
    _, rest = p.communicate(timeout=30)
    assert p.returncode == 130
    assert "Traceback" not in rest and rest.splitlines()[-1] == "conform: interrupted"
    assert not out.exists() or os.listdir(out) == []


def test_plugin_stderr_holds_the_last_run_only(tmp_path, build_dir, small_corpus, slow):
    (small_corpus / "b.case").unlink()
    out = tmp_path / "o"
    for _ in range(2):
        r = conform("run", "--impl", f"vm,{slow}", "--corpus", str(small_corpus), "--build", BUILD,
                    "--out", str(out), "--quiet")
        assert r.returncode == 0, r.stderr
    assert (out / "slow-linux.stderr").read_text() == "hello\n"
    assert sorted(n for n in os.listdir(out) if n.endswith(".stderr")) == ["slow-linux.stderr"]


def test_ctrl_c_in_triage_is_one_line_exit_130(tmp_path, build_dir, slow):
    prog = tmp_path / "p.bpf"
    prog.write_text("ret #0x4242\n")
    p = subprocess.Popen([sys.executable, "-m", "cbpfconform.triage", str(prog), "--packet", "00",
                          "--impl", "vm", "--impl", slow, "--build", BUILD, "--no-file"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=py_env(SLOW_MARK=str(tmp_path / "hung")))
    for _ in range(600):                       # until the slow plugin holds the first answer
        if (tmp_path / "hung").exists() or p.poll() is not None:
            break
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert (p.returncode, err) == (130, "cbpf triage: interrupted\n")
