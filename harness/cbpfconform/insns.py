"""insns: the instruction vocabulary programs are written in (the corpus
generators, randprog.py, tests).

Each helper returns one instruction as ([code, jt, jf, k], "bpf_asm text");
the text becomes the comment next to the raw line in a case file. The codes
come from `cbpf opcodes --json` (opcodes.py), never from a copy; they are
looked up when first used, so importing this module runs nothing.

The constants below (SKF_AD_OFF, EXTENSIONS, ALU_OPS, ...) are attributes
computed from the same facts on first access.
"""
import functools

from . import opcodes


def code(*parts):
    """opcodes.Opcodes.code of the current table: code("ld", "h", "abs")."""
    return opcodes.table().code(*parts)


@functools.lru_cache(maxsize=None)
def _constants(op):
    return {
        "OP": op,
        "SKF_AD_OFF": op.skf_ad_off, "SKF_NET_OFF": op.skf_net_off,
        "SKF_LL_OFF": op.skf_ll_off,
        # SKF_AD_* offset -> bpf_asm extension name.
        "EXTENSIONS": {e["k"] - op.skf_ad_off: e["name"] for e in op.extensions},
        "ALU_OPS": op.alu_ops(),   # add .. xor, in the order of their field values
        "JMP_OPS": op.jmp_ops(),   # jeq jgt jge jset
        # Load mnemonic -> size field: {"ld": "w", "ldh": "h", "ldb": "b"}.
        "SIZES": {op.name(op.code("ld", s, "abs")): s for s in op.fields["size"]},
    }


def __getattr__(name):
    c = _constants(opcodes.table())
    if name in c:
        return c[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _k(k):
    return k & 0xffffffff


def _off(k):
    c = _constants(opcodes.table())
    SKF_AD_OFF, SKF_NET_OFF, SKF_LL_OFF = c["SKF_AD_OFF"], c["SKF_NET_OFF"], c["SKF_LL_OFF"]
    EXTENSIONS = c["EXTENSIONS"]
    k = _k(k)
    if k >= SKF_AD_OFF:
        n = k - SKF_AD_OFF
        return f"{EXTENSIONS[n]}" if n in EXTENSIONS else f"SKF_AD_OFF+{n}"
    if k >= SKF_NET_OFF:
        return f"SKF_NET_OFF+{k - SKF_NET_OFF}"
    if k >= SKF_LL_OFF:
        return f"SKF_LL_OFF+{k - SKF_LL_OFF}"
    return f"{k:#x}" if k > 0xffff else str(k)


def _size(mnemonic):
    return _constants(opcodes.table())["SIZES"][mnemonic]


def ld_imm(k):
    return [code("ld", "imm"), 0, 0, _k(k)], f"ld #{_k(k):#x}"


def ldx_imm(k):
    return [code("ldx", "imm"), 0, 0, _k(k)], f"ldx #{_k(k):#x}"


def st(k):
    return [code("st"), 0, 0, _k(k)], f"st M[{_k(k)}]"


def stx(k):
    return [code("stx"), 0, 0, _k(k)], f"stx M[{_k(k)}]"


def alu_k(op, k):
    return [code("alu", op, "k"), 0, 0, _k(k)], f"{op} #{_k(k):#x}"


def alu_x(op):
    return [code("alu", op, "x"), 0, 0, 0], f"{op} x"


def neg():
    return [code("alu", "neg"), 0, 0, 0], "neg"


def ja(k):
    return [code("jmp", "ja"), 0, 0, _k(k)], f"ja +{_k(k)}"


def jmp_k(op, k, jt, jf):
    return [code("jmp", op, "k"), jt, jf, _k(k)], f"{op} #{_k(k):#x}, +{jt}, +{jf}"


def jmp_x(op, jt, jf):
    return [code("jmp", op, "x"), jt, jf, 0], f"{op} x, +{jt}, +{jf}"


def ret_k(k):
    return [code("ret", "k"), 0, 0, _k(k)], f"ret #{_k(k):#x}"


def ret_a():
    return [code("ret", "a"), 0, 0, 0], "ret a"


def tax():
    return [code("misc", "tax"), 0, 0, 0], "tax"


def txa():
    return [code("misc", "txa"), 0, 0, 0], "txa"


def ld_abs(size, k):
    return [code("ld", _size(size), "abs"), 0, 0, _k(k)], f"{size} [{_off(k)}]"


def ld_ind(size, k):
    return [code("ld", _size(size), "ind"), 0, 0, _k(k)], f"{size} [x+{_off(k)}]"


def ld_mem(k):
    return [code("ld", "mem"), 0, 0, _k(k)], f"ld M[{_k(k)}]"


def ldx_mem(k):
    return [code("ldx", "mem"), 0, 0, _k(k)], f"ldx M[{_k(k)}]"


def ld_len():
    return [code("ld", "len"), 0, 0, 0], "ld #len"


def ldx_len():
    return [code("ldx", "len"), 0, 0, 0], "ldx #len"


def ldx_msh(k):
    return [code("ldx", "b", "msh"), 0, 0, _k(k)], f"ldxb 4*([{_off(k)}]&0xf)"


def raw(code, jt=0, jf=0, k=0, text=None):
    return [code, jt, jf, _k(k)], text or f"raw {code:#06x} {jt} {jf} {_k(k):#x}"


def tags(*insns):
    """The opcode= tags of the instructions, in order."""
    return [f"opcode={i[0][0]:#04x}" for i in insns]
