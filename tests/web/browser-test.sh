#!/bin/bash
# The page zdevmon serves at /, in headless Chromium: it must fetch
# /api/v1/snapshot and show every pgmap of a snapshot captured in the guest.
# Prints PASS:/FAIL: lines (INFO: for the screenshot, OUT/page.png).
#   browser-test.sh SNAPSHOT.json METRICS.txt OUT
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

# every cell of every row against the snapshot the server was given
/usr/bin/python3 - "$snap" "$out/dom.html" <<'PY'
import html, json, re, sys
snap = json.load(open(sys.argv[1]))
dom = open(sys.argv[2]).read()
body = re.search(r"<tbody>(.*)</tbody>", dom, re.S)
rows = [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)]
        for r in re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "")]
want = [[str(p[k]) for k in ("id", "type", "state", "live_folios",
                             "live_pages", "mapped_pages", "inits", "frees",
                             "migrated_to_device_pages",
                             "migrated_to_ram_pages")] +
        [str(sum(p["anomalies"].values()))] for p in snap["pgmaps"]]
ok = len(want) >= 2 and rows == want
print(f"{'PASS' if ok else 'FAIL'}: web: the page shows every pgmap's "
      f"values ({len(want)} pgmaps)" + ("" if ok else f": {rows} vs {want}"))
n = len(snap["pgmaps"])
ok = f"{n} pgmaps, " in dom
print(f"{'PASS' if ok else 'FAIL'}: web: the page read /api/v1/snapshot" +
      ("" if ok else ": " + (re.findall(r'id="status">[^<]*', dom) or
                             ["no status"])[0]))
PY
[ -s "$out/page.png" ] && echo "INFO: web: screenshot in $out/page.png" ||
	echo "FAIL: web: no screenshot ($(tail -2 "$out/chromium.log"))"
