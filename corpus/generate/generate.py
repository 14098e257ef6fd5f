#!/usr/bin/python3
"""generate.py: writes the generated case files of corpus/ (the committed
cases are the files; this script is how they were made).

    PYTHONPATH=harness /usr/bin/python3 corpus/generate/generate.py [--corpus DIR]

(harness/ on PYTHONPATH for the cbpfconform package, whose opcodes.py
reads the opcode facts from `cbpf opcodes --json` of $CBPF_BUILD, else
build/; this directory's modules are found because it is the script's
own.)

Families: opcodes/, validator/, quirks/, random/, packet_hook/ (Python
generators in this directory), pcap/ (one case per line of pcap/expressions.txt, run over
pcap/lan.pcap) and seccomp/ (one case per seccomp/NAME.policy, compiled
by libseccomp through `cbpf disasm --policy` of $CBPF_BUILD, else build/). A case whose program and packets are
unchanged keeps its recorded expectation; new or changed cases have none
until `cbpf corpus record` fills them in.
Files of a family that the generator no longer produces are removed;
corpus/regress/ is never touched.
"""
import argparse
import json
import os
import re
import subprocess
import sys

from cbpfconform import casefile

import expressions  # this directory's modules: the script's own
import frames
import gen_opcodes
import gen_packet_hook
import gen_quirks
import gen_random
import gen_validator

HERE = os.path.dirname(os.path.abspath(__file__))

FAMILIES = ("opcodes", "validator", "quirks", "random", "packet_hook", "pcap/expr",
            "seccomp/policies")


def slug(text, n=48):
    s = re.sub(r"[^a-zA-Z0-9]+", "_", text).strip("_").lower()
    return s[:n] or "x"


def pcap_cases():
    for i, expr in enumerate(expressions.expressions()):
        yield casefile.Case(id=f"pcap/expr/{i:03d}_{slug(expr)}", path="",
                            description=f"libpcap-compiled filter '{expr}' over pcap/lan.pcap",
                            tags=["pcap"], pcap_expr=expr, packets_from="pcap/lan.pcap")


def cbpf_binary():
    build = os.environ.get("CBPF_BUILD", os.path.join(HERE, "..", "..", "build"))
    return os.path.join(build, "bin", "cbpf")


def seccomp_cases():
    """One case per seccomp/NAME.policy (cbpf's line format): the first
    line's comment is the description, each `# input: SPEC` an input
    (the default action's first, then one per rule); the program is what
    libseccomp exports for it (`cbpf disasm --policy`)."""
    pol_dir = os.path.join(HERE, "seccomp")
    for fname in sorted(os.listdir(pol_dir)):
        if not fname.endswith(".policy"):
            continue
        name, path = fname[:-len(".policy")], os.path.join(pol_dir, fname)
        text = open(path, encoding="utf-8").read()
        r = subprocess.run([cbpf_binary(), "disasm", "-o", "json", "--policy", path],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            sys.exit(f"generate.py: {r.stderr.strip() or path + ': cbpf failed'}")
        program = json.loads(r.stdout)
        inputs = re.findall(r"# input: (\S+)", text)
        c = casefile.Case(id=f"seccomp/policies/{name}", path="", profile="seccomp",
                          description=f"libseccomp policy: {text.splitlines()[0][2:]} "
                                      f"(inputs reach the default and every rule)",
                          tags=["seccomp", "libseccomp"], program=program,
                          program_comments=[""] * len(program))
        c.inputs = inputs
        c.packets = casefile.seccomp_records(c.inputs, name, [0] * len(c.inputs))
        yield c


# On the packet hook the kernel reports the ctx (recorded), except the VLAN
# tag, which the case gives (the oracle puts it on the wire).
VLAN_KEYS = ("vlan_avail", "vlan_tci", "vlan_tpid")


def same_ctx(new, old):
    if new.hook != "packet":
        return old.ctx == new.ctx
    return all((old.ctx or {}).get(k, 0) == (new.ctx or {}).get(k, 0) for k in VLAN_KEYS)


def keep_recording(new, old):
    """Copy the recorded expectation of old when it ran the same thing."""
    same = (old.program == new.program and old.pcap_expr == new.pcap_expr and
            old.packets == new.packets and old.packets_from == new.packets_from and
            old.profile == new.profile and old.hook == new.hook and same_ctx(new, old))
    if same and old.has_expectation():
        new.expect_load, new.expect, new.recorded = old.expect_load, old.expect, old.recorded
        if new.hook == "packet":
            new.ctx = old.ctx  # recorded with the expectation


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=os.path.normpath(os.path.join(HERE, "..")))
    args = ap.parse_args()
    root = args.corpus
    pcap_dir = os.path.join(root, "pcap")
    os.makedirs(pcap_dir, exist_ok=True)
    expressions.write(os.path.join(pcap_dir, "expressions.txt"))
    frs = frames.frames()
    frames.write_pcap(os.path.join(pcap_dir, "lan.pcap"), frs)
    frames.write_listing(os.path.join(pcap_dir, "lan.txt"), frs)

    written = set()
    counts = {}
    for gen in (gen_opcodes.cases, gen_validator.cases, gen_quirks.cases, gen_random.cases,
                gen_packet_hook.cases, pcap_cases, seccomp_cases):
        for c in gen():
            path = os.path.join(root, c.id + ".case")
            if path in written:
                sys.exit(f"generate.py: duplicate case id {c.id}")
            if os.path.exists(path):
                try:
                    keep_recording(c, casefile.parse(path, root))
                except casefile.CaseError:
                    pass
            text = casefile.render(c)
            old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
            if old != text:
                casefile.write_atomic(path, text)
            written.add(path)
            fam = c.id.split("/")[0]
            counts[fam] = counts.get(fam, 0) + 1
    for fam in FAMILIES:
        for p in casefile.discover(os.path.join(root, fam)):
            if p not in written:
                os.unlink(p)
    for fam, n in sorted(counts.items()):
        print(f"{fam:10s} {n:5d}")
    print(f"{'total':10s} {sum(counts.values()):5d}")


if __name__ == "__main__":
    main()
