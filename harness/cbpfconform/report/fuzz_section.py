"""fuzz_section: the report's fuzzing section, from what `cbpf fuzz campaign
--report OUT` left in OUT/fuzz/ (status.json and campaign.svg, copied there
after every slice). attach() reads it into doc["fuzz"] when the report is
written; section_html() shows the totals, the findings and links the plot.
Without a campaign the section says so."""
import json
import os
from html import escape as esc


def attach(doc, out):
    path = os.path.join(out, "fuzz", "status.json")
    try:
        with open(path) as f:
            st = json.load(f)
    except (OSError, ValueError):
        return
    tg = st.get("targets", {}).values()
    doc["fuzz"] = {
        "plot": "fuzz/campaign.svg" if os.path.exists(os.path.join(out, "fuzz", "campaign.svg"))
        else None,
        "seconds": st.get("seconds"), "sessions": st.get("sessions"),
        "execs": sum(t.get("execs", 0) for t in tg), "corpus": sum(t.get("corpus", 0) for t in tg),
        "features": sum(t.get("features", 0) for t in tg),
        "findings": [f for f in st.get("findings", []) if f.get("status") != "duplicate"]}


def section_html(doc):
    fz = doc.get("fuzz")
    if not fz:
        return "<h2>Fuzzing</h2><p class='small'>No campaign linked (<code>cbpf fuzz campaign --report OUT</code>).</p>"
    items = "".join(f"<li><code>{esc(f.get('target', ''))}</code> {esc(str(f.get('kind')))}: "
                    f"{esc(str(f.get('note') or ''))} ({esc(str((f.get('triage') or {}).get('cause') or f.get('status')))})</li>"
                    for f in fz["findings"]) or "<li>none</li>"
    plot = f"<p><img src='{esc(fz['plot'])}' alt='campaign history'></p>" if fz["plot"] else ""
    return (f"<h2>Fuzzing</h2><p class='small'>{fz['execs']:,} executions over "
            f"{fz['seconds'] or 0:.0f} s in {fz['sessions']} session(s); corpus {fz['corpus']} "
            f"files, {fz['features']} features.</p>{plot}<ul id='fuzz-findings'>{items}</ul>")
