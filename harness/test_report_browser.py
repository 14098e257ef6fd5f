"""test_report_browser: the report's explorer in a real browser. Renders
index.html from a small results document, opens it in Debian's headless
Chromium over the DevTools pipe (cbpfconform/report/screenshot.py), clicks
filters as a user would (libpcap, then ldx: the two clicks README.md
promises), a count of the opcode matrix and the search box, and checks the
rows shown, exactly; then takes a screenshot, kept as an artifact
($CBPF_ARTIFACTS, else the test's temporary directory; its path is
printed). Skipped with the reason when Chromium cannot run.
"""
import copy
import os

import pytest

from cbpfconform import results
from cbpfconform.report import index_html, screenshot

from test_report_dom import sample_doc


def _case(cid, codes, outcomes, tags=None):
    return {"id": cid, "description": cid.rsplit("/", 1)[-1], "profile": "linux",
            "tags": tags or [f"opcode={c:#04x}" for c in codes[:1]], "opcodes": codes,
            "ninsns": len(codes), "nondeterministic": None,
            "program": [[c, 0, 0, 0] for c in codes], "npackets": 1, "packet_lens": [4],
            "reference": "kernel", "recorded": None, "responses": {},
            "outcomes": outcomes, "asm": "\n".join(f"\top {c:#04x}" for c in codes) + "\n",
            "packets": ["01020304"], "case_file": cid + ".case",
            "case_text": f"description: {cid}\nprogram:\n  ret #0\n"}


def _o(status, cause=None):
    o = {"status": status, "detail": {"pass": "", "skipped": "no seccomp profile"}.get(
        status, "1 of 1 packets differ")}
    if cause:
        o["cause"] = cause
    return o


def explorer_doc():
    """sample_doc plus: two ldx cases where libpcap diverges (0x61, 0xb1),
    one where it passes (0x81), one non-ldx libpcap divergence, and an ldx
    case where our VM diverges (a new cause) and libpcap is skipped."""
    doc = sample_doc()
    ok = {"kernel": _o("pass"), "vm": _o("pass")}
    more = [
        _case("quirks/ldx_mem/a", [0x61, 0x16], dict(ok, libpcap=_o("diverge", "ldx-mem"))),
        _case("quirks/ldx_msh/b", [0xb1, 0x16], dict(ok, libpcap=_o("diverge", "msh-oob"))),
        _case("quirks/ldx_len/c", [0x81, 0x16], dict(ok, libpcap=_o("pass"))),
        _case("quirks/ret/d", [0x06], dict(ok, libpcap=_o("diverge", "ret-k"))),
        _case("seccomp/e", [0x01, 0x06], {"kernel": _o("pass"), "vm": _o("diverge", "new"),
                                          "libpcap": _o("skipped")}),
    ]
    cases = doc["cases"] + more
    doc = copy.deepcopy(doc)
    doc["cases"] = cases
    doc["opcode_names"].update({"0x61": "ldx M[0]", "0xb1": "ldxb 4*([0]&0xf)",
                                "0x81": "ldx #len"})
    doc["summary"] = results.summarize(list(doc["impls"]), cases)
    return doc


ROWS = """
[...document.querySelectorAll('#rows tbody tr')].map(
  tr => tr.dataset.case + ' ' + tr.dataset.impl + ' ' + tr.dataset.status)
"""


def click(sel):
    return f"document.querySelector({sel!r}).click(), 1"


def set_value(element_id, value, event):
    """Type value into the control and fire its event (input or change)."""
    return (f"(e => {{ e.value = {value!r}; e.dispatchEvent(new Event({event!r})); }})"
            f"(document.getElementById({element_id!r})), 1")


def open_explorer(browser, tmp_path, fragment=""):
    """The explorer's page of explorer_doc(), opened at the URL fragment."""
    page = tmp_path / "index.html"
    page.write_text(index_html.render(explorer_doc()))
    browser.open(f"file://{page}{fragment}")


@pytest.fixture(scope="module")
def browser():
    try:
        b = screenshot.Chromium()
    except screenshot.BrowserError as e:
        pytest.skip(f"chromium cannot run: {e}")
    yield b
    b.close()


def artifacts(tmp_path):
    d = os.environ.get("CBPF_ARTIFACTS") or str(tmp_path)
    os.makedirs(d, exist_ok=True)
    return d


