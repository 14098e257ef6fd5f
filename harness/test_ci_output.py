"""test_ci_output: the CI outputs of `cbpf corpus` (run, merge, render):
--junit FILE (JUnit XML, parsed back with Python's XML parser, exact
counts: one testcase per case x implementation, divergences as failures
with their `cbpf triage` reproducer, skips as skipped, broken cases as
errors), --summary-md FILE and $GITHUB_STEP_SUMMARY (appended), written
whatever the exit status; and the exit codes in --help.
"""
import json
import xml.etree.ElementTree as ET

from cbpfconform import results
from cbpfconform.report import ci_summary, junit_xml

from conftest import run_module
from test_report_browser import explorer_doc


def broken_doc():
    doc = explorer_doc()
    for c in doc["cases"]:
        c.setdefault("ninsns", len(c["program"]))
    doc["broken"] = [{"case": "bad/x", "status": "broken", "error": "corpus/bad/x.case:3: "
                      "unknown key 'progam'"}]
    doc["cases"][0]["packets"] = ["ab" * 4000]  # a long packet is cut in the failure text
    doc["cases"][1]["outcomes"]["vm"]["detail"] = "odd\x01control"  # XML cannot carry \x01
    doc["summary"] = results.summarize(list(doc["impls"]), doc["cases"], 1)
    return doc


def test_junit_counts_and_failures():
    doc = broken_doc()
    root = ET.fromstring(junit_xml.render(doc, "out/results.json"))
    assert root.tag == "testsuites"
    # 7 cases x 3 implementations + 1 broken case
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")) == \
        ("22", "5", "1", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["kernel (reference)", "vm", "libpcap", "broken"]
    lp = suites["libpcap"]
    assert (lp.get("tests"), lp.get("failures"), lp.get("skipped")) == ("7", "4", "1")
    assert len(lp.findall("testcase")) == 7
    assert [t.get("name") for t in lp.findall("testcase[failure]")] == [
        "quirks/1_shift_x/lsh", "quirks/ldx_mem/a", "quirks/ldx_msh/b", "quirks/ret/d"]
    f = lp.find("testcase[@name='quirks/1_shift_x/lsh']/failure")
    assert f.get("type") == "shift-x-ge-32"
    assert f.get("message") == ("1 of 1 packets differ (cause: shift-x-ge-32); reproduce: "
                                "cbpf triage out/results.json --case quirks/1_shift_x/lsh "
                                "--impl libpcap")
    assert f.text.splitlines()[:6] == [
        "reproduce: cbpf triage out/results.json --case quirks/1_shift_x/lsh --impl libpcap", "",
        "program (bpf_asm):", "ldx #33", "lsh x", "ret a"]
    assert f.text.splitlines()[-1] == "packet 0: " + "ab" * 512 + \
        "... (8000 hex digits; results.json has them all)"
    sk = lp.find("testcase[@name='seccomp/e']/skipped")
    assert sk.get("message") == "no seccomp profile"
    vm = suites["vm"]
    assert (vm.get("tests"), vm.get("failures")) == ("7", "1")
    assert vm.find("testcase[failure]").get("classname") == "cbpf.conform.vm"
    err = suites["broken"].find("testcase/error")
    assert err.get("message") == "corpus/bad/x.case:3: unknown key 'progam'"


def test_ci_summary_names_the_verdict_and_triage_commands():
    doc = broken_doc()
    md = ci_summary.render(doc, 1, "out/results.json")
    assert md.startswith("## **cbpf conformance: FAILED**\n")
    assert "| libpcap | 2 | 4 | 1 | 1 | 1x no seccomp profile |" in md
    assert "- broken: `corpus/bad/x.case:3: unknown key 'progam'`" in md
    assert "### Divergences (5; the first 5)" in md
    # our VM's divergence first
    assert md.index("seccomp/e</code> on <b>vm</b>") < md.index("on <b>libpcap</b>")
    assert "cbpf triage out/results.json --case quirks/ldx_msh/b --impl libpcap" in md


def test_render_writes_junit_and_step_summary(tmp_path):
    doc = broken_doc()
    res = tmp_path / "in.json"
    res.write_text(json.dumps(doc))
    step = tmp_path / "step.md"
    step.write_text("earlier step\n")
    out = tmp_path / "out"
    r = run_module("cbpfconform", "render", str(res), "--out", str(out), "--quiet",
                   "--junit", str(tmp_path / "j.xml"), "--summary-md", str(tmp_path / "s.md"),
                   env=dict(__import__("conftest").py_env(GITHUB_STEP_SUMMARY=str(step))))
    assert r.returncode == 1, r.stderr  # our VM diverges, a case is broken
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert (root.get("tests"), root.get("failures")) == ("22", "5")
    s = (tmp_path / "s.md").read_text()
    assert s.startswith("## **cbpf conformance: FAILED**")
    assert f"cbpf triage {out}/results.json --case seccomp/e --impl vm" in s
    assert step.read_text() == "earlier step\n" + s
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "j.xml", "out", "s.md",
                                                         "step.md"]


def test_exit_codes_in_help():
    r = run_module("cbpfconform", "run", "--help")
    assert r.returncode == 0
    for line in ("  0    every case ran", "  1    our VM or a --fail-on", "  2    usage error",
                 "  130  interrupted", "--junit FILE", "--summary-md FILE"):
        assert line in r.stdout


def test_workflow_shards_and_merges():
    """.github/workflows/conform.yml: N shard jobs running make conform with
    --shard I/N and --junit, and a merge job over their results.json."""
    import os
    import yaml
    from conftest import SRC
    with open(os.path.join(SRC, ".github", "workflows", "conform.yml")) as f:
        wf = yaml.safe_load(f)
    n = int(wf["env"]["SHARDS"])
    shard = wf["jobs"]["shard"]
    assert shard["strategy"]["matrix"]["shard"] == list(range(1, n + 1))
    runs = " ".join(s.get("run", "") for s in shard["steps"])
    assert "make conform" in runs and "--shard ${{ matrix.shard }}/${{ env.SHARDS }}" in runs
    assert "--junit" in runs
    merge = wf["jobs"]["merge"]
    assert merge["needs"] == "shard"
    runs = " ".join(s.get("run", "") for s in merge["steps"])
    assert "cbpfconform merge shards/shard-*/results.json" in runs
    assert "--junit reports/out/junit.xml" in runs and "make report-screenshot" in runs
