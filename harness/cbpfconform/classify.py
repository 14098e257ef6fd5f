"""classify: names the known cause of a peer's divergence from the kernel.

The rules are data (causes.json, beside this file); this module computes the
program features they refer to and applies the first matching rule.
"""
import functools
import json
import os
import re
import types

from . import opcodes


@functools.lru_cache(maxsize=None)
def _codes(op):
    """The codes the features below look for, named (from op, the facts of
    `cbpf opcodes --json`)."""
    c = op.code
    return types.SimpleNamespace(
        valid=op.codes,                   # linux-semantics: validate.opcode
        st=op.of_kind("st"), ld_mem=op.of_kind("ld_mem"), ja=c("jmp", "ja"),
        jcond=op.of_kind("jcond"), ret=op.of_kind("ret"), abs=op.of_kind("ld_abs"),
        ind=op.of_kind("ld_ind"), msh=op.of_kind("ld_msh"), neg=op.of_kind("neg"),
        ld_w_abs=c("ld", "w", "abs"), ldx_len=c("ldx", "len"),
        shift_k={c("alu", "lsh", "k"), c("alu", "rsh", "k")},
        shift_x={c("alu", "lsh", "x"), c("alu", "rsh", "x")},
        div_k={c("alu", "div", "k"), c("alu", "mod", "k")},
        ext=frozenset(e["k"] for e in op.extensions),
        ext_nla={op.ext_k("nla"), op.ext_k("nlan")},
        skf_ad_off=op.skf_ad_off, maxinsns=op.maxinsns, memwords=op.memwords)


def codes():
    return _codes(opcodes.table())


def load_rules(path=None):
    path = path or os.path.join(os.path.dirname(__file__), "causes.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)["rules"]


def reads_unstored(prog):
    """The kernel's check_load_and_stores() (linux-semantics:
    validate.scratch-uninit): True when
    some M[k] is read on a path without a store to it."""
    C = codes()
    n = len(prog)
    every = (1 << C.memwords) - 1
    masks = [every] * n
    valid = 0
    for pc, (c, jt, jf, k) in enumerate(prog):
        valid &= masks[pc]
        if c in C.st and k < C.memwords:
            valid |= 1 << k
        elif c in C.ld_mem and k < C.memwords:
            if not valid & (1 << k):
                return True
        elif c == C.ja:
            if pc + 1 + k < n:
                masks[pc + 1 + k] &= valid
            valid = every
        elif c in C.jcond:
            for t in (pc + 1 + jt, pc + 1 + jf):
                if t < n:
                    masks[t] &= valid
            valid = every
    return False


def features(prog):
    C = codes()
    f = set()
    n = len(prog)
    if n > C.maxinsns:
        f.add("len>4096")
    if n >= 500:
        f.add("long-program")
    if prog and prog[-1][0] not in C.ret:
        f.add("last-not-ret")
    for pc, (c, jt, jf, k) in enumerate(prog):
        if c not in C.valid:
            f.add("invalid-opcode")
            continue
        if (c in C.st or c in C.ld_mem) and k >= C.memwords:
            f.add("scratch-index")
        if c in C.ld_mem:
            f.add("scratch-read")
        if c in C.shift_k and k >= 32:
            f.add("shift-k-ge-32")
        if c in C.shift_x:
            f.add("shift-x")
        if c in C.div_k and k == 0:
            f.add("div-k-zero")
        if c in C.ind:
            f.add("ind-load")
        if c in C.abs:
            if k >= C.skf_ad_off:
                f.add("extension" if k in C.ext else "abs-unknown-ad")
            elif k >= 0x80000000:
                f.add("negative-abs")
        if c in C.msh and k >= 0x80000000:
            f.add("msh-negative")
        if c == C.ld_w_abs and k == 4:
            f.add("ld-abs-4")  # seccomp: seccomp_data.arch
        if c == C.ld_w_abs and k in (20, 28, 36, 44, 52, 60):
            f.add("ld-abs-args-hi")  # seccomp: the high words of args[] (little-endian)
        if c == C.ld_w_abs and 16 <= k < 64 and k % 4 == 0:
            f.add("ld-abs-args")  # seccomp: a word of args[]
        if c in C.abs and k in C.ext_nla:
            f.add("ext-nla")  # SKF_AD_NLATTR, SKF_AD_NLATTR_NEST
        if c in C.neg:
            f.add("neg")
        if c == C.ldx_len:
            f.add("ldx-len")
        if c == C.ja and pc + 1 + k > n - 1:
            f.add("jump-out-of-range")
        if c in C.jcond and (pc + 1 + jt > n - 1 or pc + 1 + jf > n - 1):
            f.add("jump-out-of-range")
    if "scratch-read" in f and reads_unstored(prog):
        f.add("unstored-read")
    return f


def classify(rules, prog, outcome, ref, got, peer=None):
    """-> the cause name, or 'new'."""
    feats = features(prog)
    notes = " ".join(str(r.get("note", "")) for r in (got.get("results") or []))
    notes += " " + str(got.get("reason", ""))
    for rule in rules:
        if outcome not in rule["outcome"]:
            continue
        if not feats & set(rule.get("features_any", [])):
            continue
        if rule.get("peers") and peer not in rule["peers"]:
            continue
        # kernel targets (kernels.py) get only the rules written for them
        if (peer or "").startswith("kernel:") != bool(rule.get("peer_regex")):
            continue
        if rule.get("peer_regex") and not re.search(rule["peer_regex"], peer or ""):
            continue
        if rule.get("kernel_errno") and ref.get("errno") not in rule["kernel_errno"]:
            continue
        if rule.get("note_regex") and not re.search(rule["note_regex"], notes):
            continue
        return rule["cause"]
    return "new"
