#!/usr/bin/env python3
"""Print make bench's report from the guest's results folder: per workload
and configuration the ratio of the median guest time to "no tracing"
(base) and the median itself, the targets met or missed, zdevmon's memory
at many live device folios, and zdevmon's own cost per run.

    bench-report.py RESULTS_DIR

RESULTS_DIR is what tests/vm/guest/scen/bench.sh wrote: "results" lines
"CONFIG ROUND WORKLOAD SECONDS" (and "CONFIG ROUND rss_kb KB"), the
hmm-tests outputs thp-CONFIG-ROUND.txt, zdevmon's final snapshots
final-CONFIG-ROUND.json, and mem-MODE.{txt,json} for the memory part.
"""
import glob
import json
import os
import re
import statistics
import sys

CONFIGS = ["base", "bare", "floor", "zdevmon", "stacks", "run", "bpftrace",
           "profile", "paused"]
LABELS = {"base": "no tracing", "bare": "bare fentry counter (barecount)",
          "floor": "bare + issue 12 items 1 and 2's least on the device"
                   " calls (barecount --floor)",
          "zdevmon": "zdevmon -q -i 1 --json F (daemon)",
          "stacks": "zdevmon --stacks (daemon)",
          "run": "zdevmon run -- WORKLOAD (CI mode; only the workload timed)",
          "bpftrace": "bpftrace devleak.bt (kstack per folio birth, map by folio)",
          "profile": "zdevmon --bpf-stats (daemon)",
          "paused": "zdevmon (daemon) stopped by SIGSTOP while timed: its"
                    " programs alone"}
WORKLOADS = ["thp", "thp4k", "faults", "dax", "gup"]
NAMES = {"thp": "hmm-tests benchmark_thp_migration, total",
         "thp4k": "  its 4 KiB sys->dev migrations",
         "faults": "anonymous page faults (64 MiB x 8)",
         "dax": "FS DAX 4 KiB faults (64 MiB x 8)",
         "gup": "O_DIRECT reads into RAM, GUP pins (64 MiB x 16)"}
# make bench's targets (issue 12): (description, config, workload, bound);
# bound is a number, or ("bare", margin) for bare's ratio plus a margin
TARGETS = [("zdevmon (daemon) <= bare + 0.02", "zdevmon", w, ("bare", 0.02))
           for w in WORKLOADS] + [
    ("zdevmon (daemon) <= 1.03", "zdevmon", "thp", 1.03),
    ("zdevmon --stacks <= 1.10", "stacks", "thp4k", 1.10)]

# hmm-tests' per-size lines: "Sys->Dev Migration   | 1.234 ms | 5.678 ms | ..."
# (with THP, without THP: base pages, 4 KiB on x86)
S2D = re.compile(r"^Sys->Dev Migration\s*\|\s*([\d.]+) ms\s*\|\s*([\d.]+) ms")


def thp_4k_seconds(path):
    """The 4 KiB (without THP) sys->dev times of one benchmark_thp_migration
    output, summed over its buffer sizes (each the mean of its iterations),
    in seconds; None when the output has none or the test did not pass."""
    try:
        text = open(path).read()
    except OSError:
        return None
    ms = [float(m.group(2)) for m in map(S2D.match, text.splitlines()) if m]
    # the device-private variant passed (the coherent one is skipped)
    if not ms or not re.search(r"^ok \d+ \S+benchmark_thp_migration$", text, re.M):
        return None
    return sum(ms) / 1000


def load(out):
    times, rss, failed = {}, {}, []
    path = os.path.join(out, "results")
    for line in open(path) if os.path.exists(path) else []:
        f = line.split()
        if len(f) != 4:
            continue
        cfg, rnd, what, val = f
        if what == "rss_kb":
            if val.isdigit():
                rss.setdefault(cfg, []).append(int(val))
            continue
        try:
            t = float(val)
        except ValueError:
            failed.append(f"{cfg} round {rnd} {what}")
            continue
        if what == "thp":
            # a failed benchmark stopped early: neither of its times counts
            s = thp_4k_seconds(os.path.join(out, f"thp-{cfg}-{rnd}.txt"))
            if s is None:
                failed.append(f"{cfg} round {rnd} thp: hmm-tests' benchmark did "
                              f"not pass (thp-{cfg}-{rnd}.txt), not counted")
                continue
            times.setdefault((cfg, "thp4k"), []).append(s)
        times.setdefault((cfg, what), []).append(t)
    return times, rss, failed


