"""regress: naming the cause of a minimised divergence and filing it as a
regression case in corpus/regress/.

The cause is cbpfconform.classify's (the rules of causes.json)
applied to the minimised program, its outcome and the two responses; the
opcodes involved are those of the minimised program (every one of them is
needed, or the minimiser would have removed it). Together they are the
case's identity: a case whose cause and opcode set some case in
corpus/regress/ already has (tags cause=... opcodes=..., or the same
program and packets) is a duplicate and is not written again.

A new case is written atomically as regress/CAUSE-PEER-HASH.case (HASH:
of the program, packets and ctx), then recorded on the live kernel by the
conformance runner's own `record` (`cbpf corpus record --only`), so
its expectation and environment record are the kernel's.
"""
import hashlib
import json
import os
import subprocess
import sys

from .. import casefile, classify, corpus as corpus_mod, opcodes as opcodes_mod, paths



def cause_of(program, outcome, ref, got, peer, rules=None):
    return classify.classify(rules or classify.load_rules(), [list(i) for i in program],
                             outcome, ref, got, peer)


def causes(program, outcome, ref, got, peer, rules=None):
    """Every cause whose rule matches (not only the first), by asking
    classify.classify again without the rules it already named; {'new'}
    when none does. The minimiser keeps a candidate only when it shares one
    with the original, so a divergence cannot slip to another known bug
    (a negative offset shrunk into an extension load), while a program the
    first rule mislabels can still lose the irrelevant feature."""
    rules = list(rules or classify.load_rules())
    prog = [list(i) for i in program]
    out = set()
    while True:
        c = classify.classify(rules, prog, outcome, ref, got, peer)
        if c == "new":
            return out or {"new"}
        out.add(c)
        rules = [r for r in rules if r["cause"] != c]


def opcodes(program):
    return sorted({i[0] for i in program})


def identity(cause, program):
    return cause, tuple(opcodes(program))


def _tag(tags, key):
    for t in tags:
        if t.startswith(key + "="):
            return t.split("=", 1)[1]
    return None


def existing(corpus, build, cbpf):
    """-> {identity: case id} and {(program, packets): case id} of regress/."""
    by_id, by_content = {}, {}
    d = os.path.join(corpus, "regress")
    if not os.path.isdir(d):
        return by_id, by_content
    loaded = corpus_mod.load(corpus, build, cbpf, only="regress/")
    for c in loaded.cases:
        cause = _tag(c.tags, "cause")
        if cause:
            by_id.setdefault(identity(cause, c.program), c.id)
        key = (json.dumps(c.program), tuple(bytes(p).hex() for p in c.packets))
        by_content.setdefault(key, c.id)
    return by_id, by_content


def case_name(cause, peer, program, packets, ctx):
    h = hashlib.sha256(json.dumps([program, [p.hex() for p in packets], ctx],
                                  sort_keys=True).encode()).hexdigest()[:8]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in peer)
    return f"{cause}-{safe}-{h}"


def insn_comments(cbpf, program):
    """One `cbpf disasm` (tcpdump style) text per instruction, or blanks."""
    try:
        r = subprocess.run([cbpf, "disasm", "-f", "json", "-o", "tcpdump", "-"],
                           input=json.dumps(program), capture_output=True, text=True, timeout=60)
    except OSError:
        return [""] * len(program)
    lines = [l for l in r.stdout.splitlines() if l.startswith("(")]
    if r.returncode != 0 or len(lines) != len(program):
        return [""] * len(program)
    ret_a = opcodes_mod.table().code("ret", "a")
    return ["ret a" if insn[0] == ret_a else " ".join(l.split(")", 1)[1].split())
            for insn, l in zip(program, lines)]


def render_case(t, result, cause, cbpf):
    """The case file text (no expectation: `record` adds it)."""
    prog = [list(i) for i in result["program"]]
    c = casefile.Case(id="", path="")
    c.comments = [
        f"# Filed by cbpf triage: {result['peer']} against {result['ref']} "
        f"({result['outcome']}), cause {cause}.",
        f"# Minimised from {result['orig_insns']} instructions and packet lengths "
        f"{result['orig_packet_lens']} ({result['tests']} candidate runs).",
        f"# {result['detail']}"]
    c.description = (f"{result['peer']} differs from {result['ref']} ({result['outcome']}): "
                     f"cause {cause}, opcodes {' '.join(f'{o:#04x}' for o in opcodes(prog))}")
    c.profile = t.profile
    c.hook = t.hook
    c.tags = [f"cause={cause}", f"impl={result['peer']}",
              "opcodes=" + ",".join(f"{o:#04x}" for o in opcodes(prog))]
    c.program = prog
    c.program_comments = insn_comments(cbpf, prog)
    c.packets = [bytes(p) for p in result["packets"]]
    if t.profile == "seccomp":
        c.inputs = [_seccomp_text(p) for p in c.packets]
    c.ctx = result["ctx"] if t.profile == "linux" and result["ctx"] else None
    return casefile.render(c)


def _seccomp_text(b):
    import struct
    nr, arch, ip, *args = struct.unpack("<iIQ6Q", b[:64].ljust(64, b"\0"))
    return f"nr={nr},arch={arch:#x},ip={ip},args={':'.join(str(a) for a in args)}"


def file_case(t, result, cause, corpus, build, cbpf, record=True):
    """-> (status, case id): ('duplicate', id) or ('filed', id)."""
    prog = [list(i) for i in result["program"]]
    by_id, by_content = existing(corpus, build, cbpf)
    key = (json.dumps(prog), tuple(bytes(p).hex() for p in result["packets"]))
    if key in by_content:
        return "duplicate", by_content[key]
    ident = identity(cause, prog)
    if ident in by_id:
        return "duplicate", by_id[ident]
    name = case_name(cause, result["peer"], prog, result["packets"], result["ctx"])
    path = os.path.join(corpus, "regress", name + ".case")
    casefile.write_atomic(path, render_case(t, result, cause, cbpf))
    if record:
        r = subprocess.run([sys.executable, "-m", "cbpfconform", "record",
                            "--only", f"regress/{name}", "--build", build, "--corpus", corpus],
                           capture_output=True, text=True, timeout=600, env=paths.child_env())
        if r.returncode != 0:
            msg = (r.stderr.strip().splitlines() or ["record failed"])[-1]
            return "unrecorded", f"regress/{name} ({msg})"
    return "filed", f"regress/{name}"
