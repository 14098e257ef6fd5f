"""`cbpf opcodes --json`: the opcode facts the Python side reads, checked
against Linux's own definitions (include/uapi/linux/bpf_common.h for the
fields, chk_code_allowed() for the 49 codes, seccomp_check_filter() for the
seccomp subset), spelled here independently on purpose: a test that read
the same source could not fail."""
import json
import os
import subprocess

import pytest

BIN = os.path.join(os.environ.get("CBPF_BUILD", "build"), "bin", "cbpf")

# linux/bpf_common.h
LINUX_FIELDS = {
    "BPF_LD": 0x00, "BPF_LDX": 0x01, "BPF_ST": 0x02, "BPF_STX": 0x03, "BPF_ALU": 0x04,
    "BPF_JMP": 0x05, "BPF_RET": 0x06, "BPF_MISC": 0x07, "BPF_W": 0x00, "BPF_H": 0x08,
    "BPF_B": 0x10, "BPF_IMM": 0x00, "BPF_ABS": 0x20, "BPF_IND": 0x40, "BPF_MEM": 0x60,
    "BPF_LEN": 0x80, "BPF_MSH": 0xa0, "BPF_ADD": 0x00, "BPF_SUB": 0x10, "BPF_MUL": 0x20,
    "BPF_DIV": 0x30, "BPF_OR": 0x40, "BPF_AND": 0x50, "BPF_LSH": 0x60, "BPF_RSH": 0x70,
    "BPF_NEG": 0x80, "BPF_MOD": 0x90, "BPF_XOR": 0xa0, "BPF_JA": 0x00, "BPF_JEQ": 0x10,
    "BPF_JGT": 0x20, "BPF_JGE": 0x30, "BPF_JSET": 0x40, "BPF_K": 0x00, "BPF_X": 0x08,
    "BPF_RET_K": 0x00, "BPF_RET_A": 0x10, "BPF_TAX": 0x00, "BPF_TXA": 0x80,
}
# net/core/filter.c chk_code_allowed()
LINUX_CODES = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x14, 0x15, 0x16, 0x1c, 0x1d,
    0x20, 0x24, 0x25, 0x28, 0x2c, 0x2d, 0x30, 0x34, 0x35, 0x3c, 0x3d, 0x40, 0x44, 0x45,
    0x48, 0x4c, 0x4d, 0x50, 0x54, 0x5c, 0x60, 0x61, 0x64, 0x6c, 0x74, 0x7c, 0x80, 0x81,
    0x84, 0x87, 0x94, 0x9c, 0xa4, 0xac, 0xb1,
}
# kernel/seccomp.c seccomp_check_filter(): no mod, no ldh/ldb [k], no [x+k], no ldxb
SECCOMP_REFUSED = {0x94, 0x9c, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1}


@pytest.fixture(scope="module")
def table():
    if not os.access(BIN, os.X_OK):
        pytest.skip(f"{BIN} not built")
    out = subprocess.run([BIN, "opcodes", "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_codes_are_linux_whitelist(table):
    assert [o["code"] for o in table["opcodes"]] == sorted(LINUX_CODES)


def test_symbols_compose_their_codes(table):
    for o in table["opcodes"]:
        value = 0
        for part in o["symbol"].split("|"):
            value |= LINUX_FIELDS[part]
        assert value == o["code"], o


def test_seccomp_subset(table):
    refused = {o["code"] for o in table["opcodes"] if not o["seccomp"]}
    assert refused == SECCOMP_REFUSED


def test_extensions_and_limits(table):
    ext = table["extensions"]
    assert [e["k"] for e in ext] == [0xfffff000 + 4 * i for i in range(16)]
    assert ext[12]["name"] == "vlan_avail" and ext[12]["pcap_name"] == "vlanp"
    assert ext[14]["name"] == "rand" and ext[14]["pcap_name"] == "random"
    assert table["limits"] == {"maxinsns": 4096, "memwords": 16, "skf_ad_off": -0x1000,
                               "skf_net_off": -0x100000, "skf_ll_off": -0x200000}


def test_fields_match_bpf_common(table):
    f = table["fields"]
    assert f["class"]["ldx"] == 0x01 and f["mode"]["msh"] == 0xa0
    assert f["alu"]["mod"] == 0x90 and f["alu"]["xor"] == 0xa0 and f["jmp"]["jset"] == 0x40
    assert f["rval"]["a"] == 0x10 and f["misc"]["txa"] == 0x80


# linux/bpf_common.h: BPF_CLASS() BPF_SIZE() BPF_MODE() BPF_OP() BPF_SRC(),
# linux/filter.h: BPF_RVAL() BPF_MISCOP()
LINUX_MASKS = {"class": 0x07, "size": 0x18, "mode": 0xe0, "alu": 0xf0, "jmp": 0xf0,
               "src": 0x08, "rval": 0x18, "misc": 0xf8}
CLASS_NAMES = ("ld", "ldx", "st", "stx", "alu", "jmp", "ret", "misc")


def test_masks_and_classes(table):
    assert table["masks"] == LINUX_MASKS
    assert set(table["masks"]) == set(table["fields"])
    for o in table["opcodes"]:
        assert o["class"] == CLASS_NAMES[o["code"] & 0x07], o
        assert o["symbol"].split("|")[0] == "BPF_" + o["class"].upper(), o


def test_table_text_and_usage():
    if not os.access(BIN, os.X_OK):
        pytest.skip(f"{BIN} not built")
    out = subprocess.run([BIN, "opcodes"], check=True, capture_output=True, text=True).stdout
    assert "0xb1  BPF_LDX|BPF_B|BPF_MSH" in out
    bad = subprocess.run([BIN, "opcodes", "--nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "try 'cbpf opcodes --help'" in bad.stderr