def ratios(times):
    """{(cfg, workload): (ratio to base's median, median seconds)}"""
    r = {}
    for (cfg, w), vals in times.items():
        med = statistics.median(vals)
        base = times.get(("base", w))
        r[cfg, w] = (med / statistics.median(base) if base else None, med)
    return r


def print_table(times, r):
    cfgs = [c for c in CONFIGS if any((c, w) in r for w in WORKLOADS)]
    wls = [w for w in WORKLOADS if any((c, w) in r for c in cfgs)]
    rounds = max((len(v) for v in times.values()), default=0)
    print(f"ratio to no tracing (median guest seconds), {rounds} rounds")
    print(f"{'workload':42s}" + "".join(f"{c:>17s}" for c in cfgs))
    for w in wls:
        cells = []
        for c in cfgs:
            if (c, w) not in r:
                cells.append(f"{'-':>17s}")
                continue
            ratio, med = r[c, w]
            cells.append(f"{(f'{ratio:.3f}' if ratio else '?'):>7s} "
                         f"({med:6.2f}s)")
        print(f"{NAMES[w]:42s}" + "".join(cells))
    print("columns:")
    for c in cfgs:
        print(f"  {c:9s} {LABELS[c]}")
    print("per round (guest seconds):")
    for w in wls:
        for c in cfgs:
            if (c, w) in times:
                vals = times[c, w]
                spread = (max(vals) - min(vals)) / statistics.median(vals) * 100
                print(f"  {w:7s} {c:9s} " + " ".join(f"{v:8.3f}" for v in vals)
                      + f"   spread {spread:.1f} %")


def print_targets(r):
    print("targets:")
    met_all = None  # None: nothing measured; False: one missed
    for desc, cfg, w, bound in TARGETS:
        got = r.get((cfg, w), (None, None))[0]
        if isinstance(bound, tuple):
            ref = r.get((bound[0], w), (None, None))[0]
            limit = ref + bound[1] if ref else None
        else:
            limit = bound
        if got is None or limit is None:
            mark, text = "n/a   ", "not measured"
        else:
            ok = got <= limit
            met_all = ok if met_all is None else met_all and ok
            mark = "met   " if ok else "MISSED"
            text = f"{got:.3f} against {limit:.3f}"
        print(f"  [{mark}] {desc:34s} on {NAMES[w].strip():42s} {text}")
    return met_all


def mem_part(out):
    skipped = os.path.join(out, "mem-skipped")
    if os.path.exists(skipped):
        print(open(skipped).read().strip())
        return
    pages_f = os.path.join(out, "mem-pages")
    if not os.path.exists(pages_f):
        print("memory: not measured (the guest did not get that far)")
        return
    asked = int(open(pages_f).read())
    print(f"zdevmon's memory with {asked} live device folios "
          "(zdev_burst pages=N hold=1): VmRSS + memlock of its BPF maps")
    labels = {"daemon": "daemon (zdevmon -q -i 1 --json F)",
              "run": "zdevmon run (--stacks always on)"}
    for mode in ("daemon", "run"):
        m, idle = mem_of(out, mode), mem_of(out, mode + "-idle")
        if not m:
            print(f"  {labels[mode]}: not measured (see the guest's log)")
            continue
        snap = m["snapshot"]
        live = snap.get("live_folios", 0)
        pages = sum(p["pfn_end"] - p["pfn_start"] + 1
                    for p in snap.get("pgmaps", [])
                    if p.get("live_folios") and "pfn_end" in p)
        total = m["rss"] + m["memlock"]
        print(f"  {labels[mode]}: {total / 2**20:.1f} MiB "
              f"(RSS {m['rss'] / 2**20:.1f} MiB, maps {m['memlock'] / 2**20:.1f} MiB"
              f" in {m['maps']}), {live} folios live, "
              f"{snap.get('dropped_events', '?')} events dropped, "
              f"{snap.get('lost_events', 0)} lost")
        if live:
            line = f"    {total / live:.1f} bytes/folio"
            if pages:
                line += f", {total * 8 / pages:.2f} bits/device page ({pages} pages)"
            if idle:
                grow = total - idle["rss"] - idle["memlock"]
                line += (f"; above idle ({(idle['rss'] + idle['memlock']) / 2**20:.1f}"
                         f" MiB): {grow / live:.1f} bytes/folio")
                if pages:
                    line += f", {grow * 8 / pages:.2f} bits/device page"
            print(line)
        fs = snap.get("folio_state")
        if fs:
            print(f"    kernel-side folio state: {fs.get('mode')}, "
                  f"{fs.get('used')} of {fs.get('capacity')} used, "
                  f"{fs.get('kernel_bytes', 0) / 2**20:.1f} MiB")


