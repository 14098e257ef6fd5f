"""index_html: renders results.json as one self-contained HTML page (inline
CSS, no script, no network): the summary table, an opcode x implementation
matrix coloured by result, every divergence with its reproducer (bpf_asm
text, packet hex, each implementation's verdict) and the environment.
"""
import html
import json

from . import clusters, fuzz_section

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1400px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 7px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}
.pass{background:#c8ecc8}.diverge{background:#f6b0b0}.known{background:#fde3a7}
.skipped{background:#e4e4e4;color:#555}.broken{background:#e2c4ef}.mismatch{background:#f3c98b;font-weight:bold}.none{background:#fff;color:#aaa}
pre{background:#f7f7f7;border:1px solid #ddd;padding:6px;overflow:auto;max-height:22em;margin:.3em 0}
details{margin:.25em 0;border:1px solid #ddd;padding:.2em .6em}summary{cursor:pointer}
.legend span{display:inline-block;padding:0 .6em;margin-right:.4em;border:1px solid #ccc}
code{font-size:12px}.small{font-size:12px;color:#555}
"""


def esc(s):
    return html.escape(str(s), quote=True)


def _cell_class(impl, counts, reference):
    if counts["diverge"]:
        return "diverge" if (impl == "vm" or counts["new"] or reference) else "known"
    if counts["pass"]:
        return "pass"
    if counts["skipped"]:
        return "skipped"
    return "none"


def matrix(doc):
    """Opcode x implementation: the cases tagged with the opcode (opcode=0xNN,
    the cases written to exercise it), as pass/diverge/skipped counts."""
    names = list(doc["impls"])
    codes = sorted(int(c, 16) for c in doc.get("opcode_names", {}))
    cells = {(c, n): {"pass": 0, "diverge": 0, "skipped": 0, "new": 0} for c in codes for n in names}
    for case in doc["cases"]:
        tagged = {int(t.split("=", 1)[1], 16) for t in case.get("tags", [])
                  if t.startswith("opcode=")}
        for n, o in case["outcomes"].items():
            for c in tagged:
                if (c, n) in cells:
                    cells[(c, n)][o["status"]] += 1
                    if o.get("cause") == "new":
                        cells[(c, n)]["new"] += 1
    out = ['<table id="matrix"><tr><th class="l">opcode</th>' +
           "".join(f"<th>{esc(n)}</th>" for n in names) + "</tr>"]
    for c in codes:
        label = doc["opcode_names"].get(f"{c:#04x}", "")
        row = f'<tr data-opcode="{c:#04x}"><th class="l"><code>{c:#04x}</code> {esc(label)}</th>'
        for n in names:
            k = cells[(c, n)]
            cls = _cell_class(n, k, doc["impls"][n].get("reference"))
            title = f"{k['pass']} pass, {k['diverge']} diverge ({k['new']} new), {k['skipped']} skipped"
            row += (f'<td class="{cls}" data-impl="{esc(n)}" title="{esc(title)}">'
                    f"{k['pass']}/{k['diverge']}/{k['skipped']}</td>")
        out.append(row + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def summary_table(doc):
    out = ['<table id="summary"><tr><th class="l">implementation</th><th>pass</th>'
           '<th>diverge</th><th>skipped</th><th>broken</th><th class="l">skip reasons</th>'
           '<th class="l">causes of divergence</th></tr>']
    for n, s in doc["summary"].items():
        ref = doc["impls"].get(n, {}).get("reference")
        dcls = "pass" if not s["diverge"] else (
            "diverge" if n == "vm" or "new" in s["causes"] or ref else "known")
        reasons = "<br>".join(f"{v}&times; {esc(r)}" for r, v in s["skip_reasons"].items())
        causes = "<br>".join(f"{v}&times; {esc(c)}" for c, v in
                             sorted(s["causes"].items(), key=lambda x: -x[1]))
        out.append(f'<tr data-impl="{esc(n)}"><th class="l">{esc(n)}'
                   f'{" (reference)" if ref else ""}</th><td class="pass">{s["pass"]}</td>'
                   f'<td class="{dcls}">{s["diverge"]}</td><td class="skipped">{s["skipped"]}</td>'
                   f'<td class="{"broken" if s["broken"] else "none"}">{s["broken"]}</td>'
                   f'<td class="l small">{reasons or "-"}</td><td class="l small">{causes or "-"}</td></tr>')
    out.append("</table>")
    return "\n".join(out)


def _verdicts(case):
    names = [n for n in case["responses"]]
    npk = case["npackets"]
    head = "<tr><th>packet</th><th>len</th>" + "".join(f"<th>{esc(n)}</th>" for n in names) + "</tr>"
    rows = [head]
    loads = "<tr><th>load</th><td></td>"
    for n in names:
        r = case["responses"][n]
        v = r.get("load")
        if v == "rejected":
            v += " " + str(r.get("errno"))
        elif v == "error":
            v += ": " + str(r.get("reason"))
        loads += f"<td>{esc(v)}</td>"
    rows.append(loads + "</tr>")
    bad = {(n, m["packet"]) for n, o in case["outcomes"].items()
           for m in o.get("mismatches", []) or []}
    for i in range(min(npk, 64)):
        row = f"<tr><td>{i}</td><td>{case['packet_lens'][i]}</td>"
        for n in names:
            res = case["responses"][n].get("results") or []
            if i < len(res):
                r = res[i]
                t = str(r.get("verdict"))
                if r.get("abort"):
                    t += f" ({r['abort']})"
                if r.get("exact") is False:
                    t += " inexact"
            else:
                t = "-"
            cls = ""
            if (n, i) in bad:
                cls = ' class="diverge"' if n == "vm" else ' class="mismatch"'
            row += f"<td{cls}>{esc(t)}</td>"
        rows.append(row + "</tr>")
    return "<table class=\"verdicts\">" + "\n".join(rows) + "</table>"


def divergences(doc):
    out = ['<section id="divergences">']
    items = [c for c in doc["cases"] if any(o["status"] == "diverge" for o in c["outcomes"].values())]
    items.sort(key=lambda c: (0 if c["outcomes"].get("vm", {}).get("status") == "diverge" else 1, c["id"]))
    out.append(f"<p>{len(items)} case(s) with at least one divergence. Our VM's first, then by case.</p>")
    for c in items:
        who = []
        for n, o in c["outcomes"].items():
            if o["status"] == "diverge":
                who.append(f"{n}: {o.get('cause') or 'kernel vs recording'}")
        cls = "diverge" if c["outcomes"].get("vm", {}).get("status") == "diverge" or \
            any(o.get("cause") == "new" for o in c["outcomes"].values()) else "known"
        out.append(f'<details class="divergence {cls}" data-case="{esc(c["id"])}">'
                   f'<summary><code>{esc(c["id"])}</code> &mdash; {esc("; ".join(who))}</summary>')
        out.append(f"<p>{esc(c['description'])} (profile {esc(c['profile'])})</p><ul>")
        for n, o in c["outcomes"].items():
            if o["status"] == "diverge":
                out.append(f"<li><b>{esc(n)}</b> [{esc(o.get('cause', ''))}]: {esc(o['detail'])}</li>")
        out.append("</ul>")
        out.append("<p>Program (bpf_asm):</p><pre class=\"asm\">" + esc(c.get("asm") or "") + "</pre>")
        out.append("<p>Raw:</p><pre class=\"raw\">" + esc(json.dumps(c.get("program", []))) + "</pre>")
        out.append(_verdicts(c))
        pk = c.get("packets") or []
        out.append("<p>Packets (hex; <code>pattern N</code> is N bytes with byte i = (i + 5) &amp; 0xff):</p>"
                   "<pre class=\"packets\">" +
                   esc("\n".join(f"{i}: {p}" for i, p in enumerate(pk))) + "</pre>")
        out.append("</details>")
    out.append("</section>")
    return "\n".join(out)


def _triage_section(doc):
    return clusters.section_html(doc)


def render(doc):
    env_rows = "".join(f"<tr><th class='l'>{esc(k)}</th><td class='l'><code>{esc(json.dumps(v) if isinstance(v, (dict, list)) else v)}</code></td></tr>"
                       for k, v in sorted(doc["env"].items()))
    impl_rows = "".join(
        f"<tr><th class='l'>{esc(n)}</th><td class='l'><code>{esc(json.dumps(i['commands']))}</code></td>"
        f"<td class='l'>{esc(json.dumps(i['reasons'])) if i['reasons'] else 'available'}</td></tr>"
        for n, i in doc["impls"].items())
    broken = "".join(f"<li><code>{esc(b['error'])}</code></li>" for b in doc["broken"]) or "<li>none</li>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cbpf conformance</title>
<style>{CSS}</style></head><body>
<h1>cbpf conformance: {len(doc['cases'])} cases, {len(doc['broken'])} broken</h1>
<p class="small">Generated {esc(doc['generated'])} from <code>{esc(doc['corpus'])}</code>, shards {esc(', '.join(doc['shards']))}.
The live kernel is the reference; the kernel row compares it with the recorded expectations.</p>
<p class="legend"><span class="pass">pass</span><span class="known">diverge, known cause</span><span class="diverge">diverge: our VM, or a new cause</span><span class="skipped">skipped</span><span class="broken">broken case (not run)</span></p>
<h2>Summary</h2>
{summary_table(doc)}
<h2>Opcodes &times; implementations</h2>
<p class="small">The cases written for each opcode (tagged <code>opcode=0xNN</code>): pass/diverge/skipped. Hover a cell for details.</p>
{matrix(doc)}
<h2>Triage: divergences by cause</h2>
{_triage_section(doc)}
<h2>Divergences</h2>
{divergences(doc)}
{fuzz_section.section_html(doc)}
<h2>Broken cases</h2><ul id="broken">{broken}</ul>
<h2>Implementations</h2><table id="impls">{impl_rows}</table>
<h2>Environment</h2><table id="env">{env_rows}</table>
</body></html>
"""
