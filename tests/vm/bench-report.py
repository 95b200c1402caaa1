#!/usr/bin/env python3
"""Print make bench's numbers: median wall times and ratios to baseline.

    bench-report.py RESULTS
"""
import statistics
import sys

times, rss = {}, {}
for line in open(sys.argv[1]):
    cfg, what, val = line.split()
    if what == "rss_kb":
        rss.setdefault(cfg, []).append(int(val))
    elif val:
        times.setdefault((cfg, what), []).append(float(val))

names = {"faults": "anon page-fault loop (64 MiB x 8)",
         "thp": "hmm-tests benchmark_thp_migration"}
cfgs = ["base", "bare", "zdevmon", "stacks"]
labels = {"base": "nothing attached", "bare": "bare fentry counter",
          "zdevmon": "zdevmon", "stacks": "zdevmon --stacks"}
for what in ("faults", "thp"):
    base = statistics.median(times.get(("base", what), [0]) or [0])
    print(f"{names[what]}:")
    for cfg in cfgs:
        vals = times.get((cfg, what))
        if not vals:
            continue
        med = statistics.median(vals)
        ratio = f"{(med / base - 1) * 100:+6.1f} %" if base else ""
        print(f"  {labels[cfg]:22s} median {med:8.3f} s  {ratio}"
              f"  ({len(vals)} runs: {', '.join(f'{v:.3f}' for v in vals)})")
for cfg in cfgs[1:]:
    if cfg in rss:
        print(f"peak RSS, {labels[cfg]}: {max(rss[cfg]) / 1024:.1f} MiB")