def mem_of(out, name):
    try:
        kv = dict(line.split() for line in open(os.path.join(out, f"mem-{name}.txt")))
        snap = json.load(open(os.path.join(out, f"mem-{name}.json")))
    except (OSError, ValueError):
        return None
    return {"rss": int(kv.get("rss_kb", 0)) * 1024,
            "memlock": int(kv.get("memlock_bytes", 0)),
            "maps": int(kv.get("maps", 0)), "snapshot": snap}


def own_cost(out):
    absorbed = None
    for cfg in ("zdevmon", "stacks", "profile", "paused"):
        finals = [json.load(open(p)) for p in
                  sorted(glob.glob(os.path.join(out, f"final-{cfg}-*.json")))]
        if not finals:
            continue
        print(f"{LABELS[cfg]}: per round, median "
              f"{statistics.median(f['events'] for f in finals):.0f} events, "
              f"{statistics.median(f['cpu_seconds'] for f in finals):.2f} s of "
              f"CPU charged to it over its life (loading included; the "
              f"guest charges a woken task the other vCPU's TCG turns too: "
              f"docs/design.md), "
              f"{max(f['dropped_events'] for f in finals)} dropped at most")
        if cfg == "profile":
            hooks = {}
            for f in finals:
                for h in f["hooks"]:
                    if h.get("runs"):
                        t = hooks.setdefault(h["function"], [0, 0])
                        t[0] += h["run_ns"]
                        t[1] += h["runs"]
            prog_s = sum(t[0] for t in hooks.values()) / 1e9
            print(f"  kernel time in zdevmon's programs: {prog_s:.2f} s")
            for fn, (ns, runs) in sorted(hooks.items(), key=lambda x: -x[1][0]):
                print(f"    {fn:34s} {ns / 1e9:7.3f} s  {runs:9d} runs  "
                      f"{ns / runs:8.0f} ns/run")
            if prog_s:
                absorbed = (sum(f["events"] for f in finals), prog_s)
    # the tracker digests no device event one by one any more: the
    # programs do, so their time is what an event costs
    if absorbed:
        n, secs = absorbed
        print(f"events/s: {n / secs / 1e6:.2f} M device events per second of "
              f"program time ({n} events in {secs:.2f} s, with every "
              f"ordinary page's early return, the migration walks and "
              f"--bpf-stats' own clock reads; the daemon digests none of "
              f"them one by one)")
    else:
        print("events/s: measured by the profile configuration "
              "(BENCH_CONFIGS=...,profile)")


def floor_counts(out):
    """What barecount --floor counted in its last run: it did the work."""
    path = os.path.join(out, "floor.out")
    for line in open(path) if os.path.exists(path) else []:
        if line.startswith("floor:"):
            print(f"floor's own counts, its last run:{line[6:].rstrip()}")


def main():
    out = sys.argv[1]
    times, rss, failed = load(out)
    r = ratios(times)
    print_table(times, r)
    for f in failed:
        print(f"FAILED: {f}")
    met = print_targets(r)
    mem_part(out)
    own_cost(out)
    floor_counts(out)
    for cfg in CONFIGS[1:]:
        if cfg in rss:
            print(f"peak RSS of {cfg}'s tracer: {max(rss[cfg]) / 1024:.1f} MiB")
    print({None: "no target measured", True: "every target measured was met",
           False: "some targets MISSED"}[met])


main()
