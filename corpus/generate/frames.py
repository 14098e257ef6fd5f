"""frames: realistic Ethernet frames (IPv4, IPv6, VLAN, QinQ, ARP, ICMP,
ICMPv6, fragments, IP options, IPv6 extension headers, 802.3/LLC) written
as corpus/pcap/lan.pcap (classic pcap, LINKTYPE_ETHERNET) and listed in
corpus/pcap/lan.txt. libpcap-compiled filters run over this file.
"""
import struct

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
BCAST = b"\xff" * 6
MCAST4 = bytes.fromhex("01005e000001")
MCAST6 = bytes.fromhex("333300000001")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def eth(dst, src, etype, payload, vlans=()):
    hdr = dst + src
    for tpid, tci in vlans:
        hdr += struct.pack("!HH", tpid, tci)
    return hdr + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, ttl=64, frag=0, ident=0x1234, options=b"", tos=0):
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, 20 + len(options) + len(payload), ident,
                      frag, ttl, proto, 0, ip4(src), ip4(dst)) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hlim, ip6(src),
                       ip6(dst)) + payload


def tcp(sport, dport, flags, payload=b"", seq=1000, ack=0):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(typ, code, payload=b"\0\1\0\1abcdefgh"):
    return struct.pack("!BBH", typ, code, 0) + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, ip4(spa), tha, ip4(tpa))


SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08
H1, H2, H3 = "192.168.1.10", "192.168.1.20", "10.0.0.1"
G1, G2 = "2001:db8::10", "2001:db8::20"
DNS_Q = bytes.fromhex("abcd01000001000000000000076578616d706c6503636f6d0000010001")


