"""casefile: reading and writing one conformance case (corpus/README.md).

A case file is UTF-8 text of `key: value` lines. Block keys (program, asm,
expect) take the following lines indented by two spaces. `#` starts a
comment line. Every parse error names the file and the line.
"""
import dataclasses
import json
import os
import re
import subprocess

from . import ctx as ctx_mod
from .atomic import write_atomic

SINGLE_KEYS = {"description", "profile", "hook", "tags", "pcap-expr", "linktype",
               "packets-from", "ctx", "expect-load", "recorded", "nondeterministic"}
BLOCK_KEYS = {"program", "asm", "expect"}
MULTI_KEYS = {"packet", "input"}
PROFILES = ("linux", "seccomp")
HOOKS = ("unix", "packet")
# "abort" and "unknown" are the kernel oracle's words (it cannot tell load
# failures from div/mod by 0).
ABORTS = ("load", "div0", "nodev", "abort", "unknown")
NONDET = ("random", "cpu")


MAX_PACKET = 4 << 20        # the plugin protocol's limit on one packet
MAX_INSNS = 65535           # sock_fprog.len is a u16


class CaseError(Exception):
    """A broken case file: str() is 'FILE:LINE: why' ('FILE: why' when the
    file cannot be read at all)."""

    def __init__(self, path, line, msg):
        super().__init__(f"{path}:{line}: {msg}" if line is not None else f"{path}: {msg}")
        self.path, self.line, self.msg = path, line, msg


@dataclasses.dataclass
class Expected:
    verdict: int
    abort: str | None = None
    exact: bool = True


@dataclasses.dataclass
class Case:
    id: str                       # path relative to the corpus root, without .case
    path: str
    description: str = ""
    profile: str = "linux"
    hook: str = "unix"            # where the kernel runs a socket filter
    tags: list = dataclasses.field(default_factory=list)
    program: list | None = None   # [[code, jt, jf, k], ...]
    program_comments: list | None = None
    asm: str | None = None        # bpf_asm text (assembled by `cbpf asm`)
    pcap_expr: str | None = None  # compiled by libpcap at build time
    linktype: str = "EN10MB"
    packets: list = dataclasses.field(default_factory=list)   # bytes
    packet_lines: list = dataclasses.field(default_factory=list)
    inputs: list = dataclasses.field(default_factory=list)    # seccomp input text
    packets_from: str | None = None
    ctx: dict | None = None
    expect_load: str | None = None   # "ok" | "rejected EINVAL" | ...
    expect: list | None = None       # [Expected]
    recorded: str | None = None
    nondeterministic: str | None = None
    comments: list = dataclasses.field(default_factory=list)  # leading '#' lines, kept
    # The first line of each key, and the file line of each asm: line, for
    # errors found after parsing (corpus.py).
    lines: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)
    asm_lines: list = dataclasses.field(default_factory=list, compare=False, repr=False)

    def has_expectation(self):
        return self.expect_load is not None


def _int(text, path, line, what):
    try:
        v = int(text, 0)
    except ValueError:
        raise CaseError(path, line, f"{what}: '{text}' is not a number") from None
    return v


def parse_program_line(text, path, line):
    """'code jt jf k  ; comment' -> ([code, jt, jf, k], comment)."""
    body, _, comment = text.partition(";")
    fields = body.split()
    if len(fields) != 4:
        raise CaseError(path, line, f"program line needs 'code jt jf k', got '{body.strip()}'")
    code, jt, jf, k = (_int(f, path, line, "program") for f in fields)
    for v, lim, name in ((code, 0xffff, "code"), (jt, 0xff, "jt"), (jf, 0xff, "jf"),
                         (k, 0xffffffff, "k")):
        if not 0 <= v <= lim:
            raise CaseError(path, line, f"program: {name} {v:#x} out of range")
    return [code, jt, jf, k], comment.strip()


