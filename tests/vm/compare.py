#!/usr/bin/env python3
"""fentry and kprobes must see the same thing: the final snapshot of each
session a scenario ran under both, pgmap by pgmap, on the counters a
deterministic workload fixes, for the scenarios matrix.tsv marks "agree:
yes". Prints PASS:/FAIL: lines.
    compare.py OUT SUITE SCENARIO"""
import glob
import json
import os
import sys

import matrix

FIELDS = ("inits", "frees", "splits", "split_new_folios",
          "migrated_to_device_pages", "migrated_to_device_large",
          "migrated_to_ram_pages", "migrated_to_ram_large",
          "evicted_pages", "collected_pages")
# a device-private or coherent pgmap's migration outcomes, each way (not
# ping-pong nor times: they depend on how fast the guest runs)
MIG_FIELDS = ("calls", "range_pages", "collected_pages", "restored_pages",
              "no_destination_pages", "failed_pages", "migrated_pages",
              "thp_migrated", "thp_split_to_small")


def fields(p):
    """The pgmap's compared values, by name."""
    vals = {fld: p.get(fld) for fld in FIELDS}
    for d, m in (p.get("migrations") or {}).items():
        if isinstance(m, dict):
            vals.update({f"{d}.{fld}": m.get(fld) for fld in MIG_FIELDS})
    return vals


def final_snapshot(path):
    for line in open(path):
        o = json.loads(line)
        if o.get("kind") == "snapshot" and o.get("final"):
            return o
    return None


def main():
    out, suite, scen = sys.argv[1:4]
    fdir = f"{out}/{suite}-fentry-{scen}/{scen}"
    kdir = f"{out}/{suite}-kprobe-{scen}/{scen}"
    fails = 0
    label = matrix.label(suite, scen)
    if not any(e.scenario == scen and e.agree for e in matrix.load()):
        print(f"INFO: {label}: not compared (agree: no in matrix.tsv)")
        return 0
    for fpath in sorted(glob.glob(f"{fdir}/*.ndjson")):
        name = os.path.basename(fpath)
        kpath = f"{kdir}/{name}"
        if not os.path.exists(kpath):
            continue
        fs, ks = final_snapshot(fpath), final_snapshot(kpath)
        if fs is None or ks is None:
            continue
        if fs["dropped_events"] or ks["dropped_events"]:
            # a ring made to overflow: what is lost is not deterministic
            print(f"INFO: {label}/{name}: not compared, events were "
                  "dropped on purpose")
            continue
        f = {p["id"]: p for p in fs["pgmaps"]}
        k = {p["id"]: p for p in ks["pgmaps"]}
        diff = {(i, fld): (v, fields(k.get(i, {})).get(fld))
                for i in f for fld, v in fields(f[i]).items()
                if v != fields(k.get(i, {})).get(fld)}
        ok = not diff and set(f) == set(k)
        print(f"{'PASS' if ok else 'FAIL'}: {label}/{name}: fentry and "
              f"kprobes agree on every pgmap's counters"
              + ("" if ok else f" (pgmap, field: fentry, kprobe: {diff}, "
                 f"pgmaps {sorted(f)} vs {sorted(k)})"))
        fails += not ok
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