def test_two_clicks_find_libpcap_ldx_divergences(browser, tmp_path):
    open_explorer(browser, tmp_path)
    # the default view: every divergence
    assert browser.eval(ROWS) == ["quirks/1_shift_x/lsh libpcap diverge",
                                  "quirks/ldx_mem/a libpcap diverge",
                                  "quirks/ldx_msh/b libpcap diverge",
                                  "quirks/ret/d libpcap diverge",
                                  "seccomp/e vm diverge"]
    browser.eval(click('#f-impl button[data-v="libpcap"]'))
    browser.eval(click('#f-op button[data-v="ldx"]'))
    assert browser.eval(ROWS) == ["quirks/1_shift_x/lsh libpcap diverge",
                                  "quirks/ldx_mem/a libpcap diverge",
                                  "quirks/ldx_msh/b libpcap diverge"]
    assert browser.eval("document.getElementById('shown-count').textContent") == "3"
    assert browser.eval("location.hash") == "#impl=libpcap&op=ldx"
    # each row's triage command, as the copy button holds it
    assert browser.eval("document.querySelector('#rows tbody tr button.copy').dataset.copy") == \
        "cbpf triage reports/out/results.json --case quirks/1_shift_x/lsh --impl libpcap"
    # the shot of a view shows the explorer, not the summary above it
    assert browser.eval("window.scrollY") == 0
    assert screenshot.show_explorer(browser) == 0
    assert browser.eval("window.scrollY") > 0
    shot = browser.screenshot(os.path.join(artifacts(tmp_path), "report-libpcap-ldx.png"))
    print(f"screenshot: {shot}")
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    # status all + search
    browser.eval(click('#f-status button[data-v="all"]'))
    assert browser.eval(ROWS) == ["quirks/1_shift_x/lsh libpcap diverge",
                                  "quirks/ldx_mem/a libpcap diverge",
                                  "quirks/ldx_msh/b libpcap diverge",
                                  "quirks/ldx_len/c libpcap pass",
                                  "seccomp/e libpcap skipped"]
    browser.eval(set_value("q", "msh", "input"))
    assert browser.eval(ROWS) == ["quirks/ldx_msh/b libpcap diverge"]


def test_filters_by_cause_and_exact_opcode(browser, tmp_path):
    open_explorer(browser, tmp_path)
    browser.eval(click('#f-cause button[data-v="new"]'))
    assert browser.eval(ROWS) == ["seccomp/e vm diverge"]
    browser.eval(click('#f-cause button[data-v="all"]'))
    browser.eval(set_value("op-exact", "0x61", "change"))
    assert browser.eval(ROWS) == ["quirks/ldx_mem/a libpcap diverge"]


def test_matrix_count_opens_its_cases(browser, tmp_path):
    open_explorer(browser, tmp_path)
    # the libpcap diverge count of the 0x6c row (lsh x), then 0x01's pass count of vm
    browser.eval(click('tr[data-opcode="0x6c"] td[data-impl="libpcap"] a[data-status="diverge"]'))
    assert browser.eval(ROWS) == ["quirks/1_shift_x/lsh libpcap diverge"]
    browser.eval(click('tr[data-opcode="0x01"] td[data-impl="vm"] a[data-status="pass"]'))
    assert browser.eval(ROWS) == ["quirks/1_shift_x/lsh vm pass"]
    # a row's case link opens its divergence, with the case file's text
    browser.eval(click('#rows a.caselink'))
    assert browser.eval("document.getElementById('case-quirks/1_shift_x/lsh').open") is True


def test_case_link_shows_case_file_text(browser, tmp_path):
    open_explorer(browser, tmp_path, "#impl=libpcap&cause=msh-oob")
    assert browser.eval(ROWS) == ["quirks/ldx_msh/b libpcap diverge"]
    browser.eval(click('#rows a.caselink'))
    text = browser.eval("document.querySelector('#case-quirks\\\\/ldx_msh\\\\/b pre.casetext')"
                        ".textContent")
    assert text == "description: quirks/ldx_msh/b\nprogram:\n  ret #0\n"


def test_kernel_matrix_view(browser, tmp_path):
    doc = explorer_doc()
    doc["impls"]["kernel:debian-6.1/armhf:jit"] = {"reference": False, "commands": {},
                                                   "available": {}, "reasons": {}}
    for c in doc["cases"]:
        c["outcomes"]["kernel:debian-6.1/armhf:jit"] = (
            _o("diverge", "guest-jit-shift-x-ge-32") if c["id"] == "quirks/1_shift_x/lsh"
            else _o("pass"))
    doc["summary"] = results.summarize(list(doc["impls"]), doc["cases"])
    stats = {"kernel:debian-6.1/armhf:jit": {"lanes": {"linux": {
        "boot_and_probe_s": 4.8, "requests": 7, "seconds": 1.0, "requests_per_s": 7.0,
        "guest_errors": 0}}}}
    page = tmp_path / "index.html"
    page.write_text(index_html.render(doc, stats))
    browser.open(f"file://{page}")
    rows = browser.eval("[...document.querySelectorAll('#kernel-matrix tr[data-case]')]"
                        ".map(r => r.dataset.case + ' ' + r.querySelector('td').textContent)")
    assert rows == ["quirks/1_shift_x/lsh guest-jit-shift-x-ge-32"]
    lanes = browser.eval("document.querySelector('#kernel-targets tr[data-target] td.small')"
                         ".textContent")
    assert lanes == "linux: boot 4.8 s, 7 requests, 7.0/s, 0 guest errors"
    plot = browser.eval("(s => [s.dataset.pass, s.dataset.diverge, s.dataset.skipped])"
                        "(document.querySelector('#kernel-targets svg.plot'))")
    assert plot == ["6", "1", "0"]
    browser.eval(click('#kernel-matrix td a'))
    assert browser.eval(ROWS) == ["quirks/1_shift_x/lsh kernel:debian-6.1/armhf:jit diverge"]