def pattern(length):
    """The synthetic packet `pattern N`: byte i is (i + 5) & 0xff."""
    return bytes((i + 5) & 0xff for i in range(length))


def parse_packet(value, path, line):
    """'HEX' or 'pattern N' -> bytes."""
    if value.startswith("pattern"):
        n = _int(value[7:].strip(), path, line, "pattern length")
        if not 0 <= n <= 4 << 20:
            raise CaseError(path, line, f"pattern length {n} out of range (0..4 MiB)")
        return pattern(n)
    try:
        p = bytes.fromhex(value.replace(" ", ""))
    except ValueError:
        raise CaseError(path, line, "packet: neither hex nor 'pattern N'") from None
    if len(p) > MAX_PACKET:
        raise CaseError(path, line, f"packet: {len(p)} bytes is over the limit of "
                                    f"{MAX_PACKET} (4 MiB)")
    return p


def format_packet(p):
    if len(p) > 64 and p == pattern(len(p)):
        return f"pattern {len(p)}"
    return p.hex()


# The cbpf binary whose one seccomp_data parser reads `input:` lines
# (`cbpf seccomp data`, docs/seccomp-input.md); corpus.load sets the run's.
CBPF = os.environ.get("CBPF_BIN") or os.path.join(
    os.environ.get("CBPF_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build")),
    "bin", "cbpf")


def seccomp_records(texts, path, lines):
    """`input:` texts ('nr=read,args=1:0x100000000') -> the 64-byte struct
    seccomp_data of each, in host byte order, as the cbpf binary reads them."""
    if not texts:
        return []
    try:
        r = subprocess.run([CBPF, "seccomp", "data", *texts], capture_output=True, text=True,
                           timeout=60)
    except OSError as e:
        raise CaseError(path, lines[0], f"input: cannot run {CBPF} seccomp data: {e}") from None
    m = re.match(r"cbpf seccomp data: argument (\d+) '.*?': (.*)", r.stderr.strip(), re.S)
    if r.returncode != 0 or m:
        line = lines[int(m.group(1)) - 1] if m else lines[0]
        raise CaseError(path, line, f"input: {m.group(2) if m else r.stderr.strip()}")
    return [bytes.fromhex(out.split(" ", 1)[0]) for out in r.stdout.splitlines()]


def parse_expect_line(text, path, line):
    fields = text.split()
    if not fields:
        raise CaseError(path, line, "expect: empty line")
    v = _int(fields[0], path, line, "verdict")
    if not 0 <= v <= 0xffffffff:
        raise CaseError(path, line, f"verdict {v} is not a u32")
    e = Expected(v)
    for f in fields[1:]:
        if f.startswith("abort="):
            e.abort = f[6:]
            if e.abort not in ABORTS:
                raise CaseError(path, line, f"unknown abort '{e.abort}' ({', '.join(ABORTS)})")
        elif f == "inexact":
            e.exact = False
        else:
            raise CaseError(path, line, f"expect: unknown word '{f}'")
    return e


