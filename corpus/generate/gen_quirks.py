"""gen_quirks: the run-time kernel quirks of docs/linux-semantics.md, each
with the example the entry gives and its neighbours, tagged with the
entry's name. (The numeric prefixes of the directories only keep their
old order; they refer to nothing.)
"""
import struct

from cbpfconform.casefile import Case
from cbpfconform import insns as I
from packets import pattern, with_words


def case(cid, desc, prog, packets, tags):
    return Case(id=f"quirks/{cid}", path="", description=desc, tags=tags,
                program=[p[0] for p in prog], program_comments=[p[1] for p in prog],
                packets=list(packets))


P100 = [pattern(100)]


def shifts():
    for op, a, x in (("lsh", 3, 33), ("rsh", 6, 33), ("lsh", 3, 32), ("lsh", 0xdeadbeef, 0xffffffff),
                     ("rsh", 0x80000000, 0xffffffff), ("rsh", 0x80000000, 63), ("lsh", 1, 64)):
        yield case(f"1_shift_x/{op}_{a:#x}_by_{x}",
                   f"{op} x with X={x}: the count is masked to 5 bits (not 0)",
                   [I.ld_imm(a), I.ldx_imm(x), I.alu_x(op), I.ret_a()], P100,
                   ["linux-semantics=alu.shift-x-masked", "cause=shift-x-ge-32"])


def div_zero():
    for op in ("div", "mod"):
        yield case(f"2_div_x_zero/{op}_ends_program",
                   f"{op} x with X=0 ends the whole program returning 0 (ret #9 never runs)",
                   [I.ld_imm(7), I.alu_x(op), I.ret_k(9)], P100,
                   ["linux-semantics=alu.div-x-zero"])
        yield case(f"2_div_x_zero/{op}_x_from_packet",
                   f"{op} x with X from the packet: 0 ends the program",
                   [I.ld_abs("ld", 0), I.tax(), I.ld_imm(1000), I.alu_x(op), I.ret_a()],
                   [with_words([0]), with_words([3]), with_words([0xffffffff])],
                   ["linux-semantics=alu.div-x-zero"])
        yield case(f"2_div_x_zero/{op}_unsigned",
                   f"{op} is unsigned (0xfffffff9 {op} 4, 0x80000000 {op} 0xffffffff)",
                   [I.ld_abs("ld", 0), I.ldx_imm(4), I.alu_x(op), I.ret_a()],
                   [with_words([0xfffffff9]), with_words([0x80000000])],
                   ["linux-semantics=alu.unsigned-div-mod"])


def failed_loads():
    for name, prog in (("abs_oob", [I.ld_abs("ld", 1000), I.ret_k(77)]),
                       ("abs_straddle", [I.ld_abs("ld", 98), I.ret_k(77)]),
                       ("ldh_straddle", [I.ld_abs("ldh", 99), I.ret_k(77)]),
                       ("ind_oob", [I.ldx_imm(50), I.ld_ind("ldb", 50), I.ret_k(77)]),
                       ("msh_oob", [I.ldx_msh(100), I.ret_k(77)]),
                       ("ll_off_no_mac", [I.ld_abs("ldb", I.SKF_LL_OFF), I.ret_k(77)]),
                       ("below_ll_off", [I.ld_abs("ldb", I.SKF_LL_OFF - 1), I.ret_k(77)]),
                       ("ind_negative", [I.ldx_imm(1), I.ld_ind("ldb", 0xfffffffe), I.ret_k(77)]),
                       ("after_good_load", [I.ld_abs("ldb", 0), I.st(0), I.ld_abs("ld", 200),
                                            I.ld_mem(0), I.ret_a()])):
        yield case(f"3_failed_load/{name}",
                   f"a failed load ({name}) ends the program returning 0", prog, P100,
                   ["linux-semantics=load.failure-returns-0", "cause=oob-load"])


def nodev():
    for ext in ("ifidx", "hatype"):
        off = [o for o, n in I.EXTENSIONS.items() if n == ext][0]
        for a in (0, 77, 0xffffffff):
            yield case(f"4_nodev/{ext}_a_{a:#x}",
                       f"ld {ext} without a device ends the program returning A ({a:#x})",
                       [I.ld_imm(a), I.ld_abs("ld", I.SKF_AD_OFF + off), I.ret_k(5)], P100,
                       ["linux-semantics=ext.nodev", f"ext={ext}"])


def ext_size():
    for size in I.SIZES:  # ld ldh ldb
        yield case(f"5_ext_size/xor_x_{size}",
                   f"{size} [xor_x] ignores the size: A ^= X in full (10 ^ 3 = 9, 0x100fe ^ 0x1 = 0x100ff)",
                   [I.ld_abs("ld", 0), I.ldx_imm(0x101), I.ld_abs(size, I.OP.ext_k("xor_x")), I.ret_a()],
                   [with_words([10]), with_words([0x100fe]), with_words([0xffffffff])],
                   ["linux-semantics=ext.size-ignored", "ext=xor_x"])


def ind_wrap():
    for x, k in ((0xffffffff, 1), (0x11, 0xfffffff0), (0xffffffff, 2), (0x80000000, 0x80000001),
                 (0xfffffff0, 0x20), (0x100, 0xffffff00)):
        yield case(f"6_ind_wrap/x{x:#x}_k{k:#x}",
                   f"ldb [x+k] with X={x:#x} k={k:#x}: X+k wraps at 32 bits",
                   [I.ldx_imm(x), I.ld_ind("ldb", k), I.ret_a()], P100,
                   ["linux-semantics=load.ind-offset", "cause=ind-wrap"])


