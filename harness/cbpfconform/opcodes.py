"""opcodes: the Python side's only view of the opcode facts.

The facts live in include/cbpf/opcode_list.h; Python reads them from
`cbpf opcodes --json` (tools/cmd_opcodes.c, checked against Linux's own
definitions by harness/test_opcodes_cmd.py), once per process, and keeps
no copy. harness/test_no_opcode_copies.py fails on a table of codes
spelled out anywhere else.

    from cbpfconform import opcodes
    op = opcodes.table()              # the cbpf of paths.default_build()
    op.code("ld", "h", "abs")         # compose any code from field names
    op.code("ret", "x")               # ... including ones Linux refuses
    op.valid(c), op.kind(c), op.cls(c), op.field(c, "mode"), op.name(c)

The command-line entry points call use_build(DIR) with their --build, so
an installed package asks the cbpf it was installed with.
"""
import functools
import json
import os
import subprocess

from . import paths


class OpcodesError(Exception):
    pass


# Which field groups follow each class in code(): the parts after the class
# name are looked up in these groups only, so "x" means BPF_X after alu/jmp
# and BPF_RET_X after ret.
GROUPS = {"ld": ("size", "mode"), "ldx": ("size", "mode"), "st": (), "stx": (),
          "alu": ("alu", "src"), "jmp": ("jmp", "src"), "ret": ("rval",), "misc": ("misc",)}


class Opcodes:
    """The facts of one `cbpf opcodes --json` document."""

    def __init__(self, doc):
        self.fields = doc["fields"]
        self.masks = doc["masks"]
        self.opcodes = doc["opcodes"]              # the 49, in code order
        self.by_code = {o["code"]: o for o in self.opcodes}
        self.codes = frozenset(self.by_code)       # chk_code_allowed()
        self.seccomp_codes = frozenset(o["code"] for o in self.opcodes if o["seccomp"])
        self.extensions = doc["extensions"]        # SKF_AD_*, by index
        lim = doc["limits"]
        self.maxinsns, self.memwords = lim["maxinsns"], lim["memwords"]
        self.skf_ad_off = lim["skf_ad_off"] & 0xffffffff
        self.skf_net_off = lim["skf_net_off"] & 0xffffffff
        self.skf_ll_off = lim["skf_ll_off"] & 0xffffffff

    def code(self, cls, *parts):
        """The code of class cls with the named fields, e.g.
        code("ld", "b", "ind"), code("alu", "lsh", "x"), code("ret", "a").
        A missing field is 0, as in Linux's BPF_STMT(BPF_LD|BPF_IMM, k)."""
        value = self.fields["class"][cls]
        for part in parts:
            groups = [g for g in GROUPS[cls] if part in self.fields[g]]
            if len(groups) != 1:
                raise ValueError(f"opcodes.code: {part!r} is no field of a {cls} code")
            value |= self.fields[groups[0]][part]
        return value

    def valid(self, code):
        return code in self.codes

    def info(self, code):
        """The opcode's record of `cbpf opcodes --json`, or None."""
        return self.by_code.get(code)

    def kind(self, code):
        """"ld_abs", "alu", "jcond", ... or None for a code Linux refuses."""
        o = self.by_code.get(code)
        return o["kind"] if o else None

    def name(self, code):
        """The bpf_asm mnemonic ("ldh"), or None."""
        o = self.by_code.get(code)
        return o["mnemonic"] if o else None

    def cls(self, code):
        """The class name of any code ("ld" ... "misc")."""
        return self.field(code, "class")

    def field(self, code, group):
        """The name of code's field in group ("mode" -> "abs"), or None
        when the value has no name there."""
        value = code & self.masks[group]
        for name, v in self.fields[group].items():
            if v == value:
                return name
        return None

    def with_field(self, code, group, name):
        """code with its group field replaced: with_field(c, "mode", "abs")."""
        return (code & ~self.masks[group]) | self.fields[group][name]

    def of_kind(self, *kinds):
        return frozenset(o["code"] for o in self.opcodes if o["kind"] in kinds)

    def alu_ops(self):
        """The binary ALU operations (neg is an opcode of its own), in the
        order of their field values."""
        ops = self.fields["alu"]
        return [n for n in sorted(ops, key=ops.get) if n != "neg"]

    def jmp_ops(self):
        """The conditional jumps (not ja), in the order of their values."""
        ops = self.fields["jmp"]
        return [n for n in sorted(ops, key=ops.get) if n != "ja"]

    def ext_k(self, name):
        """The k of extension name ("proto", "rand", ...)."""
        for e in self.extensions:
            if e["name"] == name:
                return e["k"]
        raise ValueError(f"opcodes.ext_k: no extension {name!r}")

    def ext_name(self, k):
        """The extension name of an ld [k] offset, or None."""
        for e in self.extensions:
            if e["k"] == k:
                return e["name"]
        return None


_build = None


def use_build(build):
    """Read the facts from build's bin/cbpf from now on."""
    global _build
    _build = build


def binary(build=None):
    return os.path.join(build or _build or paths.default_build(), "bin", "cbpf")


@functools.lru_cache(maxsize=None)
def _load(cbpf):
    try:
        out = subprocess.run([cbpf, "opcodes", "--json"], capture_output=True, text=True,
                             check=False, timeout=60)
    except OSError as e:
        raise OpcodesError(f"{cbpf}: {e.strerror} (the opcode facts come from "
                           f"`cbpf opcodes --json`: build cbpf, or set CBPF_BUILD)") from None
    if out.returncode != 0:
        raise OpcodesError(f"{cbpf} opcodes --json: exit {out.returncode}: "
                           f"{out.stderr.strip()}")
    return Opcodes(json.loads(out.stdout))


def table(build=None):
    """The opcode facts (read once per cbpf binary and process)."""
    return _load(os.path.abspath(binary(build)))
