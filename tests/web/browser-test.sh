#!/bin/bash
# The page zdevmon serves at /, in headless Chromium: it must fetch
# /api/v1/snapshot and show every pgmap of a snapshot captured in the guest.
# Prints PASS:/FAIL: lines (INFO: for the screenshot, OUT/page.png).
#   [MIN_PGMAPS=N] [WANT_OWNERS=1] browser-test.sh SNAPSHOT.json METRICS.txt OUT
cd "$(dirname "$0")/../.." || exit 1
snap=$1 metrics=$2 out=$3
fail() { echo "FAIL: web: $*"; exit 1; }

command -v chromium >/dev/null || fail "chromium is not installed"
if [ ! -s "$snap" ] || [ ! -s "$metrics" ]; then
	fail "no captured snapshot ($snap)"
fi
mkdir -p "$out"
port=$((20000 + RANDOM % 30000))
build/webserve $port "$snap" "$metrics" >"$out/webserve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do
	grep -q ready "$out/webserve.log" && break
	sleep 0.1
done
# no network but loopback: keep Chromium from reaching out
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
	--disable-background-networking --disable-component-update
	--disable-sync --disable-dev-shm-usage --hide-scrollbars
	"--user-data-dir=$out/profile" --virtual-time-budget=4000)
timeout 60 chromium "${flags[@]}" --dump-dom "http://127.0.0.1:$port/" \
	>"$out/dom.html" 2>"$out/chromium.log"
timeout 60 chromium "${flags[@]}" --window-size=1280,820 \
	--screenshot="$out/page.png" "http://127.0.0.1:$port/" \
	>>"$out/chromium.log" 2>&1

# every cell of every row of each table against the snapshot the server
# was given; at least MIN_PGMAPS pgmaps, and the waits and holders tables
# when WANT_OWNERS is set
/usr/bin/python3 - "$snap" "$out/dom.html" "${MIN_PGMAPS:-2}" \
	"${WANT_OWNERS:-}" <<'PY'
import html, json, re, sys
snap = json.load(open(sys.argv[1]))
dom = open(sys.argv[2]).read()
min_pgmaps, want_owners = int(sys.argv[3]), sys.argv[4] == "1"


def table(name):
    body = re.search(rf'<table id="{name}"[^>]*>.*?<tbody>(.*?)</tbody>',
                     dom, re.S)
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)]
            for r in re.findall(r"<tr>(.*?)</tr>",
                                body.group(1) if body else "")]


def check(name, rows, want, least):
    ok = len(want) >= least and rows == want
    print(f"{'PASS' if ok else 'FAIL'}: web: the page shows every {name}'s "
          f"values ({len(want)})" + ("" if ok else f": {rows} vs {want}"))


check("pgmap", table("pgmaps"),
      [[str(p[k]) for k in ("id", "type", "state", "live_folios",
                            "live_pages", "mapped_pages", "inits", "frees",
                            "migrated_to_device_pages",
                            "migrated_to_ram_pages", "pinned_pages")] +
       [str(sum(p["anomalies"].values()))] for p in snap["pgmaps"]],
      min_pgmaps)
if want_owners:
    def held(w):
        h = w["holder"]
        return (f"{h['pins']} pins of pid {h['pid']} ({h['comm']}) in "
                f"{h['cgroup'] if h['cgroup'] is not None else '?'}"
                if h else "no pin seen")
    check("DAX layout wait", table("waits"),
          [[str(w["pid"]), w["comm"], f"{w['dev']}:{w['ino']}",
            str(int(w["waiting_s"] + 0.5)), str(w["pgmap"]), hex(w["pfn"]),
            held(w)] for w in snap["layout_waits"]], 1)
    check("cgroup", table("cgroups"),
          [[g["cgroup"] if g["cgroup"] is not None
            else f"id:{g['cgroup_id']}", str(g["mapped_pages"]),
            str(g["pinned_pages"]), str(g["migrated_to_device_pages"]),
            str(g["migrated_to_ram_pages"])] for g in snap["cgroups"]], 1)
    check("pin holder", table("holders"),
          [[str(h["pid"]), h["comm"],
            h["cgroup"] if h["cgroup"] is not None else "?",
            str(h["pgmap"]), str(h["pages"]), str(h["pins"]),
            str(int(h["held_s"] + 0.5))] for h in snap["pin_holders"]], 1)
# migrations: a row per direction of each device-private or coherent
# pgmap that migrated or was faulted on, when the snapshot has one
mig = []
for p in snap["pgmaps"]:
    m = p.get("migrations")
    if not m or not (m["to_device"]["calls"] or m["to_ram"]["calls"] or
                     p.get("cpu_faults", {}).get("calls")):
        continue
    for d in ("to_device", "to_ram"):
        m, f = p["migrations"][d], p.get("cpu_faults")
        by = m["migrated_by"]
        mig.append([str(v) for v in (
            p["id"], p["type"], d, m["calls"], m["collected_pages"],
            m["not_collected_pages"], m["restored_pages"],
            m["no_destination_pages"], m["failed_pages"],
            m["migrated_pages"], m["thp_migrated"],
            m["thp_split_to_small"], by["driver"], by["fault"],
            by["eviction"], by["pin"], m["pingpong_pages"])] +
            ([str(f["calls"]), str(f["results"]["sigbus"])]
             if d == "to_ram" and f else ["", ""]))
if mig:
    check("migration direction", table("migrations"), mig, 1)
n = len(snap["pgmaps"])
retired = sum(r["pgmaps"] for r in snap.get("retired_pgmaps", []))
ok = f"{n} pgmaps" + (f" (and {retired} gone, retired)" if retired else
                      "") + ", " in dom
print(f"{'PASS' if ok else 'FAIL'}: web: the page read /api/v1/snapshot" +
      ("" if ok else ": " + (re.findall(r'id="status">[^<]*', dom) or
                             ["no status"])[0]))
PY
[ -s "$out/page.png" ] && echo "INFO: web: screenshot in $out/page.png" ||
	echo "FAIL: web: no screenshot ($(tail -2 "$out/chromium.log"))"
