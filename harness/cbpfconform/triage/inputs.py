"""inputs: reading what `cbpf triage` is given into targets to minimise.

An INPUT is one of
  * a fuzz reproducer: JSON with "format": "cbpf-fuzz-repro/1" (written by
    fuzz/fz_input.c and by diff_fuzz.py): program, packets or seccomp_data,
    ctx, and the answers of the implementations that disagreed ("pcap" is
    libpcap);
  * a raw fuzzer input (any file that is neither JSON nor text): the
    layout of fuzz/fz_input.h: byte 0 is n, then n host-order 8-byte
    struct sock_filter records, then the packet;
  * results.json of a conformance run: every case with a peer divergence
    (--case GLOB selects some); the ctx comes from the case file when the
    corpus is still there;
  * a case file (*.case) with program: or asm:;
  * a program in any format `cbpf disasm` reads, with --packet HEX (or
    'pattern N') for each packet.
Every error is one line naming the file (and the line when there is one).
"""
import dataclasses
import fnmatch
import json
import os
import struct
import subprocess
import sys

from .. import casefile

REPRO_FORMAT = "cbpf-fuzz-repro/1"
IMPL_ALIASES = {"pcap": "libpcap", "x/net/bpf": "xnet", "vm-interpreter": "vm"}
NOT_PEERS = ("kernel", "validator", "vm_create", "seccomp", "recorded")


class InputError(Exception):
    """One line: 'FILE[:LINE]: why'."""


@dataclasses.dataclass
class Target:
    source: str                 # FILE or FILE#case-id
    profile: str = "linux"
    hook: str = "unix"
    program: list = dataclasses.field(default_factory=list)
    packets: list = dataclasses.field(default_factory=list)   # bytes
    ctx: dict | None = None
    peers: list = dataclasses.field(default_factory=list)     # suggested peers

    @property
    def lane(self):
        if self.profile == "seccomp":
            return "seccomp"
        return "packet" if self.hook == "packet" else "linux"


def _insn(v, where):
    if not (isinstance(v, list) and len(v) == 4 and all(isinstance(x, int) for x in v)):
        raise InputError(f"{where}: expected [code, jt, jf, k], got {json.dumps(v)[:60]}")
    c, jt, jf, k = v
    if not (0 <= c <= 0xffff and 0 <= jt <= 0xff and 0 <= jf <= 0xff and 0 <= k <= 0xffffffff):
        raise InputError(f"{where}: {v} is out of range")
    return [c, jt, jf, k]


def _seccomp_bytes(d, where):
    if not isinstance(d, dict):
        raise InputError(f"{where}: a seccomp_data entry must be an object")
    args = list(d.get("args", [])) + [0] * (6 - len(d.get("args", [])))
    try:
        return struct.pack("<iIQ6Q", ((d.get("nr", 0) + 2**31) % 2**32) - 2**31,
                           d.get("arch", 0) & 0xffffffff, d.get("ip", 0),
                           *[a & 0xffffffffffffffff for a in args[:6]])
    except (struct.error, TypeError) as e:
        raise InputError(f"{where}: {e}") from None


def _hexes(lst, where):
    out = []
    for i, h in enumerate(lst):
        try:
            out.append(casefile.parse_packet(h, where, 0) if isinstance(h, str) else None)
        except casefile.CaseError:
            raise InputError(f"{where}: packets[{i}]: neither hex nor 'pattern N'") from None
        if out[-1] is None:
            raise InputError(f"{where}: packets[{i}]: expected a hex string")
    return out


def from_repro(doc, path):
    if not isinstance(doc.get("program"), list):
        raise InputError(f"{path}: reproducer without a program")
    prog = [_insn(v, f"{path}: program[{i}]") for i, v in enumerate(doc["program"])]
    profile = doc.get("profile", "linux")
    if profile not in ("linux", "seccomp"):
        raise InputError(f"{path}: profile '{profile}' is neither linux nor seccomp")
    if "seccomp_data" in doc:
        pkts = [_seccomp_bytes(d, f"{path}: seccomp_data[{i}]")
                for i, d in enumerate(doc["seccomp_data"])]
    else:
        pkts = _hexes(doc.get("packets", []), path)
    peers = []
    for a in doc.get("answers", []):
        n = IMPL_ALIASES.get(a.get("impl"), a.get("impl"))
        if n and n not in NOT_PEERS and n not in peers:
            peers.append(n)
    ctx = doc.get("ctx")
    return [Target(path, profile, doc.get("hook", "unix"), prog, pkts,
                   ctx if isinstance(ctx, dict) else None, peers)]


def _check_results(doc, path):
    """What from_results reads of a results.json, with its types (triage
    takes partial documents too: only cases and impls are needed)."""
    def need(cond, what):
        if not cond:
            raise InputError(f"{path}: not a results.json: {what}")
    need(isinstance(doc["cases"], list), "cases: a list is expected")
    need(isinstance(doc["impls"], dict) and all(isinstance(v, dict) for v in doc["impls"].values()),
         "impls: an object of objects is expected")
    need(isinstance(doc.get("corpus", ""), str), "corpus: a string is expected")
    for i, c in enumerate(doc["cases"]):
        w = f"cases[{i}]"
        need(isinstance(c, dict) and isinstance(c.get("id"), str), f"{w}: an object with an id "
                                                                  f"is expected")
        need(isinstance(c.get("outcomes", {}), dict) and
             all(isinstance(o, dict) for o in c.get("outcomes", {}).values()),
             f"{w}.outcomes: an object of objects is expected")
        need(c.get("program") is None or isinstance(c["program"], list),
             f"{w}.program: a list is expected")
        need(isinstance(c.get("packets", []), list), f"{w}.packets: a list is expected")
        need(isinstance(c.get("profile", "linux"), str) and
             isinstance(c.get("hook") or "unix", str), f"{w}: profile and hook are strings")


