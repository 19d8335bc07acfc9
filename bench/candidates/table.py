"""Turns bench/candidates/run.sh's results.csv into the markdown tables of docs/performance.md."""
import csv
import statistics
import sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1])))
streams_wanted = int(sys.argv[2])
data = defaultdict(lambda: defaultdict(dict))  # candidate -> phase -> key -> value
for r in rows:
    data[r["candidate"]][r["phase"]][r["key"]] = r["value"]
candidates = list(dict.fromkeys(r["candidate"] for r in rows))


def wrk(c, conn, key):
    values = [float(p[key]) for ph, p in data[c].items() if ph.startswith(f"wrk-{conn}-") and key in p]
    return statistics.median(values) if values else None


def wrk_errors(c, conn):
    return sum(int(p.get("non2xx", 0)) + int(p.get("sockerr", 0))
               for ph, p in data[c].items() if ph.startswith(f"wrk-{conn}-"))


def num(v, fmt):
    return "—" if v is None else format(v, fmt)


connections = sorted({ph.split("-")[1] for c in candidates for ph in data[c] if ph.startswith("wrk-")}, key=int)
print("## Closed loop (wrk -t2, POST chat completion, median of rounds)\n")
print("| connections | candidate | req/s | ÷ nginx hop | p50 ms | p99 ms | max ms | errors |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for conn in connections:
    hop = wrk("nginx", conn, "rps")
    for c in candidates:
        rps = wrk(c, conn, "rps")
        ratio = rps / hop if rps is not None and hop else None
        p50, p99, mx = (wrk(c, conn, k) for k in ("p50", "p99", "max"))
        print(f"| {conn} | {c} | {num(rps, ',.0f')} | {num(ratio, '.2f')} | "
              f"{num(p50 and p50 / 1000, '.2f')} | {num(p99 and p99 / 1000, '.2f')} | {num(mx and mx / 1000, '.1f')} | "
              f"{wrk_errors(c, conn)} |")
print()

if any("openloop" in data[c] for c in candidates):
    rate = next(data[c]["openloop"]["rate"] for c in candidates if "openloop" in data[c])
    print(f"## Open loop at {int(rate):,} req/s (OpenLoop, latency from the scheduled send)\n")
    print("Each candidate's run comes right after one straight to the fake backend: the reference, with the same neighbours.\n")
    print("| candidate | p50 / p90 / p99 / max ms | direct p50 / p99 ms | added p50 / p99 ms | failed |")
    print("| --- | --- | --- | --- | --- |")
    for c in candidates:
        o, d = data[c].get("openloop"), data[c].get("openloop-direct")
        if not o:
            print(f"| {c} | — | — | — | — |")
            continue
        p = {k: float(o[k]) / 1000 for k in ("p50", "p90", "p99", "max")}
        ref = f"{float(d['p50']) / 1000:.2f} / {float(d['p99']) / 1000:.2f}" if d else "—"
        added = (f"**{p['p50'] - float(d['p50']) / 1000:.2f} / {p['p99'] - float(d['p99']) / 1000:.2f}**"
                 if d else "—")
        print(f"| {c} | {p['p50']:.2f} / {p['p90']:.2f} / {p['p99']:.2f} / {p['max']:.1f} | {ref} | {added} | "
              f"{o['failed']} (+{o['unanswered']} unanswered) |")
    print()

if any("streams" in data[c] for c in candidates):
    print(f"## Idle streams ({streams_wanted:,} held open at once, one SSE event a second)\n")
    print("| candidate | ok / failed | peak open | RSS idle MiB | RSS before → peak MiB | **RSS KiB per stream** | 10,000 streams ≈ MiB | live heap KiB per stream |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for c in candidates:
        s = data[c].get("streams")
        if not s:
            print(f"| {c} | — | — | — | — | — | — | — |")
            continue
        before, peak = int(s["rss_before_kib"]), int(s["rss_peak_kib"])
        n = int(s.get("peak_open", 0)) or 1
        per = (peak - before) / n
        idle = int(data[c]["run"]["rss_idle_kib"])
        live = (f"{(int(s['live_open_kib']) - int(s['live_before_kib'])) / n:.1f}"
                if s.get("live_open_kib") and s.get("live_before_kib") else "—")
        print(f"| {c} | {s.get('ok', '?')} / {s.get('failed', '?')} | {s.get('peak_open', '?')} | {idle / 1024:.0f} | "
              f"{before / 1024:.0f} → {peak / 1024:.0f} | **{per:.1f}** | {(before + per * 10_000) / 1024:,.0f} | {live} |")
    print()

print("Load average (1 min) at the start / end of each candidate: "
      + "; ".join(f"{c} {data[c]['run'].get('load_start', '?')} / {data[c]['run'].get('load_end', '?')}"
                  for c in candidates) + ".")
failed = [c for c in candidates if data[c]["run"].get("check") != "ok"]
if failed:
    print(f"\nFailed the functional check (not measured): {', '.join(failed)}.")
