#!/usr/bin/env python3
"""repro.py - turn an engine's crashing input (libFuzzer crash-*, AFL++
crashes/id:*) into a cbpf-fuzz-repro/1 JSON reproducer (fuzz/README.md),
so that crashes reach `cbpf triage` the same way divergences do.

    fuzz/repro.py TARGET INPUT [--log FILE] [-o OUT.json]

The input is decoded with the target's layout (fz_input.h for the
program-running targets; raw records for codec; text for asm and text);
kind is "crash"; note is the first sanitizer/libFuzzer error line of
--log when given. The raw input is kept as input_hex. A fuzz_vm_kernel input
found against a guest ($CBPF_FUZZ_KERNEL_TARGET) names the implementations
vm and kernel:TARGET in its answers (without values), so that triage runs
the same pair."""
import argparse
import json
import os
import re
import struct
import sys

SECCOMP = {"fuzz_seccomp_kernel"}
TEXT = {"fuzz_asm": None, "fuzz_text": ["tcpdump", "dd", "ddd", "bytecode", "c", "json", "auto"]}


def records(data):
    return [list(struct.unpack("=HBBI", data[i:i + 8])) for i in range(0, len(data) - 7, 8)]


def decode(target, data):
    out = {"profile": "seccomp" if target in SECCOMP else "linux"}
    if target == "fuzz_codec":
        out["program"] = records(data[:len(data) - len(data) % 8])
        out["packets"] = [""]
    elif target in TEXT:
        fmts = TEXT[target]
        if fmts and data:
            out["text_format"] = fmts[data[0] % len(fmts)]
            data = data[1:]
        out["text"] = data.decode("utf-8", "replace")
        out["program"] = []
        out["packets"] = [""]
    else:
        n = min(data[0], (len(data) - 1) // 8) if data else 0
        out["program"] = records(data[1:1 + 8 * n])
        tail = data[1 + 8 * n:]
        if target in SECCOMP:
            buf = (tail + bytes(52))[:52]
            nr, *args = struct.unpack("=i6Q", buf)
            out["seccomp_data"] = [{"nr": nr, "arch": 0, "ip": 0, "args": args}]
        else:
            out["packets"] = [tail.hex()]
    return out


def guest_answers(target, guest):
    """The pair a guest-oracle crash is triaged on (none otherwise)."""
    if target != "fuzz_vm_kernel" or not guest:
        return []
    return [{"impl": "vm"}, {"impl": "kernel:" + guest}]


def first_error(log):
    for line in log.splitlines():
        if re.search(r"ERROR: |runtime error:|cbpf-fuzz:|SUMMARY:", line):
            return line.strip()
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("target")
    ap.add_argument("input")
    ap.add_argument("--log")
    ap.add_argument("-o", "--out")
    args = ap.parse_args()
    target = args.target if args.target.startswith("fuzz_") else "fuzz_" + args.target
    with open(args.input, "rb") as f:
        data = f.read()
    rep = {"format": "cbpf-fuzz-repro/1", "target": target[len("fuzz_"):], "kind": "crash"}
    rep.update(decode(target, data))
    rep["answers"] = guest_answers(target, os.environ.get("CBPF_FUZZ_KERNEL_TARGET"))
    rep["input_hex"] = data.hex()
    note = ""
    if args.log:
        with open(args.log, encoding="utf-8", errors="replace") as f:
            note = first_error(f.read())
    rep["note"] = note
    text = json.dumps(rep, indent=2) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
