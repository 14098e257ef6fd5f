"""plot: the report's small inline SVG plots (no script, no network): one
horizontal bar per implementation or kernel target, pass / diverge /
skipped as green / red-or-amber / grey segments in proportion, with the
counts as its title (the tooltip) and its aria-label.
"""
import html

WIDTH, HEIGHT = 160, 12
COLOURS = {"pass": "#4caf50", "diverge": "#e53935", "known": "#f0a020", "skipped": "#9e9e9e"}


def bar(name, npass, ndiverge, nskipped, diverge_class="diverge"):
    total = npass + ndiverge + nskipped
    label = f"{name}: {npass} pass, {ndiverge} diverge, {nskipped} skipped"
    parts, x = [], 0.0
    for kind, n in (("pass", npass), (diverge_class, ndiverge), ("skipped", nskipped)):
        if not n or not total:
            continue
        w = WIDTH * n / total
        colour = COLOURS.get(kind, COLOURS["diverge"])
        parts.append(f'<rect x="{x:.1f}" y="0" width="{max(w, 1):.1f}" height="{HEIGHT}" '
                     f'fill="{colour}"/>')
        x += w
    if not parts:
        parts.append(f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#eee"/>')
    esc = html.escape(label, quote=True)
    return (f'<svg class="plot" width="{WIDTH}" '
            f'height="{HEIGHT}" role="img" aria-label="{esc}" data-pass="{npass}" '
            f'data-diverge="{ndiverge}" data-skipped="{nskipped}"><title>{esc}</title>'
            + "".join(parts) + "</svg>")
