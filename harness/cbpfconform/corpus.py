"""corpus: loading the cases a run selects and resolving what they refer to
(libpcap-compiled programs, bpf_asm text, pcap files) into concrete
programs and packets. A case that cannot be loaded or resolved is broken:
its error names the file and line.
"""
import fnmatch
import json
import os
import re
import subprocess

from . import casefile


class Loaded:
    def __init__(self):
        self.cases = []     # Case objects with .program and .packets resolved
        self.broken = []    # {"case": id, "status": "broken", "error": "file:line: why"}


def select(paths, root, only=None, shard=None):
    ids = [(os.path.relpath(p, root)[:-5], p) for p in paths]
    if only:
        pats = [o for o in only.split(",") if o]
        ids = [(i, p) for i, p in ids
               if any(fnmatch.fnmatchcase(i, pat) or pat in i for pat in pats)]
    if shard:
        k, n = shard
        ids = [x for j, x in enumerate(ids) if j % n == k - 1]
    return ids


def load(root, build, cbpf, only=None, shard=None, check_recorded=True):
    out = Loaded()
    casefile.CBPF = cbpf  # input: lines are read by this binary's parser
    pcap_json = os.path.join(build, "harness", "pcap_programs.json")
    pcap_programs = None
    frames_cache = {}
    for cid, path in select(casefile.discover(root), root, only, shard):
        try:
            c = casefile.parse(path, root)
            if c.pcap_expr is not None:
                if pcap_programs is None:
                    pcap_programs = _pcap_programs(pcap_json)
                prog = pcap_programs.get(c.pcap_expr)
                if prog is None:
                    raise casefile.CaseError(path, c.lines["pcap-expr"],
                                             f"expression not compiled at build time "
                                             f"(is it in corpus/pcap/expressions.txt?): {c.pcap_expr}")
                c.program = prog
                c.program_comments = [""] * len(prog)
            elif c.asm is not None:
                c.program = _assemble(cbpf, c, path)
                c.program_comments = [""] * len(c.program)
            if len(c.program) > casefile.MAX_INSNS:
                key = next(k for k in ("program", "asm", "pcap-expr") if k in c.lines)
                raise casefile.CaseError(path, c.lines[key],
                                         f"program: {len(c.program)} instructions is over the "
                                         f"limit of {casefile.MAX_INSNS} (sock_fprog.len is a u16)")
            if c.packets_from:
                fp = os.path.normpath(os.path.join(root, c.packets_from))
                if fp not in frames_cache:
                    frames_cache[fp] = _read_pcap(build, fp, path, c.lines["packets-from"])
                c.packets = frames_cache[fp]
            if c.expect is not None and len(c.expect) != len(c.packets):
                raise casefile.CaseError(path, c.lines["expect"],
                                         f"expect: has {len(c.expect)} lines for "
                                         f"{len(c.packets)} packets")
            if check_recorded and c.recorded and not os.path.isfile(os.path.join(root, c.recorded)):
                raise casefile.CaseError(path, c.lines["recorded"],
                                         f"recorded: {c.recorded} does not exist")
            out.cases.append(c)
        except casefile.CaseError as e:
            out.broken.append({"case": cid, "status": "broken", "error": str(e)})
    return out


def _pcap_programs(path):
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)["programs"]


# `cbpf asm` on stdin: "<stdin>:LINE:COL: why", LINE and COL in the block.
ASM_ERROR = re.compile(r"^<stdin>:(\d+):(\d+): (.*)$")


def _assemble(cbpf, c, path):
    line = c.lines["asm"]
    try:
        r = subprocess.run([cbpf, "asm", "-o", "json", "-"], input=c.asm, capture_output=True,
                           text=True, timeout=60)
    except OSError as e:
        raise casefile.CaseError(path, line, f"cannot run cbpf asm: {e}") from None
    if r.returncode != 0:
        errs = r.stderr.strip().splitlines() or ["cbpf asm failed"]
        m = next((m for m in map(ASM_ERROR.match, errs) if m), None)
        if m is None:
            raise casefile.CaseError(path, line, f"asm: {errs[-1]}")
        n, col, why = int(m.group(1)), int(m.group(2)), m.group(3)
        if 1 <= n <= len(c.asm_lines):
            # the block's lines are indented by two spaces in the file
            line, col = c.asm_lines[n - 1], col + 2
        raise casefile.CaseError(path, line, f"asm: {why} (column {col})")
    return json.loads(r.stdout)


def _read_pcap(build, fp, case_path, line):
    exe = os.path.join(build, "harness", "cbpf-pcap-frames")
    try:
        r = subprocess.run([exe, fp], capture_output=True, text=True, timeout=60)
    except OSError as e:
        raise casefile.CaseError(case_path, line,
                                 f"packets-from: cannot run {exe}: {e.strerror}") from None
    if r.returncode != 0:
        raise casefile.CaseError(case_path, line, f"packets-from: {r.stderr.strip()}")
    return [bytes.fromhex(h) for h in json.loads(r.stdout)["frames"]]
