"""summary_md: renders results.json as summary.md (and the terminal table).

The table is implementation x pass / diverge / skipped / broken (with the
skip reasons); then the causes of peer divergences, the broken cases (each
`FILE:LINE: why`) and the environment.
"""
from . import clusters
from ..colour import paint


def table(doc):
    rows = [("implementation", "pass", "diverge", "skipped", "broken", "skip reasons")]
    for name, s in doc["summary"].items():
        reasons = "; ".join(f"{n}x {r}" for r, n in sorted(s["skip_reasons"].items(),
                                                          key=lambda x: -x[1])[:3])
        rows.append((name + (" (reference)" if doc["impls"].get(name, {}).get("reference") else ""),
                     str(s["pass"]), str(s["diverge"]), str(s["skipped"]), str(s["broken"]),
                     reasons or "-"))
    return rows


def _kinds(doc, name):
    """The colour of each count column of an implementation's row."""
    s = doc["summary"][name]
    ref = doc["impls"].get(name, {}).get("reference")
    div = "pass" if not s["diverge"] else (
        "diverge" if name == "vm" or "new" in s["causes"] or ref else "known")
    return [None, "pass" if s["pass"] else None, div, "skipped" if s["skipped"] else None,
            "diverge" if s["broken"] else None]


def text_table(doc, colour=False):
    """The terminal table; colour (colour.enabled: a terminal, no NO_COLOR)
    paints the counts as the HTML report does, after the padding."""
    rows = table(doc)
    names = list(doc["summary"])
    w = [max(len(r[i]) for r in rows) for i in range(5)]
    out = []
    for j, r in enumerate(rows):
        kinds = _kinds(doc, names[j - 1]) if j and colour else [None] * 5
        cells = [r[i].ljust(w[i]) if i == 0 else r[i].rjust(w[i]) for i in range(5)]
        out.append("  ".join(paint(c, k, k is not None) for c, k in zip(cells, kinds))
                   + "  " + (r[5] if len(r[5]) < 110 else r[5][:107] + "..."))
        if j == 0:
            out.append("  ".join("-" * w[i] for i in range(5)) + "  " + "-" * 12)
    return "\n".join(out)


def _triage_lines(doc):
    return clusters.markdown(doc)


def _md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def render(doc):
    L = ["# cbpf conformance summary", "",
         f"Generated {doc['generated']} from `{doc['corpus']}` "
         f"(shards {', '.join(doc['shards'])}); {len(doc['cases'])} cases run, "
         f"{len(doc['broken'])} broken.", ""]
    rows = table(doc)
    L.append("| " + " | ".join(rows[0]) + " |")
    L.append("|---|---:|---:|---:|---:|---|")
    for r in rows[1:]:
        L.append("| " + " | ".join(_md_escape(x) for x in r) + " |")
    L.append("")
    L.append("## Causes of peer divergences")
    L.append("")
    L.append("| implementation | cause | cases |")
    L.append("|---|---|---:|")
    any_cause = False
    for name, s in doc["summary"].items():
        for cause, n in sorted(s["causes"].items(), key=lambda x: -x[1]):
            any_cause = True
            L.append(f"| {name} | {cause} | {n} |")
    if not any_cause:
        L.append("| - | none | 0 |")
    L.append("")
    L.extend(_triage_lines(doc))
    if doc["broken"]:
        L.append("## Broken cases")
        L.append("")
        L.append("Not run: each is `FILE:LINE: why`.")
        L.append("")
        L.extend(f"- `{_md_escape(b['error'])}`" for b in doc["broken"])
        L.append("")
    vm_div = [c for c in doc["cases"] if c["outcomes"].get("vm", {}).get("status") == "diverge"]
    L.append(f"## Our VM against the kernel: {len(vm_div)} divergence(s)")
    L.append("")
    for c in vm_div[:50]:
        L.append(f"- `{c['id']}`: {_md_escape(c['outcomes']['vm']['detail'])}")
    L.append("")
    L.append("## Environment")
    L.append("")
    for k, v in sorted(doc["env"].items()):
        if not isinstance(v, (dict, list)):
            L.append(f"- {k}: `{v}`")
    L.append("")
    return "\n".join(L)
