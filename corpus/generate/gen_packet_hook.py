"""gen_packet_hook: cases the kernel runs on an AF_PACKET socket on lo
(`hook: packet`): the frame starts at the mac header, the network header is
at 14, and the skb has real metadata (protocol, pkttype, a device). Here
SKF_LL_OFF loads succeed, SKF_NET_OFF is 14 bytes in, and the extensions
give real values. One frame per case, because the metadata (protocol)
depends on the frame; recording writes the context the kernel reported
into the case (`ctx:`) so the VM runs on the same input.
"""
from casefile import Case
import frames as F
import insns as I

# name -> index in frames.frames(). No VLAN-tagged frame: on receive the
# kernel moves the tag into skb->vlan_tci and the program sees a frame 4
# bytes shorter than the one sent, while the oracle reports only the
# metadata, so a VM could not be given the same input.
FRAMES = {"ipv4_tcp": 0, "ipv4_udp_dns": 5, "ipv6_tcp": 23, "arp_request": 37}


def programs():
    for off, name in I.EXTENSIONS.items():
        yield f"ext_{name}", f"ld [{name}] on AF_PACKET (real skb metadata)", \
            [I.ld_imm(0x1234567), I.ldx_imm(0x89), I.ld_abs("ld", I.SKF_AD_OFF + off), I.ret_a()], \
            {"random": "random", "cpu": "cpu"}.get(name)
    for size, k in (("ldb", I.SKF_LL_OFF), ("ldh", I.SKF_LL_OFF + 12), ("ld", I.SKF_LL_OFF + 6),
                    ("ldb", I.SKF_LL_OFF + 14), ("ldb", I.SKF_NET_OFF), ("ld", I.SKF_NET_OFF + 12),
                    ("ldb", I.SKF_NET_OFF + 9), ("ldh", I.SKF_NET_OFF + 100000),
                    ("ldb", I.SKF_LL_OFF - 1)):
        yield f"{size}_{I._off(k).replace('+', '_plus_').lower()}", \
            f"{size} [{I._off(k)}] on AF_PACKET: mac header at 0, network header at 14", \
            [I.ld_abs(size, k), I.ret_a()], None
    yield "ldxb_net", "ldxb 4*([SKF_NET_OFF]&0xf): the IPv4 header length", \
        [I.ldx_msh(I.SKF_NET_OFF), I.txa(), I.ret_a()], None
    yield "ind_into_ll", "ldh [x+12] with X = SKF_LL_OFF: IND lands in the mac window", \
        [I.ldx_imm(I.SKF_LL_OFF), I.ld_ind("ldh", 12), I.ret_a()], None
    yield "len", "ld #len is the frame length (L2 header included)", [I.ld_len(), I.ret_a()], None
    yield "ldx_len", "ldx #len; txa", [I.ldx_len(), I.txa(), I.ret_a()], None


def cases():
    frs = F.frames()
    for pname, desc, prog, nondet in programs():
        for fname, idx in FRAMES.items():
            c = Case(id=f"packet_hook/{pname}/{fname}", path="",
                     description=f"{desc}; frame: {frs[idx][0]}", hook="packet",
                     tags=["hook=packet"] + [f"opcode={prog[-2][0][0]:#04x}"],
                     program=[p[0] for p in prog], program_comments=[p[1] for p in prog],
                     packets=[frs[idx][1]])
            c.nondeterministic = nondet
            yield c
