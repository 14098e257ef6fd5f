"""clusters: the triage section of the conformance report (summary.md and
index.html): the peer divergences of a results.json clustered by cause,
each cluster with its number of cases, the implementations it affects and
its smallest reproducer (fewest instructions, then fewest packet bytes,
then case id), which after `cbpf triage` is usually the minimised case it
filed in corpus/regress/.
"""
import html


def clusters(doc):
    """-> [{"cause", "count", "impls", "smallest": case record}], largest
    cluster first, then by cause name."""
    refs = {n for n, i in doc.get("impls", {}).items() if i.get("reference")}
    by = {}
    for c in doc.get("cases", []):
        for name, o in c.get("outcomes", {}).items():
            if o.get("status") != "diverge" or name in refs:
                continue
            cause = o.get("cause") or "new"
            e = by.setdefault(cause, {"cause": cause, "cases": set(), "impls": set(),
                                      "smallest": None})
            e["cases"].add(c["id"])
            e["impls"].add(name)
            key = (c.get("ninsns", 0), sum(c.get("packet_lens") or []), c["id"])
            s = e["smallest"]
            if s is None or key < (s.get("ninsns", 0), sum(s.get("packet_lens") or []), s["id"]):
                e["smallest"] = c
    out = [{"cause": e["cause"], "count": len(e["cases"]), "impls": sorted(e["impls"]),
            "smallest": e["smallest"]} for e in by.values()]
    out.sort(key=lambda e: (-e["count"], e["cause"]))
    return out


def _size(c):
    lens = c.get("packet_lens") or []
    return f"{c.get('ninsns', 0)} insns, packet{'s' if len(lens) != 1 else ''} " + \
        (", ".join(f"{n} B" for n in lens) if lens else "none")


def markdown(doc):
    """-> list of lines (no trailing blank line handling needed)."""
    cl = clusters(doc)
    L = ["## Triage: peer divergences by cause", "",
         "Clustered by the cause harness/cbpfconform/causes.json names; the smallest reproducer of each "
         "(`cbpf triage` minimises a divergence and files it in `corpus/regress/`).", "",
         "| cause | cases | implementations | smallest reproducer |",
         "|---|---:|---|---|"]
    if not cl:
        L.append("| - | 0 | - | - |")
    for e in cl:
        s = e["smallest"]
        L.append(f"| {e['cause']} | {e['count']} | {', '.join(e['impls'])} | "
                 f"`{s['id']}` ({_size(s)}) |")
    L.append("")
    for e in cl:
        s = e["smallest"]
        if not s.get("asm"):
            continue
        L.append(f"**{e['cause']}**: `{s['id']}`")
        L.append("")
        L.append("```")
        L.extend(l.rstrip().replace("\t", "  ") for l in s["asm"].strip("\n").splitlines())
        for i, p in enumerate(s.get("packets") or []):
            L.append(f"; packet {i}: {p or '(empty)'}")
        L.append("```")
        L.append("")
    return L


def _asm_text(case):
    """The reproducer as the disassembler printed it, leading tabs kept."""
    return (case.get("asm") or "").strip("\n").rstrip()


def section_html(doc):
    esc = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    cl = clusters(doc)
    out = ['<section id="triage"><p class="small">Peer divergences clustered by cause '
           '(harness/cbpfconform/causes.json), with the smallest reproducer of each; '
           '<code>cbpf triage</code> minimises divergences into <code>corpus/regress/</code>.</p>',
           '<table id="triage-clusters"><tr><th class="l">cause</th><th>cases</th>'
           '<th class="l">implementations</th><th class="l">smallest reproducer</th></tr>']
    for e in cl:
        s = e["smallest"]
        pk = "\n".join(f"packet {i}: {p or '(empty)'}" for i, p in enumerate(s.get("packets") or []))
        cls = "diverge" if e["cause"] == "new" or "vm" in e["impls"] else "known"
        out.append(f'<tr data-cause="{esc(e["cause"])}"><th class="l {cls}">{esc(e["cause"])}</th>'
                   f'<td>{e["count"]}</td><td class="l">{esc(", ".join(e["impls"]))}</td>'
                   f'<td class="l"><code>{esc(s["id"])}</code> ({esc(_size(s))})'
                   f'<pre class="asm">{esc(_asm_text(s))}'
                   f'{esc(chr(10) + pk) if pk else ""}</pre></td></tr>')
    if not cl:
        out.append('<tr><td class="l" colspan="4">no peer divergence</td></tr>')
    out.append("</table></section>")
    return "\n".join(out)
