#!/usr/bin/env python3
"""Bar chart of a gateway benchmark run (bench/gateway/run.sh): req/s per target at one connection
count (the median of the rounds), each bar labelled with its p99, as a self-contained SVG.

    python3 bench/gateway/chart.py <run>/wrk.csv docs/images/data-plane-comparison.svg [--connections 64]

Standard library only, so it runs wherever run.sh does. The SVG draws its own white background and
uses plain sans-serif text, so it reads the same on GitHub in light and dark mode.
"""
import argparse
import csv
import math
import statistics
import sys
from xml.sax.saxutils import escape

# target name in wrk.csv -> (label lines under the bar, family); the family picks the colour and the legend entry
TARGETS = {
    "direct": (("nginx fake", "(direct, no hop)"), "reference"),
    "nginx": (("nginx", "proxy hop"), "reference"),
    "gateway": (("Portcullis", "(servlet)"), "portcullis"),
    "gateway-netty": (("Portcullis", "(Netty data plane)"), "portcullis"),
    "portkey": (("Portkey gateway", "{version}"), "portkey"),
}
FAMILIES = {  # colour-blind safe (Okabe-Ito)
    "reference": ("#999999", "nginx (no gateway work)"),
    "portcullis": ("#0072B2", "Portcullis"),
    "portkey": ("#E69F00", "Portkey (Node.js)"),
}
WIDTH, HEIGHT = 860, 480
LEFT, RIGHT, TOP, BOTTOM = 90, 30, 70, 110  # plot margins: room for axis labels, title, legend


def medians(rows, connections):
    """Per target, in the order measured: (median req/s, median p99 in ms) at that connection count."""
    out = {}
    for target in dict.fromkeys(r["target"] for r in rows):
        mine = [r for r in rows if r["target"] == target and r["connections"] == connections]
        if mine:
            out[target] = (statistics.median(float(r["rps"]) for r in mine),
                           statistics.median(float(r["p99_us"]) for r in mine) / 1000)
    return out


def nice_step(top, ticks=5):
    """A round tick step (1, 2 or 5 times a power of ten) giving about `ticks` gridlines up to top."""
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def svg(data, connections, version, note):
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    hop = data.get("nginx", (None,))[0]
    top = max(v[0] for v in data.values())
    step = nice_step(top * 1.1)
    y_max = step * math.ceil(top * 1.12 / step)
    y = lambda v: TOP + plot_h - v / y_max * plot_h  # noqa: E731 (a scale, read like one)
    t = lambda x, yy, s, **a: (  # noqa: E731
        f'<text x="{x:.1f}" y="{yy:.1f}"' + "".join(f' {k.replace("_", "-")}="{v}"' for k, v in a.items())
        + f">{escape(s)}</text>")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"'
        ' font-family="Helvetica, Arial, sans-serif" font-size="13" fill="#222">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        t(WIDTH / 2, 26, f"POST chat completion through each target, wrk -t2 -c{connections} (median of rounds)",
          text_anchor="middle", font_size="16", font_weight="bold"),
        t(WIDTH / 2, 46, note, text_anchor="middle", font_size="12", fill="#555"),
    ]
    tick = 0
    while tick <= y_max + 1e-9:  # horizontal gridlines and the y axis's numbers
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e3e3e3"/>')
        parts.append(t(LEFT - 8, y(tick) + 4, f"{tick:,.0f}", text_anchor="end", font_size="12"))
        tick += step
    parts.append(t(22, TOP + plot_h / 2, "requests per second", text_anchor="middle",
                   transform=f"rotate(-90 22 {TOP + plot_h / 2:.1f})"))
    slot = plot_w / len(data)
    bar_w = min(110, slot * 0.6)
    for i, (target, (rps, p99)) in enumerate(data.items()):
        lines, family = TARGETS.get(target, ((target,), "reference"))
        x = LEFT + slot * i + (slot - bar_w) / 2
        cx = x + bar_w / 2
        parts.append(f'<rect x="{x:.1f}" y="{y(rps):.1f}" width="{bar_w:.1f}" height="{y(0) - y(rps):.1f}"'
                     f' fill="{FAMILIES[family][0]}"><title>{escape(target)}: {rps:,.0f} req/s, p99 {p99:.2f} ms</title></rect>')
        parts.append(t(cx, y(rps) - 22, f"{rps:,.0f}", text_anchor="middle", font_weight="bold"))
        ratio = f" · {rps / hop:.2f}× hop" if hop and target not in ("nginx", "direct") else ""
        parts.append(t(cx, y(rps) - 7, f"p99 {p99:.2f} ms{ratio}", text_anchor="middle", font_size="11"))
        for n, line in enumerate(lines):
            parts.append(t(cx, y(0) + 18 + 15 * n, line.format(version=version), text_anchor="middle", font_size="12"))
    if hop:  # issue 21's goal: at least half the throughput of an nginx hop
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(hop / 2):.1f}" y2="{y(hop / 2):.1f}"'
                     ' stroke="#D55E00" stroke-width="1.5" stroke-dasharray="6 4"/>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#222"/>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{y(0):.1f}" stroke="#222"/>')
    legend = [(FAMILIES[f][0], FAMILIES[f][1], False) for f in FAMILIES
              if any(TARGETS.get(t, ("", "reference"))[1] == f for t in data)]
    if hop:
        legend.append(("#D55E00", "issue 21 goal: ½ the nginx hop's req/s", True))
    lx, ly = LEFT, HEIGHT - 40
    for colour, text, dashed in legend:
        if dashed:
            parts.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{ly - 4}" y2="{ly - 4}" stroke="{colour}"'
                         ' stroke-width="1.5" stroke-dasharray="6 4"/>')
        else:
            parts.append(f'<rect x="{lx}" y="{ly - 11}" width="22" height="12" fill="{colour}"/>')
        parts.append(t(lx + 28, ly, text, font_size="12"))
        lx += 40 + 7 * len(text)
    parts.append(t(WIDTH - RIGHT, HEIGHT - 14, "bars: median req/s; labels: median wrk p99", text_anchor="end",
                   font_size="11", fill="#555"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("csv", help="wrk.csv of a run (target,connections,round,rps,p50_us,p90_us,p99_us,...)")
    p.add_argument("svg", help="where to write the chart")
    p.add_argument("--connections", default="64", help="which connection count to plot (64)")
    p.add_argument("--portkey-version", default="", help="shown in the Portkey bar's label")
    p.add_argument("--note", default="", help="subtitle: machine, rounds, date")
    a = p.parse_args()
    with open(a.csv, newline="") as f:
        data = medians(list(csv.DictReader(f)), a.connections)
    if not data:
        sys.exit(f"{a.csv}: no rows at {a.connections} connections")
    with open(a.svg, "w") as f:
        f.write(svg(data, a.connections, a.portkey_version, a.note))


if __name__ == "__main__":
    main()