def _read_text(path):
    """The file's text; CaseError naming the line and column of a byte
    that is not UTF-8."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CaseError(path, None, f"cannot read: {e.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise CaseError(path, line, f"not UTF-8 text (byte {data[e.start]:#04x} at column "
                                    f"{col})") from None


def _parse_ctx(value, path, line):
    try:
        ctx = json.loads(value)
    except RecursionError:
        raise CaseError(path, line, "ctx: not JSON (nested too deeply)") from None
    except ValueError as e:
        raise CaseError(path, line, f"ctx: not JSON ({e})") from None
    try:
        ctx_mod.check(ctx)
    except ValueError as e:
        raise CaseError(path, line, f"ctx: {e}") from None
    return ctx



# The single-valued keys kept as written, by the Case attribute they set.
_TEXT_KEYS = {"description": "description", "pcap-expr": "pcap_expr", "linktype": "linktype",
              "packets-from": "packets_from", "recorded": "recorded"}
# The single-valued keys with a fixed set of values, and what to say otherwise.
_CHOICE_KEYS = {"profile": (PROFILES, "profile must be linux or seccomp"),
                "hook": (HOOKS, "hook must be unix or packet"),
                "nondeterministic": (NONDET, "nondeterministic: random or cpu")}


def _set_single(c, key, value, path, lineno):
    """One single-valued key's value into the case, checked."""
    if key in _TEXT_KEYS:
        setattr(c, _TEXT_KEYS[key], value)
    elif key in _CHOICE_KEYS:
        allowed, why = _CHOICE_KEYS[key]
        if value not in allowed:
            raise CaseError(path, lineno, f"{why}, got '{value}'")
        setattr(c, key, value)
    elif key == "tags":
        c.tags = value.split()
    elif key == "ctx":
        c.ctx = _parse_ctx(value, path, lineno)
    elif key == "expect-load":
        if not (value == "ok" or re.fullmatch(r"rejected E[A-Z0-9]+", value)):
            raise CaseError(path, lineno, f"expect-load: 'ok' or 'rejected ERRNO', got '{value}'")
        c.expect_load = value


def parse(path, root):
    lines = _read_text(path).split("\n")
    cid = os.path.relpath(path, root)
    if cid.endswith(".case"):
        cid = cid[:-5]
    c = Case(id=cid, path=path)
    seen = set()
    i = 0
    block = None
    block_start = 0
    while i < len(lines):
        raw = lines[i]
        lineno = i + 1
        i += 1
        if raw.startswith("  ") and block is not None:
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            if block == "program":
                insn, comment = parse_program_line(text, path, lineno)
                c.program.append(insn)
                c.program_comments.append(comment)
            elif block == "asm":
                c.asm += raw[2:] + "\n"
                c.asm_lines.append(lineno)
            else:
                c.expect.append(parse_expect_line(text, path, lineno))
            continue
        block = None
        if raw.startswith("#") and not seen:
            c.comments.append(raw)
            continue
        if not raw.strip() or raw.startswith("#"):
            continue
        key, colon, value = raw.partition(":")
        key = key.strip()
        value = value.strip()
        if not colon or raw[0].isspace():
            raise CaseError(path, lineno, f"expected 'key: value', got '{raw.strip()}'")
        c.lines.setdefault(key, lineno)
        if key in BLOCK_KEYS:
            if value:
                raise CaseError(path, lineno, f"'{key}:' takes indented lines, not a value")
            if key in seen:
                raise CaseError(path, lineno, f"duplicate key '{key}'")
            seen.add(key)
            block, block_start = key, lineno
            if key == "program":
                c.program, c.program_comments = [], []
            elif key == "asm":
                c.asm = ""
            else:
                c.expect = []
            continue
        if key in MULTI_KEYS:
            if key == "packet":
                c.packets.append(parse_packet(value, path, lineno))
                c.packet_lines.append(lineno)
            else:
                c.inputs.append(value)
                c.packets.append(None)  # filled by seccomp_records below
                c.packet_lines.append(lineno)
            continue
        if key not in SINGLE_KEYS:
            raise CaseError(path, lineno, f"unknown key '{key}'")
        if key in seen:
            raise CaseError(path, lineno, f"duplicate key '{key}'")
        seen.add(key)
        _set_single(c, key, value, path, lineno)
    if c.inputs:
        records = iter(seccomp_records(
            c.inputs, path, [n for p, n in zip(c.packets, c.packet_lines) if p is None]))
        c.packets = [next(records) if p is None else p for p in c.packets]
    _check(c, path, block_start)
    return c


