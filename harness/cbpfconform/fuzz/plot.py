"""plot: the campaign's history as a small SVG (DIR/campaign.svg): total
executions, corpus size, coverage features and unique findings over the
campaign's seconds, each scaled to its own maximum (printed in the legend)."""
from xml.sax.saxutils import escape

from ..atomic import write_atomic

W, H, PAD = 480, 200, 36
SERIES = [("execs", "#1f77b4"), ("features", "#2ca02c"), ("corpus", "#ff7f0e"),
          ("findings", "#d62728")]


def _points(hist, key, tmax):
    top = max((h[key] for h in hist), default=0)
    vmax = top or 1
    pts = []
    for h in hist:
        x = PAD + (W - 2 * PAD) * (h["t"] / tmax if tmax else 0)
        y = H - PAD - (H - 2 * PAD) * (h[key] / vmax)
        pts.append(f"{x:.1f},{y:.1f}")
    return " ".join(pts), top


def render(st):
    hist = st["history"]
    tmax = max((h["t"] for h in hist), default=0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="10">',
           '<title>cbpf fuzz campaign</title>',
           f'<rect x="{PAD}" y="{PAD}" width="{W - 2 * PAD}" height="{H - 2 * PAD}" '
           'fill="none" stroke="#999"/>',
           f'<text x="{PAD}" y="{H - 8}">0 s</text>',
           f'<text x="{W - PAD}" y="{H - 8}" text-anchor="end">{tmax:.0f} s</text>']
    for i, (key, colour) in enumerate(SERIES):
        pts, vmax = _points(hist, key, tmax)
        if pts:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                       f'points="{pts}"/>')
        out.append(f'<text x="{PAD + i * 110}" y="{PAD - 10}" fill="{colour}">'
                   f'{escape(key)} (max {vmax:,})</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(path, st):
    write_atomic(path, render(st))
