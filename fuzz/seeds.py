#!/usr/bin/env python3
"""seeds.py - seed corpora for every fuzz target, drawn from corpus/*.case
(programs, bpf_asm text, packets, seccomp inputs) plus the committed
fuzz/seeds/TARGET/ files. Writes OUT/TARGET/<sha1> files.

Layouts (fuzz/README.md): codec takes raw records; asm takes bpf_asm
text; text takes a format selector byte then text; the program-running
targets take fz_input.h's layout (n, n raw records, packet or seccomp
input bytes).

With --printer (fuzz/seed_text, built by fuzz/oss-fuzz/build.sh), every
program is also printed by the library as a tcpdump -d listing (fuzz_text,
selectors tcpdump and auto) and as bpf_asm text (fuzz_asm): the Python
forms below cover only the numeric formats."""
import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess

TEXT_FORMATS = ["tcpdump", "dd", "ddd", "bytecode", "c", "json", "auto", "ctx-json", "ctx-kv"]
# KEY=VALUE forms for fuzz_text's ctx-kv selector besides the cases' own fields.
CTX_KV = ["dev.ifindex=3", "dev.type=0x304", "poff=auto", "mac_off=null", "net_off=-14",
          "len=0x10", "headlen=null", "dev=null", "pkttype=7", "vlan_tpid=0x88a8"]
PROGRAM_TARGETS = ["fuzz_vm", "fuzz_vm_jit", "fuzz_vm_kernel", "fuzz_vm_pcap", "fuzz_validate_kernel"]
PER_TARGET_MAX = 3000


def parse_int(s):
    return int(s, 0)


def read_case(path):
    """The parts of a case file a seed needs (tolerant: skips what it
    does not know)."""
    case = {"profile": "linux", "program": [], "asm": [], "packets": [], "inputs": [],
            "ctx": None}
    block = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#") or not line.strip():
                continue
            if line.startswith("  ") and block:
                case[block].append(line.strip())
                continue
            block = None
            key, _, val = line.partition(":")
            val = val.strip()
            if key == "program":
                block = "program"
            elif key == "asm":
                block = "asm"
            elif key == "profile":
                case["profile"] = val
            elif key == "ctx":
                case["ctx"] = val
            elif key == "packet":
                case["packets"].append(packet_bytes(val))
            elif key == "input":
                case["inputs"].append(seccomp_input(val))
    insns, asm = [], []
    for line in case["program"]:
        raw, _, comment = line.partition(";")
        fields = raw.split()
        if len(fields) == 4:
            insns.append(tuple(parse_int(x) for x in fields))
            asm.append(comment.strip())
    case["insns"] = insns
    case["asm_text"] = "\n".join(case["asm"]) if case["asm"] else (
        "\n".join(asm) if asm and all(asm) else "")
    return case


def packet_bytes(val):
    m = re.fullmatch(r"pattern\s+(\d+)", val)
    if m:
        return bytes((i + 5) & 0xff for i in range(int(m.group(1))))
    try:
        return bytes.fromhex(val)
    except ValueError:
        return b""


def seccomp_input(val):
    """An `input:` line (docs/seccomp-input.md: `nr=N,args=A0:A1:...`) as the
    seed's nr and args; a syscall given by name, or any field a seed does not
    carry, is left at 0 (seeds only need to be close)."""
    nr, args = 0, [0] * 6
    for part in val.split(","):
        key, _, v = part.strip().partition("=")
        try:
            if key == "nr":
                nr = parse_int(v)
            elif key == "args":
                for i, a in enumerate(v.split(":")[:6]):
                    args[i] = parse_int(a)
        except ValueError:
            continue
    return struct.pack("<i6Q", nr, *[a & (2**64 - 1) for a in args])


def raw(insns):
    return b"".join(struct.pack("=HBBI", c & 0xffff, jt & 0xff, jf & 0xff, k & 0xffffffff)
                    for c, jt, jf, k in insns)


def fz_layout(insns, tail):
    insns = insns[:255]
    return bytes([len(insns)]) + raw(insns) + tail