def frames():
    """[(description, frame bytes)] in file order."""
    f = []
    v4 = lambda desc, src, dst, proto, pl, **kw: f.append(
        (desc, eth(MAC_B, MAC_A, 0x0800, ipv4(src, dst, proto, pl, **kw))))
    v4("IPv4 TCP SYN 192.168.1.10:40000 -> 192.168.1.20:22", H1, H2, 6, tcp(40000, 22, SYN))
    v4("IPv4 TCP SYN/ACK 192.168.1.20:22 -> .10:40000", H2, H1, 6, tcp(22, 40000, SYN | ACK))
    v4("IPv4 TCP ACK+PSH to port 80 with an HTTP GET", H1, H3, 6,
       tcp(40001, 80, ACK | PSH, b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"))
    v4("IPv4 TCP FIN/ACK port 443", H3, H1, 6, tcp(443, 40002, FIN | ACK))
    v4("IPv4 TCP RST port 25", H1, H2, 6, tcp(40003, 25, RST))
    v4("IPv4 UDP DNS query to 10.0.0.1:53", H1, H3, 17, udp(5353 + 1, 53, DNS_Q))
    v4("IPv4 UDP DNS reply from port 53", H3, H1, 17, udp(53, 5354, DNS_Q))
    f.append(("IPv4 UDP DHCP discover (broadcast)", eth(BCAST, MAC_A, 0x0800,
              ipv4("0.0.0.0", "255.255.255.255", 17, udp(68, 67, b"\x01\x01\x06\x00" + b"\0" * 236)))))
    v4("IPv4 UDP NTP port 123", H1, H3, 17, udp(123, 123, b"\x1b" + b"\0" * 47))
    f.append(("IPv4 UDP mDNS to 224.0.0.251:5353", eth(MCAST4, MAC_A, 0x0800,
              ipv4(H1, "224.0.0.251", 17, udp(5353, 5353, DNS_Q), ttl=255))))
    v4("IPv4 ICMP echo request", H1, H2, 1, icmp(8, 0))
    v4("IPv4 ICMP echo reply", H2, H1, 1, icmp(0, 0))
    v4("IPv4 ICMP destination unreachable (port)", H2, H1, 1, icmp(3, 3, b"\0" * 4 + b"E" * 28))
    v4("IPv4 ICMP time exceeded, TTL 1", H3, H1, 1, icmp(11, 0, b"\0" * 32), ttl=1)
    v4("IPv4 first fragment (MF, offset 0) of UDP", H1, H2, 17, udp(1000, 2000, b"x" * 32),
       frag=0x2000)
    v4("IPv4 later fragment (offset 185*8)", H1, H2, 17, b"y" * 40, frag=185)
    v4("IPv4 TCP with IP options (record route), port 22", H1, H2, 6, tcp(40004, 22, ACK),
       options=b"\x07\x07\x04" + b"\0" * 4 + b"\0")
    v4("IPv4 IGMP membership report", H1, "224.0.0.22", 2, b"\x22\x00\xf9\x02" + b"\0" * 4, ttl=1)
    v4("IPv4 GRE", H1, H3, 47, b"\x00\x00\x08\x00" + b"\0" * 20)
    v4("IPv4 SCTP INIT port 9899", H1, H2, 132, struct.pack("!HHII", 5000, 9899, 0, 0) + b"\x01" + b"\0" * 19)
    v4("IPv4 TCP to 10.0.0.1 port 8080 with DSCP EF", H1, H3, 6, tcp(40005, 8080, SYN), tos=0xb8)
    v4("IPv4 TCP large packet port 443", H1, H3, 6, tcp(40006, 443, ACK, b"\xaa" * 1400))
    v4("IPv4 UDP to 192.168.1.255 (subnet broadcast) port 137", H1, "192.168.1.255", 17,
       udp(137, 137, b"\0" * 50))
    v6 = lambda desc, src, dst, nh, pl, dstmac=MAC_B, **kw: f.append(
        (desc, eth(dstmac, MAC_A, 0x86dd, ipv6(src, dst, nh, pl, **kw))))
    v6("IPv6 TCP SYN to port 22", G1, G2, 6, tcp(40010, 22, SYN))
    v6("IPv6 TCP ACK from port 443", G2, G1, 6, tcp(443, 40011, ACK))
    v6("IPv6 UDP DNS query port 53", G1, "2001:db8::53", 17, udp(40012, 53, DNS_Q))
    v6("IPv6 ICMPv6 echo request", G1, G2, 58, icmp(128, 0))
    v6("IPv6 ICMPv6 neighbor solicitation (multicast)", "fe80::1", "ff02::1:ff00:20", 58,
       icmp(135, 0, b"\0" * 4 + ip6(G2)), dstmac=MCAST6, hlim=255)
    v6("IPv6 ICMPv6 router advertisement", "fe80::2", "ff02::1", 58, icmp(134, 0, b"\0" * 12),
       dstmac=MCAST6, hlim=255)
    v6("IPv6 hop-by-hop header then UDP port 5000", G1, G2, 0,
       b"\x11\x00" + b"\x01\x04\x00\x00\x00\x00" + udp(5000, 5000, b"hi"))
    v6("IPv6 fragment header then TCP", G1, G2, 44, b"\x06\x00\x00\x01\x00\x00\x00\x2a" + tcp(1, 2, SYN))
    v6("IPv6 link-local TCP port 80", "fe80::10", "fe80::20", 6, tcp(40013, 80, SYN))
    vl = lambda desc, vlans, etype, payload: f.append((desc, eth(MAC_B, MAC_A, etype, payload, vlans)))
    vl("VLAN 10 IPv4 TCP port 22", [(0x8100, 10)], 0x0800, ipv4(H1, H2, 6, tcp(40020, 22, SYN)))
    vl("VLAN 20 prio 5 IPv4 UDP port 53", [(0x8100, (5 << 13) | 20)], 0x0800,
       ipv4(H1, H3, 17, udp(40021, 53, DNS_Q)))
    vl("VLAN 100 IPv6 ICMPv6 echo", [(0x8100, 100)], 0x86dd, ipv6(G1, G2, 58, icmp(128, 0)))
    vl("QinQ 802.1ad 200 / 802.1Q 30 IPv4 ICMP", [(0x88a8, 200), (0x8100, 30)], 0x0800,
       ipv4(H1, H2, 1, icmp(8, 0)))
    vl("VLAN 10 ARP request", [(0x8100, 10)], 0x0806, arp(1, MAC_A, H1, b"\0" * 6, H2))
    f.append(("ARP request who-has 192.168.1.20", eth(BCAST, MAC_A, 0x0806,
              arp(1, MAC_A, H1, b"\0" * 6, H2) + b"\0" * 18)))
    f.append(("ARP reply 192.168.1.20 is-at 02:..:02", eth(MAC_A, MAC_B, 0x0806,
              arp(2, MAC_B, H2, MAC_A, H1) + b"\0" * 18)))
    f.append(("RARP request", eth(BCAST, MAC_A, 0x8035, arp(3, MAC_A, "0.0.0.0", MAC_A, "0.0.0.0"))))
    f.append(("802.3 length frame with LLC (STP BPDU)", bytes.fromhex("0180c2000000") + MAC_A +
              struct.pack("!H", 38) + b"\x42\x42\x03" + b"\0" * 35))
    f.append(("LLDP frame", bytes.fromhex("0180c200000e") + MAC_A + b"\x88\xcc" + b"\x02\x07\x04" +
              MAC_A + b"\0" * 20))
    f.append(("truncated IPv4 header (14+10 bytes)", eth(MAC_B, MAC_A, 0x0800, b"\x45\x00\x00\x28" + b"\0" * 6)))
    f.append(("runt: 12 bytes, no ethertype", MAC_B + MAC_A))
    return f


def write_pcap(path, frs):
    import os
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    for i, (_, data) in enumerate(frs):
        out += struct.pack("<IIII", 1764288000 + i, i * 1000, len(data), len(data)) + data
    tmp = path + ".part"
    with open(tmp, "wb") as fh:
        fh.write(out)
    os.replace(tmp, path)


def write_listing(path, frs):
    import os
    lines = ["# corpus/pcap/lan.pcap, frame by frame (generated by corpus/generate/frames.py)"]
    lines += [f"{i:3d}  {len(d):5d} bytes  {desc}" for i, (desc, d) in enumerate(frs)]
    tmp = path + ".part"
    with open(tmp, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
