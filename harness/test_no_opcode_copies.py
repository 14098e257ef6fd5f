"""test_no_opcode_copies: the Python side keeps no copy of the opcode facts.

The one source is include/cbpf/opcode_list.h; Python reads it through
`cbpf opcodes --json` (cbpfconform/opcodes.py). This test reads every Python
source outside the tests (the cbpfconform package, the corpus generators,
fuzz/ and bench/ scripts) and fails on what a copy looks like:

  table       a set, tuple, list or dict literal of three or more hex
              numbers that are all opcodes Linux accepts, or all values of
              one code field (the ALU or jump operations, the load modes or
              sizes): LINUX_CODES = {0x00, 0x01, ...}, ALU = (0x00, 0x10, ...)
  decision    an instruction's code compared with a hex opcode:
              c == 0x05, c in (0x60, 0x61), insn[0] != 0x16
  builder     (the package and the generators only) an instruction literal
              whose code is a hex opcode or composed from hex fields:
              [0x16, 0, 0, 0], [0x04 | op, 0, 0, k]
  tag         (the same) an opcode= case tag spelled with a number (in an
              f-string, any number but an index):
              "opcode=0x84", f"opcode={0x04 | bits:#04x}"

Hex only: opcode tables are written in hex, and decimal numbers (lengths,
counts, offsets) are data. Programs written out in fuzz/ and bench/ scripts
are data, as the case files under corpus/ are. Tests are not read: their
expected values are spelled out independently on purpose (a test that read
the same source could not fail; harness/test_opcodes_cmd.py checks the
source itself against Linux's headers). The checker is tested on the copies
this project used to have, and on numbers that are no opcodes.
"""
import ast
import io
import os
import re
import tokenize

import pytest

from cbpfconform import opcodes
from conftest import BUILD

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBRARY = ("harness/cbpfconform", "corpus/generate")   # builder rule applies here
SCRIPTS = ("fuzz", "bench")
FIELD_GROUPS = ("alu", "jmp", "mode", "size")


@pytest.fixture(scope="module")
def op():
    try:
        return opcodes.table(BUILD)
    except opcodes.OpcodesError as e:
        pytest.skip(str(e))


def _hex_positions(text):
    out = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.NUMBER and tok.string[:2].lower() == "0x":
            out.add(tok.start)
    return out