def text_forms(insns):
    yield "dd", "".join("{ 0x%x, %d, %d, 0x%08x },\n" % i for i in insns)
    yield "ddd", "%d\n" % len(insns) + "".join("%d %d %d %d\n" % i for i in insns)
    yield "bytecode", "%d,%s,\n" % (len(insns), ",".join("%d %d %d %d" % i for i in insns))
    yield "c", "".join("{ 0x%02x, %2u, %2u, 0x%08x },\n" % i for i in insns)
    yield "json", json.dumps([list(i) for i in insns])


class Out:
    def __init__(self, root):
        self.root = root
        self.count = {}

    def add(self, target, data):
        n = self.count.get(target, 0)
        if n >= PER_TARGET_MAX:
            return
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, hashlib.sha1(data).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count[target] = n + 1


def printed(printer, cases, fmt):
    """Each case's program printed in fmt by the library (None: no printer
    or no program)."""
    if not printer:
        return [None] * len(cases)
    progs = [c for c in cases if c["insns"]]
    data = "".join(raw(c["insns"][:4096]).hex() + "\n" for c in progs).encode()
    r = subprocess.run([printer, fmt], input=data, stdout=subprocess.PIPE, check=True)
    texts = iter(r.stdout.decode().split("\0"))
    return [next(texts) if c["insns"] else None for c in cases]


def add_ctx_seeds(out, cases):
    """fuzz_text's context selectors: each distinct `ctx:` object of the
    cases as JSON, its fields one by one as KEY=VALUE, and CTX_KV."""
    json_sel, kv_sel = TEXT_FORMATS.index("ctx-json"), TEXT_FORMATS.index("ctx-kv")
    kvs = list(CTX_KV)
    for text in sorted({c["ctx"] for c in cases if c["ctx"]}):
        out.add("fuzz_text", bytes([json_sel]) + text.encode())
        try:
            fields = json.loads(text)
        except ValueError:
            continue
        for k, v in sorted(fields.items()):
            kvs.append(f"{k}={v if isinstance(v, str) else json.dumps(v)}")
    for kv in dict.fromkeys(kvs):
        out.add("fuzz_text", bytes([kv_sel]) + kv.encode())


def add_case(out, case, tcpdump=None, bpfasm=None):
    insns = case["insns"]
    if case["profile"] == "seccomp":
        for inp in case["inputs"][:2] or [struct.pack("<i6Q", 0, *[0] * 6)]:
            out.add("fuzz_seccomp_kernel", fz_layout(insns, inp))
    else:
        pkts = case["packets"][:2] or [b""]
        for target in PROGRAM_TARGETS:
            for pkt in pkts:
                out.add(target, fz_layout(insns, pkt[:2048]))
    if insns:
        out.add("fuzz_codec", raw(insns))
        for name, text in text_forms(insns):
            out.add("fuzz_text", bytes([TEXT_FORMATS.index(name)]) + text.encode())
        if tcpdump:
            out.add("fuzz_text", bytes([TEXT_FORMATS.index("tcpdump")]) + tcpdump.encode())
            out.add("fuzz_text", bytes([TEXT_FORMATS.index("auto")]) + tcpdump.encode())
    if bpfasm:
        out.add("fuzz_asm", bpfasm.encode())
    if case["asm_text"]:
        out.add("fuzz_asm", case["asm_text"].encode() + b"\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--out", required=True)
    ap.add_argument("--printer", help="fuzz/seed_text: library-printed text forms")
    args = ap.parse_args()
    out = Out(args.out)
    corpus = os.path.join(args.src, "corpus")
    cases = [read_case(os.path.join(dirpath, name))
             for dirpath, _, files in sorted(os.walk(corpus))
             for name in sorted(files) if name.endswith(".case")]
    tcpdump = printed(args.printer, cases, "tcpdump")
    bpfasm = printed(args.printer, cases, "bpfasm")
    add_ctx_seeds(out, cases)
    for case, td, asm in zip(cases, tcpdump, bpfasm):
        add_case(out, case, td, asm)
    committed = os.path.join(args.src, "fuzz", "seeds")
    if os.path.isdir(committed):
        for target in sorted(os.listdir(committed)):
            for name in sorted(os.listdir(os.path.join(committed, target))):
                with open(os.path.join(committed, target, name), "rb") as f:
                    out.add(target, f.read())
    for target, n in sorted(out.count.items()):
        print("seeds: %-22s %d" % (target, n))


if __name__ == "__main__":
    main()
