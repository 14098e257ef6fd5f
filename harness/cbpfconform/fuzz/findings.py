"""findings: what a slice left in DIR/findings/TARGET/ becomes a finding.

An engine crash input (crash-*, timeout-*, oom-*, leak-*) is first turned
into a reproducer by fuzz/repro.py, as fuzz/run.sh does. Each new
reproducer gets a signature (target, kind, note, program and input: the
same input found twice is one finding); divergences of the program-running
targets are handed to `cbpf triage` (minimise, classify, file a regression
case in the corpus, which deduplicates by cause and opcodes), and the
finding is a duplicate when an earlier one had the same signature or the
same triaged cause and opcodes. Every finding gives one summary line."""
import hashlib
import json
import os
import subprocess
import sys
import time

from .. import paths

ENGINE_PREFIXES = ("crash-", "timeout-", "oom-", "leak-", "slow-unit-")
# Targets whose reproducers name two implementations `cbpf triage` can run.
TRIAGED = {"fuzz_vm_kernel", "fuzz_vm_pcap", "fuzz_validate_kernel", "fuzz_seccomp_kernel",
           "fuzz_vm_jit", "fuzz_vm"}
TRIAGE_TIMEOUT = 900


def convert_engine_inputs(target, d, log_path, guest=None):
    """repro.py for each engine input of d without a .json next to it (guest:
    the kernel target the input ran against, for fuzz_vm_kernel)."""
    if paths.SOURCE is None:
        return
    repro = os.path.join(paths.SOURCE, "fuzz", "repro.py")
    for name in sorted(os.listdir(d)):
        path = os.path.join(d, name)
        if not name.startswith(ENGINE_PREFIXES) or name.endswith(".json"):
            continue
        if os.path.exists(path + ".json"):
            continue
        cmd = [sys.executable, repro, target, path, "-o", path + ".json"]
        if log_path and os.path.exists(log_path):
            cmd[3:3] = ["--log", log_path]
        env = dict(os.environ)
        env.pop("CBPF_FUZZ_KERNEL_TARGET", None)
        if guest:
            env["CBPF_FUZZ_KERNEL_TARGET"] = guest
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def reproducers(d):
    return sorted(n for n in os.listdir(d) if n.endswith(".json"))


def signature(target, repro):
    key = json.dumps([target, repro.get("kind"), repro.get("note"), repro.get("program"),
                      repro.get("packets"), repro.get("seccomp_data"), repro.get("text"),
                      repro.get("input_hex") if not repro.get("program") else None],
                     sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def triage(build, corpus, path, out_json):
    """Run `cbpf triage` on one reproducer; returns its result summary."""
    cbpf = os.path.join(build, "bin", "cbpf")
    cmd = [cbpf, "triage", path, "-q", "--json", out_json]
    if corpus:
        cmd += ["--corpus", corpus]
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=TRIAGE_TIMEOUT, env=paths.child_env())
    except subprocess.TimeoutExpired:
        return {"status": "triage-timeout"}
    except OSError as e:
        return {"status": "triage-error", "detail": str(e)}
    res = {"exit": r.returncode}
    try:
        with open(out_json) as f:
            got = json.load(f)
    except (OSError, ValueError):
        got = []
    if got:
        g = next((x for x in got if x.get("status") == "minimised"), got[0])
        res.update({k: g.get(k) for k in ("status", "cause", "outcome", "case", "case_status",
                                          "detail", "peer", "ref")})
        res["opcodes"] = g.get("opcodes")
        res["insns"] = len(g.get("program", []) or [])
    else:
        res["status"] = "triage-error"
        res["detail"] = (r.stderr.strip().splitlines() or [""])[-1][:200]
    return res


def summary_line(f):
    t = f.get("triage") or {}
    head = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(f['time']))} {f['target']} " \
           f"{f['kind']}: {f.get('note') or ''}".rstrip()
    if f["status"] == "duplicate":
        tail = f"duplicate of {f['duplicate_of']}"
    elif t.get("status") == "minimised":
        tail = f"triaged: cause {t.get('cause')}, {t.get('insns')} insns, case " \
               f"{t.get('case_status')} {t.get('case')}"
    elif t:
        tail = f"triage: {t.get('status')} {t.get('detail') or ''}".rstrip()
    else:
        tail = f["status"]
    return f"{head} -> {tail} [{f['file']}]"


def collect(status, target, d, build, corpus, triage_dir, log_path, stopping, guest=None):
    """Every new reproducer of d as a finding in status; returns the new
    findings (untriaged when stopping() says so: triaged on resume). guest
    is the kernel target fuzz_vm_kernel ran against, if any."""
    convert_engine_inputs(target, d, log_path, guest)
    known = {f["file"] for f in status["findings"]}
    sigs = {}  # signature -> the first finding with it (a duplicate names that one)
    for f in status["findings"]:
        sigs.setdefault(f["signature"], f["file"])
    causes = {}
    for f in status["findings"]:
        t = f.get("triage") or {}
        if t.get("status") == "minimised":
            causes.setdefault((f["target"], t.get("cause"), tuple(t.get("opcodes") or ())),
                              f["file"])
    new = []
    for name in reproducers(d):
        rel = os.path.join(target, name)
        if rel in known:
            continue
        try:
            with open(os.path.join(d, name)) as fh:
                repro = json.load(fh)
        except (OSError, ValueError):
            continue
        f = {"time": time.time(), "target": target, "file": rel, "kind": repro.get("kind"),
             "note": repro.get("note"), "signature": signature(target, repro),
             "status": "untriaged"}
        if f["signature"] in sigs:
            f["status"], f["duplicate_of"] = "duplicate", sigs[f["signature"]]
        status["findings"].append(f)
        sigs.setdefault(f["signature"], rel)
        new.append(f)
    for f in status["findings"]:
        if f["status"] != "untriaged" or stopping():
            continue
        if f["target"] not in TRIAGED or f["kind"] == "crash" and not _has_program(d, f):
            f["status"] = "not-triaged"
            continue
        out = os.path.join(triage_dir, f["file"].replace("/", "-") + ".triage.json")
        os.makedirs(triage_dir, exist_ok=True)
        f["triage"] = triage(build, corpus, os.path.join(os.path.dirname(d), f["file"]), out)
        t = f["triage"]
        key = (f["target"], t.get("cause"), tuple(t.get("opcodes") or ()))
        if t.get("status") == "minimised" and key in causes and causes[key] != f["file"]:
            f["status"], f["duplicate_of"] = "duplicate", causes[key]
        else:
            f["status"] = "triaged"
            if t.get("status") == "minimised":
                causes.setdefault(key, f["file"])
        if f not in new:
            new.append(f)
    return new


def _has_program(d, f):
    try:
        with open(os.path.join(os.path.dirname(d), f["file"])) as fh:
            return bool(json.load(fh).get("program"))
    except (OSError, ValueError):
        return False
