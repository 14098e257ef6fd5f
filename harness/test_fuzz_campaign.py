"""`cbpf fuzz campaign` (harness/cbpfconform/fuzz/) on fake fuzz targets:
Python scripts that behave like libFuzzer binaries (status lines, corpus
files, -merge=1, final stats), so the tests cost no fuzzing CPU. One of them
plants a finding: a reproducer of a real divergence (libpcap shifts by
X >= 32, the kernel does not), which the campaign must hand to `cbpf
triage`, file once in a corpus, and count as a duplicate the second time."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import CBPF, SRC, py_env

FAKE = r'''#!/usr/bin/env python3
import hashlib, json, os, shutil, signal, sys, time
args = [a for a in sys.argv[1:] if not a.startswith("-")]
opts = dict(a[1:].split("=", 1) for a in sys.argv[1:] if a.startswith("-") and "=" in a)
if opts.get("merge") == "1":
    new, old = args[0], args[1]
    seen = set()
    for n in sorted(os.listdir(old)):
        data = open(os.path.join(old, n), "rb").read()
        h = hashlib.sha1(data).hexdigest()
        if h not in seen:
            seen.add(h)
            open(os.path.join(new, h), "wb").write(data)
    print("MERGE-OUTER: %d new files" % len(seen))
    sys.exit(0)
if os.environ.get("FAKE_ENV_LOG"):
    with open(os.environ["FAKE_ENV_LOG"], "a") as f:
        f.write("%s %s %s\n" % (os.path.basename(sys.argv[0]),
                                os.environ.get("CBPF_FUZZ_KERNEL_TARGET", "-"),
                                os.environ.get("CBPF_FUZZ_CBPF", "-")))
stop = []
signal.signal(signal.SIGINT, lambda *a: stop.append(1))
corpus = args[0]
end = time.time() + float(opts.get("max_total_time", "1"))
n = 0
plant = os.environ.get("FAKE_PLANT")
if plant and os.path.basename(sys.argv[0]) == "fuzz_vm_pcap":
    time.sleep(0.2)
    d = os.environ["CBPF_FUZZ_REPRO_DIR"]
    for i in range(2):   # the same input found twice
        tag = str(len(os.listdir(d)))
        shutil.copyfile(plant, os.path.join(d, "repro-vm_pcap-%s.json" % tag))
    print("cbpf-fuzz: vm_pcap verdict finding: VM and libpcap differ", flush=True)
    sys.exit(1)
while time.time() < end and not stop:
    n += 1000
    name = os.path.join(corpus, "%d-%d" % (os.getpid(), n))
    open(name, "wb").write(("%s %d" % (name, n)).encode())
    print("#%d\tNEW    cov: %d ft: %d corp: %d/10b exec/s: 1000" %
          (n, 10 + n // 1000, 20 + n // 500, len(os.listdir(corpus))), flush=True)
    time.sleep(0.1)
if stop:
    print("==1== libFuzzer: run interrupted; exiting", flush=True)
    sys.exit(72)
print("stat::number_of_executed_units: %d" % n)
'''
SHIFT = [[0x00, 0, 0, 1], [0x01, 0, 0, 32], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]]


def fake_build(tmp_path, names=("fuzz_fake_a", "fuzz_fake_b")):
    d = tmp_path / "fuzz-build"
    d.mkdir()
    for n in names:
        p = d / n
        p.write_text(FAKE)
        p.chmod(0o755)
        (d / f"{n}.options").write_text("[libfuzzer]\nmax_len = 64\n")
    return d


def campaign(fb, out, *args, build=None, corpus=None, **kw):
    cmd = [CBPF, "fuzz", "campaign", "--fuzz-build", str(fb), *args, str(out)]
    if corpus:
        cmd[3:3] = ["--corpus", str(corpus)]
    if build:
        cmd[3:3] = ["--build", build]
    kw.setdefault("env", py_env())
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kw)


def status(out):
    return json.loads((out / "status.json").read_text())


@pytest.fixture
def cbpf():
    if not os.path.exists(CBPF):
        pytest.skip(f"{CBPF} not built")
    return CBPF


def test_short_campaign_rotates_merges_and_plots(cbpf, tmp_path):
    fb, out = fake_build(tmp_path), tmp_path / "camp"
    p = campaign(fb, out, "--time", "8", "--slice", "1", "--no-triage", "--report",
                 str(tmp_path / "report"))
    so, se = p.communicate(timeout=60)
    assert p.returncode == 0, se
    st = status(out)
    assert sum(t["runs"] for t in st["targets"].values()) >= 3
    assert st["format"] == "cbpf-fuzz-campaign/1" and st["sessions"] == 1
    assert set(st["targets"]) == {"fuzz_fake_a", "fuzz_fake_b"}
    for t in st["targets"].values():
        assert t["runs"] >= 1 and t["execs"] >= 1000 and t["features"] > 20
    # The corpus is the merged one: every file content-named, counted in status.
    for name, t in st["targets"].items():
        files = os.listdir(out / "corpus" / name)
        assert files and len(files) == t["corpus"]
        assert all(len(f) == 40 for f in files)
    assert len(st["history"]) >= 3 and st["findings"] == []
    assert st["history"][-1]["execs"] == sum(t["execs"] for t in st["targets"].values())
    svg = (out / "campaign.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<polyline") == 4
    assert "cbpf fuzz campaign: done: 2 targets" in so
    assert not [d for d in os.listdir(out / "corpus") if d.endswith((".merge", ".old"))]
    # The conformance report's fuzz section links the copy in OUT/fuzz/.
    from cbpfconform.report import fuzz_section
    doc = {}
    fuzz_section.attach(doc, str(tmp_path / "report"))
    assert doc["fuzz"]["plot"] == "fuzz/campaign.svg" and doc["fuzz"]["execs"] == \
        st["history"][-1]["execs"]
    html = fuzz_section.section_html(doc)
    assert "<img src='fuzz/campaign.svg'" in html and "<li>none</li>" in html


def test_sigterm_stops_cleanly_and_restart_resumes(cbpf, tmp_path):
    fb, out = fake_build(tmp_path), tmp_path / "camp"
    p = campaign(fb, out, "--time", "120", "--slice", "60", "--jobs", "2", "--no-triage")
    corpus = out / "corpus" / "fuzz_fake_a"
    deadline = time.time() + 30
    while time.time() < deadline and not (corpus.is_dir() and len(os.listdir(corpus)) >= 3):
        time.sleep(0.1)
    before = set(os.listdir(corpus))
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    so, se = p.communicate(timeout=30)
    assert p.returncode == 130, se
    assert time.time() - t0 < 10
    assert "cbpf fuzz campaign: stopped" in so
    # Nothing written is lost, nothing half-done is left.
    assert before <= set(os.listdir(corpus))
    assert not [d for d in os.listdir(out / "corpus") if d.endswith((".merge", ".old"))]
    st = status(out)
    assert st["targets"]["fuzz_fake_a"]["runs"] == 1 and st["targets"]["fuzz_fake_a"]["execs"] > 0
    kept = set(os.listdir(corpus))
    # A restart resumes: the same corpus, totals go on, a second session.
    p = campaign(fb, out, "--time", "3", "--slice", "1", "--no-triage")
    so, se = p.communicate(timeout=60)
    assert p.returncode == 0, se
    st2 = status(out)
    assert st2["sessions"] == 2 and st2["seconds"] > st["seconds"]
    assert st2["targets"]["fuzz_fake_a"]["runs"] > 1
    assert st2["targets"]["fuzz_fake_a"]["execs"] > st["targets"]["fuzz_fake_a"]["execs"]
    assert len(os.listdir(corpus)) >= len(kept)


def test_planted_finding_is_triaged_filed_once(cbpf, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("triage asks the kernel (root)")
    build = os.path.dirname(os.path.dirname(cbpf))
    if not os.path.exists(os.path.join(build, "harness", "cbpf-pcap-plugin")):
        pytest.skip("libpcap plugin not built")
    fb = fake_build(tmp_path, ("fuzz_fake_a", "fuzz_vm_pcap"))
    out, corpus = tmp_path / "camp", tmp_path / "corpus"
    (corpus / "regress").mkdir(parents=True)
    plant = tmp_path / "plant.json"
    plant.write_text(json.dumps({
        "format": "cbpf-fuzz-repro/1", "target": "vm_pcap", "kind": "verdict",
        "profile": "linux", "program": SHIFT + [[0x06, 0, 0, 7]], "packets": ["00112233"],
        "answers": [{"impl": "vm", "load": "ok", "verdict": 1, "exact": True, "abort": None},
                    {"impl": "pcap", "load": "ok", "verdict": 0, "exact": True, "abort": None}],
        "note": "VM and libpcap differ"}))
    env = py_env(FAKE_PLANT=str(plant), CBPF_SRC=SRC)
    cmd = [cbpf, "fuzz", "campaign", "--fuzz-build", str(fb), "--build", build, "--corpus",
           str(corpus), "--targets", "vm_pcap,fake_a", "--time", "4", "--slice", "1", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 1, r.stderr
    st = status(out)
    fs = [f for f in st["findings"] if f["target"] == "fuzz_vm_pcap"]
    assert len(fs) >= 2
    first, rest = fs[0], fs[1:]
    assert first["status"] == "triaged" and first["triage"]["status"] == "minimised"
    assert first["triage"]["cause"] == "shift-x-ge-32" and first["triage"]["case_status"] == "filed"
    assert first["triage"]["insns"] <= 4
    # The same input again: one finding, the others its duplicates.
    assert all(f["status"] == "duplicate" and f["duplicate_of"] == first["file"] for f in rest), [(f["file"], f["status"], f.get("duplicate_of"), f.get("signature")) for f in fs]
    filed = os.listdir(corpus / "regress")
    assert len(filed) == 1 and filed[0].startswith("shift-x-ge-32-libpcap-")
    lines = (out / "summary.log").read_text().splitlines()
    assert len(lines) == len(fs)
    assert "triaged: cause shift-x-ge-32" in lines[0] and "duplicate of" in lines[1]
    assert "cbpf fuzz: " in r.stdout


def test_usage_errors(cbpf, tmp_path):
    fb = fake_build(tmp_path)
    r = subprocess.run([cbpf, "fuzz", "campaign", "--fuzz-build", str(fb), "--targets", "nope",
                        str(tmp_path / "c")], capture_output=True, text=True, env=py_env())
    assert r.returncode == 2 and "not built in" in r.stderr and "fuzz_nope" in r.stderr
    r = subprocess.run([cbpf, "fuzz", "run"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown command 'run'" in r.stderr
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "status.json").write_text("{")
    r = subprocess.run([cbpf, "fuzz", "campaign", "--fuzz-build", str(fb), str(tmp_path / "bad")],
                       capture_output=True, text=True, env=py_env())
    assert r.returncode == 2 and "not a campaign status file" in r.stderr


def test_kernel_target_is_fuzz_vm_kernels_oracle(cbpf, tmp_path):
    # --kernel names a guest as fuzz_vm_kernel's oracle (CBPF_FUZZ_KERNEL_TARGET,
    # canonical spelling, served by BUILD's cbpf); other targets keep the host,
    # and without --targets only the guest-capable targets rotate.
    fb, out = fake_build(tmp_path, ("fuzz_vm_kernel", "fuzz_fake_a")), tmp_path / "camp"
    log = tmp_path / "env.log"
    env = py_env(FAKE_ENV_LOG=str(log), CBPF_FUZZ_KERNEL_TARGET="stale/target")
    build = os.path.dirname(os.path.dirname(cbpf))
    p = campaign(fb, out, "--time", "3", "--slice", "1", "--no-triage", "--kernel",
                 "debian-6.1/armhf", build=build, env=env)
    so, se = p.communicate(timeout=60)
    assert p.returncode == 0, se
    want = f"fuzz_vm_kernel debian-6.1/armhf:jit {os.path.join(build, 'bin', 'cbpf')}"
    lines = set(log.read_text().splitlines())
    assert lines == {want}
    assert status(out)["kernel"] == "debian-6.1/armhf:jit"
    assert set(status(out)["targets"]) == {"fuzz_vm_kernel"}
    assert "1 targets against kernel:debian-6.1/armhf:jit" in so
    # named targets: the guest only for fuzz_vm_kernel, and a stale variable is dropped
    log.unlink()
    p = campaign(fb, tmp_path / "camp2", "--time", "3", "--slice", "1", "--no-triage",
                 "--jobs", "2", "--targets", "vm_kernel,fake_a", "--kernel",
                 "debian-6.1/arm64:interp", build=build, env=env)
    so, se = p.communicate(timeout=60)
    assert p.returncode == 0, se
    assert set(log.read_text().splitlines()) == {
        f"fuzz_vm_kernel debian-6.1/arm64:interp {os.path.join(build, 'bin', 'cbpf')}",
        "fuzz_fake_a - -"}


@pytest.mark.parametrize("name", ["host", "nonsense", "debian-6.1/arm64 debian-6.1/armhf"])
def test_kernel_must_be_one_guest_target(cbpf, tmp_path, name):
    fb = fake_build(tmp_path, ("fuzz_vm_kernel",))
    r = subprocess.run([cbpf, "fuzz", "campaign", "--fuzz-build", str(fb), "--kernel", name,
                        str(tmp_path / "c")], capture_output=True, text=True, env=py_env())
    assert r.returncode == 2 and "--kernel" in r.stderr, r.stderr
    assert not (tmp_path / "c").exists()
