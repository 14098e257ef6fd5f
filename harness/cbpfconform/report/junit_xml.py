"""junit_xml: renders results.json as JUnit XML for CI systems (GitHub
Actions test reporters, GitLab's `artifacts:reports:junit`, Jenkins).

One <testsuite> per implementation, one <testcase> per case x
implementation (name: the case id, classname: cbpf.conform.IMPL): a
divergence is a <failure> whose message is the detail and the `cbpf
triage` command that reproduces it, and whose text is the reproducer (the
program in bpf_asm syntax and the packets); a skip is <skipped> with its
reason. Broken case files (not run) are <error>s of a testsuite of their
own, "broken". Nothing here reads anything but the document.
"""
import xml.etree.ElementTree as ET

from . import triage_cmd

# Hex digits of a packet shown in a failure (a 64 KiB packet is 131072).
MAX_PACKET = 1024
# Characters XML 1.0 cannot carry (control characters but tab, LF, CR).
_BAD = {c: None for c in range(0x20) if c not in (0x09, 0x0a, 0x0d)}


def _clean(s):
    return str(s).translate(_BAD)


def reproducer(case, impl, results_path):
    """The text of a divergence's <failure>: what to run, then the program
    and its packets."""
    out = [f"reproduce: {triage_cmd.command(case['id'], impl, results_path)}", ""]
    asm = (case.get("asm") or "").strip("\n")
    if asm:
        out += ["program (bpf_asm):", asm, ""]
    for i, p in enumerate(case.get("packets") or []):
        if len(p) > MAX_PACKET:
            p = p[:MAX_PACKET] + f"... ({len(p)} hex digits; results.json has them all)"
        out.append(f"packet {i}: {p or '(empty)'}")
    return "\n".join(out) + "\n"


def _testcase(suite, case, impl, o, results_path):
    tc = ET.SubElement(suite, "testcase", name=_clean(case["id"]),
                       classname=f"cbpf.conform.{_clean(impl)}", time="0")
    st = o["status"]
    if st == "diverge":
        cause = o.get("cause") or "kernel-vs-recording"
        msg = f"{o['detail']} (cause: {cause}); reproduce: " + \
            triage_cmd.command(case["id"], impl, results_path)
        f = ET.SubElement(tc, "failure", message=_clean(msg), type=_clean(cause))
        f.text = _clean(reproducer(case, impl, results_path))
    elif st == "skipped":
        ET.SubElement(tc, "skipped", message=_clean(o["detail"]))


def counts(doc):
    """{impl: (tests, failures, skipped)} as render() writes them."""
    out = {n: [0, 0, 0] for n in doc["impls"]}
    for c in doc["cases"]:
        for n, o in c["outcomes"].items():
            e = out.setdefault(n, [0, 0, 0])
            e[0] += 1
            e[1] += o["status"] == "diverge"
            e[2] += o["status"] == "skipped"
    return {n: tuple(v) for n, v in out.items()}


def render(doc, results_path="reports/out/results.json"):
    """-> the XML document as a str (UTF-8 declared)."""
    root = ET.Element("testsuites", name="cbpf conformance")
    per = counts(doc)
    total = [0, 0, 0, 0]
    for impl, (tests, failures, skipped) in per.items():
        ref = doc["impls"].get(impl, {}).get("reference")
        suite = ET.SubElement(root, "testsuite", name=_clean(impl + (" (reference)" if ref else "")),
                              tests=str(tests), failures=str(failures), errors="0",
                              skipped=str(skipped), time="0", timestamp=doc["generated"])
        for c in doc["cases"]:
            o = c["outcomes"].get(impl)
            if o is not None:
                _testcase(suite, c, impl, o, results_path)
        total[0] += tests
        total[1] += failures
        total[2] += skipped
    if doc["broken"]:
        suite = ET.SubElement(root, "testsuite", name="broken", tests=str(len(doc["broken"])),
                              failures="0", errors=str(len(doc["broken"])), skipped="0",
                              time="0", timestamp=doc["generated"])
        for b in doc["broken"]:
            tc = ET.SubElement(suite, "testcase", name=_clean(b["case"]),
                               classname="cbpf.conform.broken", time="0")
            ET.SubElement(tc, "error", message=_clean(b["error"]), type="broken-case")
        total[0] += len(doc["broken"])
        total[3] += len(doc["broken"])
    root.set("tests", str(total[0]))
    root.set("failures", str(total[1]))
    root.set("skipped", str(total[2]))
    root.set("errors", str(total[3]))
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
