"""classify: names the known cause of a peer's divergence from the kernel.

The rules are data (causes.json, beside this file); this module computes the
program features they refer to and applies the first matching rule.
"""
import json
import os
import re

SKF_AD_OFF = 0xfffff000

# Linux's chk_code_allowed() list (linux-semantics: validate.opcode), used
# here only to name the "invalid-opcode" feature of a program.
LINUX_CODES = frozenset((
    0x00, 0x01, 0x02, 0x03, 0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54,
    0x5c, 0x64, 0x6c, 0x74, 0x7c, 0x84, 0x94, 0x9c, 0xa4, 0xac, 0x05, 0x15, 0x1d, 0x25, 0x2d,
    0x35, 0x3d, 0x45, 0x4d, 0x06, 0x16, 0x07, 0x87, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x80,
    0x81, 0x60, 0x61, 0xb1))
JCOND = frozenset((0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d))
# What seccomp_check_filter() lets through besides ld [k] (linux-semantics:
# seccomp.opcode): no mod, no ldb/ldh [k], no ld [x+k], no ldxb.
SECCOMP_CODES = frozenset((
    0x80, 0x81, 0x06, 0x16, 0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x54, 0x5c, 0x44,
    0x4c, 0xa4, 0xac, 0x64, 0x6c, 0x74, 0x7c, 0x84, 0x00, 0x01, 0x07, 0x87, 0x60, 0x61, 0x02,
    0x03, 0x05, 0x15, 0x1d, 0x35, 0x3d, 0x25, 0x2d, 0x45, 0x4d))


def load_rules(path=None):
    path = path or os.path.join(os.path.dirname(__file__), "causes.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)["rules"]


def reads_unstored(prog):
    """The kernel's check_load_and_stores() (linux-semantics:
    validate.scratch-uninit): True when
    some M[k] is read on a path without a store to it."""
    n = len(prog)
    masks = [0xffff] * n
    valid = 0
    for pc, (c, jt, jf, k) in enumerate(prog):
        valid &= masks[pc]
        if c in (0x02, 0x03) and k < 16:
            valid |= 1 << k
        elif c in (0x60, 0x61) and k < 16:
            if not valid & (1 << k):
                return True
        elif c == 0x05:
            if pc + 1 + k < n:
                masks[pc + 1 + k] &= valid
            valid = 0xffff
        elif c in JCOND:
            for t in (pc + 1 + jt, pc + 1 + jf):
                if t < n:
                    masks[t] &= valid
            valid = 0xffff
    return False


def unreachable(prog):
    """True when some instruction cannot be reached from the first (dead
    code: Linux runs it never and accepts it; eBPF validators such as
    DPDK's refuse it). Jumps out of range are the jump-out-of-range feature."""
    n = len(prog)
    seen = set()
    todo = [0] if n else []
    while todo:
        pc = todo.pop()
        if pc in seen or pc >= n:
            continue
        seen.add(pc)
        c, jt, jf, k = prog[pc]
        if c in (0x06, 0x16):
            continue
        if c == 0x05:
            todo.append(pc + 1 + k)
        elif c in JCOND:
            todo += [pc + 1 + jt, pc + 1 + jf]
        else:
            todo.append(pc + 1)
    return len(seen) < n


def seccomp_forbidden(c, k):
    """An instruction seccomp_check_filter() refuses (linux-semantics:
    seccomp.opcode, seccomp.load)."""
    if c == 0x20:
        return k >= 64 or k % 4 != 0
    return c not in SECCOMP_CODES


def features(prog):
    f = set()
    n = len(prog)
    if n == 0:
        f.add("empty")
    if n > 4096:
        f.add("len>4096")
    if n >= 500:
        f.add("long-program")
    if prog and prog[-1][0] not in (0x06, 0x16):
        f.add("last-not-ret")
    for pc, (c, jt, jf, k) in enumerate(prog):
        if c not in LINUX_CODES:
            f.add("invalid-opcode")
            continue
        if c in (0x02, 0x03, 0x60, 0x61) and k >= 16:
            f.add("scratch-index")
        if c in (0x60, 0x61):
            f.add("scratch-read")
        if c in (0x64, 0x74) and k >= 32:
            f.add("shift-k-ge-32")
        if c in (0x6c, 0x7c):
            f.add("shift-x")
        if c in (0x34, 0x94) and k == 0:
            f.add("div-k-zero")
        if c in (0x40, 0x48, 0x50):
            f.add("ind-load")
        if c in (0x20, 0x28, 0x30):
            if k >= SKF_AD_OFF:
                off = k - SKF_AD_OFF
                f.add("extension" if off % 4 == 0 and off < 64 else "abs-unknown-ad")
            elif k >= 0x80000000:
                f.add("negative-abs")
        if c == 0xb1 and k >= 0x80000000:
            f.add("msh-negative")
        if c == 0x20 and k == 4:
            f.add("ld-abs-4")  # seccomp: seccomp_data.arch
        if c == 0x20 and k in (20, 28, 36, 44, 52, 60):
            f.add("ld-abs-args-hi")  # seccomp: the high words of args[] (little-endian)
        if c == 0x20 and 16 <= k < 64 and k % 4 == 0:
            f.add("ld-abs-args")  # seccomp: a word of args[]
        if c in (0x20, 0x28, 0x30) and k in (SKF_AD_OFF + 12, SKF_AD_OFF + 16):
            f.add("ext-nla")  # SKF_AD_NLATTR, SKF_AD_NLATTR_NEST
        if c == 0x84:
            f.add("neg")
        if c == 0x84 and k != 0:
            f.add("neg-junk-k")  # neg ignores k (linux-semantics: validate.unchecked)
        if c in (0x07, 0x87):
            f.add("tax-txa")
        if c in (0x3c, 0x9c):
            f.add("div-x")
        if c in (0x45, 0x4d):
            f.add("jset")
        if c in (0x40, 0x48, 0x50) and k >= 0x80000000:
            f.add("ind-negative-k")
        if seccomp_forbidden(c, k):
            f.add("seccomp-forbidden")
        if c == 0x81:
            f.add("ldx-len")
        if c == 0x05 and pc + 1 + k > n - 1:
            f.add("jump-out-of-range")
        if c in JCOND and (pc + 1 + jt > n - 1 or pc + 1 + jf > n - 1):
            f.add("jump-out-of-range")
    if "scratch-read" in f and reads_unstored(prog):
        f.add("unstored-read")
    if unreachable(prog):
        f.add("unreachable-code")
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
