"""test_expressions: `-e EXPRESSION` (tools/load.c) wherever a command reads a
program: libpcap's pcap_compile on a dead handle, so the program is exactly
what `tcpdump -d/-dd/-ddd` prints for the same link type and snapshot length,
optimised or not (`tcpdump -O`); compile errors and bad link types are one
line naming the expression.
"""
import shutil
import struct
import subprocess

import pytest

from conftest import CBPF

TCPDUMP = shutil.which("tcpdump")

EXPRESSIONS = [
    "arp",
    "tcp port 80",
    "udp and dst port 53",
    "ip6 and tcp",
    "tcp[tcpflags] & tcp-syn != 0",
    "vlan 100 and ip",
    "ether src 02:00:00:00:00:01 or icmp",
    "net 10.0.0.0/8 and not port 22",
    "ip[2:2] > 576",
    "portrange 6000-6010 or ip proto 47",
]


def cbpf(*args, stdin=None):
    return subprocess.run([CBPF, *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def pcap_header(linktype=1, snaplen=262144):
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(frame):
    return struct.pack("<IIII", 1, 0, len(frame), len(frame)) + frame


def tcpdump(tmp_path, flag, expr, linktype=1, snaplen=262144, optimise=True):
    """`tcpdump -r EMPTY.pcap FLAG EXPR`: offline, so link type and
    snaplen are the file's (tcpdump -d on a live device would take the
    device's)."""
    empty = tmp_path / f"empty-{linktype}-{snaplen}.pcap"
    empty.write_bytes(pcap_header(linktype, snaplen))
    args = [TCPDUMP, "-r", str(empty), flag] + ([] if optimise else ["-O"]) + [expr]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


needs_tcpdump = pytest.mark.skipif(TCPDUMP is None, reason="tcpdump not installed")


@needs_tcpdump
@pytest.mark.parametrize("expr", EXPRESSIONS)
@pytest.mark.parametrize("optimise", [True, False])
def test_disasm_equals_tcpdump(tmp_path, expr, optimise):
    extra = [] if optimise else ["--no-optimize"]
    for fmt, flag in (("ddd", "-ddd"), ("tcpdump", "-d"), ("dd", "-dd")):
        r = cbpf("disasm", "-o", fmt, *extra, "-e", expr)
        assert (r.returncode, r.stderr) == (0, ""), (expr, fmt)
        want = tcpdump(tmp_path, flag, expr, optimise=optimise)
        if fmt == "tcpdump":
            # libpcap 1.10 pads operand-less lines ("tax      "), cbpf does
            # not (linux-semantics: pcap.trailing-blanks)
            want = "".join(line.rstrip(" ") + "\n" for line in want.splitlines())
        assert r.stdout == want, (expr, fmt)


@needs_tcpdump
def test_linktype_and_snaplen(tmp_path):
    # LINKTYPE_RAW (101) in a file is DLT_RAW; LINUX_SLL is 113 in both
    for name, file_type in (("RAW", 101), ("LINUX_SLL", 113), ("113", 113)):
        r = cbpf("disasm", "-o", "ddd", "--linktype", name, "--snaplen", "65535", "-e",
                 "ip and udp")
        assert r.returncode == 0, r.stderr
        assert r.stdout == tcpdump(tmp_path, "-ddd", "ip and udp", file_type, 65535)


def test_exact_program():
    # tcpdump -ddd arp (EN10MB, snaplen 262144)
    r = cbpf("disasm", "-o", "ddd", "-e", "arp")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == "4\n40 0 0 12\n21 0 1 2054\n6 0 0 262144\n6 0 0 0\n"
    r = cbpf("disasm", "-e", "arp", "--snaplen", "96")
    assert (r.returncode, r.stdout) == (0, "\tldh [12]\n\tjne #0x806, L3\n\tret #96\nL3:\n\tret #0\n")
    r = cbpf("asm", "-o", "ddd", "-e", "arp", "--snaplen", "0")  # tcpdump -s 0
    assert r.stdout == "4\n40 0 0 12\n21 0 1 2054\n6 0 0 262144\n6 0 0 0\n"


ARP = bytes.fromhex("ffffffffffff020000000001" "0806") + bytes(28)
IP_UDP = bytes.fromhex("ffffffffffff020000000001" "0800"
                       "4500001c00000000" "4011" "0000" "0a000001" "0a000002"
                       "1234003500080000")
IP_TCP = IP_UDP[:23] + b"\x06" + IP_UDP[24:]


def test_run_pcap(tmp_path):
    cap = tmp_path / "c.pcap"
    cap.write_bytes(pcap_header() + pcap_record(ARP) + pcap_record(IP_UDP))
    r = cbpf("run", "-e", "arp", "--pcap", str(cap))
    assert (r.returncode, r.stdout, r.stderr) == (0, "262144\n0\n", "")
    r = cbpf("run", "-e", "udp", "-O", "--snaplen", "1500", "--pcap", str(cap), IP_TCP.hex())
    assert (r.returncode, r.stdout, r.stderr) == (0, "0\n1500\n0\n", "")


def test_check():
    r = cbpf("check", "-e", "tcp port 80")
    assert (r.returncode, r.stdout, r.stderr) == (0, "ok\n", "")
    r = cbpf("check", "--profile", "seccomp", "-e", "arp")
    assert r.returncode == 1
    assert r.stderr == ("-e 'arp': insn 0: seccomp-opcode: opcode 0x28 (ldh [k]: seccomp "
                        "loads are 32-bit) is not allowed by seccomp (EINVAL)\n")


def test_kernel_run():
    r = cbpf("kernel", "run", "-e", "udp", IP_TCP.hex(), IP_UDP.hex())
    if r.returncode == 3:
        pytest.skip(r.stderr)
    assert (r.returncode, r.stderr) == (0, "")
    lines = r.stdout.splitlines()
    assert lines[0] == "0"
    assert lines[1] == "262144"  # the unix oracle sees the whole value


BAD = "-e 'tcp prot 80': libpcap: can't parse filter expression: syntax error\n"


@pytest.mark.parametrize("cmd", [["check"], ["run"], ["disasm"], ["asm"], ["kernel", "run"]])
def test_bad_expression(cmd):
    r = cbpf(*cmd, "-e", "tcp prot 80")
    assert (r.returncode, r.stdout, r.stderr) == (2, "", BAD)


def test_bad_linktype():
    r = cbpf("check", "--linktype", "NOPE", "-e", "arp")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == ("cbpf check: unknown --linktype 'NOPE' (a DLT name such as EN10MB, RAW, "
                        "LINUX_SLL, or its number)\n(`cbpf check --help` for usage)\n")
    r = cbpf("run", "--linktype", "9999", "-e", "arp")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "-e 'arp': libpcap: unknown data link type 9999 (min 104, max 289)\n"
    r = cbpf("kernel", "run", "--linktype", "x", "-e", "arp")
    assert r.returncode == 2
    assert r.stderr.startswith("cbpf kernel run: unknown --linktype 'x'")
    r = cbpf("check", "--linktype", "RAW", "-e", "arp")
    assert (r.returncode, r.stderr) == (2, "-e 'arp': libpcap: expression rejects all packets\n")


def test_usage_errors():
    r = cbpf("check", "-e", "arp", "prog.bpf")
    assert (r.returncode, r.stderr) == (2, "cbpf check: a program FILE ('prog.bpf') and -e: "
                                           "give one\n(`cbpf check --help` for usage)\n")
    r = cbpf("disasm", "--snaplen", "10", "prog.bpf")
    assert (r.returncode, r.stderr) == (2, "cbpf disasm: --linktype, --snaplen and "
                                           "-O/--no-optimize are for -e EXPRESSION\n"
                                           "(`cbpf disasm --help` for usage)\n")
    r = cbpf("run", "--snaplen", "-1", "-e", "arp")
    assert (r.returncode, r.stderr) == (2, "cbpf run: bad --snaplen '-1' (a number "
                                           "0..2147483647)\n(`cbpf run --help` for usage)\n")
    r = cbpf("check", "-f", "json", "-e", "arp")
    assert r.returncode == 2 and "-f is for a program FILE" in r.stderr


@pytest.mark.parametrize("cmd", [["check"], ["run"], ["disasm"], ["asm"], ["kernel", "run"]])
def test_help_documents_expressions(cmd):
    r = cbpf(*cmd, "--help")
    assert r.returncode == 0
    for word in ("-e, --expression EXPR", "--linktype DLT", "--snaplen N", "--no-optimize"):
        assert word in r.stdout, (cmd, word)
