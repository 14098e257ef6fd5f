"""index_html: renders results.json as one self-contained HTML page (inline
CSS, inline script, no network): the summary table with a pass / diverge /
skip plot per implementation, the case explorer (report/explore_js.py:
filters by implementation, status, cause and opcode, a search box, every
row's `cbpf triage` command to copy), the opcode x implementation matrix
whose counts open their cases in the explorer, the clusters by cause, every
divergence with its reproducer (bpf_asm text, raw program, packet hex, each
implementation's verdict, the case file's text), the kernel-target x case
view of a kernel-matrix run (with OUT/kernels.json's boot and rate
figures), and the environment. The explorer's state is the URL fragment
(`#impl=libpcap&op=ldx&status=diverge`), so a view can be linked.
"""
import html
import json
from urllib.parse import quote

from . import clusters, explore_js, fuzz_section, plot, triage_cmd

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
.filters div{margin:.2em 0}.filters b{display:inline-block;width:9.5em}
button.chip{font:12px system-ui,sans-serif;margin:1px;padding:1px 7px;border:1px solid #bbb;border-radius:9px;background:#fff;cursor:pointer}
button.chip.on{background:#2a62b8;color:#fff;border-color:#2a62b8}
#q{width:28em;font-size:13px}#rows td{vertical-align:top}#rows td.cmd{white-space:nowrap}
a.n{text-decoration:none;color:inherit;padding:0 2px}a.n:hover{text-decoration:underline}
svg.plot{vertical-align:middle}.kv td{white-space:nowrap}
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


def opcode_group(code, name):
    """The opcode filter's group: the bpf_asm mnemonic, with every BPF_LDX
    opcode (ldx #k, ldx M[k], ldx #len, ldxb 4*([k]&0xf)) as `ldx`."""
    if code & 7 == 1:
        return "ldx"
    return (name.split() or [f"{code:#04x}"])[0]


def _tagged(case):
    return {int(t.split("=", 1)[1], 16) for t in case.get("tags", []) if t.startswith("opcode=")}


def _hash(**kw):
    """An explorer view as a URL fragment, HTML-escaped for an href."""
    return esc("#" + "&".join(f"{k}={quote(str(v), safe='/:')}" for k, v in kw.items()))


def matrix(doc):
    """Opcode x implementation: the cases tagged with the opcode (opcode=0xNN,
    the cases written to exercise it), as pass/diverge/skipped counts, each
    a link to those cases in the explorer."""
    names = list(doc["impls"])
    codes = sorted(int(c, 16) for c in doc.get("opcode_names", {}))
    cells = {(c, n): {"pass": 0, "diverge": 0, "skipped": 0, "new": 0} for c in codes for n in names}
    for case in doc["cases"]:
        tagged = _tagged(case)
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
            links = "/".join(
                f'<a class="n" data-status="{st}" href="{_hash(impl=n, tag=f"{c:#04x}", status=st)}">'
                f"{k[st]}</a>" for st in ("pass", "diverge", "skipped"))
            row += (f'<td class="{cls}" data-impl="{esc(n)}" data-text="{k["pass"]}/{k["diverge"]}/'
                    f'{k["skipped"]}" title="{esc(title)}">{links}</td>')
        out.append(row + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def summary_table(doc):
    out = ['<table id="summary"><tr><th class="l">implementation</th><th>pass</th>'
           '<th>diverge</th><th>skipped</th><th>broken</th><th class="l">plot</th>'
           '<th class="l">skip reasons</th><th class="l">causes of divergence</th></tr>']
    for n, s in doc["summary"].items():
        ref = doc["impls"].get(n, {}).get("reference")
        dcls = "pass" if not s["diverge"] else (
            "diverge" if n == "vm" or "new" in s["causes"] or ref else "known")
        reasons = "<br>".join(f"{v}&times; {esc(r)}" for r, v in s["skip_reasons"].items())
        causes = "<br>".join(f'{v}&times; <a href="{_hash(impl=n, cause=c, status="diverge")}">'
                             f'{esc(c)}</a>' for c, v in
                             sorted(s["causes"].items(), key=lambda x: -x[1]))
        out.append(f'<tr data-impl="{esc(n)}"><th class="l">{esc(n)}'
                   f'{" (reference)" if ref else ""}</th><td class="pass">{s["pass"]}</td>'
                   f'<td class="{dcls}"><a class="n" href="{_hash(impl=n, status="diverge")}">'
                   f'{s["diverge"]}</a></td><td class="skipped">{s["skipped"]}</td>'
                   f'<td class="{"broken" if s["broken"] else "none"}">{s["broken"]}</td>'
                   f'<td class="l">{plot.bar(n, s["pass"], s["diverge"], s["skipped"], dcls)}</td>'
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


def case_anchor(case_id):
    return "case-" + case_id


def _copy(cmd):
    return (f'<code class="cmd">{esc(cmd)}</code> <button class="chip copy" '
            f'data-copy="{esc(cmd)}" title="copy to the clipboard">copy</button>')


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
        out.append(f'<details class="divergence {cls}" data-case="{esc(c["id"])}" '
                   f'id="{esc(case_anchor(c["id"]))}">'
                   f'<summary><code>{esc(c["id"])}</code> &mdash; {esc("; ".join(who))}</summary>')
        out.append(f"<p>{esc(c['description'])} (profile {esc(c['profile'])})</p><ul>")
        for n, o in c["outcomes"].items():
            if o["status"] == "diverge":
                cmd = triage_cmd.command(c["id"], n)
                out.append(f"<li><b>{esc(n)}</b> [{esc(o.get('cause', ''))}]: {esc(o['detail'])}"
                           f"<br>{_copy(cmd)}</li>")
        out.append("</ul>")
        out.append("<p>Program (bpf_asm):</p><pre class=\"asm\">" + esc(c.get("asm") or "") + "</pre>")
        out.append("<p>Raw:</p><pre class=\"raw\">" + esc(json.dumps(c.get("program", []))) + "</pre>")
        out.append(_verdicts(c))
        pk = c.get("packets") or []
        out.append("<p>Packets (hex; <code>pattern N</code> is N bytes with byte i = (i + 5) &amp; 0xff):</p>"
                   "<pre class=\"packets\">" +
                   esc("\n".join(f"{i}: {p}" for i, p in enumerate(pk))) + "</pre>")
        if c.get("case_text") is not None:
            out.append(f'<details class="casefile"><summary>case file <code>corpus/'
                       f'{esc(c.get("case_file", c["id"] + ".case"))}</code></summary>'
                       f'<pre class="casetext">{esc(c["case_text"])}</pre></details>')
        out.append("</details>")
    out.append("</section>")
    return "\n".join(out)


def kernel_view(doc, stats=None):
    """A kernel-matrix run (impls kernel:TARGET:MODE): per target a plot and
    OUT/kernels.json's figures, then target x case for every case that is
    not a pass on every target."""
    targets = [n for n in doc["impls"] if n.startswith("kernel:")]
    if not targets:
        return ""
    stats = stats or {}
    out = ['<h2>Kernel targets</h2><section id="kernels">',
           '<table id="kernel-targets"><tr><th class="l">target</th><th>pass</th><th>diverge</th>'
           '<th>skipped</th><th class="l">plot</th><th class="l">lanes (OUT/kernels.json)</th></tr>']
    for t in targets:
        s = doc["summary"][t]
        lanes = []
        for ln, st in (stats.get(t, {}).get("lanes") or {}).items():
            if "skipped" in st:
                lanes.append(f"{ln}: skipped ({st['skipped']})")
            else:
                lanes.append(f"{ln}: boot {st.get('boot_and_probe_s')} s, {st.get('requests')} "
                             f"requests, {st.get('requests_per_s')}/s, "
                             f"{st.get('guest_errors')} guest errors")
        cls = "known" if s["diverge"] else "pass"
        out.append(f'<tr data-target="{esc(t)}"><th class="l"><a href="{_hash(impl=t)}">{esc(t)}</a>'
                   f'</th><td>{s["pass"]}</td><td class="{cls}">{s["diverge"]}</td>'
                   f'<td>{s["skipped"]}</td><td class="l">'
                   f'{plot.bar(t, s["pass"], s["diverge"], s["skipped"], cls)}</td>'
                   f'<td class="l small">{esc("; ".join(lanes)) or "-"}</td></tr>')
    out.append("</table>")
    rows = [c for c in doc["cases"]
            if any(c["outcomes"].get(t, {}).get("status") != "pass" for t in targets)]
    out.append(f'<p class="small">{len(rows)} case(s) are not a pass on every target (every '
               f'other case passes on all {len(targets)}); a cell opens the case in the explorer.</p>')
    out.append('<table id="kernel-matrix"><tr><th class="l">case</th>' +
               "".join(f'<th title="{esc(t)}">{esc(t[len("kernel:"):])}</th>' for t in targets) +
               "</tr>")
    for c in rows:
        cells = ""
        for t in targets:
            o = c["outcomes"].get(t)
            st = o["status"] if o else "none"
            txt = {"pass": "ok", "diverge": o.get("cause", "diverge") if o else "",
                   "skipped": "skip", "none": "-"}[st]
            cls = {"diverge": "known"}.get(st, st)
            cells += (f'<td class="{cls}" data-impl="{esc(t)}" title="{esc(o["detail"] if o else "")}">'
                      f'<a class="n" href="{_hash(impl=t, q=c["id"], status="all")}">{esc(txt)}</a></td>')
        out.append(f'<tr data-case="{esc(c["id"])}"><th class="l"><code>{esc(c["id"])}</code></th>'
                   f'{cells}</tr>')
    out.append("</table></section>")
    return "\n".join(out)


def render(doc, kernel_stats=None):
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
<h2>Explore the cases</h2>
{explore_js.section(doc, opcode_group)}
<h2>Opcodes &times; implementations</h2>
<p class="small">The cases written for each opcode (tagged <code>opcode=0xNN</code>): pass/diverge/skipped; each count opens its cases in the explorer above. Hover a cell for details.</p>
{matrix(doc)}
{kernel_view(doc, kernel_stats)}
<h2>Triage: divergences by cause</h2>
{clusters.section_html(doc)}
<h2>Divergences</h2>
{divergences(doc)}
{fuzz_section.section_html(doc)}
<h2>Broken cases</h2><ul id="broken">{broken}</ul>
<h2>Implementations</h2><table id="impls">{impl_rows}</table>
<h2>Environment</h2><table id="env">{env_rows}</table>
{explore_js.script(doc, opcode_group)}
</body></html>
"""
