"""kernels: other kernels as implementations under test (docs/kernel-matrix.md).

`--kernels "host debian-6.1/arm64:jit debian-6.1/arm64:interp ..."` (make
conform KERNELS="...") adds one implementation per guest target, named
`kernel:TARGET:MODE`, served by `cbpf kernel plugin --target TARGET` (a qemu
guest). `host` is the live kernel, the reference, which is always there.
Every guest is compared with the reference like any other peer, and its
divergences get causes from causes.json (rules with a peer_regex
for kernel targets).

A guest is probed and run in its own thread, at most one per CPU at a time:
the probe boots it (a target that cannot boot is skipped with its one-line
reason), then its lanes run one after the other, each lane's guest shut
down when done (`--via packet` needs a guest of its own). Per target, the
boot time, the requests per second and the guest's environment record go
to OUT/kernels.json.
"""
import json
import os
import re
import threading
import time

from . import impls as impls_mod
from .atomic import write_atomic
from .casefile import lane
from .plugin import Plugin, PluginError

TARGET_RE = re.compile(r"^(debian-6\.1/[a-z0-9]+(/[a-z0-9-]+)?(:(jit|interp))?"
                       r"|custom/[a-z0-9]+(:(jit|interp))?(=[^=\s,]+(=[^=\s,]+)?)?)$")
SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
STATS = {}
# Seconds to wait for one answer of a guest: at least a boot under load
# (the proxy itself restarts a guest that hangs on a request, --timeout 60).
TIMEOUT = 180.0


def parse(spec):
    """'host debian-6.1/arm64:jit,...' -> ['debian-6.1/arm64:jit', ...] (host left out).
    A custom kernel names its image (and modules): custom/ARCH[:MODE]=IMAGE[=MODULES]."""
    out = []
    for t in re.split(r"[\s,]+", spec or ""):
        if not t or t == "host":
            continue
        if not TARGET_RE.match(t):
            raise ValueError(f"kernel target '{t}': expected host, debian-6.1/ARCH[/FLAVOUR]"
                             f"[:jit|:interp] or custom/ARCH[:MODE]=IMAGE[=MODULES]")
        name, eq, files = t.partition("=")
        if ":" not in name:
            name += ":interp" if name.split("/")[1] == "s390x" else ":jit"
        t = name + eq + files
        if t not in out:
            out.append(t)
    return out


def impl(target, build):
    """The implementation kernel:NAME of a parsed target (NAME without its
    =IMAGE=MODULES, which become --kernel and --modules)."""
    cbpf = os.path.join(build, "bin", "cbpf")
    name, _, files = target.partition("=")
    image, _, modules = files.partition("=")
    base = [cbpf, "kernel", "plugin", "--target", name]
    base += ["--kernel", image] if image else []
    base += ["--modules", modules] if modules else []
    i = impls_mod.Impl(f"kernel:{name}", {"linux": base, "seccomp": base,
                                          "packet": base + ["--via", "packet"]})
    i.available = {p: True for p in i.commands}  # until its own thread probes it
    return i


def is_guest(i):
    return i.name.startswith("kernel:")


def run_guest(i, cases, progress, sink, log_dir):
    """The runner's thread for a guest implementation."""
    out = sink.setdefault(i.name, {})
    stats = STATS.setdefault(i.name, {"lanes": {}})
    with SLOTS:
        for ln in ("linux", "seccomp", "packet"):
            idxs = [k for k, c in enumerate(cases) if lane(c) == ln]
            if not idxs:
                continue
            t0 = time.monotonic()
            probe_one(i, ln, log_dir)
            if not i.available.get(ln):
                stats["lanes"][ln] = {"skipped": i.reasons.get(ln)}
                for _ in idxs:
                    progress.tick(i.name)
                continue
            boot = time.monotonic() - t0
            plug = i.plugins[ln]
            reqs = [{"id": k, "profile": cases[k].profile, "program": cases[k].program,
                     "packets": [p.hex() for p in cases[k].packets]} for k in idxs]
            t1 = time.monotonic()
            resps = plug.run(reqs, lambda _r: progress.tick(i.name))
            took = time.monotonic() - t1
            for resp, k in zip(resps, idxs):
                out[k] = resp
            stats["lanes"][ln] = {"boot_and_probe_s": round(boot, 2), "requests": len(reqs),
                                  "seconds": round(took, 2),
                                  "requests_per_s": round(len(reqs) / took, 1) if took else None,
                                  "guest_errors": sum(1 for r in resps if r.get("guest_error"))}
            later = [l for l in ("seccomp", "packet") if l != ln and i.plugins.get(l) is plug]
            if not later or ln == "packet":
                plug.close()


def probe_one(i, ln, log_dir):
    """Probe lane ln, booting its guest; a lane with the same command shares
    the guest of an earlier one."""
    shared = next((p for l, p in i.plugins.items() if l != ln and p.argv == i.commands[ln]), None)
    if shared is not None:
        i.plugins[ln] = shared
        i.available[ln] = True
        return
    log = os.path.join(log_dir, re.sub(r"[/:]", "_", i.name) + f"-{ln}.stderr") if log_dir else None
    plug = Plugin(i.commands[ln], i.name, log, TIMEOUT)
    try:
        resp = plug.run([impls_mod.PROBE[ln]])[0]
    except PluginError as e:
        resp = {"load": "error", "reason": str(e)}
    if resp.get("load") == "error":
        i.available[ln] = False
        i.reasons[ln] = reason_of(resp.get("reason", "probe failed"), log)
        plug.close()
        return
    i.available[ln] = True
    i.plugins[ln] = plug
    if resp.get("target"):
        STATS.setdefault(i.name, {"lanes": {}}).setdefault("boots", []).append(
            {"lane": ln, "target": resp.get("target"), "env": resp.get("env")})


def reason_of(why, log):
    """A plugin that exited: the one-line reason it printed on stderr."""
    if log and "exited" in why:
        try:
            with open(log, errors="replace") as f:
                lines = [l.strip() for l in f if l.strip().startswith("cbpf kernel")]
            if lines:
                return lines[-1]
        except OSError:
            pass
    return why


def write_stats(out_dir):
    if STATS:
        write_atomic(os.path.join(out_dir, "kernels.json"), json.dumps(STATS, indent=1) + "\n")


def summary_lines():
    for name, s in STATS.items():
        for ln, st in s.get("lanes", {}).items():
            if "skipped" in st:
                yield f"conform: {name} ({ln}) skipped: {st['skipped']}"
            else:
                yield (f"conform: {name} ({ln}): boot+probe {st['boot_and_probe_s']} s, "
                       f"{st['requests']} requests in {st['seconds']} s "
                       f"({st['requests_per_s']}/s), {st['guest_errors']} guest errors")
