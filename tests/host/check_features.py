#!/usr/bin/env python3
"""What zdevmon features --btf chose for one kernel, against what that
kernel offers (../shared/docs/KERNEL-SURFACE.md section 9).

    check_features.py KERNEL FEATURES.json
"""
import json
import os
import sys

import jsonschema

kernel, path = sys.argv[1], sys.argv[2]
obj = json.load(open(path))
schema = json.load(open(os.path.join(os.path.dirname(__file__),
                                     "../../docs/schema/v1/features.json")))
hooks = {h["function"]: h for h in obj["hooks"]}
on = {f for f, h in hooks.items() if h["mechanism"] != "off"}

# (functions that must attach, that must be off, idle refcount of FS DAX)
expect = {
    "6.1": ({"free_zone_device_page", "page_add_anon_rmap",
             "page_add_new_anon_rmap", "page_add_file_rmap",
             "page_remove_rmap", "__put_devmap_managed_page_refs",
             "zone_device_page_init", "migrate_vma_pages"},
            {"folio_add_file_rmap_pud", "__folio_freeze_and_split_unmapped"},
            1),
    "6.12": ({"free_zone_device_folio", "folio_add_anon_rmap_ptes",
              "folio_add_file_rmap_pmd", "__put_devmap_managed_folio_refs",
              "zone_device_page_init", "migrate_vma_pages"},
             {"folio_add_file_rmap_pud", "__folio_freeze_and_split_unmapped"},
             1),
    "7.2": ({"free_zone_device_folio", "folio_add_file_rmap_pud",
             "folio_remove_rmap_pud", "__folio_freeze_and_split_unmapped",
             "zone_device_page_init", "migrate_vma_pages"},
            {"__put_devmap_managed_folio_refs"}, 0),
}[kernel]
fails = 0


def check(name, ok, detail=""):
    global fails
    print(f"{'PASS' if ok else 'FAIL'}: features/{kernel}: {name}"
          + ("" if ok else f": {detail}"))
    fails += not ok


try:
    jsonschema.validate(obj, schema)
    check("valid against docs/schema/v1/features.json", True)
except jsonschema.ValidationError as e:
    check("valid against docs/schema/v1/features.json", False, e.message)
check("programs loaded for this kernel's layout", obj["load_only"])
check("its hooks selected", expect[0] <= on, sorted(expect[0] - on))
check("hooks it lacks switched off with a reason",
      all(hooks.get(f, {}).get("mechanism") == "off" and
          hooks[f].get("reason") for f in expect[1]),
      {f: hooks.get(f) for f in expect[1]})
check("FS DAX refcount scheme", obj["fsdax_idle_refcount"] == expect[2],
      obj["refcount_scheme"])
sys.exit(1 if fails else 0)
