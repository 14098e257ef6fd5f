"""ci_summary: a short Markdown summary of a results.json for a CI job's
page (GitHub Actions' $GITHUB_STEP_SUMMARY, a GitLab merge request note):
the verdict of the run in one line, implementation x pass / diverge /
skipped / broken, the causes of divergence, and the first divergences each
with its `cbpf triage` command and reproducer folded in <details>. It stays
well under GitHub's 1 MiB limit for a step summary (at most MAX_SHOWN
divergences are shown, each reproducer cut at MAX_LINES lines).
"""
from . import triage_cmd
from .summary_md import table

MAX_SHOWN = 25
MAX_LINES = 40


def _esc(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def _divergences(doc):
    refs = {n for n, i in doc["impls"].items() if i.get("reference")}
    out = []
    for c in doc["cases"]:
        for n, o in c["outcomes"].items():
            if o["status"] == "diverge":
                out.append((0 if n == "vm" else 1 if n in refs else 2, c["id"], n, c, o))
    out.sort(key=lambda x: x[:3])
    return out


def _verdict(doc, failed):
    vm = doc["summary"].get("vm")
    if failed:
        return "**cbpf conformance: FAILED**"
    if vm is None:
        return "**cbpf conformance: passed** (our VM not run)"
    return "**cbpf conformance: passed**: our VM agrees with the kernel"


def render(doc, status, results_path="reports/out/results.json"):
    """status: the run's exit status (0 pass, 1 fail)."""
    L = [f"## {_verdict(doc, status != 0)}", "",
         f"{len(doc['cases'])} cases, {len(doc['broken'])} broken; shards "
         f"{', '.join(doc['shards'])}; generated {doc['generated']}.", ""]
    rows = table(doc)
    L.append("| " + " | ".join(rows[0]) + " |")
    L.append("|---|---:|---:|---:|---:|---|")
    L += ["| " + " | ".join(_esc(x) for x in r) + " |" for r in rows[1:]]
    L.append("")
    causes = [(n, c, k) for n, s in doc["summary"].items() for c, k in
              sorted(s["causes"].items(), key=lambda x: -x[1])]
    if causes:
        L += ["| implementation | cause | cases |", "|---|---|---:|"]
        L += [f"| {_esc(n)} | {_esc(c)} | {k} |" for n, c, k in causes]
        L.append("")
    for b in doc["broken"][:MAX_SHOWN]:
        L.append(f"- broken: `{_esc(b['error'])}`")
    if doc["broken"]:
        L.append("")
    div = _divergences(doc)
    if div:
        L.append(f"### Divergences ({len(div)}; the first {min(len(div), MAX_SHOWN)})")
        L.append("")
    for _, cid, n, c, o in div[:MAX_SHOWN]:
        cmd = triage_cmd.command(cid, n, results_path)
        L.append(f"<details><summary><code>{_html(cid)}</code> on <b>{_html(n)}</b>: "
                 f"{_html(o.get('cause') or 'kernel vs recording')}</summary>")
        L.append("")
        L.append(f"{_esc(o['detail'])}")
        L.append("")
        L.append("```sh")
        L.append(cmd)
        L.append("```")
        asm = (c.get("asm") or "").strip("\n").splitlines()
        if asm:
            L.append("```")
            L += [l.replace("\t", "  ") for l in asm[:MAX_LINES]]
            if len(asm) > MAX_LINES:
                L.append(f"; ... {len(asm) - MAX_LINES} more lines in results.json")
            L += [f"; packet {i}: {_cut(p) or '(empty)'}"
                  for i, p in enumerate((c.get("packets") or [])[:8])]
            L.append("```")
        L.append("</details>")
        L.append("")
    return "\n".join(L) + "\n"


def _cut(p, n=256):
    return p if len(p) <= n else p[:n] + f"... ({len(p)} hex digits)"


def _html(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