def negative_offsets():
    for size in I.SIZES:  # ld ldh ldb
        for k in (I.SKF_NET_OFF, I.SKF_NET_OFF + 10, I.SKF_NET_OFF + 97, I.SKF_NET_OFF + 99,
                  I.SKF_NET_OFF + 100):
            yield case(f"7_negative_offsets/{size}_net_{k - I.SKF_NET_OFF}",
                       f"{size} [SKF_NET_OFF+{k - I.SKF_NET_OFF}] reads the network header (AF_UNIX: offset 0)",
                       [I.ld_abs(size, k), I.ret_a()], P100,
                       ["linux-semantics=window.net", "cause=negative-offset"])
    yield case("7_negative_offsets/ind_into_net",
               "ldb [x+k] landing in the SKF_NET_OFF window reads the network header",
               [I.ldx_imm(0xfff00000), I.ld_ind("ldb", 3), I.ret_a()], P100,
               ["linux-semantics=window.net", "linux-semantics=load.ind-offset",
                "cause=negative-offset"])
    yield case("7_negative_offsets/msh_net",
               "ldxb 4*([SKF_NET_OFF]&0xf) reads the network header",
               [I.ldx_msh(I.SKF_NET_OFF), I.txa(), I.ret_a()], P100,
               ["linux-semantics=window.net", "linux-semantics=load.msh",
                "cause=negative-offset"])


def nlattr(atype, payload):
    n = 4 + len(payload)
    pad = (4 - n % 4) % 4
    return struct.pack("<HH", n, atype) + payload + b"\0" * pad


def netlink():
    attrs = nlattr(1, b"\x11\x22\x33\x44") + nlattr(2, b"abcdefgh") + \
        nlattr(3, nlattr(7, b"\x01\x02\x03\x04") + nlattr(8, b"\x05\x06\x07\x08"))
    pkt = attrs + b"\0" * 8
    for x in (1, 2, 3, 4):
        yield case(f"8_nla/find_type_{x}",
                   f"ld [nla] with A=0, X={x}: byte offset of attribute type {x} (host-endian headers)",
                   [I.ld_imm(0), I.ldx_imm(x), I.ld_abs("ld", I.OP.ext_k("nla")), I.ret_a()],
                   [pkt], ["linux-semantics=ext.nla", "ext=nla"])
    for a in (4, 8, 20, len(pkt) - 4, len(pkt)):
        yield case(f"8_nla/start_{a}", f"ld [nla] starting at A={a}",
                   [I.ld_imm(a), I.ldx_imm(2), I.ld_abs("ld", I.OP.ext_k("nla")), I.ret_a()],
                   [pkt], ["linux-semantics=ext.nla", "ext=nla"])
    nest_at = len(nlattr(1, b"1234")) + len(nlattr(2, b"abcdefgh"))
    for x in (7, 8, 9):
        yield case(f"8_nla/nested_{x}", f"ld [nlan] inside the nest at A={nest_at}, X={x}",
                   [I.ld_imm(nest_at), I.ldx_imm(x), I.ld_abs("ld", I.OP.ext_k("nlan")), I.ret_a()],
                   [pkt], ["linux-semantics=ext.nlan", "ext=nlan"])


def return_length():
    yield case("12_return_length/empty_ok", "ret #1 on a 2-byte packet keeps 1 byte",
               [I.ret_k(1)], [pattern(2), pattern(3)], ["linux-semantics=ret.trim"])
    yield case("12_return_length/big_packet", "ret a on a 70000-byte packet (skb frags)",
               [I.ld_abs("ld", 69996), I.ret_a()], [pattern(70000)],
               ["linux-semantics=ret.trim", "linux-semantics=load.frags"])
    yield case("12_return_length/frag_ldb", "ldb in the frags of a 100000-byte datagram",
               [I.ld_abs("ldb", 99999), I.ldx_imm(99990), I.ld_ind("ldh", 1), I.ret_a()],
               [pattern(100000)], ["linux-semantics=ret.trim", "linux-semantics=load.frags"])


def arithmetic():
    for name, prog, words in (
            ("mul_wraps", [I.ld_abs("ld", 0), I.alu_k("mul", 0x10001), I.ret_a()],
             [0xffff, 0x12345678]),
            ("neg_zero_minus", [I.ld_abs("ld", 0), I.neg(), I.ret_a()], [5, 0]),
            ("jgt_unsigned", [I.ld_abs("ld", 0), I.jmp_k("jgt", 0x80000000, 0, 1), I.ret_k(1),
                              I.ret_k(2)], [0xffffffff, 0x7fffffff]),
            ("sub_wraps", [I.ld_abs("ld", 0), I.alu_k("sub", 1), I.ret_a()], [0, 1])):
        tag = {"neg_zero_minus": "linux-semantics=alu.neg",
               "jgt_unsigned": "linux-semantics=jump.unsigned"}.get(name, "linux-semantics=alu.u32")
        yield case(f"13_arithmetic/{name}", f"u32 arithmetic: {name}", prog,
                   [with_words([w]) for w in words], [tag])


def cases():
    for gen in (shifts, div_zero, failed_loads, nodev, ext_size, ind_wrap, negative_offsets,
                netlink, return_length, arithmetic):
        yield from gen()
