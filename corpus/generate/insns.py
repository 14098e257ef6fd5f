"""insns: the instruction vocabulary the corpus generators write programs in.

Each helper returns one instruction as ([code, jt, jf, k], "bpf_asm text");
the text becomes the comment next to the raw line in the case file. This is
only the generators' shorthand: the runner reads the raw numbers.
"""

SKF_AD_OFF = 0xfffff000
SKF_NET_OFF = 0xfff00000
SKF_LL_OFF = 0xffe00000

# SKF_AD_* offset -> bpf_asm extension name ("xor_x" has no bpf_asm name).
EXTENSIONS = {0: "proto", 4: "type", 8: "ifidx", 12: "nla", 16: "nlan", 20: "mark",
              24: "queue", 28: "hatype", 32: "rxhash", 36: "cpu", 40: "xor_x",
              44: "vlan_tci", 48: "vlan_avail", 52: "poff", 56: "rand", 60: "vlan_tpid"}

ALU_OPS = {"add": 0x00, "sub": 0x10, "mul": 0x20, "div": 0x30, "or": 0x40, "and": 0x50,
           "lsh": 0x60, "rsh": 0x70, "mod": 0x90, "xor": 0xa0}
JMP_OPS = {"jeq": 0x10, "jgt": 0x20, "jge": 0x30, "jset": 0x40}
SIZES = {"ld": 0x00, "ldh": 0x08, "ldb": 0x10}


def _k(k):
    return k & 0xffffffff


def _off(k):
    k = _k(k)
    if k >= SKF_AD_OFF:
        n = k - SKF_AD_OFF
        return f"{EXTENSIONS[n]}" if n in EXTENSIONS else f"SKF_AD_OFF+{n}"
    if k >= SKF_NET_OFF:
        return f"SKF_NET_OFF+{k - SKF_NET_OFF}"
    if k >= SKF_LL_OFF:
        return f"SKF_LL_OFF+{k - SKF_LL_OFF}"
    return f"{k:#x}" if k > 0xffff else str(k)


def ld_imm(k):
    return [0x00, 0, 0, _k(k)], f"ld #{_k(k):#x}"


def ldx_imm(k):
    return [0x01, 0, 0, _k(k)], f"ldx #{_k(k):#x}"


def st(k):
    return [0x02, 0, 0, _k(k)], f"st M[{_k(k)}]"


def stx(k):
    return [0x03, 0, 0, _k(k)], f"stx M[{_k(k)}]"


def alu_k(op, k):
    return [0x04 | ALU_OPS[op], 0, 0, _k(k)], f"{op} #{_k(k):#x}"


def alu_x(op):
    return [0x0c | ALU_OPS[op], 0, 0, 0], f"{op} x"


def neg():
    return [0x84, 0, 0, 0], "neg"


def ja(k):
    return [0x05, 0, 0, _k(k)], f"ja +{_k(k)}"


def jmp_k(op, k, jt, jf):
    return [0x05 | JMP_OPS[op], jt, jf, _k(k)], f"{op} #{_k(k):#x}, +{jt}, +{jf}"


def jmp_x(op, jt, jf):
    return [0x0d | JMP_OPS[op], jt, jf, 0], f"{op} x, +{jt}, +{jf}"


def ret_k(k):
    return [0x06, 0, 0, _k(k)], f"ret #{_k(k):#x}"


def ret_a():
    return [0x16, 0, 0, 0], "ret a"


def tax():
    return [0x07, 0, 0, 0], "tax"


def txa():
    return [0x87, 0, 0, 0], "txa"


def ld_abs(size, k):
    return [0x20 | SIZES[size], 0, 0, _k(k)], f"{size} [{_off(k)}]"


def ld_ind(size, k):
    return [0x40 | SIZES[size], 0, 0, _k(k)], f"{size} [x+{_off(k)}]"


def ld_mem(k):
    return [0x60, 0, 0, _k(k)], f"ld M[{_k(k)}]"


def ldx_mem(k):
    return [0x61, 0, 0, _k(k)], f"ldx M[{_k(k)}]"


def ld_len():
    return [0x80, 0, 0, 0], "ld #len"


def ldx_len():
    return [0x81, 0, 0, 0], "ldx #len"


def ldx_msh(k):
    return [0xb1, 0, 0, _k(k)], f"ldxb 4*([{_off(k)}]&0xf)"


def raw(code, jt=0, jf=0, k=0, text=None):
    return [code, jt, jf, _k(k)], text or f"raw {code:#06x} {jt} {jf} {_k(k):#x}"
