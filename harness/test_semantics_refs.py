"""test_semantics_refs: docs/linux-semantics.md and the citations of it stay
in step.

  - every `linux-semantics: ID` (or the corpus tag `linux-semantics=ID`) in
    the tree names an entry of the page, and is well formed;
  - every entry (a `### ID` heading) names at least one test that exists:
    `tests/FILE.c:function` or `harness/FILE.py::test` with that function
    defined there, or `corpus/DIR/` with cases in it; an entry may say
    "Tests: none yet" only under an "Untested" section;
  - names the page refers to in backticks exist;
  - no numbered reference to an outside page is left ("§7.3", "rule 13",
    "semantics doc 4.2", "quirk=8", the old page's file name).
"""
import os
import re
import subprocess

import pytest

from conftest import SRC

DOC = os.path.join("docs", "linux-semantics.md")
SELF = os.path.join("harness", "test_semantics_refs.py")

ID = r"[a-z][a-z0-9]*\.[a-z0-9]+(?:-[a-z0-9]+)*"
ENTRY = re.compile(rf"^### (\S+)\s*$", re.M)
CITE_START = re.compile(r"linux-semantics[:=]")
# a citation may wrap after its colon or a comma, onto a comment line
WRAP = r"(?:[ \t]*\n[ \t]*(?:\*|#|//)?)?[ \t]*"
CITE = re.compile(rf"linux-semantics(?::{WRAP}|=)({ID}(?:[ \t]*,{WRAP}{ID})*)")
SPLIT = re.compile(rf"[ \t]*,{WRAP}")
BACKTICK_ID = re.compile(rf"`({ID})`")
TEST_REF = re.compile(r"`((?:tests|harness)/[\w./-]+?)(::|:)(\w+)`|`(corpus/[\w./-]+)`")

# Numbered references to pages outside this repository (the page this one
# replaces numbered its sections, rules and quirks).
FORBIDDEN = [
    (re.compile(r"linux-cbpf-semantics"), "the outside semantics page"),
    (re.compile(r"shared/docs"), "a page outside the repository"),
    (re.compile(r"semantics (doc|page|notes)\b", re.I), "the outside semantics page"),
    (re.compile(r"§\s*\d"), "a section number"),
    (re.compile(r"\b[Rr]ules? \d+\b"), "a rule number"),
    (re.compile(r"\b[Qq]uirks? \d+\b"), "a quirk number"),
    (re.compile(r"\b(rule|quirk)=\d"), "a numbered tag"),
    (re.compile(r"\bdoc \d+(\.\d+)?\b"), "a section number"),
    (re.compile(r"peers\.md \d"), "a section of an outside page"),
    (re.compile(r"(?<![\w.])\(\d\.\d\)"), "a section number"),
]