def from_results(doc, path, case_glob=None):
    corpus = doc.get("corpus") or ""
    out = []
    for c in doc.get("cases", []):
        if case_glob and not fnmatch.fnmatchcase(c.get("id", ""), case_glob):
            continue
        peers = [n for n, o in c.get("outcomes", {}).items()
                 if o.get("status") == "diverge" and not doc.get("impls", {}).get(n, {}).get("reference")]
        if not peers or c.get("program") is None:
            continue
        where = f"{path}#{c['id']}"
        prog = [_insn(v, f"{where}: program[{i}]") for i, v in enumerate(c["program"])]
        ctx = None
        cf = os.path.join(corpus, c["id"] + ".case")
        if os.path.exists(cf):
            try:
                ctx = casefile.parse(cf, corpus).ctx
            except casefile.CaseError:
                ctx = None
        out.append(Target(where, c.get("profile", "linux"), c.get("hook") or "unix", prog,
                          _hexes(c.get("packets", []), where), ctx, peers))
    if not out:
        raise InputError(f"{path}: no case with a peer divergence"
                         + (f" matches --case {case_glob}" if case_glob else ""))
    return out


def from_case(path, cbpf):
    try:
        c = casefile.parse(path, os.path.dirname(path))
    except casefile.CaseError as e:
        raise InputError(str(e)) from None
    if c.pcap_expr is not None or c.packets_from:
        raise InputError(f"{path}:1: pcap-expr:/packets-from: cases are triaged from "
                         f"results.json (which holds their program and packets)")
    prog = c.program
    if c.asm is not None:
        prog = _disasm_json(cbpf, c.asm.encode(), path, "asm")
    peers = [t.split("=", 1)[1] for t in c.tags if t.startswith("impl=")]
    return [Target(path, c.profile, c.hook, prog, list(c.packets), c.ctx, peers)]


def _disasm_json(cbpf, data, path, sub="disasm"):
    argv = [cbpf, "asm", "-o", "json", "-"] if sub == "asm" else \
        [cbpf, "disasm", "-o", "json", "-"]
    try:
        r = subprocess.run(argv, input=data, capture_output=True, timeout=60)
    except OSError as e:
        raise InputError(f"{path}: cannot run {cbpf}: {e.strerror}") from None
    if r.returncode != 0:
        msg = r.stderr.decode(errors="replace").strip().splitlines()
        raise InputError(f"{path}: {msg[-1] if msg else 'not a program'}")
    return [list(i) for i in json.loads(r.stdout)]


def from_raw_fuzz(data, path):
    """fz_split() of fuzz/fz_input.c."""
    if not data:
        return [Target(path, program=[], packets=[b""])]
    n = min(data[0], (len(data) - 1) // 8)
    prog = [list(struct.unpack_from("<HBBI", data, 1 + 8 * i)) for i in range(n)]
    return [Target(path, program=prog, packets=[bytes(data[1 + 8 * n:])])]


def _is_text(data):
    try:
        t = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\t\r\n" for ch in t)


def load(path, cbpf, packets=None, case_glob=None):
    """-> [Target] for one INPUT. packets: --packet values (program inputs)."""
    try:
        if path == "-":  # stdin: any INPUT kind but a .case file
            path, data = "<stdin>", sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        raise InputError(f"{path}: {e.strerror}") from None
    if path.endswith(".case"):
        return from_case(path, cbpf)
    extra = None
    if packets:
        extra = []
        for i, p in enumerate(packets):
            try:
                extra.append(casefile.parse_packet(p, "--packet", i + 1))
            except casefile.CaseError:
                raise InputError(f"--packet {p!r}: neither hex nor 'pattern N'") from None
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            doc = json.loads(data)
        except RecursionError:
            raise InputError(f"{path}:1: not valid JSON: nested too deeply") from None
        except ValueError as e:
            raise InputError(f"{path}:{getattr(e, 'lineno', 1)}: not valid JSON: "
                             f"{getattr(e, 'msg', e)}") from None
        if isinstance(doc, dict) and doc.get("format") == REPRO_FORMAT:
            return from_repro(doc, path)
        if isinstance(doc, dict) and str(doc.get("format", "")).startswith("cbpf-fuzz-repro/"):
            raise InputError(f"{path}:1: reproducer format {doc['format']} is not "
                             f"{REPRO_FORMAT}")
        if isinstance(doc, dict) and "cases" in doc and "impls" in doc:
            _check_results(doc, path)
            return from_results(doc, path, case_glob)
        if isinstance(doc, list):
            prog = [_insn(v, f"{path}: program[{i}]") for i, v in enumerate(doc)]
            return [Target(path, program=prog, packets=extra or [])]
        raise InputError(f"{path}:1: JSON that is neither a reproducer, a results.json "
                         f"nor a program")
    if extra is not None or _is_text(data):
        if extra is None:
            raise InputError(f"{path}: a program needs its packets (--packet HEX)")
        return [Target(path, program=_disasm_json(cbpf, data, path), packets=extra)]
    return from_raw_fuzz(data, path)
