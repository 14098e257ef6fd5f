"""gen_packet_hook: cases the kernel runs on an AF_PACKET socket on lo
(`hook: packet`): the frame starts at the mac header, the network header is
at 14, and the skb has real metadata (protocol, pkttype, a device). Here
SKF_LL_OFF loads succeed, SKF_NET_OFF is 14 bytes in, and the extensions
give real values. One frame per case, because the metadata (protocol)
depends on the frame; recording writes the context the kernel reported
into the case (`ctx:`) so the VM runs on the same input. VLAN cases carry
the tag in ctx: (an input: the oracle puts it on the wire) and the frame
without it (what the program sees).
"""
from cbpfconform.casefile import Case
import frames as F
from cbpfconform import insns as I

# name -> index in frames.frames().
FRAMES = {"ipv4_tcp": 0, "ipv4_udp_dns": 5, "ipv6_tcp": 23, "arp_request": 37}

# VLAN-tagged frames: name -> (index in frames.frames(), outer TPID). On
# receive the kernel moves the outer tag (bytes 12..15) into the skb
# (vlan_avail 1, vlan_tci, vlan_tpid) before any AF_PACKET socket sees the
# frame [6.18, measured: tests/test_kernel_packet.c], so the program sees
# the frame without it: that is the case's packet, and the tag is given in
# ctx:, which the kernel oracle puts back on the wire. For QinQ the inner
# 802.1Q tag stays in the data. "8021ad_tcp" is the 802.1Q frame with the
# 802.1ad TPID.
VLAN_FRAMES = {"vlan_tcp": (32, None), "vlan_prio_udp_dns": (33, None),
               "8021ad_tcp": (32, 0x88a8), "qinq_icmp": (35, None)}


def untag(frame, tpid=None):
    """-> (the frame the program sees, its ctx tag fields) for a frame
    sent with a VLAN tag at 12 (its TPID replaced by tpid when given)."""
    outer = tpid if tpid is not None else int.from_bytes(frame[12:14], "big")
    tci = int.from_bytes(frame[14:16], "big")
    assert outer in (0x8100, 0x88a8), frame.hex()
    return frame[:12] + frame[16:], {"vlan_avail": 1, "vlan_tci": tci, "vlan_tpid": outer}


def frame_list():
    """[(name, description, packet the program sees, ctx or None)]"""
    frs = F.frames()
    out = [(name, frs[idx][0], frs[idx][1], None) for name, idx in FRAMES.items()]
    for name, (idx, tpid) in VLAN_FRAMES.items():
        seen, ctx = untag(frs[idx][1], tpid)
        desc = frs[idx][0] if tpid is None else frs[idx][0].replace("VLAN", "802.1ad")
        out.append((name, f"{desc} (sent tagged: the kernel moves the outer tag, "
                          f"TPID {ctx['vlan_tpid']:#06x} TCI {ctx['vlan_tci']}, into the skb; "
                          f"the packet is what the program sees)", seen, ctx))
    return out


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
    frs = frame_list()
    for pname, desc, prog, nondet in programs():
        for fname, fdesc, packet, ctx in frs:
            c = Case(id=f"packet_hook/{pname}/{fname}", path="",
                     description=f"{desc}; frame: {fdesc}", hook="packet",
                     tags=["hook=packet"] + [f"opcode={prog[-2][0][0]:#04x}"]
                     + (["vlan"] if ctx else []),
                     program=[p[0] for p in prog], program_comments=[p[1] for p in prog],
                     packets=[packet])
            c.nondeterministic = nondet
            c.ctx = dict(ctx) if ctx else None
            yield c