def findings(text, op, builders=True):
    """[(line, rule, source text)] of the copies in one Python source."""
    tree = ast.parse(text)
    hexes = _hex_positions(text)
    groups = [set(op.fields[g].values()) for g in FIELD_GROUPS]

    def hexint(node):
        return (isinstance(node, ast.Constant) and type(node.value) is int and
                (node.lineno, node.col_offset) in hexes)

    def opcode(node):
        return hexint(node) and node.value in op.codes

    def table(nodes):
        values = {n.value for n in nodes if hexint(n)}
        return len(values) >= 3 and (values <= op.codes or any(values <= g for g in groups))

    def composed(node):
        return (opcode(node) or isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr)
                and (hexint(node.left) or hexint(node.right)))

    out = []
    for node in ast.walk(tree):
        rule = None
        if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
            if table(node.elts):
                rule = "table"
            elif builders and len(node.elts) == 4 and composed(node.elts[0]):
                rule = "builder"
        elif isinstance(node, ast.Dict):
            if table([k for k in node.keys if k is not None]) or table(node.values):
                rule = "table"
        elif builders and isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.search(r"opcode=0x[0-9a-fA-F]", node.value):
                rule = "tag"
        elif builders and isinstance(node, ast.JoinedStr):
            text_parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            index = {id(i) for n in ast.walk(node) if isinstance(n, ast.Subscript)
                     for i in ast.walk(n.slice)}
            numbers = [n for n in ast.walk(node) if isinstance(n, ast.Constant) and
                       type(n.value) is int and id(n) not in index]
            if any("opcode=" in t for t in text_parts) and numbers:
                rule = "tag"
        elif isinstance(node, ast.Compare):
            if any(isinstance(o, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for o in node.ops):
                sides = [node.left] + node.comparators
                for s in sides:
                    elts = s.elts if isinstance(s, (ast.Set, ast.Tuple, ast.List)) else [s]
                    if any(opcode(e) for e in elts):
                        rule = "decision"
        if rule:
            out.append((node.lineno, rule, ast.get_source_segment(text, node)))
    return sorted(set(out))


def sources():
    for top in LIBRARY + SCRIPTS:
        for d, _, files in os.walk(os.path.join(SRC, top)):
            for f in sorted(files):
                if f.endswith(".py"):
                    path = os.path.join(d, f)
                    yield os.path.relpath(path, SRC), top in LIBRARY


def test_no_python_source_copies_the_opcode_table(op):
    bad = []
    seen = 0
    for rel, library in sources():
        with open(os.path.join(SRC, rel), encoding="utf-8") as f:
            text = f.read()
        seen += 1
        bad += [f"{rel}:{line}: {rule}: {seg}" for line, rule, seg in
                findings(text, op, builders=library)]
    assert seen >= 30, "the sources were not found"
    assert bad == [], "opcode facts copied (use cbpfconform.opcodes / insns):\n" + "\n".join(bad)


# What the project used to keep (classify.py, shrink.py, diff_fuzz.py,
# corpus/generate/insns.py, gen_validator.py, test_properties.py).
OLD_COPIES = {
    "LINUX_CODES = frozenset((0x00, 0x01, 0x02, 0x03, 0x04, 0x0c, 0x14))": "table",
    "JCOND = frozenset((0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d))": "table",
    "ALU_OPS = (0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0)": "table",
    'ALU_OPS = {"add": 0x00, "sub": 0x10, "mul": 0x20, "div": 0x30}': "table",
    'SIZES = {"ld": 0x00, "ldh": 0x08, "ldb": 0x10}': "table",
    "ok = c in (0x02, 0x03) and k < 16": "decision",
    "last = prog[-1][0] not in (0x06, 0x16)": "decision",
    "ja = c == 0x05": "decision",
    "def ret_a():\n    return [0x16, 0, 0, 0], 'ret a'": "builder",
    "def alu_k(op, k):\n    return [0x04 | ALU_OPS[op], 0, 0, k]": "builder",
    'tags = ["opcode=0x84"]': "tag",
    'tags = [f"opcode={0x04 | bits:#04x}"]': "tag",
}
NOT_COPIES = (
    "K_POOL = (0, 1, 2, 3, 4, 7, 8, 12, 14, 16, 20, 23, 31, 63, 64, 0xff, 0x100)",
    "SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08",
    "hdr = 0x40 | ihl",
    "lens = (0, 16, 32, 64)",
    "EDGES = (0, 1, 2, 32, 0xffffffff, 0x80000000, 31, 33, 4, 8, 16, 64, 0x7fffffff, 0xff)",
    "big = k >= 0x80000000",
    "tpid = outer in (0x8100, 0x88a8)",
    "prog = [[0, 0, 0, 3], [1, 0, 0, 33]]",
    'tags = [f"opcode={i[0][0]:#04x}" for i in insns]',
)


@pytest.mark.parametrize("text", sorted(OLD_COPIES))
def test_checker_finds_the_old_copies(op, text):
    assert [r for _, r, _ in findings(text, op)] == [OLD_COPIES[text]]


@pytest.mark.parametrize("text", NOT_COPIES)
def test_checker_passes_other_numbers(op, text):
    assert findings(text, op) == []


def test_programs_in_scripts_are_data(op):
    text = "PROGRAMS = [[[0x28, 0, 0, 12], [0x15, 0, 1, 0x800], [0x06, 0, 0, 0]]]"
    assert findings(text, op, builders=False) == []
    assert {r for _, r, _ in findings(text, op)} == {"builder"}
