#!/usr/bin/env python3
"""Print make bench's numbers: median wall times and ratios to baseline,
zdevmon's own CPU time and event counts, and (profile) where the kernel
time of its programs goes.

    bench-report.py RESULTS_DIR
"""
import glob
import json
import os
import statistics
import sys

times, rss = {}, {}
out = sys.argv[1]
for line in open(os.path.join(out, "results")):
    cfg, what, val = line.split()
    if what == "rss_kb":
        rss.setdefault(cfg, []).append(int(val))
    elif val:
        times.setdefault((cfg, what), []).append(float(val))

names = {"faults": "anon page-fault loop (64 MiB x 8)",
         "thp": "hmm-tests benchmark_thp_migration"}
cfgs = ["base", "bare", "zdevmon", "stacks", "profile"]
labels = {"base": "nothing attached", "bare": "bare fentry counter",
          "zdevmon": "zdevmon", "stacks": "zdevmon --stacks",
          "profile": "zdevmon --bpf-stats"}
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

for cfg in cfgs[2:]:
    finals = [json.load(open(p)) for p in
              sorted(glob.glob(os.path.join(out, f"final-{cfg}-*.json")))]
    if not finals:
        continue
    print(f"{labels[cfg]}: per run, median {statistics.median(f['events'] for f in finals):.0f} "
          f"events, {statistics.median(f['cpu_seconds'] for f in finals):.2f} s of "
          f"its own CPU, {max(f['dropped_events'] for f in finals)} dropped at most")
    if cfg == "profile":
        hooks = {}
        for f in finals:
            for h in f["hooks"]:
                if h.get("runs"):
                    t = hooks.setdefault(h["function"], [0, 0])
                    t[0] += h["run_ns"]
                    t[1] += h["runs"]
        total = sum(t[0] for t in hooks.values())
        print(f"  kernel time in zdevmon's programs, {len(finals)} runs: "
              f"{total / 1e9:.2f} s")
        for fn, (ns, runs) in sorted(hooks.items(), key=lambda x: -x[1][0])[:8]:
            print(f"    {fn:34s} {ns / 1e9:7.3f} s  {runs:9d} runs  "
                  f"{ns / runs:8.0f} ns/run")
