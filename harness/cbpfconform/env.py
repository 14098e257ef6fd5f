"""env: the environment record a run (or a recording) comes from.

`cbpf kernel env` supplies the kernel's side when it works; this module adds
what the harness itself knows (libpcap and Go versions, the git commit) and
falls back to reading /proc when the command is not available.
"""
import hashlib
import json
import os
import platform
import subprocess


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _run(argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return r.stdout.strip() if r.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def record(cbpf, src_dir, pcap_programs=None):
    env = {}
    out = _run([cbpf, "kernel", "env", "--json"])
    if out:
        try:
            env["kernel_env"] = json.loads(out)
        except ValueError:
            env["kernel_env_text"] = out
    env["kernel_release"] = platform.release()
    env["machine"] = platform.machine()
    for name in ("bpf_jit_enable", "optmem_max", "wmem_default", "wmem_max"):
        v = _read(f"/proc/sys/net/core/{name}")
        if v is not None:
            env[name] = int(v) if v.lstrip("-").isdigit() else v
    env["os"] = _read("/etc/debian_version")
    if pcap_programs and os.path.exists(pcap_programs):
        with open(pcap_programs) as f:
            env["libpcap"] = json.load(f).get("libpcap")
    env["go"] = _run(["go", "version"])
    env["cbpf_commit"] = _run(["git", "-C", src_dir, "rev-parse", "--short", "HEAD"]) \
        if src_dir else None
    return env


def kernel_key(env):
    """The parts of the environment a recorded kernel answer depends on."""
    keep = {k: env.get(k) for k in ("kernel_release", "machine", "bpf_jit_enable", "optmem_max",
                                    "wmem_default", "wmem_max")}
    return keep


def record_name(env):
    k = kernel_key(env)
    digest = hashlib.sha256(json.dumps(k, sort_keys=True).encode()).hexdigest()[:8]
    return f"env/linux-{k['kernel_release']}-{k['machine']}-{digest}.json"
