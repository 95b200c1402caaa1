#!/usr/bin/env python3
"""fentry and kprobes must see the same thing: the final snapshot of each
session a scenario ran under both, pgmap by pgmap, on the counters a
deterministic workload fixes. Prints PASS:/FAIL: lines.
    compare.py OUT SUITE SCENARIO"""
import glob
import json
import os
import sys

FIELDS = ("inits", "frees", "splits", "split_new_folios",
          "migrated_to_device_pages", "migrated_to_device_large",
          "migrated_to_ram_pages", "migrated_to_ram_large",
          "evicted_pages", "collected_pages")


def final_pgmaps(path):
    for line in open(path):
        o = json.loads(line)
        if o.get("kind") == "snapshot" and o.get("final"):
            return {p["id"]: p for p in o["pgmaps"]}
    return None


def main():
    out, suite, scen = sys.argv[1:4]
    fdir = f"{out}/{suite}-fentry-{scen}/{scen}"
    kdir = f"{out}/{suite}-kprobe-{scen}/{scen}"
    fails = 0
    label = scen if suite == "sid" else f"{suite}/{scen}"
    for fpath in sorted(glob.glob(f"{fdir}/*.ndjson")):
        name = os.path.basename(fpath)
        kpath = f"{kdir}/{name}"
        if not os.path.exists(kpath):
            continue
        f, k = final_pgmaps(fpath), final_pgmaps(kpath)
        if f is None or k is None:
            continue
        diff = {(i, fld): (f[i].get(fld), k.get(i, {}).get(fld))
                for i in f for fld in FIELDS
                if f[i].get(fld) != k.get(i, {}).get(fld)}
        ok = not diff and set(f) == set(k)
        print(f"{'PASS' if ok else 'FAIL'}: {label}/{name}: fentry and "
              f"kprobes agree on every pgmap's counters"
              + ("" if ok else f" (pgmap, field: fentry, kprobe: {diff}, "
                 f"pgmaps {sorted(f)} vs {sorted(k)})"))
        fails += not ok
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
