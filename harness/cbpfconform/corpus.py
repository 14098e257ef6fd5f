"""corpus: loading the cases a run selects and resolving what they refer to
(libpcap-compiled programs, bpf_asm text, pcap files) into concrete
programs and packets. A case that cannot be loaded or resolved is broken:
its error names the file and line.
"""
import fnmatch
import json
import os
import subprocess

import casefile


class Loaded:
    def __init__(self):
        self.cases = []     # Case objects with .program and .packets resolved
        self.broken = []    # {"case": id, "error": "file:line: why"}


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


def load(root, build, cbpf, only=None, shard=None):
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
                    raise casefile.CaseError(path, _line_of(path, "pcap-expr:"),
                                             f"expression not compiled at build time "
                                             f"(is it in corpus/pcap/expressions.txt?): {c.pcap_expr}")
                c.program = prog
                c.program_comments = [""] * len(prog)
            elif c.asm is not None:
                c.program = _assemble(cbpf, c, path)
                c.program_comments = [""] * len(c.program)
            if c.packets_from:
                fp = os.path.normpath(os.path.join(root, c.packets_from))
                if fp not in frames_cache:
                    frames_cache[fp] = _read_pcap(build, fp, path)
                c.packets = frames_cache[fp]
            if c.expect is not None and len(c.expect) != len(c.packets):
                raise casefile.CaseError(path, _line_of(path, "expect:"),
                                         f"expect: has {len(c.expect)} lines for "
                                         f"{len(c.packets)} packets")
            out.cases.append(c)
        except casefile.CaseError as e:
            out.broken.append({"case": cid, "error": str(e)})
    return out


def _line_of(path, key):
    with open(path, encoding="utf-8") as f:
        for i, l in enumerate(f, 1):
            if l.startswith(key):
                return i
    return 1


def _pcap_programs(path):
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)["programs"]


def _assemble(cbpf, c, path):
    try:
        r = subprocess.run([cbpf, "asm", "-o", "json", "-"], input=c.asm, capture_output=True,
                           text=True, timeout=60)
    except OSError as e:
        raise casefile.CaseError(path, _line_of(path, "asm:"), f"cannot run cbpf asm: {e}") from None
    if r.returncode != 0:
        msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "cbpf asm failed"
        raise casefile.CaseError(path, _line_of(path, "asm:"), f"asm: {msg}")
    return json.loads(r.stdout)


def _read_pcap(build, fp, case_path):
    exe = os.path.join(build, "harness", "cbpf-pcap-frames")
    try:
        r = subprocess.run([exe, fp], capture_output=True, text=True, timeout=60)
    except OSError as e:
        raise casefile.CaseError(case_path, _line_of(case_path, "packets-from:"),
                                 f"packets-from: cannot run {exe}: {e.strerror}") from None
    if r.returncode != 0:
        raise casefile.CaseError(case_path, _line_of(case_path, "packets-from:"),
                                 f"packets-from: {r.stderr.strip()}")
    return [bytes.fromhex(h) for h in json.loads(r.stdout)["frames"]]
