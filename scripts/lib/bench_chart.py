#!/usr/bin/env python3
"""Draws the latency figures of a benchmark run as an SVG chart (no plotting library).

    bench_chart.py FIGURES OUTPUT.svg [TITLE]

FIGURES has one measurement per line: `label|p50_ms|p99_ms|target_ms` (target empty when the
measurement has none; p99 empty when only a median was measured). The chart has one row per
measurement: a bar to p50, a thinner one to p99, and a tick at the target, on a logarithmic
axis in milliseconds, so 1 ms and 1 s fit on one page.
"""
import math
import sys
from html import escape


def read(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        label, p50, p99, target = (line.split("|") + ["", "", ""])[:4]
        number = lambda text: float(text) if text.strip() else None
        rows.append((label, number(p50), number(p99), number(target)))
    return rows


def draw(rows, title):
    left, right, top, row_height, width = 330, 90, 56, 34, 960
    height = top + row_height * len(rows) + 50
    values = [v for _, p50, p99, target in rows for v in (p50, p99, target) if v]
    low = 10 ** math.floor(math.log10(max(0.1, min(values) * 0.9)))
    high = 10 ** math.ceil(math.log10(max(values)))
    span = width - left - right
    x = lambda ms: left + span * (math.log10(max(ms, low)) - math.log10(low)) / (math.log10(high) - math.log10(low))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
        f'<text x="{left}" y="42" fill="#555">bar: p50 · thin bar: p99 · red tick: target (ms, logarithmic)</text>',
    ]
    decade = low
    while decade <= high:
        gx = x(decade)
        out.append(f'<line x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{height - 40}" stroke="#ddd"/>')
        label = f"{decade:g} ms" if decade < 1000 else f"{decade / 1000:g} s"
        out.append(f'<text x="{gx:.1f}" y="{height - 22}" text-anchor="middle" fill="#555">{label}</text>')
        decade *= 10
    for index, (label, p50, p99, target) in enumerate(rows):
        y = top + index * row_height
        out.append(f'<text x="{left - 10}" y="{y + 18}" text-anchor="end">{escape(label)}</text>')
        if p99:
            out.append(f'<rect x="{left}" y="{y + 16}" width="{x(p99) - left:.1f}" height="6" fill="#9ab"/>')
            out.append(f'<text x="{x(p99) + 4:.1f}" y="{y + 24}" fill="#567" font-size="11">p99 {p99:g}</text>')
        if p50:
            out.append(f'<rect x="{left}" y="{y + 4}" width="{x(p50) - left:.1f}" height="12" fill="#357"/>')
            out.append(f'<text x="{x(p50) + 4:.1f}" y="{y + 14}" font-size="11">p50 {p50:g}</text>')
        if target:
            out.append(f'<line x1="{x(target):.1f}" y1="{y + 1}" x2="{x(target):.1f}" y2="{y + 27}" stroke="#c22" stroke-width="2"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rows = read(sys.argv[1])
    if not rows:
        sys.exit(f"{sys.argv[1]}: no measurements")
    with open(sys.argv[2], "w", encoding="utf-8") as svg:
        svg.write(draw(rows, sys.argv[3] if len(sys.argv) > 3 else "Latency by measurement"))
