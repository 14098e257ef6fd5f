"""expressions: the tcpdump filter expressions whose libpcap-compiled
programs the corpus runs (written to corpus/pcap/expressions.txt, one per
line; the programs themselves are compiled at build time by
harness/plugins/pcap_compile.c).
"""

BASE = """
ip
ip6
arp
rarp
tcp
udp
icmp
icmp6
igmp
sctp
vlan
mpls
pppoed
not ip
not ip6 and not arp
ether broadcast
ether multicast
ip broadcast
ip multicast
ip6 multicast
ether host 02:00:00:00:00:01
ether src 02:00:00:00:00:01
ether dst 02:00:00:00:00:02
ether dst ff:ff:ff:ff:ff:ff
ether proto 0x88cc
ether proto 0x8035
ether[0] & 1 != 0
ether[12:2] = 0x0800
ether[12:2] > 1500
ether[12:2] <= 1500
llc
stp
len > 100
len < 64
len <= 60
greater 1000
less 80
ip proto 47
ip proto 132
ip6 proto 58
ip6 protochain 6
ip protochain 17
proto \\tcp
ip[0] & 0xf != 5
ip[1] & 0xfc = 0xb8
ip[8] = 1
ip[8] < 5
ip[6:2] & 0x1fff != 0
ip[6] & 0x20 != 0
ip[6:2] & 0x3fff = 0
ip[2:2] > 576
tcp[13] & 2 != 0
tcp[13] & 0x12 = 0x12
tcp[13] & 1 != 0
tcp[13] & 4 != 0
tcp[13] = 0x18
tcp[tcpflags] & tcp-syn != 0
tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn
tcp[tcpflags] & (tcp-fin|tcp-rst) != 0
tcp[tcpflags] & tcp-push != 0
tcp[12] & 0xf0 > 0x50
tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420
udp[8:2] = 0xabcd
udp[4:2] > 40
icmp[icmptype] == icmp-echo
icmp[icmptype] == icmp-echoreply
icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply
icmp[0] = 3 and icmp[1] = 3
icmp[icmptype] = icmp-timxceed
icmp6[icmp6type] == icmp6-echo
icmp6[icmp6type] == icmp6-neighborsolicit
icmp6[icmp6type] == icmp6-routeradvert
ip6[6] = 17
ip6[7] = 255
ip6[40] = 135
ip and udp and port 53
tcp and (port 80 or port 443)
tcp and not port 22
udp and not port 53 and not port 123
ip and not tcp and not udp
tcp port 22 or icmp
(tcp port 22 or tcp port 80) and host 192.168.1.10
host 192.168.1.10 and not host 10.0.0.1
src host 192.168.1.10 and dst port 22
dst host 10.0.0.1 and tcp
src net 192.168.1.0/24 and dst net 10.0.0.0/8
net 192.168.1.0/24
net 192.168.0.0/16
net 10.0.0.0/8
net 10.0.0.0 mask 255.0.0.0
src net 192.168.1.0/28
dst net 224.0.0.0/4
net 2001:db8::/32
net fe80::/10
src net 2001:db8::/64
dst net ff02::/16
host 2001:db8::10
host 2001:db8::20 and tcp
src host fe80::1
dst host ff02::1
ip6 host 2001:db8::53
ip host 192.168.1.20
ip src 192.168.1.10
ip dst 10.0.0.1
arp host 192.168.1.20
arp src host 192.168.1.10
portrange 20-25
portrange 1-1023
tcp portrange 8000-8100
udp portrange 5000-6000
src portrange 40000-40010
dst portrange 0-100
vlan 10
vlan 20
vlan 100
vlan 200
vlan and ip
vlan and ip6
vlan and arp
vlan 10 and tcp port 22
vlan 20 and udp port 53
vlan and vlan
vlan 200 and vlan 30
vlan and icmp
not vlan
ether proto 0x88a8
ip[0] = 0x45 and ip[9] = 6
ip[9] = 17 and udp[2:2] = 53
tcp[2:2] = 22 or tcp[0:2] = 22
udp[0:2] = 68 and udp[2:2] = 67
ip[16] >= 224
ip[19] = 255
ip[12:4] = 0xc0a8010a
ip[16:4] & 0xffffff00 = 0xc0a80100
ether[6:4] = 0x02000000
ether[0:4] = 0xffffffff and ether[4:2] = 0xffff
ip and ip[8] > 63
ip and (ip[6:2] & 0x1fff) = 0 and udp
ether host 02:00:00:00:00:02 and not ip6
ip broadcast or ip multicast
ether src 02:00:00:00:00:01 and ether dst ff:ff:ff:ff:ff:ff
icmp or icmp6
tcp or udp or icmp
ip6 and tcp
ip6 and udp
ip6 and not icmp6
udp port 5353 and ip multicast
tcp[13] & 0x3f = 0x02 and dst port 22
tcp dst port 443 and tcp[13] & 0x10 != 0
ip and len > 1000
len >= 54 and len <= 60
arp[6:2] = 1
arp[6:2] = 2
arp[7] = 3
tcp and src port 22
tcp and dst port 22
udp and src port 53
udp and dst port 53
sctp port 9899
ip proto \\udp and udp port 137
ip6 proto \\tcp
ip6 and ip6[6] = 0
ip6 and ip6[6] = 44
llc and ether[14] = 0x42
ether[12:2] = 0x88cc or stp
greater 64 and less 100
iso
decnet
atalk
ipx
netbeui
"""

PORTS = (22, 25, 53, 67, 68, 80, 123, 137, 443, 5000, 5353, 8080, 9899, 40000)


def expressions():
    out = [l for l in BASE.strip().split("\n") if l.strip()]
    for p in PORTS:
        out += [f"port {p}", f"tcp port {p}", f"udp port {p}", f"src port {p}", f"dst port {p}"]
    for h in ("192.168.1.10", "192.168.1.20", "10.0.0.1", "0.0.0.0", "224.0.0.251"):
        out += [f"host {h}", f"src host {h}", f"dst host {h}"]
    seen, uniq = set(), []
    for e in out:
        if e not in seen:
            seen.add(e)
            uniq.append(e)
    return uniq


def write(path):
    import os
    lines = ["# tcpdump expressions compiled by libpcap (pcap_compile, DLT_EN10MB, optimised)",
             "# at build time; one case each in corpus/pcap/ (see corpus/README.md)."]
    lines += expressions()
    tmp = path + ".part"
    with open(tmp, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
