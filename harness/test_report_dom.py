"""test_report_dom: renders index.html from a small results document, loads
it in headless Chromium and checks the DOM Chromium dumps: the summary
table, the opcode matrix and its colours, a divergence with its reproducer,
the environment. Also checks summary.md and the terminal table.
"""
import html.parser
import os
import shutil
import subprocess

import pytest

from cbpfconform import results
from cbpfconform.report import index_html, summary_md

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def sample_doc():
    cases = [
        {"id": "quirks/1_shift_x/lsh", "description": "lsh x by 33", "profile": "linux",
         "tags": ["opcode=0x01", "opcode=0x6c", "opcode=0x16"], "opcodes": [0x01, 0x6c, 0x16], "program": [[0x01, 0, 0, 33], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]],
         "npackets": 1, "packet_lens": [4], "reference": "kernel", "recorded": None,
         "responses": {"kernel": {"load": "ok", "results": [{"verdict": 6, "abort": None, "exact": True}]},
                       "vm": {"load": "ok", "results": [{"verdict": 6, "abort": None}]},
                       "libpcap": {"load": "ok", "results": [{"verdict": 0, "abort": None}]}},
         "outcomes": {"kernel": {"status": "pass", "detail": ""},
                      "vm": {"status": "pass", "detail": ""},
                      "libpcap": {"status": "diverge", "detail": "1 of 1 packets differ",
                                  "outcome": "verdict", "cause": "shift-x-ge-32",
                                  "mismatches": [{"packet": 0, "kernel": 6, "peer": 0}]}},
         "asm": "ldx #33\nlsh x\nret a\n", "packets": ["01020304"]},
        {"id": "opcodes/ret/ret_k_1", "description": "ret #1", "profile": "linux",
         "tags": ["opcode=0x06"], "opcodes": [0x06],
         "program": [[0x06, 0, 0, 1]], "npackets": 1, "packet_lens": [2], "reference": "kernel",
         "recorded": None, "responses": {}, "outcomes": {
             "kernel": {"status": "pass", "detail": ""}, "vm": {"status": "pass", "detail": ""},
             "libpcap": {"status": "pass", "detail": ""}}},
    ]
    class I:  # noqa: E306 - the minimal Impl shape results.build reads
        def __init__(self, name, ref=False):
            self.name, self.reference = name, ref
            self.available, self.reasons = {"linux": True}, {}
        def describe(self):
            return {"linux": self.name + "-plugin"}
    impls = [I("kernel", True), I("vm"), I("libpcap")]
    names = {"0x01": "ldx #0", "0x6c": "lsh x", "0x16": "ret a", "0x06": "ret #0"}
    return results.build({"kernel_release": "6.18.44", "machine": "x86_64"}, impls, cases, [],
                         "corpus", None, names)


class DomIndex(html.parser.HTMLParser):
    """Elements by id and the text and class of matrix cells."""

    def __init__(self):
        super().__init__()
        self.ids, self.cells, self.divergences = set(), {}, []
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "tr" and "data-opcode" in a:
            self._row = a["data-opcode"]
        if tag == "td" and self._row and "data-impl" in a:
            # the counts are links into the explorer; data-text is all three
            self.cells[(self._row, a["data-impl"])] = (a.get("class"), a.get("data-text"))
        if tag == "details" and "data-case" in a:
            self.divergences.append((a["data-case"], a.get("class")))


    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None


def test_index_html_renders_in_chromium(tmp_path):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    page = tmp_path / "index.html"
    page.write_text(index_html.render(sample_doc()))
    r = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                        "--dump-dom", f"file://{page}"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = DomIndex()
    dom.feed(r.stdout)
    assert {"summary", "matrix", "divergences", "env", "impls", "broken"} <= dom.ids
    assert dom.cells[("0x6c", "libpcap")] == ("known", "0/1/0")
    assert dom.cells[("0x6c", "vm")] == ("pass", "1/0/0")
    assert dom.cells[("0x06", "kernel")] == ("pass", "1/0/0")
    assert dom.divergences == [("quirks/1_shift_x/lsh", "divergence known")]
    assert "ldx #33" in r.stdout and "01020304" in r.stdout and "6.18.44" in r.stdout


def test_html_is_self_contained():
    """Inline style and script only: nothing is fetched."""
    page = index_html.render(sample_doc())
    for needle in ("http://", "https://", "<link", "src=", "<img", "@import", "url("):
        assert needle not in page
    assert page.count("<script") == 3  # the case data, the opcode groups, the explorer


def test_summary_md_and_terminal_table():
    doc = sample_doc()
    md = summary_md.render(doc)
    assert "| kernel (reference) | 2 | 0 | 0 | 0 | - |" in md
    assert "| libpcap | 1 | 1 | 0 | 0 | - |" in md
    assert "| libpcap | shift-x-ge-32 | 1 |" in md
    table = summary_md.text_table(doc).splitlines()
    assert table[0].split() == ["implementation", "pass", "diverge", "skipped", "broken", "skip",
                                "reasons"]
    assert table[4].split()[:5] == ["libpcap", "1", "1", "0", "0"]


def test_reproducers_keep_their_indentation():
    """The disassembler indents every instruction with a tab; the triage
    section shows the text as it is (it used to strip the first tab)."""
    doc = sample_doc()
    doc["cases"][0]["asm"] = "\tldx #33\n\tlsh x\n\tret a\n"
    page = index_html.render(doc)
    assert '<pre class="asm">\tldx #33\n\tlsh x\n\tret a\npacket 0: 01020304</pre>' in page
    md = summary_md.render(doc)
    assert "```\n  ldx #33\n  lsh x\n  ret a\n; packet 0: 01020304\n```" in md
