#!/bin/bash
# The page zdevmon serves at /, in headless Chromium: it must fetch
# /api/v1/snapshot and show every pgmap of a snapshot captured in the guest.
# Prints PASS:/FAIL: lines; a screenshot goes to OUT/page.png.
#   browser-test.sh SNAPSHOT.json METRICS.txt OUT
cd "$(dirname "$0")/../.."
snap=$1 metrics=$2 out=$3
fail() { echo "FAIL: web: $*"; exit 1; }
pass() { echo "PASS: web: $*"; }

command -v chromium >/dev/null || fail "chromium is not installed"
[ -s "$snap" ] && [ -s "$metrics" ] || fail "no captured snapshot ($snap)"
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
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
	--disable-background-networking --disable-component-update
	--disable-sync --disable-dev-shm-usage --hide-scrollbars
	--user-data-dir=$out/profile --virtual-time-budget=4000"
timeout 60 chromium $flags --dump-dom "http://127.0.0.1:$port/" \
	>"$out/dom.html" 2>"$out/chromium.log"
timeout 60 chromium $flags --window-size=1280,820 \
	--screenshot="$out/page.png" "http://127.0.0.1:$port/" \
	>>"$out/chromium.log" 2>&1

want=$(/usr/bin/python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['pgmaps']))" "$snap")
rows=$(sed -n 's/.*<tbody>\(.*\)<\/tbody>.*/\1/p' "$out/dom.html" |
	grep -o '<tr>' | wc -l)
[ "$rows" = "$want" ] && pass "the page lists every pgmap ($rows)" ||
	echo "FAIL: web: the page lists $rows pgmaps, the snapshot $want"
grep -q "$want pgmaps, " "$out/dom.html" &&
	pass "the page read /api/v1/snapshot" ||
	echo "FAIL: web: status line: $(grep -o 'id="status">[^<]*' "$out/dom.html")"
[ -s "$out/page.png" ] && pass "screenshot taken" ||
	echo "FAIL: web: no screenshot ($(tail -2 "$out/chromium.log"))"