def tracked_files():
    """The repository's text files (git's list when there is one)."""
    try:
        out = subprocess.run(["git", "-C", SRC, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True).stdout
        names = [n for n in out.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for d, subdirs, files in os.walk(SRC):
            subdirs[:] = [s for s in subdirs if not s.startswith((".", "build"))]
            names += [os.path.relpath(os.path.join(d, f), SRC) for f in files]
    for n in sorted(names):
        path = os.path.join(SRC, n)
        if not os.path.isfile(path) or os.path.getsize(path) > 4 << 20:
            continue
        try:
            with open(path, encoding="utf-8") as f:
                yield n, f.read()
        except UnicodeDecodeError:
            continue  # binary (pcap captures, raw programs)


def parse_doc(text):
    """{id: (section title, entry text)} in page order."""
    entries = {}
    section = ""
    heads = list(ENTRY.finditer(text))
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        before = text[:m.start()]
        titles = re.findall(r"^## (.*)$", before, re.M)
        section = titles[-1] if titles else ""
        body = text[m.end():end]
        body = body.split("\n## ", 1)[0]
        assert m.group(1) not in entries, f"{DOC}: entry {m.group(1)} appears twice"
        entries[m.group(1)] = (section, body)
    return entries


def citation_problems(name, text, known):
    """One line per bad citation in text (file name for the messages)."""
    problems = []
    for m in CITE_START.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        c = CITE.match(text, m.start())
        if c is None:
            problems.append(f"{name}:{line}: malformed citation (want 'linux-semantics: ID')")
            continue
        for ident in SPLIT.split(c.group(1)):
            if ident not in known:
                problems.append(f"{name}:{line}: cites {ident}, which {DOC} does not define")
    return problems


def defines(path, func):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".py"):
        return re.search(rf"^\s*def {re.escape(func)}\(", text, re.M) is not None
    # a C definition: at the start of a line, not a prototype
    return re.search(rf"^[A-Za-z_].*\b{re.escape(func)}\([^;]*$", text, re.M) is not None


def entry_problems(ident, section, body):
    problems = []
    tests = [l for l in body.splitlines() if l.startswith("- Tests:")]
    if len(tests) != 1:
        return [f"{DOC}: {ident}: needs exactly one '- Tests:' line"]
    line = tests[0]
    if re.fullmatch(r"- Tests: none yet\.?", line.strip()):
        if "untested" not in section.lower():
            problems.append(f"{DOC}: {ident}: no test, but not under an 'Untested' section")
        return problems
    refs = TEST_REF.findall(line)
    if not refs:
        problems.append(f"{DOC}: {ident}: names no test")
    for path, _sep, func, corpus in refs:
        if corpus:
            full = os.path.join(SRC, corpus)
            cases = [f for _, _, fs in os.walk(full) for f in fs if f.endswith(".case")] \
                if os.path.isdir(full) else []
            if not cases and not os.path.isfile(full):
                problems.append(f"{DOC}: {ident}: {corpus} has no cases")
            continue
        full = os.path.join(SRC, path)
        if not os.path.isfile(full):
            problems.append(f"{DOC}: {ident}: {path} does not exist")
        elif not defines(full, func):
            problems.append(f"{DOC}: {ident}: {path} defines no {func}")
    return problems


@pytest.fixture(scope="module")
def doc():
    with open(os.path.join(SRC, DOC), encoding="utf-8") as f:
        text = f.read()
    return text, parse_doc(text)


def test_entries_have_stable_names(doc):
    _, entries = doc
    assert len(entries) >= 80
    bad = [i for i in entries if not re.fullmatch(ID, i)]
    assert bad == [], f"entry names must be group.kebab-case: {bad}"


def test_every_entry_names_a_test_that_exists(doc):
    _, entries = doc
    problems = []
    for ident, (section, body) in entries.items():
        problems += entry_problems(ident, section, body)
    assert problems == [], "\n".join(problems)


def test_the_page_refers_only_to_its_own_entries(doc):
    text, entries = doc
    groups = {i.split(".", 1)[0] for i in entries}
    bad = sorted({m for m in BACKTICK_ID.findall(text)
                  if m.split(".", 1)[0] in groups and m not in entries})
    assert bad == [], f"{DOC} refers to entries it does not define: {bad}"


def test_every_citation_names_an_entry(doc):
    _, entries = doc
    problems, count = [], 0
    for name, text in tracked_files():
        if name == SELF:
            continue
        problems += citation_problems(name, text, entries)
        count += len(CITE_START.findall(text))
    assert problems == [], "\n".join(problems)
    assert count >= 100  # the tree does cite the page


def test_no_numbered_reference_to_an_outside_page():
    problems = []
    for name, text in tracked_files():
        if name == SELF:
            continue
        for rx, what in FORBIDDEN:
            for m in rx.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                problems.append(f"{name}:{line}: {what}: {m.group(0)!r}")
    assert problems == [], "\n".join(problems[:50])


def test_the_check_refuses_what_it_must(doc):
    _, entries = doc
    assert citation_problems("x.c", "/* linux-semantics: alu.div-x-zero */", entries) == []
    assert citation_problems("x.case", "tags: linux-semantics=ext.nla ext=nla", entries) == []
    assert citation_problems("x.c", "linux-semantics: alu.div-x-zero, ret.trim", entries) == []
    assert citation_problems("x.c", "/* linux-semantics: alu.no-such-rule */", entries) == [
        f"x.c:1: cites alu.no-such-rule, which {DOC} does not define"]
    assert citation_problems("x.c", "\n(linux-semantics: ext.nla, nope.x)", entries) == [
        f"x.c:2: cites nope.x, which {DOC} does not define"]
    assert citation_problems("x.c", "/* (linux-semantics:\n * ext.nla, alu.neg,\n * ret.x) */",
                             entries) == [f"x.c:1: cites ret.x, which {DOC} does not define"]
    assert citation_problems("x.py", "# linux-semantics: ext.nla,\n# alu.neg", entries) == []
    assert citation_problems("x.c", "linux-semantics: Rule13", entries) == [
        "x.c:1: malformed citation (want 'linux-semantics: ID')"]
    assert entry_problems("a.b", "1. Group", "\n- Tests: none yet.\n") == [
        f"{DOC}: a.b: no test, but not under an 'Untested' section"]
    assert entry_problems("a.b", "Untested", "\n- Tests: none yet.\n") == []
    assert entry_problems("a.b", "1. Group", "\n- Tests: `tests/test_vm.c:no_such_fn`\n") == [
        f"{DOC}: a.b: tests/test_vm.c defines no no_such_fn"]
    assert entry_problems("a.b", "1. Group", "\n- Tests: `corpus/no/such/`\n") == [
        f"{DOC}: a.b: corpus/no/such/ has no cases"]
    for text in ("see §7.3", "rule 13", "semantics doc 4.2", "tags: quirk=8", "(4.2)"):
        assert any(rx.search(text) for rx, _ in FORBIDDEN), text