def _check(c, path, last_line):
    sources = [s for s in (c.program is not None, c.asm is not None, c.pcap_expr is not None) if s]
    if len(sources) != 1:
        raise CaseError(path, 1, "exactly one of program:, asm:, pcap-expr: is required")
    if not c.description:
        raise CaseError(path, 1, "description: is required")
    if c.packets_from and c.packets:
        raise CaseError(path, 1, "packets-from: and packet:/input: exclude each other")
    if c.hook != "unix" and c.profile != "linux":
        raise CaseError(path, 1, "hook: is for profile linux only")
    if c.inputs and c.profile != "seccomp":
        raise CaseError(path, c.lines.get("input", 1),
                        "input: lines are seccomp_data; set profile: seccomp")
    if c.profile == "seccomp":
        # The plugins take only 64-byte seccomp_data records here.
        if "packet" in c.lines:
            raise CaseError(path, c.lines["packet"],
                            "packet: is for profile linux; a seccomp case gives input: lines")
        if c.packets_from:
            raise CaseError(path, c.lines["packets-from"],
                            "packets-from: is for profile linux (frames, not seccomp_data)")
        if c.ctx is not None:
            raise CaseError(path, c.lines["ctx"],
                            "ctx: not used by profile seccomp (the input is seccomp_data)")
    if c.program is not None and len(c.program) > MAX_INSNS:
        raise CaseError(path, c.lines["program"], f"program: {len(c.program)} instructions is "
                                                  f"over the limit of {MAX_INSNS} "
                                                  f"(sock_fprog.len is a u16)")
    if c.expect is not None and c.expect_load != "ok":
        raise CaseError(path, 1, "expect: needs expect-load: ok")
    if c.expect_load == "ok" and c.expect is not None and c.packets and \
            len(c.expect) != len(c.packets):
        raise CaseError(path, 1, f"expect: has {len(c.expect)} lines for {len(c.packets)} packets")


def discover(root, only=None):
    """All *.case files under root, sorted by id."""
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".case"):
                out.append(os.path.join(d, f))
    out.sort(key=lambda p: os.path.relpath(p, root))
    return out


def lane(c):
    """Which kernel oracle (and plugin) runs the case: seccomp, packet or linux."""
    if c.profile == "seccomp":
        return "seccomp"
    return "packet" if c.hook == "packet" else "linux"


def format_expect(e):
    s = str(e.verdict)
    if e.abort:
        s += f" abort={e.abort}"
    if not e.exact:
        s += " inexact"
    return s


def render(c):
    """The text of a case file (the inverse of parse)."""
    out = list(c.comments) + [f"description: {c.description}", f"profile: {c.profile}"]
    if c.hook != "unix":
        out.append(f"hook: {c.hook}")
    if c.tags:
        out.append("tags: " + " ".join(c.tags))
    if c.nondeterministic:
        out.append(f"nondeterministic: {c.nondeterministic}")
    if c.program is not None:
        out.append("program:")
        comments = c.program_comments or [""] * len(c.program)
        for (code, jt, jf, k), cm in zip(c.program, comments):
            line = f"  {code:#06x} {jt:3d} {jf:3d} {k:#010x}"
            out.append(line + (f"  ; {cm}" if cm else ""))
    if c.asm is not None:
        out.append("asm:")
        out.extend("  " + l for l in c.asm.rstrip("\n").split("\n"))
    if c.pcap_expr is not None:
        out.append(f"pcap-expr: {c.pcap_expr}")
        out.append(f"linktype: {c.linktype}")
    if c.ctx is not None:
        out.append("ctx: " + json.dumps(c.ctx, sort_keys=True))
    if c.packets_from:
        out.append(f"packets-from: {c.packets_from}")
    elif c.inputs:
        out.extend(f"input: {t}" for t in c.inputs)
    else:
        out.extend(f"packet: {format_packet(p)}" for p in c.packets)
    if c.expect_load is not None:
        out.append(f"expect-load: {c.expect_load}")
        if c.expect is not None:
            out.append("expect:")
            out.extend("  " + format_expect(e) for e in c.expect)
    if c.recorded:
        out.append(f"recorded: {c.recorded}")
    return "\n".join(out) + "\n"


